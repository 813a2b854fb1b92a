"""Printable texts: the one-time notice of all materials (一次性告知书) and the intake receipt (收件回执).

Each is built once as a `Document` (lines that know their role: title, rule, material,
note; sync/paper/document.py, shared with the centers); the plain text for the terminal and
receipt printers and the PDF (sync/paper/pdf.py) are two renderings of the same lines, so they
never say different things. The decision notices both ends print are in sync/paper/decisions.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from forms import priority
from forms.model import Bundle, ServiceItem
from storage.applications import Summary
from storage.events import Event
from storage.owed import Owed
from storage.status import BAD_RATING, rating_level
from storage.store import StoreInfo
from sync.corrections import Reason, label_of, open_request, parse_reasons
from sync.i18n import FOLLOWUP_STEP, followup_words, priority_words, rating_words
from sync.paper.document import WIDTH, Document, Line, LineKind, local_time
from village_agent.i18n import status_text, t

__all__ = [
    "WIDTH",
    "Document",
    "Line",
    "LineKind",
    "authorisation_document",
    "complaint_lines",
    "delivery_text",
    "event_zh",
    "filed_priority",
    "followup_closed",
    "followup_lines",
    "local_time",
    "mask_id",
    "notice",
    "notice_document",
    "progress_lines",
    "rating_text",
    "reason_text",
    "receipt",
    "receipt_document",
]

_EVENTS = ("created", "submitted", "inspection_recorded", "accepted", "correction_requested",
           "corrected", "rejected", "completed", "delivered", "rated", "forwarded",
           "material_supplied", "note", "revoked", "complained", "complaint_answered")


def event_zh(kind: str, payload: dict[str, Any], entry: ServiceItem | Bundle | None = None) -> str:
    """One line of a case's timeline, as the agent reads it: who received it, what to correct, the result.

    With the item's `entry`, a correction reason that names a field or material
    shows that field's label or material's name.
    """
    if kind == "received":
        return t("print.event.received_county" if payload.get("by") == "county"
                 else "print.event.received_township")
    text = t(f"print.event.{kind}") if kind in _EVENTS else kind
    if kind == "correction_requested" and payload.get("reasons"):
        reasons = t("print.sep.clause").join(
            reason_text(r, entry) for r in parse_reasons(payload["reasons"]))
        text = t("print.event.detail", text=text, detail=reasons)
    elif kind == "rejected" and payload.get("reason"):
        text = t("print.event.detail", text=text, detail=payload["reason"])
    elif kind == "completed" and payload.get("result"):
        text = t("print.event.detail", text=text, detail=payload["result"])
    elif kind == "revoked" and payload.get("reason"):
        text = t("print.event.detail", text=text, detail=payload["reason"])
    elif kind == "material_supplied" and payload.get("material"):
        text = t("print.event.detail", text=text,
                 detail=material_name(entry, str(payload["material"])))
    elif kind == "delivered":
        text = delivery_text(payload)
    elif kind == "rated":
        text = rating_text(payload)
    elif kind in ("complained", "complaint_answered"):
        text = t("print.event.detail", text=t(f"print.event.{kind}"),
                 detail=f"{payload.get('complaint_id', '')} {payload.get('text') or payload.get('answer') or ''}".strip())
    elif kind in FOLLOWUP_STEP:
        text = followup_words(kind, payload)
    return text


def material_name(entry: ServiceItem | Bundle | None, code: str) -> str:
    """A material's name as the item filed gives it, else its code."""
    found = next((m.name for m in entry.materials if m.code == code), None) if entry else None
    return found or code


def owed_text(owed: Owed, entry: ServiceItem | Bundle | None, today: date) -> str:
    """One owed material on one line: what, why (容缺 or 告知承诺), by when, or when it came."""
    what = material_name(entry, owed.material)
    if owed.supplied_on is not None:
        return t("owed.line_supplied", what=what, day=owed.supplied_on)
    due = t("due.approximate", due=owed.due_date) if owed.due_approximate else owed.due_date
    key = "owed.line_overdue" if owed.overdue(today) else "owed.line"
    return t(key, what=what, state=t(f"owed.state.{owed.state}"), due=due)


