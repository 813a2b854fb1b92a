"""The command implementations behind `village-agent`: each takes the Context, returns an exit code."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any

from forms.catalog import Catalog
from forms.errors import UnknownItemError
from forms.model import Bundle, ServiceItem
from forms.templates import template
from storage import recovery
from storage.errors import InvalidRequest
from storage.lobby import STORE_FILE
from storage.store import Store
from sync.cli import kdf_for_tests_or_default, open_session, open_store
from sync.cli import operator as operator
from sync.cli import verify as verify
from sync.i18n import priority_words
from sync.receipts import vouch
from village_agent import error_texts as error_texts  # the refusals' words join the catalogue
from village_agent import intake, printing, worklist
from village_agent.i18n import due_text, language, status_text, t, t_in

if TYPE_CHECKING:
    from sync.cli import Context


def catalog(where: Context | Store | None = None) -> Catalog:
    """The catalog in force at this service point: the county's newest release, else the shipped one."""
    from storage import catalogs

    if isinstance(where, Store):
        return where.catalog()
    if where is not None and (where.home / STORE_FILE).exists():
        store = Store.open(where.home)
        try:
            return store.catalog()
        finally:
            store.close()
    return catalogs.shipped()


def init(ctx: Context) -> int:
    operator = getattr(ctx.args, "operator", None)
    if not operator:
        raise InvalidRequest("village.cli.operator_needed")
    pin = ctx.new_pin(operator, env="VILLAGE_AGENT_PIN")
    code = recovery.new_code()
    store = Store.create(
        ctx.home, village_code=ctx.args.village_code, village_name=ctx.args.village_name,
        operator_name=operator, pin=pin, kdf=kdf_for_tests_or_default(), recovery_code=code,
    )
    info = store.info
    ctx.emit(
        {"ok": True, "home": str(ctx.home), **asdict(info), "device_tag": info.device_tag,
         "recovery_code": recovery.grouped(code)},
        lambda: t("init.done", village_name=info.village_name, village_code=info.village_code,
                  device_tag=info.device_tag, operator=operator)
        + "\n\n" + t("recovery.show", code=recovery.grouped(code)),
    )
    return 0


def _recovery_code_input() -> str:
    value = os.environ.get("VILLAGE_AGENT_RECOVERY_CODE")
    if value:
        return value
    if not sys.stdin.isatty():
        raise InvalidRequest("recovery.no_tty")
    return getpass.getpass(t("recovery.prompt"))


def recover(ctx: Context) -> int:
    """A forgotten PIN: the code the township keeps, then a new PIN; nothing else changes."""
    name = getattr(ctx.args, "operator", None) or os.environ.get("VILLAGE_AGENT_OPERATOR")
    if not name:
        raise InvalidRequest("recovery.need_operator")
    store = open_store(ctx)
    code = _recovery_code_input()
    recovery.normalize(code)  # a mistyped code is said before the new PIN is asked
    operator = store.recover(name, code, ctx.new_pin(name))
    ctx.emit({"ok": True, "operator": operator.name},
             lambda: t("recovery.done", name=operator.name))
    return 0


def recovery_code(ctx: Context) -> int:
    if not ctx.args.new:
        store = open_store(ctx)
        has = store.has_recovery_code()
        ctx.emit({"ok": True, "recovery_code": has},
                 lambda: t("recovery.has" if has else "recovery.none"))
        return 0
    session = open_session(ctx)
    code = session.new_recovery_code()
    ctx.emit({"ok": True, "recovery_code": recovery.grouped(code)},
             lambda: t("recovery.replaced") + "\n\n" + t("recovery.show", code=recovery.grouped(code)))
    return 0


def _entry_dict(e: ServiceItem | Bundle) -> dict[str, Any]:
    d: dict[str, Any] = {
        "code": e.code, "kind": e.kind, "name": e.name, "short_name": e.short_name,
        "department": e.department, "level": e.level, "time_limit_days": e.time_limit_days,
        "version": e.version,
    }
    if isinstance(e, Bundle):
        d["items"] = list(e.member_codes)
    return d


