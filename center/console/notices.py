"""A case's decision notice (办结通知书 / 不予受理通知书) as a PDF in the clerk's browser, to print.

GET /console/case/{app_id}/notice.pdf, for a clerk's session only. The PDF is made in memory
(sync/paper: the same builder and layout the village prints with) and sent `no-store`, never
written to the center's disk: it carries the applicant's name. Each opening is audited
(`notice.printed`, detail `console`), as a case view is.
"""

from __future__ import annotations

import threading
from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from center.console.app import Kit, said
from center.console.auth import ClerkSession
from storage.errors import NotFound, StorageError
from sync.i18n import t_in
from sync.paper.decisions import NotDecided, read_notice
from sync.paper.document import Document
from sync.receipts import vouch

# Laying out a notice loads the CJK font (about 180 MB while it renders): one at a time, so
# a hall of windows printing at once queues for seconds instead of exhausting a small PC.
RENDERS = threading.BoundedSemaphore(1)


def routes(kit: Kit) -> list[BaseRoute]:
    async def notice_pdf(request: Request, clerk: ClerkSession) -> Response:
        app_id = request.path_params["app_id"]

        def make() -> tuple[Document, bytes]:
            from sync.paper.fonts import find_cjk_font
            from sync.paper.pdf import render

            document = vouch(clerk.session, read_notice(clerk.session, app_id, lang=clerk.lang))
            with RENDERS:
                data = render([document], find_cjk_font())
            clerk.session.log("notice.printed", document.reference, "console")
            return document, data

        try:
            document, data = await anyio.to_thread.run_sync(make)
        except StorageError as exc:  # no such case, no decision, no font to print with
            status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, NotDecided) else 503
            return kit.error(request, clerk, said(exc, clerk.lang), status)
        name = f"{t_in(clerk.lang, 'pdf.stem.' + document.kind)}-{document.reference}.pdf"
        return Response(data, media_type="application/pdf", headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            # as the case's scans are sent: the browser's own PDF viewer still draws it
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
            "Referrer-Policy": "no-referrer",
        })

    return [Route("/console/case/{app_id}/notice.pdf", kit.clerk_only(notice_pdf))]
