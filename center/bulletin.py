"""The monthly 通报 (supervision bulletin) as a printable A4 PDF: cards, rates, windows, corrections.

What the seeds' centers post each month: how many yellow, red and blue cards the month saw
and which cases went red (by number), the on-time rates (即办件 and 承诺件 apart), 满意度 and
差评整改率, the best and the worst windows (by on-time rate, then satisfaction) and the items
most often sent back for correction. The numbers are center/supervision.py's (the counters and
the card history); corrections are this center's own `correction_requested` events of the
month (a plain column of the events table: nothing is decrypted). Laid out and rendered by
sync/paper (the same layout and embedded Chinese font as the village's printouts), written
whole or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

import sqlite_utils

from center.console import report_texts as report_texts  # the bulletin's words join the catalogue
from center.ledger import check_period
from center.outfiles import out_file, refusal, write_new
from center.supervision import Figures, figures, settle
from storage import windows
from storage.store import Store
from sync.i18n import t_in
from sync.paper.document import Document, Line, local_time
from sync.paper.fonts import CjkFont, find_cjk_font

RANKED = 3  # windows named as best and as worst
TOP_CORRECTIONS = 5
MAX_RED_LISTED = 200  # a month with more red cases than this is a list for the ledger, not a page


@dataclass(frozen=True)
class RedCase:
    number: str
    item_code: str
    due_on: str
    finished_on: str | None


@dataclass(frozen=True)
class Bulletin:
    month: str
    center: str
    today: str
    total: Figures
    cards: dict[str, int]  # colour -> cards in force at some day of the month
    still_open: int  # of those, not cleared by the month's end
    red_cases: tuple[RedCase, ...]
    best: tuple[tuple[str, str, Figures], ...]  # (window code, name, figures)
    worst: tuple[tuple[str, str, Figures], ...]
    corrections: tuple[tuple[str, int], ...]  # (item code, correction requests), most first
    item_names: dict[str, str]


def month_days(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def check_month(text: str) -> str:
    months = check_period(text)
    if len(months) != 1:  # a quarter: the bulletin is monthly
        raise refusal("ledger.bad_month", text=text)
    return months[0]


def bulletin_facts(db: sqlite_utils.Database, period: str, *, device_id: str, center: str,
                   item_name: Callable[[str], str] = str,
                   today: date | None = None) -> Bulletin:
    """What the month's bulletin says, read from the store (`settle` the cards first)."""
    month = check_month(period)
    today = today or date.today()
    first, last = month_days(month)
    everything = figures(db, [month], by="all", today=today)
    total = everything[0] if everything else Figures(key="")
    span = [last.isoformat(), first.isoformat()]
    cards = {colour: int(n) for colour, n in db.execute(
        "SELECT colour, COUNT(*) FROM cards WHERE raised_on <= ? AND (cleared_on IS NULL"
        " OR cleared_on >= ?) GROUP BY colour", span)}
    still = int(db.execute(
        "SELECT COUNT(*) FROM cards WHERE raised_on <= ? AND (cleared_on IS NULL OR cleared_on > ?)",
        [last.isoformat(), last.isoformat()]).fetchone()[0])
    red = tuple(RedCase(str(n), str(item or ""), str(due or ""), fin) for n, item, due, fin in db.execute(
        "SELECT c.application_id, f.item_code, f.due_on, f.finished_on FROM cards c"
        " LEFT JOIN case_facts f ON f.application_id = c.application_id"
        " WHERE c.subject = 'case' AND c.colour = 'red' AND c.raised_on <= ?"
        " AND (c.cleared_on IS NULL OR c.cleared_on >= ?) ORDER BY f.due_on, c.application_id"
        " LIMIT ?", [*span, MAX_RED_LISTED]))
    best, worst = _ranked(db, month, today)
    corrections = _corrections(db, month, device_id)
    names = {code: item_name(code) for code in {*(c for c, _ in corrections),
                                                 *(r.item_code for r in red)}}
    return Bulletin(month, center, today.isoformat(), total, cards, still, red, best, worst,
                    corrections, names)


def bulletin_of(store: Store, period: str, *, today: date | None = None) -> Bulletin:
    """This center's bulletin: the card history settled up to today, then read."""
    from center.console.cases import catalog_name

    month = check_month(period)  # refused before anything is written
    day = today or date.today()
    with store.database.write() as db:
        settle(db, None, day)  # the days were counted on the calendar when facts were written
    catalog = store.catalog()
    with store.database.read() as db:
        return bulletin_facts(db, month, device_id=store.info.device_id,
                              center=store.info.village_name, today=day,
                              item_name=lambda code: catalog_name(catalog, code))