def reason_text(reason: Reason, entry: ServiceItem | Bundle | None) -> str:
    """A correction reason on one line: 【开户银行】开户行名称有误."""
    what = label_of(reason, entry)
    return t("print.reason_named", what=what, text=reason.text) if what else reason.text


def delivery_text(payload: dict[str, Any]) -> str:
    """已送达（家属代领，领取人王丽）."""
    note = t("print.sep.clause") + str(payload["note"]) if payload.get("note") else ""
    return t("print.delivered", how=_how(payload)) + note


def _how(payload: dict[str, Any]) -> str:
    how = str(payload.get("how") or "in_person")
    text = t(f"deliver.how.{how}") if how in ("in_person", "family", "home_visit") else how
    who = str(payload.get("to_whom") or "")
    return text + (t("print.received_by", who=who) if who else "")


def rating_text(payload: dict[str, Any]) -> str:
    """已评价：非常不满意（多次跑动；…）; an older store's good/bad reads as its level."""
    return t("print.rated", rating=rating_words(payload))


def followup_lines(events: Sequence[Event]) -> list[str]:
    """What the township did about the villager's bad rating, to tell them: [] when none was bad."""
    rated = [e for e in events if e.type == "rated"]
    level = rating_level(rated[-1].payload.get("rating")) if rated else None
    if level is None or level < BAD_RATING:
        return []
    steps = [followup_words(e.type, e.payload) for e in events if e.type in FOLLOWUP_STEP]
    return [t("followup.heading"), *(steps or [t("followup.waiting")])]


def followup_closed(events: Sequence[Event]) -> bool:
    """The township called the villager back about their bad rating: its follow-up is closed."""
    return any(e.type == "followup_called" for e in events)


def complaint_lines(events: Sequence[Event]) -> list[str]:
    """The villager's complaints on the case, each with the center's answer or still waiting."""
    answers = {str(e.payload.get("complaint_id")): e for e in events
               if e.type == "complaint_answered"}
    lines = []
    for e in events:
        if e.type != "complained":
            continue
        number = str(e.payload.get("complaint_id", ""))
        lines.append(t("print.complaint", complaint=number, text=e.payload.get("text", "")))
        answered = answers.pop(number, None)
        lines.append(t("print.complaint_answer", complaint=number, text=answered.payload.get(
            "answer", ""), center=answered.payload.get("center", "")) if answered
            else t("print.complaint_waiting", complaint=number))
    # Answers to complaints the villager made at the center itself (no village event of ours).
    lines += [t("print.complaint_answer", complaint=n, text=a.payload.get("answer", ""),
                center=a.payload.get("center", "")) for n, a in answers.items()]
    return lines


def progress_lines(events: Sequence[Event], entry: ServiceItem | Bundle | None) -> list[Line]:
    """Where the case stands beyond intake: reasons still to correct, the result, hand-over, rating."""
    lines: list[Line] = []
    waiting = open_request(events)
    if waiting:
        lines.append(Line("text", t("print.corrections")))
        lines += [Line("entry", f"{n}. {reason_text(r, entry)}") for n, r in enumerate(waiting, 1)]
    for e in events:
        if e.type == "completed" and e.payload.get("result"):
            lines.append(Line("text", t("print.result", text=e.payload["result"])))
        elif e.type == "rejected" and e.payload.get("reason"):
            lines.append(Line("text", t("print.rejection", text=e.payload["reason"])))
        elif e.type == "delivered":
            lines.append(Line("text", t("print.delivery", day=e.payload.get("delivered_on", ""),
                                        how=_how(e.payload))))
        elif e.type == "rated":
            lines.append(Line("text", rating_text(e.payload)))
    return lines


def mask_id(number: str) -> str:
    """Receipts leave the office: show only enough of the ID number to recognise it."""
    return number[:4] + "*" * 10 + number[-4:] if len(number) == 18 else "*" * len(number)


def notice(entry: ServiceItem | Bundle, info: StoreInfo, *, today: date) -> str:
    return notice_document(entry, info, today=today).text()


