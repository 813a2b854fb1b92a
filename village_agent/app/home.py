"""Home: today's work at a glance (counts by status, cases turning yellow or red, drafts, sync)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from storage.status import decided_by
from village_agent import worklist
from village_agent.app.base import BaseScreen
from village_agent.i18n import due_text, status_text, t
from village_agent.ledger import STATUS_ORDER
from village_agent.printing import local_time

if TYPE_CHECKING:
    from sync.overview import SyncOverview

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Today:
    overview: worklist.Overview
    drafts: int
    sync: str
    attention: bool  # offline, or notices to read: the sync block turns yellow


class HomeScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "home.new", id="home.new"),
        Binding("a", "applications", "home.applications", id="home.applications"),
        # Said on the casework line instead: the footer is full at 80 columns.
        Binding("c", "corrections", "home.corrections", id="home.corrections", show=False),
        Binding("d", "drafts", "home.drafts", id="home.drafts"),
        Binding("l", "ledger", "home.ledger", id="home.ledger"),
        Binding("s", "sync", "home.sync", id="home.sync"),
        Binding("o", "logout", "home.logout", id="home.logout"),
    ]

    def __init__(self, role: str) -> None:
        super().__init__()
        if role == "grid_worker":  # a grid worker's new record is an inspection first of all
            table = self._bindings.key_to_bindings
            table["n"] = [replace(b, description=t("home.new_inspection")) for b in table["n"]]

    def compose(self) -> ComposeResult:
        yield self.header()
        yield Static("", id="home-greeting")
        with Horizontal(id="home-top"):
            yield Static(t("home.loading"), id="home-counts")
            with Horizontal(id="home-side"):
                yield Static("", id="home-sync")
        yield Static("", id="home-casework")
        yield Static("", id="home-drafts")
        yield Static(t("home.flagged"), classes="section")
        yield DataTable(id="home-flagged", cursor_type="row", zebra_stripes=True)
        yield Static(t("home.owed"), classes="section", id="home-owed-title")
        yield DataTable(id="home-owed", cursor_type="row", zebra_stripes=True)
        yield self.footer()

    def on_mount(self) -> None:
        app = self.village
        session = app.require_session()
        info = session.store.info
        self.title = t("app.title_village", village=info.village_name)
        self.sub_title = t("app.name_role", name=session.operator.name, role=t("role." + session.operator.role))
        day = app.today
        self.query_one("#home-greeting", Static).update(t(
            "home.greeting", date=day.isoformat(), weekday=t("weekday." + WEEKDAYS[day.weekday()]),
            name=session.operator.name))
        table = self.query_one("#home-flagged", DataTable)
        table.add_columns(t("col.id"), t("col.item"), t("col.applicant"), t("col.due"),
                          t("col.left"))
        self.query_one("#home-owed", DataTable).add_columns(
            t("col.id"), t("col.applicant"), t("col.material"), t("col.supply_by"), t("col.left"))
        self.reload()

    def on_screen_resume(self) -> None:
        if self.village.session is not None:  # not while logging out
            self.reload()

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False,
          description="count today's work")
    def load(self) -> Today:
        app = self.village
        session = app.require_session()
        summaries = session.list()
        if app.role == "grid_worker":
            summaries = worklist.mine(summaries, session.operator.name)
        mine = app.role == "grid_worker"
        from sync.overview import overview

        view = overview(session.store)
        online = link_state(view, app.link)
        decided_here = frozenset(code for code, item in app.catalog.items.items()
                                 if decided_by(item.level) == "village")
        from village_agent.intake import followed_up

        return Today(worklist.overview(summaries, app.today, session.calendar(),
                                       session.owed_materials(), decided_here,
                                       followed_up(session)),
                     len(session.drafts(mine=mine)),
                     sync_lines(view, online, this_run=app.link is not None),
                     (online is False or view.unseen_notices > 0) and view.enrolled
                     and not view.revoked)


    def work_done(self, group: str, result: Any) -> None:
        if group != "load":
            return
        assert isinstance(result, Today)
        view = result.overview
        order = [s for s in STATUS_ORDER if s in view.by_status]
        lines = [t("home.total", n=view.total)]
        lines += ["  " + t("app.label_value", label=status_text(s), value=view.by_status[s]) for s in order]
        lines.append(t("home.red_yellow", red=len(view.red), yellow=len(view.yellow)))
        if view.owed:
            lines.append(t("home.owed_count", n=len(view.owed), late=len(view.owed_overdue)))
        self.query_one("#home-counts", Static).update("\n".join(lines))
        self.query_one("#home-sync", Static).update(result.sync)
        self.query_one("#home-sync", Static).set_class(result.attention, "-offline")
        casework = self.query_one("#home-casework", Static)
        casework.update(t("home.casework", correct=view.to_correct, deliver=view.to_hand_over,
                          rate=view.to_rate)
                        + (t("home.to_decide", n=view.to_decide) if view.to_decide else "")
                        + (t("home.followups_closed", n=view.followed_up) if view.followed_up
                           else ""))
        casework.set_class(bool(view.to_correct or view.to_hand_over or view.to_rate
                                or view.to_decide), "-waiting")
        casework.display = self.village.role != "grid_worker"  # inspections have no casework
        self.query_one("#home-drafts", Static).update(
            t("home.drafts_count", n=result.drafts) if result.drafts else t("home.no_drafts"))
        table = self.query_one("#home-flagged", DataTable)
        table.clear()
        catalog = self.village.catalog
        for f in view.flagged:
            style = "bold red" if f.colour == "red" else "bold yellow"
            s = f.summary
            left = (t("home.overdue", n=-f.working_days_left) if f.colour == "red"
                    else t("home.days_left", n=f.working_days_left))
            table.add_row(s.id, catalog.get(s.item_code).short_name, s.applicant_name or "—",
                          due_text(s.due_date, s.due_approximate), Text(left, style=style),
                          key=s.id)
        table.display = bool(view.flagged)
        self.show_owed(view)

    def show_owed(self, view: worklist.Overview) -> None:
        """What villagers still owe and by when; overdue ones in red (the alarm)."""
        table = self.query_one("#home-owed", DataTable)
        table.clear()
        for f in view.owed:
            s, o = f.summary, f.owed
            entry = self.village.catalog.get(s.item_code)
            what = next((m.name for m in entry.materials if m.code == o.material), o.material)
            left = (Text(t("home.owed_overdue", n=-f.working_days_left), style="bold red")
                    if f.overdue else Text(t("home.owed_left", n=f.working_days_left)))
            table.add_row(s.id, s.applicant_name or "—", what,
                          due_text(o.due_date, o.due_approximate), left, key=f"{s.id}#{o.material}")
        table.display = bool(view.owed)
        self.query_one("#home-owed-title", Static).display = bool(view.owed)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.village.open_application(event.row_key.value.partition("#")[0])

    def action_new(self) -> None:
        self.village.start_new()

    def action_applications(self) -> None:
        self.village.open_applications()

    def action_corrections(self) -> None:
        self.village.open_applications(status="correction_requested")

    def action_drafts(self) -> None:
        self.village.open_drafts()

    def action_ledger(self) -> None:
        self.village.open_ledger()

    def action_sync(self) -> None:
        self.village.open_sync()

    def action_logout(self) -> None:
        self.village.logout()


def link_state(view: SyncOverview, heard: bool | None) -> bool | None:
    """Online or offline by the last session's outcome: this run's (the loop's probe failing
    leaves no trace in the store), else the store's (the last session failed, or had contact)."""
    if heard is not None:
        return heard
    if view.last_failed:
        return False
    return True if view.last_contact else None


def sync_lines(view: SyncOverview, online: bool | None, *, this_run: bool = True) -> str:
    """Home's sync block: online or offline, the last contact with the township, the queue."""
    if view.revoked:
        return t("sync.revoked")
    if not view.enrolled:
        return t("sync.not_enrolled", n=view.unsealed)
    # Online only when a session of this run reached the township; before that, the store says
    # how the last one went (the township may have gone since).
    link = ("home.link_unknown" if online is None
            else "home.link_offline" if not online
            else "home.link_online" if this_run else "home.link_last_ok")
    last = local_time(view.last_contact, with_time=True) if view.last_contact else t("sync.never")
    lines = [t(link), t("home.last_contact", when=last),
             t("home.queue", n=view.pending + view.unsealed)]
    if view.awaiting_owner:
        lines.append(t("home.awaiting_owner", n=view.awaiting_owner))
    if view.unseen_notices:
        lines.append(t("home.notices", n=view.unseen_notices))
    return "\n".join(lines)
