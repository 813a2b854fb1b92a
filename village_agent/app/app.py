"""The village app: holds the store and the logged-in session, and moves between screens."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from storage import lobby
from storage.errors import NotPermitted, StorageError
from village_agent.app.base import MessageScreen, error_screen, localize_bindings
from village_agent.i18n import t

if TYPE_CHECKING:
    # The first screen needs none of these: the store's machinery (sqlite-utils, cryptography),
    # the catalog and the forms load when the PIN is typed (bench/startup.py measures it).
    from forms.catalog import Catalog
    from storage.crypto import KdfParams
    from storage.drafts import Draft
    from storage.store import Session, Store
    from sync.client import SyncReport
    from village_agent.app.login import LoginScreen
    from village_agent.app.syncscreen import SyncEnded
    from village_agent.formstate import Entry
    from village_agent.printing import Document
    from village_agent.syncloop import BackgroundSync


# Workers that record, write or hand something on: the language does not switch under them.
RECORDING_WORK = frozenset({"submit", "correct", "deliver", "rate", "attach", "export", "import",
                            "pdf", "sync", "setup", "login", "enroll", "request"})


class VillageApp(App[None]):
    """Screens live in their own modules; this class only wires them together."""

    CSS_PATH = "village.tcss"
    # What the last sync session of this run said of the link to the township (True: reached it,
    # False: could not), None until one has said: home says online or offline from it.
    link: bool | None = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "app.quit", id="app.quit", priority=True),
        Binding("ctrl+p", "command_palette", "app.palette", id="app.palette", show=False,
                priority=True),
    ]

    def __init__(
        self,
        home: Path,
        *,
        kdf: KdfParams | None = None,
        today: date | None = None,
        catalog: Catalog | None = None,
        export_dir: Path | None = None,
        scan_dir: Path | None = None,
        sync_every: float | None = 60.0,
    ) -> None:
        super().__init__()
        localize_bindings(self)
        self.home = home
        self._kdf = kdf
        self.fixed_today = today
        self._catalog = catalog
        self.export_dir = export_dir or Path.home()
        # Where the scan picker opens: the scanner's folder, then the last folder a scan came from.
        self.scan_dir = scan_dir or Path(
            os.environ.get("VILLAGE_AGENT_SCAN_DIR") or Path.home()).expanduser()
        self.store: Store | None = None
        self.store_lock = threading.Lock()  # the store is opened once, by whichever worker is first
        self.session: Session | None = None
        self.sync_every = sync_every  # seconds between background sessions; None: no background sync
        self.sync_lock = threading.Lock()  # one session at a time: the loop's or the agent's
        self.closing = threading.Event()  # set at quit: an upload under way stops at its next piece
        self.background: BackgroundSync | None = None

    # state the screens read
    @property
    def kdf(self) -> KdfParams:
        """How a new PIN's key is derived: Argon2id at full cost unless a test chose otherwise."""
        from storage.crypto import DEFAULT_KDF

        return self._kdf or DEFAULT_KDF

    @property
    def today(self) -> date:
        """The agent's day (tests fix it; the app otherwise follows the clock past midnight)."""
        return self.fixed_today or date.today()

    @property
    def catalog(self) -> Catalog:
        """The catalog in force: the county's newest release once the store is open, else the shipped one."""
        if self._catalog is not None:  # fixed by a test
            return self._catalog
        if self.store is not None:
            return self.store.catalog()
        from storage.catalogs import shipped

        return shipped()

    @property
    def role(self) -> str:
        return self.session.operator.role if self.session else ""

    def require_session(self) -> Session:
        if self.session is None:
            raise NotPermitted("error.not_logged_in")
        return self.session

    # start, stop
    def on_mount(self) -> None:
        from village_agent.app.login import SetupScreen

        self.title = t("app.title")
        if not lobby.has_store(self.home):
            self.push_screen(SetupScreen())
            return
        try:
            first = self.login_screen()
        except (StorageError, sqlite3.DatabaseError) as exc:  # damaged or foreign: say so, leave
            self.push_screen(error_screen(exc), lambda _: self.exit(return_code=1))
            return
        self.push_screen(first)

    def login_screen(self) -> LoginScreen:
        """Who may log in, read without opening the store: the first screen comes up at once."""
        from village_agent.app.login import LoginScreen

        return LoginScreen(lobby.read(self.home))

    def open_store(self) -> Store:
        """The store, opened (checked, migrated) on first use; called from thread workers."""
        from storage.store import Store

        with self.store_lock:
            if self.store is None:
                self.store = Store.open(self.home)
            return self.store

    async def action_quit(self) -> None:
        self.keep_drafts()
        self.closing.set()  # an upload under way stops at its next piece while the screens close
        self.exit()

    def keep_drafts(self) -> None:
        """Every open form is kept as a draft before the app closes."""
        from village_agent.app.form import FormScreen

        for screen in self.screen_stack:
            if isinstance(screen, FormScreen):
                screen.keep_draft()

    def on_unmount(self) -> None:
        self.closing.set()
        self.stop_background_sync(wait=5.0)
        # A session still waiting on a slow answer keeps the store: the process is ending anyway.
        if self.store is not None and self.sync_lock.acquire(timeout=5.0):
            try:
                self.store.close()
            finally:
                self.sync_lock.release()

    def show_error(self, error: BaseException) -> None:
        self.push_screen(error_screen(error))

    def show_message(self, title: str, body: str) -> None:
        self.push_screen(MessageScreen(title, body, kind="info"))

    # moving between screens
    def logged_in(self, session: Session) -> None:
        from village_agent.app.home import HomeScreen

        self.session = session
        self.title = self.heading()  # every screen's header names the service point from now on
        self.switch_screen(HomeScreen(session.operator.role))
        self.catch_up(session)
        self.start_background_sync()

    @work(thread=True, group="catch-up", exit_on_error=False, description="file results received")
    def catch_up(self, session: Session) -> None:
        """Results a PIN-less sync or a stick brought in are filed at login, online or not."""
        from sync.client import SyncReport
        from sync.node import Node
        from sync.village import renumber
        from village_agent.app.syncscreen import SyncEnded
        from village_agent.intake import catch_up

        with self.sync_lock:
            if self.session is not session:
                return
            # A restored copy's clashing work is numbered again at the first login: said at once.
            renamed = [(r.old, r.new) for r in renumber(Node.of(session))]
            applied = catch_up(session)
        if applied or renamed:
            self.post_message(SyncEnded(SyncReport(ok=True, applied=applied, renamed=renamed),
                                        background=True))

    def logout(self) -> None:
        self.keep_drafts()
        self.stop_background_sync()
        self.session = None
        self.title = self.heading()
        self.back_home()
        if self.store is None:
            return
        try:
            self.switch_screen(self.login_screen())
        except (StorageError, sqlite3.DatabaseError) as exc:  # damaged while open: say so, leave
            self.push_screen(error_screen(exc), lambda _: self.exit(return_code=1))

    def heading(self) -> str:
        """The header's title: the service point's name once someone is logged in."""
        if self.session is None:
            return t("app.title")
        return t("app.title_village", village=self.session.store.info.village_name)

    def switch_language(self) -> None:
        """Chinese to English or back: the screens are built again in it, drafts kept, still
        logged in; the choice is kept for the next start."""
        from village_agent.app.casework import CorrectionScreen
        from village_agent.app.home import HomeScreen
        from village_agent.app.login import SetupScreen
        from village_agent.i18n import language, save_preference, set_language

        # Building the screens again closes them: work under way would lose its answer (a
        # receipt), and a correction is never kept as a draft. Finish first, then switch.
        busy = [w for w in self.workers if w.group in RECORDING_WORK and not w.is_finished]
        if busy or any(isinstance(s, CorrectionScreen) for s in self.screen_stack):
            self.notify(t("lang.busy"), severity="warning", timeout=8)
            return
        self.keep_drafts()
        set_language("zh" if language() == "en" else "en")
        localize_bindings(self)
        self.title = self.heading()
        if self.session is not None:
            self.back_home()
            self.switch_screen(HomeScreen(self.session.operator.role))
        elif lobby.has_store(self.home):
            self.switch_screen(self.login_screen())
        else:
            self.switch_screen(SetupScreen())
        try:
            save_preference(self.home, language())
        except OSError as exc:
            self.notify(t("lang.not_saved", detail=exc.strerror or exc), severity="warning")
            return
        self.notify(t("lang.switched"))

    def back_home(self) -> None:
        from village_agent.app.home import HomeScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def start_new(self) -> None:
        from village_agent.app.picker import PickerScreen

        self.push_screen(PickerScreen(), self._picked)

    def _picked(self, entry: Entry | None) -> None:
        if entry is None:
            return
        if entry.kind == "inspection":  # nothing to hand the villager: straight to the form
            self.open_form(entry)
            return
        from village_agent import printing
        from village_agent.app.review import notice_screen

        info = self.require_session().store.info
        notice = printing.notice_document(entry, info, today=self.today)
        self.push_screen(notice_screen(entry, notice), lambda go: self.open_form(entry) if go else None)

    def open_form(self, entry: Entry, draft: Draft | None = None) -> None:
        from village_agent.app.form import FormScreen

        self.push_screen(FormScreen(entry, draft_id=draft.id if draft else None,
                                    data=draft.data if draft else None))

    def resume_draft(self, draft: Draft) -> None:
        """A draft goes on with the item version it was started on, even after a catalog update."""
        entry = self.catalog.get(draft.item_code)
        if entry.version != draft.item_version:
            pinned = self.store.catalog_entry(draft.item_code, draft.item_version) if self.store else None
            if pinned is not None:
                entry = pinned
                self.notify(t("drafts.version_kept", old=draft.item_version, new=self.catalog.get(
                    draft.item_code).version), timeout=8)
            else:  # a version this store never had (a draft from before an upgrade): say so
                self.notify(t("drafts.version_changed", old=draft.item_version, new=entry.version),
                            severity="warning", timeout=8)
        self.open_form(entry, draft)

    def after_submit(self, application_ids: list[str], receipts: Sequence[Document]) -> None:
        from village_agent.app.review import receipt_screen

        if self.background is not None:
            self.background.wake()  # new work: it goes up now, not after the interval
        self.back_home()
        self.push_screen(receipt_screen(application_ids, receipts))

    def open_applications(self, status: str | None = None) -> None:
        from village_agent.app.applications import ApplicationsScreen

        self.push_screen(ApplicationsScreen(status))

    def open_application(self, application_id: str) -> None:
        from village_agent.app.applications import DetailScreen

        self.push_screen(DetailScreen(application_id))

    def open_drafts(self) -> None:
        from village_agent.app.drafts import DraftsScreen

        self.push_screen(DraftsScreen())

    def open_ledger(self) -> None:
        from village_agent.app.ledger import LedgerScreen

        self.push_screen(LedgerScreen())

    def open_sync(self) -> None:
        from village_agent.app.syncscreen import SyncScreen

        if not isinstance(self.screen, SyncScreen):
            self.push_screen(SyncScreen())

    # background sync (village_agent/syncloop.py): while someone is logged in and enrolled
    def start_background_sync(self) -> None:
        from village_agent.app.syncscreen import SyncEnded
        from village_agent.syncloop import BackgroundSync, township_url

        if (self.sync_every is None or self.session is None or self.background is not None
                or not township_url(self.session.store)):
            return
        self.background = BackgroundSync(
            self.session.store, session=self.session, lock=self.sync_lock,
            interval=self.sync_every,
            on_report=lambda report: self.post_message(SyncEnded(report, background=True)))
        self.background.start()

    def stop_background_sync(self, wait: float = 0.0) -> bool:
        """Stop the loop; wait up to `wait` seconds for its thread (0: return at once). True if ended."""
        runner, self.background = self.background, None
        if runner is None:
            return True
        runner.stop()
        return runner.join(wait) if wait else not runner.alive

    def tell_renumbered(self, report: SyncReport) -> None:
        """An application numbered again: said at once (the villager's receipt has the old
        number), and kept among the sync screen's notices."""
        for old, new in report.renamed:
            self.notify(t("sync.renumbered", old=old, new=new), severity="warning", timeout=30)

    def on_sync_ended(self, message: SyncEnded) -> None:
        from village_agent.app.home import HomeScreen
        from village_agent.app.syncscreen import SyncScreen
        from village_agent.syncjobs import link_after

        heard = link_after(message.report)
        if heard is not None:
            self.link = heard
        if self.session is None:  # a session that ended after logout: nothing to show it on
            return
        self.tell_renumbered(message.report)
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.reload()
            elif isinstance(screen, SyncScreen):
                screen.sync_ended(message.report, background=message.background)

    # command palette
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        if self.session is not None:
            yield SystemCommand(t("cmd.new"), t("cmd.new.help"), self.start_new)
            yield SystemCommand(t("cmd.applications"), t("cmd.applications.help"),
                                self.open_applications)
            yield SystemCommand(t("cmd.drafts"), t("cmd.drafts.help"), self.open_drafts)
            yield SystemCommand(t("cmd.ledger"), t("cmd.ledger.help"), self.open_ledger)
            yield SystemCommand(t("cmd.sync"), t("cmd.sync.help"), self.open_sync)
            yield SystemCommand(t("cmd.home"), t("cmd.home.help"), self.back_home)
            yield SystemCommand(t("cmd.logout"), t("cmd.logout.help"), self.logout)
        yield SystemCommand(t("cmd.language"), t("cmd.language.help"), self.switch_language)
        # Textual's own commands (themes, screenshots) are English-only: the quit is ours.
        yield SystemCommand(t("app.quit"), t("cmd.quit.help"), self.action_quit)


def make_app(
    home: Path,
    *,
    kdf: KdfParams | None = None,
    today: date | None = None,
    catalog: Catalog | None = None,
    export_dir: Path | None = None,
    scan_dir: Path | None = None,
    sync_every: float | None = 60.0,
) -> VillageApp:
    """The one way to build the app: the CLI and the tests both come through here."""
    return VillageApp(home, kdf=kdf, today=today, catalog=catalog, export_dir=export_dir,
                      scan_dir=scan_dir, sync_every=sync_every)