def notice_document(entry: ServiceItem | Bundle, info: StoreInfo, *, today: date) -> Document:
    """The notice in the user's language (Chinese unless English is asked for); catalog text as filed."""
    items = entry.items if isinstance(entry, Bundle) else (entry,)
    sep, clause = t("print.sep.list"), t("print.sep.clause")
    title = t("print.notice.title")
    lines = [
        Line("title", title),
        Line("heavy_rule"),
        Line("text", t("print.notice.item", name=entry.name, code=entry.code)),
    ]
    if isinstance(entry, Bundle):
        lines.append(Line("text", t("print.notice.includes", names=sep.join(i.name for i in items))))
        if entry.description:
            lines.append(Line("text", t("print.notice.about", text=entry.description)))
    else:
        lines.append(Line("text", t("print.notice.department", department=entry.department,
                                    level=t(f"print.level.{entry.level}"))))
        if entry.eligibility:
            lines.append(Line("text", t("print.notice.eligibility", text=entry.eligibility)))
    lines += [Line("rule"), Line("text", t("print.notice.bring"))]
    for n, m in enumerate(entry.materials, 1):
        flags = []
        if m.commitment_allowed:
            flags.append(t("print.notice.may_commit"))
        if m.may_be_missing:
            flags.append(t("print.notice.may_miss"))
        lines.append(Line("item", t("print.notice.material_form", name=m.name, form=m.form)
                          if m.form else m.name, number=n))
        marks = t("print.notice.flags", flags=sep.join(flags)) if flags else ""
        extra = clause.join(x for x in (marks, m.note) if x)
        if m.required_if is not None:
            extra = (extra + clause if extra else "") + t("print.notice.sometimes")
        if extra:
            lines.append(Line("detail", extra))
    lines.append(Line("rule"))
    for i in items:
        limit = (t("print.notice.immediate") if i.is_immediate
                 else t("print.notice.days", days=i.time_limit_days))
        fee = i.fee_note or (t("print.notice.free") if i.fee == 0 else t("print.notice.fee", fee=i.fee))
        prefix = t("print.notice.prefix", name=i.short_name) if len(items) > 1 else ""
        lines.append(Line("text", t("print.notice.limit_fee", prefix=prefix, limit=limit, fee=fee)))
        if i.priority_time_limit_days is not None:
            lines.append(Line("text", t("print.notice.priority_days", prefix=prefix,
                                        days=i.priority_time_limit_days)))
        if i.result:
            lines.append(Line("text", t("print.notice.result", prefix=prefix, result=i.result)))
        if i.process and len(items) == 1:
            lines.append(Line("text", t("print.notice.steps", steps=" → ".join(i.process))))
        if i.legal_basis and len(items) == 1:
            lines.append(Line("text", t("print.notice.basis", basis=clause.join(i.legal_basis))))
    point = t("print.point_name", village=info.village_name)
    lines += [
        Line("rule"),
        Line("text", t("print.notice.by_agent")),
        Line("text", t("print.notice.point", point=point, code=info.village_code)),
        Line("text", t("print.notice.date", day=today.isoformat())),
    ]
    return Document("notice", title, point, entry.code, tuple(lines))


def receipt(
    summary: Summary,
    events: Sequence[Event],
    entry: ServiceItem,
    info: StoreInfo,
) -> str:
    return receipt_document(summary, events, entry, info).text()


