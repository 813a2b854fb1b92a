"""Invariant 1: nothing the agent was told is saved is lost, whenever the process dies (SIGKILL)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from center.enroll import issue_code
from storage.store import Store
from sync.client import enroll_online
from tests.conftest import AGENT, PIN, ROOT, VILLAGE_CODE

KILLS = 60
ENROLLED_KILLS = 20


def _run_until_killed(home: Path, rng: random.Random, seed: int) -> list[str]:
    """Start a worker, let it commit a random number of applications, SIGKILL it mid-flight."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", str(home), AGENT, PIN, str(seed)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    confirmed: list[str] = []
    assert proc.stdout.readline().strip() == "READY", proc.stderr.read() if proc.stderr else ""
    for _ in range(rng.randint(0, 4)):  # wait for that many confirmations (events, not time)
        line = proc.stdout.readline()
        if line.startswith("OK "):
            confirmed.append(line.split()[1])
    # The fault's timing: a random instant inside the next transaction(s). This is the
    # injected crash, not a wait for work.
    time.sleep(rng.uniform(0, 0.03))
    proc.send_signal(signal.SIGKILL)
    rest, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err
    # Lines fully printed before the kill were confirmed to the agent too.
    confirmed += [line.split()[1] for line in rest.splitlines() if line.startswith("OK ") and
                  len(line.split()) == 2]
    return confirmed


@pytest.mark.slow
def test_applications_confirmed_before_sigkill_survive_exactly_once(store: Store, home: Path) -> None:
    store.close()
    rng = random.Random(20261123)
    confirmed: list[str] = []
    for kill in range(KILLS):
        confirmed += _run_until_killed(home, rng, seed=kill)
    assert len(confirmed) >= KILLS, "the workers should have committed work between kills"

    _check_after_kills(home, confirmed).close()


@pytest.mark.slow
def test_an_enrolled_store_killed_mid_submit_keeps_every_application_whole_and_sealed(
    store: Store, home: Path, township: tuple[Any, str]
) -> None:
    """Sealing is in the submit's transaction: after any kill, what was confirmed is there with
    its outbox rows sealed for the township, and nothing half-written or left unsealed."""
    node, url = township
    enroll_online(store.login(AGENT, PIN), url, issue_code(node, VILLAGE_CODE))
    store.close()
    rng = random.Random(20261124)
    confirmed: list[str] = []
    for kill in range(ENROLLED_KILLS):
        confirmed += _run_until_killed(home, rng, seed=1000 + kill)
    assert len(confirmed) >= ENROLLED_KILLS, "the workers should have committed work between kills"
    reopened = _check_after_kills(home, confirmed)
    db = reopened.database.db
    assert db.execute("SELECT count(*) FROM outbox WHERE state = 'unsealed'").fetchone()[0] == 0
    # Every confirmed application's scans were cut into sealed chunks in the same commit.
    unchunked = db.execute(
        "SELECT count(*) FROM application_attachments l WHERE NOT EXISTS (SELECT 1 FROM outbox o"
        " WHERE o.kind = 'attachment_chunk' AND o.application_id = l.application_id"
        " AND o.attachment = l.attachment_id)").fetchone()[0]
    assert unchunked == 0
    reopened.close()


def _check_after_kills(home: Path, confirmed: list[str]) -> Store:
    """The store after the kills: every confirmed application once, the chain whole, nothing half."""
    reopened = Store.open(home)
    session = reopened.login(AGENT, PIN)
    report = session.verify()
    assert report.ok, report.problems

    stored = Counter(s.id for s in session.list())
    for app_id in confirmed:
        assert stored[app_id] == 1, f"{app_id} was confirmed but is stored {stored[app_id]} times"

    db = reopened.database.db
    device = db.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
    # Our numbers: our events', and (once enrolled) the scan pieces cut in the same commit.
    seqs = sorted([r[0] for r in db.execute("SELECT seq FROM events WHERE device_id = ?", [device])]
                  + [r[0] for r in db.execute(
                      "SELECT seq FROM outbox WHERE kind = 'attachment_chunk'")])
    assert seqs == list(range(1, len(seqs) + 1)), "sequence numbers have gaps or repeats"
    outbox = [r[0] for r in db.execute("SELECT seq FROM outbox ORDER BY seq")]
    assert len(outbox) == len(set(outbox)) and set(outbox) <= set(seqs)
    # Atomicity: no application without its intake event, no event without its application.
    half = db.execute(
        "SELECT count(*) FROM applications a WHERE NOT EXISTS (SELECT 1 FROM events e"
        " WHERE e.application_id = a.id AND e.type IN ('submitted', 'inspection_recorded'))"
    ).fetchone()[0]
    assert half == 0
    return reopened
