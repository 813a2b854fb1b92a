"""The console's 核验回执 page: a clerk scans or types a receipt's code and sees whether it is genuine.

GET /console/check shows the form (a scanner types into its field and presses Enter); POST
checks the code (sync/receipts.check, the same check `service-center check-receipt` runs) with
the clerk's session: genuine or not, which village (or center) issued it, and the paper beside
the case this center holds under its number. Every check is audited (`receipt.checked`). A text
that is no code is said beside the form in the clerk's language and checks nothing.
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from center.console.app import Kit, said
from center.console.auth import ClerkSession
from center.console.receipt_texts import CHECK_MESSAGES as CHECK_MESSAGES  # the page's words
from storage.errors import StorageError
from sync.i18n import status_in
from sync.receipts import Checked, check, verdict_text

MAX_TEXT = 1000  # a code is about 150 characters; typed groups and stray spaces stay far below


def routes(kit: Kit) -> list[BaseRoute]:
    console = kit.console

    async def page(request: Request, clerk: ClerkSession, *, status: int = 200, text: str = "",
                   problem: str = "", checked: Checked | None = None) -> Response:
        verdict = checked.verdict if checked else None
        return kit.render(
            request, "check.html", clerk.lang, status, clerk, text=text, problem=problem,
            checked=checked, verdict=verdict,
            verdict_text=verdict_text(verdict, clerk.lang, console.node.kind) if verdict else "",
            case_status=status_in(clerk.lang, checked.case.status, console.node.kind)
            if checked and checked.case and checked.case.found else "")

    async def check_get(request: Request, clerk: ClerkSession) -> Response:
        return await page(request, clerk)

    async def check_post(request: Request, clerk: ClerkSession) -> Response:
        form = await request.form()
        text = str(form.get("code", ""))[:MAX_TEXT]
        try:
            checked = await anyio.to_thread.run_sync(
                lambda: check(console.store, text, clerk.session))
        except StorageError as exc:  # not a code: nothing was checked or recorded
            return await page(request, clerk, status=400, text=text, problem=said(exc, clerk.lang))
        return await page(request, clerk, text=text, checked=checked)

    return [Route("/console/check", kit.clerk_only(check_get), methods=["GET"]),
            Route("/console/check", kit.clerk_only(check_post), methods=["POST"])]
