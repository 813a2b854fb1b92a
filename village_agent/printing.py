"""Printable texts: the one-time notice of all materials (一次性告知书) and the intake receipt (收件回执)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from forms.engine import MATERIAL_STATUSES
from forms.model import LEVELS, Bundle, ServiceItem
from storage.applications import Summary
from storage.events import Event
from storage.status import STATUS_ZH
from storage.store import StoreInfo

WIDTH = 40  # full-width characters on a receipt printer line


def _rule(char: str = "─") -> str:
    return char * WIDTH


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


def event_zh(kind: str, payload: dict[str, Any]) -> str:
    """One line of a case's timeline, as the agent reads it: who received it, what to correct, the result."""
    if kind == "received":
        return "县级中心已接收" if payload.get("by") == "county" else "乡镇中心已接收"
    text = _EVENT_ZH.get(kind, kind)
    if kind == "correction_requested" and payload.get("reasons"):
        text += "：" + "；".join(str(r) for r in payload["reasons"])
    elif kind == "rejected" and payload.get("reason"):
        text += "：" + str(payload["reason"])
    elif kind == "completed" and payload.get("result"):
        text += "：" + str(payload["result"])
    return text


def mask_id(number: str) -> str:
    """Receipts leave the office: show only enough of the ID number to recognise it."""
    return number[:4] + "*" * 10 + number[-4:] if len(number) == 18 else "*" * len(number)


def notice(entry: ServiceItem | Bundle, info: StoreInfo, *, today: date) -> str:
    items = entry.items if isinstance(entry, Bundle) else (entry,)
    lines = [
        "一次性告知书".center(WIDTH - 6),
        _rule("═"),
        f"事项：{entry.name}（{entry.code}）",
    ]
    if isinstance(entry, Bundle):
        lines.append(f"包含：{'、'.join(i.name for i in items)}")
        if entry.description:
            lines.append(f"说明：{entry.description}")
    else:
        lines += [
            f"部门：{entry.department}    办理层级：{LEVELS[entry.level]}",
        ]
        if entry.eligibility:
            lines.append(f"申请条件：{entry.eligibility}")
    lines += [_rule(), "请一次备齐以下材料（原件核验后退还）："]
    for n, m in enumerate(entry.materials, 1):
        flags = []
        if m.commitment_allowed:
            flags.append("可书面承诺代替")
        if m.may_be_missing:
            flags.append("可容缺后补")
        line = f"{n:>2}. {m.name}"
        if m.form:
            line += f"：{m.form}"
        lines.append(line)
        extra = "；".join(x for x in (("（" + "、".join(flags) + "）") if flags else "", m.note) if x)
        if m.required_if is not None:
            extra = (extra + "；" if extra else "") + "（视情况需要，代办员会说明）"
        if extra:
            lines.append(f"    {extra}")
    lines.append(_rule())
    for i in items:
        limit = "即办件，当场办结" if i.is_immediate else f"{i.time_limit_days}个工作日"
        fee = i.fee_note or ("不收费" if i.fee == 0 else f"{i.fee}元")
        prefix = f"{i.short_name}：" if len(items) > 1 else ""
        lines.append(f"{prefix}承诺时限：{limit}    收费：{fee}")
        if i.result:
            lines.append(f"{prefix}办理结果：{i.result}")
        if i.process and len(items) == 1:
            lines.append("办理流程：" + " → ".join(i.process))
        if i.legal_basis and len(items) == 1:
            lines.append("设定依据：" + "；".join(i.legal_basis))
    lines += [
        _rule(),
        "由村代办员全程代办，申请人须签署授权委托书。",
        f"服务点：{info.village_name}便民服务代办点（{info.village_code}）",
        f"告知日期：{today.isoformat()}",
        "",
    ]
    return "\n".join(lines)


def receipt(
    summary: Summary,
    events: Sequence[Event],
    entry: ServiceItem,
    info: StoreInfo,
) -> str:
    submitted: dict[str, Any] = next(
        (e.payload for e in events if e.type in ("submitted", "inspection_recorded")), {}
    )
    applicant = submitted.get("applicant", {})
    materials: dict[str, str] = submitted.get("materials", {})
    names = {m.code: m.name for m in entry.materials}
    lines = [
        "收件回执".center(WIDTH - 4),
        _rule("═"),
        f"办件编号：{summary.id}",
        f"事项：{entry.name}",
    ]
    if applicant:
        lines += [
            f"申请人：{applicant.get('name', '')}    身份证号：{mask_id(applicant.get('id_number', ''))}",
        ]
    # The agent's day, as in the application number: created_at is UTC, a day behind before 08:00.
    created = next((e.payload for e in events if e.type == "created"), {})
    intake_day = created.get("intake_date") or summary.created_at[:10]
    lines += [f"收件日期：{intake_day}    当前状态：{STATUS_ZH.get(summary.status, summary.status)}"]
    if materials:
        lines += [_rule(), "材料情况："]
        for code, status in materials.items():
            lines.append(f"  {names.get(code, code)}：{MATERIAL_STATUSES[status]}")
        gaps = [names.get(c, c) for c, s in materials.items() if s == "missing"]
        if gaps:
            lines.append(f"  ※ 容缺材料请在办结前补交：{'、'.join(gaps)}")
        if any(s == "commitment" for s in materials.values()):
            lines.append("  ※ 告知承诺事项如有不实，将撤销办理结果并记入信用记录")
    lines.append(_rule())
    if entry.is_immediate:
        lines.append("承诺时限：即办件")
    else:
        lines.append(f"承诺时限：{entry.time_limit_days}个工作日（自乡镇受理之日起计算）")
        if summary.due_date:
            note = "（节假日安排未公布，按周末估算）" if summary.due_approximate else ""
            lines.append(f"预计办结：{summary.due_date} 前{note}")
    lines += [
        f"代办员：{summary.operator}",
        f"服务点：{info.village_name}便民服务代办点",
        "凭此回执查询办理进度、领取办理结果。",
        "",
    ]
    return "\n".join(lines)
