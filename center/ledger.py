"""The center's 台账 (ledger): the month's figures as a township reports them upward, as XLSX and CSV.

One sheet by service item (a total row last), one by village, one by window, each with the
columns the seeds' monthly reports carry: 办件量, 办结量, 即办件/承诺件按期办结率, 超期件数,
评价数, 满意度, 差评数, 差评整改率, 投诉数. The numbers are center/supervision.py's `figures`
(the counters kept in the ingest transaction), so the ledger says what the figures page says.
Codes, names of items and windows, and counts only: nothing personal leaves in the file.

The file is made in memory and written whole (center/outfiles.py) or handed to a buffer
(the console's download): a refused month or an unwritable folder leaves nothing behind.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, Literal

import sqlite_utils

from center.console import report_texts as report_texts  # the ledger's words join the catalogue
from center.outfiles import out_file, refusal, write_new
from center.supervision import Figures, figures, months_of
from storage import windows
from storage.errors import InvalidRequest
from storage.store import Store
from sync.i18n import t_in

Sheet = Literal["item", "village", "window"]
SHEETS: tuple[Sheet, ...] = ("item", "village", "window")
FORMATS = ("xlsx", "csv")
Cell = str | int | float | None

# The figure columns, after each sheet's key columns: (catalogue key, value, is a rate).
COLUMNS: tuple[tuple[str, Callable[[Figures], int | float | None], bool], ...] = (
    ("ledger.col.received", lambda f: f.received, False),
    ("ledger.col.done", lambda f: f.done, False),
    ("ledger.col.ontime_instant", lambda f: f.ontime_rate_instant, True),
    ("ledger.col.ontime_promised", lambda f: f.ontime_rate_promised, True),
    ("ledger.col.late", lambda f: f.late, False),
    ("ledger.col.rated", lambda f: f.rated, False),
    ("ledger.col.satisfaction", lambda f: f.satisfaction, True),
    ("ledger.col.bad", lambda f: f.bad, False),
    ("ledger.col.rectify", lambda f: f.rectify_rate, True),
    ("ledger.col.complaints", lambda f: f.complaints, False),
)
KEY_COLUMNS: dict[Sheet, tuple[str, ...]] = {
    "item": ("ledger.col.item_code", "ledger.col.item_name"),
    "village": ("ledger.col.village_code",),
    "window": ("ledger.col.window_code", "ledger.col.window_name"),
}


@dataclass(frozen=True)
class LedgerRow:
    key: str  # item code, village code or window code
    name: str  # the item's or window's name; "" for a village (a center knows villages by code)
    figures: Figures


@dataclass(frozen=True)
class Ledger:
    period: str  # "2026-10" (or a quarter, "2026-Q4")
    months: tuple[str, ...]
    center: str  # the center's name
    rows: dict[Sheet, tuple[LedgerRow, ...]]
    total: Figures

    def table(self, sheet: Sheet, lang: str) -> list[list[Cell]]:
        """Header, a line per key and the total line: what both file formats write.

        Rates are fractions (0.95) or None where nothing was counted; the writers format them."""
        keys = KEY_COLUMNS[sheet]
        header: list[Cell] = [t_in(lang, k) for k in (*keys, *(c[0] for c in COLUMNS))]
        out: list[list[Cell]] = [header]
        for row in self.rows[sheet]:
            head: list[Cell] = [row.key, row.name]
            del head[len(keys):]
            out.append([*head, *(value(row.figures) for _, value, _ in COLUMNS)])
        out.append([t_in(lang, "ledger.total_row"), *([""] * (len(keys) - 1)),
                    *(value(self.total) for _, value, _ in COLUMNS)])
        return out

    def rate_columns(self, sheet: Sheet) -> list[int]:
        first = len(KEY_COLUMNS[sheet])
        return [first + i for i, column in enumerate(COLUMNS) if column[2]]


def check_period(text: str) -> list[str]:
    """The months of '2026-10' (also '2026-1', '2026/10', '202610') or '2026-Q4', else a refusal."""
    raw = text.strip().replace("/", "-").replace(".", "-")
    if len(raw) == 6 and raw.isdigit():
        raw = f"{raw[:4]}-{raw[4:]}"
    year, sep, month = raw.partition("-")
    if sep and month.isdigit() and len(month) == 1:
        raw = f"{year}-0{month}"
    try:
        return months_of(raw)
    except InvalidRequest:
        raise refusal("ledger.bad_month", text=text) from None


def ledger_rows(db: sqlite_utils.Database, period: str, *, center: str = "",
                item_name: Callable[[str], str] = str, today: date | None = None) -> Ledger:
    """The ledger of a month (or quarter) from the center's counters; `item_name` names a code."""
    months = check_period(period)
    window_names = windows.names(db)
    rows: dict[Sheet, tuple[LedgerRow, ...]] = {}
    for sheet in SHEETS:
        found = sorted(figures(db, months, by=sheet, today=today), key=lambda f: f.key)
        rows[sheet] = tuple(LedgerRow(f.key, _name(sheet, f.key, item_name, window_names),
                                      f) for f in found)
    everything = figures(db, months, by="all", today=today)
    total = everything[0] if everything else Figures(key="")
    return Ledger(period.strip(), tuple(months), center, rows, total)


