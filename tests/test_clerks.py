"""A center's staff, on real stores and the real programs: its manager (中心负责人) and clerks (窗口工作人员).

A center's operators are managers and clerks, never agents or grid workers; a village point
never has either. The first operator of a center is its manager, and only a manager manages
operators there; the last active manager cannot be disabled. `village-agent` refuses a center's
home and `service-center` a village's, before any PIN. Migration m008 turns an existing center's
agents into clerks without losing what references them; m013 makes the first active clerk of an
existing center its manager and changes nothing else.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from center.enroll import issue_code
from forms.catalog import Catalog
from storage import pg
from storage.crypto import TEST_KDF, wrap_data_key
from storage.errors import InvalidRequest, NotPermitted
from storage.store import Session, Store
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests import center_db
from tests.center_db import table_counts
from tests.conftest import AGENT, PIN, ROOT, TODAY, VILLAGE_CODE, VILLAGE_NAME
from tests.forms_helpers import example
from tests.helpers import db_path
from tests.sync_helpers import CLERK, CLERK_PIN, TOWNSHIP_CODE, make_center, serving, statuses
from village_agent import intake

BIN = Path(sys.executable).parent  # the console scripts installed beside this interpreter
SECOND_CLERK = "赵晓燕"
SECOND_PIN = "406183"
THIRD_CLERK = "孙小红"
THIRD_PIN = "305718"
GRID_WORKER = "李建军"
GRID_PIN = "582047"
COUNTY_CODE = "431081"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# operators as m008 left it, before m013 added the manager role and where a clerk sits
PRE_M013_OPERATORS = """
    CREATE TABLE operators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,          -- staff display name, shown at login
        role TEXT NOT NULL CHECK (role IN ('agent', 'grid_worker', 'clerk')),
        active INTEGER NOT NULL DEFAULT 1,
        wrapped_key TEXT NOT NULL,          -- data key wrapped under this operator's PIN
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until REAL NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        last_login_at TEXT
    )
"""
# operators as migration m001 made it, before m008 let it hold clerks
PRE_M008_OPERATORS = """
    CREATE TABLE operators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,          -- staff display name, shown at login
        role TEXT NOT NULL CHECK (role IN ('agent', 'grid_worker')),
        active INTEGER NOT NULL DEFAULT 1,
        wrapped_key TEXT NOT NULL,          -- data key wrapped under this operator's PIN
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until REAL NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        last_login_at TEXT
    )
"""


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def run(program: str, home: Path, *args: str, pin: str = CLERK_PIN, **env: str) -> Ran:
    """The installed console script (`service-center` or `village-agent`), as a script would run it.

    No terminal: a PIN asked for that is not in the environment fails, it does not hang."""
    script = BIN / program
    assert script.exists(), f"{script} is not installed (pip install -e .)"
    environment = {
        **os.environ, "VILLAGE_AGENT_HOME": str(home), "VILLAGE_AGENT_PIN": pin,
        "VILLAGE_AGENT_TEST_KDF": "1", "VILLAGE_AGENT_LANG": "zh", "PYTHONIOENCODING": "utf-8",
        **env,
    }
    environment.pop("VILLAGE_AGENT_DEBUG", None)
    environment.pop("VILLAGE_AGENT_OPERATOR", None)
    environment.update(env)
    proc = subprocess.run([str(script), *args], capture_output=True, text=True, env=environment,
                          cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def roles(home: Path) -> dict[str, tuple[str, bool]]:
    """Who is stored as what, read from the closed store from outside (tests/center_db.py)."""
    rows = center_db.rows(home, "SELECT name, role, active FROM operators ORDER BY id")
    return {name: (role, bool(active)) for name, role, active in rows}


def audit_rows(home: Path) -> list[tuple[Any, ...]]:
    return center_db.rows(home, "SELECT operator, action, target, detail FROM audit ORDER BY seq")


def on(database: str | None) -> tuple[str, ...]:
    """`service-center init`'s option for the store's engine: none for SQLite."""
    return ("--database", database) if database else ()


@pytest.fixture
def other_backend(center_backend: str | None, request: pytest.FixtureRequest
                  ) -> Iterator[str | None]:
    """A second center's store on the same engine: a database of its own on PostgreSQL."""
    if center_backend is None:
        yield None
        return
    server = request.getfixturevalue("pg_server")
    url = server.new_database(request.getfixturevalue("pg_template"))
    yield url
    server.drop(url)


@pytest.fixture
def center_home(tmp_path: Path, center_backend: str | None) -> Path:
    """A township center made by `service-center init` (on SQLite or PostgreSQL), closed."""
    home = tmp_path / "township"
    made = run("service-center", home, "init", "--level", "township", "--code", TOWNSHIP_CODE,
               "--name", "兴宁镇便民服务中心", "--operator", CLERK, *on(center_backend))
    assert made.code == 0, made.text
    assert center_db.is_postgres(home) is (center_backend is not None)  # where it was asked
    return home


@pytest.fixture
def village_home(store: Store) -> Iterator[Path]:
    """A village point (the conftest store), closed so the programs have it to themselves."""
    store.close()
    yield store.home


