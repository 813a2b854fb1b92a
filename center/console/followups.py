"""The console's 差评跟进 pages: the list of follow-ups with due days and colours, and the step form.

GET /console/followups lists them (open first, most urgent first; `?open=1` only those in hand),
coloured as the cards are (blue in hand, yellow in its last working days, red late). POST
/console/case/{id}/follow-up records the next step of the case's follow-up (`center.followup.record`:
in order, by the clerk who handled the case); a refusal is said beside the form on the case page
in the clerk's language and writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from center import followup, supervision
from center.console import cases
from center.console.app import Kit, said
from center.console.auth import ClerkSession
from center.console.followup_texts import FOLLOWUP_MESSAGES as FOLLOWUP_MESSAGES  # the words
from storage.errors import StorageError
from sync.i18n import status_in


def routes(kit: Kit) -> list[BaseRoute]:
    console = kit.console

    async def listing(request: Request, clerk: ClerkSession) -> Response:
        open_only = request.query_params.get("open") == "1"
        today = date.today()

        def read() -> tuple[list[followup.Followup], int]:
            with console.store.database.read() as db:
                return (followup.followups(db, open_only=open_only),
                        supervision.settings(db).followup_days)

        found, days = await anyio.to_thread.run_sync(read)
        calendar = console.node.session.calendar()
        rows = [(f, f.colour(today), f.days_left(calendar, today),
                 followup.state_text(f, today, clerk.lang)) for f in found]
        return kit.render(request, "followups.html", clerk.lang, clerk=clerk, rows=rows,
                          open_only=open_only, days=days)

    async def step(request: Request, clerk: ClerkSession) -> Response:
        app_id = request.path_params["app_id"]
        form = await request.form()
        wanted = str(form.get("step", ""))
        note, result = str(form.get("note", "")), str(form.get("result", ""))

        def record() -> followup.Followup:
            with console.store.database.read() as db:
                found = followup.for_case(db, app_id)
            if found is None:
                raise followup._refusal("followup.unknown", id=app_id)
            return followup.record(clerk.node, found.id, wanted, note, result)

        try:
            await anyio.to_thread.run_sync(record)
        except StorageError as exc:  # refused: nothing was written; said beside the form
            return await _case_again(kit, request, clerk, app_id, said(exc, clerk.lang),
                                     {"note": note, "result": result})
        return RedirectResponse(f"/console/case/{quote(app_id)}?followed={quote(wanted)}",
                                status_code=303)

    return [Route("/console/followups", kit.clerk_only(listing), methods=["GET"]),
            Route("/console/case/{app_id}/follow-up", kit.clerk_only(step), methods=["POST"])]


async def _case_again(kit: Kit, request: Request, clerk: ClerkSession, app_id: str,
                      problem: str, given: dict[str, Any]) -> Response:
    """The case page once more, the refusal beside the follow-up form, what was typed kept."""
    import secrets

    kind = kit.console.node.kind
    try:
        page = await anyio.to_thread.run_sync(
            lambda: cases.read(clerk.session, app_id, False, lang=clerk.lang, kind=kind))
    except StorageError as exc:
        return kit.error(request, clerk, said(exc, clerk.lang), 404)
    return kit.render(request, "case.html", clerk.lang, 400, clerk, page=page, case=page.case,
                      message="", done="", form_token=secrets.token_urlsafe(16),
                      decisions=page.decisions, followup_problem=problem, followup_given=given,
                      status_name=lambda s: status_in(clerk.lang, s, kind))
