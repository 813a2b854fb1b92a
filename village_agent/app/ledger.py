"""The ledger (台账): this month's counts by item and status; export to CSV and XLSX in a worker."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Label, Static

from forms.errors import UnknownItemError
from storage.applications import Summary
from storage.errors import InvalidRequest
from village_agent import ledger, printing, worklist
from village_agent.app.base import BaseScreen
from village_agent.app.errors import user_message
from village_agent.i18n import status_text, t


@dataclass(frozen=True)
class Exported:
    csv: Path
    xlsx: Path


def shift_month(month: str, step: int) -> str:
    year, mon = (int(p) for p in month.split("-"))
    index = year * 12 + (mon - 1) + step
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class LedgerScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "nav.back", id="ledger.back"),
        Binding("ctrl+left", "month(-1)", "ledger.prev", id="ledger.prev", priority=True),
        Binding("ctrl+right", "month(1)", "ledger.next", id="ledger.next", priority=True),
        # The month and folder boxes have focus, and a text box takes Ctrl+E (end of line) first.
        Binding("ctrl+e", "export", "ledger.export", id="ledger.export", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[Summary] = []
        self.current: ledger.Ledger | None = None

    def compose(self) -> ComposeResult:
        app = self.village
        yield self.header()
        with Horizontal(id="ledger-controls"):
            yield Label(t("ledger.month"), classes="field-label")
            yield Input(f"{app.today:%Y-%m}", id="ledger-month")
        yield DataTable(id="ledger-table", zebra_stripes=True)
        yield Static("", id="ledger-note")
        with Horizontal(id="ledger-export-row"):
            yield Input(str(app.export_dir), id="ledger-dir", placeholder=t("ledger.dir_ph"))
            yield Button(t("ledger.export_button"), id="ledger-export")
        yield Static("", id="ledger-status", markup=False)
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = t("ledger.subtitle")
        self.load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False,
          description="read the applications for the ledger")
    def load(self) -> list[Summary]:
        app = self.village
        rows = app.require_session().list()
        if app.role == "grid_worker":
            rows = worklist.mine(rows, app.require_session().operator.name)
        return rows

    def item_name(self, code: str) -> str:
        try:
            return self.village.catalog.get(code).name
        except UnknownItemError:
            return code

    def build(self) -> ledger.Ledger | None:
        raw = self.query_one("#ledger-month", Input).value
        note = self.query_one("#ledger-note", Static)
        try:
            month = ledger.check_month(raw)
        except InvalidRequest as exc:
            note.update(user_message(exc))
            return None
        return ledger.monthly(self.summaries, month, day_of=lambda s: printing.local_time(s.created_at),
                              item_name=self.item_name)

    def show(self) -> None:
        self.current = self.build()
        table = self.query_one("#ledger-table", DataTable)
        table.clear(columns=True)
        if self.current is None:
            return
        lines = self.table_lines(self.current)
        table.add_columns(*(str(c) for c in lines[0]))
        for line in lines[1:]:
            table.add_row(*(str(c) for c in line))
        self.query_one("#ledger-note", Static).update(
            t("ledger.total", month=self.current.month, n=self.current.total))

    @staticmethod
    def table_lines(book: ledger.Ledger) -> list[list[str | int]]:
        names = {s: status_text(s) for s in book.statuses}
        return book.table([t("col.code"), t("col.item")], names, t("ledger.sum"))

    def work_done(self, group: str, result: Any) -> None:
        if group == "load":
            self.summaries = result
            self.show()
        elif group == "export":
            assert isinstance(result, Exported)
            self.query_one("#ledger-status", Static).update(
                t("ledger.exported", csv=str(result.csv), xlsx=str(result.xlsx)))
            self.notify(t("ledger.exported_short"), timeout=4)

    def work_ended(self, group: str) -> None:
        if group == "export" and self.is_attached:
            self.query_one("#ledger-export", Button).disabled = False

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "ledger-month":
            self.show()

    def action_month(self, step: int) -> None:
        current = self.current.month if self.current else f"{self.village.today:%Y-%m}"
        self.query_one("#ledger-month", Input).value = shift_month(current, step)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_export()

    def action_export(self) -> None:
        if self.current is None or self.query_one("#ledger-export", Button).disabled:
            return  # nothing to export, or an export under way: a second key press waits for it
        folder = self.query_one("#ledger-dir", Input).value.strip()
        if not folder:
            self.query_one("#ledger-status", Static).update(t("ledger.dir_ph"))
            return
        self.query_one("#ledger-export", Button).disabled = True
        self.query_one("#ledger-status", Static).update(t("ledger.exporting"))
        self.export(self.current, Path(folder).expanduser())

    @work(thread=True, exclusive=True, group="export", exit_on_error=False,
          description="write the ledger as CSV and XLSX")
    def export(self, book: ledger.Ledger, folder: Path) -> Exported:
        app = self.village
        session = app.require_session()
        lines = self.table_lines(book)
        stem = f"{t('ledger.file_stem')}-{session.store.info.village_code}-{book.month}"
        csv_path = ledger.write_csv(lines, folder / f"{stem}.csv")
        xlsx_path = ledger.write_xlsx(lines, folder / f"{stem}.xlsx", sheet=book.month)
        session.log("ledger.export", book.month, f"{len(book.rows)} items, {book.total} cases")
        return Exported(csv_path, xlsx_path)

    def action_back(self) -> None:
        self.dismiss(None)