# --- the first operator ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "code"), [("township", TOWNSHIP_CODE), ("county", COUNTY_CODE)])
def test_a_centers_first_operator_is_its_manager(tmp_path: Path, kind: str, code: str,
                                                center_backend: str | None) -> None:
    home = tmp_path / kind
    store = Store.create(home, village_code=code, village_name="便民服务中心", operator_name=CLERK,
                         pin=CLERK_PIN, kdf=TEST_KDF, node=kind, database=center_backend)
    session = store.login(CLERK, CLERK_PIN)
    assert (session.operator.role, session.operator.role_zh) == ("manager", "中心负责人")
    store.close()
    assert roles(home) == {CLERK: ("manager", True)}


@pytest.mark.parametrize("role", ["agent", "grid_worker", "clerk"])
def test_a_center_cannot_be_created_with_another_first_role(
        tmp_path: Path, role: str, center_backend: str | None) -> None:
    home = tmp_path / "township"
    with pytest.raises(InvalidRequest) as refused:
        Store.create(home, village_code=TOWNSHIP_CODE, village_name="兴宁镇便民服务中心",
                     operator_name=CLERK, pin=CLERK_PIN, kdf=TEST_KDF, node="township", role=role,
                     database=center_backend)
    assert refused.value.zh == "第一位操作员须为中心负责人"
    assert not db_path(home).exists() and not (home / pg.URL_FILE).exists()
    if center_backend is not None:  # the database is left as it was: empty, free for a center
        import psycopg

        with psycopg.connect(center_backend) as conn:
            for table in ("meta", "operators", "audit"):
                assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


def test_a_village_points_first_operator_is_still_an_agent(tmp_path: Path) -> None:
    home = tmp_path / "village"
    for role in ("clerk", "manager"):
        with pytest.raises(InvalidRequest) as refused:
            Store.create(home, village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
                         operator_name=AGENT, pin=PIN, kdf=TEST_KDF, role=role)
        assert refused.value.zh == "第一位操作员须为代办员"
        assert not db_path(home).exists()
    Store.create(home, village_code=VILLAGE_CODE, village_name=VILLAGE_NAME, operator_name=AGENT,
                 pin=PIN, kdf=TEST_KDF).close()
    assert roles(home) == {AGENT: ("agent", True)}


def test_service_center_init_makes_the_first_operator_the_manager(
        tmp_path: Path, center_backend: str | None, other_backend: str | None) -> None:
    home = tmp_path / "county"
    made = run("service-center", home, "init", "--level", "county", "--code", COUNTY_CODE,
               "--name", "资兴市政务服务中心", "--operator", CLERK, *on(center_backend))
    assert made.code == 0, made.text
    assert made.stdout.startswith(f"已建立县级中心：资兴市政务服务中心（{COUNTY_CODE}），")
    assert f" {CLERK}，指纹 " in made.stdout
    assert center_db.is_postgres(home) is (center_backend is not None)
    assert roles(home) == {CLERK: ("manager", True)}
    assert audit_rows(home) == [(CLERK, "store.init", COUNTY_CODE, "")]

    as_json = run("service-center", tmp_path / "township", "--json", "init", "--level", "township",
                  "--code", TOWNSHIP_CODE, "--name", "兴宁镇便民服务中心", "--operator", CLERK,
                  *on(other_backend))
    assert as_json.code == 0, as_json.text
    assert {k: as_json.json()[k] for k in ("level", "operator", "role")} == {
        "level": "township", "operator": CLERK, "role": "manager"}
    assert roles(tmp_path / "township") == {CLERK: ("manager", True)}
    assert center_db.is_postgres(tmp_path / "township") is (other_backend is not None)


def test_service_center_init_names_the_first_operator_as_the_manager(
        tmp_path: Path, center_backend: str | None) -> None:
    made = run("service-center", tmp_path / "county", "init", "--level", "county", "--code",
               COUNTY_CODE, "--name", "资兴市政务服务中心", "--operator", CLERK, *on(center_backend))
    assert made.code == 0, made.text
    assert made.stdout.startswith(
        f"已建立县级中心：资兴市政务服务中心（{COUNTY_CODE}），中心负责人 {CLERK}，指纹 ")


# --- operator management at a center --------------------------------------------------------


