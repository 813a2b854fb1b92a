"""A center's store copied while it serves (`backup`), and put back in its place (`restore`).

SQLite backend: SQLite's online backup API (`sqlite3.Connection.backup`) copies the pages
of a consistent snapshot while `serve` goes on writing, so the copy is sealed exactly as
the store is (every personal datum stays AES-GCM ciphertext; no PIN is asked). PostgreSQL
backend (`postgresql.url` in the home): `pg_dump --format=custom` and, to restore, the
archive loaded in one transaction on the same database (`center.pgbackup`); only the
copying differs, not what a restored center does next (`center.recovery.start`).

`restore` refuses while `serve` runs (it holds `serve.lock` in the home for its lifetime,
`hold_serve_lock`), refuses a copy of another center (another device identity), prepares
the copy beside the store (migrated, its recovery noted: `center.recovery.start`), puts the
replaced file aside under a dated name, and only then renames the copy into place.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from center.outfiles import refusal
from storage import events, pg
from storage.lobby import STORE_FILE
from storage.schema import APPLICATION_ID

LOCK_FILE = "serve.lock"
_MAGIC = b"SQLite format 3\x00"
_SIDE = ("-wal", "-shm")


@dataclass(frozen=True)
class Saved:
    """What a backup holds, as the clerk is told."""

    path: str
    made_at: str
    cases: int
    devices: int
    size: int


@dataclass(frozen=True)
class Restored:
    source: str
    backup_made_at: str
    kept_as: str  # the replaced store file, put aside ("" when there was none)
    cases: int
    devices: int


@contextmanager
def hold_serve_lock(home: Path) -> Iterator[None]:
    """Held by `serve` while it runs: `restore` refuses as long as anyone holds it.

    An advisory lock (flock) on a file of its own, so it goes with the process: a `serve`
    killed by SIGKILL or a power cut holds nothing afterwards.
    """
    handle = (home / LOCK_FILE).open("a")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise refusal("center.restore.serving", home=home) from None
        yield
    finally:
        handle.close()  # closing releases the lock


def _facts(path: Path) -> dict[str, str]:
    """The copy's identity and size, read with the standard library alone; refuses a foreign file."""
    if not path.is_file():
        raise refusal("center.restore.no_file", path=path)
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"PGDMP"):
        raise refusal("center.restore.pg_copy", path=path)
    if head != _MAGIC:
        raise refusal("center.restore.not_store", path=path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                raise refusal("center.restore.not_store", path=path)
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN"
                                     " ('device_id', 'node', 'backup_made_at')").fetchall())
            meta["cases"] = str(conn.execute("SELECT count(*) FROM applications").fetchone()[0])
            meta["devices"] = str(conn.execute(
                "SELECT count(*) FROM peers WHERE role = 'village'").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise refusal("center.restore.not_store", path=path) from None
    if meta.get("node") not in ("township", "county"):
        raise refusal("center.restore.not_center", path=path)
    return {str(k): str(v) for k, v in meta.items()}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(source: Path, target: Path) -> None:
    """A consistent snapshot of `source` into `target` (SQLite's online backup API)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30.0)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _unlink_all(path: Path) -> None:
    for suffix in ("", *_SIDE):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _target(dest: Path, force: bool) -> Path:
    out = dest.expanduser()
    if out.is_dir():
        raise refusal("center.out_is_dir", path=out)
    if not out.parent.is_dir():
        raise refusal("center.out_folder_missing", folder=out.parent)
    if out.exists() and not force:
        raise refusal("center.backup.exists", path=out)
    return out


def backup(home: Path, dest: Path, *, force: bool = False) -> Saved:
    """Copy the center's store to `dest`, whole or not at all; `force` replaces an existing file."""
    store = home / STORE_FILE
    if (home / pg.URL_FILE).exists():
        from center import pgbackup

        url = pgbackup.database_url(home)
        out = _target(dest, force)
        archive, cases, devices = pgbackup.dump(url, out)
        _sync_dir(out.parent)
        return Saved(str(out), archive.made_at, cases, devices, out.stat().st_size)
    if not store.is_file():
        raise refusal("center.backup.no_store", home=home)
    _facts(store)  # a center's store, or refused before anything is written
    out = _target(dest, force)
    part = out.with_name(f".{out.name}.part-{os.getpid()}")
    _unlink_all(part)
    made = _now()
    try:
        _copy(store, part)
        conn = sqlite3.connect(str(part))
        try:  # the copy says when it was made: the restore's alarm names that day
            conn.execute("PRAGMA journal_mode=DELETE")  # one file, nothing beside it
            conn.execute("INSERT INTO meta (key, value) VALUES ('backup_made_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         [made])
            conn.commit()
        finally:
            conn.close()
        with part.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(part, out)
        _sync_dir(out.parent)
    except BaseException:
        _unlink_all(part)
        raise
    facts = _facts(out)
    return Saved(str(out), made, int(facts["cases"]), int(facts["devices"]), out.stat().st_size)


def restore(home: Path, source: Path) -> Restored:
    """Put the copy `source` in the place of the center's store; the replaced file is kept aside."""
    from center import recovery
    from storage.db import Database

    src = source.expanduser()
    if (home / pg.URL_FILE).exists():
        return _restore_pg(home, src)
    facts = _facts(src)
    store = home / STORE_FILE
    if store.is_file():
        mine = _facts(store)
        if mine.get("device_id") != facts.get("device_id"):
            raise refusal("center.restore.other_center", path=src)
    if not home.is_dir():
        raise refusal("center.backup.no_store", home=home)
    with hold_serve_lock(home):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        kept = home / f"{STORE_FILE}.replaced-{stamp}" if store.is_file() else None
        ready = home / f"{STORE_FILE}.restoring"
        _unlink_all(ready)
        made = facts.get("backup_made_at") or datetime.fromtimestamp(
            src.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
        try:
            _copy(src, ready)
            database = Database(ready)  # migrated to this version, in its own file
            try:
                with database.write() as db:
                    db.execute("DELETE FROM meta WHERE key = 'backup_made_at'")
                    recovery.start(db, backup_made_at=made, kept_as=str(kept or ""))
            finally:
                database.close()
            conn = sqlite3.connect(str(ready))  # one file again, nothing beside it
            try:
                conn.execute("PRAGMA journal_mode=DELETE")
            finally:
                conn.close()
        except BaseException:
            _unlink_all(ready)
            raise
        if kept is not None:  # the replaced store with its log, openable as it was
            for suffix in ("", *_SIDE):
                if Path(f"{store}{suffix}").exists():
                    os.replace(f"{store}{suffix}", f"{kept}{suffix}")
        os.replace(ready, store)
        _sync_dir(home)
    return Restored(str(src), made, str(kept or ""), int(facts["cases"]), int(facts["devices"]))


def _restore_pg(home: Path, src: Path) -> Restored:
    """The archive loaded over the center's database in one transaction, recovery noted in it."""
    from center import pgbackup, recovery

    url = pgbackup.database_url(home)
    archive = pgbackup.read_archive(src)
    database = pg.PgDatabase(url)  # the store as it is, migrated
    try:
        with database.read() as db:
            mine = events.meta_get(cast(Any, db), "device_id")
        # An empty database (a new server after the old one was lost) takes any center's copy,
        # as a home without village.db does.
        if mine is not None and mine != archive.meta.get("device_id"):
            raise refusal("center.restore.other_center", path=src)
        with hold_serve_lock(home):
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            kept = home / f"postgresql.replaced-{stamp}.dump"
            pgbackup.keep(url, kept)  # what is replaced, kept beside the home (0600)
            try:
                with database.write() as written:
                    db = cast(Any, written)
                    pgbackup.load(database.conn.raw, src, archive.schema)
                    database.migrate()  # a copy made by an older version
                    db.execute("DELETE FROM meta WHERE key = 'backup_made_at'")
                    recovery.start(db, backup_made_at=archive.made_at, kept_as=str(kept))
                    cases = int(db.execute("SELECT count(*) FROM applications").fetchone()[0])
                    devices = int(db.execute(
                        "SELECT count(*) FROM peers WHERE role = 'village'").fetchone()[0])
            except BaseException:
                kept.unlink(missing_ok=True)  # nothing was replaced
                raise
            _sync_dir(home)
    finally:
        database.close()
    return Restored(str(src), archive.made_at, str(kept), cases, devices)

