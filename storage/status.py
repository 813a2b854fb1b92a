"""Application status, derived from its event log (pure). Statuses only move forward."""

from __future__ import annotations

from collections.abc import Iterable

from storage.messages import say

# event type -> status it leads to
EVENT_STATUS = {
    "created": "draft",
    "submitted": "submitted",
    "received": "received",
    "accepted": "accepted",
    "correction_requested": "correction_requested",
    "corrected": "submitted",
    "forwarded": "forwarded",
    "rejected": "rejected",
    "completed": "completed",
    "delivered": "delivered",
    "rated": "rated",
    "inspection_recorded": "recorded",
    # A completed result withdrawn by the center (a false commitment, 不实承诺: 撤销审批服务结果).
    "revoked": "revoked",
}
# A bad rating's follow-up at the center (核实, 整改, 回访): events on the case that move no status.
FOLLOWUP_EVENTS = ("followup_verified", "followup_rectified", "followup_called")
# 投诉: a complaint the village took down about a case, and the center's answer to it (no status).
COMPLAINT_EVENTS = ("complained", "complaint_answered")
EVENT_TYPES = (frozenset(EVENT_STATUS) | {"material_supplied", "note"} | frozenset(FOLLOWUP_EVENTS)
               | frozenset(COMPLAINT_EVENTS))

STATUSES = ("draft", "submitted", "received", "accepted", "correction_requested", "forwarded",
            "rejected", "completed", "delivered", "rated", "recorded", "revoked")
# The names live in the catalogue (`status.<status>`, storage/messages.py); these are thin lookups.
STATUS_ZH = {status: say("zh", f"status.{status}") for status in STATUSES}
# Where a status reads differently at the node that holds the case: at the county, a case
# `received` was received by the county itself (every case there is one of its own).
STATUS_ZH_AT = {"county": {"received": say("zh", "status.county.received")}}
# Terminal states: nothing moves a case out of them except delivery and rating.
_FINAL = {"rejected", "completed", "delivered", "rated"}
_RANK = {
    "draft": 0, "submitted": 1, "received": 2, "accepted": 3, "correction_requested": 3,
    "forwarded": 4, "rejected": 5, "completed": 5, "delivered": 6, "rated": 7, "recorded": 1,
    "revoked": 8,
}
# A result that may be revoked (it was given; it may have been handed over and rated since).
REVOCABLE = frozenset({"completed", "delivered", "rated"})


def step(status: str, kind: str) -> str:
    """The status after one event of type `kind` on a case at `status` (the fold's one step)."""
    new = EVENT_STATUS.get(kind)
    if new is None or status == "revoked":  # a revoked result stays revoked
        return status
    if kind == "revoked":
        return new if status in REVOCABLE else status
    if kind == "corrected" and status == "correction_requested":
        return new
    if kind == "correction_requested" and status == "forwarded":
        return new  # the county asks the villager for a correction of a forwarded case
    if status in _FINAL and new not in ("delivered", "rated"):
        return status
    return new if _RANK[new] >= _RANK[status] else status


def derive_status(event_types: Iterable[str]) -> str:
    """Fold events (in HLC order) into the current status.

    A late or duplicated event never moves a case backwards: a `received` that
    arrives after `accepted` changes nothing, and only a correction round
    (correction_requested -> corrected) may return a case to `submitted`.
    """
    status = "draft"
    for kind in event_types:
        status = step(status, kind)
    return status


def _reach(start: str) -> frozenset[str]:
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for kind in EVENT_STATUS:
            there = step(here, kind)
            if there not in seen:
                seen.add(there)
                todo.append(there)
    return frozenset(seen)


# Every status a case may come to from each status by some events (itself included).
REACHABLE: dict[str, frozenset[str]] = {s: _reach(s) for s in STATUSES}


def moves_on(held: str, new: str) -> bool:
    """Whether a case at `held` may be at `new` later (the fold can lead there): not backwards.

    A mirror of another node's case (a township's status record at its county) takes a newer
    record only when this holds, so a center restored from a backup that files older facts
    again never moves its mirror back.
    """
    return new in REACHABLE.get(held, frozenset(STATUSES))


# How a result is handed over to the villager (intake.deliver, the CLI's --how, the app's choice).
DELIVERY_METHODS = ("in_person", "family", "home_visit")

# A case still being worked on at a center (its worklist puts these first, 绿色通道 among them first).
OPEN_STATUSES = ("submitted", "received", "accepted", "correction_requested", "forwarded")

# 放权下沉 (village-decided items, catalog level "village"): the decisions the village point
# itself records, and the statuses each may follow. The same at the village that records them
# and at the township that files them for supervision; a township never decides these items,
# and a village decides no other item (its decisions come down from the center).
VILLAGE_DECISIONS: dict[str, frozenset[str]] = {
    "accepted": frozenset({"submitted"}),
    "completed": frozenset({"accepted"}),
    "rejected": frozenset({"submitted", "accepted"}),
}


def decided_by(level: str) -> str:
    """Which node decides an item of this catalog level: village | township | county."""
    return level if level in ("village", "county") else "township"


def village_may_record(level: str, event_type: str, status: str) -> bool:
    """Whether a village device may record (or file upward) `event_type` on a case now at
    `status`: its decisions only on a village-decided item, and only in their order."""
    follows = VILLAGE_DECISIONS.get(event_type)
    return follows is not None and decided_by(level) == "village" and status in follows


# 好差评 at the national five levels: 1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意
# (names: keys rating.1 .. rating.5 in sync/i18n.py). Level >= BAD_RATING is a 差评 and opens a
# follow-up at the center. Stores from before the five levels hold "good" and "bad".
RATING_LEVELS = (1, 2, 3, 4, 5)
BAD_RATING = 4
OLD_RATINGS = {"good": 2, "bad": 4}
# The reasons a villager may pick (keys rating.reason.<key> in sync/i18n.py), beside free text.
GOOD_REASONS = ("once", "fast", "attitude_good")
BAD_REASONS = ("trips", "overdue", "attitude_bad", "materials_again", "unclear", "result")
RATING_REASONS = GOOD_REASONS + BAD_REASONS
# How the villager answered the follow-up's call back (回访).
CALL_RESULTS = ("satisfied", "basically", "unsatisfied", "unreachable")


def rating_level(value: object) -> int | None:
    """The level 1..5 of a rating as any payload carries it (an int, or an old "good"/"bad")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value in RATING_LEVELS else None
    if isinstance(value, str):
        return OLD_RATINGS.get(value)
    return None
