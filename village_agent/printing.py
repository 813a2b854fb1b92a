"""Printable texts: the one-time notice of all materials (一次性告知书) and the intake receipt (收件回执).

Each is built once as a `Document` (lines that know their role: title, rule, material,
note); the plain text for the terminal and receipt printers and the PDF (village_agent.pdf)
are two renderings of the same lines, so they never say different things.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from forms.engine import MATERIAL_STATUSES
from forms.model import LEVELS, Bundle, ServiceItem
from storage.applications import Summary
from storage.events import Event
from storage.status import STATUS_ZH
from storage.store import StoreInfo
from sync.corrections import Reason, label_of, open_request, parse_reasons
from village_agent.i18n import t

WIDTH = 40  # full-width characters on a receipt printer line

LineKind = Literal["title", "heavy_rule", "rule", "text", "item", "detail", "entry"]


@dataclass(frozen=True)
class Line:
    """One line of a printable document and its role, which each renderer lays out its own way.

    title       centred heading            heavy_rule / rule   separators
    text        a paragraph                item                a numbered material (`number`)
    detail      the note under a material  entry               an indented line of a list
    """

    kind: LineKind
    text: str = ""
    number: int = 0

    def plain(self) -> str:
        """The line as the plain text shows it (40 full-width characters wide)."""
        if self.kind == "title":
            return self.text.center(WIDTH - len(self.text))
        if self.kind == "heavy_rule":
            return "═" * WIDTH
        if self.kind == "rule":
            return "─" * WIDTH
        if self.kind == "item":
            return f"{self.number:>2}. {self.text}"
        if self.kind == "detail":
            return f"    {self.text}"
        if self.kind == "entry":
            return f"  {self.text}"
        return self.text


@dataclass(frozen=True)
class Document:
    """A printable document: its lines, and what a page header and a file name need."""

    kind: Literal["notice", "receipt"]
    title: str
    service_point: str  # printed in the PDF's page header
    reference: str  # the item code of a notice, the application number of a receipt
    lines: tuple[Line, ...]

    def text(self) -> str:
        return "\n".join(line.plain() for line in self.lines) + "\n"


def local_time(stamp: str, *, with_time: bool = False) -> str:
    """A stored UTC timestamp as the agent's own clock shows it (China is UTC+8: 07:00 is still yesterday in UTC)."""
    try:
        moment = datetime.fromisoformat(stamp).astimezone()
    except ValueError:
        return stamp[:16 if with_time else 10]
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


_EVENT_ZH = {
    "created": "收件登记", "submitted": "提交（待上报）", "inspection_recorded": "巡查登记",
    "accepted": "已受理", "correction_requested": "需补正", "corrected": "已补正并重新提交",
    "rejected": "不予受理", "completed": "已办结", "delivered": "已送达", "rated": "已评价",
    "forwarded": "已转县级", "material_supplied": "已补交材料", "note": "备注",
}


def event_zh(kind: str, payload: dict[str, Any], entry: ServiceItem | Bundle | None = None) -> str:
    """One line of a case's timeline, as the agent reads it: who received it, what to correct, the result.

    With the item's `entry`, a correction reason that names a field or material
    shows that field's label or material's name.
    """
    if kind == "received":
        return "县级中心已接收" if payload.get("by") == "county" else "乡镇中心已接收"
    text = _EVENT_ZH.get(kind, kind)
    if kind == "correction_requested" and payload.get("reasons"):
        text += "：" + "；".join(reason_text(r, entry) for r in parse_reasons(payload["reasons"]))
    elif kind == "rejected" and payload.get("reason"):
        text += "：" + str(payload["reason"])
    elif kind == "completed" and payload.get("result"):
        text += "：" + str(payload["result"])
    elif kind == "delivered":
        text = delivery_text(payload)
    elif kind == "rated":
        text = rating_text(payload)
    return text


def reason_text(reason: Reason, entry: ServiceItem | Bundle | None) -> str:
    """A correction reason on one line: 【开户银行】开户行名称有误."""
    what = label_of(reason, entry)
    return t("print.reason_named", what=what, text=reason.text) if what else reason.text


def delivery_text(payload: dict[str, Any]) -> str:
    """已送达（家属代领，领取人王丽）."""
    return t("print.delivered", how=_how(payload)) + (f"；{payload['note']}" if payload.get("note") else "")


def _how(payload: dict[str, Any]) -> str:
    how = str(payload.get("how") or "in_person")
    text = t(f"deliver.how.{how}") if how in ("in_person", "family", "home_visit") else how
    who = str(payload.get("to_whom") or "")
    return text + (t("print.received_by", who=who) if who else "")


