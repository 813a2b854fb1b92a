"""好差评 at the five national levels, and a bad rating's follow-up (核实, 整改, 回访).

The village rates at a level with reasons from the list; a 非常不满意 synced over a real loopback
server opens a follow-up at the township; the clerk who handled the case records its steps in
order (the command line and the console); the village sees them after its next sync. Stores
with the older good/bad ratings keep showing them, mapped. Refusals change nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from center import followup, ingest
from center.cases import read_case
from center.enroll import issue_code
from forms.catalog import Catalog
from storage.errors import InvalidRequest, StorageError
from storage.status import BAD_REASONS, GOOD_REASONS, RATING_LEVELS, RATING_REASONS, rating_level
from storage.store import Session
from sync import messages
from sync.client import enroll_online, sync_once
from sync.errors import BundleRejected
from sync.i18n import rating_words, t_in
from sync.node import Node
from tests import center_db
from tests.center_db import table_counts
from tests.conftest import ROOT, VILLAGE_CODE, Cli
from tests.forms_helpers import example
from tests.sync_helpers import CLERK, CLERK_PIN
from tests.test_console import _token, log_in
from village_agent import intake, printing
from village_agent.i18n import t

OTHER = "赵晓燕"
OTHER_PIN = "730591"


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


def _sync(session: Session) -> None:
    report = sync_once(session.store, session=session, force=True)
    assert report.ok, report


def _delivered(session: Session, township: tuple[Node, str], catalog: Catalog) -> str:
    """A case taken in, synced, accepted and completed by the township's clerk, handed over."""
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT"))).application_ids[0]
    _sync(session)
    ingest.decide(node, app_id, "accepted", {})
    ingest.decide(node, app_id, "completed", {"result": "核定高龄津贴每月100元"})
    _sync(session)
    intake.deliver(session, app_id)
    return app_id


