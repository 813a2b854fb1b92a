"""The case screen's 投诉 dialog: the villager's words, checked as `complaining` checks them.

Recorded by `complaining.complain` in the detail screen's worker; the number it gives is shown
there for the agent to hand to the villager.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from storage.errors import InvalidRequest
from village_agent import complaining
from village_agent.app.casework import _Dialog
from village_agent.i18n import describe, t


class ComplainScreen(_Dialog):
    """Dismissed with the complaint's words, or None when cancelled."""

    def __init__(self, application_id: str) -> None:
        super().__init__()
        self.application_id = application_id

    def compose(self) -> ComposeResult:
        with Vertical(id="case-box"):
            yield Static(t("complain.title", id=self.application_id), classes="dialog-title")
            yield Static(t("complain.question"), id="complain-question", markup=False)
            yield Input(placeholder=t("complain.ph"), id="complain-text", compact=True)
            yield Static("", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("complain.submit"), id="complain-ok", variant="warning")
                yield Button(t("nav.cancel"), id="complain-cancel")

    def on_mount(self) -> None:
        self.say("")
        self.query_one("#complain-text", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "complain-cancel":
            self.dismiss(None)
            return
        try:
            text = complaining.check_complaint(self.query_one("#complain-text", Input).value)
        except InvalidRequest as exc:
            self.say(describe(exc))
            return
        self.dismiss(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#complain-ok", Button).press()
