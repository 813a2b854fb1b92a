"""放权下沉: items decided at the village point itself, reported to the township for supervision.

A village-decided item (catalog level "village") is completed or rejected by the village's
agent; its events, decisions included, travel to a real township over real HTTP, which
files the case (in its list, with its status) and refuses to decide it. A township item
is never decided at the village, neither through the agent's commands nor by a forged event.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from center import ingest
from center.enroll import issue_code
from forms.catalog import Catalog
from storage import events
from storage.errors import InvalidRequest, NotPermitted
from storage.status import VILLAGE_DECISIONS, decided_by, derive_status, village_may_record
from storage.store import Session
from sync.client import sync_once
from sync.items import decided_at, owner_of
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE, Cli
from tests.forms_helpers import example
from tests.helpers import table_counts
from tests.test_center_show import center_cli, without_login
from tests.test_console import log_in
from village_agent import deciding, intake, worklist

VILLAGE_ITEM = "RS-DYRZ"  # 城乡居民养老保险待遇领取资格认证: decided at the village
TOWNSHIP_ITEM = "MZ-GLJT"  # 高龄津贴申领: decided by the township
TRACEBACK = re.compile(r"Traceback|File \"")


def _take(session: Session, catalog: Catalog, code: str) -> str:
    return intake.take(session, catalog, session.calendar(), code, example(catalog.get(code)),
                       today=TODAY).application_ids[0]


def _enrolled(session: Session, township: tuple[Node, str]) -> Node:
    from sync.client import enroll_online

    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    return node


def _types(session: Session, app_id: str) -> list[str]:
    return [e.type for e in session.show(app_id)[1]]


# ---- routing and the rules, pure ---------------------------------------------------------------

def test_routing_knows_who_decides_each_level(catalog: Catalog) -> None:
    assert decided_at(VILLAGE_ITEM, catalog) == "village"
    assert decided_at(TOWNSHIP_ITEM, catalog) == "township"
    assert decided_at("CL-LXBT", catalog) == "county"
    assert decided_at("XX-UNKNOWN", catalog) == "township"
    # The record of a village-decided case ends its journey at the township (its supervisor).
    assert owner_of(VILLAGE_ITEM, catalog) == "township"
    assert owner_of("CL-LXBT", catalog) == "county"


def test_status_follows_the_villages_own_decisions() -> None:
    assert derive_status(["created", "submitted", "accepted", "completed"]) == "completed"
    assert derive_status(["created", "submitted", "rejected"]) == "rejected"
    assert derive_status(["created", "submitted", "accepted", "completed", "delivered"]) == "delivered"


@given(level=st.sampled_from(["village", "township", "county", "province", ""]),
       event=st.sampled_from(sorted({*VILLAGE_DECISIONS, "forwarded", "correction_requested",
                                     "received", "revoked", "submitted"})),
       status=st.sampled_from(["draft", "submitted", "received", "accepted", "completed",
                               "rejected", "delivered"]))
def test_a_village_records_only_its_own_decisions_in_their_order(level: str, event: str,
                                                                 status: str) -> None:
    allowed = village_may_record(level, event, status)
    assert allowed == (decided_by(level) == "village" and event in VILLAGE_DECISIONS
                       and status in VILLAGE_DECISIONS[event])
    if allowed:
        assert level == "village" and status in ("submitted", "accepted")


@given(note=st.text(max_size=600), decision=st.sampled_from(["completed", "rejected"]))
def test_a_decision_keeps_its_note_trimmed_or_says_what_is_missing(note: str, decision: str) -> None:
    text = note.strip()
    if not text or len(text) > intake.MAX_NOTE:
        with pytest.raises(InvalidRequest) as caught:
            deciding.check_decision(decision, note)
        assert getattr(caught.value, "zh", "")  # said in Chinese
    else:
        assert deciding.check_decision(decision, note) == text


def test_an_unknown_decision_is_refused_in_chinese() -> None:
    with pytest.raises(InvalidRequest) as caught:
        deciding.check_decision("accepted", "好")
    assert "办结" in caught.value.zh


# ---- at the village ----------------------------------------------------------------------------

def test_a_village_item_completes_here_with_no_township_decision(
    session: Session, catalog: Catalog
) -> None:
    app_id = _take(session, catalog, VILLAGE_ITEM)
    here = frozenset(c for c, item in catalog.items.items() if item.level == "village")
    waiting = worklist.overview(session.list(), TODAY, session.calendar(), (), here)
    assert waiting.to_decide == 1  # home counts it as the agent's own to settle
    seqs = deciding.decide(session, catalog, app_id, "completed", "本年度资格认证通过，继续发放",
                           today=TODAY)
    assert worklist.overview(session.list(), TODAY, session.calendar(), (), here).to_decide == 0
    summary, log = session.show(app_id)
    assert summary.status == "completed"
    assert [e.type for e in log] == ["created", "submitted", "accepted", "completed"]
    done = log[-1]
    assert done.payload["result"] == "本年度资格认证通过，继续发放"
    assert done.payload["by"] == "village" and done.payload["center_code"] == VILLAGE_CODE
    assert {e.device_id for e in log} == {session.store.info.device_id}  # nobody else decided
    with session.store.database.read() as db:  # both decisions wait in the outbox for the township
        queued = {r[0] for r in db.execute("SELECT seq FROM outbox")}
    assert set(seqs) <= queued
    # Decided once: a second completion (another click, the CLI) is refused and writes nothing.
    before = table_counts(session.store.home)
    with pytest.raises(InvalidRequest) as caught:
        deciding.decide(session, catalog, app_id, "rejected", "重复", today=TODAY)
    assert "当前状态不能办理" in caught.value.zh
    assert table_counts(session.store.home) == before
    # Its notice prints from the village's own decision.
    from sync.paper.decisions import read_notice

    assert "本年度资格认证通过" in read_notice(session, app_id).text()


def test_a_township_item_cannot_be_decided_at_the_village(
    session: Session, catalog: Catalog
) -> None:
    app_id = _take(session, catalog, TOWNSHIP_ITEM)
    before = table_counts(session.store.home)
    for decision, note in (("completed", "已核定"), ("rejected", "不符合条件")):
        with pytest.raises(InvalidRequest) as caught:
            deciding.decide(session, catalog, app_id, decision, note, today=TODAY)
        assert "不是村级办理事项" in caught.value.zh and "乡镇" in caught.value.zh
    assert table_counts(session.store.home) == before
    assert session.show(app_id)[0].status == "submitted"


def test_only_an_agent_decides(session: Session, catalog: Catalog) -> None:
    app_id = _take(session, catalog, VILLAGE_ITEM)
    session.add_operator("赵网格", "grid_worker", "593817")
    grid = session.store.login("赵网格", "593817")
    before = table_counts(session.store.home)
    with pytest.raises(NotPermitted) as caught:
        deciding.decide(grid, catalog, app_id, "completed", "认证通过", today=TODAY)
    assert "代办员" in caught.value.zh
    assert without_login(before, session.store.home) == before


def test_the_cli_decides_and_refuses_in_chinese(cli: Cli, catalog: Catalog, tmp_path: Path) -> None:
    import json

    cli.init()
    data = tmp_path / "data.json"
    data.write_text(json.dumps(example(catalog.get(VILLAGE_ITEM)), ensure_ascii=False), "utf-8")
    taken = cli("--json", "apply", "--item", VILLAGE_ITEM, "--data", str(data))
    assert taken.code == 0, taken.stderr
    app_id = taken.json()["applications"][0]["id"]
    missing = cli("decide", app_id, "rejected", "--note", "  ")
    assert missing.code != 0 and "不予受理须说明理由" in missing.stderr
    assert not TRACEBACK.search(missing.stderr)
    done = cli("--json", "decide", app_id, "completed", "--note", "认证通过")
    assert done.code == 0, done.stderr
    assert done.json()["status"] == "completed"
    shown = cli("--json", "show", app_id).json()
    assert [e["type"] for e in shown["events"]][-2:] == ["accepted", "completed"]
    again = cli("decide", app_id, "completed", "--note", "再次")
    assert again.code != 0 and "当前状态不能办理" in again.stderr
    assert not TRACEBACK.search(again.stderr)


# ---- at the township, over a real sync ---------------------------------------------------------

def test_the_township_files_a_village_decided_case_and_may_not_decide_it(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node = _enrolled(session, township)
    app_id = _take(session, catalog, VILLAGE_ITEM)
    deciding.decide(session, catalog, app_id, "completed", "本年度资格认证通过", today=TODAY)
    report = sync_once(session.store, session=session, force=True)
    assert report.ok, report

    # Filed as the village decided it: completed, with no receipt or decision of the township's.
    assert _types(node.session, app_id) == ["created", "submitted", "accepted", "completed"]
    home = node.session.store.home
    listed = center_cli(home, "--json", "applications")
    assert listed.code == 0, listed.stderr
    [row] = [r for r in listed.json() if r["id"] == app_id]
    assert row["status"] == "completed" and row["status_text"] == "已办结"
    assert row["decided_at"] == "village"
    assert "村级办理" in center_cli(home, "applications").stdout
    with log_in(township[1]) as client:  # the console's worklist marks it too
        page = client.get("/console/", params={"scope": "all"})
    [shown] = [tr for tr in page.text.split("<tr")[1:] if app_id in tr]
    assert "村级办理" in shown and "已办结" in shown
    # Every outbox row of the case reached its end: the township holds the whole record.
    assert sync_once(session.store, session=session, force=True).ok
    with session.store.database.read() as db:
        assert {r[0] for r in db.execute("SELECT state FROM outbox")} == {"done"}

    # The township may not decide it: refused in Chinese, nothing written, nothing sent down.
    before = table_counts(home)
    for args in (("complete", app_id, "--result", "办结"), ("reject", app_id, "--reason", "不符"),
                 ("revoke-result", app_id, "--reason", "承诺不实")):
        refused = center_cli(home, *args)
        assert refused.code != 0, refused.stdout
        assert "村级办理事项" in refused.stderr and not TRACEBACK.search(refused.stderr)
    assert without_login(before, home) == before
    with pytest.raises(ingest.DecisionError) as caught:
        ingest.decide(node, app_id, "accepted", {})
    assert "村级办理事项" in caught.value.zh
    assert without_login(before, home) == before  # the CLI's three logins are all it audited
    assert node.session.list()[0].status == "completed"


def test_a_village_rejection_reaches_the_township_as_it_was_made(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node = _enrolled(session, township)
    app_id = _take(session, catalog, "YB-CBXXBG")
    deciding.decide(session, catalog, app_id, "rejected", "参保身份以民政推送名单为准，暂不能变更",
                    today=TODAY)
    assert sync_once(session.store, session=session, force=True).ok
    assert {s.id: s.status for s in node.session.list()} == {app_id: "rejected"}
    rejected = node.session.show(app_id)[1][-1]
    assert rejected.type == "rejected" and rejected.payload["reason"].startswith("参保身份")


def test_a_forged_village_decision_on_a_township_item_is_refused_at_the_township(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    """The agent's commands refuse it; a village that writes the event itself is refused too."""
    node = _enrolled(session, township)
    app_id = _take(session, catalog, TOWNSHIP_ITEM)
    assert sync_once(session.store, session=session, force=True).ok
    assert node.session.list()[0].status == "received"
    with session.store.database.write() as db:  # what the app would never write
        device = events.DeviceState(db)
        events.append(db, session.keys, device, application_id=app_id, event_type="completed",
                      payload={"result": "自行办结", "by": "village"},
                      operator_id=session.operator.id, report=True)
        device.save()
    report = sync_once(session.store, session=session, force=True)
    assert report.ok, report
    assert _refused(node)  # for good: the township's ack tells the village so
    assert node.session.list()[0].status == "received"
    assert "completed" not in _types(node.session, app_id)


