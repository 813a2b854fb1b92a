"""A PostgreSQL center's store copied with `pg_dump --format=custom` and put back from such a copy.

`center/backup.py` calls these on a home that holds `postgresql.url`; the checks on the
destination, the `serve.lock` and `center.recovery.start` are the same as for SQLite.

Restore is ONE transaction on the center's own database, so it needs no CREATEDB and no
second database: `pg_restore -f -` turns the archive into the plain SQL script it would run,
and that script is run here, on the store's writer connection, after every table of the
store's schema is dropped; its COPY blocks go through psycopg's COPY. Then the copy is
migrated and `recovery.start` notes the restore, and only then COMMIT. A file that is cut
short, or that pg_restore cannot read to its end, rolls everything back: the database holds
the old store or the recovered copy, never half of one. The replaced contents are first
dumped beside the home (`postgresql.replaced-<UTC time>.dump`), as SQLite keeps its old file.

The time a copy was made is the archive's own (pg_dump writes it in the header, read back by
`pg_restore -l`; both run with TZ=UTC), not a row written into the store.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql

from center.outfiles import refusal
from storage import pg
from storage.errors import StoreBusy

TOOL_FOLDERS = "/usr/lib/postgresql/*/bin"  # Debian keeps every version's client here too
ARCHIVE_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
HELPERS = ("AGGREGATE IF EXISTS {}.group_concat(text)",
           "FUNCTION IF EXISTS {}.group_concat_step(text, text)",
           "FUNCTION IF EXISTS {}.instr(text, text)")  # what storage.pg creates besides the tables
_CREATED = re.compile(r"^; Archive created at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", re.MULTILINE)
_META_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+) meta ", re.MULTILINE)
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.DOTALL)
_UNESCAPE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


@dataclass(frozen=True)
class Archive:
    """What a custom-format dump of a center says of itself, read without restoring it."""

    made_at: str
    schema: str
    meta: dict[str, str]


def tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql/N/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(folder: str) -> int:
        number = Path(folder).parent.name
        return int(number) if number.isdigit() else 0

    for folder in sorted(glob.glob(TOOL_FOLDERS), key=version, reverse=True):
        candidate = Path(folder) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise refusal("center.backup.pg_tool_missing", tool=name)


def _env() -> dict[str, str]:
    return {**os.environ, "TZ": "UTC", "PGCONNECT_TIMEOUT": os.environ.get("PGCONNECT_TIMEOUT", "10")}


def _said(stderr: bytes, url: str) -> str:
    """The tool's last words, for the clerk; never the URL (it may hold a password)."""
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return (lines[-1] if lines else "?").replace(url, "…")[:300]


def _unescape(field: str) -> str | None:
    r"""A field of COPY's text format: `\N` is NULL, backslash escapes as PostgreSQL writes them."""
    if field == "\\N":
        return None

    def one(found: re.Match[str]) -> str:
        code = found.group(1)
        if code[0] == "x" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _UNESCAPE.get(code, code)

    return _ESCAPE.sub(one, field)


def copy_rows(script: str) -> list[dict[str, str | None]]:
    """The rows of the first COPY block of a pg_restore script, by column name."""
    lines = iter(script.splitlines())
    for line in lines:
        head = re.match(r"^COPY \S+ \((.*)\) FROM stdin;$", line)
        if head:
            names = [n.strip().strip('"') for n in head.group(1).split(",")]
            break
    else:
        return []
    rows: list[dict[str, str | None]] = []
    for line in lines:
        if line == "\\.":
            return rows
        fields = line.split("\t")
        if len(fields) != len(names):
            break
        rows.append(dict(zip(names, (_unescape(f) for f in fields), strict=True)))
    return []  # the block never ended: a file cut short


