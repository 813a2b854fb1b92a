"""`service-center`: a township or county center, headless: set up, serve, enroll villages, decide cases."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from center import cli_texts as cli_texts  # the command line's words, added to the shared catalogue
from center import texts as texts  # the center's words, added to the shared catalogue
from center.outfiles import out_file as _out_file
from center.outfiles import write_new as _write_new
from storage import sync_alarms, sync_peers, sync_received
from storage.errors import InvalidRequest
from storage.operators import manager_role
from storage.store import Store
from sync import cli as commands
from sync.cli import Context, dispatch, kdf_for_tests_or_default, open_session
from sync.i18n import due_text, language, status_text, t


def _node(ctx: Context) -> Any:
    from sync.node import Node

    session = open_session(ctx)  # a village point's home is refused before the PIN
    sync_received.link_applicants(session.store.database, session.keys)  # once, for older stores
    return Node.of(session)


def init(ctx: Context) -> int:
    operator = getattr(ctx.args, "operator", None)
    if not operator:
        raise InvalidRequest("center.cli.operator_needed")
    store = Store.create(
        ctx.home, village_code=ctx.args.code, village_name=ctx.args.name, operator_name=operator,
        pin=ctx.new_pin(operator, env="VILLAGE_AGENT_PIN"), kdf=kdf_for_tests_or_default(),
        node=ctx.args.level, database=getattr(ctx.args, "database", None),
    )
    from sync.keys import PublicIdentity

    fp = PublicIdentity.from_dict(store.device_public()).fingerprint()
    ctx.emit({"ok": True, "level": ctx.args.level, "code": ctx.args.code, "fingerprint": fp,
              "operator": operator, "role": manager_role(ctx.args.level)},
             lambda: t("center.init_done", center=t(f"node.{ctx.args.level}"), name=ctx.args.name,
                       code=ctx.args.code, operator=operator, fingerprint=fp))
    return 0


def serve(ctx: Context) -> int:
    from center.server import serve as run
    from center.upstream import forwarding

    node = _node(ctx)
    from center import supervision

    supervision.backfill(node)  # cases filed before supervision: counted once, then nothing
    forward = forwarding(node) if node.kind == "township" else None
    if forward is not None:
        forward.start()

    cert, key = ctx.args.tls_cert, ctx.args.tls_key
    if bool(cert) != bool(key):
        raise InvalidRequest("center.cli.tls_pair")
    for path in (cert, key):
        if path and not Path(path).is_file():
            raise InvalidRequest("center.cli.no_file", path=path)
    scheme = "https" if cert else "http"

    def ready() -> None:
        base = f"{scheme}://{ctx.args.host}:{ctx.args.port}"
        print(f"READY {base}  " + t("center.ready", fingerprint=node.identity.fingerprint()), flush=True)
        print(t("console.address", url=f"{base}/console/"), flush=True)

    from center.backup import hold_serve_lock

    try:
        with hold_serve_lock(ctx.home):  # `restore` refuses while this is held
            run(node, ctx.args.host, ctx.args.port, on_ready=ready, tls_cert=cert, tls_key=key,
                on_stored=forward.wake if forward is not None else None)
    finally:
        if forward is not None:
            forward.stop()
    return 0


def import_usb(ctx: Context) -> int:
    from center.usb import ANSWERED_BEFORE, import_center
    from sync.cli import stick_folder
    from sync.errors import reason_text
    from sync.i18n import language

    folder = stick_folder(ctx.args.folder)
    if not any(folder.glob("up-*.vab")):
        raise InvalidRequest("center.usb_none", folder=folder)
    report = import_center(_node(ctx), folder)
    lang = language()
    refused_files = {name for name, _ in report.refused_files}
    by_message: dict[tuple[str, str], int] = {}
    for entry in report.refused:
        name, _, reason = entry.partition(": ")
        if name not in refused_files:
            by_message[(name, reason)] = by_message.get((name, reason), 0) + 1
    faults = [u for u in report.unanswered if u[2] != ANSWERED_BEFORE]

    def text() -> str:
        lines = [t("center.usb_imported", files=len(report.files), stored=report.stored,
                   duplicates=report.duplicates)
                 + (t("center.usb_already", n=report.already_imported)
                    if report.already_imported else "")]
        lines += [t("center.usb_file_refused", name=name, reason=reason_text(reason, lang))
                  for name, reason in report.refused_files]
        lines += [t("center.usb_message_refused", name=name, n=n, reason=reason_text(reason, lang))
                  for (name, reason), n in by_message.items()]
        lines += [t("center.usb_answered_before", name=name) if reason == ANSWERED_BEFORE
                  else t("center.usb_unanswered", name=name, device=device,
                         reason=reason_text(reason, lang))
                  for name, device, reason in report.unanswered]
        if report.answers:
            lines.append(t("center.usb_answers", n=len(report.answers)))
        return "\n".join(lines)

    ok = not report.refused and not faults
    ctx.emit({"ok": ok, **report.__dict__}, text)
    return 0 if ok else 1


def enroll_file(ctx: Context) -> int:
    import json

    from center.enroll import redeem
    from forms import strictjson
    from sync.usb import write_atomic

    try:
        request = strictjson.loads(ctx.args.request.read_bytes(), max_depth=4,
                                   max_bytes=64 * 1024)
    except (OSError, ValueError):
        raise InvalidRequest("center.cli.request_unreadable", path=ctx.args.request) from None
    answer = redeem(_node(ctx), request)
    out = ctx.args.request.with_name(ctx.args.request.stem + ".answer.json")
    write_atomic(out, json.dumps(answer, ensure_ascii=False).encode())
    ctx.emit({"ok": True, "answer_file": str(out)}, lambda: t("center.enroll_answered", path=out))
    return 0


def publish_calendar(ctx: Context) -> int:
    from center.publish import publish_calendar as publish
    from forms.errors import CatalogError
    from forms.workdays import YearTable

    try:
        table = YearTable.from_file(ctx.args.file)
    except CatalogError as exc:
        raise InvalidRequest("center.cli.calendar_bad", detail=str(exc)) from None
    count = publish(_node(ctx), table)
    ctx.emit({"ok": True, "year": table.year, "townships": count},
             lambda: t("center.calendar_published", year=table.year, n=count))
    return 0


def publish_catalog(ctx: Context) -> int:
    from center.publish import publish_catalog as publish

    serial, count, version = publish(_node(ctx), ctx.args.folder)
    ctx.emit({"ok": True, "serial": serial, "version": version, "townships": count},
             lambda: t("center.catalog_published", serial=serial, version=version, n=count))
    return 0


def catalog_releases(ctx: Context) -> int:
    from storage import catalogs

    node = _node(ctx)
    rows = catalogs.releases(node.session.store.database)
    ctx.emit([r.__dict__ for r in rows],
             lambda: "\n".join(t("center.catalog_release", serial=r.serial, version=r.version,
                                 files=r.items, at=r.published_at)
                               for r in rows) or t("center.no_releases"))
    return 0


def prune(ctx: Context) -> int:
    from center.ingest import prune as prune_queue

    if ctx.args.keep_days < 0:
        raise InvalidRequest("center.cli.keep_days_negative")
    removed = prune_queue(_node(ctx), ctx.args.keep_days)
    ctx.emit({"ok": True, "removed": removed, "keep_days": ctx.args.keep_days},
             lambda: t("center.pruned", n=removed, days=f"{ctx.args.keep_days:g}"))
    return 0


def link(ctx: Context) -> int:
    from sync.client import enroll_online

    node = _node(ctx)
    done = enroll_online(node.session, ctx.args.county, ctx.args.code)
    ctx.emit({"ok": True, "county": done.issuer.device_id,
              "county_fingerprint": done.issuer.fingerprint(),
              "fingerprint": node.identity.fingerprint()},
             lambda: t("center.linked", mine=node.identity.fingerprint(),
                       county=done.issuer.fingerprint()))
    return 0


def forward(ctx: Context) -> int:
    from center.upstream import forward_once

    report = forward_once(_node(ctx))
    ctx.emit(report.__dict__,
             lambda: t("center.forwarded", forwarded=report.forwarded,
                       acknowledged=report.acknowledged, down=report.decisions_down,
                       statuses=report.statuses) if report.ok
             else t("center.forward_failed", error=report.error))
    return 0 if report.ok else 5


def enroll_code(ctx: Context) -> int:
    from center.enroll import issue_code

    code = issue_code(_node(ctx), ctx.args.village_code, hours=ctx.args.hours)
    ctx.emit({"ok": True, "code": code, "village_code": ctx.args.village_code,
              "hours": ctx.args.hours},
             lambda: t("center.enroll_code", village=ctx.args.village_code, code=code,
                       hours=ctx.args.hours))
    return 0


def devices(ctx: Context) -> int:
    node = _node(ctx)
    from sync import clock

    rows = sync_peers.peers(node.session.store.database, "village")

    def line(p: sync_peers.Peer) -> str:
        text = f"{p.device_id}  {p.village_code}  " + t(
            "center.device_revoked" if p.revoked else "center.device_active")
        if clock.off(p.clock_skew_ms):
            assert p.clock_skew_ms is not None  # ours minus theirs: positive, theirs is slow
            text += "  " + t("center.device_clock", minutes=clock.minutes(p.clock_skew_ms),
                             direction=t("center.clock_behind" if p.clock_skew_ms > 0
                                         else "center.clock_ahead"))
        return text

    ctx.emit([{"device_id": p.device_id, "village_code": p.village_code, "revoked": p.revoked,
               "last_seen_at": p.last_seen_at, "clock_skew_ms": p.clock_skew_ms,
               "clock_off": clock.off(p.clock_skew_ms)} for p in rows],
             lambda: "\n".join(line(p) for p in rows) or t("center.no_devices"))
    return 0


def revoke(ctx: Context) -> int:
    from center.revocation import revoke as revoke_device

    version = revoke_device(_node(ctx), ctx.args.device)
    ctx.emit({"ok": True, "revoked": ctx.args.device, "list_version": version},
             lambda: t("center.revoked", device=ctx.args.device, version=version))
    return 0


LIST_PAGE = 50  # the listing's page, as the console's worklist
EXPORT_BATCH = 500  # --all reads (and decrypts) this many at a time, printing each as it goes


def applications(ctx: Context) -> int:
    """The cases, open 绿色通道 ones first then newest: a page (`--after` the next), or `--all`
    streamed; keyset pages over the listing's index, so each costs a page at any depth."""
    import json
    import sys

    from storage import applications as listing
    from storage import keyset
    from sync.items import decided_at

    try:
        after = (keyset.decode(ctx.args.after, listing.PRIORITY_TERMS) if ctx.args.after
                 else None)
    except ValueError:
        raise InvalidRequest("center.bad_cursor") from None
    node = _node(ctx)
    catalog = node.session.store.catalog()

    def page(start: Any, size: int) -> list[Any]:
        found: list[Any] = node.session.list(status=ctx.args.status, priority_first=True,
                                             after=start, limit=size)
        return found

    def as_dict(r: Any) -> dict[str, Any]:
        # 放权下沉: cases the village decided, filed here for supervision (counted like the rest).
        return {**r.as_dict(), "status_text": status_text(r.status, node.kind),
                "decided_at": "village" if decided_at(r.item_code, catalog) == "village"
                else node.kind}

    def line(r: Any) -> str:
        return (f"{r.id}  {r.item_code:<10} {status_text(r.status, node.kind):<6}"
                f" {r.applicant_name or '—':<6} "
                + (t("priority.badge") + " " if r.priority else "")
                + (t("center.village_decided_badge") + " "
                   if decided_at(r.item_code, catalog) == "village" else "")
                + t("center.due", due=due_text(r.due_date, r.due_approximate)))

    if ctx.args.all:  # a full export: batch by batch, never the whole list in memory
        first = True
        if ctx.json:
            sys.stdout.write("[")
        while True:
            rows = page(after, EXPORT_BATCH)
            for r in rows:
                if ctx.json:
                    sys.stdout.write(("\n" if first else ",\n")
                                     + json.dumps(as_dict(r), ensure_ascii=False, default=str))
                else:
                    ctx.out(line(r))
                first = False
            if len(rows) < EXPORT_BATCH:
                break
            after = listing.listing_key(rows[-1], True)
        if ctx.json:
            sys.stdout.write("\n]\n")
        elif first:
            ctx.out(t("list.empty"))
        sys.stdout.flush()
        return 0
    rows = page(after, LIST_PAGE + 1)
    more, rows = len(rows) > LIST_PAGE, rows[:LIST_PAGE]
    hint = (t("center.list_more", n=len(rows),
              after=keyset.encode(listing.listing_key(rows[-1], True))) if more else "")
    ctx.emit([as_dict(r) for r in rows],
             lambda: "\n".join([*(line(r) for r in rows), *([hint] if hint else [])])
             or t("list.empty"))
    if hint and ctx.json:
        print(hint, file=sys.stderr)  # stdout stays the page's JSON list
    return 0


