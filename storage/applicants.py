"""Applicants registry (一数一源): found by ID number through a blind index, prefilled next time.

The registry keeps history. Every filing (and every explicit update) adds a sealed
*version*: what the person declared then. A case points at the version it was filed
with, so its lists and pages keep showing that, whatever later filings or updates
say; the registry entry itself holds the latest declaration, which prefill uses.
A change of name or address is never a side effect on old cases: `update` is the
explicit, audited way to correct the registry.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from forms.engine import applicant_label
from forms.fieldtypes import FieldError, check_person_name, check_phone
from forms.idnumber import normalize as normalize_id_number
from storage import audit
from storage.crypto import Keys
from storage.db import Database
from storage.errors import TEXTS, InvalidRequest, NotFound
from storage.messages import listed

_PREFILL_SKIP_TYPES = {"attachment"}
# Details whose change on a filing is worth a line in the audit chain (which names no values).
WATCHED = ("name", "address")
# What `update` may change, with the longest text each may be (the form's own limits).
UPDATABLE = {"name": 30, "address": 100, "phone": 20, "village_group": 30}
# A version migrated by m015 is the registry record as it was, copied sealed (no key then).
VERSION_AAD_SQL = ("CASE v.source WHEN 'm015' THEN 'applicant:' || v.applicant_id"
                   " ELSE 'applicant-version:' || v.id END")


# The dots of minority names as people type them (间隔号, middle dot, katakana dot, bullet...).
_NAME_DOTS = re.compile("[\u00b7\u2022\u2027\u2219\u30fb\uff65\u318d.\uff0e]")
_NAME_SPACE = re.compile(r"\s+")
BACKFILL_BATCH = 2000


def normalize_name(name: str) -> str:
    """A name as the blind index keys it: full-width folded (NFKC), no spaces, one middle dot."""
    folded = unicodedata.normalize("NFKC", name)
    return _NAME_DOTS.sub("\u00b7", _NAME_SPACE.sub("", folded))


def name_index(keys: Keys, name: str) -> str:
    """The blind index of a declared name ("" for none): equal names match, nothing else shows."""
    normal = normalize_name(name)
    return keys.blind_index("name", normal) if normal else ""


def _aad(applicant_id: str) -> str:
    return f"applicant:{applicant_id}"


def _version_aad(version_id: str, applicant_id: str, source: str) -> str:
    return _aad(applicant_id) if source == "m015" else f"applicant-version:{version_id}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Declared:
    """The outcome of filing a declaration: who, the version the case keeps, what changed."""

    applicant_id: str
    version_id: str
    changed: tuple[str, ...]  # WATCHED details that differ from the registry's latest


@dataclass(frozen=True)
class Version:
    id: str
    source: str  # filed | corrected | update | m015
    created_at: str
    applicant: dict[str, Any]
    applications: tuple[str, ...]


def add_version(
    db: sqlite_utils.Database, keys: Keys, applicant_id: str, applicant: dict[str, Any],
    fields: dict[str, Any], source: str,
) -> str:
    """Keep one declaration as it was; returns its id. Call inside a write transaction."""
    version_id = uuid.uuid4().hex
    body = {"applicant": {k: v for k, v in applicant.items() if k != "age"}, "fields": fields}
    db.execute(
        "INSERT INTO applicant_versions (id, applicant_id, payload, source, created_at, name_index)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (version_id, applicant_id, keys.seal_json(body, _version_aad(version_id, applicant_id,
                                                                      source)), source, _now(),
         name_index(keys, str(applicant.get("name", "")))),
    )
    return version_id


def declare(
    db: sqlite_utils.Database, keys: Keys, applicant: dict[str, Any], fields: dict[str, Any],
    *, source: str = "filed",
) -> Declared:
    """Record what this person declared on a filing: a version for the case, and the registry's
    latest (later answers win there, for prefill). Call inside a write transaction."""
    index = keys.blind_index("id_number", applicant["id_number"])
    now = _now()
    row = db.execute("SELECT id, payload FROM applicants WHERE id_index = ?", [index]).fetchone()
    if row is None:
        applicant_id = uuid.uuid4().hex
        payload: dict[str, Any] = {"applicant": {}, "fields": {}}
    else:
        applicant_id = row[0]
        payload = keys.open_json(row[1], _aad(applicant_id))
    before = payload["applicant"]
    changed = tuple(k for k in WATCHED
                    if before.get(k) and applicant.get(k) and before[k] != applicant[k])
    payload["applicant"] = {**before, **{k: v for k, v in applicant.items() if k != "age"}}
    payload["fields"].update(fields)
    sealed = keys.seal_json(payload, _aad(applicant_id))
    if row is None:
        db.execute(
            "INSERT INTO applicants (id, id_index, payload, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (applicant_id, index, sealed, now, now),
        )
    else:
        db.execute("UPDATE applicants SET payload = ?, updated_at = ? WHERE id = ?",
                   (sealed, now, applicant_id))
    version_id = add_version(db, keys, applicant_id, applicant, fields, source)
    return Declared(applicant_id, version_id, changed)


def _checked(changes: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, raw in changes.items():
        if key not in UPDATABLE:
            raise InvalidRequest("storage.applicant.not_updatable",
                                 labels=listed([applicant_label(k) for k in UPDATABLE]))
        text = str(raw).strip()
        try:
            if key == "name":
                text = check_person_name(text)
            elif key == "phone":
                text = check_phone(text)
        except FieldError as exc:
            raise InvalidRequest(TEXTS, en=exc.en, zh=exc.message) from None
        if not text or len(text) > UPDATABLE[key]:
            label = applicant_label(key)
            raise InvalidRequest("storage.applicant.length", label=label, n=UPDATABLE[key])
        out[key] = text
    if not out:
        raise InvalidRequest("storage.applicant.nothing")
    return out


def update(
    database: Database, keys: Keys, id_number: str, changes: dict[str, str], *, by: str
) -> Version:
    """Correct the registry's details of a person (name, address...), explicitly and audited.

    The cases already filed keep what they were filed with; the next filing is prefilled
    with the correction. The audit row names the registry entry and the details changed,
    never their values.
    """
    checked = _checked(changes)
    index = keys.blind_index("id_number", normalize_id_number(id_number))
    with database.write() as db:
        row = db.execute("SELECT id, payload FROM applicants WHERE id_index = ?", [index]).fetchone()
        if row is None:
            raise NotFound("storage.applicant.unknown")
        applicant_id = str(row[0])
        payload = keys.open_json(row[1], _aad(applicant_id))
        payload["applicant"].update(checked)
        db.execute("UPDATE applicants SET payload = ?, updated_at = ? WHERE id = ?",
                   (keys.seal_json(payload, _aad(applicant_id)), _now(), applicant_id))
        version_id = add_version(db, keys, applicant_id, payload["applicant"], {}, "update")
        audit.append(db, by, "applicant.update", applicant_id, ",".join(sorted(checked)), keys)
    return next(v for v in history(database, keys, id_number) if v.id == version_id)


def find(database: Database, keys: Keys, id_number: str) -> dict[str, Any] | None:
    """{"applicant": {...latest}, "fields": {...latest answers by field name}} or None."""
    # The same normalisation the form applied when the number was recorded (spaces, lower-case x).
    index = keys.blind_index("id_number", normalize_id_number(id_number))
    with database.read() as db:
        row = db.execute("SELECT id, payload FROM applicants WHERE id_index = ?", [index]).fetchone()
    if row is None:
        return None
    found: dict[str, Any] = keys.open_json(row[1], _aad(row[0]))
    return found


def history(database: Database, keys: Keys, id_number: str) -> list[Version]:
    """Every declaration kept for this person, oldest first, with the cases filed with each."""
    index = keys.blind_index("id_number", normalize_id_number(id_number))
    with database.read() as db:
        rows = db.execute(
            "SELECT v.id, v.applicant_id, v.source, v.created_at, v.payload,"
            " (SELECT group_concat(a.id) FROM applications a WHERE a.applicant_version = v.id)"
            " FROM applicant_versions v JOIN applicants p ON p.id = v.applicant_id"
            " WHERE p.id_index = ? ORDER BY v.created_at, v.rowid", [index]).fetchall()
    return [Version(str(vid), str(source), str(at),
                    dict(keys.open_json(token, _version_aad(vid, aid, source))["applicant"]),
                    tuple(sorted(str(apps).split(","))) if apps else ())
            for vid, aid, source, at, token, apps in rows]


def name_of(db: sqlite_utils.Database, keys: Keys, applicant_id: str | None) -> str:
    """The registry's latest name of a person (not what a case shows: see `filed_name`)."""
    if applicant_id is None:
        return ""
    row = db.execute("SELECT payload FROM applicants WHERE id = ?", [applicant_id]).fetchone()
    if row is None:
        return ""
    return str(keys.open_json(row[0], _aad(applicant_id))["applicant"].get("name", ""))


