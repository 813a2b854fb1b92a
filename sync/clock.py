"""How far apart two ends' clocks are, measured where it can be: on a live request.

A village PC's clock drives what the agent sees (today's date, overdue colours) and
the times in its records; the township's drives the promised dates. A CMOS battery
gone flat sets a PC back years, so a gap is worth saying at both ends.

Each proved HTTP request carries the village's clock (`X-Sync-Clock`) and each answer
the center's (`X-Center-Clock`); each end keeps "our clock minus theirs". A message's
own creation time is no measure: a store-and-forward message, or one on a stick, may
be days old when it arrives. The header is not signed: the figure is only shown, never
used to date anything.
"""

from __future__ import annotations

from datetime import datetime, timezone

REQUEST_HEADER = "X-Sync-Clock"
ANSWER_HEADER = "X-Center-Clock"
WARN_MS = 10 * 60 * 1000  # beyond ten minutes a clerk or agent is told to set the clock
_LIMIT_MS = 100 * 365 * 86_400_000  # a figure beyond a century is not a clock, it is garbage


def stamp(now: datetime | None = None) -> str:
    """This end's clock, to send."""
    return (now or datetime.now(timezone.utc)).isoformat(timespec="milliseconds")


def offset_ms(theirs: str | None, now: datetime | None = None) -> int | None:
    """Our clock minus `theirs` in milliseconds, or None if it says no time we can read."""
    if not theirs or len(theirs) > 40:
        return None
    try:
        then = datetime.fromisoformat(theirs)
    except ValueError:
        return None
    if then.tzinfo is None:
        return None
    gap = int(((now or datetime.now(timezone.utc)) - then).total_seconds() * 1000)
    return gap if abs(gap) < _LIMIT_MS else None


def off(skew_ms: int | None) -> bool:
    """Is the gap worth telling someone about?"""
    return skew_ms is not None and abs(skew_ms) > WARN_MS


def minutes(skew_ms: int) -> int:
    """The gap in whole minutes, rounded, for a message (never 0 for a gap worth saying)."""
    return max(1, round(abs(skew_ms) / 60_000))
