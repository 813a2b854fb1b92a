"""Applicants registry (一数一源): found by ID number through a blind index, prefilled next time."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from forms.idnumber import normalize as normalize_id_number
from storage.crypto import Keys
from storage.db import Database

_PREFILL_SKIP_TYPES = {"attachment"}


def _aad(applicant_id: str) -> str:
    return f"applicant:{applicant_id}"


def upsert(
    db: sqlite_utils.Database, keys: Keys, applicant: dict[str, Any], fields: dict[str, Any]
) -> str:
    """Record what this person declared; later answers win. Call inside a write transaction."""
    index = keys.blind_index("id_number", applicant["id_number"])
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    row = db.execute("SELECT id, payload FROM applicants WHERE id_index = ?", [index]).fetchone()
    if row is None:
        applicant_id = uuid.uuid4().hex
        payload: dict[str, Any] = {"applicant": {}, "fields": {}}
    else:
        applicant_id = row[0]
        payload = keys.open_json(row[1], _aad(applicant_id))
    payload["applicant"].update({k: v for k, v in applicant.items() if k != "age"})
    payload["fields"].update(fields)
    sealed = keys.seal_json(payload, _aad(applicant_id))
    if row is None:
        db.execute(
            "INSERT INTO applicants (id, id_index, payload, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (applicant_id, index, sealed, now, now),
        )
    else:
        db.execute(
            "UPDATE applicants SET payload = ?, updated_at = ? WHERE id = ?",
            (sealed, now, applicant_id),
        )
    return applicant_id


def find(database: Database, keys: Keys, id_number: str) -> dict[str, Any] | None:
    """{"applicant": {...}, "fields": {...latest answers by field name}} or None."""
    # The same normalisation the form applied when the number was recorded (spaces, lower-case x).
    index = keys.blind_index("id_number", normalize_id_number(id_number))
    with database.read() as db:
        row = db.execute("SELECT id, payload FROM applicants WHERE id_index = ?", [index]).fetchone()
    if row is None:
        return None
    found: dict[str, Any] = keys.open_json(row[1], _aad(row[0]))
    return found


def name_of(db: sqlite_utils.Database, keys: Keys, applicant_id: str | None) -> str:
    if applicant_id is None:
        return ""
    row = db.execute("SELECT payload FROM applicants WHERE id = ?", [applicant_id]).fetchone()
    if row is None:
        return ""
    return str(keys.open_json(row[0], _aad(applicant_id))["applicant"].get("name", ""))


def id_numbers(database: Database, keys: Keys) -> dict[str, str]:
    """Every application's applicant ID number, opened: {application id: ID number}.

    For the applications list's applicant filter. The numbers live in memory for as
    long as the list is open; nothing here writes them anywhere.
    """
    with database.read() as db:
        rows = db.execute("SELECT a.id, p.id, p.payload FROM applications a"
                          " JOIN applicants p ON p.id = a.applicant_id").fetchall()
    opened: dict[str, str] = {}
    out: dict[str, str] = {}
    for application_id, applicant_id, payload in rows:
        if applicant_id not in opened:
            person = keys.open_json(payload, _aad(applicant_id))["applicant"]
            opened[applicant_id] = normalize_id_number(str(person.get("id_number", "")))
        out[application_id] = opened[applicant_id]
    return out


def prefill(found: dict[str, Any], field_names: set[str]) -> dict[str, Any]:
    """The earlier answers that fit a new item's fields."""
    return {k: v for k, v in found.get("fields", {}).items() if k in field_names}
