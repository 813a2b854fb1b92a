"""A township's status record of one case, for its county's supervision (电子监察) and figures.

A signed record (`sync.signed`, kind "status_record", signed by the township's device key)
carries one case's facts as the township's `case_facts` row holds them, and the row's version:

    {application_id, township, village_code, item_code, window_code, clerk, agent, instant,
     status, received_on, due_on, yellow_from, red_from, finished_on, late, rating, rated_on,
     followup_closed, version}

Codes, staff names, days and a rating: no applicant's data (no name, no ID number, no form
answer). The township sends one per changed case with its forward to the county
(`center.upstream`); the county files a record only when its version is newer than the one it
holds (`center.supervision.file_facts`), so a record sent again changes nothing.

`build` and `parse` are shared by both sides; `parse` is strict: a record with a missing,
unknown or ill-typed field is refused whole (BundleRejected "malformed"), nothing written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from storage.status import EVENT_STATUS, RATING_LEVELS
from sync.errors import BundleRejected
from sync.messages import MAX_ID, is_date

KIND = "status_record"
BATCH = 2_000  # records in one forward at most (each a few hundred bytes, signed)

TEXTS = ("application_id", "township", "village_code", "item_code", "window_code", "clerk",
         "agent")
FLAGS = ("instant", "late", "followup_closed")
DAYS = ("received_on", "due_on", "yellow_from", "red_from", "finished_on", "rated_on",
        "blue_since")
FIELDS = frozenset({*TEXTS, *FLAGS, *DAYS, "status", "rating", "version"})
STATUSES = frozenset(EVENT_STATUS.values())
MAX_NAME = 100  # a window code, a clerk's or an agent's name
_CODE = re.compile(r"[0-9]{6,12}")  # an administrative division code (county .. village)
_ITEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def build(facts: Mapping[str, Any], *, version: int, township: str) -> dict[str, Any]:
    """The record's body from a `case_facts` row (`supervision.facts_record`): its fields only."""
    body = {key: facts.get(key) for key in FIELDS - {"version", "township"}}
    for key in (*TEXTS, *FLAGS):
        if body.get(key) is None:
            body[key] = 0 if key in FLAGS else ""
    return {**body, "township": township, "version": version}


def _bad(what: str) -> BundleRejected:
    return BundleRejected("malformed", f"status record: {what}")


def parse(body: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """The facts (every field but `version`) and the version, or BundleRejected("malformed")."""
    keys = set(body)
    if keys != FIELDS:
        missing, unknown = sorted(FIELDS - keys), sorted(keys - FIELDS)
        raise _bad(f"fields (missing {missing}, unknown {unknown})")
    for key in TEXTS:
        value = body[key]
        limit = MAX_ID if key == "application_id" else MAX_NAME
        if not isinstance(value, str) or len(value) > limit or not value.isprintable():
            raise _bad(key)
    if not body["application_id"]:
        raise _bad("application_id")
    township, village = body["township"], body["village_code"]
    if not _CODE.fullmatch(township) or not _CODE.fullmatch(village) or not (
            village.startswith(township) and len(village) > len(township)):
        raise _bad("village_code is not a village of the township")
    if not _ITEM.fullmatch(body["item_code"]):
        raise _bad("item_code")
    for key in FLAGS:
        if type(body[key]) is not int or body[key] not in (0, 1):
            raise _bad(key)
    if not isinstance(body["status"], str) or body["status"] not in STATUSES:
        raise _bad("status")
    for key in DAYS:
        value = body[key]
        if value is not None and not (isinstance(value, str) and is_date(value)):
            raise _bad(f"{key} is not a date (YYYY-MM-DD)")
    rating = body["rating"]
    if rating is not None and (type(rating) is not int or rating not in RATING_LEVELS):
        raise _bad("rating")
    if (rating is None) != (body["rated_on"] is None):
        raise _bad("rating and rated_on go together")
    version = body["version"]
    if type(version) is not int or not 0 < version < 2**53:
        raise _bad("version")
    return {key: body[key] for key in FIELDS - {"version"}}, version
