"""`village-agent demo`: a throw-away village point and township center on loopback, a morning's work.

Everything runs on embedded defaults: two SQLite stores, the township's real
HTTP server on 127.0.0.1, real enrollment, sealing, sync and decisions, so a
newcomer sees every state of a case in one command. At a terminal the app then
opens on the demo home while the township keeps serving on the port the village
is enrolled at, so "sync now" and the background sync really reach it; the
township stops when the app quits, and the closing hints say how to bring both
back later.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forms.idnumber import make as make_id_number
from forms.templates import attachment_names, template
from forms.workdays import WorkingCalendar
from storage.attachments import IncomingFile
from storage.errors import InvalidRequest
from storage.store import Session, Store
from village_agent import error_texts as error_texts  # the demo's refusal joins the catalogue
from village_agent import intake, printing, worklist
from village_agent.demo_data import (
    AGENT,
    CLERK,
    CORRECTION_REASONS,
    DRAFT,
    GRID_WORKER,
    ID_SCAN_NAME,
    LATE,
    RATING_NOTE,
    REJECTION_REASON,
    RELATIVE,
    RESULTS,
    SAMPLES,
    TOWNSHIP_NAME,
    VILLAGE_NAME,
)
from village_agent.i18n import language, status_text, t

if TYPE_CHECKING:
    from sync.cli import Context

DEMO_PIN = "246810"
CLERK_PIN = "582046"
GRID_PIN = "357913"
VILLAGE = "430481101201"
TOWNSHIP = "430481101"
PREFERRED_PORT = 8600  # service-center's default; a free port is taken when it is busy

_NAMES = [name for _, _, name in (*SAMPLES, *LATE, DRAFT) if name]


@dataclass
class Demo:
    """A built demo: the village home (closed, for the app or the CLI to open) and the township
    center still serving on `url`, the address the village is enrolled at."""

    home: Path
    township_home: Path
    url: str
    port: int
    today: date
    kdf: Any
    lines: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # sample key -> its (first) application
    ok: bool = False
    report: dict[str, Any] = field(default_factory=dict)

    def hints(self) -> list[str]:
        """How to come back to this demo later: the app on the village home, the township again."""
        return [
            t("demo.hint.title"),
            t("demo.hint.app"),
            f"  VILLAGE_AGENT_HOME={self.home} .venv/bin/village-agent",
            t("demo.hint.cli"),
            f"  export VILLAGE_AGENT_HOME={self.home} VILLAGE_AGENT_OPERATOR={AGENT}"
            f" VILLAGE_AGENT_PIN={DEMO_PIN}",
            "  .venv/bin/village-agent list",
            f"  .venv/bin/village-agent show {self.ids.get('correction', '')}",
            t("demo.hint.township", port=self.port),
            f"  VILLAGE_AGENT_PIN={CLERK_PIN} .venv/bin/service-center serve"
            f" --home {self.township_home} --port {self.port}",
        ]


def run(ctx: Context, kdf: Any, *, launch: Callable[[Demo], int] | None = None) -> int:
    """Build the demo, print what was done; at a terminal open the app while the township serves."""
    args = ctx.args
    home = ctx.home if args.home else Path(tempfile.mkdtemp(prefix="village-agent-demo-"))
    interactive = (launch is not None or (sys.stdin.isatty() and sys.stdout.isatty())) and not (
        ctx.json or getattr(args, "no_app", False))
    with serve_demo(home, kdf, port=getattr(args, "port", None)) as demo:
        code = 0 if demo.ok else 4
        interactive = interactive and demo.ok
        # At a terminal the hints to come back come after the app; otherwise they end the summary.
        ctx.emit(demo.report, lambda: "\n".join(
            demo.lines if interactive else [*demo.lines, "", *demo.hints()]))
        if not interactive:
            return code
        print("\n" + t("demo.open_app", pin=DEMO_PIN, grid=GRID_PIN, url=demo.url))
        app_code = code
        try:
            if launch is None:
                input(t("demo.press_enter"))
            app_code = (launch or open_app)(demo)
        except (EOFError, KeyboardInterrupt):
            print()  # the agent chose not to open the app: the township stops all the same
    print(t("demo.township_stopped"))
    print("\n".join(demo.hints()))
    return app_code or code


def open_app(demo: Demo) -> int:
    """The terminal app on the demo home, in this process (the township serves on its thread)."""
    from village_agent.app import make_app

    app = make_app(demo.home, kdf=demo.kdf)
    app.run()
    return int(app.return_code or 0)


@contextmanager
def serve_demo(home: Path, kdf: Any, *, port: int | None = None) -> Iterator[Demo]:
    """Build the demo at `home`; the township serves on loopback until the block ends."""
    import uvicorn

    from center.server import ReadyServer, create_app
    from sync.node import Node

    sock = _listen(port)  # first: a busy port is said before anything is written
    bound = sock.getsockname()[1]
    township_home = home / "township-center"
    store = Store.create(home, village_code=VILLAGE, village_name=VILLAGE_NAME, operator_name=AGENT,
                         pin=DEMO_PIN, kdf=kdf)
    township_store = Store.create(township_home, village_code=TOWNSHIP,
                                  village_name=TOWNSHIP_NAME, operator_name=CLERK,
                                  pin=CLERK_PIN, kdf=kdf, node="township")
    township = Node.of(township_store.login(CLERK, CLERK_PIN))
    # No logging config of uvicorn's own: a warning goes through logging's last resort to
    # whatever sys.stderr is then, which the app captures while it runs (the screen stays whole).
    server = ReadyServer(uvicorn.Config(create_app(township), log_config=None, log_level="warning",
                                        access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="demo-township")
    thread.start()
    # Today's date, as the township's clock has it (its receipt starts each promised date).
    demo = Demo(home, township_home, f"http://127.0.0.1:{bound}", bound, date.today(), kdf)
    try:
        if not server.ready.wait(30):
            raise RuntimeError("the demo township center did not start")
        try:
            _morning(demo, store.login(AGENT, DEMO_PIN), township)
        finally:
            store.close()
        yield demo
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        township_store.close()


def _listen(port: int | None) -> socket.socket:
    """A loopback socket: the port asked for, else service-center's default if free, else any."""
    for candidate in ([port] if port is not None else [PREFERRED_PORT, 0]):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if os.name == "posix":  # rebinding after the demo (the hint) must not wait out TIME_WAIT
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", candidate))
        except OSError:
            sock.close()
            if candidate == port:
                raise InvalidRequest("demo.port_busy", port=port) from None
            continue
        return sock
    raise OSError("no free loopback port")  # pragma: no cover - port 0 always binds


