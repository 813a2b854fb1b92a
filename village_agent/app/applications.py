"""Applications: the list with filters (status, item, date, applicant) and search; one case's detail
and timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Select, Static

from forms.errors import UnknownItemError
from forms.idnumber import normalize as normalize_id_number
from storage.applications import Summary
from storage.events import Event
from storage.owed import Owed
from sync.i18n import priority_words
from sync.paper.decisions import notice_of
from sync.receipts import vouch
from village_agent import intake, printing, worklist
from village_agent.app.base import BaseScreen
from village_agent.i18n import due_text, event_text, status_text, t
from village_agent.ledger import STATUS_ORDER

ALL = "*"
PERIODS = ("today", "week", "month", "last_month")  # the date filter's choices; none: any day


def matches(summary: Summary, words: str, item_name: str) -> bool:
    """Search: every word found in the number, the applicant's name, the item's name or code."""
    haystack = f"{summary.id} {summary.applicant_name} {item_name} {summary.item_code}".lower()
    return all(w in haystack for w in words.lower().split())


def period_days(period: str, today: date) -> tuple[date, date]:
    """The first and last day (both included) of a date filter's period, seen from `today`."""
    if period == "today":
        return today, today
    if period == "week":  # the last seven days, today among them
        return today - timedelta(days=6), today
    first = today.replace(day=1)
    if period == "month":
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    if period == "last_month":
        last = first - timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(f"no such period: {period!r}")


def filed_on(summary: Summary) -> date | None:
    """The day the case was taken in, on this PC's clock (as the list's date column shows it)."""
    try:
        return date.fromisoformat(printing.local_time(summary.created_at))
    except ValueError:
        return None


def in_period(summary: Summary, period: str, today: date) -> bool:
    first, last = period_days(period, today)
    day = filed_on(summary)
    return day is not None and first <= day <= last


def applicant_matches(summary: Summary, query: str, id_number: str) -> bool:
    """The applicant filter: part of the name, or part of the ID number (the tail, say)."""
    query = query.strip()
    if not query:
        return True
    if query.lower() in summary.applicant_name.lower():
        return True
    number = normalize_id_number(query)
    return bool(id_number) and number in id_number


def short_date(day: str | None, this_year: str) -> str | None:
    """This year's dates as 11-20, others in full: the list's six columns fit 80 columns."""
    if day and day.startswith(this_year):
        return day[len(this_year):]
    return day


def owed_cell(owed: list[Owed], today: date, this_year: str) -> Text:
    """What a case still owes, for the list: how many and by when; red once overdue."""
    if not owed:
        return Text("")
    first = owed[0]  # earliest due first (worklist.owed_by_case)
    if first.overdue(today):
        return Text(t("owed.cell_overdue", n=len(owed)), style="bold red")
    return Text(t("owed.cell", n=len(owed), due=short_date(first.due_date, this_year)))


def applicant_cell(summary: Summary) -> Text | str:
    """The applicant's name, marked ★ for a 绿色通道 case."""
    name = summary.applicant_name or "—"
    if summary.priority:
        return Text(t("priority.mark") + name, style="bold green")
    return name