def read_archive(path: Path) -> Archive:
    """A custom-format dump of a township's or county's store, or refused before anything changes."""
    if not path.is_file():
        raise refusal("center.restore.no_file", path=path)
    with path.open("rb") as fh:
        head = fh.read(16)
    if head == SQLITE_MAGIC:
        raise refusal("center.restore.sqlite_copy", path=path)
    if not head.startswith(ARCHIVE_MAGIC):
        raise refusal("center.restore.not_store", path=path)
    pg_restore = tool("pg_restore")
    listed = subprocess.run([pg_restore, "-l", str(path)], capture_output=True, env=_env())
    toc = listed.stdout.decode("utf-8", "replace")
    entry = _META_ENTRY.search(toc)
    if listed.returncode != 0 or entry is None:
        raise refusal("center.restore.not_store", path=path)
    schema = entry.group(1)
    data = subprocess.run([pg_restore, "--data-only", "-n", schema, "-t", "meta", "-f", "-",
                           str(path)], capture_output=True, env=_env())
    meta = {str(r.get("key")): str(r.get("value")) for r in
            copy_rows(data.stdout.decode("utf-8", "replace"))}
    if data.returncode != 0 or "device_id" not in meta:
        raise refusal("center.restore.not_store", path=path)
    if meta.get("node") not in ("township", "county"):
        raise refusal("center.restore.not_center", path=path)
    created = _CREATED.search(toc)
    when = (datetime.strptime(created.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
            if created else datetime.fromtimestamp(path.stat().st_mtime, timezone.utc))
    return Archive(when.isoformat(timespec="seconds"), schema, meta)


@contextmanager
def _snapshot(url: str) -> Iterator[tuple[str, int, int]]:
    """(snapshot id, cases, village devices), counted in the snapshot pg_dump then copies."""
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError:
        raise StoreBusy("storage.store.pg_unreachable") from None
    try:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()
        cases = conn.execute("SELECT count(*) FROM applications").fetchone()
        devices = conn.execute("SELECT count(*) FROM peers WHERE role = 'village'").fetchone()
        assert snapshot and cases and devices
        yield str(snapshot[0]), int(cases[0]), int(devices[0])
    finally:
        conn.close()


def dump(url: str, out: Path) -> tuple[Archive, int, int]:
    """`pg_dump --format=custom` of the center's database to `out`, whole or not at all (0600)."""
    found = _dump(url, out, check=True)
    assert found[0] is not None
    return found[0], found[1], found[2]


def keep(url: str, out: Path) -> None:
    """The database as it is (even an empty one) dumped to `out`, before a restore replaces it."""
    _dump(url, out, check=False)


def _dump(url: str, out: Path, *, check: bool) -> tuple[Archive | None, int, int]:
    pg_dump, _ = tool("pg_dump"), tool("pg_restore")  # both, before anything is written
    part = out.with_name(f".{out.name}.part-{os.getpid()}")
    part.unlink(missing_ok=True)
    with _snapshot(url) as (snapshot, cases, devices):
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                ran = subprocess.run([pg_dump, "--format=custom", f"--snapshot={snapshot}",
                                      "-d", url], stdout=fh, stderr=subprocess.PIPE, env=_env())
                if ran.returncode != 0:
                    raise refusal("center.backup.pg_failed", tool="pg_dump",
                                  detail=_said(ran.stderr, url))
                fh.flush()
                os.fsync(fh.fileno())
            archive = read_archive(part) if check else None  # it reads back, as a center's
            os.replace(part, out)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    return archive, cases, devices


def _drop_store(raw: psycopg.Connection[Any], schema: str) -> None:
    """Every table, view and sequence of the store's schema, and storage.pg's helper functions."""
    rows = raw.execute(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        " ORDER BY c.relkind", [schema]).fetchall()
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    for order in ("r", "p", "m", "v", "S"):  # tables first: their own sequences go with them
        for name, kind in rows:
            if kind == order:
                raw.execute(sql.SQL("DROP {} IF EXISTS {}.{} CASCADE").format(
                    sql.SQL(kinds[kind]), sql.Identifier(schema), sql.Identifier(name)))
    for helper in HELPERS:
        raw.execute(sql.SQL(f"DROP {helper} CASCADE").format(sql.Identifier(schema)))


def _run_script(raw: psycopg.Connection[Any], stream: IO[bytes]) -> None:
    """The plain script pg_restore writes: statements as they come, COPY blocks through COPY."""
    pending: list[bytes] = []

    def flush() -> None:
        text = b"".join(pending)
        pending.clear()
        if text.strip():
            raw.execute(text)  # no parameters: several statements in one go

    for line in stream:
        if line.startswith((b"\\restrict ", b"\\unrestrict ")):
            continue  # psql's guard against a hostile server, not SQL
        if line.startswith(b"COPY ") and line.rstrip().endswith(b"FROM stdin;"):
            flush()
            with raw.cursor().copy(line.rstrip()[:-1].decode("utf-8")) as copy:
                for row in stream:
                    if row in (b"\\.\n", b"\\."):
                        break
                    copy.write(row)
                else:
                    raise EOFError("the archive ends inside a table's data")
            continue
        pending.append(line)
    flush()


def load(raw: psycopg.Connection[Any], source: Path, schema: str) -> None:
    """The archive in place of the store, inside the caller's transaction (refused: nothing kept)."""
    search_path = raw.execute("SELECT current_setting('search_path')").fetchone()
    assert search_path is not None
    _drop_store(raw, schema)
    proc = subprocess.Popen([tool("pg_restore"), "--no-owner", "--no-privileges", "-f", "-",
                             str(source)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=_env())
    assert proc.stdout is not None
    failed: BaseException | None = None
    try:
        _run_script(raw, proc.stdout)
    except (psycopg.Error, EOFError, UnicodeDecodeError) as exc:
        failed = exc
        for _ in proc.stdout:  # pg_restore's own verdict on the file comes first
            pass
    finally:
        proc.stdout.close()
        code = proc.wait()
    if code != 0:
        raise refusal("center.restore.not_store", path=source)
    if failed is not None:
        raise refusal("center.restore.pg_failed", path=source,
                      detail=str(failed).splitlines()[0][:300] if str(failed) else "?") from None
    # The script empties search_path for its session; the store's queries name no schema.
    raw.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [search_path[0]])


def database_url(home: Path) -> str:
    url = pg.url_of(home)
    if not url:
        raise refusal("center.backup.no_store", home=home)
    return url
