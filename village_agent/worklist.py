"""Today's work at a glance (pure): counts by status and the cases supervision colours yellow or red."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from forms.workdays import WorkingCalendar
from storage.applications import Summary
from storage.owed import Owed

# Cases no deadline can still hurt: decided, handed over, rated.
CLOSED = frozenset({"rejected", "completed", "delivered", "rated", "revoked"})
HAND_OVER = ("completed", "rejected")
YELLOW_WORKING_DAYS = 3  # 电子监察: a case turns yellow this many working days before it is due


@dataclass(frozen=True)
class Flagged:
    summary: Summary
    colour: str  # "yellow" | "red"
    working_days_left: int  # negative once past due


@dataclass(frozen=True)
class OwedFlag:
    """A material a villager still owes (容缺, 告知承诺), with the working days left to hand it in."""

    owed: Owed
    summary: Summary
    working_days_left: int  # negative once past due

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0


@dataclass(frozen=True)
class Overview:
    by_status: dict[str, int] = field(default_factory=dict)
    flagged: tuple[Flagged, ...] = ()
    total: int = 0
    owed: tuple[OwedFlag, ...] = ()  # outstanding owed materials, overdue first
    to_decide: int = 0  # village-decided items (放权下沉) waiting for the agent's own decision
    followed_up: int = 0  # bad ratings whose follow-up the township closed (to tell the villager)

    @property
    def owed_overdue(self) -> list[OwedFlag]:
        """The alarm: owed materials past their due date."""
        return [o for o in self.owed if o.overdue]

    @property
    def red(self) -> list[Flagged]:
        return [f for f in self.flagged if f.colour == "red"]

    @property
    def yellow(self) -> list[Flagged]:
        return [f for f in self.flagged if f.colour == "yellow"]

    # What waits on the agent rather than on a center.
    @property
    def to_correct(self) -> int:
        """Correction requests to act on."""
        return self.by_status.get("correction_requested", 0)

    @property
    def to_hand_over(self) -> int:
        """Results (a completion or a rejection notice) ready to hand to the villager."""
        return sum(self.by_status.get(s, 0) for s in HAND_OVER)

    @property
    def to_rate(self) -> int:
        """Handed over, the villager's rating still to collect."""
        return self.by_status.get("delivered", 0)


def urgency(summary: Summary, today: date, calendar: WorkingCalendar) -> Flagged | None:
    """Red when past due, yellow when due within three working days, else nothing."""
    if summary.status in CLOSED or not summary.due_date:
        return None
    try:
        due = date.fromisoformat(summary.due_date)
    except ValueError:
        return None
    if due < today:
        return Flagged(summary, "red", -calendar.working_days_between(due, today))
    left = calendar.working_days_between(today, due)
    if left <= YELLOW_WORKING_DAYS:
        return Flagged(summary, "yellow", left)
    return None


def owed_flags(owed: Iterable[Owed], summaries: Iterable[Summary], today: date,
               calendar: WorkingCalendar) -> tuple[OwedFlag, ...]:
    """Outstanding owed materials of the cases listed, most overdue first (pure)."""
    by_id = {s.id: s for s in summaries}
    out = []
    for o in owed:
        if o.supplied_on is not None or o.application_id not in by_id:
            continue
        try:
            due = date.fromisoformat(o.due_date)
        except ValueError:
            continue
        left = (-calendar.working_days_between(due, today) if due < today
                else calendar.working_days_between(today, due))
        out.append(OwedFlag(o, by_id[o.application_id], left))
    out.sort(key=lambda f: (f.working_days_left, f.owed.application_id, f.owed.material))
    return tuple(out)


def owed_by_case(owed: Iterable[Owed]) -> dict[str, list[Owed]]:
    """Outstanding owed materials per application, earliest due first (pure)."""
    out: dict[str, list[Owed]] = {}
    for o in sorted(owed, key=lambda o: (o.due_date, o.material)):
        if o.supplied_on is None:
            out.setdefault(o.application_id, []).append(o)
    return out


# A village-decided case waits on the agent while it has no result yet.
WAITS_FOR_VILLAGE = frozenset({"submitted", "accepted"})


def overview(summaries: Sequence[Summary], today: date, calendar: WorkingCalendar,
             owed: Iterable[Owed] = (), decided_here: frozenset[str] = frozenset(),
             followed_up: Collection[str] = ()) -> Overview:
    """`decided_here`: the item codes this village decides itself (level "village");
    `followed_up`: the cases whose bad rating's follow-up the township closed."""
    flagged = [f for s in summaries if (f := urgency(s, today, calendar)) is not None]
    # Most overdue first, then the ones due soonest.
    flagged.sort(key=lambda f: (f.colour != "red", f.working_days_left, f.summary.id))
    return Overview(
        by_status=dict(Counter(s.status for s in summaries)),
        flagged=tuple(flagged),
        total=len(summaries),
        owed=owed_flags(owed, summaries, today, calendar),
        to_decide=sum(1 for s in summaries
                      if s.item_code in decided_here and s.status in WAITS_FOR_VILLAGE),
        followed_up=len({s.id for s in summaries} & set(followed_up)),
    )


def mine(summaries: Iterable[Summary], operator_name: str) -> list[Summary]:
    """A grid worker's own list: what they recorded."""
    return [s for s in summaries if s.operator == operator_name]