def _morning(demo: Demo, session: Session, township: Any) -> None:
    from center.enroll import issue_code
    from sync.client import enroll_online, sync_once
    from village_agent.commands import catalog

    cat = catalog()
    store = session.store
    today = demo.today
    out = demo.lines
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    out += [t("demo.home", home=demo.home),
            t("demo.village", agent=AGENT, pin=DEMO_PIN, grid=GRID_WORKER, grid_pin=GRID_PIN),
            t("demo.township", clerk=CLERK, pin=CLERK_PIN, url=demo.url), ""]
    enrolled = enroll_online(session, demo.url, issue_code(township, VILLAGE))
    out.append(t("demo.enrolled", fp=enrolled.issuer.fingerprint()))
    calendar = session.calendar()
    for key, code, name in SAMPLES:
        demo.ids[key] = _take_in(session, cat, code, name, today, today, out)
    ids = demo.ids
    first = sync_once(store, session=session)
    out.append(t("demo.sync_up", sent=first.sent, done=first.done, trips=first.round_trips))
    _decide(township, ids)
    second = sync_once(store, session=session)
    out.append(t("demo.sync_down", new=second.downstream_new, applied=second.applied))
    intake.deliver(session, ids["rated"], how="in_person", today=today)
    intake.rate(session, ids["rated"], intake.Rating(1, ("once",), RATING_NOTE), today=today)
    intake.deliver(session, ids["delivered"], how="family", to_whom=RELATIVE, today=today)
    third = sync_once(store, session=session)
    out.append(t("demo.sync_handover", sent=third.sent))
    # After the last sync: one application waits for the next, one form is a draft.
    for key, code, name in LATE:
        taken_on = _taken_on(key, cat.get(code), today, calendar)
        ids[key] = _take_in(session, cat, code, name, taken_on, today, out)
    key, code, name = DRAFT
    data = _data(cat.get(code), name, today)
    ids[key] = session.save_draft(code, cat.get(code).version, {
        "applicant": data["applicant"], "fields": data["fields"], "materials": {},
        "attachments": []})
    out.append(t("demo.draft", name=name, item=cat.get(code).name))

    summaries = session.list()
    view = worklist.overview(summaries, today, calendar)
    out += ["", t("demo.list")]
    out += [f"  {s.id}  {_pad(status_text(s.status), 5)}  "
            f"{cat.get(s.item_code).short_name}  {s.applicant_name or ''}"
            for s in sorted(summaries, key=lambda s: s.id)]
    out += ["", t("home.casework", correct=view.to_correct, deliver=view.to_hand_over,
                  rate=view.to_rate),
            t("home.red_yellow", red=len(view.red), yellow=len(view.yellow)),
            t("home.drafts_count", n=len(session.drafts()))]
    summary, events = session.show(ids["rated"])
    out += ["", printing.receipt(summary, events, cat.item(summary.item_code), store.info)]
    report = session.verify()
    center_report = township.session.verify()
    demo.ok = report.ok and center_report.ok
    out.append(t("verify.ok", **report.counts) if demo.ok
               else t("verify.failed", n=len(report.problems) + len(center_report.problems)))
    demo.report = {
        "ok": demo.ok, "home": str(demo.home), "pin": DEMO_PIN, "operator": AGENT,
        "grid_worker": {"name": GRID_WORKER, "pin": GRID_PIN},
        "township_home": str(demo.township_home), "township_pin": CLERK_PIN,
        "township_url": demo.url, "port": demo.port, "samples": dict(ids),
        "applications": [s.as_dict() for s in summaries],
        "drafts": len(session.drafts()),
        "home_screen": {"by_status": view.by_status, "to_correct": view.to_correct,
                        "to_hand_over": view.to_hand_over, "to_rate": view.to_rate,
                        "red": [f.summary.id for f in view.red],
                        "yellow": [f.summary.id for f in view.yellow]},
        "hints": demo.hints(),
    }


