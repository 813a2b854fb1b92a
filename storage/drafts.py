"""Half-filled applications kept between sessions: sealed like every other personal record.

A draft is the form exactly as typed (raw text, unchecked), so nothing about it
is validated here. What stays readable is what the home screen counts without
opening anything: the item code and version it was started on, who started it
and when. The version is kept so a catalog update never silently changes a form
already half filled in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from storage import audit
from storage.crypto import Keys
from storage.db import Database
from storage.errors import InvalidRequest, NotFound

MAX_DRAFT_BYTES = 1024 * 1024  # a form, not a scan: the biggest real one is a few KB


@dataclass(frozen=True)
class Draft:
    id: str
    item_code: str
    item_version: str
    operator: str
    created_at: str
    updated_at: str
    data: dict[str, Any]  # {"applicant", "fields", "materials", "attachments", ...} as typed

    @property
    def applicant_name(self) -> str:
        applicant = self.data.get("applicant")
        return str(applicant.get("name") or "") if isinstance(applicant, dict) else ""


def _aad(draft_id: str) -> str:
    return f"draft:{draft_id}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def save(
    database: Database,
    keys: Keys,
    *,
    operator_id: int,
    operator_name: str,
    item_code: str,
    item_version: str,
    data: dict[str, Any],
    draft_id: str | None = None,
) -> str:
    """Keep the form as it is now; returns the draft's id (new, or the one given)."""
    draft_id = draft_id or uuid.uuid4().hex[:16]
    sealed = keys.seal_json(data, _aad(draft_id))
    if len(sealed) > MAX_DRAFT_BYTES:
        raise InvalidRequest("storage.draft.too_large")
    now = _now()
    with database.write() as db:
        row = db.execute("SELECT 1 FROM drafts WHERE id = ?", [draft_id]).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO drafts (id, item_code, item_version, operator_id, payload, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (draft_id, item_code, item_version, operator_id, sealed, now, now),
            )
        else:
            db.execute(
                "UPDATE drafts SET payload = ?, updated_at = ? WHERE id = ?",
                (sealed, now, draft_id),
            )
        audit.append(db, operator_name, "draft.save", draft_id, item_code, keys)
    return draft_id


_SELECT = (
    "SELECT d.id, d.item_code, d.item_version, o.name, d.created_at, d.updated_at, d.payload"
    " FROM drafts d JOIN operators o ON o.id = d.operator_id"
)


def _draft(keys: Keys, row: tuple[Any, ...]) -> Draft:
    data = keys.open_json(row[6], _aad(row[0]))
    return Draft(row[0], row[1], row[2], row[3], row[4], row[5], data)


def list_drafts(database: Database, keys: Keys, *, operator_id: int | None = None) -> list[Draft]:
    """Newest first; only one operator's when `operator_id` is given."""
    where, params = ("", [])
    if operator_id is not None:
        where, params = "WHERE d.operator_id = ?", [operator_id]
    with database.read() as db:
        rows = db.execute(f"{_SELECT} {where} ORDER BY d.updated_at DESC, d.id", params).fetchall()
    return [_draft(keys, r) for r in rows]


def load(database: Database, keys: Keys, draft_id: str) -> Draft:
    with database.read() as db:
        row = db.execute(f"{_SELECT} WHERE d.id = ?", [draft_id]).fetchone()
    if row is None:
        raise NotFound("storage.draft.unknown")
    return _draft(keys, row)


def delete(database: Database, keys: Keys, draft_id: str, *, by: str) -> None:
    """Forget a draft (submitted, or thrown away). Deleting one already gone is not an error."""
    with database.write() as db:
        row = db.execute("SELECT item_code FROM drafts WHERE id = ?", [draft_id]).fetchone()
        if row is None:
            return
        db.execute("DELETE FROM drafts WHERE id = ?", [draft_id])
        audit.append(db, by, "draft.delete", draft_id, row[0], keys)
