"""The app's background sync: it syncs when the township answers and backs off, with jitter, when not."""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from center.enroll import issue_code
from forms.catalog import Catalog
from storage import syncstate
from storage.store import Session
from sync.client import BACKOFF_BASE, BACKOFF_CAP, SyncReport, backoff, enroll_online, run_forever
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import make_center, serving
from village_agent import intake


@given(attempts=st.integers(min_value=1, max_value=60), seed=st.integers())
def test_backoff_grows_exponentially_is_capped_and_jittered(attempts: int, seed: int) -> None:
    wait = backoff(attempts, random.Random(seed))
    assert 0 <= wait <= min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1))


def test_the_loop_syncs_while_online_and_reports_offline_when_the_township_is_gone(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    township = Node.of(make_center(tmp_path / "township"))
    reports: list[SyncReport] = []
    stop = threading.Event()

    def first_report_then_stop(report: SyncReport) -> None:
        reports.append(report)
        stop.set()

    with serving(township) as url:
        enroll_online(session, url, issue_code(township, VILLAGE_CODE))
        intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                    today=TODAY)
        run_forever(session.store, stop, session=session, on_report=first_report_then_stop)
    assert reports[0].ok and reports[0].sent == 2
    assert syncstate.outbox_rows(session.store.database) == []

    # The township is gone now (its port is closed): the loop says offline, keeps the data.
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                today=TODAY)
    stop.clear()
    run_forever(session.store, stop, session=session, on_report=first_report_then_stop)
    assert reports[1].ok is False and reports[1].error == "offline"
    assert len(syncstate.outbox_rows(session.store.database)) == 2
    with socket.socket() as s:  # nothing listens there any more
        assert s.connect_ex(("127.0.0.1", int(url.rsplit(":", 1)[1]))) != 0
