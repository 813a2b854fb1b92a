"""The center manager's (中心负责人) pages: windows and staff, enrollment codes, revoking a lost device.

Every route here is for managers only (`kit.manager_only`: a session, the CSRF token on a POST,
the manager role), but two: a clerk's own page (`/console/me`) and marking away or back, which a
clerk may do for themselves. The work is the store's (`Session.add_operator` and the rest, which
check PIN strength and the last manager and audit with the manager's name; `storage.windows`;
`center.enroll.issue_code`; `center.revocation.revoke`), run in worker threads; a refusal is
shown beside its form in the clerk's language and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import anyio
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from center.console import qr
from center.console.app import ENV, Kit, said
from center.console.auth import ClerkSession
from center.console.manage_texts import MANAGE_MESSAGES as MANAGE_MESSAGES  # the pages' words
from center.enroll import ENROLLS, MAX_TRIES, issue_code
from center.revocation import revoke
from forms.model import ServiceItem
from storage import sync_peers, windows
from storage.errors import StorageError
from storage.operators import Operator
from sync import clock
from sync.enroll import now
from sync.errors import SyncError
from sync.i18n import t_in
from sync.keys import PublicIdentity

ROLES = ("clerk", "manager")
MAX_HOURS = 720  # a code lives at most 30 days; the command line's default is 72 hours
DONE = ("added", "disabled", "enabled", "pin", "desk", "away", "back", "window")


@dataclass(frozen=True)
class OpenCode:
    """An enrollment code issued and not used: only its first group is kept in the clear."""

    code_id: str
    village_code: str
    issued: str
    expires: str
    state: str  # valid | expired | burned (three wrong tries)


@dataclass
class StaffPage:
    windows: list[windows.Window]
    operators: list[Operator]
    departments: list[str]
    problems: dict[str, str] = field(default_factory=dict)  # form -> what was wrong
    form: dict[str, str] = field(default_factory=dict)  # what the refused form held (never a PIN)

    def seated(self, code: str) -> list[Operator]:
        return [o for o in self.operators if o.active and o.window_code == code]

    def window_name(self, code: str) -> str:
        return next((w.name for w in self.windows if w.code == code), code)


def local(stamp: str | None) -> str:
    if not stamp:
        return "—"
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp[:16].replace("T", " ")


def clock_note(skew_ms: int | None, lang: str) -> str:
    """The devices page's warning for a village PC whose clock is off (as `service-center devices`)."""
    if skew_ms is None or not clock.off(skew_ms):
        return ""
    return t_in(lang, "center.device_clock", minutes=clock.minutes(skew_ms), direction=t_in(
        lang, "center.clock_behind" if skew_ms > 0 else "center.clock_ahead"))


# devices.html is drawn by app.py's route: its clock column and times in local time come from here.
ENV.globals.update(clock_note=clock_note, local_time=local)


def open_codes(database: Any) -> list[OpenCode]:
    with database.read() as db:
        rows = db.execute(
            "SELECT e.code_id, e.village_code, e.created_at, e.expires_at, (SELECT count(*)"
            " FROM alarms a WHERE a.kind = 'enroll_failed' AND a.sender = e.code_id)"
            " FROM enrollment_codes e WHERE e.used_by IS NULL"
            " ORDER BY e.created_at DESC, e.code_id").fetchall()
    moment = now()
    return [OpenCode(str(c), str(v), local(str(i)), local(str(x)),
                     "burned" if int(f) >= MAX_TRIES
                     else "expired" if datetime.fromisoformat(str(x)) < moment else "valid")
            for c, v, i, x, f in rows]


