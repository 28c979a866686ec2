"""A tiny PDF writer for reader tests: text in Helvetica (regular or bold) at exact sizes and
positions, ruling rectangles for tables, and a title. Exact geometry makes each layout rule
testable on its own."""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points


@dataclass
class Page:
    texts: list[tuple[float, float, str, float, bool]] = field(default_factory=list)
    rects: list[tuple[float, float, float, float]] = field(default_factory=list)

    def text(self, x: float, top: float, text: str, *, size: float = 11,
             bold: bool = False) -> Page:
        """`top` counts down from the top edge, as a reader of the page sees it."""
        self.texts.append((x, PAGE_HEIGHT - top - size, text, size, bold))
        return self

    def lines(self, x: float, top: float, lines: list[str], *, size: float = 11,
              bold: bool = False, leading: float = 1.3) -> float:
        """Consecutive lines of one paragraph; returns the top below the last one."""
        for line in lines:
            self.text(x, top, line, size=size, bold=bold)
            top += size * leading
        return top

    def rect(self, x0: float, top: float, x1: float, bottom: float) -> Page:
        """A cell's border, as ruled tables draw them."""
        self.rects.append((x0, PAGE_HEIGHT - bottom, x1 - x0, bottom - top))
        return self


def pdf_bytes(pages: list[Page], *, title: str = "") -> bytes:
    n = len(pages)
    fonts = 3 + 2 * n  # F1 regular, F2 bold
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(f"{3 + 2 * i} 0 R".encode() for i in range(n))
        + f"] /Count {n} >>".encode(),
    ]
    for i, page in enumerate(pages):
        content = ""
        for x, y, text, size, bold in page.texts:
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            content += f"BT /{'F2' if bold else 'F1'} {size} Tf {x} {y} Td ({escaped}) Tj ET\n"
        for x, y, w, h in page.rects:
            content += f"0.5 w {x} {y} {w} {h} re S\n"
        stream = content.encode("cp1252")  # WinAnsiEncoding
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 {fonts} 0 R /F2 {fonts + 1} 0 R >> >> "
            f"/Contents {4 + 2 * i} 0 R >>".encode())
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream
                       + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
                   b"/Encoding /WinAnsiEncoding >>")
    info = len(objects) + 1
    objects.append(f"<< /Title ({title}) >>".encode("latin-1"))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)