def show(ctx: Context) -> int:
    """One case as a clerk reads it before deciding (center/cases.py assembles it; audited)."""
    from center.cases import read_case

    case = read_case(_node(ctx).session, ctx.args.id, via="cli")
    ctx.emit(case.as_dict(), lambda: show_text(case))
    return 0


def show_text(case: Any) -> str:
    due = t("center.show.due", due=case.due_text)
    if case.days_left is not None:
        due += (t("center.show.days_left", n=case.days_left) if case.days_left > 0
                else t("center.show.due_today") if case.days_left == 0
                else t("center.show.overdue", n=-case.days_left))
    lines = [t("center.show.id", id=case.id),
             t("center.show.item", name=case.item_name, code=case.item_code,
               version=case.item_version),
             t("center.show.village", village=case.village_code or "—"),
             t("center.show.status", status=case.status_text), due]
    if case.priority_text:
        lines.append(case.priority_text)
    if case.due_approximate:
        lines.append(t("center.show.approximate"))

    def block(title: str, rows: list[str]) -> None:
        lines.append(t(title))
        lines.extend(f"  {row}" for row in rows or [t("center.show.none")])

    block("center.show.applicant",
          [t("center.show.pair", label=e.label, value=e.value) for e in case.applicant])
    block("center.show.fields",
          [t("center.show.pair", label=e.label, value=e.value) for e in case.fields])
    block("center.show.materials",
          [t("center.show.material", name=m.name, code=m.code, state=m.state_text)
           for m in case.materials])
    if case.owed:
        lines.append("  " + t("center.show.owed",
                              names=t("app.sep.list").join(m.name for m in case.owed)))
    block("center.show.attachments",
          [t("center.show.attachment", code=a.material, material=a.material_name, name=a.name,
             size=_size(a.size)) for a in case.attachments])
    if case.attachments:
        lines.append("  " + t("center.show.hint", id=case.id))
    block("center.show.timeline", [f"{s.local_time}  {s.by}  {s.what}" for s in case.timeline])
    return "\n".join(lines)


