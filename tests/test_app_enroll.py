"""Enrollment in the first-run wizard: online with the clerk's code, offline by USB stick, or later."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input

from center.enroll import issue_code
from storage import sync_peers
from storage.crypto import TEST_KDF
from storage.store import Store
from sync.node import Node
from tests.app_helpers import SIZE, screen_text, settle, text_of
from tests.conftest import AGENT, PIN, ROOT, TODAY, VILLAGE_CODE, VILLAGE_NAME, Cli
from tests.sync_helpers import CLERK, CLERK_PIN, make_center
from village_agent.app import VillageApp, make_app
from village_agent.app.enroll import EnrollScreen
from village_agent.app.home import HomeScreen
from village_agent.i18n import t
from village_agent.syncjobs import device_fingerprint

pytestmark = pytest.mark.anyio


def wizard_app(home: Path, stick: Path | None = None) -> VillageApp:
    """The app on a PC with no service point yet; no background sync, so the tests decide when."""
    return make_app(home, kdf=TEST_KDF, today=TODAY, export_dir=stick or home.parent,
                    sync_every=None)


async def create_service_point(pilot: Pilot[Any]) -> None:
    """The wizard's first step (typed key by key in test_app_start; set here), then Enter."""
    screen = pilot.app.screen
    for name, value in (("village_code", VILLAGE_CODE), ("village_name", VILLAGE_NAME),
                        ("operator", AGENT), ("pin", PIN), ("pin2", PIN)):
        screen.query_one(f"#setup-{name}", Input).value = value
    screen.query_one("#setup-pin2", Input).focus()
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")  # the recovery code, shown once: written down
    await settle(pilot)
    assert isinstance(pilot.app.screen, EnrollScreen)


async def enroll_online(pilot: Pilot[Any], url: str, code: str) -> None:
    """Address and code into their boxes; Enter in the code box enrolls."""
    screen = pilot.app.screen
    screen.query_one("#enroll-url", Input).value = url
    box = screen.query_one("#enroll-code", Input)
    box.value = code
    box.focus()
    await pilot.press("enter")
    await settle(pilot)


def village_peers(home: Path) -> list[sync_peers.Peer]:
    store = Store.open(home)
    try:
        return sync_peers.peers(store.database)
    finally:
        store.close()


def village_device(home: Path) -> str:
    store = Store.open(home)
    try:
        return store.info.device_id
    finally:
        store.close()


def other_code(code: str) -> str:
    """The clerk's code with its last character misread."""
    return code[:-1] + ("B" if code[-1] != "B" else "C")


async def test_wizard_enrolls_online_and_each_side_keeps_the_other(
    home: Path, township: tuple[Node, str]
) -> None:
    node, url = township
    code = issue_code(node, VILLAGE_CODE)
    app = wizard_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await create_service_point(pilot)
        assert app.store is not None
        mine = device_fingerprint(app.store)
        assert mine in screen_text(app)  # shown before enrolling, to read to the clerk

        await enroll_online(pilot, url + "/", code)
        result = text_of(app, "#enroll-result")
        assert t("enroll.device_fp", fp=mine) in result
        assert t("enroll.township_fp", fp=node.identity.fingerprint()) in result
        assert text_of(app, "#enroll-message") == ""
        await pilot.press("enter")  # "done" has the focus now
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert t("sync.not_enrolled", n=0) not in screen_text(app)

    (township_peer,) = village_peers(home)
    assert (township_peer.device_id, township_peer.role, township_peer.url) == (
        node.keys.device_id, "township", url)
    devices = sync_peers.peers(node.session.store.database, "village")  # `service-center devices`
    assert [(d.device_id, d.village_code) for d in devices] == [(village_device(home), VILLAGE_CODE)]


async def test_a_wrong_code_or_an_unreachable_township_still_creates_the_service_point(
    home: Path, township: tuple[Node, str], tmp_path: Path
) -> None:
    node, url = township
    code = issue_code(node, VILLAGE_CODE)
    app = wizard_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await create_service_point(pilot)

        await enroll_online(pilot, url, other_code(code))
        assert isinstance(app.screen, EnrollScreen)
        # the township's own words, after saying who refused
        assert text_of(app, "#enroll-message") == "乡镇中心拒绝了登记请求：登记码与村级区划代码不符，请核对"
        assert text_of(app, "#enroll-result") == ""

        await enroll_online(pilot, "http://127.0.0.1:9", code)  # nothing listens on port 9
        assert "无法连接乡镇中心" in text_of(app, "#enroll-message")

        await enroll_online(pilot, "10.0.0.2:8600", code)
        assert text_of(app, "#enroll-message") == t("enroll.bad_url")

        await pilot.press("escape")  # later
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert t("sync.not_enrolled", n=0) in screen_text(app)

    store = Store.open(home)
    try:
        assert store.info.village_code == VILLAGE_CODE
        assert [o.name for o in store.operators()] == [AGENT]
        store.login(AGENT, PIN)
        assert sync_peers.peers(store.database) == []
    finally:
        store.close()
    assert sync_peers.peers(node.session.store.database, "village") == []


async def test_wizard_enrolls_offline_through_a_request_and_an_answer_on_a_stick(
    home: Path, tmp_path: Path
) -> None:
    center_home = tmp_path / "township"
    clerk = make_center(center_home)
    code = issue_code(Node.of(clerk), VILLAGE_CODE)
    township_fp = Node.of(clerk).identity.fingerprint()
    clerk.store.close()
    stick = tmp_path / "usb"
    stick.mkdir()
    app = wizard_app(home, stick)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await create_service_point(pilot)
        screen = app.screen
        assert screen.query_one("#enroll-folder", Input).value == str(stick)
        screen.query_one("#enroll-code", Input).value = code
        screen.query_one("#enroll-answer", Button).press()  # no answer on the stick yet
        await settle(pilot)
        assert "没有本设备的登记答复" in text_of(app, "#enroll-message")

        screen.query_one("#enroll-request", Button).press()
        await settle(pilot)
        (request,) = stick.glob("enroll-*.json")
        assert str(request) in text_of(app, "#enroll-message")

        # At the township: the clerk's own command writes the answer beside the request.
        center = Cli(center_home)
        center.env.update(VILLAGE_AGENT_PIN=CLERK_PIN, VILLAGE_AGENT_OPERATOR=CLERK)
        done = subprocess.run([sys.executable, "-m", "center.cli", "enroll-file",
                               str(request)], capture_output=True, text=True, env=center.env,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr

        screen.query_one("#enroll-answer", Button).press()
        await settle(pilot)
        assert t("enroll.township_fp", fp=township_fp) in text_of(app, "#enroll-result")
        screen.query_one("#enroll-finish", Button).press()
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

    (peer,) = village_peers(home)
    assert (peer.role, peer.url) == ("township", "")  # by stick: no address to sync to
    center_store = Store.open(center_home)
    try:
        assert [d.device_id for d in sync_peers.peers(center_store.database, "village")] == [
            village_device(home)]
    finally:
        center_store.close()
