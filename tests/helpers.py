"""Test helpers: valid application data, scans, and plain-sqlite3 access to a store's file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from forms.catalog import Catalog
from forms.templates import template
from storage.attachments import IncomingFile
from storage.lobby import STORE_FILE
from tests.conftest import TODAY, VILLAGE_CODE

REGION = VILLAGE_CODE[:6]  # the county part of the village code, for making ID numbers
# Bytes that start like a JPEG; the store does not look inside, only the name's suffix matters.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8


def template_data(catalog: Catalog, code: str, today: date = TODAY) -> dict[str, Any]:
    """What `village-agent catalog template CODE` prints: a complete, valid data file."""
    return template(catalog.get(code), village_code=VILLAGE_CODE, today=today)


def scan(label: str, name: str = "scan.jpg", content: bytes = JPEG) -> IncomingFile:
    return IncomingFile(label=label, name=name, content=content)


def db_path(home: Path) -> Path:
    return home / STORE_FILE


@contextmanager
def raw_db(home: Path) -> Iterator[sqlite3.Connection]:
    """The store's file through plain sqlite3, as someone with the stolen disk would open it."""
    conn = sqlite3.connect(db_path(home))
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def tamper(home: Path, sql: str, params: tuple[Any, ...] = ()) -> int:
    """Run one statement on the closed store's file; returns the rows it changed."""
    with raw_db(home) as conn:
        changed = conn.execute(sql, params).rowcount
    assert changed > 0, f"tampering changed nothing: {sql}"
    return changed


def table_counts(home: Path) -> dict[str, int]:
    """Rows in every table of the store, to show that a refused action wrote nothing."""
    with raw_db(home) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def meta(home: Path) -> dict[str, str]:
    with raw_db(home) as conn:
        return dict(conn.execute("SELECT key, value FROM meta"))


def disk_bytes(home: Path) -> bytes:
    """Everything under the store's home directory: the database, its -wal and -shm."""
    return b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())
