"""The county publishes from the browser: upload a catalog release or a year's holidays, see what
changes, then publish (center/publish.py does the signing, installing and queueing).

Only a county's 中心负责人 gets these pages; a township's is told the county publishes. An
upload is checked exactly as `service-center publish-catalog` / `publish-calendar` check their
files, and held only in memory under a one-time preview token (uploads.py) until 发布.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import anyio
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from center import publish
from center.changes import calendar_changes, catalog_changes
from center.console import publish_texts as publish_texts  # the pages' words join the catalogue
from center.console.app import Kit, said
from center.console.auth import COOKIE, ClerkSession
from center.console.cases import OPEN, DayCounter
from center.console.uploads import (
    MAX_UPLOAD_BYTES,
    Preview,
    Previews,
    UploadRefused,
    files_of,
    read_capped,
    too_large,
)
from forms.errors import CatalogError
from forms.workdays import WorkingCalendar, YearTable
from storage import catalogs
from storage.errors import StorageError
from storage.store import Session
from sync.errors import SyncError
from sync.i18n import describe, t_in
from sync.releases import PublishError

SHOWN_CASES = 50


@dataclass(frozen=True)
class YearRow:
    year: int
    version: str
    source: str
    holidays: int
    workdays: int
    here: str  # when and by whom it was published or imported at this center; '' if shipped


@dataclass(frozen=True)
class InForce:
    release: catalogs.Release | None
    version: str
    items: int
    bundles: int
    years: list[YearRow]
    townships: int


@dataclass(frozen=True)
class MovedCase:
    id: str
    item_code: str
    village_code: str
    due_date: str
    approximate: bool
    before: int
    after: int


def in_force(session: Session) -> InForce:
    database = session.store.database
    releases = catalogs.releases(database)
    catalog = session.store.catalog()
    with database.read() as db:
        here = {int(r[0]): f"{r[1]} · {r[2]}" for r in db.execute(
            "SELECT year, imported_at, imported_by FROM calendar_years")}
    tables = session.calendar().tables
    years = [YearRow(y, t.version, t.source, len(t.holidays), len(t.workdays), here.get(y, ""))
             for y, t in sorted(tables.items(), reverse=True)]
    return InForce(releases[-1] if releases else None, catalog.version, len(catalog.items),
                   len(catalog.bundles), years, _townships(session))


def _townships(session: Session) -> int:
    with session.store.database.read() as db:
        return len({r[0] for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'township' AND revoked_at IS NULL")})


def cases_moved(session: Session, table: YearTable, today: date) -> list[MovedCase]:
    """Open cases here whose working days left (to the promised date) differ under `table`.

    The promised dates themselves are stored when a case is received and are not recomputed.
    """
    marks = ", ".join("?" for _ in OPEN)
    with session.store.database.read() as db:
        rows = db.execute(
            "SELECT id, item_code, village_code, due_date, due_approximate FROM applications"
            f" WHERE due_date IS NOT NULL AND status IN ({marks}) ORDER BY due_date, id",
            sorted(OPEN)).fetchall()
    dues: list[tuple[Any, date]] = []
    for row in rows:
        try:
            dues.append((row, date.fromisoformat(str(row[3]))))
        except ValueError:
            continue
    if not dues:
        return []
    now = session.calendar()
    then = WorkingCalendar(dict(now.tables))
    then.add_year(table)
    days = [d for _, d in dues]
    before, after = DayCounter(now, days, today), DayCounter(then, days, today)
    moved = []
    for row, due in dues:
        a, b = before.between(today, due), after.between(today, due)
        if a != b:
            moved.append(MovedCase(str(row[0]), str(row[1]), str(row[2] or ""), str(row[3]),
                                   bool(row[4]), a, b))
    return moved


def routes(kit: Kit) -> list[BaseRoute]:
    console = kit.console
    previews = Previews()

    def text(clerk: ClerkSession, exc: UploadRefused) -> str:
        return describe(exc, clerk.lang)

    async def overview(request: Request, clerk: ClerkSession, problem: str = "",
                       status: int = 200) -> Response:
        if console.node.kind != "county":
            return kit.error(request, clerk, t_in(clerk.lang, "publish.county_only"), 403)
        state = await anyio.to_thread.run_sync(in_force, clerk.session)
        return kit.render(request, "publish.html", clerk.lang, status, clerk, state=state,
                          problem=problem, mb=MAX_UPLOAD_BYTES // (1024 * 1024),
                          cancelled=request.query_params.get("cancelled") == "1")

    async def parts_of(request: Request, name: str) -> list[tuple[str, bytes]]:
        form = await request.form()
        return [(f.filename or "", await f.read()) for f in form.getlist(name)
                if isinstance(f, UploadFile) and f.filename]

    async def upload_catalog(request: Request, clerk: ClerkSession) -> Response:
        if console.node.kind != "county":
            return await overview(request, clerk)
        try:
            files = files_of(await parts_of(request, "files"), allow_zip=True)
        except UploadRefused as exc:
            return await overview(request, clerk, text(clerk, exc), 400)

        def check() -> tuple[Any, int, int]:
            new = publish.check_release(files)
            with clerk.session.store.database.read() as db:
                serial = catalogs.installed_serial(db)
            return (catalog_changes(clerk.session.store.catalog(), new), serial,
                    _townships(clerk.session))

        try:
            changes, serial, townships = await anyio.to_thread.run_sync(check)
        except publish.ReleaseRefused as exc:
            key = "publish.catalog_refused" if exc.file else "publish.catalog_refused_whole"
            return await overview(request, clerk, t_in(clerk.lang, key, file=exc.file,
                                                       detail=exc.detail), 400)
        preview = previews.hold(clerk.token, "catalog", files, serial)
        return kit.render(request, "publish_catalog_preview.html", clerk.lang, clerk=clerk,
                          changes=changes, serial=serial, token=preview.token,
                          townships=townships, files=len(files))

    async def upload_calendar(request: Request, clerk: ClerkSession) -> Response:
        if console.node.kind != "county":
            return await overview(request, clerk)
        try:
            files = files_of(await parts_of(request, "file"), allow_zip=False)
            if len(files) != 1:
                raise UploadRefused("publish.one_calendar")
        except UploadRefused as exc:
            return await overview(request, clerk, text(clerk, exc), 400)
        name, data = next(iter(files.items()))
        try:
            table = publish.read_calendar(name, data)
        except CatalogError as exc:
            return await overview(request, clerk, t_in(clerk.lang, "publish.calendar_refused",
                                                       file=name, detail=str(exc)), 400)

        def compare() -> tuple[Any, list[MovedCase], int]:
            old = clerk.session.calendar().tables.get(table.year)
            return (calendar_changes(old, table), cases_moved(clerk.session, table, date.today()),
                    _townships(clerk.session))

        changes, moved, townships = await anyio.to_thread.run_sync(compare)
        base = changes.old.as_mapping() if changes.old else None
        preview = previews.hold(clerk.token, "calendar", table, base)
        return kit.render(request, "publish_calendar_preview.html", clerk.lang, clerk=clerk,
                          changes=changes, moved=moved[:SHOWN_CASES],
                          more=max(len(moved) - SHOWN_CASES, 0), moved_count=len(moved),
                          token=preview.token, townships=townships)

    def run_publish(clerk: ClerkSession, preview: Preview) -> dict[str, Any]:
        node = clerk.node  # the manager's own session: the audit names them
        if preview.kind == "catalog":
            serial, count, version = publish.publish_catalog_files(
                node, preview.payload, expect_serial=preview.base)
            return {"kind": "catalog", "serial": serial, "version": version, "townships": count}
        table: YearTable = preview.payload
        now = clerk.session.calendar().tables.get(table.year)
        if (now.as_mapping() if now else None) != preview.base:
            raise PublishError("publish.stale_calendar", year=table.year)
        count = publish.publish_calendar(node, table)
        return {"kind": "calendar", "year": table.year, "version": table.version or table.source,
                "townships": count}

    async def publish_post(request: Request, clerk: ClerkSession) -> Response:
        if console.node.kind != "county":
            return await overview(request, clerk)
        token = str((await request.form()).get("token", ""))
        preview = previews.take(token, clerk.token)
        if preview is None:
            seen = previews.find(token, clerk.token)
            if seen is not None:  # a second click, or the form sent again: nothing twice
                return RedirectResponse(f"/console/publish/done/{quote(token)}?again=1",
                                        status_code=303)
            return await overview(request, clerk, t_in(clerk.lang, "publish.gone"), 409)
        try:
            outcome = await anyio.to_thread.run_sync(run_publish, clerk, preview)
        except (SyncError, StorageError) as exc:
            previews.failed(preview)
            return await overview(request, clerk, said(exc, clerk.lang), 409)
        previews.done(preview, outcome)
        return RedirectResponse(f"/console/publish/done/{quote(token)}", status_code=303)

    async def done_page(request: Request, clerk: ClerkSession) -> Response:
        if console.node.kind != "county":
            return await overview(request, clerk)
        preview = previews.find(request.path_params["token"], clerk.token)
        if preview is None:
            return kit.error(request, clerk, t_in(clerk.lang, "publish.no_record"), 404)
        if preview.state != "done":
            return kit.error(request, clerk, t_in(clerk.lang, "publish.in_progress"), 409)
        return kit.render(request, "publish_done.html", clerk.lang, clerk=clerk,
                          outcome=preview.outcome, again=request.query_params.get("again") == "1")

    async def cancel(request: Request, clerk: ClerkSession) -> Response:
        previews.discard(str((await request.form()).get("token", "")), clerk.token)
        return RedirectResponse("/console/publish?cancelled=1", status_code=303)

    def capped(handler: Any) -> Any:
        """The upload's body read within the limit before the guard parses the form."""
        guarded = kit.manager_only(handler)

        async def run(request: Request) -> Response:
            replay = await read_capped(request)
            if replay is not None:
                try:
                    return await guarded(replay)
                finally:
                    await replay.close()  # the parsed form's files: its own Request, so ours to close
            clerk = console.sessions.get(request.cookies.get(COOKIE))
            if clerk is None:
                return RedirectResponse("/console/login", status_code=303)
            if clerk.session.operator.role != "manager":
                return kit.error(request, clerk, t_in(clerk.lang, "console.manager_only"), 403)
            return await overview(request, clerk, text(clerk, too_large()), 413)

        return run

    return [
        Route("/console/publish", kit.manager_only(overview), methods=["GET"]),
        Route("/console/publish/catalog", capped(upload_catalog), methods=["POST"]),
        Route("/console/publish/calendar", capped(upload_calendar), methods=["POST"]),
        Route("/console/publish/confirm", kit.manager_only(publish_post), methods=["POST"]),
        Route("/console/publish/cancel", kit.manager_only(cancel), methods=["POST"]),
        Route("/console/publish/done/{token}", kit.manager_only(done_page), methods=["GET"]),
    ]