def test_service_center_operator_add_adds_a_clerk_who_can_log_in_but_manages_nobody(
    center_home: Path,
) -> None:
    added = run("service-center", center_home, "operator", "add", SECOND_CLERK,
                VILLAGE_AGENT_NEW_PIN=SECOND_PIN)
    assert added.code == 0, added.text
    assert added.stdout.strip() == f"已添加操作员 {SECOND_CLERK}（窗口工作人员）"
    assert roles(center_home) == {CLERK: ("manager", True), SECOND_CLERK: ("clerk", True)}
    assert (CLERK, "operator.add", SECOND_CLERK, "clerk") in audit_rows(center_home)

    listed = run("service-center", center_home, "--json", "operator", "list")
    assert [(o["name"], o["role"], o["active"]) for o in listed.json()] == [
        (CLERK, "manager", True), (SECOND_CLERK, "clerk", True)]
    text = run("service-center", center_home, "operator", "list").stdout.splitlines()
    assert [line.split("\t")[:3] for line in text] == [
        [CLERK, "中心负责人", "启用"], [SECOND_CLERK, "窗口工作人员", "启用"]]

    # The new clerk works at the center with their own PIN, but manages no operators.
    verified = run("service-center", center_home, "verify", pin=SECOND_PIN,
                   VILLAGE_AGENT_OPERATOR=SECOND_CLERK)
    assert verified.code == 0 and "校验通过" in verified.stdout, verified.text
    before = table_counts(center_home)
    refused = run("service-center", center_home, "operator", "add", THIRD_CLERK, pin=SECOND_PIN,
                  VILLAGE_AGENT_OPERATOR=SECOND_CLERK, VILLAGE_AGENT_NEW_PIN=THIRD_PIN)
    assert refused.code == 1, refused.text
    assert refused.stderr.strip() == "只有中心负责人可以管理操作员"
    assert roles(center_home) == {CLERK: ("manager", True), SECOND_CLERK: ("clerk", True)}
    assert table_counts(center_home)["operators"] == before["operators"]
    store = Store.open(center_home)
    try:
        second = store.login(SECOND_CLERK, SECOND_PIN)
        assert second.operator.role == "clerk"
        with pytest.raises(NotPermitted) as caught:
            second.add_operator(THIRD_CLERK, "clerk", THIRD_PIN)
        assert caught.value.zh == "只有中心负责人可以管理操作员"
        assert [o.role for o in store.operators()] == ["manager", "clerk"]
    finally:
        store.close()


def test_the_manager_adds_another_manager_who_manages_operators_too(center_home: Path) -> None:
    added = run("service-center", center_home, "operator", "add", SECOND_CLERK, "--role", "manager",
                VILLAGE_AGENT_NEW_PIN=SECOND_PIN)
    assert added.code == 0, added.text
    assert added.stdout.strip() == f"已添加操作员 {SECOND_CLERK}（中心负责人）"
    assert (CLERK, "operator.add", SECOND_CLERK, "manager") in audit_rows(center_home)
    by_second = run("service-center", center_home, "operator", "add", THIRD_CLERK, pin=SECOND_PIN,
                    VILLAGE_AGENT_OPERATOR=SECOND_CLERK, VILLAGE_AGENT_NEW_PIN=THIRD_PIN)
    assert by_second.code == 0, by_second.text
    assert roles(center_home) == {CLERK: ("manager", True), SECOND_CLERK: ("manager", True),
                                  THIRD_CLERK: ("clerk", True)}
    assert (SECOND_CLERK, "operator.add", THIRD_CLERK, "clerk") in audit_rows(center_home)


@pytest.mark.parametrize(("role", "zh"), [("agent", "代办员"), ("grid_worker", "网格员")])
def test_service_center_operator_add_refuses_village_roles_and_changes_nothing(
    center_home: Path, role: str, zh: str
) -> None:
    before = table_counts(center_home)
    refused = run("service-center", center_home, "operator", "add", SECOND_CLERK, "--role", role,
                  VILLAGE_AGENT_NEW_PIN=SECOND_PIN)
    assert refused.code == 1, refused.text
    assert refused.stderr.strip() == (
        "乡镇/县级中心的工作人员角色只能是 clerk（窗口工作人员）或 manager（中心负责人）；"
        f"{zh}（{role}）在村代办点添加")
    # Refused before the PIN: not even a login was recorded.
    assert table_counts(center_home) == before
    assert roles(center_home) == {CLERK: ("manager", True)}

    as_json = run("service-center", center_home, "--json", "operator", "add", SECOND_CLERK,
                  "--role", role, VILLAGE_AGENT_NEW_PIN=SECOND_PIN)
    assert as_json.code == 1
    assert as_json.json()["error"] == "InvalidRequest" and CHINESE.search(as_json.json()["message"])
    assert table_counts(center_home) == before


def test_service_center_operator_add_refuses_an_unknown_role(center_home: Path) -> None:
    before = table_counts(center_home)
    refused = run("service-center", center_home, "operator", "add", SECOND_CLERK, "--role", "boss",
                  VILLAGE_AGENT_NEW_PIN=SECOND_PIN)
    assert refused.code == 1
    assert "只能是 clerk（窗口工作人员）或 manager（中心负责人）" in refused.stderr
    assert table_counts(center_home) == before


def test_a_clerk_cannot_be_added_at_a_village(village_home: Path) -> None:
    before = table_counts(village_home)
    refused = run("village-agent", village_home, "operator", "add", GRID_WORKER, "--role", "clerk",
                  pin=PIN, VILLAGE_AGENT_NEW_PIN=GRID_PIN)
    assert refused.code == 1, refused.text
    assert refused.stderr.strip() == (
        "村代办点不能添加窗口工作人员（clerk），角色只能是 agent（代办员）或 grid_worker（网格员）")
    assert table_counts(village_home) == before
    assert roles(village_home) == {AGENT: ("agent", True)}

    # Nor a manager, nor through the store itself, whoever asks.
    store = Store.open(village_home)
    try:
        with pytest.raises(InvalidRequest) as caught:
            store.login(AGENT, PIN).add_operator(GRID_WORKER, "clerk", GRID_PIN)
        assert "村代办点不能添加窗口工作人员" in caught.value.zh
        with pytest.raises(InvalidRequest) as manager:
            store.login(AGENT, PIN).add_operator(GRID_WORKER, "manager", GRID_PIN)
        assert "角色只能是 agent（代办员）或 grid_worker（网格员）" in manager.value.zh
    finally:
        store.close()
    assert roles(village_home) == {AGENT: ("agent", True)}

    # The village's own roles are still added as before.
    added = run("village-agent", village_home, "operator", "add", GRID_WORKER, "--role",
                "grid_worker", pin=PIN, VILLAGE_AGENT_NEW_PIN=GRID_PIN)
    assert added.code == 0, added.text
    assert roles(village_home) == {AGENT: ("agent", True), GRID_WORKER: ("grid_worker", True)}