class ApplicationsScreen(BaseScreen):
    """Every case at this point (a grid worker: their own), newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "nav.back", id="list.back"),
        Binding("/", "search", "list.search", id="list.search"),
        Binding("f5", "reload", "list.reload", id="list.reload"),
    ]

    def __init__(self, status: str | None = None) -> None:
        super().__init__()
        self.status = status  # opened already filtered (home: the correction requests)
        self.summaries: list[Summary] = []
        self.flags: dict[str, worklist.Flagged] = {}
        self.id_numbers: dict[str, str] = {}  # application id -> applicant's ID number, in memory only
        self.owed: dict[str, list[Owed]] = {}  # application id -> materials still owed (容缺, 告知承诺)

    def compose(self) -> ComposeResult:
        yield self.header()
        with Horizontal(id="list-filters"):
            yield Select([(status_text(s), s) for s in STATUS_ORDER], prompt=t("list.all_statuses"),
                         id="list-status",
                         value=self.status if self.status in STATUS_ORDER else Select.NULL)
            yield Select([], prompt=t("list.all_items"), id="list-item")
            yield Select([(t(f"list.period.{p}"), p) for p in PERIODS], prompt=t("list.all_dates"),
                         id="list-date")
        with Horizontal(id="list-filters-2"):
            yield Input(placeholder=t("list.applicant_ph"), id="list-applicant")
            yield Input(placeholder=t("list.search_ph"), id="list-search")
        yield DataTable(id="list-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="list-count")
        yield self.footer()

    def on_mount(self) -> None:
        mine = self.village.role == "grid_worker"
        self.sub_title = t("list.subtitle_mine" if mine else "list.subtitle")
        table = self.query_one("#list-table", DataTable)
        table.add_columns(t("col.id"), t("col.item"), t("col.applicant"), t("col.status"),
                          t("col.taken"), t("col.due"), t("col.owed"))
        self.load()

    def on_screen_resume(self) -> None:
        if self.village.session is not None:  # not while logging out
            self.load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False,
          description="read the applications")
    def load(self) -> tuple[list[Summary], dict[str, worklist.Flagged], dict[str, str],
                            dict[str, list[Owed]]]:
        from storage.applicants import id_numbers

        app = self.village
        session = app.require_session()
        rows = session.list()
        if app.role == "grid_worker":
            rows = worklist.mine(rows, session.operator.name)
        calendar = session.calendar()
        flags = {s.id: f for s in rows if (f := worklist.urgency(s, app.today, calendar))}
        return (rows, flags, id_numbers(session.store.database, session.keys),
                dict(worklist.owed_by_case(session.owed_materials())))

    def work_done(self, group: str, result: Any) -> None:
        if group != "load":
            return
        self.summaries, self.flags, self.id_numbers, self.owed = result
        items = sorted({s.item_code for s in self.summaries})
        select = self.query_one("#list-item", Select)
        current = select.value
        select.set_options([(f"{self.item_name(c)} [{c}]", c) for c in items])
        if current in items:
            select.value = current
        self.show()

    def item_name(self, code: str) -> str:
        try:
            return self.village.catalog.get(code).short_name
        except UnknownItemError:
            return code

    def filtered(self) -> list[Summary]:
        """The cases every filter lets through: status, item, date filed, applicant, search words."""
        status = self.query_one("#list-status", Select).value
        item = self.query_one("#list-item", Select).value
        period = self.query_one("#list-date", Select).value
        applicant = self.query_one("#list-applicant", Input).value
        words = self.query_one("#list-search", Input).value
        today = self.village.today
        return [
            s for s in self.summaries
            if (status is Select.NULL or s.status == status)
            and (item is Select.NULL or s.item_code == item)
            and (period is Select.NULL or in_period(s, str(period), today))
            and applicant_matches(s, applicant, self.id_numbers.get(s.id, ""))
            and matches(s, words, self.item_name(s.item_code))
        ]

    def show(self) -> None:
        table = self.query_one("#list-table", DataTable)
        table.clear()
        rows = self.filtered()
        year = f"{self.village.today.year}-"
        for s in rows:
            flag = self.flags.get(s.id)
            due = Text(due_text(short_date(s.due_date, year), s.due_approximate),
                       style="bold red" if flag and flag.colour == "red"
                       else "bold yellow" if flag else "")
            table.add_row(s.id, self.item_name(s.item_code), applicant_cell(s),
                          status_text(s.status), short_date(printing.local_time(s.created_at), year),
                          due, owed_cell(self.owed.get(s.id, []), self.village.today, year),
                          key=s.id)
        self.query_one("#list-count", Static).update(
            t("list.count", shown=len(rows), total=len(self.summaries)))

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#list-table", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.village.open_application(event.row_key.value)

    def action_search(self) -> None:
        self.query_one("#list-search", Input).focus()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class Detail:
    summary: Summary
    events: list[Event]
    receipt: printing.Document
    notice: printing.Document | None = None  # 办结/不予受理通知书, once the decision has arrived
    owed: tuple[Owed, ...] = ()  # its owed materials (容缺, 告知承诺), supplied or not
    authorisation: printing.Document | None = None  # 授权委托书, filled from the filing


class DetailScreen(BaseScreen):
    """One case: where it is now and everything that happened to it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "nav.back", id="detail.back"),
        Binding("r", "receipt", "detail.receipt", id="detail.receipt"),
        Binding("n", "decision_notice", "notice.print", id="detail.decision_notice"),
        Binding("c", "correct", "detail.correct", id="detail.correct"),
        Binding("d", "deliver", "detail.deliver", id="detail.deliver"),
        Binding("g", "rate", "detail.rate", id="detail.rate"),
        Binding("m", "supply", "case.supply", id="detail.supply"),
        Binding("w", "authorisation", "detail.authorisation", id="detail.authorisation"),
        Binding("v", "decide", "decide.action", id="detail.decide"),
        Binding("t", "complain", "complain.action", id="detail.complain"),
    ]

    def __init__(self, application_id: str) -> None:
        super().__init__()
        self.application_id = application_id
        self.detail: Detail | None = None

    def compose(self) -> ComposeResult:
        yield self.header()
        with VerticalScroll(id="detail"):
            yield Static(t("home.loading"), id="detail-summary", markup=False)
            yield Static("", id="detail-casework", markup=False)
            yield Static(t("detail.timeline"), classes="section")
            yield DataTable(id="detail-events", cursor_type="row", zebra_stripes=True)
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = self.application_id
        table = self.query_one("#detail-events", DataTable)
        table.add_columns(t("col.when"), t("col.event"), t("col.seq"))
        self.load()

    @work(thread=True, group="load", exit_on_error=False, description="open one application")
    def load(self) -> Detail:
        app = self.village
        session = app.require_session()
        summary, events = session.show(self.application_id)
        item = app.catalog.item(summary.item_code)
        filed = intake.filed_on(session, app.catalog, summary.item_code, summary.item_version)
        notice = notice_of(session, summary, events)
        # Every paper of the case carries a code this device signed (sync/receipts.py).
        return Detail(summary, events,
                      vouch(session, printing.receipt_document(summary, events, item,
                                                               session.store.info), summary, events),
                      vouch(session, notice, summary, events) if notice else None,
                      tuple(session.owed_materials(summary.id)),
                      vouch(session, printing.authorisation_document(
                          summary, events, filed, session.store.info), summary, events)
                      if summary.kind == "service" else None)

    def work_done(self, group: str, result: Any) -> None:
        if group == "deliver":
            self.notify(t("deliver.saved"), timeout=4)
            self.load()
            self.ask_rating()
            return
        if group == "rate":
            self.notify(t("rate.saved"), timeout=4)
            self.load()
            return
        if group == "supply":
            self.notify(t("case.supply_saved"), timeout=4)
            self.load()
            return
        if group == "complain":
            self.notify(t("complain.saved", complaint=result), timeout=8)
            self.load()
            return
        if group == "decide":
            self.notify(t(f"decide.done.{result}", id=self.application_id), timeout=4)
            self.load()
            return
        if group == "notice":
            self.show_printout(result)
            return
        assert isinstance(result, Detail)
        self.detail = result
        s = result.summary
        item = self.village.catalog.get(s.item_code)
        lines = [
            t("detail.id", id=s.id), t("detail.item", name=item.name, code=s.item_code),
            t("detail.applicant", name=s.applicant_name or "—"),
            t("detail.status", status=status_text(s.status)),
            t("detail.due", due=due_text(s.due_date, s.due_approximate, long=True)),
            t("detail.operator", name=s.operator),
            *([t("priority.grounds", grounds=priority_words(grounds))]
              if (grounds := printing.filed_priority(result.events)) else []),
            *(printing.owed_text(o, item, self.village.today) for o in result.owed),
        ]
        self.query_one("#detail-summary", Static).update("\n".join(lines))
        casework = self.query_one("#detail-casework", Static)
        said = self.casework_lines(result)
        casework.update("\n".join(said))
        casework.display = bool(said)
        casework.set_class(s.status == "correction_requested", "-correction")
        self.refresh_bindings()
        table = self.query_one("#detail-events", DataTable)
        table.clear()
        for e in result.events:
            table.add_row(printing.local_time(e.recorded_at, with_time=True), event_text(e.type),
                          f"#{e.seq}", key=str(e.id))

    def casework_lines(self, detail: Detail) -> list[str]:
        """The township's reasons while they wait, the result, hand-over and rating, what to press next."""
        status = detail.summary.status
        try:
            entry = self.village.catalog.get(detail.summary.item_code)
        except UnknownItemError:
            entry = None
        lines = [line.plain().strip() for line in printing.progress_lines(detail.events, entry)]
        lines += printing.complaint_lines(detail.events)  # 投诉 and the center's answers
        lines += printing.followup_lines(detail.events)  # a bad rating's follow-up, to tell them
        hint = {"correction_requested": "detail.correct_hint", "completed": "detail.hand_over",
                "rejected": "detail.hand_over", "delivered": "detail.ask_rating"}.get(status)
        if hint is None and detail is self.detail and self.decidable():
            hint = "decide.hint"  # 放权下沉: this village point decides it
        return [*lines, t(hint)] if hint else lines

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Casework keys show in the footer only when the case is at that step."""
        wanted = {"correct": ("correction_requested",), "deliver": worklist.HAND_OVER,
                  "rate": ("delivered",)}.get(action)
        if action == "decision_notice":
            return self.detail is not None and self.detail.notice is not None
        if action == "authorisation":
            return self.detail is not None and self.detail.authorisation is not None
        if action == "decide":
            return self.decidable()
        if action == "complain":  # about a case sent to its center (not a draft, not an inspection)
            return self.detail is not None and self.detail.summary.kind == "service" and (
                self.detail.summary.status != "draft")
        if action == "supply":
            return self.detail is not None and bool(self.owing()) and (
                self.detail.summary.status not in intake.SUPPLY_CLOSED)
        if wanted is None:
            return True
        return self.detail is not None and self.detail.summary.status in wanted

    def action_correct(self) -> None:
        from sync.corrections import open_request
        from village_agent import intake
        from village_agent.app.casework import CorrectionScreen

        detail = self.detail
        if detail is None or detail.summary.status != "correction_requested":
            return
        entry = intake.filed_on(self.village.require_session(), self.village.catalog,
                                detail.summary.item_code, detail.summary.item_version)
        screen = CorrectionScreen(entry, detail.summary.id, intake.current_data(detail.events),
                                  open_request(detail.events) or [], intake.scan_labels(detail.events))
        self.app.push_screen(screen, self.corrected)

    def corrected(self, done: bool | None) -> None:
        if done:
            self.village.show_message(t("correct.done_title"),
                                      t("correct.done", id=self.application_id))
        self.load()

    def action_deliver(self) -> None:
        from village_agent.app.casework import DeliverScreen

        detail = self.detail
        if detail is None or detail.summary.status not in worklist.HAND_OVER:
            return
        outcome = next((line for line in self.casework_lines(detail)[:-1]), "")
        self.app.push_screen(DeliverScreen(detail.summary.id, outcome), self.delivering)

    def delivering(self, choice: Any) -> None:
        if choice is not None:
            self.deliver(choice)

    @work(thread=True, group="deliver", exit_on_error=False, description="record the hand-over")
    def deliver(self, choice: Any) -> int:
        from village_agent import intake

        return intake.deliver(self.village.require_session(), self.application_id, how=choice.how,
                              to_whom=choice.to_whom, note=choice.note, today=self.village.today)

    def action_rate(self) -> None:
        if self.detail is not None and self.detail.summary.status == "delivered":
            self.ask_rating()

    def ask_rating(self) -> None:
        from village_agent.app.casework import RatingScreen

        self.app.push_screen(RatingScreen(self.application_id), self.rating_given)

    def rating_given(self, rating: Any) -> None:
        if rating is not None:
            self.rate(rating)

    @work(thread=True, group="rate", exit_on_error=False, description="record the rating")
    def rate(self, rating: Any) -> int:
        from village_agent import intake

        return intake.rate(self.village.require_session(), self.application_id, rating,
                           today=self.village.today)

    def decidable(self) -> bool:
        """放权下沉: a village-decided case waiting for this village point's own decision."""
        from village_agent import deciding

        if self.detail is None:
            return False
        try:
            item = self.village.catalog.item(self.detail.summary.item_code)
        except UnknownItemError:
            return False
        return deciding.decides_here(item, self.detail.summary.status)

    def action_decide(self) -> None:
        from village_agent.app.casework import DecideScreen

        if self.decidable():
            self.app.push_screen(DecideScreen(self.application_id), self.decision_chosen)

    def decision_chosen(self, choice: Any) -> None:
        if choice is not None:
            self.decide(choice)

    @work(thread=True, group="decide", exit_on_error=False, description="record the village's decision")
    def decide(self, choice: Any) -> str:
        from village_agent import deciding

        deciding.decide(self.village.require_session(), self.village.catalog, self.application_id,
                        choice.decision, choice.note, today=self.village.today)
        return str(choice.decision)

    def action_complain(self) -> None:
        from village_agent.app.complaint import ComplainScreen

        if self.check_action("complain", ()):
            self.app.push_screen(ComplainScreen(self.application_id), self.complaint_taken)

    def complaint_taken(self, text: str | None) -> None:
        if text is not None:
            self.complain(text)

    @work(thread=True, group="complain", exit_on_error=False, description="record a complaint")
    def complain(self, text: str) -> str:
        from village_agent import complaining

        return complaining.complain(self.village.require_session(), self.application_id, text,
                                    today=self.village.today).complaint_id

    def owing(self) -> list[Owed]:
        return [o for o in (self.detail.owed if self.detail else ()) if o.supplied_on is None]

    def action_supply(self) -> None:
        from village_agent.app.casework import SupplyScreen

        owing = self.owing()
        if self.detail is None or not owing:
            self.notify(t("case.supply_none"), timeout=4)
            return
        entry = self.village.catalog.get(self.detail.summary.item_code)
        choices = [(o.material, printing.owed_text(o, entry, self.village.today)) for o in owing]
        self.app.push_screen(SupplyScreen(self.application_id, choices), self.supplying)

    def supplying(self, choice: Any) -> None:
        if choice is not None:
            self.supply(choice)

    @work(thread=True, group="supply", exit_on_error=False, description="record a material supplied")
    def supply(self, choice: Any) -> int:
        session = self.village.require_session()
        return intake.supply(session, self.village.catalog, self.application_id, choice.material,
                             [choice.scan], today=self.village.today)

    def action_receipt(self) -> None:
        if self.detail is not None:
            self.show_printout(self.detail.receipt)

    def action_authorisation(self) -> None:
        """授权委托书: printing it is audited (it names the applicant), so recorded in a worker first."""
        if self.detail is not None and self.detail.authorisation is not None:
            self.print_authorisation(self.detail.authorisation)

    @work(thread=True, group="notice", exit_on_error=False, description="audit the authorisation")
    def print_authorisation(self, document: printing.Document) -> printing.Document:
        self.village.require_session().log("application.authorisation_printed", document.reference,
                                           "app")
        return document

    def action_decision_notice(self) -> None:
        """The decision's notice, as the center prints it; showing it is audited (it names the
        applicant), so it is recorded in a worker first."""
        if self.detail is not None and self.detail.notice is not None:
            self.print_notice(self.detail.notice)

    @work(thread=True, group="notice", exit_on_error=False, description="audit the notice")
    def print_notice(self, notice: printing.Document) -> printing.Document:
        self.village.require_session().log("notice.printed", notice.reference, "app")
        return notice

    def show_printout(self, document: printing.Document) -> None:
        from village_agent.app.printout import PrintoutScreen

        title = (t("receipt.title", id=self.application_id) if document.kind == "receipt"
                 else f"{document.title} · {document.reference}")
        self.app.push_screen(PrintoutScreen(title, [document], button=t("nav.back"),
                                            ident=document.kind
                                            if document.kind in ("receipt", "authorisation")
                                            else "decision"))

    def action_back(self) -> None:
        self.dismiss(None)
