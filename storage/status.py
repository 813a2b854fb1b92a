"""Application status, derived from its event log (pure). Statuses only move forward."""

from __future__ import annotations

from collections.abc import Iterable

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
}
EVENT_TYPES = frozenset(EVENT_STATUS) | {"material_supplied", "note"}

STATUS_ZH = {
    "draft": "草稿",
    "submitted": "待上报",
    "received": "乡镇已接收",
    "accepted": "已受理",
    "correction_requested": "需补正",
    "forwarded": "已转县级",
    "rejected": "不予受理",
    "completed": "已办结",
    "delivered": "已送达",
    "rated": "已评价",
    "recorded": "已登记",
}
# Where a status reads differently at the node that holds the case: at the county, a case
# `received` was received by the county itself (every case there is one of its own).
STATUS_ZH_AT = {"county": {"received": "县级已接收"}}
# Terminal states: nothing moves a case out of them except delivery and rating.
_FINAL = {"rejected", "completed", "delivered", "rated"}
_RANK = {
    "draft": 0, "submitted": 1, "received": 2, "accepted": 3, "correction_requested": 3,
    "forwarded": 4, "rejected": 5, "completed": 5, "delivered": 6, "rated": 7, "recorded": 1,
}


def derive_status(event_types: Iterable[str]) -> str:
    """Fold events (in HLC order) into the current status.

    A late or duplicated event never moves a case backwards: a `received` that
    arrives after `accepted` changes nothing, and only a correction round
    (correction_requested -> corrected) may return a case to `submitted`.
    """
    status = "draft"
    for kind in event_types:
        new = EVENT_STATUS.get(kind)
        if new is None:
            continue
        if kind == "corrected" and status == "correction_requested":
            status = new
        elif kind == "correction_requested" and status == "forwarded":
            status = new  # the county asks the villager for a correction of a forwarded case
        elif status in _FINAL and new not in ("delivered", "rated"):
            continue
        elif _RANK[new] >= _RANK[status]:
            status = new
    return status


# How a result is handed over to the villager (intake.deliver, the CLI's --how, the app's choice).
DELIVERY_METHODS = ("in_person", "family", "home_visit")
