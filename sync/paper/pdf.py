"""Documents as A4 PDF: the same lines as the plain text, a Chinese font embedded as a subset.

The village's notices and receipts and the centers' decision notices are all drawn here.
fpdf2 does the PDF (it embeds OpenType CFF collections such as install.sh's Noto
Sans CJK, subset by fontTools); this module does the layout: Chinese-aware line
breaking, the materials as a numbered table, QR codes as filled squares, a header with
the service point or center and "第 1 页 / 共 2 页" under every page. Laying out is pure
(`layout` over a `measure` function); only `render` touches fpdf2 and only `write_pdf`
touches the disk (`render` alone gives the bytes, for a center that must not keep them).

Errors (all InvalidRequest, each with a Chinese message):
    FontNotFound    no Chinese font (sync.paper.fonts): run install.sh
    FontUnusable    a font file fpdf2 cannot load
    PdfOutputError  the folder does not exist, the name is a folder, the disk refused
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from forms.messages import Text
from storage.errors import InvalidRequest
from storage.messages import say
from sync.i18n import language, t, t_in
from sync.paper import qr
from sync.paper.document import Document, Line
from sync.paper.fonts import CjkFont, find_cjk_font

if TYPE_CHECKING:
    from fpdf import FPDF  # imported when rendering: the command line stays quick

# fpdf2 reports missing glyphs through logging; with no handler Python would print them
# over the terminal app's screen.
logging.getLogger("fpdf").addHandler(logging.NullHandler())

Style = Literal["title", "body", "detail", "small"]
SIZES: dict[Style, float] = {"title": 18, "body": 11, "detail": 10, "small": 9}  # points

PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0  # A4, millimetres
MARGIN = 20.0
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
BODY_TOP, BODY_BOTTOM = 24.0, PAGE_HEIGHT - 20.0
HEADER_Y, HEADER_RULE_Y, FOOTER_Y = 10.0, 17.0, PAGE_HEIGHT - 15.0
TITLE_HEIGHT, LINE_HEIGHT, DETAIL_HEIGHT, RULE_HEIGHT = 13.0, 6.2, 5.4, 4.0
NUMBER_WIDTH, NUMBER_GAP = 9.0, 2.0  # the material table's number column
ENTRY_INDENT = 6.0
QR_MODULE = 1.0  # millimetres a module: a 21-module code is 21 mm, easy for a phone
QR_GAP = 6.0  # between the code and its caption
GRAY_TEXT, GRAY_LINE = 90, 170


class FontUnusable(InvalidRequest):
    """The font file is there but cannot be embedded (damaged, a bitmap font)."""


class PdfOutputError(InvalidRequest):
    """The PDF cannot be written where asked; nothing was written."""


# ----------------------------------------------------------------- line breaking --

# Kinsoku: closing marks never start a line, opening marks never end one.
NO_LINE_START = frozenset("，。、；：！？）」』》〉】〕’”%…·,.;:!?)]}")
NO_LINE_END = frozenset("（「『《〈【〔‘“([{")


def _units(text: str) -> list[str]:
    """What may not be split: a Chinese character with its punctuation, a run of Latin or digits."""
    units: list[str] = []
    for ch in text:
        glued = bool(units) and not ch.isspace() and not units[-1][-1].isspace() and (
            ch in NO_LINE_START
            or units[-1][-1] in NO_LINE_END
            or (ch.isascii() and units[-1][-1].isascii())
        )
        if glued:
            units[-1] += ch
        else:
            units.append(ch)
    return units


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break a line to fit `width`: anywhere between Chinese characters, at spaces between words.

    Spaces where a line breaks are dropped; a word wider than the whole line is cut.
    """
    lines: list[str] = []
    current = ""
    for unit in _units(text):
        if measure((current + unit).rstrip()) <= width:
            current += unit
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = "" if unit.isspace() else unit
        while measure(current) > width and len(current) > 1:  # one word wider than the page
            cut = len(current) - 1
            while cut > 1 and measure(current[:cut]) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


# ------------------------------------------------------------------------ layout --