def _size(size: int) -> str:
    if size < 1024:
        return t("center.size_bytes", n=size)
    if size < 1024 * 1024:
        return t("center.size_kb", kb=f"{size / 1024:.1f}")
    return t("center.size_mb", mb=f"{size / 1048576:.1f}")


def attachment(ctx: Context) -> int:
    """A case's scan written to a file, decrypted (audited as attachment.opened)."""
    from center.cases import open_attachment

    out = _out_file(ctx.args.out, ctx.args.force)
    opened = open_attachment(_node(ctx).session, ctx.args.id, ctx.args.material,
                             which=ctx.args.which, via="cli")
    _write_new(out, opened.content, ctx.args.force)
    scan = opened.attachment
    ctx.emit({"ok": True, "id": ctx.args.id.strip(), "material": scan.material,
              "name": scan.name, "size": scan.size, "media_type": scan.media_type,
              "out": str(out)},
             lambda: t("center.attachment_written", id=ctx.args.id.strip(), material=scan.material,
                       name=scan.name, size=_size(scan.size), path=out))
    return 0


def notice(ctx: Context) -> int:
    """The decision notice of a completed or rejected case as an A4 PDF (audited as notice.printed).

    The same builder and layout as the village's (sync/paper/decisions.py). The file is checked
    before the PIN, written whole or not at all, and replaced only with --force.
    """
    from sync.paper.decisions import read_notice
    from sync.paper.fonts import find_cjk_font
    from sync.paper.pdf import render

    out = _out_file(ctx.args.out, ctx.args.force)
    from sync.receipts import vouch

    session = _node(ctx).session
    document = vouch(session, read_notice(session, ctx.args.id))  # signed by this center
    data = render([document], find_cjk_font())
    _write_new(out, data, ctx.args.force)
    session.log("notice.printed", document.reference, "cli")
    ctx.emit({"ok": True, "id": document.reference, "kind": document.kind, "out": str(out),
              "size": len(data)},
             lambda: t("notice.written", title=document.title, id=document.reference, path=out))
    return 0


