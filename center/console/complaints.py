"""投诉监督台 in the console: the complaints with their due days and cards, taking one, answering one.

Every clerk sees the desk (`kit.clerk_only`); the work is `center.complaints`' (`record`,
`answer`, `listing`), run in worker threads. A refusal is shown above the form in the clerk's
language and changes nothing. The complaint's words are shown here only, to clerks.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from center import complaints as desk
from center.console.app import Kit, said
from center.console.auth import ClerkSession
from center.console.complaint_texts import COMPLAINT_MESSAGES as COMPLAINT_MESSAGES
from storage import windows
from storage.errors import StorageError
from sync.errors import SyncError

DONE = ("recorded", "answered")


def routes(kit: Kit) -> list[BaseRoute]:
    console = kit.console

    async def page(request: Request, clerk: ClerkSession, *, status: int = 200,
                   problem: str = "", form: dict[str, str] | None = None,
                   answering: str = "") -> Response:
        q = request.query_params
        state = q.get("state", "open") if q.get("state", "open") in desk.STATES else "open"
        window = q.get("window", "").strip().upper()
        found = await anyio.to_thread.run_sync(
            lambda: desk.listing(clerk.node, state=state, window=window))
        codes = await anyio.to_thread.run_sync(windows.windows, console.store.database)
        done = q.get("done", "") if q.get("done", "") in DONE else ""
        return kit.render(request, "complaints.html", clerk.lang, status, clerk,
                          complaints=found, today=date.today(), state=state, window=window,
                          windows=codes, states=desk.STATES, done=done, done_id=q.get("id", ""),
                          problem=problem, form=form or {}, answering=answering)

    async def show(request: Request, clerk: ClerkSession) -> Response:
        return await page(request, clerk)

    async def take(request: Request, clerk: ClerkSession) -> Response:
        form = await request.form()
        kept = {k: str(form.get(k, "")) for k in ("case", "window", "text")}
        try:
            number = await anyio.to_thread.run_sync(lambda: desk.record(
                clerk.node, application_id=kept["case"], window_code=kept["window"],
                text=kept["text"]))
        except (StorageError, SyncError) as exc:
            return await page(request, clerk, status=400, problem=said(exc, clerk.lang), form=kept)
        return RedirectResponse("/console/complaints?" + urlencode({"done": "recorded",
                                                                    "id": number}), status_code=303)

    async def reply(request: Request, clerk: ClerkSession) -> Response:
        number = request.path_params["complaint_id"]
        form = await request.form()
        text = str(form.get("answer", ""))
        try:
            await anyio.to_thread.run_sync(lambda: desk.answer(clerk.node, number, text))
        except (StorageError, SyncError) as exc:
            return await page(request, clerk, status=400, problem=said(exc, clerk.lang),
                              form={"answer": text}, answering=number)
        return RedirectResponse("/console/complaints?" + urlencode({"done": "answered",
                                                                    "id": number}), status_code=303)

    return [
        Route("/console/complaints", kit.clerk_only(show), methods=["GET"]),
        Route("/console/complaints", kit.clerk_only(take), methods=["POST"]),
        Route("/console/complaints/{complaint_id}/answer", kit.clerk_only(reply),
              methods=["POST"]),
    ]


__all__ = ["COMPLAINT_MESSAGES", "routes"]
