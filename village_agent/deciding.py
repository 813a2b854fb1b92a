"""放权下沉: the village point decides its village-decided items itself. Shared by CLI, app and tests.

An item of catalog level "village" (e.g. 老年人优待证, 城乡居民养老保险待遇资格认证) is
completed or rejected here by a village agent; the decision is a village event on the
case's log and travels up with the rest of it, so the township files the case, decided
here, for supervision. Every other item is decided by its center and its decisions come
down; nothing here decides those.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from forms.catalog import Catalog
from forms.model import ServiceItem
from storage.errors import InvalidRequest, NotPermitted
from storage.status import VILLAGE_DECISIONS, decided_by, village_may_record
from storage.store import Session
from village_agent import intake
from village_agent.i18n import status_text, t

DECIDABLE = ("completed", "rejected")  # what the agent chooses; `completed` is accepted first
DECIDER_ROLE = "agent"  # 代办员 decide; a grid worker (网格员) records inspections only


def check_decision(decision: str, note: str) -> str:
    """The note as it will be kept: the result of a completion, the reason of a rejection.

    Refuses an unknown decision and one without its result or reason, as a center does (pure).
    """
    if decision not in DECIDABLE:
        raise InvalidRequest("decide.bad_decision")
    text = intake._text_arg(note, f"decide.note.{decision}", intake.MAX_NOTE)
    if not text:
        raise InvalidRequest(f"decide.need.{decision}")
    return text


def decides_here(item: ServiceItem, status: str) -> bool:
    """Whether a case of `item` at `status` may be decided at this village point now."""
    return any(village_may_record(item.level, d, status) for d in VILLAGE_DECISIONS)


def _steps(decision: str, status: str, body: dict[str, Any],
           note: str) -> list[tuple[str, dict[str, Any]]]:
    if decision == "rejected":
        return [("rejected", {**body, "reason": note})]
    done = ("completed", {**body, "result": note})
    return [done] if status == "accepted" else [("accepted", dict(body)), done]


def decide(session: Session, catalog: Catalog, application_id: str, decision: str, note: str,
           *, today: date | None = None) -> Sequence[int]:
    """Record the village's decision on a village-decided case (completed or rejected) and seal
    it for the township. Returns the events' sequence numbers."""
    note = check_decision(decision, note)
    operator = session.operator
    if operator.role != DECIDER_ROLE:
        raise NotPermitted("decide.not_agent", role=operator.role_name)
    summary, _ = session.show(application_id)
    item = intake.filed_on(session, catalog, summary.item_code, summary.item_version)
    if decided_by(item.level) != "village":
        who = t(f"print.level.{decided_by(item.level)}")
        raise InvalidRequest("decide.not_village", id=summary.id, item=item.name, who=who)
    info = session.store.info
    body = {"center": info.village_name, "center_code": info.village_code, "clerk": operator.name,
            "by": "village", "decided_on": (today or date.today()).isoformat()}

    def steps(status: str) -> list[tuple[str, dict[str, Any]]]:
        planned = _steps(decision, status, body, note)
        if not village_may_record(item.level, planned[0][0], status):
            raise InvalidRequest("decide.not_now", id=summary.id, status=status_text(status))
        return planned

    with intake.sealed_with(session):
        seqs = session.decide_here(summary.id, steps)
    return seqs
