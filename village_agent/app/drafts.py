"""Drafts: applications started and not yet submitted; pick one up where it was left."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from forms.errors import UnknownItemError
from storage.drafts import Draft
from village_agent import printing
from village_agent.app.base import BaseScreen, ConfirmScreen
from village_agent.i18n import t


class DraftsScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "nav.back", id="drafts.back"),
        Binding("delete", "delete", "drafts.delete", id="drafts.delete"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.drafts: dict[str, Draft] = {}

    def compose(self) -> ComposeResult:
        yield self.header()
        yield Static(t("drafts.title"), classes="screen-title")
        yield DataTable(id="drafts-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="drafts-empty")
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = t("drafts.subtitle")
        self.query_one("#drafts-table", DataTable).add_columns(
            t("col.item"), t("col.applicant"), t("col.saved"), t("col.operator"))
        self.load()

    def on_screen_resume(self) -> None:
        if self.village.session is not None:  # not while logging out
            self.load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False,
          description="open the drafts")
    def load(self) -> list[Draft]:
        app = self.village
        return app.require_session().drafts(mine=app.role == "grid_worker")

    def work_done(self, group: str, result: Any) -> None:
        self.drafts = {d.id: d for d in result}
        table = self.query_one("#drafts-table", DataTable)
        table.clear()
        for d in result:
            try:
                name = self.village.catalog.get(d.item_code).short_name
            except UnknownItemError:  # an item withdrawn from the catalog: still show the draft
                name = d.item_code
            table.add_row(name, d.applicant_name or "—", printing.local_time(d.updated_at, with_time=True),
                          d.operator, key=d.id)
        self.query_one("#drafts-empty", Static).update("" if result else t("drafts.none"))
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        draft = self.drafts.get(str(event.row_key.value))
        if draft is not None:
            self.village.resume_draft(draft)

    def action_delete(self) -> None:
        table = self.query_one("#drafts-table", DataTable)
        if not self.drafts or table.cursor_row < 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.village.require_session().delete_draft(str(key))
                self.load()

        self.app.push_screen(ConfirmScreen(t("drafts.confirm_delete")), confirmed)

    def action_back(self) -> None:
        self.dismiss(None)