def check_receipt(ctx: Context) -> int:
    """Whether a receipt's or notice's code is genuine, who issued it, and whether it matches the
    case held here (audited as receipt.checked). Exit 0 genuine, 4 not."""
    from sync.cli import EXIT_VERIFY
    from sync.receipts import check, checked_lines

    session = _node(ctx).session
    checked = check(session.store, " ".join(ctx.args.text), session)
    ctx.emit(checked.as_dict(), lambda: "\n".join(checked_lines(checked)))
    return 0 if checked.trusted else EXIT_VERIFY


def _tagged(kind: str) -> Callable[[str], tuple[str, str]]:
    return lambda value: (kind, value)


def correction_reasons(given: Sequence[tuple[str, str]]) -> list[str | dict[str, str]]:
    """`--reason TEXT`, `--field NAME=TEXT`, `--material CODE=TEXT`, kept in the order given.

    Whether the named field or material exists is for `sync.center.decide` to check
    against the application's item, so every way of deciding is held to it.
    """
    out: list[str | dict[str, str]] = []
    for kind, value in given:
        if not kind:
            out.append(value)
            continue
        name, sep, text = value.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise InvalidRequest("center.reason_format", option=kind, value=value)
        out.append({kind: name.strip(), "text": text.strip()})
    if not out:
        raise InvalidRequest("center.reasons_needed")
    return out