def test_the_last_active_manager_cannot_be_disabled(center_home: Path) -> None:
    # From the command line the last manager is always the one logged in.
    alone = run("service-center", center_home, "operator", "disable", CLERK)
    assert alone.code == 1 and "不能停用自己" in alone.stderr, alone.text
    assert roles(center_home) == {CLERK: ("manager", True)}

    assert run("service-center", center_home, "operator", "add", SECOND_CLERK,
               VILLAGE_AGENT_NEW_PIN=SECOND_PIN).code == 0
    disabled = run("service-center", center_home, "operator", "disable", SECOND_CLERK,
                   VILLAGE_AGENT_OPERATOR=CLERK)
    assert disabled.code == 0, disabled.text
    assert roles(center_home) == {CLERK: ("manager", True), SECOND_CLERK: ("clerk", False)}
    locked_out = run("service-center", center_home, "applications", pin=SECOND_PIN,
                     VILLAGE_AGENT_OPERATOR=SECOND_CLERK)
    assert locked_out.code == 3
    assert locked_out.stderr.strip() == f"操作员“{SECOND_CLERK}”已停用，请联系中心负责人启用"
    assert run("service-center", center_home, "operator", "enable", SECOND_CLERK,
               VILLAGE_AGENT_OPERATOR=CLERK).code == 0
    assert roles(center_home)[SECOND_CLERK] == ("clerk", True)

    # Two managers, each at a window, and an active clerk: the second manager's window is still
    # open when the first disables them; then the second tries to disable the first, who is by
    # then the last active manager (the active clerk does not count: a clerk manages nobody).
    assert run("service-center", center_home, "operator", "add", THIRD_CLERK, "--role", "manager",
               VILLAGE_AGENT_OPERATOR=CLERK, VILLAGE_AGENT_NEW_PIN=THIRD_PIN).code == 0
    store = Store.open(center_home)
    try:
        first, third = store.login(CLERK, CLERK_PIN), store.login(THIRD_CLERK, THIRD_PIN)
        first.disable_operator(THIRD_CLERK)
        with pytest.raises(InvalidRequest) as caught:
            third.disable_operator(CLERK)
        assert caught.value.zh == "不能停用最后一名中心负责人，否则将无人能登录管理。请先添加另一名中心负责人"
        clerk = store.login(SECOND_CLERK, SECOND_PIN)
        with pytest.raises(NotPermitted):
            clerk.disable_operator(CLERK)
    finally:
        store.close()
    assert roles(center_home) == {CLERK: ("manager", True), SECOND_CLERK: ("clerk", True),
                                  THIRD_CLERK: ("manager", False)}


def test_only_a_manager_manages_a_centers_operators(tmp_path: Path,
                                                   center_backend: str | None) -> None:
    """A plain clerk, and a grid worker at a center (the store API allowed one before m008),
    manage nobody there; each may still change their own PIN."""
    manager = make_center(tmp_path / "township", database=center_backend)
    manager.add_operator(SECOND_CLERK, "clerk", SECOND_PIN)
    wrapped = wrap_data_key(manager.keys.data_key, GRID_PIN, TEST_KDF, operator=GRID_WORKER)
    with manager.store.database.write() as db:  # as the old store API would have added them
        db.execute("INSERT INTO operators (name, role, wrapped_key, created_at)"
                   " VALUES (?, 'grid_worker', ?, '2026-01-05T08:00:00+00:00')",
                   [GRID_WORKER, wrapped.to_json()])
    clerk = manager.store.login(SECOND_CLERK, SECOND_PIN)
    worker = manager.store.login(GRID_WORKER, GRID_PIN)
    for someone, pin in ((clerk, "305719"), (worker, "305718")):
        attempts: list[tuple[Any, tuple[str, ...]]] = [
            (someone.add_operator, (THIRD_CLERK, "clerk", THIRD_PIN)),
            (someone.disable_operator, (CLERK,)), (someone.enable_operator, (CLERK,)),
            (someone.set_pin, (CLERK, THIRD_PIN))]
        for method, args in attempts:
            with pytest.raises(NotPermitted) as caught:
                method(*args)
            assert caught.value.zh == "只有中心负责人可以管理操作员"
        someone.set_pin(someone.operator.name, pin)  # their own PIN is still theirs to change
    manager.store.close()
    assert roles(manager.store.home) == {CLERK: ("manager", True), SECOND_CLERK: ("clerk", True),
                                         GRID_WORKER: ("grid_worker", True)}
    reopened = Store.open(manager.store.home)
    try:
        reopened.login(CLERK, CLERK_PIN)  # the manager's PIN is unchanged
        reopened.login(SECOND_CLERK, "305719")
    finally:
        reopened.close()


