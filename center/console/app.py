"""The clerks' console: server-rendered pages over the center's own store, in the same process.

Routes live under /console; every one but the login page and the static files needs a clerk
session (else a redirect to the login page, nothing shown). Every POST carries the session's
CSRF token. Store work runs in worker threads, as the sync routes' does. Pages that show an
applicant's personal data and every scan opened are written to the audit chain (查询留痕).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from center import texts as texts  # the center's words join the catalogue
from center.console import cases
from center.console.auth import COOKIE, LOGIN_COOKIE, ClerkSession, Sessions, same
from center.desks import set_up_windows
from center.ingest import DECISIONS, DecisionError, decide, last_event
from storage import sync_alarms, sync_peers, windows
from storage.errors import AuthError, InvalidRequest, StorageError
from storage.store import Store
from sync.errors import SyncError
from sync.i18n import describe, status_in, t_in
from sync.node import Node

HERE = Path(__file__).parent
PAGE = 50


@dataclass
class Console:
    node: Node  # the serving center (its store is the one the clerks work in)
    sessions: Sessions
    secure_cookies: bool = False

    @property
    def store(self) -> Store:
        return self.node.session.store


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    return env


ENV = _env()
Handler = Callable[[Request, ClerkSession], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class Kit:
    """What a module of console pages needs: the console, page rendering and the guards.

    Each module (`manage.py`, `publishing.py`, `notices.py`, ...) exports
    `routes(kit) -> list[BaseRoute]`; `console_routes` joins them. `clerk_only` wraps a
    handler so it runs only for a live session and, for a POST, a matching CSRF token;
    `manager_only` also requires the 中心负责人 role.
    """

    console: Console
    render: Callable[..., HTMLResponse]
    clerk_only: Callable[[Handler], Endpoint]
    manager_only: Callable[[Handler], Endpoint]
    error: Callable[[Request, ClerkSession, str, int], HTMLResponse]


def said(exc: Exception, lang: str) -> str:
    """A typed error's message in the clerk's language."""
    return describe(exc, lang)


def console_routes(node: Node, *, secure_cookies: bool = False,
                   idle_seconds: float | None = None) -> list[BaseRoute]:
    console = Console(node, Sessions() if idle_seconds is None else Sessions(idle_seconds),
                      secure_cookies)
    set_up_windows(node)

    def render(request: Request, template: str, lang: str, status: int = 200,
               clerk: ClerkSession | None = None, **values: Any) -> HTMLResponse:
        def tr(key: str, **kw: Any) -> str:
            return t_in(lang, key, **kw)

        html = ENV.get_template(template).render(
            _=tr, lang=lang, clerk=clerk, csrf=clerk.csrf if clerk else "",
            center_name=console.store.info.village_name, node_kind=console.node.kind,
            request=request, **values)
        response = HTMLResponse(html, status_code=status)
        response.headers["Cache-Control"] = "no-store"  # personal data: never kept by a browser
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
            " frame-ancestors 'none'; form-action 'self'")
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def to_login(request: Request) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=204, headers={"HX-Redirect": "/console/login"})
        return RedirectResponse("/console/login", status_code=303)

    def clerk_only(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            clerk = console.sessions.get(request.cookies.get(COOKIE))
            if clerk is None:
                return to_login(request)
            if not await anyio.to_thread.run_sync(active, clerk.name):
                console.sessions.close(clerk.token)  # disabled since they logged in
                return to_login(request)
            if request.method == "POST":
                form = await request.form()
                if not same(str(form.get("csrf", "")), clerk.csrf):
                    return render(request, "error.html", clerk.lang, 403, clerk,
                                  message=t_in(clerk.lang, "console.csrf"))
            return await handler(request, clerk)

        return run

    def active(name: str) -> bool:
        with console.store.database.read() as db:
            row = db.execute("SELECT active FROM operators WHERE name = ?", [name]).fetchone()
        return bool(row and row[0])

    def manager_only(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def managed(request: Request, clerk: ClerkSession) -> Response:
            if clerk.session.operator.role != "manager":
                return render(request, "error.html", clerk.lang, 403, clerk,
                              message=t_in(clerk.lang, "console.manager_only"))
            return await handler(request, clerk)

        return clerk_only(managed)

    def error(request: Request, clerk: ClerkSession, message: str, status: int) -> HTMLResponse:
        return render(request, "error.html", clerk.lang, status, clerk, message=message)

    kit = Kit(console, render, clerk_only, manager_only, error)

    async def login_page(request: Request, message: str = "", status: int = 200,
                         name: str = "") -> Response:
        lang = _lang_of(request)
        token = secrets.token_urlsafe(24)
        operators = await anyio.to_thread.run_sync(console.store.operators)
        response = render(request, "login.html", lang, status, login_token=token, message=message,
                          names=[o.name for o in operators if o.active], name=name)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                            secure=console.secure_cookies, path="/console")
        return response

    async def login_get(request: Request) -> Response:
        if console.sessions.get(request.cookies.get(COOKIE)) is not None:
            return RedirectResponse("/console/", status_code=303)
        return await login_page(request)

    async def login_post(request: Request) -> Response:
        lang = _lang_of(request)
        form = await request.form()
        if not same(str(form.get("login_token", "")), request.cookies.get(LOGIN_COOKIE)):
            return await login_page(request, t_in(lang, "console.csrf"), 403)
        name, pin = str(form.get("name", "")).strip(), str(form.get("pin", ""))
        if not name or not pin:
            return await login_page(request, t_in(lang, "console.login_missing"), 400, name)
        try:
            session = await anyio.to_thread.run_sync(console.store.login, name, pin)
        except AuthError as exc:
            return await login_page(request, describe(exc, lang), 401, name)
        except StorageError as exc:
            return await login_page(request, describe(exc, lang), 400, name)
        node = await anyio.to_thread.run_sync(Node.of, session)
        clerk = console.sessions.open(session, node, lang)
        response = RedirectResponse("/console/", status_code=303)
        response.set_cookie(COOKIE, clerk.token, httponly=True, samesite="strict",
                            secure=console.secure_cookies, path="/console")
        response.delete_cookie(LOGIN_COOKIE, path="/console")
        return response

    async def logout(request: Request, clerk: ClerkSession) -> Response:
        console.sessions.close(clerk.token)
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(COOKIE, path="/console")
        return response

    async def language(request: Request, clerk: ClerkSession) -> Response:
        form = await request.form()
        clerk.lang = "en" if str(form.get("lang", "")).startswith("en") else "zh"
        back = str(form.get("back", "/console/"))
        return RedirectResponse(back if back.startswith("/console/") else "/console/",
                                status_code=303)

    async def worklist(request: Request, clerk: ClerkSession) -> Response:
        q = request.query_params
        filters = cases.Filters(
            status=q.get("status", ""), item=q.get("item", ""), village=q.get("village", ""),
            since=q.get("since", ""), until=q.get("until", ""), search=q.get("q", "").strip(),
            after=q.get("after", ""),
            scope="all" if q.get("scope") == "all" else "mine", new_only=q.get("new") == "1")
        full = not request.headers.get("HX-Request")
        if (full and not filters.new_only) or not clerk.looked_loaded:
            # New means: arrived since the clerk's previous full look (kept in the store, so it
            # outlives a log-out); the filters' partial refreshes of this page keep that mark.
            clerk.looked_at = await anyio.to_thread.run_sync(cases.last_looked, clerk.session)
            clerk.looked_loaded = True
            if full and not filters.new_only:
                await anyio.to_thread.run_sync(cases.looked_now, clerk.session)
        try:
            listing = await anyio.to_thread.run_sync(
                lambda: cases.worklist(clerk.session, filters, since_seen=clerk.looked_at,
                                       page_size=PAGE))
        except InvalidRequest as exc:
            listing, problem = cases.Listing([], 0, [], []), describe(exc, clerk.lang)
        else:
            problem = ""
        query = {k: v for k, v in q.items() if k != "after" and v}
        template = "worklist_rows.html" if request.headers.get("HX-Request") else "worklist.html"
        return render(request, template, clerk.lang, clerk=clerk, listing=listing, f=filters,
                      cap=cases.COUNT_CAP, problem=problem, statuses=cases.STATUSES, query=urlencode(query),
                      status_name=lambda s: status_in(clerk.lang, s, console.node.kind))

    async def case_page(request: Request, clerk: ClerkSession, *, message: str = "",
                        status: int = 200, done: str = "") -> Response:
        app_id = request.path_params["app_id"]
        try:
            page = await anyio.to_thread.run_sync(lambda: read_page(clerk, app_id))
        except InvalidRequest as exc:
            return render(request, "error.html", clerk.lang, 404, clerk, message=describe(exc, clerk.lang))
        done = done or request.query_params.get("done", "")
        return render(request, "case.html", clerk.lang, status, clerk, page=page, case=page.case,
                      message=message, done=done, form_token=secrets.token_urlsafe(16),
                      decisions=page.decisions,
                      status_name=lambda s: status_in(clerk.lang, s, console.node.kind))

    def read_page(clerk: ClerkSession, app_id: str, audit: bool = True) -> cases.CasePage:
        return cases.read(clerk.session, app_id, audit, lang=clerk.lang, kind=console.node.kind)

    async def scan(request: Request, clerk: ClerkSession) -> Response:
        app_id, address = request.path_params["app_id"], request.path_params["address"]
        try:
            content, media_type, name = await anyio.to_thread.run_sync(
                cases.open_scan, clerk.session, app_id, address)
        except InvalidRequest as exc:
            return render(request, "error.html", clerk.lang, 404, clerk, message=describe(exc, clerk.lang))
        disposition = "inline" if media_type in cases.INLINE_TYPES else "attachment"
        return Response(content, media_type=media_type, headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        })

    def _decision_body(form: FormData, decision: str, case: cases.CasePage) -> dict[str, Any]:
        if decision == "correction_requested":
            reasons: list[str | dict[str, str]] = []
            for target in case.correctable:
                key = f"{target.kind}:{target.name}"
                if form.get(f"pick:{key}"):
                    text = str(form.get(f"text:{key}", "")).strip() or target.default_reason
                    reasons.append({target.kind: target.name, "text": text})
            other = str(form.get("other", "")).strip()
            if other:
                reasons.append(other)
            return {"reasons": reasons}
        if decision in ("rejected", "revoked"):
            return {"reason": str(form.get("reason", "")).strip()}
        if decision == "completed":
            return {"result": str(form.get("result", "")).strip()}
        if decision == "forwarded":
            return {"note": str(form.get("note", "")).strip()}
        return {}

    async def confirm(request: Request, clerk: ClerkSession) -> Response:
        """The decision as it will be recorded, shown once more before it is."""
        app_id = request.path_params["app_id"]
        form = await request.form()
        decision = str(form.get("decision", ""))
        try:
            page = await anyio.to_thread.run_sync(lambda: read_page(clerk, app_id, False))
        except InvalidRequest as exc:
            return render(request, "error.html", clerk.lang, 404, clerk, message=describe(exc, clerk.lang))
        seen = _int(str(form.get("seen", "")))
        if seen and seen != page.case.last_event:  # someone decided (or the village wrote) since
            return await case_page(request, clerk, status=409, message=t_in(
                clerk.lang, "console.changed_since", id=app_id))
        if decision not in DECISIONS:
            return await case_page(request, clerk, message=t_in(clerk.lang, "console.no_decision"),
                                   status=400)
        body = _decision_body(form, decision, page)
        problem = cases.missing_text(decision, body, clerk.lang)
        if problem:
            return await case_page(request, clerk, message=problem, status=400)
        return render(request, "confirm.html", clerk.lang, clerk=clerk, case=page.case,
                      decision=decision,
                      body=body, fields=[(k, str(v)) for k, v in form.multi_items()
                                         if k not in ("csrf",)],
                      seen=str(form.get("seen", "")), form_token=str(form.get("form_token", "")))

    async def decide_post(request: Request, clerk: ClerkSession) -> Response:
        app_id = request.path_params["app_id"]
        form = await request.form()
        decision, token = str(form.get("decision", "")), str(form.get("form_token", ""))
        target = f"/console/case/{quote(app_id)}"
        if token and token in clerk.used_forms:  # a double click or a resubmitted form
            return RedirectResponse(f"{target}?done={quote(decision)}", status_code=303)
        try:
            page = await anyio.to_thread.run_sync(lambda: read_page(clerk, app_id, False))
            body = _decision_body(form, decision, page)
            seen = _int(str(form.get("seen", "")))

            def record() -> int:
                return decide(clerk.node, app_id, decision, body, expect_last=seen)

            await anyio.to_thread.run_sync(record)
        except (DecisionError, SyncError, InvalidRequest) as exc:
            return await case_page(request, clerk, message=describe(exc, clerk.lang), status=409)
        if token:
            clerk.used_forms.add(token)
        return RedirectResponse(f"{target}?done={quote(decision)}", status_code=303)

    async def take(request: Request, clerk: ClerkSession) -> Response:
        app_id = request.path_params["app_id"]
        try:
            await anyio.to_thread.run_sync(lambda: windows.take(
                console.store.database, clerk.session.keys, app_id, clerk.name))
        except StorageError as exc:
            return await case_page(request, clerk, message=describe(exc, clerk.lang), status=409)
        return RedirectResponse(f"/console/case/{quote(app_id)}?done=taken", status_code=303)

    async def hand_over(request: Request, clerk: ClerkSession) -> Response:
        app_id = request.path_params["app_id"]
        form = await request.form()
        try:
            await anyio.to_thread.run_sync(lambda: windows.hand_over(
                console.store.database, clerk.session.keys, app_id,
                window_code=str(form.get("window", "")), clerk=str(form.get("clerk", "")),
                note=str(form.get("note", "")), by=clerk.name))
        except StorageError as exc:
            return await case_page(request, clerk, message=describe(exc, clerk.lang), status=409)
        return RedirectResponse(f"/console/case/{quote(app_id)}?done=handed", status_code=303)

    async def alarms(request: Request, clerk: ClerkSession) -> Response:
        rows = await anyio.to_thread.run_sync(sync_alarms.alarms, console.store.database)
        late = await anyio.to_thread.run_sync(cases.owed_alarms, clerk.session)
        return render(request, "alarms.html", clerk.lang, clerk=clerk, alarms=rows, owed=late,
                      meaning=lambda kind, detail="": cases.alarm_meaning(
                          kind, clerk.lang, detail or ""))

    async def devices(request: Request, clerk: ClerkSession) -> Response:
        peers = await anyio.to_thread.run_sync(sync_peers.peers, console.store.database, None)
        return render(request, "devices.html", clerk.lang, clerk=clerk, peers=peers)

    async def home(request: Request) -> Response:
        return RedirectResponse("/console/", status_code=303)

    extra: list[BaseRoute] = []
    for module in _page_modules():
        extra += module.routes(kit)
    return [
        *extra,
        Route("/", home),
        Route("/console", home),
        Route("/console/login", login_get, methods=["GET"]),
        Route("/console/login", login_post, methods=["POST"]),
        Route("/console/logout", clerk_only(logout), methods=["POST"]),
        Route("/console/lang", clerk_only(language), methods=["POST"]),
        Route("/console/", clerk_only(worklist)),
        Route("/console/alarms", clerk_only(alarms)),
        Route("/console/devices", clerk_only(devices)),
        Route("/console/case/{app_id}", clerk_only(case_page)),
        Route("/console/case/{app_id}/scan/{address}", clerk_only(scan)),
        Route("/console/case/{app_id}/confirm", clerk_only(confirm), methods=["POST"]),
        Route("/console/case/{app_id}/decide", clerk_only(decide_post), methods=["POST"]),
        Route("/console/case/{app_id}/take", clerk_only(take), methods=["POST"]),
        Route("/console/case/{app_id}/hand-over", clerk_only(hand_over), methods=["POST"]),
        Mount("/console/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def _page_modules() -> list[Any]:
    """The console's other page modules, each with `routes(kit)` (imported here: they import Kit)."""
    from center.console import (
        complaints,
        followups,
        manage,
        notices,
        publishing,
        receipts,
        reports,
        supervising,
    )

    return [notices, manage, publishing, receipts, supervising, reports, followups, complaints]


def _lang_of(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.headers.get("Accept-Language", "zh")
    return "en" if wanted.lower().startswith("en") else "zh"


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def today() -> date:
    return date.today()


__all__ = ["console_routes", "last_event"]