def _entry_detail(e: ServiceItem | Bundle) -> dict[str, Any]:
    def field(f: Any) -> dict[str, Any]:
        out = {"name": f.name, "label": f.label, "type": f.type, "required": f.required}
        for attr in ("required_if", "show_if", "calc"):
            if getattr(f, attr) is not None:
                out[attr] = getattr(f, attr).source
        if f.choices:
            out["choices"] = list(f.choices)
        if f.fields:
            out["fields"] = [field(s) for s in f.fields]
        return out

    d = _entry_dict(e)
    d["fields"] = [field(f) for f in e.fields]
    d["materials"] = [
        {"code": m.code, "name": m.name, "form": m.form, "commitment_allowed": m.commitment_allowed,
         "may_be_missing": m.may_be_missing,
         "required_if": m.required_if.source if m.required_if else None}
        for m in e.materials
    ]
    if isinstance(e, ServiceItem):
        d.update(legal_basis=list(e.legal_basis), eligibility=e.eligibility, fee=str(e.fee),
                 fee_note=e.fee_note, process=list(e.process), result=e.result)
    return d


def catalog_cmd(ctx: Context) -> int:
    cat = catalog(ctx)
    action, code = ctx.args.action, ctx.args.code
    if action in ("list", "search"):
        from forms.search import search_catalog  # pypinyin's dictionary: load only when searching

        entries = search_catalog(cat, code) if code else cat.entries()
        ctx.emit(
            [_entry_dict(e) for e in entries],
            lambda: "\n".join(
                f"{e.code:<12}{e.department:<6}{_level(e.level):<4}"
                f"{t('cli.immediate') if e.time_limit_days == 0 else t('cli.workdays', n=e.time_limit_days):<8}"
                f"{e.name}"
                for e in entries
            ) or "—",
        )
        return 0
    if not code:
        raise InvalidRequest("village.cli.item_needed")
    entry = cat.get(code)
    if action == "show":
        ctx.emit(_entry_detail(entry), lambda: printing.notice(entry, _info_or_blank(ctx), today=date.today()))
        return 0
    village = _info_or_blank(ctx).village_code or "430481101201"
    data = template(entry, village_code=village, today=date.today())
    ctx.emit(data, lambda: __import__("json").dumps(data, ensure_ascii=False, indent=2))
    return 0


def _level(level: str) -> str:
    return t(f"print.level.{level}") if level in ("village", "township", "county") else ""


def _approximate(d: Any) -> str:
    """The warning under a deadline counted over a year without a holiday table."""
    return t("cli.calendar.approximate", years=t("app.sep.list").join(str(y) for y in d.unknown_years))


def _info_or_blank(ctx: Context) -> Any:
    from storage.store import StoreInfo

    try:
        store = Store.open(ctx.home)
    except Exception:
        return StoreInfo("", t("cli.this_village"), "", "")
    return store.info


def apply(ctx: Context) -> int:
    data = intake.load_data_file(ctx.args.data)
    files = intake.parse_attach_args(ctx.args.attach)
    entry = catalog(ctx).get(ctx.args.item)  # unknown item: fail before asking for a PIN
    chosen = priority_args(ctx.args.priority)  # so is an unknown 绿色通道 ground
    session = open_session(ctx)
    result = intake.take(
        session, catalog(session.store), session.calendar(), entry.code, data, files,
        authorization=ctx.args.authorization, today=ctx.args.date, priority=chosen,
    )

    def text() -> str:
        lines = []
        if result.priority:
            lines.append(t("priority.taken", grounds=priority_words(result.priority)))
        for app_id, code, d in zip(result.application_ids, result.item_codes, result.deadlines, strict=True):
            item = catalog(ctx).item(code)
            if d is None or d.working_days == 0:
                lines.append(t("apply.done_immediate", id=app_id, item=item.name))
            else:
                lines.append(t("apply.done", id=app_id, item=item.name, days=d.working_days,
                               due=d.due.isoformat()))
                if d.approximate:
                    lines.append("  " + _approximate(d))
        return "\n".join(lines)

    ctx.emit({"ok": True, **result.as_dict()}, text)
    return 0


def priority_args(values: list[str]) -> list[str]:
    """`--priority 残 --priority military` or `--priority 残,军`: the grounds as keys, checked."""
    words = [w for v in values for w in v.replace(t_in("zh", "priority.sep"), ",").split(",") if w.strip()]
    chosen = [intake.priority_ground(w) for w in words]
    intake.priority_grounds({}, chosen, date.today())  # refuses an unknown one in the user's words
    return chosen


