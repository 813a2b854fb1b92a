"""Decision notices: 办结通知书 and 不予受理通知书, the same lines at the center and at the village.

`decision_facts` reads what a notice says from a case's event log (pure); `notice_document`
lays the facts out as a `Document` in the language asked for (pure), with a QR code of the
application number; `read_notice` (and `notice_of`, for a case already read) does both over a
logged-in session, at a center or at a village point once the decision has arrived. Whoever prints it audits the printing
(`notice.printed`): the notice carries the applicant's name.

Every decision a center records names the center and the clerk (`center`, `clerk` in its
payload, center/ingest.py). Older decisions do not: a center that made the decision itself
still knows its own name and the clerk; otherwise the line is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from forms.errors import UnknownItemError
from storage.applications import Summary
from storage.errors import InvalidRequest
from storage.events import Event
from storage.store import Session
from sync.i18n import language, t_in
from sync.paper.document import Document, Line, local_time

DecisionKind = Literal["completed", "rejected", "revoked"]
DECISIONS: tuple[DecisionKind, ...] = ("completed", "rejected", "revoked")
REASONED = ("rejected", "revoked")  # notices that give a reason and the right to appeal
FILINGS = ("submitted", "corrected", "inspection_recorded")


class NotDecided(InvalidRequest):
    """The case has no completion or rejection (yet, at a village): there is no notice to print."""


@dataclass(frozen=True)
class DecisionFacts:
    """What a decision notice says; "" for what is not known (its line is left out)."""

    kind: DecisionKind
    application_id: str
    item_name: str
    applicant: str
    outcome: str  # the result (completed) or the reason (rejected)
    center: str
    clerk: str
    day: str  # the decision's date on this PC's clock, YYYY-MM-DD


def decision_facts(summary: Summary, events: Sequence[Event], item_name: str, *,
                   own_device: str = "", own_name: str = "",
                   clerks: Mapping[int, str] | None = None) -> DecisionFacts | None:
    """The case's decision as a notice states it, or None if it has none.

    `own_device`, `own_name` and `clerks` (operator id to name) are the reading store's: a
    decision this store recorded before decisions named their center and clerk is still told
    by whom.
    """
    decision = next((e for e in reversed(events) if e.type in DECISIONS), None)
    if decision is None:
        return None
    body = decision.payload or {}
    ours = bool(own_device) and decision.device_id == own_device
    center = str(body.get("center") or (own_name if ours else ""))
    clerk = str(body.get("clerk") or "")
    if not clerk and ours and decision.operator_id is not None:
        clerk = (clerks or {}).get(decision.operator_id, "")
    applicant = summary.applicant_name
    if not applicant:
        filed = next((e.payload for e in reversed(events) if e.type in FILINGS), {})
        person = filed.get("applicant") if isinstance(filed, dict) else None
        applicant = str(person.get("name") or "") if isinstance(person, dict) else ""
    kind: DecisionKind = ("completed" if decision.type == "completed"
                          else "revoked" if decision.type == "revoked" else "rejected")
    outcome = str(body.get("result" if kind == "completed" else "reason") or "")
    return DecisionFacts(kind, summary.id, item_name, applicant, outcome, center, clerk,
                         local_time(decision.recorded_at))


def notice_document(facts: DecisionFacts, lang: str | None = None) -> Document:
    """The notice in `lang` (the user's language by default); the item and the names as filed."""
    lang = lang if lang in ("zh", "en") else language()

    def say(key: str, **values: object) -> str:
        return t_in(lang, key, **values)

    kind = facts.kind
    title = say(f"notice.{kind}.title")
    lines = [Line("title", title), Line("heavy_rule")]
    if facts.applicant:
        lines.append(Line("text", say("notice.applicant", name=facts.applicant)))
    lines += [
        Line("text", say("notice.id", id=facts.application_id)),
        Line("text", say("notice.item", name=facts.item_name)),
        Line("rule"),
        Line("text", say(f"notice.{kind}.lead", item=facts.item_name)),
        Line("text", say(f"notice.{kind}.outcome", text=facts.outcome or "—")),
    ]
    if kind in REASONED:
        lines.append(Line("text", say("notice.rights")))
    lines.append(Line("rule"))
    if facts.center:
        lines.append(Line("text", say("notice.center", center=facts.center)))
    if facts.clerk:
        lines.append(Line("text", say("notice.clerk", clerk=facts.clerk)))
    lines += [
        Line("text", say(f"notice.{kind}.date", day=facts.day)),
        Line("qr", say("notice.qr", id=facts.application_id), data=facts.application_id),
    ]
    return Document(kind, title, facts.center, facts.application_id, tuple(lines), lang)


def read_notice(session: Session, application_id: str, *, lang: str | None = None) -> Document:
    """The notice of the case's decision, read from this store (nothing is written).

    NotFound for an unknown number; NotDecided (both languages) for a case without a
    completion or rejection: at a center, not decided; at a village, not arrived yet.
    """
    summary, events = session.show(application_id)
    document = notice_of(session, summary, events, lang=lang)
    if document is None:
        key = "notice.not_arrived" if session.store.node == "village" else "notice.not_decided"
        raise NotDecided(key, id=summary.id)
    return document


def notice_of(session: Session, summary: Summary, events: Sequence[Event], *,
              lang: str | None = None) -> Document | None:
    """The notice of a case already read (`session.show`), or None if it has no decision."""
    store = session.store
    center = store.node != "village"
    facts = decision_facts(summary, events, item_name(session, summary, events),
                           own_device=store.info.device_id,
                           own_name=store.info.village_name if center else "",
                           clerks={o.id: o.name for o in store.operators()} if center else {})
    return None if facts is None else notice_document(facts, lang)


def item_name(session: Session, summary: Summary, events: Sequence[Event] = ()) -> str:
    """The item's name as it was filed (its catalog version), else as in force, else its code."""
    store = session.store
    version = next((str(e.payload["item_version"]) for e in reversed(events)
                    if e.type in FILINGS and e.payload.get("item_version")), summary.item_version)
    entry = store.catalog_entry(summary.item_code, version)
    if entry is not None:
        return entry.name
    try:
        return store.catalog().get(summary.item_code).name
    except UnknownItemError:
        return summary.item_code
