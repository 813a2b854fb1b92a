"""The supervision pages of the console: cards, figures with charts, the settings, the hall board.

/console/cards is each clerk's worklist of cards (the 中心负责人 sees the whole center's and
the roll-ups); /console/figures the period's figures, its charts drawn as SVG by
`charts.py` and served as images of their own; /console/settings/supervision the manager's
yellow-card days. /board is the hall's television: public, GET only, no session, counters and
masked case numbers only, refreshing itself.
"""

from __future__ import annotations

from datetime import date, datetime

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from center import supervision
from center.console import app as console_app
from center.console import charts, watching
from center.console.app import Kit, said
from center.console.auth import ClerkSession
from center.console.supervision_texts import SUPERVISION_MESSAGES as SUPERVISION_MESSAGES
from forms.model import ServiceItem
from storage.errors import StorageError
from sync.i18n import status_in, t_in

BOARD_SECONDS = 30
CHARTS = ("months", "villages", "items")
SVG_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    # The chart's own <style> is inside the SVG; nothing in it may run or load.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


def _lang(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.headers.get("Accept-Language", "zh")
    return "en" if wanted.lower().startswith("en") else "zh"


def routes(kit: Kit) -> list[BaseRoute]:
    console = kit.console
    kind = console.node.kind

    def is_manager(clerk: ClerkSession) -> bool:
        return clerk.session.operator.role == "manager"

    async def cards(request: Request, clerk: ClerkSession) -> Response:
        today = console_app.today()
        whole = is_manager(clerk) and request.query_params.get("scope") != "mine"
        session = clerk.session

        def load() -> tuple[list[supervision.Card], dict[str, list[tuple[str, int, int, int]]],
                            watching.Names, int]:
            watching.settle(session, today)
            found = watching.cards_of(session, today, clerk=None if whole else clerk.name)
            rolled = watching.rollups(session.store.database, today,
                                      watching.rollup_dims(kind)) if whole else {}
            with session.store.database.read() as db:
                yellow = supervision.settings(db).yellow_days
            return found, rolled, watching.names(session), yellow

        found, rolled, names, yellow = await anyio.to_thread.run_sync(load)
        return kit.render(request, "cards.html", clerk.lang, clerk=clerk, cards=found,
                          counts=watching.counted(found), rollups=rolled, names=names,
                          whole=whole, manager=is_manager(clerk), yellow=yellow, today=today,
                          left=lambda c: watching.left_text(c, clerk.lang),
                          limit=200)

    def query(request: Request) -> tuple[str, str]:
        q = request.query_params
        period = q.get("period", "").strip() or watching.this_month(console_app.today())
        return period, q.get("by", "item").strip() or "item"

    async def figures(request: Request, clerk: ClerkSession) -> Response:
        period, by = query(request)
        today = console_app.today()
        database = console.store.database

        def load() -> tuple[watching.FigureTable, list[tuple[str, supervision.Figures]],
                            list[supervision.Figures], list[supervision.Figures], watching.Names]:
            table = watching.figure_table(database, period, by, today, kind, clerk.lang)
            line = watching.month_series(database, period, today)
            villages = watching.figure_table(database, period, "village", today, kind).rows
            items = watching.figure_table(database, period, "item", today, kind).rows
            return table, line, villages, items, watching.names(clerk.session)

        try:
            table, line, villages, items, names = await anyio.to_thread.run_sync(load)
        except StorageError as exc:
            return kit.render(request, "figures.html", clerk.lang, 400, clerk,
                              problem=said(exc, clerk.lang), period=period, by=by,
                              dims=watching.figure_dims(kind), table=None,
                              periods=_periods(today))
        chart_query = f"period={table.period}"
        return kit.render(request, "figures.html", clerk.lang, clerk=clerk, problem="",
                          period=table.period, by=table.by, dims=watching.figure_dims(kind),
                          table=table, line=line, villages=villages[:charts.MAX_BARS],
                          items=items[:charts.MAX_BARS], names=names, pct=watching.percent,
                          chart_query=chart_query, periods=_periods(today))

    async def chart(request: Request, clerk: ClerkSession) -> Response:
        name = request.path_params["name"]
        period, _ = query(request)
        today = console_app.today()
        database = console.store.database
        lang = clerk.lang
        if name not in CHARTS:
            return kit.error(request, clerk, t_in(lang, "sup.bad_chart", name=name), 404)

        def draw() -> bytes:
            if name == "months":
                line = watching.month_series(database, period, today)
                return charts.months_line(
                    t_in(lang, "sup.chart.months"), [m for m, _ in line],
                    [f.received for _, f in line], [f.ontime_rate for _, f in line],
                    t_in(lang, "sup.chart.received"), t_in(lang, "sup.chart.ontime"))
            dim = "village" if name == "villages" else "item"
            rows = watching.figure_table(database, period, dim, today, kind).rows
            names = watching.names(clerk.session)
            label = [names.item(r.key) if dim == "item" else names.of(dim, r.key, lang)
                     for r in rows]
            return charts.bars(t_in(lang, f"sup.chart.{name}", period=period.upper()), label,
                               [r.received for r in rows], t_in(lang, "sup.chart.received"))

        try:
            svg = await anyio.to_thread.run_sync(draw)
        except StorageError as exc:
            return kit.error(request, clerk, said(exc, lang), 400)
        return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)

    def items_of() -> list[ServiceItem]:
        return sorted((e for e in console.store.catalog().entries() if isinstance(e, ServiceItem)),
                      key=lambda e: e.code)

    async def settings_page(request: Request, clerk: ClerkSession, *, status: int = 200,
                            problem: str = "", form: dict[str, str] | None = None) -> Response:
        def load() -> tuple[supervision.Settings, list[ServiceItem]]:
            with console.store.database.read() as db:
                return supervision.settings(db), items_of()

        current, items = await anyio.to_thread.run_sync(load)
        shown = form if form is not None else {
            "yellow_days": str(current.yellow_days), "followup_days": str(current.followup_days),
            "complaint_days": str(current.complaint_days),
            **{f"item.{code}": str(days) for code, days in current.item_yellow_days.items()}}
        return kit.render(request, "supervision_settings.html", clerk.lang, status, clerk,
                          form=shown, items=items, problem=problem,
                          items_open=any(k.startswith("item.") and v for k, v in shown.items()),
                          done=request.query_params.get("done") == "1" and not problem)

    async def settings_get(request: Request, clerk: ClerkSession) -> Response:
        return await settings_page(request, clerk)

    async def settings_post(request: Request, clerk: ClerkSession) -> Response:
        posted = await request.form()
        form = {k: str(v).strip() for k, v in posted.items() if k != "csrf"}
        labels = {"yellow_days": "sup.settings.yellow", "followup_days": "sup.settings.followup",
                  "complaint_days": "sup.settings.complaint"}
        values: dict[str, int] = {}
        items = {e.code: e.name for e in items_of()}
        for key, text in form.items():
            if key.startswith("item.") and (key[5:] not in items or not text):
                continue  # blank: the item uses the default; an unknown code is not ours to keep
            if key not in labels and not key.startswith("item."):
                continue
            low = 1 if key in ("followup_days", "complaint_days") else 0
            if not text.isdigit() or not low <= int(text) <= supervision.MAX_DAYS:
                label = (t_in(clerk.lang, labels[key]) if key in labels
                         else t_in(clerk.lang, "sup.key.named", name=items[key[5:]],
                                   code=key[5:]))
                return await settings_page(request, clerk, status=400, form=form, problem=t_in(
                    clerk.lang, "sup.settings.not_number", label=label, value=text, low=low,
                    high=supervision.MAX_DAYS))
            values[key] = int(text)
        new = supervision.Settings(
            yellow_days=values.get("yellow_days", 2),
            item_yellow_days={k[5:]: v for k, v in values.items() if k.startswith("item.")},
            followup_days=values.get("followup_days", 15),
            complaint_days=values.get("complaint_days", 15))

        def save() -> None:
            with console.store.database.write() as db:
                supervision.save_settings(db, clerk.session.keys, new, clerk.name,
                                          calendar=clerk.session.calendar())

        try:
            await anyio.to_thread.run_sync(save)
        except StorageError as exc:
            return await settings_page(request, clerk, status=400, form=form,
                                       problem=said(exc, clerk.lang))
        return RedirectResponse("/console/settings/supervision?done=1", status_code=303)

    async def hall_board(request: Request) -> Response:
        lang = _lang(request)
        today = console_app.today()
        found = await anyio.to_thread.run_sync(lambda: watching.board(console.node.session, today))
        return kit.render(request, "board.html", lang, board=found, pct=watching.percent,
                          seconds=BOARD_SECONDS, updated=datetime.now().strftime("%H:%M"),
                          today=today, status_name=lambda s: status_in(lang, s, kind))

    manager = kit.manager_only
    return [
        Route("/board", hall_board, methods=["GET"]),
        Route("/console/cards", kit.clerk_only(cards), methods=["GET"]),
        Route("/console/figures", kit.clerk_only(figures), methods=["GET"]),
        Route("/console/figures/chart/{name}.svg", kit.clerk_only(chart), methods=["GET"]),
        Route("/console/settings/supervision", manager(settings_get), methods=["GET"]),
        Route("/console/settings/supervision", manager(settings_post), methods=["POST"]),
    ]


def _periods(today: date) -> list[str]:
    """The picker's suggestions: the last twelve months and the last four quarters."""
    months = supervision.last_months(today, 12)[::-1]
    quarters: list[str] = []
    for month in months:
        quarter = f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
        if quarter not in quarters:
            quarters.append(quarter)
    return months + quarters[:4]


__all__ = ["SUPERVISION_MESSAGES", "routes"]