def applicant(ctx: Context) -> int:
    if ctx.args.id_number in ("update", "history"):
        return _applicant_registry(ctx, ctx.args.id_number)
    session = open_session(ctx)
    found = session.find_applicant(ctx.args.id_number)
    if found is None:
        ctx.emit({"ok": True, "found": False}, lambda: t("applicant.none"))
        return 0
    person = found["applicant"]
    ctx.emit(
        {"ok": True, "found": True, **found},
        lambda: f"{person.get('name')}  {person.get('sex', '')}  {person.get('birth_date', '')}  "
        f"{person.get('phone', '')}\n" + t("cli.applicant_known", n=len(found.get("fields", {}))),
    )
    return 0


def _applicant_registry(ctx: Context, action: str) -> int:
    """`applicant update --id-number N --name ...` (explicit, audited) and `applicant history`."""
    person = ctx.args.person
    if not person:
        raise InvalidRequest("applicant.need_id")
    changes = {k: getattr(ctx.args, k) for k in ("name", "address", "phone", "village_group")
               if getattr(ctx.args, k) is not None}
    session = open_session(ctx)
    if action == "update":
        version = session.update_applicant(person, **changes)
        ctx.emit({"ok": True, "changed": sorted(changes), "applicant": version.applicant},
                 lambda: t("applicant.updated", name=version.applicant.get("name", "")))
        return 0
    versions = session.applicant_history(person)
    ctx.emit(
        [{"source": v.source, "at": v.created_at, "applicant": v.applicant,
          "applications": list(v.applications)} for v in versions],
        lambda: "\n".join(
            t("applicant.version", at=printing.local_time(v.created_at, with_time=True),
              source=t(f"applicant.source.{v.source}"), name=v.applicant.get("name", ""),
              address=v.applicant.get("address", "") or "—",
              cases=t("app.sep.list").join(v.applications) or "—")
            for v in versions) or t("applicant.none"),
    )
    return 0


def list_applications(ctx: Context) -> int:
    session = open_session(ctx)
    rows = session.list(status=ctx.args.status, item_code=ctx.args.item, kind=ctx.args.kind)

    owing = worklist.owed_by_case(session.owed_materials())
    today = date.today()

    def text() -> str:
        if not rows:
            return t("list.empty")
        lines = []
        for r in rows:
            lines.append(
                f"{r.id}  {r.item_code:<10} {status_text(r.status):<6} {r.applicant_name:<6} "
                + (t("priority.badge") + " " if r.priority else "")
                + t("cli.list_dates", day=printing.local_time(r.created_at),
                    due=due_text(r.due_date, r.due_approximate)))
            entry = _entry_or_none(ctx, r.item_code)
            lines += ["    " + printing.owed_text(o, entry, today) for o in owing.get(r.id, [])]
        return "\n".join(lines)

    ctx.emit([{**r.as_dict(), "owed": [o.as_dict() for o in owing.get(r.id, [])]} for r in rows],
             text)
    return 0


def _entry_or_none(ctx: Context, code: str) -> ServiceItem | Bundle | None:
    try:
        return catalog(ctx).get(code)
    except UnknownItemError:
        return None


