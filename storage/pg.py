"""A center's store on a PostgreSQL server (psycopg 3, reads from a psycopg_pool pool).

`PgDatabase` offers what `storage.db.Database` offers (write(), read(), separate_reads(),
close(), `.conn.in_transaction`) and its `db` answers `execute`, `query`, `atomic` and
`conn.executemany` as the sqlite-utils object does, so the code above it runs unchanged.

The SQL the code writes is the subset both engines accept (see docs/architecture.md,
"PostgreSQL backend"). Two things are adapted here, by a tokenizer that skips string literals,
quoted names and comments, never by pattern-matching whole statements:

- parameters: `?` becomes `%s` (and a literal `%` becomes `%%`), psycopg's paramstyle;
- the migrations' DDL, which must stay the very text SQLite ran: column types are mapped
  (INTEGER -> BIGINT, since SQLite's integers are 64-bit; REAL -> DOUBLE PRECISION;
  BLOB -> BYTEA; `INTEGER PRIMARY KEY` -> `BIGSERIAL PRIMARY KEY`, SQLite's auto-numbered key),
  `WITHOUT ROWID` and PRAGMAs are dropped, `DROP TABLE` of a table rebuilt under foreign keys
  cascades, and the tables whose `rowid` the code reads (arrival order) get one as a column.

Writes: one connection, one transaction at a time in this process (an RLock), and across
processes a transaction-scoped advisory lock taken at BEGIN, so two writers serialise exactly
as SQLite's BEGIN IMMEDIATE makes them. The server's own durability (fsync, WAL) stands behind
every COMMIT, so an acknowledged message is on disk as with SQLite's synchronous=FULL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from storage.errors import StoreBusy, StoreCorrupt, StoreExists, StoreFull, StoreMissing
from storage.schema import migrations

WRITE_LOCK = 0x56414731  # the advisory lock every writer of a center's database takes
MIGRATIONS_TABLE = "_sqlite_migrations"  # the same bookkeeping table as on SQLite
# Tables whose SQLite rowid the code reads (the console's arrival order, version order).
ROWID_TABLES = {"applications", "applicant_versions"}

_HELPERS = (
    "CREATE OR REPLACE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER"
    " AS 'SELECT strpos(haystack, needle)' LANGUAGE SQL IMMUTABLE",
    "CREATE OR REPLACE FUNCTION group_concat_step(acc TEXT, item TEXT) RETURNS TEXT"
    " AS 'SELECT CASE WHEN item IS NULL THEN acc WHEN acc IS NULL THEN item"
    " ELSE acc || '','' || item END' LANGUAGE SQL IMMUTABLE",
    "DROP AGGREGATE IF EXISTS group_concat(TEXT)",
    "CREATE AGGREGATE group_concat(TEXT) (SFUNC = group_concat_step, STYPE = TEXT)",
)

_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "BLOB": "BYTEA"}


def is_url(text: str | None) -> bool:
    return bool(text) and str(text).startswith(("postgresql://", "postgres://"))


def _tokens(sql: str) -> Iterator[tuple[str, str]]:
    """(kind, text) pieces: 'quoted' (literal, name, comment) or 'code'."""
    i, n, start = 0, len(sql), 0
    while i < n:
        c = sql[i]
        if c in "'\"":
            if start < i:
                yield "code", sql[start:i]
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:  # doubled quote inside
                        j += 2
                        continue
                    break
                j += 1
            yield "quoted", sql[i:j + 1]
            i = start = j + 1
        elif sql.startswith("--", i):
            if start < i:
                yield "code", sql[start:i]
            j = sql.find("\n", i)
            j = n if j < 0 else j
            yield "quoted", sql[i:j]
            i = start = j
        else:
            i += 1
    if start < n:
        yield "code", sql[start:]


def paramstyle(sql: str, named: bool = False) -> str:
    """`?` -> `%s` (or `:name` -> `%(name)s`) and `%` -> `%%` outside literals, names, comments."""
    out = []
    for kind, text in _tokens(sql):
        if kind == "quoted":
            out.append(text)
            continue
        text = text.replace("%", "%%")
        if named:
            words = _words(text)
            for i, w in enumerate(words):
                if i and words[i - 1] == ":" and (i < 2 or words[i - 2] != ":") and w[:1].isalpha():
                    words[i - 1], words[i] = "", f"%({w})s"
            text = "".join(words)
        out.append(text.replace("?", "%s"))
    return "".join(out)


def _words(code: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in code:
        if ch.isalnum() or ch == "_":
            word += ch
        else:
            if word:
                out.append(word)
                word = ""
            out.append(ch)
    if word:
        out.append(word)
    return out


def ddl(sql: str) -> str | None:
    """A migration statement as PostgreSQL takes it; None for one that means nothing there."""
    code = " ".join(text for kind, text in _tokens(sql) if kind == "code").split()
    head = [w.upper() for w in code[:3]]
    if not head or head[0] == "PRAGMA":
        return None
    pieces: list[str] = []
    for kind, text in _tokens(sql):
        if kind == "quoted":
            if not text.startswith("--"):
                pieces.append(text)
            continue
        words = _words(text)
        out: list[str] = []
        k = 0
        while k < len(words):
            w = words[k]
            up = w.upper()
            if up in _TYPES and head[:1] in (["CREATE"], ["ALTER"]):
                nxt = [x.upper() for x in words[k + 1:k + 6] if not x.isspace()]
                if up == "INTEGER" and nxt[:2] == ["PRIMARY", "KEY"]:
                    out.append("BIGSERIAL")
                else:
                    out.append(_TYPES[up])
            elif up == "WITHOUT" and [x.upper() for x in words[k + 1:k + 3] if not x.isspace()][:1] == ["ROWID"]:
                k += 2  # skip "WITHOUT", " ", "ROWID"
                k += 1
                continue
            else:
                out.append(w)
            k += 1
        pieces.append("".join(out))
    text = "".join(pieces).strip()
    upper = " ".join(text.split()).upper()
    if upper.startswith("DROP TABLE") and "CASCADE" not in upper:
        text += " CASCADE"
    if upper.startswith("CREATE TABLE"):
        name = text.split()[2].split("(")[0].strip('"').lower()
        if name in ROWID_TABLES:
            opening = text.index("(")
            text = f"{text[:opening + 1]}rowid BIGSERIAL UNIQUE, {text[opening + 1:]}"
    if upper.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")):
        text = _index_terms(text)
    return text


def _split_top(text: str) -> tuple[list[str], int]:
    """The comma-separated terms inside the parenthesis that opens `text`, and where it closes."""
    depth, quote, terms, start = 0, "", [], 1
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                terms.append(text[start:i])
                return terms, i
        elif ch == "," and depth == 1:
            terms.append(text[start:i])
            start = i + 1
    raise ValueError("unbalanced index definition")


def _index_terms(text: str) -> str:
    """PostgreSQL wants each expression of an index in its own parentheses; SQLite does not mind
    either way, but the migrations keep SQLite's spelling, which ORDER BYs repeat exactly."""
    opening = text.upper().index(" ON ")
    opening = text.index("(", opening)
    terms, closing = _split_top(text[opening:])
    wrapped = []
    for term in terms:
        words = term.split()
        order = ""
        if words and words[-1].upper() in ("ASC", "DESC"):
            order = " " + words[-1]
            words = words[:-1]
        expr = " ".join(words)
        plain = expr.replace("_", "a").isalnum()
        wrapped.append(f"{expr}{order}" if plain else f"({expr}){order}")
    return f"{text[:opening]}({', '.join(wrapped)}){text[opening + closing + 1:]}"