def _rows(home: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return center_db.rows(home, sql, params)


def center_cli(home: Path, *args: str, operator: str = CLERK, pin: str = CLERK_PIN) -> Any:
    env = {**os.environ, "VILLAGE_AGENT_HOME": str(home), "VILLAGE_AGENT_PIN": pin,
           "VILLAGE_AGENT_OPERATOR": operator, "VILLAGE_AGENT_TEST_KDF": "1",
           "VILLAGE_AGENT_LANG": "zh", "PYTHONIOENCODING": "utf-8"}
    env.pop("VILLAGE_AGENT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "center.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


# ---------------------------------------------------------------- the levels and their mapping


@given(st.one_of(st.integers(-10, 10), st.booleans(), st.none(), st.text(max_size=6),
                 st.floats(allow_nan=False), st.lists(st.integers(), max_size=2)))
def test_rating_level_maps_only_levels_and_the_old_good_and_bad(value: Any) -> None:
    expected = (value if isinstance(value, int) and not isinstance(value, bool)
                and 1 <= value <= 5 else {"good": 2, "bad": 4}.get(value)
                if isinstance(value, str) else None)
    assert rating_level(value) == expected


_REASON = st.one_of(st.sampled_from(RATING_REASONS), st.text(max_size=8))


@given(rating=st.one_of(st.sampled_from([*RATING_LEVELS, "good", "bad"]), st.integers(-3, 9),
                        st.booleans(), st.text(max_size=5), st.none()),
       reasons=st.one_of(st.none(), st.lists(_REASON, max_size=4), st.text(max_size=4),
                         st.lists(st.integers(), max_size=2)))
def test_the_center_takes_a_rating_only_at_a_level_with_listed_reasons(rating: Any,
                                                                       reasons: Any) -> None:
    payload: dict[str, Any] = {"rating": rating, "note": "又跑了一趟", "rated_on": "2026-11-23"}
    if reasons is not None:
        payload["reasons"] = reasons
    ok = rating_level(rating) is not None and (reasons is None or (
        isinstance(reasons, list) and all(isinstance(r, str) and r in RATING_REASONS
                                          for r in reasons) and len(set(reasons)) == len(reasons)))
    body = {"application_id": "A1", "type": "rated", "payload": payload}
    if ok:
        messages.check_village_event(body)
    else:
        with pytest.raises(BundleRejected):
            messages.check_village_event(body)


@given(level=st.sampled_from(RATING_LEVELS),
       picked=st.lists(st.sampled_from(RATING_REASONS), max_size=4),
       note=st.text(alphabet="不满意跑了 ", max_size=10))
def test_check_rating_keeps_a_level_its_reasons_once_and_needs_why_when_bad(
        level: int, picked: list[str], note: str) -> None:
    if level >= 4 and not picked and not note.strip():
        with pytest.raises(InvalidRequest) as refused:
            intake.check_rating(str(level), picked, note)
        assert refused.value.zh == t("rate.reason_required")
        return
    rating = intake.check_rating(str(level), picked, note)
    assert rating.level == level and rating.note == note.strip()
    assert list(rating.reasons) == list(dict.fromkeys(picked))


def test_check_rating_takes_reason_names_and_refuses_what_is_not_listed() -> None:
    assert intake.check_rating("5", ["多次跑动", "overdue"]).reasons == ("trips", "overdue")
    assert intake.check_rating(1, ["done in one visit"]).reasons == ("once",)
    for level in ("0", "6", "好", "", "55", "-1"):
        with pytest.raises(InvalidRequest) as refused:
            intake.check_rating(level)
        assert refused.value.zh == t("rate.bad_level", level=level)
    with pytest.raises(InvalidRequest) as refused:
        intake.check_rating("4", ["排队太久"])
    assert "排队太久" in str(refused.value.zh) and "多次跑动" in str(refused.value.zh)


def test_old_good_and_bad_ratings_read_as_their_levels_everywhere() -> None:
    assert rating_words({"rating": "good", "reason": ""}, "zh") == "满意"
    assert rating_words({"rating": "bad", "reason": "办理时间太长"}, "zh") == "不满意（办理时间太长）"
    assert rating_words({"rating": "bad", "reason": "slow"}, "en") == "unsatisfied (slow)"
    assert rating_words({"rating": 5, "reasons": ["trips", "overdue"], "note": "跑了三趟"},
                        "zh") == "非常不满意（多次跑动、超时；跑了三趟）"
    assert rating_words({"rating": "excellent"}, "zh") == t_in("zh", "rating.unknown")
    assert set(GOOD_REASONS) | set(BAD_REASONS) == set(RATING_REASONS)


def test_an_old_stores_good_and_bad_ratings_still_show_at_the_village_and_the_center(
    session: Session, township: tuple[Node, str], catalog: Catalog, cli: Cli
) -> None:
    """A rating recorded before the five levels (a payload of "bad" and a reason) is filed by
    the township and reads as 不满意 in the village's show, its printout and the center's case."""
    app_id = _delivered(session, township, catalog)
    session.add_event(app_id, "rated", {"rating": "bad", "reason": "办理时间太长",
                                        "rated_on": "2026-11-23"})
    _sync(session)
    node, _ = township
    case = read_case(node.session, app_id, lang="zh", audit=False)
    assert any(s.what == t_in("zh", "center.event.rated", rating="不满意（办理时间太长）")
               for s in case.timeline)
    summary, events = session.show(app_id)
    assert "已评价：不满意（办理时间太长）" in printing.receipt(
        summary, events, catalog.item("MZ-GLJT"), session.store.info)
    shown = cli("show", app_id)
    assert shown.code == 0, shown.stderr
    assert "已评价：不满意（办理时间太长）" in shown.stdout
    # An old bad rating is a 不满意 (level 4): it is followed up like a new one.
    with node.session.store.database.read() as db:
        [found] = followup.followups(db)
    assert (found.application_id, found.rating) == (app_id, 4)


# ---------------------------------------------------------------- village → township → village


def test_a_very_unsatisfied_rating_is_followed_up_and_the_village_hears_each_step(
    session: Session, township: tuple[Node, str], catalog: Catalog, cli: Cli
) -> None:
    node, _ = township
    app_id = _delivered(session, township, catalog)
    rated = cli("rate", app_id, "5", "--reason", "多次跑动", "--reason", "overdue",
                "--note", "跑了三趟才办好", "--json")
    assert rated.code == 0, rated.stderr
    assert rated.json()["rating"] == 5 and rated.json()["reasons"] == ["trips", "overdue"]
    [event] = [e for e in session.show(app_id)[1] if e.type == "rated"]
    assert event.payload == {"rating": 5, "reasons": ["trips", "overdue"],
                             "note": "跑了三趟才办好", "rated_on": event.payload["rated_on"]}
    _sync(session)

    home = node.session.store.home
    [row] = _rows(home, "SELECT id, application_id, rating, closed_on FROM followups")
    followup_id = row[0]
    assert row[1:] == (app_id, 5, None)
    assert _rows(home, "SELECT colour, cleared_on FROM cards WHERE subject = 'followup'") == [
        ("blue", None)]
    listed = center_cli(home, "--json", "followups", "--open")
    assert listed.returncode == 0, listed.stderr
    [shown] = json.loads(listed.stdout)
    assert (shown["id"], shown["next_step"], shown["colour"]) == (followup_id, "verify", "blue")

    # Out of order, without a note, a call back without the villager's answer: refused.
    before = table_counts(home)
    for args, key, values in (
            (("rectify", "--note", "已整改"), "followup.wrong_order",
             {"id": followup_id, "next": "核实", "step": "整改"}),
            (("verify",), "followup.need_note", {"step": "核实"}),
            (("call", "--note", "已回访", "--result", "satisfied"), "followup.wrong_order",
             {"id": followup_id, "next": "核实", "step": "回访"}),
            (("call", "--note", "已回访"), "followup.need_result", {}),
            (("verify", "--note", "属实", "--result", "satisfied"), "followup.result_only_call", {}),
            (("tell", "--note", "x"), "followup.bad_step", {"step": "tell"})):
        refused = center_cli(home, "--json", "follow-up", str(followup_id), *args)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
        assert json.loads(refused.stdout)["message"] == t_in("zh", key, **values)
    assert center_cli(home, "follow-up", "999", "verify", "--note", "x").returncode == 1
    assert table_counts(home) == {**before, "audit": table_counts(home)["audit"]}

    verified = center_cli(home, "--json", "follow-up", str(followup_id), "verify",
                          "--note", "经核实，材料退回两次属实")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["next_step"] == "rectify"
    followup.record(node, followup_id, "rectify", "已对窗口人员批评教育，一次性告知到位")
    called = center_cli(home, "--json", "follow-up", str(followup_id), "call",
                        "--note", "电话回访，申请人表示理解", "--result", "basically")
    assert called.returncode == 0, called.stderr
    done = json.loads(called.stdout)
    assert done["closed_on"] == date.today().isoformat() and done["call_result"] == "basically"
    assert _rows(home, "SELECT cleared_on IS NOT NULL FROM cards WHERE subject = 'followup'") == [
        (1,)]
    assert _rows(home, "SELECT status FROM applications WHERE id = ?", (app_id,)) == [("rated",)]
    again = center_cli(home, "--json", "follow-up", str(followup_id), "call", "--note", "再次回访",
                       "--result", "satisfied")
    assert json.loads(again.stdout)["message"] == t_in(
        "zh", "followup.closed_already", id=followup_id, day=done["closed_on"])
    assert center_cli(home, "followups", "--open").stdout.strip() == t_in("zh", "followup.none_open")

    # Down at the village: each step, the clerk and the note, to tell the villager.
    _sync(session)
    _, events = session.show(app_id)
    assert [e.type for e in events if e.type.startswith("followup_")] == [
        "followup_verified", "followup_rectified", "followup_called"]
    assert [e.payload["clerk"] for e in events if e.type.startswith("followup_")] == [CLERK] * 3
    assert session.show(app_id)[0].status == "rated"
    text = cli("show", app_id).stdout
    assert t("followup.heading") in text
    assert f"差评跟进：已核实（{CLERK}）：经核实，材料退回两次属实" in text
    assert f"差评跟进：已回访，申请人基本满意（{CLERK}）：电话回访，申请人表示理解" in text
    assert intake.followed_up(session) == {app_id}
    # Nothing of the notes lies in plain text in either store.
    for store_home in (home, session.store.home):
        assert "材料退回两次属实".encode() not in center_db.stored_bytes(store_home)


def test_a_satisfied_rating_opens_no_follow_up(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    app_id = _delivered(session, township, catalog)
    intake.rate(session, app_id, intake.check_rating(3, ["fast"]))
    _sync(session)
    node, _ = township
    assert _rows(node.session.store.home, "SELECT count(*) FROM followups") == [(0,)]
    assert printing.followup_lines(session.show(app_id)[1]) == []


def test_only_the_clerk_who_handled_the_case_records_its_follow_up(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    node.session.add_operator(OTHER, "clerk", OTHER_PIN)
    app_id = _delivered(session, township, catalog)
    intake.rate(session, app_id, intake.check_rating(4, ["attitude_bad"]))
    _sync(session)
    other = Node.of(node.session.store.login(OTHER, OTHER_PIN))
    with node.session.store.database.read() as db:
        [found] = followup.followups(db)
    before = table_counts(node.session.store.home)
    with pytest.raises(StorageError) as refused:
        followup.record(other, found.id, "verify", "我来核实")
    assert refused.value.zh == t_in("zh", "followup.not_yours", id=found.id, clerk=CLERK)
    assert table_counts(node.session.store.home) == before


# ---------------------------------------------------------------- the console


def test_the_console_lists_follow_ups_and_records_steps_beside_the_case(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    app_id = _delivered(session, township, catalog)
    intake.rate(session, app_id, intake.check_rating(5, [], "态度很差"))
    _sync(session)
    home = node.session.store.home
    with log_in(url) as client:
        listing = client.get("/console/followups?open=1")
        assert listing.status_code == 200
        assert app_id in listing.text and 'data-colour="blue"' in listing.text
        assert "非常不满意" in listing.text
        page = client.get(f"/console/case/{app_id}")
        assert 'id="form-follow-up"' in page.text and 'name="step" value="verify"' in page.text
        csrf = _token(page.text, "csrf")

        before = table_counts(home)
        bad = client.post(f"/console/case/{app_id}/follow-up",
                          data={"csrf": csrf, "step": "verify", "note": "  "})
        assert bad.status_code == 400
        problem = re.search(r'id="followup-problem">([^<]*)<', bad.text)
        assert problem and problem.group(1) == t_in("zh", "followup.need_note", step="核实")
        skipped = client.post(f"/console/case/{app_id}/follow-up",
                              data={"csrf": csrf, "step": "call", "note": "已回访",
                                    "result": "satisfied"})
        assert skipped.status_code == 400 and "下一步应为“核实”" in skipped.text
        forged = client.post(f"/console/case/{app_id}/follow-up",
                             data={"csrf": "nope", "step": "verify", "note": "x"})
        assert forged.status_code == 403
        assert {k: v for k, v in table_counts(home).items() if k != "audit"} == {
            k: v for k, v in before.items() if k != "audit"}

        for step, extra in (("verify", {}), ("rectify", {}), ("call", {"result": "satisfied"})):
            got = client.post(f"/console/case/{app_id}/follow-up",
                              data={"csrf": csrf, "step": step, "note": f"{step}：已办", **extra})
            assert got.status_code == 200 and 'id="followup-done"' in got.text, got.text
        assert 'id="followup-closed"' in got.text
        closed = client.get("/console/followups")
        assert 'data-colour="closed"' in closed.text
        assert app_id not in client.get("/console/followups?open=1").text
    _sync(session)
    assert len([e for e in session.show(app_id)[1] if e.type.startswith("followup_")]) == 3


def test_the_console_follow_up_needs_a_session(township: tuple[Node, str]) -> None:
    _, url = township
    got = httpx.get(f"{url}/console/followups", follow_redirects=False, timeout=30)
    assert got.status_code == 303 and got.headers["location"] == "/console/login"