def ledger_of(store: Store, period: str, *, today: date | None = None) -> Ledger:
    """The ledger of this center's store, items named as its catalog names them."""
    from center.console.cases import catalog_name

    catalog = store.catalog()
    with store.database.read() as db:
        return ledger_rows(db, period, center=store.info.village_name, today=today,
                           item_name=lambda code: catalog_name(catalog, code))


def _name(sheet: Sheet, key: str, item_name: Callable[[str], str],
          window_names: dict[str, str]) -> str:
    if sheet == "item":
        return item_name(key)
    if sheet == "window":
        return window_names.get(key, "")
    return ""


# ------------------------------------------------------------------------ files --

def xlsx_bytes(ledger: Ledger, lang: str) -> bytes:
    """The three sheets as an Excel workbook: bold header and total, rates as percentages,
    the header row frozen, columns wide enough for Chinese."""
    import xlsxwriter  # imported here: only exports need it

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter"})
    percent = book.add_format({"num_format": "0.0%"})
    bold_percent = book.add_format({"bold": True, "num_format": "0.0%"})
    bold_number = book.add_format({"bold": True})
    for sheet in SHEETS:
        table = ledger.table(sheet, lang)
        rates = set(ledger.rate_columns(sheet))
        ws = book.add_worksheet(t_in(lang, f"ledger.sheet.{sheet}")[:31])  # Excel's limit
        last = len(table) - 1
        for r, line in enumerate(table):
            for c, value in enumerate(line):
                if r == 0:
                    ws.write_string(r, c, str(value), bold)
                elif value is None:
                    ws.write_blank(r, c, None, bold_number if r == last else None)
                elif c in rates:
                    ws.write_number(r, c, float(value), bold_percent if r == last else percent)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value, bold_number if r == last else None)
                else:
                    ws.write_string(r, c, value, bold_number if r == last else None)
        for c in range(len(table[0])):
            ws.set_column(c, c, _width(str(line[c]) for line in table if line[c] is not None))
        ws.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def _width(texts: Iterable[str]) -> float:
    """Excel column width for the longest text: a Chinese character takes two columns."""
    longest = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) for text in texts),
                  default=8)
    return min(max(longest + 2, 8), 40)


def csv_bytes(ledger: Ledger, lang: str, sheet: Sheet = "item") -> bytes:
    """One sheet as CSV in UTF-8 with a BOM (Excel on a township PC reads Chinese right only so);
    rates written as '95.0%', which Excel reads back as a percentage."""
    text = io.StringIO()
    writer = csv.writer(text)
    rates = set(ledger.rate_columns(sheet))
    for line in ledger.table(sheet, lang):
        writer.writerow(["" if v is None else f"{v:.1%}" if c in rates and not isinstance(v, str)
                         else v for c, v in enumerate(line)])
    return text.getvalue().encode("utf-8-sig")


def check_sheet(text: str) -> Sheet:
    for sheet in SHEETS:
        if text == sheet:
            return sheet
    raise refusal("ledger.bad_by", text=text)


def format_of(path: Path, given: str | None = None) -> str:
    """xlsx or csv, from --format or the file's suffix; anything else is refused."""
    chosen = (given or path.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise refusal("ledger.bad_format", text=given or path.name)
    return chosen


def ledger_bytes(ledger: Ledger, lang: str, fmt: str, sheet: Sheet = "item") -> bytes:
    return xlsx_bytes(ledger, lang) if fmt == "xlsx" else csv_bytes(ledger, lang, sheet)


def write_xlsx(target: Path | BinaryIO, ledger: Ledger, lang: str, *, force: bool = False) -> None:
    _put(target, xlsx_bytes(ledger, lang), force)


def write_csv(target: Path | BinaryIO, ledger: Ledger, lang: str, sheet: Sheet = "item", *,
              force: bool = False) -> None:
    _put(target, csv_bytes(ledger, lang, sheet), force)


def _put(target: Path | BinaryIO, data: bytes, force: bool) -> None:
    if isinstance(target, Path):
        write_new(out_file(target, force), data, force)  # whole or not at all
    else:
        target.write(data)
