"""A login killed (SIGKILL) while the PIN is checked counts for nothing; a wrong PIN always counts.

Real processes (tests/login_worker.py) log in to a store whose key is wrapped with the real
Argon2id cost (DEFAULT_KDF, ~0.3-0.4 s), so the kill lands inside the derivation: the worker
says `DERIVING` as it starts and the test kills on that line, then checks the worker never
said `DERIVED`.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import operators
from storage.crypto import DEFAULT_KDF
from storage.errors import LockedOut, WrongPin
from storage.store import Store
from tests.conftest import AGENT, PIN, ROOT, VILLAGE_CODE, VILLAGE_NAME

WRONG_PIN = "999413"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
]


@pytest.fixture
def real_home(tmp_path: Path) -> Iterator[Path]:
    """A store whose operator key is wrapped at the real (slow) Argon2id cost."""
    home = tmp_path / "home"
    Store.create(home, village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
                 operator_name=AGENT, pin=PIN, kdf=DEFAULT_KDF).close()
    yield home


class Worker:
    def __init__(self, home: Path, pin: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "VILLAGE_AGENT_TEST_KDF"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.login_worker", str(home), AGENT, pin],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )
        self.seen: list[str] = []

    def expect(self, line: str) -> str:
        """Read lines until one starts with `line` (the event waited for)."""
        assert self.proc.stdout is not None
        while True:
            got = self.proc.stdout.readline()
            if not got:
                self.proc.wait(timeout=30)
                stderr = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"worker ended before {line!r}; saw {self.seen}\n{stderr}")
            self.seen.append(got.strip())
            if got.startswith(line):
                return got.strip()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("GO\n")
        self.proc.stdin.flush()

    def kill(self) -> list[str]:
        """SIGKILL now; the lines it printed before dying."""
        self.proc.send_signal(signal.SIGKILL)
        rest, _ = self.proc.communicate(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL
        return self.seen + rest.split()


def _tries(home: Path) -> tuple[int, float]:
    conn = sqlite3.connect(home / "village.db")
    try:
        row = conn.execute(
            "SELECT failed_attempts, locked_until FROM operators WHERE name = ?", [AGENT]
        ).fetchone()
    finally:
        conn.close()
    return int(row[0]), float(row[1])


def _killed_while_deriving(home: Path, pin: str) -> None:
    worker = Worker(home, pin)
    worker.expect("READY")
    worker.go()
    worker.expect("DERIVING")
    printed = worker.kill()
    assert "DERIVED" not in printed, f"the kill landed after the check: {printed}"


def test_right_pin_logins_killed_mid_check_never_lock_the_operator_out(real_home: Path) -> None:
    for _ in range(operators.MAX_TRIES + 2):
        _killed_while_deriving(real_home, PIN)
        assert _tries(real_home) == (0, 0.0)

    store = Store.open(real_home)
    try:
        assert store.login(AGENT, PIN).operator.name == AGENT
    finally:
        store.close()
    assert _tries(real_home) == (0, 0.0)


def test_a_kill_mid_check_leaves_earlier_failures_as_they_were(real_home: Path) -> None:
    store = Store.open(real_home)
    try:
        for _ in range(2):
            with pytest.raises(WrongPin):
                store.login(AGENT, WRONG_PIN)
    finally:
        store.close()
    for pin in (PIN, WRONG_PIN):  # no answer was given either way: nothing learnt, nothing counted
        _killed_while_deriving(real_home, pin)
        assert _tries(real_home)[0] == 2


def test_wrong_pins_killed_right_after_the_answer_still_lock_out(real_home: Path) -> None:
    for attempt in range(1, operators.MAX_TRIES + 1):
        worker = Worker(real_home, WRONG_PIN)
        worker.expect("READY")
        worker.go()
        answer = worker.expect("WRONG")
        worker.kill()
        assert answer == f"WRONG {operators.MAX_TRIES - attempt}"
        # Told the PIN was wrong, so the failure is already on disk.
        assert _tries(real_home)[0] == attempt

    assert _tries(real_home)[1] > 0
    store = Store.open(real_home)
    try:
        with pytest.raises(LockedOut):
            store.login(AGENT, PIN)
    finally:
        store.close()
    worker = Worker(real_home, PIN)
    worker.expect("READY")
    worker.go()
    assert worker.expect("LOCKED") == "LOCKED"
    assert "DERIVING" not in worker.kill()  # refused before the PIN is even looked at


def test_wrong_pins_guessed_by_many_processes_at_once_get_only_max_tries(real_home: Path) -> None:
    guessers = [Worker(real_home, WRONG_PIN) for _ in range(operators.MAX_TRIES + 3)]
    for worker in guessers:
        worker.expect("READY")
    for worker in guessers:  # all at once: each check waits for the one before to be counted
        worker.go()
    answers, checked = [], 0
    for worker in guessers:
        answers.append(_answer(worker))
        printed = worker.kill()
        checked += "DERIVING" in printed
        if answers[-1] == "LOCKED":  # refused before its PIN was even looked at
            assert "DERIVING" not in printed, printed
    assert checked == operators.MAX_TRIES, "only MAX_TRIES guesses may ever reach the check"

    counts = Counter(a.split()[0] for a in answers)
    assert counts == {"WRONG": operators.MAX_TRIES, "LOCKED": 3}, answers
    assert sorted(int(a.split()[1]) for a in answers if a.startswith("WRONG")) == list(
        range(operators.MAX_TRIES)
    )
    assert _tries(real_home)[0] == operators.MAX_TRIES


def _answer(worker: Worker) -> str:
    while True:
        line = worker.expect("")
        if line.split()[0] in ("OK", "WRONG", "LOCKED", "ERR"):
            return line
