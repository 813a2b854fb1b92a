"""投诉 at the village point: the agent takes down a villager's complaint about their case.

Shared by the CLI (`village-agent complain`), the app's case screen and the tests. The
complaint is a village event on the case (`complained`, sealed like every payload), sent up
with the next sync to the center that holds the case, whose 投诉监督台 answers it; the answer
comes down as a `complaint_answered` event on the same case (shown by `printing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.errors import InvalidRequest
from storage.store import Session
from sync import complaints as rules
from village_agent import intake
from village_agent.i18n import status_text, t


@dataclass(frozen=True)
class Complained:
    application_id: str
    complaint_id: str  # what the villager is given: TS-XXXXX-XXXXX
    seq: int


def check_complaint(text: str) -> str:
    """The villager's words as they will be kept, or why not (pure; the app's dialog uses it)."""
    kept = rules.clean_text(text)
    if kept is None:
        if (text or "").strip():
            raise InvalidRequest("case.too_long", what=t("complain.text"), n=rules.MAX_TEXT)
        raise InvalidRequest("complain.need_text")
    return kept


def complain(session: Session, application_id: str, text: str, *,
             today: date | None = None) -> Complained:
    """Record the complaint on the case and seal it for the township. Refused, nothing written."""
    words = check_complaint(text)
    summary, _ = session.show(application_id)
    if summary.kind != "service":
        raise InvalidRequest("complain.not_service", id=summary.id)

    def expect(status: str) -> None:
        if status == "draft":
            raise InvalidRequest("complain.not_filed", id=summary.id, status=status_text(status))

    expect(summary.status)
    number = rules.new_id()
    with intake.sealed_with(session):
        seq = session.add_event(summary.id, "complained", {
            "complaint_id": number, "text": words, "about": "case",
            "complained_on": (today or date.today()).isoformat(), "agent": session.operator.name,
        }, expect=expect)
    return Complained(summary.id, number, seq)
