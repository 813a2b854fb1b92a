"""The console's downloads of the 台账 and the monthly 通报, for any clerk's session.

GET /console/ledger?month=2026-10&format=xlsx|csv[&by=item|village|window] and
GET /console/bulletin?month=2026-10: made in memory (center/ledger.py, center/bulletin.py, the
same builders the command line writes files with) and sent as an attachment, `no-store`. A bad
month or format is said on the console's error page in the clerk's language and makes nothing.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from center.bulletin import bulletin_of, bulletin_pdf, check_month, file_stem
from center.console.app import Kit, said
from center.console.auth import ClerkSession
from center.console.notices import RENDERS
from center.ledger import FORMATS, check_period, check_sheet, ledger_bytes, ledger_of
from center.outfiles import refusal
from storage.errors import StorageError
from sync.i18n import t_in

MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def attachment(data: bytes, name: str, kind: str) -> Response:
    return Response(data, media_type=MEDIA[kind], headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    })


def this_month() -> str:
    return date.today().isoformat()[:7]


def routes(kit: Kit) -> list[BaseRoute]:
    store = kit.console.store

    async def ledger(request: Request, clerk: ClerkSession) -> Response:
        query = request.query_params
        period = query.get("month") or this_month()
        fmt = (query.get("format") or "xlsx").lower()
        try:
            check_period(period)
            sheet = check_sheet(query.get("by") or "item")
            if fmt not in FORMATS:
                raise refusal("ledger.bad_format", text=fmt)
            book = await anyio.to_thread.run_sync(lambda: ledger_of(store, period))
        except StorageError as exc:
            return kit.error(request, clerk, said(exc, clerk.lang), 400)
        data = ledger_bytes(book, clerk.lang, fmt, sheet)
        name = f"{t_in(clerk.lang, 'ledger.stem')}-{book.period}"
        return attachment(data, f"{name}.{fmt}", fmt)

    async def bulletin(request: Request, clerk: ClerkSession) -> Response:
        period = request.query_params.get("month") or this_month()

        def make() -> tuple[str, bytes]:
            facts = bulletin_of(store, period)
            with RENDERS:  # the font is large while it renders: one at a time
                return file_stem(facts, clerk.lang), bulletin_pdf(facts, clerk.lang)

        try:
            check_month(period)
        except StorageError as exc:
            return kit.error(request, clerk, said(exc, clerk.lang), 400)
        try:
            stem, data = await anyio.to_thread.run_sync(make)
        except StorageError as exc:  # no font to print with
            return kit.error(request, clerk, said(exc, clerk.lang), 503)
        return attachment(data, f"{stem}.pdf", "pdf")

    return [Route("/console/ledger", kit.clerk_only(ledger)),
            Route("/console/bulletin", kit.clerk_only(bulletin))]