def receipt_document(
    summary: Summary,
    events: Sequence[Event],
    entry: ServiceItem,
    info: StoreInfo,
) -> Document:
    submitted: dict[str, Any] = next(
        (e.payload for e in events if e.type in ("submitted", "inspection_recorded")), {}
    )
    applicant = submitted.get("applicant", {})
    materials: dict[str, str] = submitted.get("materials", {})
    names = {m.code: m.name for m in entry.materials}
    title = t("print.receipt.title")
    lines = [
        Line("title", title),
        Line("heavy_rule"),
        Line("text", t("print.receipt.id", id=summary.id)),
        Line("text", t("print.receipt.item", name=entry.name)),
    ]
    if applicant:
        lines.append(Line("text", t("print.receipt.applicant", name=applicant.get("name", ""),
                                    id_number=mask_id(applicant.get("id_number", "")))))
    # The agent's day, as in the application number: created_at is UTC, a day behind before 08:00.
    created = next((e.payload for e in events if e.type == "created"), {})
    intake_day = created.get("intake_date") or summary.created_at[:10]
    lines.append(Line("text", t("print.receipt.day_status", day=intake_day,
                                status=status_text(summary.status))))
    if materials:
        lines += [Line("rule"), Line("text", t("print.receipt.materials"))]
        for code, status in materials.items():
            lines.append(Line("entry", t("print.receipt.material", name=names.get(code, code),
                                         status=t(f"material.{status}"))))
        gaps = [names.get(c, c) for c, s in materials.items() if s == "missing"]
        if gaps:
            lines.append(Line("entry", t("print.receipt.gaps", names=t("print.sep.list").join(gaps))))
        if any(s == "commitment" for s in materials.values()):
            lines.append(Line("entry", t("print.receipt.commitment")))
    lines.append(Line("rule"))
    grounds = priority.of_filing(submitted)
    if grounds:
        lines.append(Line("text", t("print.receipt.priority", grounds=priority_words(grounds))))
    days = entry.promised_days(bool(grounds))
    if days == 0:
        lines.append(Line("text", t("print.receipt.immediate")))
    else:
        lines.append(Line("text", t("print.receipt.days", days=days)))
        if summary.due_date:
            note = t("print.receipt.due_approximate") if summary.due_approximate else ""
            lines.append(Line("text", t("print.receipt.due", due=summary.due_date, note=note)))
    progress = progress_lines(events, entry)
    if progress:
        lines += [Line("rule"), *progress]
    point = t("print.point_name", village=info.village_name)
    lines += [
        Line("text", t("print.receipt.agent", name=summary.operator)),
        Line("text", t("print.receipt.point", point=point)),
        Line("text", t("print.receipt.keep")),
    ]
    return Document("receipt", title, point, summary.id, tuple(lines))


def filed_priority(events: Sequence[Event]) -> tuple[str, ...]:
    """The 绿色通道 grounds the case was filed with (none for everyone else)."""
    return priority.of_filing(_filing(events))


def _filing(events: Sequence[Event]) -> dict[str, Any]:
    return next((e.payload for e in events if e.type in ("submitted", "inspection_recorded")), {})


def authorisation_document(
    summary: Summary,
    events: Sequence[Event],
    entry: ServiceItem,
    info: StoreInfo,
) -> Document:
    """授权委托书: the applicant authorises the proxy agent to act for them on this item.

    Filled from the filing: who (the applicant, the ID number masked as on the receipt), whom
    (the agent who took it in, at this service point), for which item and case; the lines to
    sign or thumbprint, and the day of intake. The signed paper stays in the village's file.
    """
    applicant = _filing(events).get("applicant", {})
    name = str(applicant.get("name", ""))
    created = next((e.payload for e in events if e.type == "created"), {})
    day = created.get("intake_date") or summary.created_at[:10]
    point = t("print.point_name", village=info.village_name)
    title = t("print.auth.title")
    lines = [
        Line("title", title),
        Line("heavy_rule"),
        Line("text", t("print.auth.principal", name=name)),
        Line("text", t("print.auth.id_number", id_number=mask_id(str(applicant.get("id_number", ""))))),
        Line("text", t("print.auth.agent", name=summary.operator)),
        Line("text", t("print.auth.point", point=point, code=info.village_code)),
        Line("rule"),
        Line("text", t("print.auth.item", name=entry.name, code=entry.code)),
        Line("text", t("print.auth.department", department=entry.department)),
        Line("text", t("print.auth.case", id=summary.id)),
        Line("rule"),
        Line("text", t("print.auth.body", name=name, agent=summary.operator)),
        Line("text", t("print.auth.scope")),
        Line("text", t("print.auth.term")),
        Line("text", t("print.auth.declaration")),
    ]
    grounds = filed_priority(events)
    if grounds:
        lines.append(Line("text", t("print.auth.priority", grounds=priority_words(grounds))))
    lines += [
        Line("rule"),
        Line("text", t("print.auth.sign_principal")),
        Line("text", t("print.auth.sign_agent")),
        Line("text", t("print.auth.date", day=day)),
    ]
    return Document("authorisation", title, point, summary.id, tuple(lines))
