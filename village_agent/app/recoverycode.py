"""First run, after the store is made: the recovery code, shown this once, to be copied for the township."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from storage import recovery
from village_agent.app.base import BaseScreen
from village_agent.i18n import t

if TYPE_CHECKING:
    from storage.store import Session


class RecoveryCodeScreen(BaseScreen):
    """The code in groups of four; the button (or Enter) goes on to enrollment, and it is gone."""

    CSS_PATH = None  # village.tcss has its rules
    AUTO_FOCUS = "#recovery-done"

    def __init__(self, session: Session, code: str) -> None:
        super().__init__()
        self.session = session
        self.code = code  # in memory only, for as long as this screen is up

    def __repr__(self) -> str:
        return "RecoveryCodeScreen(<code redacted>)"

    def compose(self) -> ComposeResult:
        yield self.header()
        with VerticalScroll(id="recovery", classes="dialog"):
            yield Static(t("setup.recovery.title"), classes="screen-title")
            yield Static(t("recovery.show", code=recovery.grouped(self.code)), id="recovery-code",
                         markup=False)
            yield Button(t("setup.recovery.done"), id="recovery-done", variant="primary",
                         compact=True)
        yield self.footer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        from village_agent.app.enroll import EnrollScreen

        self.code = ""
        # The service point exists now; enrolling at the township is the optional last step.
        self.village.switch_screen(EnrollScreen(self.session, first_run=True))
