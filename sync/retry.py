"""One retry loop for every background sync: a round, then a wait that backs off with jitter while the far end is away.

The village app's loop (village_agent/syncloop.py) and the township's forward
to its county (center/upstream.py) are both this loop around their own round.
A round returns its report; `judge` says what it means for the wait:

- the far end answered and more is due at once: go round again now;
- it answered: wait `interval`;
- it did not: wait `planner.backoff(failures)` (exponential, capped, full
  jitter, so villages whose link came back together do not retry in step)
  plus `FLOOR`, so even a zero draw does not spin.

`stop()` ends the loop at once, mid-wait (the round in flight may watch
`stopping` to end early); nothing is reported after it. `wake()` ends the
current wait: new work was recorded or the link came back, so the next round
need not wait out its interval or backoff.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sync import planner

FLOOR = 1.0  # seconds added to every backoff: a retry never comes straight after a failure

R = TypeVar("R")


@dataclass(frozen=True)
class Outcome:
    """What one round means for the wait after it."""

    answered: bool  # the far end answered (or there is nothing to reach): failures start again
    more: bool = False  # more is due at once: no wait


class RetryLoop(Generic[R]):
    """Run `attempt` until stopped; `on_report` gets each round's report, in the loop's thread."""

    def __init__(self, attempt: Callable[[], R], judge: Callable[[R], Outcome], *,
                 interval: float, on_report: Callable[[R], object] | None = None,
                 rng: random.Random | None = None, name: str = "retry") -> None:
        self.attempt, self.judge, self.on_report = attempt, judge, on_report
        self.interval = interval
        self.rng = rng or random.Random()
        self.failures = 0  # rounds in a row the far end did not answer
        self.rounds = 0  # rounds reported so far
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._reported = threading.Condition()
        self._thread = threading.Thread(target=self.run, name=name, daemon=True)

    def start(self) -> None:
        """Run in a daemon thread of its own."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to end; returns at once (a UI must not wait on the network)."""
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """New work or the link is back: end the current wait and go round now."""
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the loop's thread to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def wait_rounds(self, n: int, timeout: float) -> bool:
        """Block until `n` rounds have been reported (for callers that must know one ended)."""
        with self._reported:
            return self._reported.wait_for(lambda: self.rounds >= n, timeout)

    def delay(self, outcome: Outcome) -> float:
        """Seconds to wait after a round, the failures counted so far included."""
        if not outcome.answered:
            return planner.backoff(self.failures, self.rng) + FLOOR
        return 0.0 if outcome.more else self.interval

    def run(self) -> None:
        """The loop itself, in the calling thread; returns once `stop()` was called."""
        while not self._stop.is_set():
            report = self.attempt()
            if self._stop.is_set():
                return
            if self.on_report is not None:
                self.on_report(report)
            outcome = self.judge(report)
            self.failures = 0 if outcome.answered else self.failures + 1
            with self._reported:
                self.rounds += 1
                self._reported.notify_all()
            # A wake-up that came during the round ends this wait at once: none is lost.
            self._wake.wait(self.delay(outcome))
            self._wake.clear()