class _Cursor:
    """What sqlite3's cursor gives the code: fetchone, fetchall, iteration, rowcount, description."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount
        self.description = cursor.description
        self.lastrowid: int | None = None

    def fetchone(self) -> Any:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall() if self._cursor.description else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConn:
    """The connection as the code sees it (`db.conn`)."""

    def __init__(self, conn: psycopg.Connection[Any], migrating: bool = False) -> None:
        self.raw = conn
        self.migrating = migrating

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> _Cursor:
        if self.migrating:
            adapted = ddl(sql)
            if adapted is None:
                return _Cursor(self.raw.cursor())
            sql = adapted
        cursor = self.raw.cursor()
        try:
            cursor.execute(paramstyle(sql, isinstance(params, dict)),
                           _params(params))
        except psycopg.errors.DiskFull:
            raise StoreFull("storage.store.full") from None
        return _Cursor(cursor)

    def executemany(self, sql: str, rows: Any) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(paramstyle(sql), [_params(r) for r in rows])


def _params(params: Any) -> Any:
    if params is None:
        return None
    if isinstance(params, dict):
        return params
    return [bytes(p) if isinstance(p, memoryview) else p for p in params]


class PgDb:
    """The sqlite-utils surface the code uses: execute, query, atomic, conn."""

    backend = "postgresql"  # what a migration asks (`getattr(db, "backend", "sqlite")`)

    def __init__(self, conn: PgConn) -> None:
        self.conn = conn
        self._savepoints = 0

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> _Cursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
              ) -> Iterator[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [c[0] for c in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))

    @contextmanager
    def atomic(self) -> Iterator[PgDb]:
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        self.conn.raw.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            self.conn.raw.execute(f"ROLLBACK TO SAVEPOINT {name}")
            raise
        else:
            self.conn.raw.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self._savepoints -= 1


def _connect(url: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError:
        # The URL may carry a password: it is never put into the message.
        raise StoreBusy("storage.store.pg_unreachable") from None


class PgDatabase:
    """The store's writer connection, and a pool of readers once `separate_reads()` is called."""

    backend = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = None
        raw = _connect(url)
        self.conn = PgConn(raw)
        self.db = PgDb(self.conn)
        self._lock = threading.RLock()
        self._writer: int | None = None
        self._pool: ConnectionPool[Any] | None = None
        with self._lock:
            if self._pending():
                self._migrate()

    def _helpers(self) -> None:
        """SQLite's built-ins the code calls that PostgreSQL spells otherwise, as plain SQL
        functions (no PL/pgSQL, which the derived servers do not all ship)."""
        for statement in _HELPERS:
            self.conn.raw.execute(statement)

    def _pending(self) -> list[Any]:
        row = self.conn.execute("SELECT to_regclass(?) IS NOT NULL", [MIGRATIONS_TABLE]).fetchone()
        done: set[str] = set()
        if row and row[0]:
            done = {r[0] for r in self.conn.execute(
                f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?",
                [migrations.name]).fetchall()}
        return [m for m in migrations._migrations if m.name not in done]

    def migrate(self) -> None:
        """Run what is pending (inside write(): as part of that transaction, as `restore` does)."""
        with self._lock:
            if self._pending():
                self._migrate()

    def _migrate(self) -> None:
        """Every migration SQLite runs, in order, each recorded in the same transaction."""
        with self.write():
            self._helpers()
            self.conn.execute(
                f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (id BIGSERIAL PRIMARY KEY,"
                " migration_set TEXT, name TEXT, applied_at TEXT, UNIQUE (migration_set, name))")
            for migration in self._pending():
                with self.db.atomic():
                    self.conn.migrating = True
                    try:
                        migration.fn(self.db)
                    finally:
                        self.conn.migrating = False
                    self.conn.execute(
                        f"INSERT INTO {MIGRATIONS_TABLE} (migration_set, name, applied_at)"
                        " VALUES (?, ?, ?)",
                        [migrations.name, migration.name, str(datetime.now(timezone.utc))])

    @contextmanager
    def write(self) -> Iterator[PgDb]:
        """One transaction. Nested calls become savepoints of the outer one."""
        with self._lock:
            if self.conn.in_transaction:
                with self.db.atomic():
                    yield self.db
                return
            raw = self.conn.raw
            try:
                raw.execute("BEGIN")
                raw.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            except psycopg.OperationalError:
                raise StoreBusy("storage.store.pg_unreachable") from None
            self._writer = threading.get_ident()
            try:
                yield self.db
                raw.execute("COMMIT")
            except psycopg.errors.DiskFull:
                self._rollback()
                raise StoreFull("storage.store.full") from None
            except BaseException:
                self._rollback()
                raise
            finally:
                self._writer = None

    def _rollback(self) -> None:
        if self.conn.in_transaction and not self.conn.raw.closed:
            self.conn.raw.execute("ROLLBACK")

    @contextmanager
    def read(self) -> Iterator[PgDb]:
        """The last commit; inside write() on this thread, as this transaction has it."""
        if self._pool is None or self._writer == threading.get_ident():
            with self._lock:
                yield self.db
            return
        with self._pool.connection() as raw:
            yield PgDb(PgConn(raw))

    def separate_reads(self) -> None:
        """Reads from here on take a pooled connection of their own, never waiting on the writer."""
        with self._lock:
            if self._pool is None:
                self._pool = ConnectionPool(self.url, min_size=1, max_size=8, open=True,
                                            kwargs={"autocommit": True})

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
            self.conn.raw.close()


def check_reachable(url: str) -> None:
    """Raise the store's own error (never the URL, which may hold a password) when unreachable."""
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError:
        raise StoreBusy("storage.store.pg_unreachable") from None
    except psycopg.Error:
        raise StoreCorrupt("storage.store.pg_unreachable") from None


URL_FILE = "postgresql.url"  # in a center's home: where its store lives, instead of village.db


def create(home: Path, url: str) -> PgDatabase:
    """Migrate an empty database for a new center and note its URL in `home` (owner-only file).

    Put the password in ~/.pgpass or PGPASSWORD rather than in the URL: the file keeps the
    URL as given.
    """
    database = PgDatabase(url)
    if database.conn.execute("SELECT count(*) FROM meta").fetchone()[0]:
        database.close()
        raise StoreExists("storage.store.pg_in_use")
    home.mkdir(parents=True, exist_ok=True)
    target = home / URL_FILE
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(url + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return database


def url_of(home: Path) -> str | None:
    target = home / URL_FILE
    return target.read_text(encoding="utf-8").strip() if target.exists() else None


def open_home(home: Path) -> PgDatabase:
    url = url_of(home)
    if not url:
        raise StoreMissing("storage.store.missing", home=home)
    return PgDatabase(url)