# --- each program refuses the other's home ---------------------------------------------------


VILLAGE_COMMANDS = [
    ("list",), ("verify",), ("operator", "list"), ("operator", "add", GRID_WORKER),
    ("operator", "disable", CLERK), ("calendar", "show"), ("sync",), ("sync", "--unattended"),
]


@pytest.mark.parametrize("args", VILLAGE_COMMANDS, ids=" ".join)
def test_village_agent_refuses_a_centers_home(center_home: Path, args: tuple[str, ...]) -> None:
    before, disk = table_counts(center_home), audit_rows(center_home)
    # No PIN in the environment and no terminal: the refusal comes before a PIN is asked for.
    refused = run("village-agent", center_home, *args, pin="", VILLAGE_AGENT_NEW_PIN=GRID_PIN)
    assert refused.code == 1, refused.text
    assert refused.stderr.strip() == (
        "此数据目录是乡镇中心（兴宁镇便民服务中心），不是村代办点，不能用 village-agent 办理。"
        "中心请用 service-center 命令")
    assert (table_counts(center_home), audit_rows(center_home)) == (before, disk)
    assert roles(center_home) == {CLERK: ("manager", True)}


CENTER_COMMANDS = [
    ("applications",), ("verify",), ("operator", "list"), ("operator", "add", SECOND_CLERK),
    ("operator", "enable", AGENT), ("enroll-code", "--village-code", VILLAGE_CODE), ("devices",),
    ("accept", "20261123-ABCDEF-00001"), ("serve", "--port", "0"),
]


@pytest.mark.parametrize("args", CENTER_COMMANDS, ids=" ".join)
def test_service_center_refuses_a_village_home(village_home: Path, args: tuple[str, ...]) -> None:
    before, disk = table_counts(village_home), audit_rows(village_home)
    refused = run("service-center", village_home, *args, pin="", VILLAGE_AGENT_NEW_PIN=SECOND_PIN)
    assert refused.code == 1, refused.text
    assert refused.stderr.strip() == (
        f"此数据目录是村代办点（{VILLAGE_NAME}），不是乡镇/县级中心。村代办点请用 village-agent 命令")
    assert (table_counts(village_home), audit_rows(village_home)) == (before, disk)
    assert roles(village_home) == {AGENT: ("agent", True)}


def test_the_refusal_is_in_english_when_asked(center_home: Path, village_home: Path) -> None:
    at_center = run("village-agent", center_home, "list", pin="", VILLAGE_AGENT_LANG="en")
    assert at_center.code == 1
    assert at_center.stderr.strip() == (
        "This home is a township center (兴宁镇便民服务中心), not a village service point; "
        "use service-center there")
    at_village = run("service-center", village_home, "applications", pin="", VILLAGE_AGENT_LANG="en")
    assert at_village.code == 1 and "use village-agent there" in at_village.stderr


# --- a clerk at work --------------------------------------------------------------------------


def _enrolled_village_sends(village: Session, node: Node, url: str, catalog: Catalog) -> str:
    """The village enrolls at the center, takes in an old-age allowance and syncs; its number."""
    enroll_online(village, url, issue_code(node, VILLAGE_CODE))
    app_id = intake.take(village, catalog, village.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]
    assert sync_once(village.store, session=village).ok
    return app_id


def test_the_centers_manager_logs_in_and_accepts_an_application(
    session: Session, tmp_path: Path, catalog: Catalog, center_backend: str | None
) -> None:
    township = make_center(tmp_path / "township", database=center_backend)
    node = Node.of(township)
    with serving(node) as url:
        app_id = _enrolled_village_sends(session, node, url, catalog)
        assert statuses(township) == {app_id: "received"}

        accepted = run("service-center", township.store.home, "accept", app_id)
        assert accepted.code == 0, accepted.text
        assert accepted.stdout.strip() == f"已受理：{app_id}，将在村代办点下次同步时送达"
        assert statuses(township) == {app_id: "accepted"}
        _, events = township.show(app_id)
        decision = [e for e in events if e.type == "accepted"]
        assert [e.operator_id for e in decision] == [township.operator.id]
        assert township.store.operators()[0].role == "manager"

        assert sync_once(session.store, session=session, force=True).ok
    assert statuses(session)[app_id] == "accepted"
    township.store.close()


# --- going back to older stores ---------------------------------------------------------------
# SQLite only: a store from before m008 or m013 is a SQLite file (a center's store moved to
# PostgreSQL with issue 12, long after both), and going back to one rebuilds it with plain sqlite3.


M008 = "m008_clerk_role"
M013 = "m013_windows"
OPERATOR_COLUMNS = ("id, name, role, active, wrapped_key, failed_attempts, locked_until,"
                    " created_at, last_login_at")


