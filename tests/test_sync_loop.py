"""The one retry loop (sync/retry.py) under the village app's sync and the township's forward.

Real centers on loopback behind the fault-injecting proxy: the link is down (every
connection reset), then up. The loops back off while it is down, get through once it is
back, go round at once when new work is recorded, and end mid-wait when stopped.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from center.enroll import issue_code
from center.upstream import ForwardReport, forwarding
from forms.catalog import Catalog
from storage import sync_outbox
from storage.store import Session
from sync.client import SyncReport, enroll_online, sync_once
from sync.node import Node
from sync.planner import BACKOFF_BASE, BACKOFF_CAP
from sync.retry import FLOOR, Outcome, RetryLoop
from tests.conftest import TODAY, VILLAGE_CODE
from tests.faultproxy import FaultPlan, ThreadedFaultProxy
from tests.forms_helpers import example
from tests.sync_helpers import TOWNSHIP_CODE, make_center, serving, statuses
from village_agent import intake
from village_agent.syncloop import BackgroundSync

DOWN = FaultPlan(cut_after_bytes=0, reset=True)  # every connection reset as it opens
COUNTY_CODE = "430481"
COUNTY_ITEM = "CL-CJRZ"  # decided by the county: the township forwards it
LONG = 3600.0  # an interval no test waits out: a round after it came from a wake-up


class Windows(random.Random):
    """No jitter (each backoff is the floor alone); keeps the window each backoff drew from."""

    def __init__(self) -> None:
        super().__init__(0)
        self.windows: list[float] = []

    def uniform(self, a: float, b: float) -> float:
        self.windows.append(b)
        return a


def growing(n: int) -> list[float]:
    return [min(BACKOFF_CAP, BACKOFF_BASE * 2 ** k) for k in range(n)]


@given(failures=st.integers(min_value=1, max_value=60), seed=st.integers())
def test_a_failed_round_waits_a_jittered_capped_exponential_backoff_and_the_floor(
    failures: int, seed: int
) -> None:
    loop: RetryLoop[None] = RetryLoop(lambda: None, lambda _: Outcome(answered=True),
                                      interval=60.0, rng=random.Random(seed))
    loop.failures = failures
    wait = loop.delay(Outcome(answered=False))
    assert FLOOR <= wait <= FLOOR + min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (failures - 1))
    assert loop.delay(Outcome(answered=True)) == 60.0
    assert loop.delay(Outcome(answered=True, more=True)) == 0.0


@pytest.fixture
def link(tmp_path: Path, session: Session) -> Iterator[tuple[Node, ThreadedFaultProxy]]:
    """A township behind the fault proxy, the village enrolled through it."""
    township = Node.of(make_center(tmp_path / "township"))
    with serving(township) as url:
        target = urlparse(url)
        with ThreadedFaultProxy(target.hostname or "127.0.0.1", target.port or 0, seed=5,
                                plan=FaultPlan()) as proxy:
            enroll_online(session, proxy.url, issue_code(township, VILLAGE_CODE))
            yield township, proxy
    township.session.store.close()


def take_one(session: Session, catalog: Catalog, code: str = "MZ-GLJT") -> str:
    return intake.take(session, catalog, session.calendar(), code, example(catalog.get(code)),
                       today=TODAY).application_ids[0]


def test_the_village_loop_backs_off_while_the_link_is_down_gets_through_when_it_is_back(
    session: Session, catalog: Catalog, link: tuple[Node, ThreadedFaultProxy]
) -> None:
    township, proxy = link
    first = take_one(session, catalog)
    proxy.plan = DOWN
    reports: list[SyncReport] = []
    rng = Windows()
    loop = BackgroundSync(session.store, session=session, on_report=reports.append,
                          interval=LONG, rng=rng)
    loop.start()
    try:
        assert loop.wait_sessions(3, 60)
        assert [r.error for r in reports[:3]] == ["offline"] * 3
        assert rng.windows[:3] == growing(3)  # each retry may wait twice as long as the last
        assert len(sync_outbox.outbox_rows(session.store.database)) == 2  # kept, not lost

        proxy.plan = FaultPlan()  # the link is back: the next retry gets through
        while not reports[-1].ok:
            assert len(reports) < 30, "the loop never got through once the link was back"
            assert loop.wait_sessions(len(reports) + 1, 60)
        assert loop.loop.failures == 0
        assert statuses(township.session)[first] == "received"
        assert sync_outbox.outbox_rows(session.store.database) == []

        # New work wakes the loop out of its hour-long wait; the session carries it up.
        done = loop.sessions
        second = take_one(session, catalog)
        loop.wake()
        assert loop.wait_sessions(done + 1, 60)
        assert reports[done].ok and reports[done].sent == 2
        assert statuses(township.session)[second] == "received"
    finally:
        loop.stop()
    # Stopped in the middle of an hour's wait: it ends now, and reports nothing more.
    ended = len(reports)
    assert loop.join(60)
    assert len(reports) == ended


def test_the_township_forward_backs_off_while_the_county_is_away_and_a_village_sync_wakes_it(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    county = Node.of(make_center(tmp_path / "county", "county", COUNTY_CODE))
    township = Node.of(make_center(tmp_path / "township"))
    reports: list[ForwardReport] = []
    rng = Windows()
    loop = forwarding(township, interval=LONG, rng=rng, on_report=reports.append)
    with serving(county) as county_url:
        target = urlparse(county_url)
        with ThreadedFaultProxy(target.hostname or "127.0.0.1", target.port or 0, seed=7,
                                plan=FaultPlan()) as proxy, \
                serving(township, on_stored=loop.wake) as township_url:
            enroll_online(township.session, proxy.url, issue_code(county, TOWNSHIP_CODE))
            enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
            proxy.plan = DOWN
            loop.start()
            try:
                assert loop.wait_rounds(2, 60)
                assert [r.ok for r in reports[:2]] == [False, False] and reports[0].error
                assert rng.windows[:2] == growing(2)

                proxy.plan = FaultPlan()
                while not reports[-1].ok:
                    assert len(reports) < 30, "the forward never got through once the county was back"
                    assert loop.wait_rounds(len(reports) + 1, 60)
                assert loop.failures == 0

                # A village's sync stores a county item at the township: the server wakes the
                # forward, which passes it up at once instead of in an hour.
                done = loop.rounds
                app_id = take_one(session, catalog, COUNTY_ITEM)
                assert sync_once(session.store, session=session).ok
                assert loop.wait_rounds(done + 1, 60)
                assert reports[done].ok and reports[done].forwarded == 2
                assert statuses(county.session)[app_id] == "received"
            finally:
                loop.stop()
            assert loop.join(60)  # out of its hour-long wait at once
    county.session.store.close()
    township.session.store.close()
