"""绿色通道 (green channel): who is served first, and on what grounds (pure).

Seeds 001 and 002 ask for 帮办代办 and a green channel for the old, weak, ill, disabled and
servicemen (老、弱、病、残、军), and 老年人优先办事. The grounds are kept as English keys; their
words (老 …) are in sync/i18n.py. 老 follows from the ID number: 60 full years or more on
the day of intake, the age at which the Law on the Protection of the Rights and Interests of
the Elderly (老年人权益保障法, art. 2) counts a citizen as elderly; the seeds name the group
but no age. The others the agent chooses at intake, having seen the person or a certificate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from forms import idnumber

GROUNDS = ("elderly", "frail", "ill", "disabled", "military")  # 老、弱、病、残、军, in this order
ELDERLY_AGE = 60


class UnknownGround(ValueError):
    """A ground that is not one of GROUNDS (the caller says so in the user's words)."""

    def __init__(self, ground: str) -> None:
        super().__init__(ground)
        self.ground = ground


def is_elderly(id_number: str, on: date) -> bool:
    """60 or older on `on` by the birth date in the ID number; an unreadable number is not."""
    try:
        return idnumber.parse(id_number, today=on).age_on(on) >= ELDERLY_AGE
    except idnumber.InvalidIdNumber:
        return False


def grounds(applicant: Mapping[str, Any], chosen: Iterable[str], on: date) -> tuple[str, ...]:
    """The applicant's grounds: those the agent chose, and 老 by the ID number on the day of intake.

    Returned once each, in GROUNDS order; an unknown ground raises UnknownGround.
    """
    picked = set()
    for ground in chosen:
        if ground not in GROUNDS:
            raise UnknownGround(ground)
        picked.add(ground)
    if is_elderly(str(applicant.get("id_number") or ""), on):
        picked.add("elderly")
    return tuple(g for g in GROUNDS if g in picked)


def from_wire(value: object) -> tuple[str, ...]:
    """Grounds as an event payload carries them: a list of known grounds, each once, in order.

    Raises ValueError for anything else (the center refuses such an event whole).
    """
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
        raise ValueError("priority is not a list of grounds")
    if any(g not in GROUNDS for g in value):
        raise ValueError("priority names an unknown ground")
    if list(value) != [g for g in GROUNDS if g in value]:
        raise ValueError("priority grounds repeat or are out of order")
    return tuple(value)


def of_filing(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The grounds a `submitted` payload carries (none in an older or malformed one)."""
    try:
        return from_wire(payload.get("priority"))
    except ValueError:
        return ()