def _rebuild_operators(conn: sqlite3.Connection, table: str, role_of: dict[str, str]) -> None:
    """Give `operators` an older table (its own CHECK), keeping every row and id; roles mapped."""
    rows = conn.execute(f"SELECT {OPERATOR_COLUMNS} FROM operators").fetchall()
    conn.execute("DROP TABLE operators")
    conn.execute(table)
    conn.executemany("INSERT INTO operators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(r[0], r[1], role_of.get(r[2], r[2]), *r[3:]) for r in rows])


def _undo_m013(conn: sqlite3.Connection) -> None:
    """What m013 added goes (windows, assignments, where a case and a clerk sit), its managers are
    clerks again, and m013 is forgotten: the file as m008..m012 left it."""
    conn.execute("DROP TABLE assignments")
    conn.execute("DROP TABLE windows")
    for (index,) in conn.execute(  # m013's index, and the later ones over its columns
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'applications'"
            " AND (sql LIKE '%clerk%' OR sql LIKE '%window_code%')").fetchall():
        conn.execute(f'DROP INDEX "{index}"')
    conn.execute("ALTER TABLE applications DROP COLUMN window_code")
    conn.execute("ALTER TABLE applications DROP COLUMN clerk")
    _rebuild_operators(conn, PRE_M013_OPERATORS, {"manager": "clerk"})
    assert conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [M013]).rowcount == 1


def _rewind(home: Path, undo: Callable[[sqlite3.Connection], None], refused_role: str) -> None:
    """Plain sqlite3 with foreign keys off, as an old version of the program left the file."""
    conn = sqlite3.connect(db_path(home), isolation_level=None)
    try:
        conn.execute("BEGIN")
        undo(conn)
        conn.execute("COMMIT")
        with pytest.raises(sqlite3.IntegrityError):  # the old CHECK
            conn.execute("INSERT INTO operators (name, role, wrapped_key, created_at)"
                         " VALUES ('x', ?, '', '')", [refused_role])
    finally:
        conn.close()


def _back_to_pre_m013(home: Path) -> None:
    _rewind(home, _undo_m013, "manager")


def _back_to_pre_m008(home: Path, *, as_agents: bool) -> None:
    """Back before m013, then give the closed store's operators the table m001 made (clerks as
    agents), and forget m008 too."""
    def undo(conn: sqlite3.Connection) -> None:
        _undo_m013(conn)
        _rebuild_operators(conn, PRE_M008_OPERATORS, {"clerk": "agent"} if as_agents else {})
        assert conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [M008]).rowcount == 1

    _rewind(home, undo, "clerk")


