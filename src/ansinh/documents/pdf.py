"""PDF building blocks (fpdf2): the one document class of ansinh, its fonts, colours and the HTTP answer.

Documents are Vietnamese administrative papers, so their wording is Vietnamese whatever the interface language.
The font (DejaVu Sans, shipped in ``fonts/``) covers every Vietnamese letter and the ₫ sign.

Speed (cards are printed by the hundred at the end of an event): one FPDF document per batch, so the fonts are
parsed once; a QR code is drawn as one vector path of horizontal runs (no image per code), which a card stores
when it is issued.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse
from fpdf import FPDF
from fpdf.syntax import PDFContentStream

from . import qr as qr_drawing

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"

BLUE = (0, 84, 166)
DARK = (20, 20, 20)
GREY = (110, 110, 110)
RED = (200, 16, 32)

# Content streams compressed fast: a thousand cards are printed at the end of an event; the file is a little
# larger (measured: +60 %), which a local printer does not mind.
PDFContentStream._COMPRESSION_LEVEL = 1


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser's viewer (printed from there), saved under ``filename`` if kept."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class Document(FPDF):
    """The one PDF document class of ansinh (A4 or any format, DejaVu fonts registered, no margins and no
    automatic page break until a document sets its own)."""

    def __init__(self, *, orientation: str = "P", format="A4"):
        super().__init__(orientation=orientation, unit="mm", format=format)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.set_creator("ansinh")
        self.set_lang("vi")

    def font(self, size: float, bold: bool = False, color=DARK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def text_right(self, x_right: float, y: float, text: str) -> None:
        self.text(x_right - self.get_string_width(text), y, text)

    def text_center(self, x_center: float, y: float, text: str) -> None:
        self.text(x_center - self.get_string_width(text) / 2, y, text)

    def fit(self, text: str, width: float, size: float, bold: bool = False, minimum: float = 5.0) -> float:
        """The largest font size up to ``size`` at which ``text`` fits in ``width`` (long names shrink)."""
        self.set_font(FONT, "B" if bold else "", size)
        w = self.get_string_width(text)
        if w <= width:
            return size
        return max(minimum, size * width / w)

    def fit_lines(
        self, text: str, width: float, size: float, bold: bool = False, minimum: float = 5.0, lines: int = 2
    ) -> tuple[float, list[str]]:
        """``text`` in ``width``: on one line at the largest size down to ``minimum``; a longer text wraps at its
        words onto at most ``lines`` lines, at the largest size at which they fit; beyond that the last line ends
        with an ellipsis. Never wider than ``width``: a long name neither runs off a card nor over an amount."""
        one = self.fit(text, width, size, bold, minimum)
        self.set_font(FONT, "B" if bold else "", one)
        if self.get_string_width(text) <= width:
            return one, [text]
        words = text.split()
        step = (size - minimum) / 6 if size > minimum else 0
        for candidate in [size - i * step for i in range(7)] if step else [minimum]:
            self.set_font(FONT, "B" if bold else "", candidate)
            wrapped: list[str] = []
            for word in words:
                if wrapped and self.get_string_width(f"{wrapped[-1]} {word}") <= width:
                    wrapped[-1] = f"{wrapped[-1]} {word}"
                else:
                    wrapped.append(word)
            if len(wrapped) <= lines and all(self.get_string_width(w) <= width for w in wrapped):
                return candidate, wrapped
        kept = wrapped[: lines - 1]
        rest = " ".join(wrapped[lines - 1 :])
        while rest and self.get_string_width(rest + "…") > width:
            rest = rest[:-1]
        return minimum, [*kept, rest.rstrip() + "…"]

    def qr(
        self, token: str, x: float, y: float, size: float, prepared: tuple[int, str] | None = None
    ) -> None:
        """The token as a QR code: one filled path of horizontal runs, in module units (raw PDF operators)."""
        n, path = prepared or qr_path(token)
        m = size / (n + 8) * self.k  # four modules of quiet zone on each side
        ox, oy = (x * self.k) + 4 * m, (self.h - y) * self.k - 4 * m
        self._out(f"q 0 g {m:.4f} 0 0 {-m:.4f} {ox:.2f} {oy:.2f} cm {path} f Q")


@lru_cache(maxsize=2048)
def qr_path(token: str) -> tuple[int, str]:
    """(modules per side, PDF path of the dark modules as ``x y w 1 re`` with y growing downwards)."""
    return qr_drawing.path(token)
