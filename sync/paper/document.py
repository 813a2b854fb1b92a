"""A printable document as lines that know their role; the plain text is one rendering, the PDF another.

Built once (village_agent/printing.py, sync/paper/decisions.py), rendered as plain text for
the terminal and 40-column receipt printers and as an A4 PDF (sync/paper/pdf.py), so the two
never say different things.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

WIDTH = 40  # full-width characters on a receipt printer line

LineKind = Literal["title", "heavy_rule", "rule", "text", "item", "detail", "entry", "qr"]
DocumentKind = Literal["notice", "receipt", "completed", "rejected", "revoked", "authorisation",
                       "bulletin"]


@dataclass(frozen=True)
class Line:
    """One line of a printable document and its role, which each renderer lays out its own way.

    title       centred heading            heavy_rule / rule   separators
    text        a paragraph                item                a numbered material (`number`)
    detail      the note under a material  entry               an indented line of a list
    qr          a QR code of `data`, with `text` as its caption (the plain text shows the caption)
    """

    kind: LineKind
    text: str = ""
    number: int = 0
    data: str = ""  # what a QR code encodes

    def plain(self) -> str:
        """The line as the plain text shows it (40 full-width characters wide)."""
        if self.kind == "title":  # a full-width character takes two columns
            return self.text.center(WIDTH - sum(_wide(ch) for ch in self.text))
        if self.kind == "heavy_rule":
            return "═" * WIDTH
        if self.kind == "rule":
            return "─" * WIDTH
        if self.kind == "item":
            return f"{self.number:>2}. {self.text}"
        if self.kind == "detail":
            return f"    {self.text}"
        if self.kind == "entry":
            return f"  {self.text}"
        return self.text


@dataclass(frozen=True)
class Document:
    """A printable document: its lines, and what a page header and a file name need."""

    kind: DocumentKind
    title: str
    service_point: str  # printed in the PDF's page header: the village point, the center
    reference: str  # the item code of a notice, the application number of a receipt or decision
    lines: tuple[Line, ...]
    lang: str = ""  # the language it is written in; "" for the user's (the page footer follows it)

    def text(self) -> str:
        return "\n".join(line.plain() for line in self.lines) + "\n"


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def local_time(stamp: str, *, with_time: bool = False) -> str:
    """A stored UTC timestamp as this PC's clock shows it (China is UTC+8: 07:00 is still yesterday in UTC)."""
    try:
        moment = datetime.fromisoformat(stamp).astimezone()
    except ValueError:
        return stamp[:16 if with_time else 10]
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
