"""The sync screen: enrollment, the link, every outgoing message and the results that came back.

Sync now, export to a USB folder and import from one run in thread workers;
the upload's progress arrives as messages posted from the worker, so the bar
moves while the screen keeps answering keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)

from forms.errors import UnknownItemError
from storage.errors import InvalidRequest, StorageError
from sync.cli import stick_folder, writable_folder
from sync.client import SyncReport
from sync.errors import SyncError
from sync.overview import Incoming, Notice, QueueEntry, SyncOverview
from sync.usb import UsbReport
from village_agent import syncjobs
from village_agent.app.base import BaseScreen, localize_bindings
from village_agent.app.errors import user_message
from village_agent.i18n import event_text, notice_text, t
from village_agent.printing import local_time


class SyncEnded(Message):
    """A sync session ended (the background loop's or the agent's): screens showing sync state reload."""

    def __init__(self, report: SyncReport, *, background: bool) -> None:
        super().__init__()
        self.report, self.background = report, background


class SyncProgress(Message):
    """Posted from a worker's thread: `done` of `total` bytes handed to the link ("send"), written
    to or read from the stick ("write", "read"), or results being filed ("apply")."""

    def __init__(self, done: int, total: int, waiting: bool = False, stage: str = "send") -> None:
        super().__init__()
        self.done, self.total, self.waiting, self.stage = done, total, waiting, stage


@dataclass(frozen=True)
class SyncView:
    overview: SyncOverview
    queue: list[QueueEntry]
    incoming: Incoming
    device: str
    township: str | None
    notices: list[Notice]
    fresh_notices: bool  # some had not been shown before: this load marked them seen


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


class SyncScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sync_now", "syncscreen.now", id="sync.now"),
        Binding("e", "export", "syncscreen.export", id="sync.export"),
        Binding("i", "import", "syncscreen.import", id="sync.import"),
        Binding("n", "enroll", "syncscreen.enroll", id="sync.enroll"),
        Binding("r", "reload", "syncscreen.reload", id="sync.reload", show=False),
        Binding("escape", "back", "nav.back", id="sync.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy: str | None = None  # the worker group running: one job at a time
        self.online: bool | None = None
        self.view: SyncView | None = None

    def compose(self) -> ComposeResult:
        yield self.header()
        yield Static(t("home.loading"), id="sync-state", markup=False)
        with Horizontal(id="sync-progress-row"):
            yield ProgressBar(id="sync-progress", show_eta=False)
            yield Static("", id="sync-progress-text", markup=False)
        yield Static("", id="sync-message", markup=False)
        with TabbedContent(id="sync-tabs"):
            with TabPane(t("syncscreen.tab_queue"), id="sync-tab-queue"):
                yield DataTable(id="sync-queue", cursor_type="row", zebra_stripes=True)
            with TabPane(t("syncscreen.tab_results"), id="sync-tab-results"):
                yield DataTable(id="sync-results", cursor_type="row", zebra_stripes=True)
            with TabPane(t("syncscreen.tab_notices"), id="sync-tab-notices"):
                yield DataTable(id="sync-notices", cursor_type="row", zebra_stripes=True)
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = t("syncscreen.subtitle")
        self.query_one("#sync-progress-row").display = False
        self.query_one("#sync-queue", DataTable).add_columns(
            t("col.seq"), t("col.id"), t("col.item"), t("col.event"), t("col.size"),
            t("col.delivery"))
        self.query_one("#sync-results", DataTable).add_columns(
            t("col.when"), t("col.id"), t("col.item"), t("col.event"))
        self.query_one("#sync-notices", DataTable).add_columns(t("col.when"), t("col.notice"))
        self.query_one("#sync-queue", DataTable).focus()
        self.reload()

    # reading the state
    def reload(self) -> None:
        self.load()
        self.check_link()

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False,
          description="read the outbox, the inbox and the enrollment")
    def load(self) -> SyncView:
        from sync.overview import incoming, mark_notices_seen, notices, overview, queue

        store = self.village.require_session().store
        state, said = overview(store), notices(store)
        if said and state.unseen_notices:
            mark_notices_seen(store, said[0].id)  # shown as this load ends: home stops counting
        return SyncView(state, queue(store), incoming(store),
                        syncjobs.device_fingerprint(store), syncjobs.township_fingerprint(store),
                        said, bool(state.unseen_notices))

    @work(thread=True, exclusive=True, group="probe", exit_on_error=False,
          description="is the township reachable? (a cheap request, at most 5 s)")
    def check_link(self) -> bool | None:
        from sync.client import probe
        from village_agent.syncloop import township_url

        url = township_url(self.village.require_session().store)
        return probe(url) if url else None

    def item_name(self, code: str) -> str:
        try:
            return self.village.catalog.get(code).short_name
        except UnknownItemError:
            return code

    def show_state(self) -> None:
        view = self.view
        if view is None:
            return
        o = view.overview
        if o.revoked:
            first = t("syncscreen.revoked")
        elif o.enrolled:
            first = t("syncscreen.enrolled", url=o.township_url or t("syncscreen.no_url"),
                      fp=view.township or "")
        else:
            first = t("syncscreen.not_enrolled")
        if self.online is None:
            link = t("syncscreen.checking") if o.township_url else "—"
        else:
            link = t("syncscreen.online") if self.online else t("syncscreen.offline")
        last = local_time(o.last_contact, with_time=True) if o.last_contact else t("sync.never")
        lines = [first, t("enroll.device_fp", fp=view.device),
                 t("syncscreen.link", state=link, last=last),
                 t("syncscreen.counts", waiting=o.pending, unsealed=o.unsealed,
                   owner=o.awaiting_owner, received=view.incoming.received,
                   applied=view.incoming.applied)]
        self.query_one("#sync-state", Static).update("\n".join(lines))

    def show_lists(self, view: SyncView) -> None:
        table = self.query_one("#sync-queue", DataTable)
        row = table.cursor_row
        table.clear()
        for e in view.queue:
            what = event_text(e.event_type) if e.kind == "event" else t("outbox.chunk", n=e.chunk_index)
            table.add_row(str(e.seq), e.application_id, self.item_name(e.item_code), what,
                          human_size(e.size) if e.size else "—", t(f"outbox.{e.delivery}"),
                          key=str(e.seq))
        if view.queue:
            table.move_cursor(row=min(row, len(view.queue) - 1))
        results = self.query_one("#sync-results", DataTable)
        results.clear()
        for r in view.incoming.results:
            results.add_row(local_time(r.recorded_at, with_time=True) if r.recorded_at else "—",
                            r.application_id, self.item_name(r.item_code), event_text(r.event_type))
        said = self.query_one("#sync-notices", DataTable)
        said.clear()
        for n in view.notices:
            said.add_row(local_time(n.at, with_time=True), notice_text(n.kind, n.seq, n.detail))
        if view.fresh_notices:  # something the agent has not read yet: show it first
            self.query_one("#sync-tabs", TabbedContent).active = "sync-tab-notices"
            said.focus()

    def see_link(self, report: SyncReport) -> None:
        """What a session's end says of the link; a session that made no call says nothing."""
        heard = syncjobs.link_after(report)
        if heard is not None:
            self.online = heard

    def sync_ended(self, report: SyncReport, *, background: bool) -> None:
        """The app tells every sync screen when any session ends."""
        self.see_link(report)
        if background and self.busy is None:
            self.say(t("syncscreen.background", summary=syncjobs.sync_summary(report)),
                     ok=report.ok)
        self.load()

    # the agent's actions
    def say(self, text: str, *, ok: bool = True) -> None:
        message = self.query_one("#sync-message", Static)
        message.update(text)
        message.set_class(not ok, "-error")

    def start(self, group: str, text: str) -> bool:
        if self.busy is not None:
            self.notify(t("syncscreen.busy"), severity="warning", timeout=3)
            return False
        self.busy = group
        self.say(text)
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#sync-progress-text", Static).update("")
        self.query_one("#sync-progress-row").display = True
        return True

    def action_sync_now(self) -> None:
        if self.start("sync", t("syncscreen.connecting")):
            self.sync_session()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False,
          description="one sync session with the township: sealed messages up, acks and decisions down")
    def sync_session(self) -> SyncReport:
        from village_agent.syncloop import sync_now

        app = self.village
        session = app.require_session()

        def progress(stage: str, done: int, total: int) -> None:
            self.post_message(SyncProgress(done, total))  # thread-safe: handled on the UI's loop

        report = sync_now(session.store, session, app.sync_lock, progress,
                          waiting=lambda: self.post_message(SyncProgress(0, 0, waiting=True)),
                          stop=app.closing)
        app.post_message(SyncEnded(report, background=False))  # home's sync line too, even if this screen is gone
        return report

    def on_sync_progress(self, message: SyncProgress) -> None:
        text = self.query_one("#sync-progress-text", Static)
        if message.waiting:
            self.say(t("syncscreen.waiting_lock"))
            return
        self.query_one("#sync-progress", ProgressBar).update(total=max(message.total, 1),
                                                             progress=message.done)
        if message.stage in ("write", "read"):
            text.update(t(f"syncscreen.stick_{message.stage}", done=human_size(message.done),
                          total=human_size(message.total)))
        elif message.stage == "apply":
            text.update(t("syncscreen.filing"))
        elif message.total and message.done >= message.total:
            text.update(t("syncscreen.waiting_answer"))
        else:
            text.update(t("syncscreen.sending", done=human_size(message.done),
                          total=human_size(message.total)))

    def action_export(self) -> None:
        if self.busy is None:
            self.app.push_screen(FolderScreen(t("folder.export_title"), self.village.export_dir,
                                              writable_folder), self._export_to)

    def _export_to(self, folder: Path | None) -> None:
        if folder is not None and self.start("export", t("syncscreen.exporting")):
            self.export(folder)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False,
          description="write the sealed outbox to a USB folder")
    def export(self, folder: Path) -> tuple[UsbReport, Path]:
        return syncjobs.export_to_folder(self.village.require_session(), folder,
                                         self._stick_progress), folder

    def _stick_progress(self, stage: str, done: int, total: int) -> None:
        self.post_message(SyncProgress(done, total, stage=stage))  # from the worker's thread

    def action_import(self) -> None:
        if self.busy is not None:
            return
        store = self.village.require_session().store

        def check(raw: str) -> Path:
            folder = stick_folder(raw)
            if not syncjobs.answer_bundles(store, folder):
                raise InvalidRequest("usb.no_answers", folder=folder, tag=store.info.device_tag)
            return folder

        self.app.push_screen(FolderScreen(t("folder.import_title"), self.village.export_dir, check),
                             self._import_from)

    def _import_from(self, folder: Path | None) -> None:
        if folder is not None and self.start("import", t("syncscreen.importing")):
            self.import_answers(folder)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False,
          description="take in the township's answers from a USB folder")
    def import_answers(self, folder: Path) -> UsbReport:
        return syncjobs.import_from_folder(self.village.require_session(), folder,
                                           self._stick_progress)

    def action_enroll(self) -> None:
        if self.busy is not None:
            return
        from village_agent.app.enroll import EnrollScreen

        self.app.push_screen(EnrollScreen(self.village.require_session(), first_run=False),
                             self._enrolled)

    def _enrolled(self, enrolled: bool | None) -> None:
        if enrolled:
            self.village.start_background_sync()
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)

    # worker results
    def work_done(self, group: str, result: Any) -> None:
        if group == "load":
            assert isinstance(result, SyncView)
            self.view = result
            self.show_state()
            self.show_lists(result)
        elif group == "probe":
            self.online = result
            self.show_state()
        elif group == "sync":
            assert isinstance(result, SyncReport)
            self.see_link(result)
            self.say(syncjobs.sync_summary(result), ok=result.ok)
            self.village.tell_renumbered(result)
            if result.ok:
                self.query_one("#sync-progress-text", Static).update("")
        elif group == "export":
            report, folder = result
            self.say(syncjobs.exported_text(report, folder))
        elif group == "import":
            assert isinstance(result, UsbReport)
            self.say(syncjobs.imported_text(result), ok=not result.refused)
            self.query_one("#sync-progress-text", Static).update("")  # filed: the message says so

    def work_failed(self, group: str, error: BaseException) -> bool:
        if group in ("sync", "export", "import") and isinstance(
                error, (InvalidRequest, StorageError, SyncError)):
            self.say(user_message(error), ok=False)
            return True
        return group == "probe"  # an unreachable township is shown as offline, not as an error

    def work_ended(self, group: str) -> None:
        if group in ("sync", "export", "import") and self.is_attached:
            self.busy = None
            bar = self.query_one("#sync-progress", ProgressBar)
            if bar.total is None:  # ended before any count came (refused, nothing to do)
                self.query_one("#sync-progress-row").display = False
            if group != "sync":
                self.load()


class FolderScreen(ModalScreen[Path | None]):
    """Which folder on the stick: an Input with the app's export folder, checked before closing."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "nav.cancel")]

    def __init__(self, title: str, default: Path, check: Callable[[str], Path]) -> None:
        super().__init__()
        localize_bindings(self)
        self.title_text, self.default, self.check = title, default, check

    def compose(self) -> ComposeResult:
        with Vertical(id="folder-box"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Label(t("folder.label"), classes="field-label")
            yield Input(str(self.default), id="folder-path", compact=True)
            yield Static("", id="folder-error", classes="folder-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("folder.ok"), id="folder-ok", variant="primary")
                yield Button(t("nav.cancel"), id="folder-cancel")

    def on_mount(self) -> None:
        self.query_one("#folder-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "folder-ok":
            self.confirm()
        else:
            self.dismiss(None)

    def confirm(self) -> None:
        try:
            folder = self.check(self.query_one("#folder-path", Input).value)
        except InvalidRequest as exc:
            self.query_one("#folder-error", Static).update(user_message(exc))
            return
        self.dismiss(folder)

    def action_cancel(self) -> None:
        self.dismiss(None)
