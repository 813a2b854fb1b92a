"""The app's first run and every later one: setup wizard, login, language; the core never loads Textual."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from forms.messages import FORM_MESSAGES
from storage.store import Store
from tests.app_helpers import SIZE, log_in, screen_text, settle, text_of, village_app
from tests.conftest import AGENT, PIN, ROOT, VILLAGE_CODE, VILLAGE_NAME
from tests.helpers import raw_db
from village_agent.app.enroll import EnrollScreen
from village_agent.app.home import HomeScreen
from village_agent.app.login import LoginScreen, SetupScreen
from village_agent.app.recoverycode import RecoveryCodeScreen
from village_agent.i18n import APP_MESSAGES, MESSAGES, t

pytestmark = pytest.mark.anyio  # Pilot tests are coroutines; anyio's plugin runs them on asyncio


class TestFirstRun:
    async def test_wizard_creates_the_service_point_and_logs_the_agent_in(self, home: Path) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen)
            assert app.focused is app.screen.query_one("#setup-village_code")
            # Keyboard only: each box, Enter moves on; Enter in the last one creates.
            for value in (VILLAGE_CODE, VILLAGE_NAME, AGENT, PIN, PIN):
                await pilot.press(*value, "enter")
            await settle(pilot)
            # The recovery code, shown once in groups of four, for the township to keep.
            assert isinstance(app.screen, RecoveryCodeScreen)
            shown = text_of(app, "#recovery-code")
            assert re.search(r"(\d{4} ){6}\d{4}", shown)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, EnrollScreen)  # the optional last step: enroll later
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)
            assert VILLAGE_NAME in screen_text(app)

        store = Store.open(home)
        try:
            assert store.info.village_code == VILLAGE_CODE
            assert store.info.village_name == VILLAGE_NAME
            assert [(o.name, o.role) for o in store.operators()] == [(AGENT, "agent")]
            store.login(AGENT, PIN)  # the PIN typed in the wizard is the one that opens it
        finally:
            store.close()

    async def test_wizard_refuses_differing_pins_and_weak_ones_and_creates_nothing(
        self, home: Path
    ) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for value in (VILLAGE_CODE, VILLAGE_NAME, AGENT, PIN, "739147"):
                await pilot.press(*value, "enter")
            await settle(pilot)
            assert text_of(app, "#setup-error") == t("pin.mismatch")
            assert not (home / "village.db").exists()

            app.screen.query_one("#setup-pin").value = "123456"
            app.screen.query_one("#setup-pin2").value = "123456"
            await pilot.click("#setup-create")
            await settle(pilot)
            assert "123456" in text_of(app, "#setup-error")  # 过于简单（如123456…）
            assert isinstance(app.screen, SetupScreen)
        assert not (home / "village.db").exists() or _operators(home) == 0


def _operators(home: Path) -> int:
    with raw_db(home) as conn:
        return int(conn.execute("SELECT count(*) FROM operators").fetchone()[0])


class TestLogin:
    async def test_wrong_pin_says_how_many_tries_are_left_and_counts_the_attempt(
        self, store: Store, home: Path
    ) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, LoginScreen)
            assert app.focused is app.screen.query_one("#login-pin")
            await pilot.press(*"864209", "enter")  # the PIN box has the focus: type and Enter
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen)
            assert text_of(app, "#login-error") == "PIN码错误，还可尝试4次"
            assert app.screen.query_one("#login-pin").value == ""  # cleared for the next try
            with raw_db(home) as conn:
                assert conn.execute("SELECT failed_attempts FROM operators").fetchone()[0] == 1

            await log_in(pilot)
            assert isinstance(app.screen, HomeScreen)
            assert app.session is not None and app.session.operator.name == AGENT
            # Every screen's header names the service point while someone is logged in.
            assert app.title == t("app.title_village", village=VILLAGE_NAME)
            app.logout()
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen) and app.title == t("app.title")
        with raw_db(home) as conn:
            attempts, last_login = conn.execute(
                "SELECT failed_attempts, last_login_at FROM operators").fetchone()
        assert attempts == 0 and last_login is not None

    async def test_english_when_asked(self, store: Store, home: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("VILLAGE_AGENT_LANG", "en")
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            shown = screen_text(app)
            assert f"{VILLAGE_NAME} service point · log in" in shown
            assert "Quit" in shown and "退出" not in shown  # the footer's bindings too
            await log_in(pilot, pin="864209")
            assert text_of(app, "#login-error") == "wrong PIN (4 tries left)"
            await log_in(pilot)
            shown = screen_text(app)
            assert "New" in shown and "Ledger" in shown and "Sync: not enrolled" in shown


def test_the_core_and_the_cli_never_import_textual() -> None:
    """The core is reachable without the UI (scripts, the center, sync workers stay light)."""
    code = (
        "import sys, forms, storage, sync, village_agent.cli, village_agent.commands\n"
        "import village_agent.intake, village_agent.ledger, village_agent.worklist\n"
        "import village_agent.formstate, storage.store, sync.client\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_the_app_path_loads_neither_the_store_machinery_nor_the_commands(
    store: Store, home: Path
) -> None:
    """`village-agent` alone builds its login screen from plain sqlite3 (bench/startup.py): the
    store's libraries and the sub-commands load when the PIN is typed, not before."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from village_agent import cli\n"
        "from village_agent.app import make_app\n"
        "app = make_app(Path(sys.argv[1]))\n"
        "screens = []\n"
        "async def first(pilot):\n"
        "    await pilot.pause()\n"
        "    screens.append(type(pilot.app.screen).__name__)\n"
        "    pilot.app.exit()\n"
        "app.run(headless=True, size=(80, 24), auto_pilot=first)\n"
        "heavy = ('sqlite_utils', 'cryptography', 'village_agent.commands', 'storage.store',\n"
        "         'forms.catalog', 'httpx')\n"
        "print(screens[0], ','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
        "                                  or m in heavy)))\n"
    )
    store.close()
    done = subprocess.run([sys.executable, "-c", code, str(home)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["LoginScreen"]  # the login screen, and none of them loaded


async def test_a_store_damaged_after_the_login_screen_showed_is_said_plainly(
    store: Store, home: Path
) -> None:
    """The store opens with the first PIN: damage found then is a message, never a traceback."""
    store.close()
    app = village_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen) and app.store is None
        with (home / "village.db").open("r+b") as fh:  # a bad sector in the schema page
            fh.seek(100)
            fh.write(b"\xff" * 3000)
        await log_in(pilot)
        assert isinstance(app.screen, LoginScreen) and app.session is None
        assert "损坏" in text_of(app, "#login-error")


def test_every_ui_string_is_in_the_catalogue_in_both_languages() -> None:
    for key, entry in APP_MESSAGES.items():
        assert entry.get("zh") and entry.get("en"), key
    # A key written twice, in one catalogue or across the shared, the village's and the center's,
    # would silently replace the first text.
    import importlib

    import center.texts  # noqa: F401  (the center's words join the catalogue when imported)

    pages = sorted(path for folder in ("center", "village_agent", "sync", "storage")
                   for path in (ROOT / folder).rglob("*_texts.py"))  # each catalogue module
    for path in pages:
        importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    keys: list[str] = []
    literals = 0
    files = (ROOT / "sync" / "i18n.py", ROOT / "storage" / "messages.py",
             ROOT / "village_agent" / "i18n.py", ROOT / "center" / "texts.py", *pages)
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and node.target.id.endswith("MESSAGES") and isinstance(node.value, ast.Dict)):
                literals += 1
                keys += [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
    # ... and the form engine's own (forms/messages.py: forms does not import the app) join them.
    assert not set(keys) & set(FORM_MESSAGES)
    assert literals >= len(files) and len(keys) == len(set(keys)) == len(MESSAGES) - len(FORM_MESSAGES)
    for key, entry in FORM_MESSAGES.items():
        assert entry.get("zh") and entry.get("en"), key
    used: set[str] = set()
    for path in (ROOT / "village_agent" / "app").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "t" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                used.add(str(node.args[0].value))
    assert used, "no t() calls found: the scan is broken"
    assert sorted(used - set(MESSAGES)) == []


# Chinese words the code reads or stores, not text it shows: typed answers it accepts
# (是/否, a material's 已提供/告知承诺/容缺) and the sex an ID number encodes.
DATA_WORDS = {"是", "否", "已提供", "提供", "告知承诺", "承诺", "容缺", "缺", "男", "女"}


def test_no_chinese_hard_coded_in_the_app_screens() -> None:
    """UI text comes from i18n: a Chinese string literal in a screen module would not translate.

    The same holds for the printed notice and receipt, the form state, the command
    line's outputs, and the form engine's messages (forms/messages.py is their part of
    the catalogue). An InvalidRequest carries its English and its Chinese text itself.
    """
    offenders = []
    core = ("printing.py", "pdf.py", "formstate.py", "commands.py", "intake.py", "ledger.py",
            "worklist.py", "syncjobs.py")
    modules = [*(ROOT / "village_agent" / "app").glob("*.py"),
               *(ROOT / "village_agent" / name for name in core),
               *(ROOT / "forms" / name for name in ("engine.py", "fieldtypes.py", "idnumber.py"))]
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        both_texts = {
            id(inner) for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "InvalidRequest"
            for inner in ast.walk(n)
        }
        docstrings = {
            id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings and id(node) not in both_texts
                    and node.value not in DATA_WORDS
                    and any("\u4e00" <= ch <= "\u9fff" for ch in node.value)):
                offenders.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert offenders == []