def show(ctx: Context) -> int:
    session = open_session(ctx)
    summary, events = session.show(ctx.args.id)
    owed = session.owed_materials(summary.id)
    data = {**summary.as_dict(), "owed": [o.as_dict() for o in owed], "events": [
        {"type": e.type, "seq": e.seq, "device_id": e.device_id, "hlc": e.hlc,
         "recorded_at": e.recorded_at, "payload": e.payload} for e in events
    ]}

    def text() -> str:
        item = catalog(ctx).get(summary.item_code)
        lines = [
            t("print.receipt.id", id=summary.id), t("print.receipt.item", name=item.name),
            t("cli.show.applicant", name=summary.applicant_name or "—"),
            t("cli.show.status", status=status_text(summary.status)),
            t("cli.show.due", due=due_text(summary.due_date, summary.due_approximate, long=True)),
        ]
        grounds = printing.filed_priority(events)
        if grounds:
            lines.append(t("priority.grounds", grounds=priority_words(grounds)))
        if owed:
            lines.append(t("cli.show.owed"))
            lines += ["  " + printing.owed_text(o, item, date.today()) for o in owed]
        lines.append(t("cli.show.events"))
        lines += [f"  {printing.local_time(e.recorded_at, with_time=True)}  {printing.event_zh(e.type, e.payload, item)}"
                  for e in events]
        followup = printing.followup_lines(events)  # a bad rating: what to tell the villager
        lines += followup[:1] + ["  " + line for line in followup[1:]]
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def _output_document(ctx: Context, ident: dict[str, str], doc: printing.Document) -> int:
    """A printable text: JSON with the text, a file given by --out, or the terminal; and a PDF
    when --pdf, --print or --open asks for one (exit 1 if it could not be printed or opened)."""
    text = doc.text()
    made = _output_pdf(ctx, doc) if ctx.args.pdf or ctx.args.print_pdf or ctx.args.open_pdf else None
    if ctx.json:
        ctx.emit({**ident, "text": text, **(made or {})}, lambda: text)
    elif ctx.args.out:
        try:
            ctx.args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InvalidRequest("village.cli.not_written", path=ctx.args.out, detail=exc.strerror) from None
        ctx.out(t("cli.written", path=ctx.args.out))
    elif made is None:
        ctx.out(text)
    if made is None:
        return 0
    if not ctx.json:
        for line in made["messages"]:
            ctx.out(line)
    return 0 if made["ok"] else 1


def _output_pdf(ctx: Context, doc: printing.Document) -> dict[str, Any]:
    """Write the PDF (to --pdf, else a dated name in the current folder), then print or open it."""
    from pathlib import Path

    from village_agent import pdf, printer

    path = ctx.args.pdf or Path.cwd() / pdf.file_name([doc], date.today())
    pdf.write_pdf([doc], path)
    made: dict[str, Any] = {"pdf": str(path), "ok": True, "messages": [t("pdf.saved", path=path)]}
    for wanted, key, hand_on in ((ctx.args.print_pdf, "printed", printer.send_to_printer),
                                 (ctx.args.open_pdf, "opened", printer.open_file)):
        if wanted:
            handoff = hand_on(path)
            made[key] = handoff.done
            made["ok"] = made["ok"] and handoff.done
            made["messages"].append(handoff.message)
    return made


def notice(ctx: Context) -> int:
    entry = catalog(ctx).get(ctx.args.code)
    doc = printing.notice_document(entry, _info_or_blank(ctx), today=date.today())
    return _output_document(ctx, {"code": entry.code}, doc)


def receipt(ctx: Context) -> int:
    session = open_session(ctx)
    summary, events = session.show(ctx.args.id)
    doc = vouch(session, printing.receipt_document(summary, events, catalog(ctx).item(
        summary.item_code), session.store.info), summary, events)  # signed: the villager's proof
    code = _output_document(ctx, {"id": summary.id}, doc)  # a PDF that failed was not printed
    session.log("application.receipt_printed", summary.id)
    return code


def authorisation(ctx: Context) -> int:
    """授权委托书 for one case, filled from its filing, to be signed (or thumbprinted) and kept."""
    session = open_session(ctx)
    summary, events = session.show(ctx.args.id)
    entry = intake.filed_on(session, catalog(session.store), summary.item_code, summary.item_version)
    doc = vouch(session, printing.authorisation_document(summary, events, entry, session.store.info),
                summary, events)
    code = _output_document(ctx, {"id": summary.id}, doc)
    session.log("application.authorisation_printed", summary.id)
    return code


def decision_notice(ctx: Context) -> int:
    """The 办结通知书 or 不予受理通知书 once the decision has arrived: the very lines the center prints."""
    from sync.paper.decisions import read_notice

    session = open_session(ctx)
    doc = vouch(session, read_notice(session, ctx.args.id))
    code = _output_document(ctx, {"id": doc.reference, "kind": doc.kind}, doc)
    session.log("notice.printed", doc.reference, "cli")
    return code


def check_receipt(ctx: Context) -> int:
    """真实 / 不符 / 不是本服务点开具: a code checked against this device's own key (no PIN needed)."""
    from sync.cli import EXIT_VERIFY
    from sync.receipts import check, checked_lines

    checked = check(open_store(ctx), " ".join(ctx.args.text))
    ctx.emit(checked.as_dict(), lambda: "\n".join(checked_lines(checked)))
    return 0 if checked.trusted else EXIT_VERIFY


