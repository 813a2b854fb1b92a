"""`service-center cards` and `service-center figures`: the supervision pages' numbers on the command line.

The same reading as the console's /console/cards and /console/figures (`center.console.watching`):
a clerk sees the cards they answer for, the 中心负责人 the whole center's (or their own with
--mine); --by rolls the cards up, or groups the figures.
"""

from __future__ import annotations

from typing import Any

from center.console import supervision_texts as supervision_texts  # the words, in the catalogue
from center.console import watching
from sync.cli import Context
from sync.i18n import language, t


def cards(ctx: Context, node: Any) -> int:
    from center.console.app import today

    session, day, lang = node.session, today(), language()
    if ctx.args.by:
        watching.checked_dim(ctx.args.by, watching.rollup_dims(node.kind), lang)
    watching.settle(session, day)
    if ctx.args.by:
        rows = watching.rollups(session.store.database, day, (ctx.args.by,))[ctx.args.by]
        names = watching.names(session)
        ctx.emit([{"key": k, "yellow": y, "red": r, "blue": b} for k, y, r, b in rows],
                 lambda: "\n".join(t("sup.cli.rollup", name=names.of(ctx.args.by, k, lang),
                                     yellow=y, red=r, blue=b) for k, y, r, b in rows)
                 or t("sup.cards.none"))
        return 0
    mine = ctx.args.mine or session.operator.role != "manager"
    found = watching.cards_of(session, day, clerk=session.operator.name if mine else None)
    names = watching.names(session)

    def text() -> str:
        counts = watching.counted(found)
        lines = [t("sup.cli.card", colour=t(f"sup.colour.{c.colour}"),
                   subject=t(f"sup.subject.{c.subject}"), case=c.application_id or "—",
                   item=names.item(c.item_code) if c.item_code else "—", due=c.due_on or "—",
                   left=watching.left_text(c, lang), clerk=c.clerk or "—") for c in found]
        return "\n".join([*lines, t("sup.cards.count", **counts)])

    ctx.emit([{**c.__dict__} for c in found], text)
    return 0


def figures(ctx: Context, node: Any) -> int:
    from center.console.app import today

    lang = language()
    by = ctx.args.by or "all"
    table = watching.figure_table(node.session.store.database, ctx.args.period, by, today(),
                                  node.kind, lang)
    rows = table.rows
    names = watching.names(node.session)

    def line(key: str, f: Any) -> str:
        return t("sup.cli.figures", name=key, received=f.received,
                 ontime_instant=watching.percent(f.ontime_rate_instant),
                 ontime_promised=watching.percent(f.ontime_rate_promised), late=f.late,
                 satisfaction=watching.percent(f.satisfaction),
                 rectify=watching.percent(f.rectify_rate), complaints=f.complaints)

    ctx.emit({"period": table.period, "months": table.months, "by": by,
              "rows": [f.as_dict() for f in rows], "total": table.total.as_dict()},
             lambda: "\n".join([*(line(names.of(by, f.key, lang), f) for f in rows),
                                line(t("sup.figures.total"), table.total)]))
    return 0