def _references(home: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The rows that point at operators, and how the file holds together."""
    with sqlite3.connect(db_path(home)) as conn:
        found = {
            "applications": conn.execute(
                "SELECT id, operator_id FROM applications ORDER BY id").fetchall(),
            "drafts": conn.execute("SELECT id, operator_id FROM drafts ORDER BY id").fetchall(),
            "operators": conn.execute("SELECT id, name FROM operators ORDER BY id").fetchall(),
            "foreign_key_check": conn.execute("PRAGMA foreign_key_check").fetchall(),
            "integrity_check": conn.execute("PRAGMA integrity_check").fetchall(),
            "migrations": conn.execute("SELECT name FROM _sqlite_migrations WHERE name IN (?, ?)"
                                       " ORDER BY name", [M008, M013]).fetchall(),
        }
    conn.close()
    return found


def _contents(home: Path, shape: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in `shape`, in the columns it names."""
    with sqlite3.connect(db_path(home)) as conn:
        found = {t: conn.execute(f"SELECT {', '.join(c)} FROM \"{t}\" ORDER BY"
                                 f" {', '.join(str(i + 1) for i in range(len(c)))}").fetchall()
                 for t, c in shape.items()}
    conn.close()
    return found


def _shape(home: Path) -> dict[str, list[str]]:
    """Each table's columns, as the file has them now."""
    with sqlite3.connect(db_path(home)) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        shape = {t: [r[1] for r in conn.execute(f"PRAGMA table_info('{t}')")] for t in tables}
    conn.close()
    return shape


# --- migration m008 ---------------------------------------------------------------------------


def test_m008_turns_an_existing_centers_agents_into_clerks_and_keeps_their_work(
    session: Session, tmp_path: Path, catalog: Catalog
) -> None:
    township = make_center(tmp_path / "township")
    home = township.store.home
    node = Node.of(township)
    with serving(node) as url:
        app_id = _enrolled_village_sends(session, node, url, catalog)
    township.add_operator(SECOND_CLERK, "clerk", SECOND_PIN)
    draft_id = township.save_draft("MZ-GLJT", catalog.get("MZ-GLJT").version, {"note": "窗口咨询"})
    township.disable_operator(SECOND_CLERK)
    township.store.close()
    before = _references(home)
    assert before["applications"] == [(app_id, 1)] and before["drafts"] == [(draft_id, 1)]
    chain_before = audit_rows(home)

    _back_to_pre_m008(home, as_agents=True)
    assert roles(home) == {CLERK: ("agent", True), SECOND_CLERK: ("agent", False)}

    store = Store.open(home)  # applies m008 then m013, with foreign keys on, as every open does
    store.close()
    assert roles(home) == {CLERK: ("manager", True), SECOND_CLERK: ("clerk", False)}
    after = _references(home)
    assert after == {**before, "migrations": [(M008,), (M013,)]}
    assert after["foreign_key_check"] == [] and after["integrity_check"] == [("ok",)]
    # The chain is not rewritten: a row per converted operator follows what was there, then
    # m013's row for the first active clerk it made the manager.
    assert audit_rows(home) == [*chain_before,
                                ("", "operator.role", CLERK, "agent -> clerk (m008_clerk_role)"),
                                ("", "operator.role", SECOND_CLERK, "agent -> clerk (m008_clerk_role)"),
                                ("", "operator.role", CLERK, "clerk -> manager (m013_windows)")]
    with sqlite3.connect(db_path(home)) as conn:
        (schema,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'operators'").fetchone()
    conn.close()
    assert "'clerk'" in schema and "'manager'" in schema

    # Reopening applies nothing twice; the converted clerk logs in, verifies and decides.
    store = Store.open(home)
    try:
        clerk = store.login(CLERK, CLERK_PIN)
        assert clerk.operator.role == "manager"
        report = clerk.verify()
        assert report.ok, report.problems
        assert clerk.load_draft(draft_id).data == {"note": "窗口咨询"}
        assert [(s.id, s.operator) for s in clerk.list()] == [(app_id, CLERK)]
    finally:
        store.close()
    assert len(audit_rows(home)) == len(chain_before) + 4  # two conversions, the manager, a login

    verified = run("service-center", home, "verify")
    assert verified.code == 0 and "校验通过" in verified.stdout, verified.text
    accepted = run("service-center", home, "accept", app_id)
    assert accepted.code == 0, accepted.text
    added = run("service-center", home, "operator", "enable", SECOND_CLERK)
    assert added.code == 0, added.text
    assert roles(home) == {CLERK: ("manager", True), SECOND_CLERK: ("clerk", True)}
    store = Store.open(home)
    try:
        clerk = store.login(SECOND_CLERK, SECOND_PIN)
        assert statuses(clerk) == {app_id: "accepted"}
        assert clerk.verify().ok
    finally:
        store.close()


def test_m008_leaves_a_village_points_agents_and_grid_workers_as_they_are(
    store: Store, session: Session, catalog: Catalog
) -> None:
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    entry = catalog.get("MZ-GLJT")
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(entry),
                         today=TODAY).application_ids[0]
    worker = store.login(GRID_WORKER, GRID_PIN)
    draft_id = worker.save_draft("MZ-GLJT", entry.version, {"note": "巡查时登记"})
    store.close()
    before, chain_before = _references(store.home), audit_rows(store.home)
    assert before["drafts"] == [(draft_id, 2)] and before["applications"] == [(app_id, 1)]

    _back_to_pre_m008(store.home, as_agents=False)
    reopened = Store.open(store.home)
    try:
        assert [(o.name, o.role) for o in reopened.operators()] == [
            (AGENT, "agent"), (GRID_WORKER, "grid_worker")]
        agent = reopened.login(AGENT, PIN)
        assert agent.verify().ok
        assert [s.id for s in agent.list()] == [app_id]
        assert reopened.login(GRID_WORKER, GRID_PIN).drafts(mine=True)[0].id == draft_id
    finally:
        reopened.close()
    assert _references(store.home) == {**before, "migrations": [(M008,), (M013,)]}
    assert [r[1] for r in audit_rows(store.home)[len(chain_before):]] == [
        "operator.login", "operator.login"]  # no conversions and no manager at a village


def test_m008_stops_with_nothing_changed_if_an_operator_row_would_be_lost(tmp_path: Path) -> None:
    """A row that cannot go back (here: a role the new table refuses) rolls the whole migration back."""
    home = tmp_path / "township"
    make_center(home).store.close()
    _back_to_pre_m008(home, as_agents=True)
    conn = sqlite3.connect(db_path(home), isolation_level=None)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("UPDATE operators SET role = 'boss'")
    conn.close()
    frozen = db_path(home).read_bytes()
    with pytest.raises(sqlite3.IntegrityError):
        Store.open(home)
    assert roles(home) == {CLERK: ("boss", True)}
    assert _references(home)["migrations"] == []
    assert db_path(home).read_bytes() == frozen


def test_m008_applied_by_another_process_meanwhile_is_not_applied_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two programs open an older store at once (the app, and the scheduled unattended sync).

    The second finds what is pending, then waits for the first's write lock; by the time it
    gets it the first has migrated. It must open the store as it now is, not run m008 again
    and fail with a message that the data file is damaged.
    """
    import threading

    import sqlite_utils

    from storage import schema

    township = make_center(tmp_path / "township")
    home = township.store.home
    township.store.close()
    _back_to_pre_m008(home, as_agents=True)

    other = sqlite3.connect(db_path(home), isolation_level=None)  # the other program
    other.execute("PRAGMA foreign_keys = ON")
    other.execute("BEGIN IMMEDIATE")
    looked = threading.Event()
    real_pending = schema.migrations.pending

    def pending(db: sqlite_utils.Database) -> list[Any]:
        found = real_pending(db)
        looked.set()
        return found

    monkeypatch.setattr(schema.migrations, "pending", pending)
    opened: dict[str, Any] = {}

    def open_store() -> None:
        try:
            opened["store"] = Store.open(home)
        except Exception as exc:  # what the program would have shown
            opened["error"] = exc

    second = threading.Thread(target=open_store)
    second.start()
    try:
        assert looked.wait(60)
        schema.migrations.apply(sqlite_utils.Database(other))  # the first program migrates
        other.execute("COMMIT")
    finally:
        second.join(60)
        other.close()
    assert "error" not in opened, opened
    opened["store"].close()
    assert roles(home) == {CLERK: ("manager", True)}
    conversions = [r for r in audit_rows(home) if r[1] == "operator.role"]
    assert conversions == [("", "operator.role", CLERK, "agent -> clerk (m008_clerk_role)"),
                           ("", "operator.role", CLERK, "clerk -> manager (m013_windows)")]


# --- migration m013 ---------------------------------------------------------------------------


@pytest.mark.parametrize("first_disabled", [False, True], ids=["first-active", "first-disabled"])
def test_m013_makes_an_existing_centers_first_active_clerk_its_manager_and_nothing_else_changes(
    session: Session, tmp_path: Path, catalog: Catalog, first_disabled: bool
) -> None:
    """A center from before m013: its operators are all clerks and every one managed the others.

    The first active clerk (the one `service-center init` made, unless disabled since, which the
    old rule allowed) becomes the manager, with an audit row; the other clerks stay clerks; every
    row of every table that was there before is as it was, but for that one role."""
    township = make_center(tmp_path / "township")
    home = township.store.home
    node = Node.of(township)
    with serving(node) as url:
        app_id = _enrolled_village_sends(session, node, url, catalog)
    for name, pin in ((SECOND_CLERK, SECOND_PIN), (THIRD_CLERK, THIRD_PIN)):
        township.add_operator(name, "clerk", pin)
    draft_id = township.save_draft("MZ-GLJT", catalog.get("MZ-GLJT").version, {"note": "窗口咨询"})
    township.store.close()

    _back_to_pre_m013(home)
    if first_disabled:  # a clerk the old rule let another clerk disable
        with sqlite3.connect(db_path(home)) as conn:
            conn.execute("UPDATE operators SET active = 0 WHERE name = ?", [CLERK])
        conn.close()
    old_shape = _shape(home)
    assert "windows" not in old_shape and "clerk" not in old_shape["applications"]
    assert set(roles(home).values()) == {("clerk", not first_disabled), ("clerk", True)}
    before, chain_before = _contents(home, old_shape), audit_rows(home)
    references_before = _references(home)

    store = Store.open(home)  # applies m013
    store.close()
    manager = SECOND_CLERK if first_disabled else CLERK
    assert roles(home) == {CLERK: ("manager" if manager == CLERK else "clerk", not first_disabled),
                           SECOND_CLERK: ("manager" if manager == SECOND_CLERK else "clerk", True),
                           THIRD_CLERK: ("clerk", True)}
    assert audit_rows(home) == [*chain_before,
                                ("", "operator.role", manager, "clerk -> manager (m013_windows)")]
    after = _contents(home, old_shape)
    promoted = next(r for r in before["operators"] if r[1] == manager)
    expected = {**before, "operators": [
        (*r[:2], "manager", *r[3:]) if r is promoted else r for r in before["operators"]]}
    appended = ("audit", "_sqlite_migrations")  # these two only grow, checked below
    assert {t: rows for t, rows in after.items() if t not in appended} == {
        t: rows for t, rows in expected.items() if t not in appended}
    assert after["audit"][:len(before["audit"])] == before["audit"]  # appended to, never rewritten
    assert len(after["audit"]) == len(before["audit"]) + 1
    assert [r for r in after["_sqlite_migrations"] if r not in before["_sqlite_migrations"]] == [
        next(r for r in after["_sqlite_migrations"] if M013 in r)]
    references = _references(home)
    assert references == {**references_before, "migrations": [(M008,), (M013,)]}
    assert references["foreign_key_check"] == [] and references["integrity_check"] == [("ok",)]
    # What m013 adds starts empty: no windows (the console sets them up), no case at a window.
    new = _contents(home, {"windows": ["code"], "assignments": ["id"],
                           "applications": ["id", "window_code", "clerk"]})
    assert new == {"windows": [], "assignments": [], "applications": [(app_id, "", "")]}

    # The new manager manages operators and the chain verifies; the other clerks manage nobody.
    store = Store.open(home)
    try:
        boss = store.login(manager, CLERK_PIN if manager == CLERK else SECOND_PIN)
        assert boss.operator.role == "manager"
        report = boss.verify()
        assert report.ok, report.problems
        assert boss.load_draft(draft_id).data == {"note": "窗口咨询"}
        clerk = store.login(THIRD_CLERK, THIRD_PIN)
        with pytest.raises(NotPermitted) as caught:
            clerk.add_operator(GRID_WORKER, "clerk", GRID_PIN)
        assert caught.value.zh == "只有中心负责人可以管理操作员"
        boss.add_operator(GRID_WORKER, "clerk", GRID_PIN)
    finally:
        store.close()
    assert roles(home)[GRID_WORKER] == ("clerk", True)