def _decision(kind: str) -> Callable[[Context], int]:
    def run(ctx: Context) -> int:
        from center.ingest import decide

        body: dict[str, Any] = {}
        if kind == "correction_requested":
            body["reasons"] = correction_reasons(ctx.args.reasons_given or [])
        elif kind in ("rejected", "revoked"):
            body["reason"] = "；".join(ctx.args.reason)
        elif kind == "completed":
            body["result"] = ctx.args.result
        elif kind == "forwarded":
            body["note"] = ctx.args.note
        decide(_node(ctx), ctx.args.id, kind, body)
        ctx.emit({"ok": True, "id": ctx.args.id, "decision": kind},
                 lambda: t("center.decided", decision=t(f"center.decision.{kind}"), id=ctx.args.id))
        return 0

    return run


def take(ctx: Context) -> int:
    from storage import windows

    node = _node(ctx)
    windows.take(node.session.store.database, node.session.keys, ctx.args.id,
                 node.session.operator.name)
    ctx.emit({"ok": True, "id": ctx.args.id, "clerk": node.session.operator.name},
             lambda: t("center.taken", id=ctx.args.id, clerk=node.session.operator.name))
    return 0


def hand_over(ctx: Context) -> int:
    from storage import windows

    node = _node(ctx)
    desk = windows.hand_over(node.session.store.database, node.session.keys, ctx.args.id,
                             window_code=ctx.args.window, clerk=ctx.args.clerk,
                             note=ctx.args.note, by=node.session.operator.name)
    ctx.emit({"ok": True, "id": ctx.args.id, "window": desk.window_code, "clerk": desk.clerk},
             lambda: t("center.handed", id=ctx.args.id, window=desk.window_code,
                       clerk=desk.clerk or "—"))
    return 0


def list_windows(ctx: Context) -> int:
    from storage import windows

    found = windows.windows(_node(ctx).session.store.database)
    ctx.emit([{"code": w.code, "name": w.name, "departments": list(w.departments)} for w in found],
             lambda: "\n".join(f"{w.code}\t{w.name}\t{'、'.join(w.departments) or '—'}"
                               for w in found) or t("center.no_windows"))
    return 0


def alarms(ctx: Context) -> int:
    node = _node(ctx)
    rows = sync_alarms.alarms(node.session.store.database)

    def line(a: dict[str, Any]) -> str:
        # What it means and what to do, as the console's alarm list says it.
        from center.console.cases import alarm_meaning

        what, do = alarm_meaning(str(a["kind"]), language(), str(a["detail"] or ""))
        return f"{a['at']}  {a['kind']}  {a['sender']}  #{a['seq']}  {what}  {do}"

    ctx.emit(rows, lambda: "\n".join(line(a) for a in rows) or t("center.no_alarms"))
    return 0