@dataclass(frozen=True)
class Run:
    """Text in a box; y is the top of the box."""

    x: float
    y: float
    width: float
    height: float
    text: str
    style: Style = "body"
    align: Literal["L", "C", "R"] = "L"


@dataclass(frozen=True)
class Stroke:
    """A horizontal line."""

    x1: float
    x2: float
    y: float
    weight: float
    gray: int = 0


@dataclass(frozen=True)
class Box:
    """A filled black rectangle (a run of a QR code's dark modules)."""

    x: float
    y: float
    width: float
    height: float


Piece = Run | Stroke | Box


@dataclass(frozen=True)
class Row:
    height: float
    pieces: tuple[Piece, ...]  # y measured from the row's top


@dataclass(frozen=True)
class Block:
    """Rows kept on one page (a paragraph, a material with its note) unless taller than a page."""

    rows: tuple[Row, ...]
    document: int
    new_page: bool = False

    @property
    def height(self) -> float:
        return sum(r.height for r in self.rows)


@dataclass(frozen=True)
class Page:
    document: int
    pieces: tuple[Piece, ...]


Measure = Callable[[str, Style], float]


def _text_rows(text: str, x: float, width: float, style: Style, height: float,
               measure: Measure) -> list[Row]:
    return [Row(height, (Run(x, 0, width, height, piece, style),))
            for piece in wrap(text, width, lambda s: measure(s, style))]


def blocks_of(documents: Sequence[Document], measure: Measure) -> Iterator[Block]:
    """Every line of every document as blocks of rows; each document starts a page."""
    for number, doc in enumerate(documents):
        lines = doc.lines
        i, previous = 0, ""
        while i < len(lines):
            line = lines[i]
            rows: list[Row]
            if line.kind == "title":
                rows = [Row(TITLE_HEIGHT, (Run(MARGIN, 0, BODY_WIDTH, TITLE_HEIGHT, line.text,
                                               "title", "C"),))]
            elif line.kind in ("rule", "heavy_rule"):
                weight = 0.6 if line.kind == "heavy_rule" else 0.25
                rows = [Row(RULE_HEIGHT, (Stroke(MARGIN, MARGIN + BODY_WIDTH, RULE_HEIGHT / 2,
                                                 weight),))]
            elif line.kind == "item":
                details: list[Line] = []
                while i + 1 < len(lines) and lines[i + 1].kind == "detail":
                    i += 1
                    details.append(lines[i])
                rows = _material_rows(line, details, measure, first=previous != "item")
            elif line.kind == "qr":
                rows = [qr_row(line, measure)]
            elif line.kind == "entry":
                rows = _text_rows(line.text, MARGIN + ENTRY_INDENT, BODY_WIDTH - ENTRY_INDENT,
                                  "body", LINE_HEIGHT, measure)
            elif line.kind == "detail":  # a note with no material above it
                rows = _text_rows(line.text, MARGIN + NUMBER_WIDTH + NUMBER_GAP,
                                  BODY_WIDTH - NUMBER_WIDTH - NUMBER_GAP, "detail",
                                  DETAIL_HEIGHT, measure)
            else:
                rows = _text_rows(line.text, MARGIN, BODY_WIDTH, "body", LINE_HEIGHT, measure)
            yield Block(tuple(rows), number, new_page=i == 0)
            previous = line.kind
            i += 1


def _material_rows(item: Line, details: Sequence[Line], measure: Measure, *,
                   first: bool) -> list[Row]:
    """A row of the materials table: number | name and form, the note under it in grey."""
    x = MARGIN + NUMBER_WIDTH + NUMBER_GAP
    width = BODY_WIDTH - NUMBER_WIDTH - NUMBER_GAP
    rows = _text_rows(item.text, x, width, "body", LINE_HEIGHT, measure)
    head = rows[0]
    number = Run(MARGIN, 0, NUMBER_WIDTH, LINE_HEIGHT, f"{item.number}.", "body", "R")
    # The table's top line above the first material; every material closes with one below.
    top: tuple[Piece, ...] = (Stroke(MARGIN, MARGIN + BODY_WIDTH, 0, 0.1, GRAY_LINE),) \
        if first else ()
    rows[0] = Row(head.height, (*top, number, *head.pieces))
    for d in details:
        rows += _text_rows(d.text, x, width, "detail", DETAIL_HEIGHT, measure)
    last = rows[-1]
    rows[-1] = Row(last.height + 1.0,
                   (*last.pieces, Stroke(MARGIN, MARGIN + BODY_WIDTH, last.height + 1.0, 0.1,
                                         GRAY_LINE)))
    return rows


