"""A center's store read (or tampered with) from outside the product, on either engine.

A center's home holds `village.db` (SQLite) or `postgresql.url` (PostgreSQL, issue 12). Tests
that look at the raw rows go through here so the same assertion runs on both backends: SQL is
written in SQLite's `?` style and translated with the backend's own `paramstyle`. This is the
view of someone holding the disk or the database server, not the product's API.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storage import pg
from storage.lobby import STORE_FILE


def is_postgres(home: Path) -> bool:
    return pg.url_of(home) is not None


class RawCenter:
    """One connection to the store under `home`; `?` placeholders on both engines."""

    def __init__(self, home: Path) -> None:
        self.url = pg.url_of(home)
        if self.url is not None:
            import psycopg

            self._pg: Any = psycopg.connect(self.url)
            self._sqlite: sqlite3.Connection | None = None
        else:
            self._pg = None
            self._sqlite = sqlite3.connect(home / STORE_FILE)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self._sqlite is not None:
            return self._sqlite.execute(sql, tuple(params))
        return self._pg.execute(pg.paramstyle(sql), tuple(params))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.execute(sql, params).fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def tables(self) -> list[str]:
        if self._sqlite is not None:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        else:
            sql = ("SELECT table_name FROM information_schema.tables "
                   "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                   "ORDER BY table_name")
        return [r[0] for r in self.rows(sql)]

    def commit(self) -> None:
        (self._sqlite or self._pg).commit()

    def close(self) -> None:
        (self._sqlite or self._pg).close()


@contextmanager
def raw_center(home: Path) -> Iterator[RawCenter]:
    """The store under `home`, committed on a clean exit (for tests that tamper)."""
    conn = RawCenter(home)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def rows(home: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with raw_center(home) as conn:
        return conn.rows(sql, params)


def one(home: Path, sql: str, params: Sequence[Any] = ()) -> Any:
    with raw_center(home) as conn:
        return conn.one(sql, params)


def table_counts(home: Path) -> dict[str, int]:
    """Rows in every table of the store, to show that a refused action wrote nothing."""
    with raw_center(home) as conn:
        return {t: int(conn.one(f'SELECT count(*) FROM "{t}"')) for t in conn.tables()}


def dump(home: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (each table's rows in a fixed order), to compare before/after."""
    with raw_center(home) as conn:
        return {t: sorted(conn.rows(f'SELECT * FROM "{t}"'), key=repr) for t in conn.tables()}


def stored_bytes(home: Path) -> bytes:
    """What the store holds as bytes: the files under home, or `pg_dump` of the database."""
    url = pg.url_of(home)
    files = b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())
    if url is None:
        return files
    import subprocess

    from tests.pgserver import _bindir

    bindir = _bindir()
    assert bindir is not None, "pg_dump is installed with the server (install.sh)"
    dump = subprocess.run([str(bindir / "pg_dump"), "--data-only", "-d", url],
                          capture_output=True, check=True).stdout
    return files + dump


def pg_plan(home: Path, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every node of PostgreSQL's plan for `sql` (EXPLAIN (FORMAT JSON)), outermost first.

    Sequential scans are switched off for this one connection: on a test's handful of rows the
    planner rightly prefers reading the whole table, which says nothing of a real center's.
    """
    with raw_center(home) as conn:
        assert conn._pg is not None, "a query plan of PostgreSQL needs a PostgreSQL store"
        conn.execute("SET enable_seqscan = off")
        [[plan]] = conn.rows(f"EXPLAIN (FORMAT JSON) {sql}", params)
    nodes: list[dict[str, Any]] = []
    stack = [plan[0]["Plan"]]
    while stack:
        node = stack.pop(0)
        nodes.append(node)
        stack += node.get("Plans", [])
    return nodes
