"""`service-center followups` and `service-center follow-up ID verify|rectify|call`: a bad rating's follow-up."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from center import followup
from sync.cli import Context
from sync.i18n import language, t

Add = Callable[[str, Callable[[Context], int], str], argparse.ArgumentParser]


def followups(ctx: Context) -> int:
    """The center's follow-ups, the most urgent first (`--open`: the ones still in hand)."""
    from center.cli import _node

    node = _node(ctx)
    with node.session.store.database.read() as db:
        found = followup.followups(db, open_only=ctx.args.open)
    today, lang = date.today(), language()

    def line(f: followup.Followup) -> str:
        return t("followup.line", id=f.id, app=f.application_id, rating=t(f"rating.{f.rating}"),
                 rated=f.rated_on, due=f.due_on, state=followup.state_text(f, today, lang),
                 clerk=f.clerk or "—")

    ctx.emit([{**f.as_dict(), "colour": f.colour(today)} for f in found],
             lambda: "\n".join(line(f) for f in found)
             or t("followup.none_open" if ctx.args.open else "followup.none"))
    return 0


def follow_up(ctx: Context) -> int:
    """One step of a follow-up, in order: verify (核实), rectify (整改), call (回访, closes it)."""
    from center.cli import _node

    followup.check_step(ctx.args.step, ctx.args.note or "", ctx.args.result or "")  # before the PIN
    done = followup.record(_node(ctx), ctx.args.id, ctx.args.step, ctx.args.note or "",
                           ctx.args.result or "")
    step = followup.step_text(ctx.args.step, language())
    ctx.emit({"ok": True, **done.as_dict()},
             lambda: t("followup.recorded_closed" if done.closed_on else "followup.recorded",
                       id=done.id, app=done.application_id, step=step))
    return 0


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("followup.unknown", id=text)) from None


def register(add: Add) -> None:
    p = add("followups", followups, t("center.cli.help.followups"))
    p.add_argument("--open", action="store_true", help=t("center.cli.help.followups.open"))
    p = add("follow-up", follow_up,
            t("center.cli.help.follow_up"))
    p.add_argument("id", type=_number, help=t("center.cli.help.follow_up.id"))
    p.add_argument("step", help=t("center.cli.help.follow_up.step"))
    p.add_argument("--note", help=t("center.cli.help.follow_up.note"))
    p.add_argument("--result", help=t("center.cli.help.follow_up.result"))