def qr_row(line: Line, measure: Measure) -> Row:
    """The QR code of `line.data` at the left margin with its quiet zone above and below, the
    caption beside it, centred on it."""
    matrix = qr.modules(line.data)
    size = len(matrix) * QR_MODULE
    top = qr.QUIET * QR_MODULE
    boxes = [Box(MARGIN + run.column * QR_MODULE, top + run.row * QR_MODULE,
                 run.length * QR_MODULE, QR_MODULE) for run in qr.runs(matrix)]
    x = MARGIN + size + QR_GAP
    caption = _text_rows(line.text, x, MARGIN + BODY_WIDTH - x, "detail", DETAIL_HEIGHT, measure)
    y = top + (size - DETAIL_HEIGHT * len(caption)) / 2
    texts = [_moved(piece, y + n * DETAIL_HEIGHT) for n, row in enumerate(caption)
             for piece in row.pieces]
    return Row(size + 2 * top, (*boxes, *texts))


def paginate(blocks: Sequence[Block] | Iterator[Block]) -> list[Page]:
    """Place blocks top to bottom; a block that does not fit starts the next page."""
    pages: list[Page] = []
    pieces: list[Piece] = []
    document, y = 0, BODY_TOP

    def close() -> None:
        if pieces:
            pages.append(Page(document, tuple(pieces)))
            pieces.clear()

    for block in blocks:
        parts = [block]
        if block.height > BODY_BOTTOM - BODY_TOP:  # taller than a page: let it break between rows
            parts = [Block((r,), block.document) for r in block.rows]
        for i, part in enumerate(parts):
            if pieces and ((block.new_page and i == 0) or y + part.height > BODY_BOTTOM):
                close()
            if not pieces:
                document, y = block.document, BODY_TOP
            for row in part.rows:
                pieces.extend(_moved(p, y) for p in row.pieces)
                y += row.height
    close()
    return pages


def _moved(piece: Piece, dy: float) -> Piece:
    return replace(piece, y=piece.y + dy)


def layout(documents: Sequence[Document], measure: Measure) -> list[Page]:
    return paginate(blocks_of(documents, measure))


# ------------------------------------------------------------------------ render --

def render(documents: Sequence[Document], font: CjkFont) -> bytes:
    """The PDF's bytes. Slow on a slow PC (the font is read and subset): call it from a worker."""
    with _opened(font) as (pdf, use):
        if documents:
            pdf.set_title(documents[0].title)
            if _lang(documents[0]) == "en":
                pdf.set_lang("en")
        pages = layout(documents, _measure(pdf, use))
        for number, page in enumerate(pages, 1):
            pdf.add_page()
            doc = documents[page.document]
            _draw(pdf, use, Run(MARGIN, HEADER_Y, BODY_WIDTH, 6, doc.service_point, "small"))
            _draw(pdf, use, Run(MARGIN, HEADER_Y, BODY_WIDTH, 6, doc.title, "small", "R"))
            _draw(pdf, use, Stroke(MARGIN, MARGIN + BODY_WIDTH, HEADER_RULE_Y, 0.2, GRAY_LINE))
            for piece in page.pieces:
                _draw(pdf, use, piece)
            _draw(pdf, use, Run(MARGIN, FOOTER_Y, BODY_WIDTH, 6,
                                t_in(_lang(doc), "pdf.page", page=number, pages=len(pages)),
                                "small", "C"))
        return bytes(pdf.output())


def _lang(document: Document) -> str:
    return document.lang or language()


@contextmanager
def measurer(font: CjkFont) -> Iterator[Measure]:
    """Widths in millimetres as the PDF will print them (for laying out without rendering)."""
    with _opened(font) as (pdf, use):
        yield _measure(pdf, use)


