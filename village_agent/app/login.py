"""First run: the setup wizard that creates the service point; every later run: the login screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from storage.errors import AuthError, InvalidRequest, StorageError
from village_agent.app.base import BaseScreen
from village_agent.app.errors import user_message
from village_agent.i18n import t

if TYPE_CHECKING:
    from storage.lobby import Lobby
    from storage.store import Session


class SetupScreen(BaseScreen):
    """Village code and name, the first agent and their PIN (twice): creates the store."""

    CSS_PATH = None  # village.tcss has its rules
    # Focus lands on the first box as the screen opens: focusing the scroll container first and
    # then moving on restyles the whole form twice before the first frame.
    AUTO_FOCUS = "#setup-village_code"

    def compose(self) -> ComposeResult:
        yield self.header()
        with VerticalScroll(id="setup", classes="dialog"):
            yield Static(t("setup.title"), classes="screen-title")
            yield Static(t("setup.intro"), classes="field-help")
            for name, secret in (("village_code", False), ("village_name", False),
                                 ("operator", False), ("pin", True), ("pin2", True)):
                yield Label(t(f"setup.{name}"), classes="field-label")
                yield Input(id=f"setup-{name}", password=secret, compact=True,
                            placeholder=t(f"setup.{name}.ph"))
            yield Static("", id="setup-error", classes="field-error", markup=False)
            yield Button(t("setup.create"), id="setup-create", variant="primary", compact=True)
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = t("setup.subtitle")

    def value(self, name: str) -> str:
        return self.query_one(f"#setup-{name}", Input).value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter moves on to the next box, and creates from the last one.
        if event.input.id == "setup-pin2":
            self.create()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.create()

    def say(self, text: str) -> None:
        error = self.query_one("#setup-error", Static)
        error.update(text)
        error.display = bool(text)

    def create(self) -> None:
        missing = [n for n in ("village_code", "village_name", "operator", "pin")
                   if not self.value(n).strip()]
        if missing:
            self.say(t("setup.missing", what=t(f"setup.{missing[0]}")))
            return
        if self.value("pin") != self.value("pin2"):
            self.say(t("pin.mismatch"))
            return
        self.say(t("setup.working"))
        self.query_one("#setup-create", Button).disabled = True
        self.create_store(self.value("village_code"), self.value("village_name"),
                          self.value("operator"), self.value("pin"))

    @work(thread=True, group="setup", exit_on_error=False,
          description="create the store (Argon2id wraps the key: slow on purpose)")
    def create_store(self, code: str, name: str, operator: str, pin: str) -> tuple[Session, str]:
        from storage import recovery
        from storage.store import Store

        app = self.village
        spare = recovery.new_code()  # also wraps the data key: a forgotten PIN loses nothing
        store = Store.create(app.home, village_code=code, village_name=name,
                             operator_name=operator, pin=pin, kdf=app.kdf, recovery_code=spare)
        app.store = store
        return store.login(operator, pin), spare

    def work_done(self, group: str, result: Any) -> None:
        from storage.store import Session
        from village_agent.app.recoverycode import RecoveryCodeScreen

        session, spare = result
        assert isinstance(session, Session)
        # Shown once, then enrollment at the township, the optional last step.
        self.village.switch_screen(RecoveryCodeScreen(session, spare))

    def work_failed(self, group: str, error: BaseException) -> bool:
        if isinstance(error, (InvalidRequest, StorageError)):
            self.say(user_message(error))
            return True
        return False

    def work_ended(self, group: str) -> None:
        if self.is_attached:
            self.query_one("#setup-create", Button).disabled = False


class LoginScreen(BaseScreen):
    """Choose the operator, type the PIN; a wrong PIN says how many tries are left."""

    CSS_PATH = None  # village.tcss has its rules
    AUTO_FOCUS = "#login-pin"

    def __init__(self, lobby: Lobby) -> None:
        super().__init__()
        self.lobby = lobby  # names and roles only: the store opens when the PIN is typed

    def compose(self) -> ComposeResult:
        active = self.lobby.operators
        latest = self.lobby.latest
        yield self.header()
        with Vertical(id="login", classes="dialog"):
            yield Static(t("login.title", village=self.lobby.village_name), classes="screen-title")
            yield Label(t("login.operator"), classes="field-label")
            yield Select([(t("app.name_role", name=o.name, role=t("role." + o.role)), o.name) for o in active],
                         id="login-operator", allow_blank=False, compact=True,
                         value=latest.name if latest else Select.NULL)
            yield Label(t("login.pin"), classes="field-label")
            yield Input(id="login-pin", password=True, placeholder=t("login.pin.ph"),
                        compact=True)
            yield Static("", id="login-error", classes="field-error", markup=False)
            yield Button(t("login.go"), id="login-go", variant="primary", compact=True)
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = t("login.subtitle")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.attempt()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.attempt()

    def say(self, text: str) -> None:
        error = self.query_one("#login-error", Static)
        error.update(text)
        error.display = bool(text)

    def attempt(self) -> None:
        operator = self.query_one("#login-operator", Select).value
        pin = self.query_one("#login-pin", Input).value
        if operator is Select.NULL or not pin:
            self.say(t("login.need_pin"))
            return
        self.say(t("login.checking"))
        self.query_one("#login-go", Button).disabled = True
        self.log_in(str(operator), pin)

    @work(thread=True, exclusive=True, group="login", exit_on_error=False,
          description="unlock the store with the PIN (Argon2id: slow on purpose)")
    def log_in(self, operator: str, pin: str) -> Session:
        return self.village.open_store().login(operator, pin)

    def work_done(self, group: str, result: Any) -> None:
        from storage.store import Session

        assert isinstance(result, Session)
        self.village.logged_in(result)

    def work_failed(self, group: str, error: BaseException) -> bool:
        if isinstance(error, StorageError) and not isinstance(error, AuthError):
            # The store opens with the first PIN: damaged, full disk, a failed migration.
            self.say(user_message(error))
            return True
        if isinstance(error, AuthError):
            self.say(user_message(error))
            pin = self.query_one("#login-pin", Input)
            pin.value = ""
            pin.focus()
            return True
        return False

    def work_ended(self, group: str) -> None:
        if self.is_attached:
            self.query_one("#login-go", Button).disabled = False
