"""A forgotten PIN does not lose the store: the recovery code the township keeps sets a new one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.catalog import Catalog
from storage import attachments, recovery
from storage.crypto import TEST_KDF
from storage.errors import InvalidRequest, LockedOut, WeakPin, WrongPin, WrongRecoveryCode
from storage.store import Session, Store
from tests.conftest import AGENT, PIN, TODAY, VILLAGE_CODE, VILLAGE_NAME, Cli
from tests.helpers import raw_db, scan, template_data
from village_agent import intake

GRID = "李建国"
GRID_PIN = "582604"
NEW_PIN = "284615"
WRONG = "0000 0000 0000 0000 0000 0000 0000"  # well formed (its check digit holds), not the code


@pytest.fixture
def code() -> str:
    return recovery.new_code()


@pytest.fixture
def kept(home: Path, code: str) -> Iterator[Store]:
    """A store made with a recovery code, as `init` and the wizard make it."""
    store = Store.create(home, village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
                         operator_name=AGENT, pin=PIN, kdf=TEST_KDF, recovery_code=code)
    yield store
    store.close()


def _work(session: Session, catalog: Catalog) -> dict[str, object]:
    """Applications with scans; what every one of them shows, to compare after recovery."""
    for n, item in enumerate(("MZ-GLJT", "MZ-TKGY", "MZ-GLJT")):
        intake.take(session, catalog, session.calendar(), item, template_data(catalog, item),
                    [scan("id_card", content=f"scan {n}".encode())], today=TODAY)
    return _everything(session)


def _everything(session: Session) -> dict[str, object]:
    out: dict[str, object] = {}
    for summary in session.list():
        shown, events = session.show(summary.id)
        out[summary.id] = (shown, [(e.type, e.payload) for e in events])
    with session.store.database.read() as db:  # the scans, opened
        out["scans"] = sorted(attachments.load(db, session.keys, str(r[0]))
                              for r in db.execute("SELECT id FROM attachments"))
    return out


def _rows(home: Path) -> dict[str, list[tuple[object, ...]]]:
    with raw_db(home) as conn:
        return {t: conn.execute(f"SELECT * FROM {t}").fetchall()
                for t in ("operators", "recovery_wrap", "applications", "events", "applicants",
                          "attachments", "meta")}


def test_a_store_whose_every_operator_forgot_the_pin_comes_back_with_nothing_lost(
    kept: Store, catalog: Catalog, code: str
) -> None:
    session = kept.login(AGENT, PIN)
    session.add_operator(GRID, "grid_worker", GRID_PIN)
    before = _work(session, catalog)
    assert len(before) == 4 and before["scans"] == [b"scan 0", b"scan 1", b"scan 2"]
    kept.close()

    store = Store.open(kept.home)  # a new day: nobody remembers a PIN
    for name in (AGENT, GRID):
        with pytest.raises(WrongPin):
            store.login(name, "961357")
    recovered = store.recover(AGENT, recovery.grouped(code), NEW_PIN)
    assert recovered.name == AGENT
    with pytest.raises(WrongPin):
        store.login(AGENT, PIN)  # the forgotten PIN opens nothing any more
    back = store.login(AGENT, NEW_PIN)
    assert _everything(back) == before  # every application, event, answer and scan, readable
    back.set_pin(GRID, "407318")  # the agent gives the grid worker a new PIN as always
    store.login(GRID, "407318")
    report = back.verify()
    assert report.ok, report.problems
    with back.store.database.read() as db:
        actions = [r[0] for r in db.execute("SELECT action FROM audit WHERE target = ?", [AGENT])]
    assert "operator.recovered" in actions
    # The same code still works for the other operator (it is the township's until replaced).
    store.recover(GRID, code, "730592")
    store.login(GRID, "730592")
    store.close()


def test_a_wrong_code_changes_nothing_and_counts_as_a_failed_try(
    kept: Store, home: Path, code: str
) -> None:
    before = _rows(home)
    with pytest.raises(WrongRecoveryCode) as caught:
        kept.recover(AGENT, WRONG, NEW_PIN)
    assert caught.value.tries_left == 4 and "恢复码不对" in caught.value.zh
    after = _rows(home)
    assert {t: rows for t, rows in after.items() if t != "operators"} == {
        t: rows for t, rows in before.items() if t != "operators"}
    with raw_db(home) as conn:
        wrapped, attempts = conn.execute("SELECT wrapped_key, failed_attempts FROM operators"
                                         ).fetchone()
        last = conn.execute("SELECT action, detail FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    assert wrapped == before["operators"][0][4] and attempts == 1  # the PIN wrap is untouched
    assert last == ("operator.recovery_failed", "attempt 1")
    kept.login(AGENT, PIN)  # the old PIN still works: nothing was reset


def test_wrong_codes_lock_out_like_wrong_pins(kept: Store, code: str) -> None:
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongRecoveryCode) as caught:
            kept.recover(AGENT, WRONG, NEW_PIN)
        assert caught.value.tries_left == left
    with pytest.raises(WrongPin) as locked:
        kept.login(AGENT, "961357")  # the fifth wrong try, by PIN this time, locks
    assert locked.value.lock_seconds > 0
    with pytest.raises(LockedOut):
        kept.recover(AGENT, code, NEW_PIN)  # even the right code waits for the lock
    with pytest.raises(LockedOut):
        kept.login(AGENT, PIN)


@pytest.mark.parametrize("typed", ["1234", "12345678901234567890123456789", "abcd efgh",
                                   "WRONG-CODE"])
def test_a_mistyped_code_is_refused_before_it_counts_and_changes_nothing(
    kept: Store, home: Path, code: str, typed: str
) -> None:
    before = _rows(home)
    with pytest.raises(InvalidRequest) as caught:
        kept.recover(AGENT, typed, NEW_PIN)
    assert "恢复码" in str(caught.value.zh)
    typo = code[:5] + str((int(code[5]) + 1) % 10) + code[6:]
    with pytest.raises(InvalidRequest, match="mistyped"):
        kept.recover(AGENT, typo, NEW_PIN)
    with pytest.raises(WeakPin):
        kept.recover(AGENT, code, "123456")  # a weak new PIN: refused before the code is tried
    assert _rows(home) == before


def test_an_old_store_makes_a_code_with_a_logged_in_pin_and_a_new_code_voids_the_old(
    session: Session, home: Path
) -> None:
    store = session.store
    assert not store.has_recovery_code()
    with pytest.raises(InvalidRequest) as caught:
        store.recover(AGENT, WRONG, NEW_PIN)
    assert "没有设置恢复码" in str(caught.value.zh)
    first = session.new_recovery_code()
    assert store.has_recovery_code()
    second = session.new_recovery_code()
    with pytest.raises(WrongRecoveryCode):
        store.recover(AGENT, first, NEW_PIN)
    store.recover(AGENT, second, NEW_PIN)
    store.login(AGENT, NEW_PIN)
    with raw_db(home) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit WHERE action LIKE"
                                              " 'recovery.%' ORDER BY seq")]
    assert actions == ["recovery.created", "recovery.replaced"]


def _leaks(root: Path, code: str) -> list[str]:
    forms = [code, recovery.grouped(code), code[:14], code[14:]]
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += [f"{path.name}: {f}" for f in forms
                      if f.encode() in content or f.encode("utf-16-le") in content]
    return found


def test_the_command_line_shows_the_code_once_and_never_writes_it(
    cli: Cli, tmp_path: Path
) -> None:
    shown = cli.init().stdout
    found = re.search(r"((?:\d{4} ){6}\d{4})", shown)
    assert found is not None and "乡镇" in shown
    code = found.group(1)
    assert _leaks(tmp_path, code) == []

    wrong = cli("recover", "--operator", AGENT,
                env={"VILLAGE_AGENT_RECOVERY_CODE": WRONG, "VILLAGE_AGENT_NEW_PIN": NEW_PIN})
    assert wrong.code == 3 and "恢复码不对" in wrong.stderr and "Traceback" not in wrong.stderr
    missing = cli("recover", "--operator", AGENT, env={"VILLAGE_AGENT_NEW_PIN": NEW_PIN})
    assert missing.code == 1 and "VILLAGE_AGENT_RECOVERY_CODE" in missing.stderr
    done = cli("recover", "--operator", AGENT,
               env={"VILLAGE_AGENT_RECOVERY_CODE": code, "VILLAGE_AGENT_NEW_PIN": NEW_PIN})
    assert done.code == 0, done.stderr
    assert AGENT in done.stdout
    assert cli("verify", env={"VILLAGE_AGENT_PIN": NEW_PIN}).code == 0
    assert cli("verify").code == 3  # the forgotten PIN is gone
    assert _leaks(tmp_path, code) == []  # not in the store, its WAL, nor anything beside it
    again = cli("recovery-code", "--new", "--json", env={"VILLAGE_AGENT_PIN": NEW_PIN}).json()
    assert _leaks(tmp_path, recovery.normalize(again["recovery_code"])) == []


@given(st.text(alphabet="0123456789", min_size=recovery.DIGITS - 1, max_size=recovery.DIGITS - 1),
       st.data())
def test_the_check_digit_catches_a_wrong_digit_or_two_swapped_neighbours(
    body: str, data: st.DataObject
) -> None:
    code = body + str(recovery.damm(body))
    assert recovery.normalize(recovery.grouped(code)) == code
    assert recovery.normalize("－".join(recovery.grouped(code).split())) == code
    i = data.draw(st.integers(0, recovery.DIGITS - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != code[i]]))
    with pytest.raises(InvalidRequest):
        recovery.normalize(code[:i] + digit + code[i + 1:])
    j = data.draw(st.integers(0, recovery.DIGITS - 2))
    if code[j] != code[j + 1]:
        with pytest.raises(InvalidRequest):
            recovery.normalize(code[:j] + code[j + 1] + code[j] + code[j + 2:])


def test_new_codes_are_drawn_at_random_and_carry_their_check_digit() -> None:
    codes = {recovery.new_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(len(c) == recovery.DIGITS and recovery.damm(c) == 0 for c in codes)