@contextmanager
def _opened(font: CjkFont) -> Iterator[tuple[FPDF, Callable[[Style], None]]]:
    """An A4 document with the font loaded, and how to switch to each text style.

    fpdf2 reads the font files lazily and never closes them: they are closed here.
    """
    from fpdf import FPDF
    from fpdf.enums import TextMode

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, BODY_TOP, MARGIN)
    pdf.c_margin = 0  # text starts where the rules start; widths are measured without padding
    pdf.set_creator("village-agent")
    pdf.set_lang("zh-CN")
    bold = font.bold is not None

    def use(style: Style) -> None:
        heavy = style == "title"
        pdf.set_font("cjk", "B" if heavy and bold else "", SIZES[style])
        # Without a bold face the title is drawn filled and outlined: bolder all the same.
        pdf.text_mode = TextMode.FILL_STROKE if heavy and not bold else TextMode.FILL
        pdf.set_line_width(0.3 if heavy else 0.2)

    try:
        try:
            pdf.add_font("cjk", "", str(font.regular.path),
                         collection_font_number=font.regular.index)
            if font.bold is not None:
                pdf.add_font("cjk", "B", str(font.bold.path),
                             collection_font_number=font.bold.index)
        except Exception as exc:  # fontTools and fpdf2 raise many kinds for a bad font file
            raise FontUnusable("pdf.font_unusable", path=font.regular.path, detail=exc) from exc
        yield pdf, use
    finally:
        for loaded in pdf.fonts.values():
            opened = getattr(loaded, "ttfont", None)
            if opened is not None:
                opened.close()


def _measure(pdf: FPDF, use: Callable[[Style], None]) -> Measure:
    def measure(text: str, style: Style) -> float:
        use(style)
        return float(pdf.get_string_width(text))

    return measure


def _draw(pdf: FPDF, use: Callable[[Style], None], piece: Piece) -> None:
    if isinstance(piece, Box):
        pdf.set_fill_color(0)
        pdf.rect(piece.x, piece.y, piece.width, piece.height, style="F")
        return
    if isinstance(piece, Stroke):
        pdf.set_draw_color(piece.gray)
        pdf.set_line_width(piece.weight)
        pdf.line(piece.x1, piece.y, piece.x2, piece.y)
        return
    use(piece.style)
    pdf.set_text_color(GRAY_TEXT if piece.style in ("detail", "small") else 0)
    pdf.set_draw_color(0)
    pdf.set_xy(piece.x, piece.y)
    pdf.cell(piece.width, piece.height, piece.text, align=piece.align)


# ------------------------------------------------------------------------- files --

def file_name(documents: Sequence[Document], day: date) -> str:
    """收件回执-<number>-2026-11-23.pdf, 一次性告知书-MZ-GLJT-2026-11-23.pdf, 办结通知书-<number>-…."""
    kind = documents[0].kind if documents else "notice"
    reference = "_".join(re.sub(r"[^\w-]", "_", d.reference) for d in documents)
    return f"{t('pdf.stem.' + kind)}-{reference}-{day.isoformat()}.pdf"


def check_target(path: Path) -> Path:
    """Refuse, before any slow work, a file name whose folder does not exist or that is a folder."""
    if path.is_dir():
        example = Text(*(str(path / f"{say(lang, 'pdf.stem.receipt')}.pdf") for lang in ("zh", "en")))
        raise PdfOutputError("pdf.is_folder", path=path, example=example)
    if not path.parent.is_dir():
        raise PdfOutputError("pdf.no_folder", folder=path.parent)
    return path


def write_pdf(
    documents: Sequence[Document],
    path: Path,
    *,
    font: CjkFont | None = None,
    find_font: Callable[[], CjkFont] = find_cjk_font,
) -> Path:
    """Render and write atomically (a temporary file renamed into place): whole or not at all."""
    check_target(path)
    data = render(documents, font or find_font())
    _write_atomic(path, data)
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise _output_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _output_error(path, exc) from exc


def _output_error(path: Path, exc: OSError) -> PdfOutputError:
    return PdfOutputError("pdf.write_failed", path=path, reason=exc.strerror or exc)
