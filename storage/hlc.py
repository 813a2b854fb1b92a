"""Hybrid logical clock: orders events across devices whose wall clocks are wrong.

A timestamp is (wall milliseconds, counter). It never goes backwards on a
device, and after receiving a remote timestamp it is ahead of it, so causal
order survives a village PC whose clock says 2015.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Hlc:
    wall_ms: int
    counter: int = 0

    def encode(self) -> str:
        return f"{self.wall_ms:015d}.{self.counter:06d}"

    @classmethod
    def decode(cls, text: str) -> Hlc:
        wall, _, counter = text.partition(".")
        return cls(int(wall), int(counter or 0))


def tick(last: Hlc, now_ms: int) -> Hlc:
    """The timestamp for a local event."""
    if now_ms > last.wall_ms:
        return Hlc(now_ms, 0)
    return Hlc(last.wall_ms, last.counter + 1)


def receive(last: Hlc, remote: Hlc, now_ms: int) -> Hlc:
    """The timestamp after seeing a remote event: later than both."""
    wall = max(last.wall_ms, remote.wall_ms, now_ms)
    if wall == last.wall_ms == remote.wall_ms:
        return Hlc(wall, max(last.counter, remote.counter) + 1)
    if wall == last.wall_ms:
        return Hlc(wall, last.counter + 1)
    if wall == remote.wall_ms:
        return Hlc(wall, remote.counter + 1)
    return Hlc(wall, 0)