def ledger(ctx: Context) -> int:
    """The month's 台账 as XLSX (three sheets) or CSV (one), checked before the PIN, written whole."""
    from center.ledger import check_period, check_sheet, format_of, ledger_bytes, ledger_of

    check_period(ctx.args.month)
    fmt = format_of(ctx.args.out, ctx.args.format)
    sheet = check_sheet(ctx.args.by)
    out = _out_file(ctx.args.out, ctx.args.force)
    book = ledger_of(_node(ctx).session.store, ctx.args.month)
    _write_new(out, ledger_bytes(book, language(), fmt, sheet), ctx.args.force)
    ctx.emit({"ok": True, "month": book.period, "format": fmt, "out": str(out),
              "total": book.total.as_dict()},
             lambda: t("ledger.written", month=book.period, rows=len(book.rows["item"]),
                       received=book.total.received, path=out))
    return 0


def bulletin(ctx: Context) -> int:
    """The month's 通报 as an A4 PDF with the Chinese font embedded, written whole."""
    from center.bulletin import bulletin_of, bulletin_pdf, check_month

    month = check_month(ctx.args.month)
    out = _out_file(ctx.args.out, ctx.args.force)
    facts = bulletin_of(_node(ctx).session.store, month)
    _write_new(out, bulletin_pdf(facts, language()), ctx.args.force)
    ctx.emit({"ok": True, "month": month, "out": str(out)},
             lambda: t("bulletin.written", month=month, path=out))
    return 0


def complaints(ctx: Context) -> int:
    """投诉监督台: the complaints, open ones first by due day (`--open`: only those)."""
    from datetime import date

    from center import complaints as desk

    found = desk.listing(_node(ctx), state="open" if ctx.args.open else "all")
    today = date.today()

    def line(c: desk.Complaint) -> str:
        about = (t("complaint.about.case", id=c.application_id) if c.application_id
                 else t("complaint.about.window", code=c.window_code))
        rows = [t("complaint.line", id=c.id, about=about, source=t(f"complaint.source.{c.source}"),
                  received=c.received_on, due=c.due_on,
                  state=t(f"complaint.state.{c.colour(today) or 'answered'}")),
                t("complaint.line_text", text=c.text)]
        if c.answered_on:
            rows.append(t("complaint.line_answer", who=c.answered_by, day=c.answered_on,
                          text=c.answer))
        return "\n".join(rows)

    ctx.emit([c.as_dict(today) for c in found], lambda: "\n".join(line(c) for c in found)
             or t("complaint.none_open" if ctx.args.open else "complaint.none"))
    return 0


def complain(ctx: Context) -> int:
    """A complaint taken at the center about a case or a window; prints its number."""
    from datetime import date

    from center import complaints as desk

    desk.check_text(ctx.args.text)  # before asking for a PIN
    if bool(ctx.args.case) == bool(ctx.args.window):
        raise desk.refusal("complaint.case_or_window")
    node = _node(ctx)
    number = desk.record(node, application_id=ctx.args.case, window_code=ctx.args.window,
                         text=ctx.args.text)
    [filed] = [c for c in desk.listing(node, state="all") if c.id == number]
    ctx.emit({"ok": True, **filed.as_dict(date.today())},
             lambda: t("complaint.recorded", id=number, due=filed.due_on))
    return 0


def answer_complaint(ctx: Context) -> int:
    from center import complaints as desk

    desk.check_text(ctx.args.text, "complaint.need_answer")  # before asking for a PIN
    done = desk.answer(_node(ctx), ctx.args.id, ctx.args.text)
    down = t("complaint.answered_down") if done.application_id else ""
    ctx.emit({"ok": True, "id": done.id, "application_id": done.application_id,
              "answered_on": done.answered_on},
             lambda: t("complaint.answered", id=done.id, down=down))
    return 0


