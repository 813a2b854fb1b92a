"""`village-agent demo`: a throw-away village point and township center on loopback, a morning's work.

Everything runs on embedded defaults: two SQLite stores, the township's real
HTTP server on 127.0.0.1, real enrollment, sealing, sync and decisions, so a
newcomer sees every state of a case in one command.
"""

from __future__ import annotations

import socket
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forms.templates import attachment_names, template
from storage.attachments import IncomingFile
from storage.status import STATUS_ZH
from storage.store import Session, Store
from village_agent import intake, printing
from village_agent.i18n import t

if TYPE_CHECKING:
    from village_agent.cli import Context

DEMO_PIN = "246810"
CLERK_PIN = "582046"
VILLAGE = "430481101201"
TOWNSHIP = "430481101"
# Township-level items (a county item would wait for the county's key: the demo has no county).
ITEMS = ("MZ-GLJT", "YJS-CS", "RS-CXJMYLDY", "MZ-ZDSHBZ", "WG-AQYH", "MZ-LSJZ")


def run(ctx: Context, kdf: Any) -> int:
    import uvicorn

    from sync.client import enroll_online, sync_once
    from sync.enroll import issue_code
    from sync.node import Node
    from sync.server import ReadyServer, create_app
    from village_agent.commands import catalog

    home = ctx.home if ctx.args.home else Path(tempfile.mkdtemp(prefix="village-agent-demo-"))
    store = Store.create(home, village_code=VILLAGE, village_name="石鼓村", operator_name="王秀梅",
                         pin=DEMO_PIN, kdf=kdf)
    session = store.login("王秀梅", DEMO_PIN)
    session.add_operator("李建军", "grid_worker", "357913")
    township_store = Store.create(home / "township-center", village_code=TOWNSHIP,
                                  village_name="兴宁镇便民服务中心", operator_name="李春华",
                                  pin=CLERK_PIN, kdf=kdf, node="township")
    township = Node.of(township_store.login("李春华", CLERK_PIN))

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = ReadyServer(uvicorn.Config(create_app(township), log_level="warning",
                                        access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    server.ready.wait(30)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    out = [f"演示目录：{home}", f"村代办点：石鼓村（代办员 王秀梅，PIN码 {DEMO_PIN}）",
           f"乡镇中心：兴宁镇（工作人员 李春华，PIN码 {CLERK_PIN}），本机 {url}", ""]
    try:
        enrolled = enroll_online(session, url, issue_code(township, VILLAGE))
        out.append(f"登记到乡镇中心，乡镇指纹 {enrolled.issuer.fingerprint()}")
        today = date.today()
        taken = _take_in(session, today, out, catalog())
        ids = [taken[c] for c in ("MZ-GLJT", "YJS-CS", "RS-CXJMYLDY", "MZ-ZDSHBZ", "MZ-LSJZ")]
        first = sync_once(store, session=session)
        out.append(f"同步：上报{first.sent}条，乡镇确认{first.done}条，往返{first.round_trips}次")
        _decide(township, ids)
        second = sync_once(store, session=session)
        out.append(f"同步：收到办理结果{second.downstream_new}条，更新{second.applied}件")
        intake.deliver(session, ids[0], how="in_person", today=today)
        intake.rate(session, ids[0], True, "一次办好，不用跑乡里", today=today)
        sync_once(store, session=session)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
    out += ["", "办件一览："]
    out += [f"  {s.id}  {catalog().get(s.item_code).name:<16}{STATUS_ZH.get(s.status, s.status)}"
            for s in sorted(session.list(), key=lambda s: s.id)]
    summary, events = session.show(ids[0])
    out += ["", printing.receipt(summary, events, catalog().item(summary.item_code), store.info)]
    report = session.verify()
    center_report = township.session.verify()
    out.append(t("verify.ok", **report.counts) if report.ok and center_report.ok else "校验未通过")
    out += [
        "", "接着试试 / Try next:",
        f"  export VILLAGE_AGENT_HOME={home} VILLAGE_AGENT_OPERATOR=王秀梅 VILLAGE_AGENT_PIN={DEMO_PIN}",
        "  .venv/bin/village-agent list",
        f"  .venv/bin/village-agent show {ids[1]}",
        f"  VILLAGE_AGENT_HOME={home}/township-center VILLAGE_AGENT_PIN={CLERK_PIN}"
        " .venv/bin/service-center serve --port 8600",
    ]
    ctx.emit({"ok": report.ok and center_report.ok, "home": str(home), "pin": DEMO_PIN,
              "township_home": str(home / "township-center"),
              "applications": [s.as_dict() for s in session.list()]}, lambda: "\n".join(out))
    township_store.close()
    store.close()
    return 0 if report.ok and center_report.ok else 4


def _take_in(session: Session, today: date, out: list[str], cat: Any) -> dict[str, str]:
    """Take in one of each demo item; the first application number of each, by item code."""
    ids: dict[str, str] = {}
    for code in ITEMS:
        entry = cat.get(code)
        data = template(entry, village_code=VILLAGE, today=today)
        scans = [IncomingFile(n, f"{n}.pdf", b"%PDF-1.4 demo scan\n")
                 for n in sorted(attachment_names(entry, data))]
        if code == "MZ-GLJT":
            scans.append(IncomingFile("id_card", "身份证.jpg", b"\xff\xd8\xff demo scan"))
        result = intake.take(session, cat, session.calendar(), code, data, scans, today=today)
        for app_id, item_code, d in zip(result.application_ids, result.item_codes, result.deadlines,
                                        strict=True):
            due = "即办" if d is None or d.working_days == 0 else f"预计{d.due}前"
            out.append(f"  收件 {app_id}  {cat.get(item_code).name}  {due}")
        ids.setdefault(code, result.application_ids[0])
    return ids


def _decide(township: Any, ids: list[str]) -> None:
    """The clerk's morning: complete one, ask a correction of another, accept a third."""
    from sync.center import decide

    decide(township, ids[0], "accepted", {})
    decide(township, ids[0], "completed", {"result": "核定高龄津贴每月100元，次月起发放"})
    decide(township, ids[3], "correction_requested",
           {"reasons": ["银行卡照片不清晰，请重新拍照", "缺户口簿本人页"]})
    decide(township, ids[2], "accepted", {})
    decide(township, ids[4], "rejected", {"reason": "申请人本年度已享受临时救助，不符合重复救助条件"})
