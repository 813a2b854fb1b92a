"""`verify` and the audit chain: every edit made to the file behind the program's back is found.

Each tampering test closes the store, edits the file with plain sqlite3 as someone with the
disk would, then opens it again, logs in and verifies, as the agent would the next morning.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from forms.catalog import Catalog
from forms.workdays import WorkingCalendar
from storage.store import Session, Store
from storage.verify import VerifyReport
from tests.conftest import AGENT, PIN, TODAY
from tests.helpers import raw_db, scan, tamper, template_data
from village_agent import intake


@dataclass
class Filled:
    """A closed store holding two applications, one with a scan; names what is in it."""

    home: Path
    app_ids: list[str]
    applicant_name: str
    id_number: str
    audit_rows: int


@pytest.fixture
def filled(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> Filled:
    data = template_data(catalog, "MZ-GLJT")
    ids = []
    for files in ((scan("id_card"),), ()):
        ids += intake.take(session, catalog, calendar, "MZ-GLJT", data, files,
                           today=TODAY).application_ids
    session.log("application.receipt_printed", ids[0])
    with raw_db(store.home) as conn:
        rows = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    store.close()
    return Filled(store.home, ids, data["applicant"]["name"], data["applicant"]["id_number"], rows)


Reopen = Callable[[], VerifyReport]


@pytest.fixture
def reopen(filled: Filled) -> Iterator[Reopen]:
    opened: list[Store] = []

    def verify_next_morning() -> VerifyReport:
        store = Store.open(filled.home)
        opened.append(store)
        return store.login(AGENT, PIN).verify()

    yield verify_next_morning
    for store in opened:
        store.close()


def _problems(reopen: Reopen) -> list[str]:
    report = reopen()
    assert not report.ok
    return list(report.problems)


def test_fresh_store_with_applications_verifies(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    assert session.verify().ok
    intake.take(session, catalog, calendar, "MZ-GLJT", template_data(catalog, "MZ-GLJT"),
                today=TODAY)
    intake.take(session, catalog, calendar, "YJS-CS", template_data(catalog, "YJS-CS"),
                today=TODAY)

    report = session.verify()

    assert report.ok, report.problems
    assert report.counts["applications"] == 3
    assert report.counts["events"] == 6
    assert report.counts["audit_rows"] >= 5


def test_untouched_store_still_verifies_after_reopening(filled: Filled, reopen: Reopen) -> None:
    report = reopen()
    assert report.ok, report.problems
    assert report.counts["audit_rows"] == filled.audit_rows + 1  # this morning's login


def test_audit_log_records_each_action_without_personal_data(filled: Filled) -> None:
    with raw_db(filled.home) as conn:
        rows = conn.execute("SELECT operator, action, target, detail FROM audit ORDER BY seq").fetchall()
    actions = [r[1] for r in rows]
    assert actions[:2] == ["store.init", "operator.login"]
    assert actions.count("application.submitted") == 2
    assert actions[-1] == "application.receipt_printed"
    assert {r[2] for r in rows if r[1] == "application.submitted"} == set(filled.app_ids)
    text = json.dumps(rows, ensure_ascii=False)
    assert filled.applicant_name not in text and filled.id_number not in text


def test_edited_audit_detail_fails_verify(filled: Filled, reopen: Reopen) -> None:
    tamper(filled.home, "UPDATE audit SET detail = 'MZ-LSJZ' WHERE action = 'application.submitted'"
           " AND target = ?", (filled.app_ids[0],))
    seq = _seq_of(filled, "application.submitted")
    assert f"audit row {seq} was altered" in _problems(reopen)


def test_deleted_middle_audit_row_fails_verify(filled: Filled, reopen: Reopen) -> None:
    tamper(filled.home, "DELETE FROM audit WHERE seq = 3")
    problems = _problems(reopen)
    assert "audit row 3 is missing (next is 4)" in problems
    assert "audit row 4 does not follow the row before it" in problems


def test_swapped_audit_rows_fail_verify(filled: Filled, reopen: Reopen) -> None:
    with raw_db(filled.home) as conn:
        cols = "at, operator, action, target, detail, prev, hash"
        two = conn.execute(f"SELECT {cols} FROM audit WHERE seq = 2").fetchone()
        three = conn.execute(f"SELECT {cols} FROM audit WHERE seq = 3").fetchone()
        assignments = ", ".join(f"{c} = ?" for c in cols.split(", "))
        conn.execute(f"UPDATE audit SET {assignments} WHERE seq = 2", (*three,))
        conn.execute(f"UPDATE audit SET {assignments} WHERE seq = 3", (*two,))
    problems = _problems(reopen)
    assert "audit row 2 was altered" in problems
    assert "audit row 3 was altered" in problems


def test_cut_audit_tail_with_checkpoint_rewritten_without_the_key_fails_verify(
    filled: Filled, reopen: Reopen
) -> None:
    with raw_db(filled.home) as conn:
        conn.execute("DELETE FROM audit WHERE seq > ?", (filled.audit_rows - 2,))
        seq, digest = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        head = f"{seq}:{digest}"
        forged = {"head": head, "mac": hashlib.sha256(head.encode()).hexdigest()}
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (json.dumps(forged),))

    # The login before verify writes a new head; it must not paper over the cut.
    assert "audit checkpoint was forged" in _problems(reopen)


def test_cut_audit_tail_with_checkpoint_left_alone_fails_verify(
    filled: Filled, reopen: Reopen
) -> None:
    tamper(filled.home, "DELETE FROM audit WHERE seq > ?", (filled.audit_rows - 2,))
    assert f"audit rows up to {filled.audit_rows} were rewritten or removed" in _problems(reopen)


def test_whole_audit_log_wiped_fails_verify(filled: Filled, reopen: Reopen) -> None:
    tamper(filled.home, "DELETE FROM audit")
    assert f"audit rows up to {filled.audit_rows} were rewritten or removed" in _problems(reopen)


def test_removed_checkpoint_fails_verify(filled: Filled, reopen: Reopen) -> None:
    tamper(filled.home, "DELETE FROM meta WHERE key = 'audit_head'")
    assert "audit checkpoint is missing" in _problems(reopen)


def test_garbled_checkpoint_fails_verify(filled: Filled, reopen: Reopen) -> None:
    tamper(filled.home, "UPDATE meta SET value = 'not json' WHERE key = 'audit_head'")
    assert "audit checkpoint was forged" in _problems(reopen)


def test_changed_status_cache_fails_verify(filled: Filled, reopen: Reopen) -> None:
    tamper(filled.home, "UPDATE applications SET status = 'completed' WHERE id = ?",
           (filled.app_ids[1],))
    assert f"application {filled.app_ids[1]}: status does not match its events" in _problems(reopen)


def test_flipped_byte_in_sealed_event_payload_fails_verify(filled: Filled, reopen: Reopen) -> None:
    _flip_byte(filled.home, "events", "id", "payload", at=-5)
    assert "events: a sealed record does not open (altered or moved)" in _problems(reopen)


def test_flipped_byte_in_sealed_applicant_fails_verify(filled: Filled, reopen: Reopen) -> None:
    _flip_byte(filled.home, "applicants", "id", "payload", at=20)
    assert "applicants: a sealed record does not open (altered or moved)" in _problems(reopen)


def test_flipped_byte_in_sealed_scan_fails_verify(filled: Filled, reopen: Reopen) -> None:
    _flip_byte(filled.home, "attachments", "id", "content", at=100)
    assert "attachments: a sealed record does not open (altered or moved)" in _problems(reopen)


def test_event_payload_moved_to_another_event_fails_verify(filled: Filled, reopen: Reopen) -> None:
    with raw_db(filled.home) as conn:
        [(first,), (second,)] = conn.execute(
            "SELECT payload FROM events WHERE type = 'submitted' ORDER BY seq"
        ).fetchall()
        conn.execute("UPDATE events SET payload = ? WHERE payload = ?", (second, first))
    assert "events: a sealed record does not open (altered or moved)" in _problems(reopen)


def test_deleted_event_fails_verify(filled: Filled, reopen: Reopen) -> None:
    with raw_db(filled.home) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM outbox WHERE seq = 2")
        conn.execute("DELETE FROM events WHERE seq = 2")
    problems = _problems(reopen)
    assert "this device's event sequence numbers have gaps or repeats" in problems
    assert f"application {filled.app_ids[0]}: status does not match its events" in problems


def _seq_of(filled: Filled, action: str) -> int:
    with raw_db(filled.home) as conn:
        row = conn.execute("SELECT seq FROM audit WHERE action = ? AND target = ?",
                           (action, filled.app_ids[0])).fetchone()
    return int(row[0])


def _flip_byte(home: Path, table: str, key: str, column: str, *, at: int) -> None:
    with raw_db(home) as conn:
        row_id, blob = conn.execute(f"SELECT {key}, {column} FROM {table} LIMIT 1").fetchone()
        damaged = bytearray(blob)
        damaged[at] ^= 0x01
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (bytes(damaged), row_id))
