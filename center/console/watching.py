"""What the supervision pages and commands read: cards, roll-ups, figures and the hall board.

Plain functions over the center's store (no HTTP), shared by the console pages
(`supervising.py`) and `service-center cards` / `figures`. The arithmetic is
`center.supervision`'s; here are the choices of what a page shows: which dims a center
groups by, a clerk's own cards, names beside codes, the board's masked numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from center import supervision
from center.console.cases import catalog_name
from forms.model import ServiceItem
from storage import windows
from storage.db import Database
from storage.errors import InvalidRequest
from storage.store import Session
from sync.i18n import t_in

FIGURE_DIMS = ("item", "village", "window", "clerk", "agent")
ROLLUP_DIMS = ("window", "department", "clerk", "village", "item")
COLOURS = ("red", "yellow", "blue")
BOARD_CASES = 12  # today's cases a 1080-line screen shows in large type, below the tiles


def figure_dims(kind: str) -> tuple[str, ...]:
    """The dims a center's figures are grouped by: a county adds its townships."""
    return ("township", *FIGURE_DIMS) if kind == "county" else FIGURE_DIMS


def rollup_dims(kind: str) -> tuple[str, ...]:
    return (*ROLLUP_DIMS, "township") if kind == "county" else ROLLUP_DIMS


def checked_dim(by: str, allowed: tuple[str, ...], lang: str) -> str:
    if by not in allowed:
        choices = t_in(lang, "sup.sep").join(allowed)
        raise InvalidRequest("sup.bad_dim", by=by, choices=choices)
    return by


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class Names:
    """Names beside the codes a row is keyed by (items, windows); other keys are shown as they are."""

    items: dict[str, str] = field(default_factory=dict)
    windows: dict[str, str] = field(default_factory=dict)

    def of(self, dim: str, key: str, lang: str = "zh") -> str:
        if not key:
            return t_in(lang, "sup.key.none")
        name = {"item": self.items, "window": self.windows}.get(dim, {}).get(key)
        return t_in(lang, "sup.key.named", name=name, code=key) if name else key

    def item(self, code: str) -> str:
        return self.items.get(code, code)


def names(session: Session) -> Names:
    catalog = session.store.catalog()
    items = {e.code: e.name for e in catalog.entries() if isinstance(e, ServiceItem)}
    return Names(items, {w.code: w.name for w in windows.windows(session.store.database)})


# ---------------------------------------------------------------- cards


def settle(session: Session, today: date) -> None:
    """Bring the card history up to today before a worklist is read (cheap when nothing moved)."""
    calendar = session.calendar()
    with session.store.database.write() as db:
        supervision.settle(db, calendar, today)


def cards_of(session: Session, today: date, *, clerk: str | None = None,
             limit: int = 200) -> list[supervision.Card]:
    """Today's cards: the whole center's (`clerk` None), or those one clerk answers for: their
    own, their window's cases nobody has taken yet, and those of the away clerks they stand in for."""
    calendar = session.calendar()
    database = session.store.database
    with database.read() as db:
        if clerk is None:
            return supervision.open_cards(db, today, limit=limit, calendar=calendar)
        found = supervision.open_cards(db, today, clerk=clerk, limit=limit, calendar=calendar)
        for other in windows.covered_by(db, clerk):
            found += supervision.open_cards(db, today, clerk=other, limit=limit, calendar=calendar)
        row = db.execute("SELECT window_code FROM operators WHERE name = ?", [clerk]).fetchone()
        if row and row[0]:
            found += supervision.open_cards(db, today, clerk="", window=str(row[0]), limit=limit,
                                            calendar=calendar)
    found.sort(key=lambda c: (COLOURS.index(c.colour), c.due_on or "", c.subject_id))
    return found[:limit]


def rollups(database: Database, today: date, dims: tuple[str, ...]
            ) -> dict[str, list[tuple[str, int, int, int]]]:
    with database.read() as db:
        return {by: supervision.card_rollup(db, today, by) for by in dims}


def counted(cards: list[supervision.Card]) -> dict[str, int]:
    return {colour: sum(1 for c in cards if c.colour == colour) for colour in COLOURS}


def left_text(card: supervision.Card, lang: str) -> str:
    if card.days_left is None:
        return "—"
    if card.days_left < 0:
        return t_in(lang, "sup.left.over", n=-card.days_left)
    return t_in(lang, "sup.left.days", n=card.days_left)


# ---------------------------------------------------------------- figures


@dataclass
class FigureTable:
    period: str
    months: list[str]
    by: str
    rows: list[supervision.Figures]
    total: supervision.Figures


def figure_table(database: Database, period: str, by: str, today: date, kind: str,
                 lang: str = "zh") -> FigureTable:
    """The period's figures grouped by `by` ("all": the total alone), with the center's total."""
    months = supervision.months_of(period)
    if by != "all":
        checked_dim(by, figure_dims(kind), lang)
    with database.read() as db:
        rows = supervision.figures(db, months, by=by, today=today) if by != "all" else []
        total = supervision.figures(db, months, by="all", today=today)
    return FigureTable(period.strip().upper(), months, by, rows,
                       total[0] if total else supervision.Figures(key=""))


def month_series(database: Database, period: str, today: date) -> list[tuple[str, supervision.Figures]]:
    """The twelve months up to the period's last one, for the line chart."""
    last = supervision.months_of(period)[-1]
    end = date(int(last[:4]), int(last[5:7]), 1)
    with database.read() as db:
        return supervision.series(db, supervision.last_months(end, 12), today=today)


def this_month(today: date) -> str:
    return f"{today.year:04d}-{today.month:02d}"


# ---------------------------------------------------------------- the hall board


def mask(number: str) -> str:
    """A case number as the hall may see it: its first 4 and last 3 characters, the rest *."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 7) + number[-3:]


@dataclass(frozen=True)
class BoardCase:
    number: str  # masked
    item: str
    status: str


@dataclass
class Board:
    received_today: int
    finished_today: int
    month: supervision.Figures
    yellow: int
    red: int
    total_today: int
    cases: list[BoardCase]


def board(session: Session, today: date) -> Board:
    """The hall board's numbers: counters and case facts only, never an applicant's record."""
    catalog = session.store.catalog()
    day = today.isoformat()
    with session.store.database.read() as db:
        received = int(db.execute("SELECT COUNT(*) FROM case_facts WHERE received_on = ?",
                                  [day]).fetchone()[0])
        finished = int(db.execute("SELECT COUNT(*) FROM case_facts WHERE finished_on = ?",
                                  [day]).fetchone()[0])
        month = supervision.figures(db, [this_month(today)], by="all", today=today)
        cards = supervision.card_rollup(db, today, "township")
        rows = db.execute(
            "SELECT application_id, item_code, status FROM case_facts WHERE received_on = ?"
            " ORDER BY application_id DESC LIMIT ?", [day, BOARD_CASES]).fetchall()
    return Board(received, finished, month[0] if month else supervision.Figures(key=""),
                 sum(r[1] for r in cards), sum(r[2] for r in cards), received,
                 [BoardCase(mask(str(a)), catalog_name(catalog, str(i)), str(s))
                  for a, i, s in rows])