def rating_text(payload: dict[str, Any]) -> str:
    rating = t("rate.good") if payload.get("rating") == "good" else t("rate.bad")
    reason = str(payload.get("reason") or "")
    return (t("print.rated_reason", rating=rating, reason=reason) if reason
            else t("print.rated", rating=rating))


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
    items = entry.items if isinstance(entry, Bundle) else (entry,)
    lines = [
        Line("title", "一次性告知书"),
        Line("heavy_rule"),
        Line("text", f"事项：{entry.name}（{entry.code}）"),
    ]
    if isinstance(entry, Bundle):
        lines.append(Line("text", f"包含：{'、'.join(i.name for i in items)}"))
        if entry.description:
            lines.append(Line("text", f"说明：{entry.description}"))
    else:
        lines.append(Line("text", f"部门：{entry.department}    办理层级：{LEVELS[entry.level]}"))
        if entry.eligibility:
            lines.append(Line("text", f"申请条件：{entry.eligibility}"))
    lines += [Line("rule"), Line("text", "请一次备齐以下材料（原件核验后退还）：")]
    for n, m in enumerate(entry.materials, 1):
        flags = []
        if m.commitment_allowed:
            flags.append("可书面承诺代替")
        if m.may_be_missing:
            flags.append("可容缺后补")
        lines.append(Line("item", f"{m.name}：{m.form}" if m.form else m.name, number=n))
        extra = "；".join(x for x in (("（" + "、".join(flags) + "）") if flags else "", m.note) if x)
        if m.required_if is not None:
            extra = (extra + "；" if extra else "") + "（视情况需要，代办员会说明）"
        if extra:
            lines.append(Line("detail", extra))
    lines.append(Line("rule"))
    for i in items:
        limit = "即办件，当场办结" if i.is_immediate else f"{i.time_limit_days}个工作日"
        fee = i.fee_note or ("不收费" if i.fee == 0 else f"{i.fee}元")
        prefix = f"{i.short_name}：" if len(items) > 1 else ""
        lines.append(Line("text", f"{prefix}承诺时限：{limit}    收费：{fee}"))
        if i.result:
            lines.append(Line("text", f"{prefix}办理结果：{i.result}"))
        if i.process and len(items) == 1:
            lines.append(Line("text", "办理流程：" + " → ".join(i.process)))
        if i.legal_basis and len(items) == 1:
            lines.append(Line("text", "设定依据：" + "；".join(i.legal_basis)))
    lines += [
        Line("rule"),
        Line("text", "由村代办员全程代办，申请人须签署授权委托书。"),
        Line("text", f"服务点：{info.village_name}便民服务代办点（{info.village_code}）"),
        Line("text", f"告知日期：{today.isoformat()}"),
    ]
    return Document("notice", "一次性告知书", f"{info.village_name}便民服务代办点", entry.code,
                    tuple(lines))


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
    lines = [
        Line("title", "收件回执"),
        Line("heavy_rule"),
        Line("text", f"办件编号：{summary.id}"),
        Line("text", f"事项：{entry.name}"),
    ]
    if applicant:
        lines.append(Line(
            "text",
            f"申请人：{applicant.get('name', '')}    身份证号：{mask_id(applicant.get('id_number', ''))}",
        ))
    # The agent's day, as in the application number: created_at is UTC, a day behind before 08:00.
    created = next((e.payload for e in events if e.type == "created"), {})
    intake_day = created.get("intake_date") or summary.created_at[:10]
    lines.append(Line(
        "text", f"收件日期：{intake_day}    当前状态：{STATUS_ZH.get(summary.status, summary.status)}"
    ))
    if materials:
        lines += [Line("rule"), Line("text", "材料情况：")]
        for code, status in materials.items():
            lines.append(Line("entry", f"{names.get(code, code)}：{MATERIAL_STATUSES[status]}"))
        gaps = [names.get(c, c) for c, s in materials.items() if s == "missing"]
        if gaps:
            lines.append(Line("entry", f"※ 容缺材料请在办结前补交：{'、'.join(gaps)}"))
        if any(s == "commitment" for s in materials.values()):
            lines.append(Line("entry", "※ 告知承诺事项如有不实，将撤销办理结果并记入信用记录"))
    lines.append(Line("rule"))
    if entry.is_immediate:
        lines.append(Line("text", "承诺时限：即办件"))
    else:
        lines.append(Line("text", f"承诺时限：{entry.time_limit_days}个工作日（自乡镇受理之日起计算）"))
        if summary.due_date:
            note = "（节假日安排未公布，按周末估算）" if summary.due_approximate else ""
            lines.append(Line("text", f"预计办结：{summary.due_date} 前{note}"))
    progress = progress_lines(events, entry)
    if progress:
        lines += [Line("rule"), *progress]
    lines += [
        Line("text", f"代办员：{summary.operator}"),
        Line("text", f"服务点：{info.village_name}便民服务代办点"),
        Line("text", "凭此回执查询办理进度、领取办理结果。"),
    ]
    return Document("receipt", "收件回执", f"{info.village_name}便民服务代办点", summary.id,
                    tuple(lines))
