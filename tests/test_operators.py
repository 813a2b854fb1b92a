"""Operators: agents manage grid workers, PINs are strong and changeable, guessing locks the account."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from storage import operators
from storage.crypto import TEST_KDF
from storage.errors import (
    AuthError,
    InvalidRequest,
    LockedOut,
    NotPermitted,
    OperatorDisabled,
    UnknownOperator,
    WeakPin,
    WrongPin,
)
from storage.store import Session, Store
from tests.conftest import AGENT, PIN, VILLAGE_CODE, VILLAGE_NAME
from tests.helpers import table_counts

GRID_WORKER = "李建军"
GRID_PIN = "582047"
SECOND_AGENT = "赵桂芳"
SECOND_PIN = "406183"
WRONG_PIN = "999413"
T0 = 2_000_000_000.0  # the injected clock for lock-out tests
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_agent_adds_grid_worker_who_can_log_in(store: Store, session: Session) -> None:
    added = session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)

    assert (added.name, added.role, added.active, added.role_zh) == (
        GRID_WORKER, "grid_worker", True, "网格员"
    )
    listed = {o.name: (o.role, o.active) for o in store.operators()}
    assert listed == {AGENT: ("agent", True), GRID_WORKER: ("grid_worker", True)}
    assert store.login(GRID_WORKER, GRID_PIN).operator.role == "grid_worker"


def test_operator_list_shows_last_login(store: Store) -> None:
    assert store.operators()[0].last_login_at is None
    store.login(AGENT, PIN)
    assert store.operators()[0].last_login_at is not None


def test_adding_an_operator_twice_is_refused(store: Store, session: Session) -> None:
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    with pytest.raises(InvalidRequest) as caught:
        session.add_operator(GRID_WORKER, "agent", SECOND_PIN)
    assert "已存在" in caught.value.zh
    assert len(store.operators()) == 2


def test_unknown_role_is_refused(store: Store, session: Session) -> None:
    with pytest.raises(InvalidRequest) as caught:
        session.add_operator(GRID_WORKER, "mayor", GRID_PIN)
    assert "grid_worker" in caught.value.zh
    assert [o.name for o in store.operators()] == [AGENT]


def test_grid_worker_cannot_add_or_disable_operators(store: Store, session: Session) -> None:
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    worker = store.login(GRID_WORKER, GRID_PIN)

    with pytest.raises(NotPermitted) as caught:
        worker.add_operator("孙小红", "grid_worker", SECOND_PIN)
    assert "只有代办员" in caught.value.zh
    with pytest.raises(NotPermitted):
        worker.disable_operator(AGENT)
    with pytest.raises(NotPermitted):
        worker.set_pin(AGENT, SECOND_PIN)
    assert [(o.name, o.active) for o in store.operators()] == [(AGENT, True), (GRID_WORKER, True)]
    store.login(AGENT, PIN)  # the agent's PIN was not changed


def test_disabled_operator_cannot_log_in_until_enabled(store: Store, session: Session) -> None:
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)

    session.disable_operator(GRID_WORKER)
    assert {o.name: o.active for o in store.operators()} == {AGENT: True, GRID_WORKER: False}
    with pytest.raises(OperatorDisabled) as caught:
        store.login(GRID_WORKER, GRID_PIN)
    assert "已停用" in caught.value.zh

    session.enable_operator(GRID_WORKER)
    assert store.login(GRID_WORKER, GRID_PIN).operator.name == GRID_WORKER


def test_agent_cannot_disable_themselves(store: Store, session: Session) -> None:
    session.add_operator(SECOND_AGENT, "agent", SECOND_PIN)
    with pytest.raises(InvalidRequest) as caught:
        session.disable_operator(AGENT)
    assert "不能停用自己" in caught.value.zh
    assert all(o.active for o in store.operators())


def test_last_active_agent_cannot_be_disabled(store: Store, session: Session) -> None:
    session.add_operator(SECOND_AGENT, "agent", SECOND_PIN)
    second = store.login(SECOND_AGENT, SECOND_PIN)
    session.disable_operator(SECOND_AGENT)

    # The second agent's window was still open: disabling the first would leave nobody to log in.
    with pytest.raises(InvalidRequest) as caught:
        second.disable_operator(AGENT)
    assert "最后一名代办员" in caught.value.zh
    assert store.login(AGENT, PIN).operator.active


def test_disabling_an_unknown_operator_names_them(session: Session) -> None:
    with pytest.raises(UnknownOperator) as caught:
        session.disable_operator("钱多多")
    assert "钱多多" in caught.value.zh


def test_agent_resets_grid_worker_pin_old_stops_working(store: Store, session: Session) -> None:
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    session.add_operator(SECOND_AGENT, "agent", SECOND_PIN)

    session.set_pin(GRID_WORKER, "305718")

    with pytest.raises(WrongPin):
        store.login(GRID_WORKER, GRID_PIN)
    assert store.login(GRID_WORKER, "305718").keys.data_key == session.keys.data_key
    store.login(SECOND_AGENT, SECOND_PIN)
    store.login(AGENT, PIN)


def test_operator_changes_own_pin(store: Store, session: Session) -> None:
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    worker = store.login(GRID_WORKER, GRID_PIN)

    worker.set_pin(GRID_WORKER, "861530")

    with pytest.raises(WrongPin):
        store.login(GRID_WORKER, GRID_PIN)
    store.login(GRID_WORKER, "861530")
    store.login(AGENT, PIN)


@pytest.mark.parametrize(
    "weak", ["123456", "111111", "654321", "888888", "73914", "1", "", "abcdef"]
)
def test_weak_pins_are_refused_in_chinese(store: Store, session: Session, weak: str) -> None:
    before = table_counts(store.home)
    with pytest.raises(WeakPin) as on_add:
        session.add_operator(GRID_WORKER, "grid_worker", weak)
    with pytest.raises(WeakPin) as on_change:
        session.set_pin(AGENT, weak)

    for caught in (on_add, on_change):
        assert CHINESE.search(caught.value.zh) and "PIN码" in caught.value.zh
    assert table_counts(store.home) == before
    store.login(AGENT, PIN)


def test_weak_pin_refused_when_creating_the_store(tmp_path: Path) -> None:
    with pytest.raises(WeakPin) as caught:
        Store.create(
            tmp_path / "h", village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
            operator_name=AGENT, pin="123456", kdf=TEST_KDF,
        )
    assert "过于简单" in caught.value.zh
    assert not (tmp_path / "h" / "village.db").exists()


def _fail(store: Store, at: float, name: str = AGENT) -> WrongPin:
    with pytest.raises(WrongPin) as caught:
        operators.unlock(store.database, name, WRONG_PIN, now=at)
    return caught.value


def test_wrong_pin_counts_down_then_locks(store: Store) -> None:
    left = [_fail(store, T0 + i) for i in range(4)]
    assert [e.tries_left for e in left] == [4, 3, 2, 1]
    assert [e.zh for e in left] == [f"PIN码错误，还可尝试{n}次" for n in (4, 3, 2, 1)]

    fifth = _fail(store, T0 + 4)
    assert (fifth.tries_left, fifth.lock_seconds) == (0, operators.BASE_LOCK_SECONDS)
    assert "已锁定30秒" in fifth.zh

    # Locked: even the right PIN is refused until the lock runs out.
    with pytest.raises(LockedOut) as caught:
        operators.unlock(store.database, AGENT, PIN, now=T0 + 14)
    assert 0 < caught.value.seconds <= operators.BASE_LOCK_SECONDS
    assert "已锁定" in caught.value.zh


def test_lock_doubles_on_next_failure_after_it_expires(store: Store) -> None:
    for i in range(5):
        _fail(store, T0 + i)
    expired = T0 + 4 + operators.BASE_LOCK_SECONDS + 1

    sixth = _fail(store, expired)
    assert sixth.lock_seconds == 2 * operators.BASE_LOCK_SECONDS
    with pytest.raises(LockedOut) as caught:
        operators.unlock(store.database, AGENT, PIN, now=expired + 59)
    assert caught.value.seconds <= 2

    seventh = _fail(store, expired + 61)
    assert seventh.lock_seconds == 4 * operators.BASE_LOCK_SECONDS
    assert "分钟" in seventh.zh


def test_correct_pin_after_lock_expires_resets_the_count(store: Store) -> None:
    for i in range(5):
        _fail(store, T0 + i)
    later = T0 + 4 + operators.BASE_LOCK_SECONDS + 1

    operator, _keys = operators.unlock(store.database, AGENT, PIN, now=later)
    assert operator.name == AGENT

    again = _fail(store, later + 1)
    assert (again.tries_left, again.lock_seconds) == (4, 0)


def test_wrong_pins_guessed_in_parallel_each_count(store: Store) -> None:
    guessers = 4
    start = threading.Barrier(guessers)
    refused: list[AuthError] = []

    def guess() -> None:
        start.wait()
        try:
            operators.unlock(store.database, AGENT, WRONG_PIN, now=T0)
        except AuthError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=guess) for _ in range(guessers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(refused) == guessers
    assert sorted(e.tries_left for e in refused if isinstance(e, WrongPin)) == [1, 2, 3, 4]
    assert _fail(store, T0 + 1).lock_seconds == operators.BASE_LOCK_SECONDS


def test_lock_never_exceeds_an_hour_when_the_clock_jumps_back(store: Store) -> None:
    for i in range(5):
        _fail(store, T0 + i)
    with pytest.raises(LockedOut) as caught:
        operators.unlock(store.database, AGENT, PIN, now=T0 - 10 * 24 * 3600)  # clock set back
    assert caught.value.seconds <= operators.MAX_LOCK_SECONDS + 1


def test_lock_out_of_one_operator_leaves_others_alone(store: Store, session: Session) -> None:
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    for i in range(5):
        _fail(store, T0 + i, GRID_WORKER)
    with pytest.raises(LockedOut):
        operators.unlock(store.database, GRID_WORKER, GRID_PIN, now=T0 + 5)
    operators.unlock(store.database, AGENT, PIN, now=T0 + 5)


def test_agent_setting_a_new_pin_lifts_the_lock(store: Store, session: Session) -> None:
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    for i in range(5):
        _fail(store, T0 + i, GRID_WORKER)

    session.set_pin(GRID_WORKER, "305718")

    operator, _keys = operators.unlock(store.database, GRID_WORKER, "305718", now=T0 + 5)
    assert operator.name == GRID_WORKER


def test_unknown_operator_cannot_log_in(store: Store) -> None:
    with pytest.raises(UnknownOperator) as caught:
        store.login("钱多多", PIN)
    assert "钱多多" in caught.value.zh
