"""The `talenthub` command: a thin layer over the `assistant` and `index` APIs.

Errors the user can fix become one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console, ConsoleOptions
from rich.markdown import Markdown

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from assistant.errors import IndexUnavailable, TalentHubError
from corpus.models import PHASES, STAKEHOLDERS, cited_where
from corpus.settings import Settings
from ui.mcp_stdio import mcp_command

# Wide enough that no table or message of this CLI ever reaches it.
UNWRAPPED_WIDTH = 10_000


class Output(Console):
    """rich's console, except that it never wraps when it does not write to a terminal.

    Redirected (`talenthub index > build.log`), rich would still break lines at 80 columns
    (or $COLUMNS) and cut messages and paths in two. There, every message stays one line
    and a table takes its natural width. Checked at each print: tests swap the streams.
    """

    @property
    def options(self) -> ConsoleOptions:
        options = super().options
        return options if self.is_terminal else options.update_width(UNWRAPPED_WIDTH)

    def print(self, *objects: Any, soft_wrap: bool | None = None, **kwargs: Any) -> None:
        if soft_wrap is None:
            soft_wrap = not self.is_terminal
        super().print(*objects, soft_wrap=soft_wrap, **kwargs)

    def markdown(self, text: str) -> None:
        """Rendered at a terminal; elsewhere the Markdown source itself, because rich crops
        long list items when it may not wrap them."""
        if self.is_terminal:
            self.print(Markdown(text))
        else:
            self.out(text, highlight=False)


console = Output(stderr=False)
errors = Output(stderr=True)


class UsageError(click.ClickException):
    """A one-line message and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        errors.print(f"[bold red]error:[/] {self.format_message()}", highlight=False)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can fix into `UsageError`."""
    try:
        yield
    except (TalentHubError, IndexUnavailable, FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from exc


def make_settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Index and state folder (TALENTHUB_DATA_DIR).")
@click.option("--corpus-dir", type=click.Path(path_type=Path), default=None,
              help="Folder of documents (TALENTHUB_CORPUS_DIR).")
@click.option("--chroma-url", default=None, help="Chroma server URL (TALENTHUB_CHROMA_URL).")
@click.option("-v", "--verbose", is_flag=True, help="Show warnings and progress detail.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, corpus_dir: Path | None,
        chroma_url: str | None, verbose: bool) -> None:
    """Answers from the IOM Talent Hub EU Guidebook, with exact citations."""
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR,
                        format="%(levelname)s %(message)s")
    ctx.obj = make_settings(data_dir=data_dir, corpus_dir=corpus_dir, chroma_url=chroma_url)


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Re-embed everything into a fresh build.")
@click.pass_obj
def index_command(settings: Settings, rebuild: bool) -> None:
    """Build or update the index from the corpus, incrementally."""
    from index.build import build_index
    from index.embeddings import load_embedder

    with user_errors(), build_progress() as progress:
        report = build_index(settings, lambda: load_embedder(settings.embedding_model),
                             rebuild=rebuild, progress=progress)
    counts = report.counts
    where = settings.chroma_url or settings.index_dir
    if report.up_to_date:
        console.print(f"Index is up to date ({where}): nothing re-embedded.")
    else:
        console.print(f"Built index {report.build_id} in {where}: embedded {report.embedded} "
                      f"chunks, reused {report.reused}.")
        for label, slugs in (("added", report.added), ("changed", report.changed),
                             ("removed", report.removed)):
            if slugs:
                console.print(f"  {label}: {', '.join(slugs)}")
    console.print(
        f"{report.documents} documents, {report.sections} sections, {report.chunks} chunks: "
        f"{counts.get('stakeholders', 0)} stakeholders, {counts.get('action-points', 0)} action "
        f"points, {counts.get('self-assessment', 0)} self-assessment statements, "
        f"{counts.get('intervention areas', 0)} intervention areas "
        f"({counts.get('interventions', 0)} paragraphs), {counts.get('quotes', 0)} quotes, "
        f"{counts.get('other', 0)} other sections. {report.seconds:.1f} s.")
    for skipped in report.skipped:
        errors.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}", highlight=False)


STAGES = {"parse": "Reading documents", "embed": "Embedding chunks"}


@contextmanager
def build_progress() -> Iterator[Any]:
    """Per-document reading and embedding progress: bars on a terminal, else one line per
    step on stderr (a log or CI shows how far a long build got)."""
    if not errors.is_terminal:
        def line(stage: str, done: int, total: int, what: str) -> None:
            errors.print(f"{STAGES[stage]}: {done}/{total} {what}", highlight=False,
                         soft_wrap=True)

        yield line
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), "{task.fields[what]}",
                  console=errors, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int, what: str) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES[stage], total=total, what="")
            bar.update(tasks[stage], completed=done, total=total, what=what)

        yield update


def print_answer(answer: Any) -> None:
    """Markdown answer, then its sources, for a person at a terminal."""
    console.markdown(answer.answer)
    if answer.citations:
        console.print()
        console.print("[bold]Sources[/]")
        for c in answer.citations:
            console.print(f"  [cyan][{c.marker}][/] [bold]{c.id}[/]  "
                          f"[dim]{cited_where(c.breadcrumb, c.pages)}[/]", highlight=False)
    meta = answer.meta or {}
    if meta.get("fallback"):
        errors.print(f"[yellow]note:[/] LLM unavailable ({meta['fallback']}); "
                     "extractive answer shown.", highlight=False)


@cli.command("ask")
@click.argument("question", required=False)
@click.option("--stakeholder", "-s", type=click.Choice(list(STAKEHOLDERS)), default=None,
              help="Answer for this stakeholder.")
@click.option("--phase", "-p", type=click.Choice(list(PHASES)), default=None,
              help="Answer for this phase of the customer journey.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer JSON.")
@click.option("--batch", type=click.Path(path_type=Path), default=None,
              help="JSONL file of requests; writes one answer JSON per line.")
@click.option("--llm", default=None, help="LLM backend, e.g. openai:gpt-4o-mini (TALENTHUB_LLM).")
@click.option("--partner", default=None,
              help="Answer from this partner's documents too (default: the shared ones only).")
@click.pass_obj
def ask_command(settings: Settings, question: str | None, stakeholder: str | None,
                phase: str | None, as_json: bool, batch: Path | None, llm: str | None,
                partner: str | None) -> None:
    """Ask a question; or answer a JSONL batch with the models loaded once."""
    from assistant.api import Assistant
    from corpus.scopes import Scope

    if llm:
        settings = settings.model_copy(update={"llm": llm})
    if (question is None) == (batch is None):
        raise UsageError("give either a QUESTION or --batch FILE.jsonl")
    with user_errors():
        requests = list(read_batch(batch)) if batch else None
        scope = Scope(partner)
        assistant = Assistant.from_settings(settings).scoped(scope)
        if requests is not None:
            for request in requests:
                answer = assistant.ask(**request)
                click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
            return
        answer = assistant.ask(question or "", stakeholder=stakeholder, phase=phase)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)


def read_batch(path: Path) -> Iterator[dict[str, Any]]:
    """Validate every line before answering any, so a bad line loses no work."""
    from evals.dataset import DatasetError, read_jsonl

    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    requests = []
    try:
        for where, _, data in read_jsonl(path):
            if not isinstance(data, dict) or not isinstance(data.get("question"), str):
                raise UsageError(f'{where}: expected an object with a "question" string')
            unknown = set(data) - {"question", "history", "stakeholder", "phase"}
            if unknown:
                raise UsageError(f"{where}: unknown keys {sorted(unknown)}")
            requests.append({"question": data["question"], "history": data.get("history"),
                             "stakeholder": data.get("stakeholder"), "phase": data.get("phase")})
    except DatasetError as exc:
        raise UsageError(str(exc)) from exc
    yield from requests


@cli.command("assess")
@click.option("--stakeholder", "-s", type=click.Choice(list(STAKEHOLDERS)), required=True,
              help="Whose self-assessment table.")
@click.option("--answers", "answers_path", type=click.Path(path_type=Path), default=None,
              help='JSON mapping statement ids to "yes", "no" or "not-sure".')
@click.option("--template", is_flag=True, help="Print a blank answers file to fill in.")
@click.option("--json", "as_json", is_flag=True, help="Print the assessment JSON.")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "html"]), default=None,
              help="Print the plan as Markdown, CSV or a printable HTML page.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of the terminal.")
@click.option("--previous", type=click.Path(path_type=Path), default=None,
              help="An earlier answers file: show the progress since then.")
@click.pass_obj
def assess_command(settings: Settings, stakeholder: str, answers_path: Path | None,
                   template: bool, as_json: bool, fmt: str | None, output: Path | None,
                   previous: Path | None) -> None:
    """Turn self-assessment answers into a cited action plan, by phase."""
    from assistant import assessment
    from assistant.api import Assistant
    from assistant.assessment_export import render, to_markdown

    if template == (answers_path is not None):
        raise UsageError("give either --answers FILE.json or --template")
    if as_json and fmt:
        raise UsageError("give --json or --format, not both")
    with user_errors():
        sheet = assessment.read_sheet(answers_path) if answers_path else None
        old = assessment.read_sheet(previous) if previous else None
        assistant = Assistant.from_settings(settings)
        if sheet is None:
            blank = assessment.template(assessment.load_statements(assistant, stakeholder),
                                        stakeholder)
            text = json.dumps(blank, ensure_ascii=False, indent=2) + "\n"
        else:
            result = assessment.assess_sheet(assistant, stakeholder, sheet, previous=old)
            text = (json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
                    if as_json else render(result, fmt or "md"))
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from exc
        errors.print(f"Wrote {output}", highlight=False)
    elif sheet is not None and not as_json and fmt is None:
        console.markdown(to_markdown(result))
    else:
        click.echo(text, nl=False)


@cli.command("eval")
@click.option("--dataset", type=click.Path(path_type=Path), default=None,
              help="JSONL eval dataset (overrides --split).")
@click.option("--split", type=click.Choice(["dev", "test"]), default="test", show_default=True,
              help="Bundled split to run when no --dataset is given.")
@click.option("--report-dir", type=click.Path(path_type=Path), default=None,
              help="Where report.json and report.html go (default: DATA_DIR/eval).")
@click.option("--baselines", is_flag=True,
              help="Also run the naive LangChain, BM25-only and dense-only pipelines.")
@click.option("--thresholds", type=click.Path(path_type=Path), default=None,
              help="Thresholds TOML (default: evals/thresholds.toml).")
@click.option("--compare", nargs=2, type=click.Path(path_type=Path), default=None,
              metavar="OLD NEW", help="Show what changed between two report.json files.")
@click.pass_obj
def eval_command(settings: Settings, dataset: Path | None, split: str, report_dir: Path | None,
                 baselines: bool, thresholds: Path | None,
                 compare: tuple[Path, Path] | None) -> None:
    """Score the assistant's citations on an eval dataset; exit 1 below the thresholds."""
    from evals import assessment_eval, runner
    from evals.compare import load_report
    from evals.console import print_comparison, print_summary
    from evals.dataset import split_path
    from evals.metrics import bound
    from evals.report import write_reports

    if compare:
        with user_errors():
            old, new = (load_report(path) for path in compare)
        print_comparison(old, new, console)
        return
    with user_errors():
        report = runner.run_suite(
            settings, dataset=dataset or split_path(split), split=None if dataset else split,
            baselines=baselines, thresholds_path=thresholds or runner.THRESHOLDS_PATH,
            console=errors)
        json_path, html_path = write_reports(report, report_dir or settings.data_dir / "eval")
    print_summary(report, console)
    console.print(f"Reports: {json_path}, {html_path} ({report.config['seconds']:.0f} s)",
                  highlight=False)
    # The self-assessment's gap-to-action mapping: its own dataset, metrics and thresholds.
    with user_errors():
        gaps_passed = dataset is not None or assessment_eval.run_and_report(
            settings, report_dir or settings.data_dir / "eval", console)
    if not report.passed:
        failed = ", ".join(f"{c.metric} {c.value:.3f}, needs {bound(c.metric, c.minimum)}"
                           for c in report.checks if not c.passed)
        errors.print(f"[bold red]below threshold:[/] {failed}", highlight=False)
        sys.exit(1)
    if not gaps_passed:
        sys.exit(1)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=7860, show_default=True, type=int, help="Port to listen on.")
