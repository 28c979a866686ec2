"""Which PDF library to read partners' PDFs with: the candidates measured on the same work.

For each library installed (pdfplumber / pdfminer.six, pypdfium2, PyMuPDF, pypdf,
unstructured), on a PDF (by default the guidebook printed by Chromium):

- seconds per page for its text extraction, and for the characters with their fonts where it
  has them (what finding headings needs);
- reading order: how many of the guidebook's 83 action points appear verbatim in its plain
  text once lines are joined (a table cell's lines interleaved with the next cell's fail);
- what it offers: font size and weight per character, ruled-table detection, the licence.

unstructured is run with its "fast" strategy (pdfminer underneath, no models), and also
scored on whether its elements keep each action point whole and how many table cells it
calls titles. Run it in an environment holding the candidates:

    python benchmarks/pdf_libraries.py [PDF]
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LICENCES = {"pdfplumber": "MIT", "pypdfium2": "Apache-2.0 / BSD-3", "pymupdf": "AGPL-3.0",
            "pypdf": "BSD-3", "unstructured": "Apache-2.0"}


def plumber(path: Path) -> tuple[str, float]:
    import pdfplumber

    started = time.perf_counter()
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_words(extra_attrs=["size", "fontname"])
            page.find_tables()
    fonts = time.perf_counter() - started
    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return text, fonts


def pdfium(path: Path) -> tuple[str, float]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(str(path))
    started = time.perf_counter()
    for page in document:
        textpage = page.get_textpage()
        for i in range(textpage.count_chars()):  # size and font per character, raw API
            raw.FPDFText_GetFontSize(textpage.raw, i)
            raw.FPDFText_GetFontWeight(textpage.raw, i)
    fonts = time.perf_counter() - started
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return text, fonts


def mupdf(path: Path) -> tuple[str, float]:
    import pymupdf

    document = pymupdf.open(path)
    started = time.perf_counter()
    for page in document:
        page.get_text("dict")
        page.find_tables()
    fonts = time.perf_counter() - started
    return "\n".join(page.get_text() for page in document), fonts


def pypdf_(path: Path) -> tuple[str, float]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    started = time.perf_counter()
    for page in reader.pages:  # font size via the visitor: the only way pypdf gives it
        page.extract_text(visitor_text=lambda *args: None)
    fonts = time.perf_counter() - started
    return "\n".join(page.extract_text() or "" for page in reader.pages), fonts


ELEMENTS: list[object] = []  # unstructured's last elements, scored on their own below


def unstructured_(path: Path) -> tuple[str, float]:
    from unstructured.partition.pdf import partition_pdf

    started = time.perf_counter()
    ELEMENTS[:] = partition_pdf(filename=str(path), strategy="fast")
    fonts = time.perf_counter() - started
    return "\n".join(str(e) for e in ELEMENTS), fonts


CANDIDATES: dict[str, tuple[str, Callable[[Path], tuple[str, float]], str, str]] = {
    # name: (module, reader, font size and weight per char, ruled tables)
    "pdfplumber": ("pdfplumber", plumber, "yes", "yes"),
    "pypdfium2": ("pypdfium2", pdfium, "yes (raw API, per char)", "no"),
    "pymupdf": ("pymupdf", mupdf, "yes (spans)", "yes"),
    "pypdf": ("pypdf", pypdf_, "via a visitor callback", "no"),
    "unstructured": ("unstructured", unstructured_, "no (element types)", "no (fast)"),
}


def main() -> int:
    import pdfplumber

    from corpus.load import load_corpus
    from corpus.settings import DEFAULT_CORPUS_DIR
    from corpus.text import normalise_space

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if path is None:
        import tempfile

        from evals.renderings import guidebook_folder

        path = guidebook_folder(Path(tempfile.mkdtemp()) / "pdf", "pdf") / \
            "talent-hub-guidebook.pdf"
    points = [normalise_space(s.text) for s in load_corpus(DEFAULT_CORPUS_DIR).sections
              if s.kind == "action-points"]
    with pdfplumber.open(path) as pdf:
        pages = len(pdf.pages)
    print(f"{path}: {pages} pages, {len(points)} action points to find\n")
    print("| library | licence | s/page text | s/page chars+fonts(+tables) | action points in "
          "reading order | font size/weight | ruled tables |")
    print("|---|---|---|---|---|---|---|")
    for name, (module, reader, fonts, tables) in CANDIDATES.items():
        if importlib.util.find_spec(module) is None:
            print(f"| {name} | {LICENCES[name]} | not installed | | | {fonts} | {tables} |")
            continue
        started = time.perf_counter()
        try:
            text, font_seconds = reader(path)
        except ImportError as exc:  # unstructured's PDF support needs its ML stack
            print(f"| {name} | {LICENCES[name]} | cannot import: {exc} | | | {fonts} | "
                  f"{tables} |")
            continue
        total = time.perf_counter() - started
        flat = normalise_space(text)
        found = sum(p in flat for p in points)
        print(f"| {name} | {LICENCES[name]} | {(total - font_seconds) / pages:.3f} | "
              f"{font_seconds / pages:.3f} | {found}/{len(points)} | {fonts} | {tables} |")
    if ELEMENTS:
        texts = [normalise_space(str(e)) for e in ELEMENTS]
        whole = sum(any(p in t for t in texts) for p in points)
        titles = [t for e, t in zip(ELEMENTS, texts, strict=True)
                  if type(e).__name__ == "Title"]
        cells = [t for t in titles if t in ("Yes", "No", "Not sure", "Yes No Not sure")
                 or t.startswith("FOCUS ON")]
        print(f"\nunstructured (fast): {whole}/{len(points)} action points whole in one "
              f"element; {len(titles)} titles, {len(cells)} of them table cells")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