def routes(kit: Kit) -> list[BaseRoute]:
    console = kit.console

    def departments() -> list[str]:
        return sorted({e.department for e in console.store.catalog().entries()
                       if isinstance(e, ServiceItem) and e.department})

    async def staff_page(request: Request, clerk: ClerkSession, *, status: int = 200,
                         problems: dict[str, str] | None = None,
                         form: dict[str, str] | None = None) -> Response:
        page = await anyio.to_thread.run_sync(lambda: StaffPage(
            windows.windows(console.store.database), console.store.operators(), departments(),
            problems or {}, form or {}))
        q = request.query_params
        done = q.get("done", "") if q.get("done", "") in DONE else ""
        return kit.render(request, "staff.html", clerk.lang, status, clerk, page=page,
                          done=done, done_name=q.get("name", ""), local=local, roles=ROLES)

    async def staff(request: Request, clerk: ClerkSession) -> Response:
        return await staff_page(request, clerk)

    async def act(request: Request, clerk: ClerkSession, where: str, work: Callable[[], object],
                  done: str, name: str, form: dict[str, str] | None = None) -> Response:
        """Do `work` in a thread; refused, the staff page again with the reason beside `where`."""
        try:
            await anyio.to_thread.run_sync(work)
        except (StorageError, SyncError) as exc:
            return await staff_page(request, clerk, status=400, problems={where: said(exc, clerk.lang)},
                                    form=form)
        return RedirectResponse("/console/staff?" + urlencode({"done": done, "name": name}),
                                status_code=303)

    def refused(clerk: ClerkSession, key: str) -> StorageError:
        return StorageError(key)

    async def add(request: Request, clerk: ClerkSession) -> Response:
        form = await request.form()
        name, role = str(form.get("name", "")).strip(), str(form.get("role", "clerk"))
        pin, again = str(form.get("pin", "")), str(form.get("pin2", ""))
        kept = {"name": name, "role": role}

        def work() -> None:  # the store says which roles a center has, and why not another
            if pin != again:
                raise refused(clerk, "manage.pins_differ")
            clerk.session.add_operator(name, role, pin)

        return await act(request, clerk, "add", work, "added", name, kept)

    async def active(request: Request, clerk: ClerkSession) -> Response:
        form = await request.form()
        name, on = str(form.get("name", "")), form.get("active") == "1"
        work = (lambda: clerk.session.enable_operator(name)) if on else (
            lambda: clerk.session.disable_operator(name))
        return await act(request, clerk, "people", work, "enabled" if on else "disabled", name)

    async def set_pin(request: Request, clerk: ClerkSession) -> Response:
        form = await request.form()
        name, pin, again = str(form.get("name", "")), str(form.get("pin", "")), str(form.get("pin2", ""))

        def work() -> None:
            if pin != again:
                raise refused(clerk, "manage.pins_differ")
            if name not in {o.name for o in console.store.operators()}:
                raise refused(clerk, "manage.no_such_clerk")
            clerk.session.set_pin(name, pin)

        return await act(request, clerk, "pin", work, "pin", name, {"pin_name": name})

    async def desk(request: Request, clerk: ClerkSession) -> Response:
        form = await request.form()
        name = str(form.get("name", ""))
        code, standin = str(form.get("window", "")), str(form.get("standin", ""))
        return await act(request, clerk, "desk", lambda: windows.set_desk(
            console.store.database, clerk.session.keys, name, window_code=code, standin=standin,
            by=clerk.name), "desk", name, {"desk_name": name, "window": code, "standin": standin})

    async def save_window(request: Request, clerk: ClerkSession) -> Response:
        form = await request.form()
        code, name = str(form.get("code", "")), str(form.get("name", ""))
        picked = [str(d) for d in form.getlist("departments")]

        def work() -> None:
            unknown = set(picked) - set(departments())
            if unknown:
                raise refused(clerk, "manage.bad_department")
            windows.save_window(console.store.database, clerk.session.keys, code, name, picked,
                                by=clerk.name)

        return await act(request, clerk, f"window:{code.strip().upper()}" if form.get("editing")
                         else "window", work, "window", code.strip().upper(),
                         {"code": code, "window_name": name})

    async def me(request: Request, clerk: ClerkSession, *, problem: str = "",
                 status: int = 200) -> Response:
        def load() -> tuple[Operator, list[str], str]:
            mine = next(o for o in console.store.operators() if o.name == clerk.name)
            with console.store.database.read() as db:
                covering = windows.covered_by(db, clerk.name)
            return mine, covering, next((w.name for w in windows.windows(console.store.database)
                                         if w.code == mine.window_code), "")

        mine, covering, window_name = await anyio.to_thread.run_sync(load)
        q = request.query_params
        return kit.render(request, "me.html", clerk.lang, status, clerk, me=mine,
                          covering=covering, window_name=window_name, problem=problem,
                          done=q.get("done", "") if q.get("done") in ("away", "back") else "")

    async def away(request: Request, clerk: ClerkSession) -> Response:
        """Away or back: a clerk for themselves, a manager for anyone."""
        form = await request.form()
        name, is_away = str(form.get("name", "")), form.get("away") == "1"
        from_staff = form.get("back") == "staff" and clerk.session.operator.role == "manager"
        if name != clerk.name and clerk.session.operator.role != "manager":
            return kit.error(request, clerk, t_in(clerk.lang, "manage.only_yourself"), 403)
        try:
            await anyio.to_thread.run_sync(lambda: windows.set_away(
                console.store.database, clerk.session.keys, name, is_away, by=clerk.name))
        except StorageError as exc:
            if from_staff:
                return await staff_page(request, clerk, status=400,
                                        problems={"people": said(exc, clerk.lang)})
            return await me(request, clerk, problem=said(exc, clerk.lang), status=400)
        done = "away" if is_away else "back"
        if from_staff:
            return RedirectResponse("/console/staff?" + urlencode({"done": done, "name": name}),
                                    status_code=303)
        return RedirectResponse(f"/console/me?done={done}", status_code=303)

    async def enroll_page(request: Request, clerk: ClerkSession, *, status: int = 200,
                          problem: str = "", issued: dict[str, Any] | None = None,
                          form: dict[str, str] | None = None) -> Response:
        codes = await anyio.to_thread.run_sync(open_codes, console.store.database)
        fingerprint = PublicIdentity.from_dict(console.store.device_public()).fingerprint()
        enrolls = ENROLLS.get(console.node.kind, ("village", 12, ""))
        return kit.render(request, "enroll.html", clerk.lang, status, clerk, codes=codes,
                          problem=problem, issued=issued, form=form or {"hours": "72"},
                          fingerprint=fingerprint, enrolls=enrolls[0], code_length=enrolls[1],
                          center_code=console.node.code,
                          address=f"{request.url.scheme}://{request.url.netloc}")

    async def enroll_get(request: Request, clerk: ClerkSession) -> Response:
        return await enroll_page(request, clerk)

    async def enroll_post(request: Request, clerk: ClerkSession) -> Response:
        form = await request.form()
        village, hours_text = str(form.get("village_code", "")).strip(), str(form.get("hours", "72"))
        kept = {"village_code": village, "hours": hours_text}
        hours = int(hours_text) if hours_text.strip().isdigit() else 0
        if not 1 <= hours <= MAX_HOURS:
            return await enroll_page(request, clerk, status=400, form=kept, problem=t_in(
                clerk.lang, "manage.bad_hours", most=MAX_HOURS))
        try:
            code = await anyio.to_thread.run_sync(
                lambda: issue_code(clerk.node, village, hours=hours))
        except (SyncError, StorageError) as exc:
            return await enroll_page(request, clerk, status=400, form=kept,
                                     problem=said(exc, clerk.lang))
        codes = await anyio.to_thread.run_sync(open_codes, console.store.database)
        mine = next((c for c in codes if c.code_id == code[:4]), None)
        issued = {"code": code, "village_code": village, "hours": hours,
                  "expires": mine.expires if mine else "",
                  "qr": Markup(qr.svg(code, label=t_in(clerk.lang, "manage.qr_label", code=code)))}
        return await enroll_page(request, clerk, issued=issued, form={"hours": hours_text})

    async def revoke_page(request: Request, clerk: ClerkSession) -> Response:
        device = request.path_params["device_id"]
        peer = await anyio.to_thread.run_sync(sync_peers.peer, console.store.database, device)
        if peer is None or peer.role != "village" or peer.revoked or console.node.kind != "township":
            return kit.error(request, clerk, t_in(clerk.lang, "manage.revoke_none", device=device),
                             404)
        return kit.render(request, "revoke.html", clerk.lang, 200, clerk, peer=peer,
                          last_seen=local(peer.last_seen_at))

    async def revoke_post(request: Request, clerk: ClerkSession) -> Response:
        device = request.path_params["device_id"]
        try:
            version = await anyio.to_thread.run_sync(lambda: revoke(clerk.node, device))
        except (SyncError, StorageError) as exc:
            return kit.error(request, clerk, said(exc, clerk.lang), 409)
        return RedirectResponse("/console/devices?" + urlencode(
            {"done": "revoked", "device": device, "version": version}), status_code=303)

    manager = kit.manager_only
    return [
        Route("/console/staff", manager(staff), methods=["GET"]),
        Route("/console/staff/add", manager(add), methods=["POST"]),
        Route("/console/staff/active", manager(active), methods=["POST"]),
        Route("/console/staff/pin", manager(set_pin), methods=["POST"]),
        Route("/console/staff/desk", manager(desk), methods=["POST"]),
        Route("/console/staff/window", manager(save_window), methods=["POST"]),
        Route("/console/staff/away", kit.clerk_only(away), methods=["POST"]),
        Route("/console/me", kit.clerk_only(me), methods=["GET"]),
        Route("/console/enroll", manager(enroll_get), methods=["GET"]),
        Route("/console/enroll", manager(enroll_post), methods=["POST"]),
        Route("/console/devices/{device_id}/revoke", manager(revoke_page), methods=["GET"]),
        Route("/console/devices/{device_id}/revoke", manager(revoke_post), methods=["POST"]),
    ]


__all__ = ["MANAGE_MESSAGES", "routes"]
