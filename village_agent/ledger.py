"""The village ledger (台账): monthly counts by item and status, written as CSV and XLSX.

Counts only: no names, ID numbers or answers, so an export on a USB stick reveals
how many cases the village handled, never whose (invariant: no personal data in
plaintext on disk).
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from storage.applications import Summary
from storage.errors import InvalidRequest
from village_agent import error_texts as error_texts  # the refusals' words join the catalogue

# Column order: the way a case moves, so the sheet reads left to right like the job.
STATUS_ORDER = (
    "draft", "submitted", "received", "accepted", "correction_requested", "forwarded",
    "rejected", "completed", "delivered", "rated", "recorded", "revoked",
)


@dataclass(frozen=True)
class LedgerRow:
    item_code: str
    item_name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Ledger:
    month: str  # "2026-11"
    statuses: tuple[str, ...]  # the columns: statuses that occur this month, in STATUS_ORDER
    rows: tuple[LedgerRow, ...]

    @property
    def totals(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for row in self.rows:
            out.update(row.counts)
        return {s: out[s] for s in self.statuses}

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    def table(self, heading: Sequence[str], status_names: Mapping[str, str], total_name: str,
              ) -> list[list[str | int]]:
        """Header, one line per item, and a totals line: what both file formats write."""
        out: list[list[str | int]] = [
            [*heading, *(status_names.get(s, s) for s in self.statuses), total_name]
        ]
        for row in self.rows:
            out.append([row.item_code, row.item_name, *(row.counts.get(s, 0) for s in self.statuses),
                        row.total])
        totals = self.totals
        out.append([total_name, "", *(totals[s] for s in self.statuses), self.total])
        return out


def check_month(text: str) -> str:
    """'2026-11' (also '2026-1', '202611'), or InvalidRequest saying how to write it."""
    raw = text.strip().replace("/", "-").replace(".", "-")
    if len(raw) == 6 and raw.isdigit():
        raw = f"{raw[:4]}-{raw[4:]}"
    year, sep, month = raw.partition("-")
    if sep and year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= int(month) <= 12:
        return f"{year}-{int(month):02d}"
    raise InvalidRequest("village.ledger.bad_month", month=text)


def monthly(
    summaries: Sequence[Summary],
    month: str,
    *,
    day_of: Callable[[Summary], str],
    item_name: Callable[[str], str],
) -> Ledger:
    """Count the month's applications by item and status. `day_of` gives a case's local intake day."""
    per_item: dict[str, Counter[str]] = {}
    for s in summaries:
        if day_of(s)[:7] != month:
            continue
        per_item.setdefault(s.item_code, Counter())[s.status] += 1
    seen = {status for counts in per_item.values() for status in counts}
    statuses = tuple(s for s in STATUS_ORDER if s in seen) + tuple(sorted(seen - set(STATUS_ORDER)))
    rows = tuple(
        LedgerRow(code, item_name(code), dict(per_item[code])) for code in sorted(per_item)
    )
    return Ledger(month, statuses, rows)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write beside the target and rename: a pulled USB stick leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ledger-", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(table: Sequence[Sequence[str | int]], path: Path) -> Path:
    def write(tmp: Path) -> None:
        # utf-8-sig: Excel on a village PC opens Chinese CSV correctly only with the BOM.
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(table)

    _export(path, write)
    return path


def write_xlsx(table: Sequence[Sequence[str | int]], path: Path, *, sheet: str) -> Path:
    import xlsxwriter  # imported here: only exports need it, and it is not small

    def write(tmp: Path) -> None:
        book = xlsxwriter.Workbook(str(tmp))
        ws = book.add_worksheet(sheet[:31])  # Excel's limit on sheet names
        bold = book.add_format({"bold": True})
        for r, line in enumerate(table):
            for c, value in enumerate(line):
                ws.write(r, c, value, bold if r in (0, len(table) - 1) else None)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 24)
        book.close()

    _export(path, write)
    return path


def _export(path: Path, write: Callable[[Path], None]) -> None:
    try:
        _atomic(path, write)
    except OSError as exc:
        raise InvalidRequest("village.ledger.not_written", path=path, detail=exc.strerror or str(exc)) from None