def demo(ctx: Context) -> int:
    """A throw-away village point and township center on loopback, with a morning's work."""
    from village_agent import demo as demo_module

    return demo_module.run(ctx, kdf_for_tests_or_default())


def calendar_cmd(ctx: Context) -> int:
    """Holiday tables: see a year, import the county's announcement, work out a deadline."""
    from forms.errors import CatalogError
    from forms.workdays import YearTable

    session = open_session(ctx)
    action = ctx.args.action
    if action == "import":
        if not ctx.args.file:
            raise InvalidRequest("village.cli.calendar_needed")
        try:
            table = YearTable.from_file(ctx.args.file)
        except CatalogError as exc:
            raise InvalidRequest("village.cli.calendar_bad", detail=str(exc)) from None
        session.import_calendar(table)
        ctx.emit({"ok": True, **table.as_mapping()},
                 lambda: t("cli.calendar.imported", year=table.year, holidays=len(table.holidays),
                           workdays=len(table.workdays)))
        return 0
    cal = session.calendar()
    if action == "deadline":
        start = ctx.args.start or date.today()
        d = cal.add_working_days(start, ctx.args.days)
        ctx.emit({"from": start.isoformat(), "working_days": d.working_days, "due": d.due.isoformat(),
                  "approximate": d.approximate, "unknown_years": list(d.unknown_years)},
                 lambda: t("cli.calendar.deadline", start=start, days=d.working_days, due=d.due) + (
                     "\n" + _approximate(d) if d.approximate else ""))
        return 0
    year = ctx.args.year or date.today().year
    known = cal.tables.get(year)
    if known is None:
        ctx.emit({"year": year, "known": False},
                 lambda: t("cli.calendar.unknown", year=year, first=cal.known_years[0],
                           last=cal.known_years[-1]))
        return 0
    ctx.emit({"known": True, **known.as_mapping()},
             lambda: t("cli.calendar.year", year=year,
                       holidays=t("app.sep.list").join(sorted(d.strftime("%m-%d") for d in known.holidays)),
                       workdays=t("app.sep.list").join(sorted(d.strftime("%m-%d") for d in known.workdays))))
    return 0


def enroll(ctx: Context) -> int:
    from village_agent import syncjobs  # the same jobs as the app's setup wizard and sync screen

    session = open_session(ctx)
    if ctx.args.request_file:
        path = syncjobs.write_enrollment_request(session.store, ctx.args.code, ctx.args.request_file)
        ctx.emit({"ok": True, "request_file": str(path)},
                 lambda: t("enroll.request_written", path=path))
        return 0
    if ctx.args.answer_file:
        done = syncjobs.enroll_by_answer_file(session, ctx.args.answer_file, ctx.args.code,
                                              ctx.args.township or "")
    elif ctx.args.township:
        done = syncjobs.enroll_by_code(session, ctx.args.township, ctx.args.code)
    else:
        raise InvalidRequest("village.cli.township_needed")
    ctx.emit(
        {"ok": True, "township": done.township_device, "township_fingerprint": done.township,
         "county_fingerprint": done.county, "device_fingerprint": done.device,
         "serial": done.serial},
        lambda: "\n".join(done.lines()),
    )
    return 0


def sync(ctx: Context) -> int:
    from sync.client import sync_once

    if ctx.args.unattended:  # a scheduled task: moves sealed bytes only, needs no PIN
        store = open_store(ctx)  # a center's home is refused here too
        report = sync_once(store, force=True)
    else:  # an operator is here: also seal what waits and file the decisions that come back
        session = open_session(ctx)
        report = sync_once(session.store, session=session, force=True)

    def text() -> str:
        from village_agent.syncjobs import sync_summary

        if not report.ok:
            return report.message(language())
        return sync_summary(report) + ("\n" + t("sync.unattended_note") if ctx.args.unattended
                                       and report.downstream_new else "")

    ctx.emit(report.as_dict(), text)
    return 0 if report.ok else 5