def _ranked(db: sqlite_utils.Database, month: str, today: date
            ) -> tuple[tuple[tuple[str, str, Figures], ...], tuple[tuple[str, str, Figures], ...]]:
    """Windows that finished cases, best first: on-time rate, then satisfaction, then volume."""
    names = windows.names(db)
    done = [f for f in figures(db, [month], by="window", today=today) if f.done and f.key]
    done.sort(key=lambda f: (-(f.ontime_rate or 0.0), -(f.satisfaction if f.satisfaction is not None
                                                         else -1.0), -f.done, f.key))
    named = [(f.key, names.get(f.key, f.key), f) for f in done]
    # Few windows: the better half are named best and the rest worst, none in both lists.
    best = named[:min(RANKED, (len(named) + 1) // 2)]
    worst = named[len(best):][-RANKED:][::-1]
    return tuple(best), tuple(worst)


def _corrections(db: sqlite_utils.Database, month: str, device_id: str) -> tuple[tuple[str, int], ...]:
    """This center's correction requests of the month by item: its own events, counted by the
    local day they were recorded (recorded_at is UTC; the day either side is read, then kept
    when the local month matches)."""
    first, last = month_days(month)
    rows = db.execute(
        "SELECT e.recorded_at, a.item_code FROM events e JOIN applications a"
        " ON a.id = e.application_id WHERE e.type = 'correction_requested' AND e.device_id = ?"
        " AND e.recorded_at >= ? AND e.recorded_at < ?",
        [device_id, (first - timedelta(days=1)).isoformat(),
         (last + timedelta(days=2)).isoformat()])
    counts = Counter(str(item) for stamp, item in rows if local_time(str(stamp))[:7] == month)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CORRECTIONS])


# ------------------------------------------------------------------------ paper --

def percent(rate: float | None, lang: str) -> str:
    return t_in(lang, "bulletin.no_rate") if rate is None else f"{rate:.1%}"


def bulletin_document(b: Bulletin, lang: str) -> Document:
    """The bulletin as lines (sync/paper's Document): the same layout as every printout."""
    def say(key: str, **values: object) -> str:
        return t_in(lang, key, **values)

    first, last = month_days(b.month)
    f = b.total
    title = say("bulletin.title", year=b.month[:4], month=int(b.month[5:]))
    lines: list[Line] = [
        Line("title", b.center),
        Line("title", title),
        Line("text", say("bulletin.period", first=first.isoformat(), last=last.isoformat(),
                         today=b.today)),
        Line("heavy_rule"),
        Line("text", say("bulletin.cases")),
        Line("entry", say("bulletin.cases_line", received=f.received, done=f.done,
                          instant=f.done_instant, promised=f.done_promised, late=f.late)),
        Line("rule"),
        Line("text", say("bulletin.cards")),
        Line("entry", say("bulletin.cards_line", yellow=b.cards.get("yellow", 0),
                          red=b.cards.get("red", 0), blue=b.cards.get("blue", 0),
                          still=b.still_open)),
    ]
    if b.red_cases:
        lines.append(Line("entry", say("bulletin.red_cases")))
        lines += [Line("item", say("bulletin.red_case", number=r.number,
                                   item=b.item_names.get(r.item_code, r.item_code), due=r.due_on,
                                   state=say("bulletin.red_done", day=r.finished_on)
                                   if r.finished_on else say("bulletin.red_open")), number=n)
                  for n, r in enumerate(b.red_cases, 1)]
    else:
        lines.append(Line("entry", say("bulletin.no_red")))
    lines += [
        Line("rule"),
        Line("text", say("bulletin.rates")),
        Line("entry", say("bulletin.rate_instant", rate=percent(f.ontime_rate_instant, lang),
                          ontime=f.ontime_instant, done=f.done_instant)),
        Line("entry", say("bulletin.rate_promised", rate=percent(f.ontime_rate_promised, lang),
                          ontime=f.ontime_promised, done=f.done_promised)),
        Line("entry", say("bulletin.rate_satisfaction", rate=percent(f.satisfaction, lang),
                          rated=f.rated, bad=f.bad)),
        Line("entry", say("bulletin.rate_rectify", rate=percent(f.rectify_rate, lang),
                          closed=f.bad_closed, bad=f.bad)),
        Line("entry", say("bulletin.complaints_line", n=f.complaints)),
        Line("rule"),
        Line("text", say("bulletin.windows")),
    ]
    if not b.best:
        lines.append(Line("entry", say("bulletin.no_windows")))
    for heading, ranked in (("bulletin.best", b.best), ("bulletin.worst", b.worst)):
        if ranked:
            lines.append(Line("entry", say(heading)))
            lines += [Line("item", say("bulletin.window_line", name=name, code=code,
                                       ontime=percent(w.ontime_rate, lang),
                                       satisfaction=percent(w.satisfaction, lang), done=w.done),
                           number=n) for n, (code, name, w) in enumerate(ranked, 1)]
    lines += [Line("rule"), Line("text", say("bulletin.corrections"))]
    if b.corrections:
        lines += [Line("item", say("bulletin.correction_line", code=code, n=n,
                                   name=b.item_names.get(code, code)), number=i)
                  for i, (code, n) in enumerate(b.corrections, 1)]
    else:
        lines.append(Line("entry", say("bulletin.no_corrections")))
    return Document("bulletin", title, b.center, b.month, tuple(lines), lang)


def bulletin_pdf(b: Bulletin, lang: str, font: CjkFont | None = None) -> bytes:
    """The PDF's bytes (the font is found as the village's printouts find it)."""
    from sync.paper.pdf import render

    return render([bulletin_document(b, lang)], font or find_cjk_font())


def file_stem(b: Bulletin, lang: str) -> str:
    return f"{t_in(lang, 'bulletin.stem')}-{b.month}"


def write_bulletin(target: Path | BinaryIO, b: Bulletin, lang: str, *, force: bool = False,
                   font: CjkFont | None = None) -> None:
    """Checked before the slow rendering, then written whole (or into a buffer)."""
    if isinstance(target, Path):
        out = out_file(target, force)
        write_new(out, bulletin_pdf(b, lang, font), force)
    else:
        target.write(bulletin_pdf(b, lang, font))