def filed_name(
    db: sqlite_utils.Database, keys: Keys, version_id: str | None, applicant_id: str | None
) -> str:
    """The name a case was filed with: its own version (the registry's only for a case without)."""
    if version_id is None:
        return name_of(db, keys, applicant_id)
    row = db.execute("SELECT applicant_id, source, payload FROM applicant_versions WHERE id = ?",
                     [version_id]).fetchone()
    if row is None:
        return name_of(db, keys, applicant_id)
    opened = keys.open_json(row[2], _version_aad(version_id, str(row[0]), str(row[1])))
    return str(opened["applicant"].get("name", ""))


# Cases filed under a name, through the blind index (one bound value: the name's `name_index`).
FILED_UNDER_NAME = ("applicant_version IN (SELECT id FROM applicant_versions"
                    " WHERE name_index = ?)")


def index_names(database: Database, keys: Keys) -> int:
    """Fill the blind index of names m023 left empty (it needs the key): returns how many.

    Run at unlock; once every version has its index this is one indexed look-up. Batches keep
    each write transaction short, so a big store's first unlock does not hold ingest for long.
    """
    done = 0
    while True:
        with database.read() as db:
            rows = db.execute("SELECT id, applicant_id, source, payload FROM applicant_versions"
                              " WHERE name_index IS NULL LIMIT ?", [BACKFILL_BATCH]).fetchall()
        if not rows:
            return done
        found = [(name_index(keys, str(keys.open_json(token, _version_aad(vid, aid, source))
                                       ["applicant"].get("name", ""))), vid)
                 for vid, aid, source, token in rows]
        with database.write() as db:
            db.conn.executemany("UPDATE applicant_versions SET name_index = ? WHERE id = ?"
                                " AND name_index IS NULL", found)
        done += len(found)


def link(db: sqlite_utils.Database, application_id: str, declared: Declared) -> None:
    """Point a case at the person and the declaration it was (re)filed with."""
    db.execute("UPDATE applications SET applicant_id = ?, applicant_version = ? WHERE id = ?",
               (declared.applicant_id, declared.version_id, application_id))


def audit_changes(
    db: sqlite_utils.Database, keys: Keys, operator: str, application_id: str,
    declared: Declared | None,
) -> None:
    """A filing that declares another name or address than the registry had says so in the audit."""
    if declared is not None and declared.changed:
        audit.append(db, operator, "applicant.declared_changed", application_id,
                     ",".join(declared.changed), keys)


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
