"""A center's foreign keys are the same on SQLite and PostgreSQL (m028_operator_fks), and enforced.

m008 and m013 rebuild `operators`; on PostgreSQL the rebuild's DROP TABLE … CASCADE took the
foreign keys of `applications` and `drafts` into it, which SQLite kept. m028 puts them back on
PostgreSQL, including on a database migrated before it existed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest

from storage import drafts
from storage.schema import migrations
from storage.store import Session, Store
from tests.center_db import is_postgres, raw_center, table_counts
from tests.pgserver import PgServer
from tests.sync_helpers import CLERK, CLERK_PIN, make_center

ForeignKey = tuple[str, str, str, str, str, str]  # table, column, target, its column, on update/delete

OPERATOR_FKS = {("applications", "operator_id", "operators", "id"),
                ("drafts", "operator_id", "operators", "id")}

# pg_constraint's one-letter actions, spelled as PRAGMA foreign_key_list spells them.
_PG_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL",
               "d": "SET DEFAULT"}

_PG_FOREIGN_KEYS = """
    SELECT cl.relname, a.attname, target.relname, ta.attname, co.confupdtype, co.confdeltype,
           array_length(co.conkey, 1)
    FROM pg_constraint co
    JOIN pg_class cl ON cl.oid = co.conrelid
    JOIN pg_namespace ns ON ns.oid = cl.relnamespace AND ns.nspname = current_schema()
    JOIN pg_class target ON target.oid = co.confrelid
    JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
    JOIN pg_attribute ta ON ta.attrelid = co.confrelid AND ta.attnum = co.confkey[1]
    WHERE co.contype = 'f'
"""


def foreign_keys(home: Path) -> set[ForeignKey]:
    """Every foreign key of the store under `home`, as its engine reports it."""
    with raw_center(home) as conn:
        if is_postgres(home):
            found = set()
            for table, column, target, key, update, delete, width in conn.rows(_PG_FOREIGN_KEYS):
                assert width == 1, f"{table}: a key of {width} columns (the schema has none)"
                found.add((table, column, target, key, _PG_ACTIONS[update], _PG_ACTIONS[delete]))
            return found
        return {(table, row[3], row[2], row[4], row[5], row[6])
                for table in conn.tables()
                for row in conn.rows(f'PRAGMA foreign_key_list("{table}")')}


@pytest.fixture
def sqlite_keys(tmp_path: Path) -> set[ForeignKey]:
    """The foreign keys of a center freshly made on SQLite, every migration run."""
    make_center(tmp_path / "on-sqlite").store.close()
    return foreign_keys(tmp_path / "on-sqlite")


@pytest.fixture
def fresh_backend(center_backend: str | None, request: pytest.FixtureRequest
                  ) -> Iterator[str | None]:
    """None (SQLite) or an EMPTY PostgreSQL database: no migration run on it yet, unlike
    `center_backend`'s copies of the migrated template."""
    if center_backend is None:
        yield None
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = server.new_database()
    yield url
    server.drop(url)


def _refusals() -> tuple[type[Exception], ...]:
    return (sqlite3.IntegrityError, psycopg.IntegrityError)


def _refused(store: Store, sql: str, params: list[object]) -> None:
    """The statement fails on the store's own connection, and its transaction is rolled back."""
    with pytest.raises(_refusals()), store.database.write() as db:
        db.execute(sql, params)


def _application(store: Store, app_id: str, operator_id: int) -> None:
    """A case row as the filing code writes one, straight through the store's own connection."""
    now = datetime.now(timezone.utc).isoformat()
    with store.database.write() as db:
        db.execute("INSERT INTO applications (id, kind, item_code, item_version, status,"
                   " operator_id, created_at, updated_at) VALUES (?, 'service', 'MZ-GLJT', '1',"
                   " 'received', ?, ?, ?)", [app_id, operator_id, now, now])


def _draft(session: Session) -> str:
    return drafts.save(session.store.database, session.keys, operator_id=session.operator.id,
                       operator_name=session.operator.name, item_code="MZ-GLJT",
                       item_version="1", data={"applicant": {"name": "张三"}})


def test_the_foreign_keys_are_the_same_on_both_engines(
        tmp_path: Path, center_backend: str | None, sqlite_keys: set[ForeignKey]) -> None:
    home = tmp_path / "center"
    make_center(home, database=center_backend).store.close()
    found = foreign_keys(home)
    assert {fk[:4] for fk in found} >= OPERATOR_FKS
    assert found == sqlite_keys


def test_a_row_naming_no_operator_is_refused_and_nothing_changes(
        tmp_path: Path, center_backend: str | None) -> None:
    home = tmp_path / "center"
    session = make_center(home, database=center_backend)
    store = session.store
    try:
        _draft(session)
        _application(store, "A-kept", session.operator.id)
        before = table_counts(home)
        nobody = session.operator.id + 1000
        with pytest.raises(_refusals()):
            _application(store, "A-orphan", nobody)
        _refused(store, "UPDATE drafts SET operator_id = ?", [nobody])
        _refused(store, "INSERT INTO drafts (id, item_code, item_version, operator_id, payload,"
                 " created_at, updated_at) VALUES ('d-orphan', 'MZ-GLJT', '1', ?, ?, '', '')",
                 [nobody, b"x"])
        # an operator whose draft and case remain cannot go
        _refused(store, "DELETE FROM operators WHERE id = ?", [session.operator.id])
        assert table_counts(home) == before
        with raw_center(home) as conn:
            assert conn.rows("SELECT operator_id FROM drafts") == [(session.operator.id,)]
    finally:
        store.close()


def test_a_store_migrated_before_m028_gets_the_keys_and_keeps_its_rows(
        tmp_path: Path, fresh_backend: str | None, sqlite_keys: set[ForeignKey],
        monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "center"
    with monkeypatch.context() as before_m028:
        before_m028.setattr(migrations, "_migrations",
                            [m for m in migrations._migrations if m.name != "m028_operator_fks"])
        session = make_center(home, database=fresh_backend)
        draft_id = _draft(session)
        _application(session.store, "A-before", session.operator.id)
        session.store.close()
        lost = OPERATOR_FKS - {fk[:4] for fk in foreign_keys(home)}
        assert lost == (OPERATOR_FKS if fresh_backend else set())  # what m028 is there for
    counts = table_counts(home)
    store = Store.open(home)  # m028 runs now, on the rows already there
    try:
        assert foreign_keys(home) == sqlite_keys
        after = table_counts(home)
        assert after.pop("_sqlite_migrations") == counts.pop("_sqlite_migrations") + 1  # m028
        assert after == counts
        with raw_center(home) as conn:
            assert conn.one("SELECT count(*) FROM _sqlite_migrations WHERE name = ?",
                            ["m028_operator_fks"]) == 1
            assert conn.rows("SELECT id FROM drafts") == [(draft_id,)]
        session = store.login(CLERK, CLERK_PIN)
        logged_in = table_counts(home)
        with pytest.raises(_refusals()):
            _application(store, "A-orphan", session.operator.id + 1000)
        assert table_counts(home) == logged_in
    finally:
        store.close()