def _pad(text: str, chars: int) -> str:
    """Padded so the columns after it line up: full-width spaces after Chinese, else spaces."""
    if language() == "en":
        return text.ljust(chars * 2 + 2)
    return text + "\u3000" * max(chars - len(text), 0)


def _taken_on(key: str, entry: Any, today: date, calendar: WorkingCalendar) -> date:
    """The intake day: today, or for the red sample the latest earlier day from which the
    catalog's time limit has run out at least two working days ago."""
    if key != "red":
        return today
    for back in range(1, 120):
        day = today - timedelta(days=back)
        due = calendar.add_working_days(day, entry.time_limit_days).due
        if due < today and calendar.working_days_between(due, today) >= 2:
            return day
    raise RuntimeError(f"no intake day makes {entry.code} overdue")  # pragma: no cover


def _data(entry: Any, name: str | None, taken_on: date) -> dict[str, Any]:
    """The catalog's example for `entry`, for a villager of our own (a name and a valid ID)."""
    data = template(entry, village_code=VILLAGE, today=taken_on)
    applicant = data.get("applicant")
    if name and applicant and applicant.get("id_number"):
        old, number = applicant["name"], applicant["id_number"]
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        serial = 30 + _NAMES.index(name)  # one villager each (the template's own is 12)
        applicant["name"] = name
        applicant["id_number"] = make_id_number(number[:6], born, serial,
                                                female=int(number[16]) % 2 == 0)
        for key, value in data["fields"].items():
            if value == old:
                data["fields"][key] = name
    return data


def _take_in(session: Session, cat: Any, code: str, name: str | None, taken_on: date,
             today: date, out: list[str]) -> str:
    """Take in one sample; its (first) application number."""
    entry = cat.get(code)
    data = _data(entry, name, taken_on)
    scans = [IncomingFile(n, f"{n}.pdf", b"%PDF-1.4 demo scan\n")
             for n in sorted(attachment_names(entry, data))]
    if code == "MZ-GLJT":
        scans.append(IncomingFile("id_card", ID_SCAN_NAME, b"\xff\xd8\xff demo scan"))
    result = intake.take(session, cat, session.calendar(), code, data, scans, today=taken_on)
    earlier = t("demo.earlier", day=taken_on) if taken_on != today else ""
    for app_id, item_code, d in zip(result.application_ids, result.item_codes, result.deadlines,
                                    strict=True):
        due = (t("demo.immediate") if d is None or d.working_days == 0
               else t("demo.due", due=d.due))
        out.append(t("demo.taken", id=app_id, item=cat.get(item_code).name, due=due + earlier))
    return result.application_ids[0]


def _decide(township: Any, ids: dict[str, str]) -> None:
    """The clerk's morning: complete, accept, ask a correction, reject; two cases still wait."""
    from center.ingest import decide

    decide(township, ids["rated"], "accepted", {})
    decide(township, ids["rated"], "completed", {"result": RESULTS["rated"]})
    decide(township, ids["completed"], "accepted", {})
    decide(township, ids["completed"], "completed", {"result": RESULTS["completed"]})
    decide(township, ids["delivered"], "accepted", {})
    decide(township, ids["delivered"], "completed", {"result": RESULTS["delivered"]})
    decide(township, ids["correction"], "correction_requested",
           {"reasons": list(CORRECTION_REASONS)})
    decide(township, ids["accepted"], "accepted", {})
    decide(township, ids["plot"], "accepted", {})
    decide(township, ids["rejected"], "rejected", {"reason": REJECTION_REASON})
