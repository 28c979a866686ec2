"""The CLI's console: wrapped for a person at a terminal, never when redirected."""

from __future__ import annotations

import io

from rich.table import Table

from ui.cli import Output

PATH = "/tmp/" + "a-long-folder-name/" * 8 + "garbage.pdf"
ANSWER = ("Employers should:\n\n- Offer online and preparatory language learning opportunities "
          "to the talent and their family before they arrive [1].\n- Connect talent with "
          "settlement consultants [2].")


def narrow(*, terminal: bool) -> tuple[Output, io.StringIO]:
    out = io.StringIO()
    return Output(file=out, width=40, force_terminal=terminal, color_system=None), out


def test_redirected_messages_and_paths_stay_on_one_line() -> None:
    console, out = narrow(terminal=False)
    console.print(f"[yellow]skipped[/] {PATH}: cannot read: EOF marker not found",
                  highlight=False)
    assert out.getvalue() == f"skipped {PATH}: cannot read: EOF marker not found\n"


def test_redirected_tables_take_their_natural_width() -> None:
    console, out = narrow(terminal=False)
    table = Table(title=f"{PATH}: 3 cases", title_justify="left")
    table.add_column("metric")
    table.add_column("Assistant", justify="right")
    table.add_row("Citation precision", "0.917 (36)")
    console.print(table)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{PATH}: 3 cases"
    assert any("Citation precision" in line and "0.917 (36)" in line for line in lines)


def test_redirected_markdown_is_the_source_not_cropped() -> None:
    console, out = narrow(terminal=False)
    console.markdown(ANSWER)
    assert out.getvalue() == ANSWER + "\n"


def test_a_terminal_still_gets_wrapped_rendered_text() -> None:
    console, out = narrow(terminal=True)
    console.print(f"skipped {PATH}")
    console.markdown(ANSWER)
    assert all(len(line) <= 40 for line in out.getvalue().splitlines())
    assert "• Offer online" in out.getvalue()