def _refused(node: Node) -> bool:
    with node.session.store.database.read() as db:
        return db.execute("SELECT 1 FROM alarms WHERE kind = 'not_permitted'").fetchone() is not None



def test_a_village_decision_without_its_result_is_refused_at_the_township(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    """The same rule as a center's own decisions: a completion says its result."""
    node = _enrolled(session, township)
    app_id = _take(session, catalog, VILLAGE_ITEM)
    with session.store.database.write() as db:  # what `deciding` would refuse to write
        device = events.DeviceState(db)
        for kind in ("accepted", "completed"):
            events.append(db, session.keys, device, application_id=app_id, event_type=kind,
                          payload={"by": "village"}, operator_id=session.operator.id, report=True)
        device.save()
    assert sync_once(session.store, session=session, force=True).ok
    with node.session.store.database.read() as db:
        alarms = {r[0] for r in db.execute("SELECT kind FROM alarms")}
    assert "malformed_payload" in alarms
    assert _types(node.session, app_id) == ["created", "submitted", "accepted"]
    assert node.session.list()[0].status == "accepted"


@pytest.mark.anyio
async def test_the_agent_decides_a_village_item_on_the_case_screen(
    session: Session, catalog: Catalog
) -> None:
    from textual.widgets import Button, Input, RadioButton

    from tests.app_helpers import SIZE, log_in, settle, text_of, village_app
    from tests.test_app_casework import _open_detail
    from village_agent.app.casework import DecideScreen
    from village_agent.i18n import t

    village_case = _take(session, catalog, VILLAGE_ITEM)
    township_case = _take(session, catalog, TOWNSHIP_ITEM)
    home = session.store.home
    app = village_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await log_in(pilot)
        detail = await _open_detail(pilot, township_case)
        assert not detail.check_action("decide", ())  # the township decides this one
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        detail = await _open_detail(pilot, village_case)
        assert detail.check_action("decide", ())
        assert t("decide.hint") in text_of(app, "#detail-casework")
        await pilot.press("v")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DecideScreen)
        dialog.query_one("#decide-rejected", RadioButton).value = True
        counts = table_counts(home)
        dialog.query_one("#decide-ok", Button).press()  # a rejection must say why
        await settle(pilot)
        assert app.screen is dialog and table_counts(home) == counts
        assert "不予受理须说明理由" in str(dialog.query_one(".dialog-error").render())
        dialog.query_one("#decide-completed", RadioButton).value = True
        dialog.query_one("#decide-note", Input).value = "本年度资格认证通过"
        dialog.query_one("#decide-ok", Button).press()
        await settle(pilot)
        assert app.screen is detail
        assert not detail.check_action("decide", ())  # decided: the key is gone
    assert session.show(village_case)[0].status == "completed"
    assert session.show(township_case)[0].status == "submitted"