@click.option("--embed", is_flag=True, default=None,
              help="Hide the page chrome for iframes (TALENTHUB_EMBED; else use /?embed=1).")
@click.option("--branding", type=click.Path(path_type=Path), default=None,
              help="Partner branding TOML (TALENTHUB_BRANDING_FILE).")
@click.option("--root-path", default=None,
              help="Public sub-path behind a reverse proxy, e.g. /talenthub.")
@click.pass_obj
def serve_command(settings: Settings, host: str, port: int, embed: bool | None,
                  branding: Path | None, root_path: str | None) -> None:
    """Serve the chat at / and the REST API under /api/ (docs at /api/docs)."""
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from ui.server import create_app

    overrides = {"embed": embed, "branding_file": branding, "root_path": root_path}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    with user_errors():
        try:
            app = create_app(settings)
        except SQLAlchemyError as exc:
            raise UsageError(database_error(settings, exc)) from exc
    console.print(f"Talent Hub Assistant on http://{host}:{port}{settings.root_path}/ "
                  f"(API docs at {settings.root_path}/api/docs)", highlight=False)
    # One process, one worker: the model and index load once and are shared by threads.
    # Scale out with replicas behind a load balancer sharing a Chroma server.
    # uvicorn's own X-Forwarded-For handling is off: which proxies to believe is
    # TALENTHUB_TRUSTED_PROXIES's to say (ui/identity.py), and it needs the real peer.
    uvicorn.run(app, host=host, port=port, root_path=settings.root_path, workers=1,
                log_level="warning", timeout_graceful_shutdown=5, proxy_headers=False)