def correct(ctx: Context) -> int:
    data = intake.load_data_file(ctx.args.data)
    files = intake.parse_attach_args(ctx.args.attach)
    session = open_session(ctx)
    seq = intake.correct(session, catalog(session.store), ctx.args.id, data, files)
    ctx.emit({"ok": True, "id": ctx.args.id, "seq": seq},
             lambda: t("correct.done", id=ctx.args.id))
    return 0


def supply(ctx: Context) -> int:
    """An owed material (容缺, 告知承诺) handed in: its scan attached, sent up at the next sync."""
    files = intake.parse_attach_args(ctx.args.attach)
    session = open_session(ctx)
    day = ctx.args.date or date.today()
    seq = intake.supply(session, catalog(session.store), ctx.args.id, ctx.args.material, files,
                        today=day)
    summary, _ = session.show(ctx.args.id)
    what = printing.material_name(_entry_or_none(ctx, summary.item_code), ctx.args.material.strip())
    ctx.emit({"ok": True, "id": summary.id, "seq": seq, "material": ctx.args.material.strip(),
              "supplied_on": day.isoformat()},
             lambda: t("supply.done", id=summary.id, what=what, day=day.isoformat()))
    return 0


def deliver(ctx: Context) -> int:
    """The result (or the rejection notice) handed to the villager; once."""
    session = open_session(ctx)
    seq = intake.deliver(session, ctx.args.id, how=ctx.args.how, to_whom=ctx.args.to or "",
                         note=ctx.args.note or "")
    summary, _ = session.show(ctx.args.id)
    ctx.emit({"ok": True, "id": summary.id, "seq": seq, "status": summary.status,
              "how": ctx.args.how},
             lambda: t("deliver.done", id=summary.id, how=t(f"deliver.how.{ctx.args.how}")))
    return 0


def decide(ctx: Context) -> int:
    """放权下沉: a village-decided case completed or rejected here, reported to the township."""
    from village_agent import deciding

    note = deciding.check_decision(ctx.args.decision, ctx.args.note)  # before asking for a PIN
    session = open_session(ctx)
    seqs = deciding.decide(session, catalog(session.store), ctx.args.id, ctx.args.decision, note)
    summary, _ = session.show(ctx.args.id)
    ctx.emit({"ok": True, "id": summary.id, "seqs": list(seqs), "status": summary.status,
              "decision": ctx.args.decision},
             lambda: t(f"decide.done.{ctx.args.decision}", id=summary.id))
    return 0


def rate(ctx: Context) -> int:
    """The villager's rating after delivery: a level 1..5, reasons from the list, a note."""
    from sync.i18n import rating_words

    rating = intake.check_rating(ctx.args.level, ctx.args.reason or [], ctx.args.note or "")
    session = open_session(ctx)  # the rating was checked before asking for a PIN
    seq = intake.rate(session, ctx.args.id, rating)
    summary, _ = session.show(ctx.args.id)
    payload = rating.payload(date.today())
    ctx.emit({"ok": True, "id": summary.id, "seq": seq, "status": summary.status,
              "rating": rating.level, "reasons": list(rating.reasons), "note": rating.note},
             lambda: t("rate.done", id=summary.id, rating=rating_words(payload)))
    return 0


def complain(ctx: Context) -> int:
    """投诉: the villager's complaint about a case, sent up at the next sync; its number to give."""
    from village_agent import complaining

    text = complaining.check_complaint(ctx.args.text)  # before asking for a PIN
    done = complaining.complain(open_session(ctx), ctx.args.id, text)
    ctx.emit({"ok": True, "id": done.application_id, "complaint_id": done.complaint_id,
              "seq": done.seq},
             lambda: t("complain.done", id=done.application_id, complaint=done.complaint_id))
    return 0


def export(ctx: Context) -> int:
    from village_agent import syncjobs

    report = syncjobs.export_to_folder(open_session(ctx), ctx.args.to)
    ctx.emit({"ok": True, **report.__dict__}, lambda: syncjobs.exported_text(report, ctx.args.to))
    return 0


def import_(ctx: Context) -> int:
    from village_agent import syncjobs

    report = syncjobs.import_from_folder(open_session(ctx), ctx.args.folder)
    ctx.emit({"ok": not report.refused, **report.__dict__},
             lambda: syncjobs.imported_text(report))
    return 0 if not report.refused else 1