def _watch(name: str) -> Callable[[Context], int]:
    """`cards` and `figures` (center/watch_cli.py), imported when run."""
    def run(ctx: Context) -> int:
        from center import watch_cli

        command: Callable[[Context, Any], int] = getattr(watch_cli, name)
        return command(ctx, _node(ctx))

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="service-center",
                                     description=t("center.cli.help.description"))
    parser.add_argument("--home", help=t("center.cli.help.main.home"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--operator", help=t("center.cli.help.main.operator"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, fn: Callable[[Context], int], text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--home", default=argparse.SUPPRESS)
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
        p.add_argument("--operator", default=argparse.SUPPRESS)
        p.set_defaults(fn=fn)
        return p

    p = add("init", init, t("center.cli.help.init"))
    p.add_argument("--level", choices=["township", "county"], required=True)
    p.add_argument("--code", required=True, help=t("center.cli.help.init.code"))
    p.add_argument("--database", metavar="URL", help=t("center.cli.help.init.database"))
    p.add_argument("--name", required=True)
    p = add("serve", serve, t("center.cli.help.serve"))
    p.add_argument("--host", default="127.0.0.1",
                   help=t("center.cli.help.serve.host"))
    p.add_argument("--port", type=int, default=8600)
    p.add_argument("--tls-cert", help=t("center.cli.help.serve.tls_cert"))
    p.add_argument("--tls-key", help=t("center.cli.help.serve.tls_key"))
    p = add("enroll-code", enroll_code, t("center.cli.help.enroll_code"))
    p.add_argument("--village-code", required=True)
    p.add_argument("--hours", type=int, default=72)
    p = add("operator", commands.operator, t("center.cli.help.operator"))
    p.add_argument("action", choices=["add", "list", "disable", "enable", "set-pin"])
    p.add_argument("name", nargs="?", help=t("center.cli.help.operator.name"))
    # Not argparse choices: the store says in Chinese why an agent or grid worker is not added here.
    p.add_argument("--role", default="clerk",
                   help=t("center.cli.help.operator.role"))
    add("verify", commands.verify, t("center.cli.help.verify"))
    add("devices", devices, t("center.cli.help.devices"))
    p = add("revoke", revoke, t("center.cli.help.revoke"))
    p.add_argument("device")
    p = add("applications", applications, t("center.cli.help.applications"))
    p.add_argument("--status")
    p.add_argument("--after", help=t("center.cli.help.applications.after"))
    p.add_argument("--all", action="store_true",
                   help=t("center.cli.help.applications.all"))
    p = add("show", show, t("center.cli.help.show"))
    p.add_argument("id", help=t("center.cli.help.show.id"))
    p = add("attachment", attachment, t("center.cli.help.attachment"))
    p.add_argument("id", help=t("center.cli.help.attachment.id"))
    p.add_argument("material", help=t("center.cli.help.attachment.material"))
    p.add_argument("--out", type=Path, required=True, help=t("center.cli.help.attachment.out"))
    p.add_argument("--force", action="store_true", help=t("center.cli.help.attachment.force"))
    p.add_argument("--which", type=int, help=t("center.cli.help.attachment.which"))
    p = add("notice", notice, t("center.cli.help.notice"))
    p.add_argument("id", help=t("center.cli.help.notice.id"))
    p.add_argument("--out", type=Path, required=True, help=t("center.cli.help.notice.out"))
    p.add_argument("--force", action="store_true", help=t("center.cli.help.notice.force"))
    p = add("check-receipt", check_receipt,
            t("center.cli.help.check_receipt"))
    p.add_argument("text", nargs="+", help=t("center.cli.help.check_receipt.text"))
    p = add("accept", _decision("accepted"), t("center.cli.help.accept"))
    p.add_argument("id")
    p = add("request-correction", _decision("correction_requested"), t("center.cli.help.request_correction"))
    p.add_argument("id")
    p.add_argument("--reason", dest="reasons_given", action="append", type=_tagged(""),
                   metavar="TEXT", help=t("center.cli.help.request_correction.reason"))
    p.add_argument("--field", dest="reasons_given", action="append", type=_tagged("field"),
                   metavar="NAME=TEXT",
                   help=t("center.cli.help.request_correction.field"))
    p.add_argument("--material", dest="reasons_given", action="append", type=_tagged("material"),
                   metavar="CODE=TEXT", help=t("center.cli.help.request_correction.material"))
    p = add("reject", _decision("rejected"), t("center.cli.help.reject"))
    p.add_argument("id")
    p.add_argument("--reason", action="append", required=True)
    p = add("complete", _decision("completed"), t("center.cli.help.complete"))
    p.add_argument("id")
    p.add_argument("--result", required=True, help=t("center.cli.help.complete.result"))
    p = add("revoke-result", _decision("revoked"),
            t("center.cli.help.revoke_result"))
    p.add_argument("id")
    p.add_argument("--reason", action="append", required=True, help=t("center.cli.help.revoke_result.reason"))
    p = add("pass-up", _decision("forwarded"), t("center.cli.help.pass_up"))
    p.add_argument("id")
    p.add_argument("--note", required=True, help=t("center.cli.help.pass_up.note"))
    p = add("take", take, t("center.cli.help.take"))
    p.add_argument("id")
    p = add("hand-over", hand_over, t("center.cli.help.hand_over"))
    p.add_argument("id")
    p.add_argument("--window", required=True, help=t("center.cli.help.hand_over.window"))
    p.add_argument("--clerk", default="", help=t("center.cli.help.hand_over.clerk"))
    p.add_argument("--note", required=True, help=t("center.cli.help.hand_over.note"))
    add("windows", list_windows, t("center.cli.help.windows"))
    add("alarms", alarms, t("center.cli.help.alarms"))
    p = add("cards", _watch("cards"), t("center.cli.help.cards"))
    p.add_argument("--mine", action="store_true", help=t("center.cli.help.cards.mine"))
    p.add_argument("--by", help=t("center.cli.help.cards.by"))
    p = add("figures", _watch("figures"), t("center.cli.help.figures"))
    p.add_argument("--period", required=True, help=t("center.cli.help.figures.period"))
    p.add_argument("--by", help=t("center.cli.help.figures.by"))
    p = add("complaints", complaints, t("center.cli.help.complaints"))
    p.add_argument("--open", action="store_true", help=t("center.cli.help.complaints.open"))
    p = add("complain", complain, t("center.cli.help.complain"))
    p.add_argument("--case", help=t("center.cli.help.complain.case"))
    p.add_argument("--window", help=t("center.cli.help.complain.window"))
    p.add_argument("--text", required=True, help=t("center.cli.help.complain.text"))
    p = add("answer-complaint", answer_complaint, t("center.cli.help.answer_complaint"))
    p.add_argument("id", help=t("center.cli.help.answer_complaint.id"))
    p.add_argument("--text", required=True, help=t("center.cli.help.answer_complaint.text"))
    p = add("ledger", ledger, t("center.cli.help.ledger"))
    p.add_argument("--month", required=True, help=t("center.cli.help.ledger.month"))
    p.add_argument("--out", type=Path, required=True, help=t("center.cli.help.ledger.out"))
    p.add_argument("--format", help=t("center.cli.help.ledger.format"))
    p.add_argument("--by", default="item",
                   help=t("center.cli.help.ledger.by"))
    p.add_argument("--force", action="store_true", help=t("center.cli.help.ledger.force"))
    p = add("bulletin", bulletin, t("center.cli.help.bulletin"))
    p.add_argument("--month", required=True, help=t("center.cli.help.bulletin.month"))
    p.add_argument("--out", type=Path, required=True, help=t("center.cli.help.bulletin.out"))
    p.add_argument("--force", action="store_true", help=t("center.cli.help.bulletin.force"))
    p = add("link", link, t("center.cli.help.link"))
    p.add_argument("--county", required=True, help=t("center.cli.help.link.county"))
    p.add_argument("--code", required=True, help=t("center.cli.help.link.code"))
    add("forward", forward, t("center.cli.help.forward"))
    p = add("import", import_usb, t("center.cli.help.import"))
    p.add_argument("folder", type=Path)
    p = add("publish-calendar", publish_calendar, t("center.cli.help.publish_calendar"))
    p.add_argument("file", type=Path)
    p = add("publish-catalog", publish_catalog,
            t("center.cli.help.publish_catalog"))
    p.add_argument("folder", type=Path)
    p = add("prune", prune, t("center.cli.help.prune"))
    p.add_argument("--keep-days", type=float, default=30.0,
                   help=t("center.cli.help.prune.keep_days"))
    add("catalog-releases", catalog_releases, t("center.cli.help.catalog_releases"))
    p = add("enroll-file", enroll_file, t("center.cli.help.enroll_file"))
    p.add_argument("request", type=Path)
    from center import followup_cli

    followup_cli.register(add)  # 差评跟进: followups, follow-up ID verify|rectify|call
    from center import backup_cli

    backup_cli.register(add)  # backup DEST, restore SRC
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return dispatch(build_parser(), argv, center=True)


if __name__ == "__main__":
    raise SystemExit(main())