@cli.group("feedback")
def feedback_group() -> None:
    """Ratings given in the chat and through POST /api/feedback."""


@feedback_group.command("export")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="JSONL file to write (default: stdout).")
@click.pass_obj
def feedback_export_command(settings: Settings, output: Path | None) -> None:
    """Write the stored feedback as eval-set candidates (evals JSONL format)."""
    from ui.feedback import FeedbackStore

    with user_errors():
        store = FeedbackStore(open_database(settings))
        lines = [json.dumps(record, ensure_ascii=False) for record in store.export()]
    text = "".join(line + "\n" for line in lines)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror}") from exc
    errors.print(f"{len(lines)} feedback records exported from {store.database.where}"
                 + (f" to {output}" if output else ""), highlight=False)


def database_error(settings: Settings, exc: Exception) -> str:
    """A database that cannot be opened, in one line, without its password."""
    from ui.storage import masked

    where = masked(settings.database_url) if settings.database_url else settings.data_dir
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
    return f"cannot open the database at {where}: {reason}"


def open_database(settings: Settings) -> Any:
    """The server's database, or a one-line error when it cannot be opened."""
    from sqlalchemy.exc import SQLAlchemyError

    from ui.storage import Database

    try:
        return Database.from_settings(settings)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise UsageError(database_error(settings, exc)) from exc


USER_OPTION = click.option("--user", required=True, help=(
    "The person's single-sign-on user, chat login or API key name."))


@cli.group("privacy")
def privacy_group() -> None:
    """Access and erasure requests for what the server stores about a person."""


@privacy_group.command("export")
@USER_OPTION
@click.pass_obj
def privacy_export_command(settings: Settings, user: str) -> None:
    """Print everything stored under USER as JSON: questions, ratings, admin actions."""
    from ui.privacy import export_user

    data = export_user(open_database(settings), user)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    counts = ", ".join(f"{len(data[k])} {k}" for k in ("questions", "feedback", "audit"))
    errors.print(f"{user}: {counts}", highlight=False)


@privacy_group.command("delete")
@USER_OPTION
@click.pass_obj
def privacy_delete_command(settings: Settings, user: str) -> None:
    """Delete USER's stored questions and ratings (the admin audit log is kept)."""
    from ui.privacy import delete_user

    deleted = delete_user(open_database(settings), user)
    console.print(f"Deleted for {user}: {deleted['questions']} questions, "
                  f"{deleted['feedback']} ratings.", highlight=False)


cli.add_command(mcp_command)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="talenthub")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
