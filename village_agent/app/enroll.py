"""Enrollment at the township: the setup wizard's optional last step, and again from the sync screen.

Online with the township's address and the clerk's one-time code, or offline
with a request and an answer file on a USB stick; either way both fingerprints
are shown for the agent to compare with the clerk's screen. A failure (a wrong
code, a township out of reach) is said here and changes nothing: the service
point exists already and enrollment can be done later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from storage.errors import InvalidRequest, StorageError
from storage.store import Session
from sync.errors import SyncError
from village_agent import syncjobs
from village_agent.app.base import BaseScreen
from village_agent.app.errors import user_message
from village_agent.i18n import t

ACTIONS = ("enroll-online", "enroll-request", "enroll-answer")


class EnrollScreen(BaseScreen):
    """Township address and code, or a folder on the stick; `first_run` ends at home, else dismisses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "later", "enrollscreen.later", id="enroll.later"),
    ]

    def __init__(self, session: Session, *, first_run: bool) -> None:
        super().__init__()
        self.session = session
        self.first_run = first_run
        self.enrolled = False
        self.working = False

    def compose(self) -> ComposeResult:
        store = self.session.store
        yield self.header()
        with VerticalScroll(id="enroll", classes="dialog"):
            yield Static(t("enrollscreen.title_first" if self.first_run else "enrollscreen.title"),
                         classes="screen-title")
            yield Static(t("enrollscreen.intro"), classes="field-help")
            yield Static(t("enroll.device_fp", fp=syncjobs.device_fingerprint(store)),
                         id="enroll-device", markup=False)
            yield Label(t("enrollscreen.url"), classes="field-label")
            yield Input(id="enroll-url", compact=True, placeholder=t("enrollscreen.url.ph"))
            yield Label(t("enrollscreen.code"), classes="field-label")
            yield Input(id="enroll-code", compact=True, placeholder=t("enrollscreen.code.ph"))
            yield Button(t("enrollscreen.online"), id="enroll-online", variant="primary",
                         compact=True)
            yield Static(t("enrollscreen.offline"), classes="field-help section-gap")
            yield Label(t("enrollscreen.folder"), classes="field-label")
            yield Input(str(self.village.export_dir), id="enroll-folder", compact=True)
            with Horizontal(classes="button-row"):
                yield Button(t("enrollscreen.write_request"), id="enroll-request", compact=True)
                yield Button(t("enrollscreen.read_answer"), id="enroll-answer", compact=True)
            yield Static("", id="enroll-message", markup=False)
            yield Static("", id="enroll-result", markup=False)
            yield Button(t("enrollscreen.later"), id="enroll-finish", compact=True)
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = t("enrollscreen.subtitle")
        self.query_one("#enroll-url", Input).focus()

    def value(self, name: str) -> str:
        return self.query_one(f"#enroll-{name}", Input).value.strip()

    def say(self, text: str, *, ok: bool = True) -> None:
        message = self.query_one("#enroll-message", Static)
        message.update(text)
        message.set_class(not ok, "-error")
        message.scroll_visible()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "enroll-code" and self.value("url"):
            self.begin("enroll-online")
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "enroll-finish":
            self.finish()
        elif event.button.id in ACTIONS:
            self.begin(event.button.id)

    def begin(self, action: str) -> None:
        if self.working:
            return
        code, url = self.value("code"), self.value("url")
        if not code:
            self.say(t("enrollscreen.need_code"), ok=False)
            self.query_one("#enroll-code", Input).focus()
            return
        if action == "enroll-online" and not url:
            self.say(t("enrollscreen.need_url"), ok=False)
            self.query_one("#enroll-url", Input).focus()
            return
        self.set_working(True)
        if action == "enroll-request":
            self.say(t("enrollscreen.writing"))
            self.write_request(code, self.value("folder"))
        else:
            self.say(t("enrollscreen.working"))
            self.query_one("#enroll-result", Static).update("")
            self.enroll(action, code, url, self.value("folder"))

    def set_working(self, working: bool) -> None:
        self.working = working
        for name in (*ACTIONS, "enroll-finish"):
            self.query_one(f"#{name}", Button).disabled = working

    @work(thread=True, exclusive=True, group="enroll", exit_on_error=False,
          description="enroll at the township (online, or from the answer file on a stick)")
    def enroll(self, action: str, code: str, url: str, folder: str) -> syncjobs.Fingerprints:
        if action == "enroll-online":
            return syncjobs.enroll_by_code(self.session, url, code)
        return syncjobs.enroll_from_folder(self.session, folder, code, url)

    @work(thread=True, exclusive=True, group="request", exit_on_error=False,
          description="write the enrollment request to a folder on a stick")
    def write_request(self, code: str, folder: str) -> Path:
        return syncjobs.write_request_to_folder(self.session.store, code, folder)

    def work_done(self, group: str, result: Any) -> None:
        if group == "request":
            assert isinstance(result, Path)
            self.say(t("enrollscreen.request_written", path=result))
        elif group == "enroll":
            assert isinstance(result, syncjobs.Fingerprints)
            self.enrolled = True
            self.say("")
            self.query_one("#enroll-result", Static).update("\n".join(result.lines()))
            finish = self.query_one("#enroll-finish", Button)
            finish.label = t("enrollscreen.finish")
            finish.variant = "primary"

    def work_failed(self, group: str, error: BaseException) -> bool:
        if isinstance(error, (InvalidRequest, StorageError, SyncError)):
            self.say(user_message(error), ok=False)
            return True
        return False

    def work_ended(self, group: str) -> None:
        if self.is_attached:
            self.set_working(False)
            if self.enrolled:
                self.query_one("#enroll-finish", Button).focus()

    def action_later(self) -> None:
        if not self.working:
            self.finish()

    def finish(self) -> None:
        if self.first_run:
            self.village.logged_in(self.session)
        else:
            self.dismiss(self.enrolled)
