"""Taking in an application: validate, work out deadlines, read scans, record. Shared by CLI, app and tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from forms.catalog import Catalog
from forms.engine import split_bundle, validate
from forms.errors import Issue, ValidationFailed
from forms.model import Bundle
from forms.workdays import Deadline, WorkingCalendar
from storage import syncstate
from storage.applications import Planned
from storage.attachments import IncomingFile, read_file
from storage.errors import InvalidRequest
from storage.store import Session


@dataclass(frozen=True)
class IntakeResult:
    application_ids: list[str]
    item_codes: list[str]
    deadlines: list[Deadline | None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "applications": [
                {
                    "id": app_id, "item_code": code,
                    "due_date": d.due.isoformat() if d else None,
                    "working_days": d.working_days if d else None,
                    "due_approximate": d.approximate if d else False,
                }
                for app_id, code, d in zip(self.application_ids, self.item_codes, self.deadlines, strict=True)
            ]
        }


def load_data_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidRequest(f"{path}: no such file", f"找不到数据文件：{path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"{path}: {exc}", f"无法读取数据文件 {path}（须为UTF-8编码的JSON）") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"{path}: invalid JSON at line {exc.lineno}",
            f"数据文件 {path.name} 第{exc.lineno}行第{exc.colno}列格式错误：{exc.msg}",
        ) from None


def parse_attach_args(values: Sequence[str]) -> list[IncomingFile]:
    """`LABEL=PATH` or just `PATH` (labelled by its file name)."""
    files = []
    for value in values:
        label, sep, path = value.partition("=")
        if not sep:
            label, path = Path(value).name, value
        files.append(read_file(label.strip(), Path(path)))
    return files


def take(
    session: Session,
    catalog: Catalog,
    calendar: WorkingCalendar,
    code: str,
    data: Any,
    files: Sequence[IncomingFile] = (),
    *,
    authorization: str = "signed",
    today: date | None = None,
) -> IntakeResult:
    """Validate everything first; record only if all of it is good (nothing half-written)."""
    today = today or date.today()
    entry = catalog.get(code)
    names = {f.label for f in files} | {f.name for f in files}
    clean = validate(entry, data, today=today, attachments=names)
    _check_labels(entry, files)
    if isinstance(entry, Bundle):
        parts = split_bundle(entry, clean)
        kinds = ["service"] * len(parts)
        limits = [i.time_limit_days for i in entry.items]
    else:
        parts, kinds, limits = [clean], [entry.kind], [entry.time_limit_days]
    planned = [
        Planned(part, kind, calendar.add_working_days(today, days))
        for part, kind, days in zip(parts, kinds, limits, strict=True)
    ]
    ids = session.record(
        planned, files, bundle_code=entry.code if isinstance(entry, Bundle) else None,
        authorization=authorization, today=today,
    )
    seal_for_sync(session)
    return IntakeResult(ids, [p.clean.item_code for p in planned], [p.deadline for p in planned])


def _check_labels(entry: Any, files: Sequence[IncomingFile]) -> None:
    known = {m.code for m in entry.materials} | {f.name for f in entry.fields if f.type == "attachment"}
    issues = [
        Issue(f"attachments.{f.label}", f"附件标签“{f.label}”不是本事项的材料或附件项；"
              f"可用的标签：{'、'.join(sorted(known)) or '无'}", "unknown")
        for f in files if f.label not in known and f.label != f.name
    ]
    if issues:
        raise ValidationFailed(issues)


def seal_for_sync(session: Session) -> int:
    """Seal new outbox rows to the township (and county) now, while the operator is here.

    Sync then needs no PIN, and this PC cannot read its own outbox. Before
    enrollment nothing is sealed; rows wait, encrypted at rest, and are sealed at
    the first login after enrollment.
    """
    from sync.node import Node
    from sync.village import seal_outbox

    if not any(p.role == "township" for p in syncstate.peers(session.store.database)):
        return 0
    return seal_outbox(Node.of(session))


def correct(
    session: Session,
    catalog: Catalog,
    application_id: str,
    data: Any,
    files: Sequence[IncomingFile] = (),
    *,
    today: date | None = None,
) -> int:
    """Answer a correction request: the whole corrected application, validated, as a new event."""
    today = today or date.today()
    summary, _ = session.show(application_id)
    if summary.status != "correction_requested":
        raise InvalidRequest(
            f"{application_id} is {summary.status}, not awaiting correction",
            f"办件 {application_id} 当前不需要补正（状态：{summary.status}）",
        )
    entry = catalog.item(summary.item_code)
    names = {f.label for f in files} | {f.name for f in files}
    clean = validate(entry, data, today=today, attachments=names)
    seq = session.add_event(application_id, "corrected", {
        "applicant": clean.applicant, "fields": clean.fields, "materials": clean.materials,
        "item_version": clean.item_version, "corrected_on": today.isoformat(),
    })
    seal_for_sync(session)
    return seq
