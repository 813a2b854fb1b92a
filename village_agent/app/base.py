"""What every screen shares: translated key bindings, one place where worker results and failures land."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Static
from textual.worker import Worker, WorkerState

from village_agent.app.errors import user_message
from village_agent.i18n import MESSAGES, t

if TYPE_CHECKING:
    from village_agent.app.app import VillageApp


def localize_bindings(node: DOMNode) -> None:
    """Bindings are declared with message keys as descriptions; show them in the chosen language.

    Textual reads BINDINGS when the class is created, before VILLAGE_AGENT_LANG may
    be known, so the per-instance copy is translated here instead.
    """
    table = node._bindings.key_to_bindings
    # The message keys, kept on the first call, so a later call (the language switched) can
    # translate them again.
    keys: dict[tuple[str, int], str] = node.__dict__.setdefault("_binding_keys", {
        (key, i): b.description for key, bindings in table.items()
        for i, b in enumerate(bindings) if b.description in MESSAGES})
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=t(keys[key, i])) if (key, i) in keys else b
            for i, b in enumerate(bindings)
        ]


class BaseScreen(Screen[Any]):
    """A screen of the village app: header, footer, and thread workers reported in one place.

    A worker's result goes to `work_done(group, result)`; its failure to
    `work_failed(group, error)`, which shows the error in a modal unless the
    screen handles it itself (a wrong PIN is said beside the PIN box).
    """

    # The day's screens' rules (forms, lists, sync), read when the first of them shows; the login
    # and setup screens set None: the first screen parses only village.tcss (bench/startup.py).
    CSS_PATH: ClassVar[str | None] = "work.tcss"

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)

    @property
    def village(self) -> VillageApp:
        from village_agent.app.app import VillageApp

        assert isinstance(self.app, VillageApp)
        return self.app

    def header(self) -> Header:
        return Header(show_clock=False, icon="")

    def footer(self) -> Footer:
        return Footer()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            self.work_done(worker.group, worker.result)
        elif event.state == WorkerState.ERROR:
            error = worker.error
            assert isinstance(error, BaseException)
            if not self.work_failed(worker.group, error):
                self.village.show_error(error)
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.work_ended(worker.group)

    def work_done(self, group: str, result: Any) -> None:
        """A worker of this screen finished; `result` is what it returned."""

    def work_failed(self, group: str, error: BaseException) -> bool:
        """True when the screen has told the user itself."""
        return False

    def work_ended(self, group: str) -> None:
        """Success or failure: re-enable what was disabled while it ran."""


class MessageScreen(ModalScreen[None]):
    """A message to read and dismiss (errors, mostly)."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss", "nav.close"), ("enter", "dismiss", "nav.close")]

    def __init__(self, title: str, body: str, *, kind: str = "error") -> None:
        super().__init__(classes=f"message-{kind}")
        localize_bindings(self)
        self.title_text = title
        self.body = body

    def compose(self) -> Any:
        with Vertical(id="message-box"):
            yield Static(self.title_text, id="message-title")
            with VerticalScroll(id="message-body"):
                yield Static(self.body, markup=False)
            yield Button(t("nav.ok"), id="message-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#message-ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss()


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; dismisses with True for yes."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "no", "nav.cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.question = question

    def compose(self) -> Any:
        with Vertical(id="message-box"):
            yield Static(self.question, id="message-title", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(t("nav.yes"), id="confirm-yes", variant="error")
                yield Button(t("nav.no"), id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_no(self) -> None:
        self.dismiss(False)


def error_screen(error: BaseException) -> MessageScreen:
    return MessageScreen(t("error.title"), user_message(error))
