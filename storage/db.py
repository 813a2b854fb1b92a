"""Open the SQLite file safely: WAL, synchronous=FULL, one owner of writes, migrations at start-up."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from storage.errors import StoreCorrupt, StoreFull
from storage.lobby import busy, check_header, is_busy
from storage.schema import APPLICATION_ID, migrations


class Database:
    """The store's one connection. Writes go through `write()`: one lock, BEGIN IMMEDIATE.

    Every caller in the process (CLI, app workers, sync) shares this object, so
    writes are serialised here instead of queueing on SQLite's file lock; another
    process writing the same file waits on the busy timeout.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        check_header(path)
        try:
            conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=10.0
            )
            # Only reads until we know the file is ours: journal_mode=WAL rewrites the header
            # of whatever file this is, and another program's database must be left as it was.
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables and app_id != APPLICATION_ID:
                conn.close()
                raise StoreCorrupt("storage.store.foreign", name=path.name)
            # Pragmas before anything else touches the file.
            for pragma in (
                "journal_mode=WAL",
                "synchronous=FULL",
                "foreign_keys=ON",
                "temp_store=MEMORY",  # no sort spill files on disk
                "secure_delete=ON",   # freed pages are zeroed, not left readable
                "busy_timeout=10000",
            ):
                conn.execute(f"PRAGMA {pragma}")
        except sqlite3.DatabaseError as exc:
            if is_busy(exc):  # another program holds the file: nothing is wrong with it
                raise busy(path, exc) from None
            raise StoreCorrupt("storage.store.damaged", name=path.name) from None
        self.conn = conn
        # No sqlite-utils plugins: whatever else is installed on the PC gets no hook into this
        # connection (and start-up skips scanning every package's entry points for them).
        self.db = sqlite_utils.Database(conn, execute_plugins=False)
        self._lock = threading.RLock()
        self._writer: int | None = None  # the thread inside write(), which reads its own writes
        self._readers: threading.local | None = None
        self._reader_conns: list[sqlite3.Connection] = []
        with self._lock:
            if not tables:
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            if migrations.pending(self.db):
                self._migrate()

    def _migrate(self) -> None:
        """Apply what is pending under the write lock, looking again once we hold it.

        Another program (the app and a scheduled sync) may open the same older store at
        the same moment: whoever gets the lock second finds nothing left to do, instead
        of running a migration again on a snapshot that is no longer the file.
        """
        with self.write():
            migrations.apply(self.db)  # each migration a savepoint of this transaction

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One transaction. Nested calls become savepoints of the outer one."""
        with self._lock:
            if self.conn.in_transaction:
                with self.db.atomic():
                    yield self.db
                return
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise _translate(self.path, exc) from None
            self._writer = threading.get_ident()
            try:
                yield self.db
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise _translate(self.path, exc) from None
            except BaseException:
                self._rollback()
                raise
            finally:
                self._writer = None

    def _rollback(self) -> None:
        if self.conn.in_transaction:  # a failed COMMIT may already have ended it
            self.conn.execute("ROLLBACK")

    @contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        """The store as last committed; inside write() on this thread, as this transaction has it."""
        if self._readers is None or self._writer == threading.get_ident():
            with self._lock:
                yield self.db
            return
        reader = getattr(self._readers, "db", None)
        if reader is None:
            reader = self._readers.db = self._open_reader()
        yield reader

    def separate_reads(self) -> None:
        """From now on each thread reads on a connection of its own (WAL: never behind a writer).

        For a center serving many villages: its one writer may hold a transaction for a whole
        group of sessions (`center.writer`), and console pages and status answers must not
        wait for it. Each read sees the last commit. The thread inside write() keeps reading
        on the write connection, so it sees what it has written but not yet committed.
        """
        with self._lock:
            if self._readers is None:
                self._readers = threading.local()

    def _open_reader(self) -> sqlite_utils.Database:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                               timeout=10.0)
        for pragma in ("query_only=ON", "temp_store=MEMORY", "busy_timeout=10000"):
            conn.execute(f"PRAGMA {pragma}")
        with self._lock:
            self._reader_conns.append(conn)
        return sqlite_utils.Database(conn, execute_plugins=False)

    def close(self) -> None:
        with self._lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()
            self._readers = None
            self.conn.close()


def _translate(path: Path, exc: sqlite3.OperationalError) -> Exception:
    text = str(exc).lower()
    if "full" in text:
        return StoreFull("storage.store.full")
    if is_busy(exc):
        return busy(path, exc)
    return exc
