"""Find the item to apply for by typing Chinese, pinyin initials (gljt → 高龄津贴) or its code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from forms.search import search_catalog
from village_agent.app.base import BaseScreen
from village_agent.formstate import Entry
from village_agent.i18n import t


@dataclass(frozen=True)
class Found:
    query: str
    entries: list[Entry]


def ordered(entries: list[Entry], role: str) -> list[Entry]:
    """A grid worker sees the inspection forms first; an agent the service items first."""
    if role == "grid_worker":
        return sorted(entries, key=lambda e: e.kind != "inspection")
    return sorted(entries, key=lambda e: e.kind == "inspection")


class PickerScreen(BaseScreen):
    """Dismisses with the chosen entry, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "nav.back", id="picker.back"),
        Binding("down", "to_list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []
        self.shown_query: str | None = None
        self.choose_when_found = False

    def compose(self) -> ComposeResult:
        yield self.header()
        yield Static(t("picker.prompt"), classes="screen-title")
        yield Input(placeholder=t("picker.placeholder"), id="picker-query")
        yield OptionList(id="picker-list", markup=False)  # "[MZ-GLJT]" is text, not a style
        yield Static("", id="picker-count")
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = t("picker.subtitle")
        self.query_one("#picker-query", Input).focus()
        self.search("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False,
          description="search the catalog (pinyin tables load on first use)")
    def search(self, query: str) -> Found:
        found = search_catalog(self.village.catalog, query)
        return Found(query, ordered(found, self.village.role))

    def work_done(self, group: str, result: Any) -> None:
        if group != "search":
            return
        assert isinstance(result, Found)
        if result.query != self.query_one("#picker-query", Input).value:
            return  # the agent typed on; a newer search is coming
        self.entries = result.entries
        self.shown_query = result.query
        listing = self.query_one("#picker-list", OptionList)
        listing.clear_options()
        for e in self.entries:
            kind = t(f"kind.{e.kind}")
            listing.add_option(Option(f"{e.name}  [{e.code}] {e.department}·{kind}", id=e.code))
        if self.entries:
            listing.highlighted = 0
        self.query_one("#picker-count", Static).update(t("picker.count", n=len(self.entries)))
        if self.choose_when_found:
            self.choose_when_found = False
            self.choose()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.shown_query == event.value:
            self.choose()
        else:  # Enter came before this query's results: choose when they arrive
            self.choose_when_found = True

    def choose(self) -> None:
        listing = self.query_one("#picker-list", OptionList)
        if self.entries:
            self.dismiss(self.entries[listing.highlighted or 0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.entries[event.option_index])

    def action_to_list(self) -> None:
        self.query_one("#picker-list", OptionList).focus()

    def action_back(self) -> None:
        self.dismiss(None)

