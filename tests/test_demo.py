"""The README's main job: `village-agent demo` sets up a service point and takes in a morning's work."""

from __future__ import annotations

import asyncio
import re
import shlex
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest

from storage import sync_outbox, sync_peers
from storage.crypto import TEST_KDF
from storage.store import Store
from tests.app_helpers import SIZE, log_in, settle, text_of
from tests.conftest import ROOT, Cli
from village_agent import demo, worklist
from village_agent.cli import Context, build_parser
from village_agent.i18n import t

HINT = re.compile(r"^\s*(?P<env>(?:\w+=\S+ )*)\S*service-center serve (?P<args>.*)$", re.M)


def _hinted_serve(stdout: str) -> tuple[dict[str, str], list[str]]:
    """The printed command that brings the township back: its environment and its arguments."""
    found = HINT.search(stdout)
    assert found, stdout
    env = dict(pair.split("=", 1) for pair in found["env"].split())
    return env, shlex.split(found["args"])


def _statuses(home: Path) -> dict[str, str]:
    store = Store.open(home)
    try:
        return {s.id: s.status for s in store.login(demo.AGENT, demo.DEMO_PIN).list()}
    finally:
        store.close()


def test_demo_runs_a_village_point_and_township_center_through_every_state(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    cli = Cli(home)
    result = cli("demo", "--home", str(home), "--json", "--port", "0")
    assert result.code == 0, result.stderr
    report = result.json()
    assert report["ok"] is True and report["home"] == str(home)
    kinds = {a["kind"] for a in report["applications"]}
    assert kinds == {"service", "inspection"}
    bundles = [a for a in report["applications"] if a["bundle_code"] == "YJS-CS"]
    assert len(bundles) == 2 and len({a["bundle_id"] for a in bundles}) == 1

    # What is stored, as the app's home screen counts it, the printed PIN opening the store.
    store = Store.open(home)
    try:
        session = store.login(demo.AGENT, demo.DEMO_PIN)
        summaries = session.list()
        by_id = {s.id: s for s in summaries}
        samples = report["samples"]
        assert {key: by_id[samples[key]].status for key in samples if key != "draft"} == {
            "rated": "rated", "received": "received", "accepted": "accepted",
            "correction": "correction_requested", "inspection": "received",
            "rejected": "rejected", "completed": "completed", "delivered": "delivered",
            "plot": "accepted", "due_soon": "received",
            "waiting": "submitted", "red": "submitted",  # taken in after the last sync
        }
        view = worklist.overview(summaries, date.today(), session.calendar())
        assert (view.to_correct, view.to_hand_over, view.to_rate) == (1, 2, 1)
        assert [f.summary.id for f in view.red] == [samples["red"]]
        assert samples["due_soon"] in {f.summary.id for f in view.yellow}
        assert [d.id for d in session.drafts()] == [samples["draft"]]
        assert session.drafts()[0].applicant_name == "吴秀英"
        # Each sample is its own villager: the applicants' register has one name per ID number.
        names = {s.applicant_name for s in summaries if s.kind == "service"}
        assert len(names) == len(demo.SAMPLES) - 1 + len(demo.LATE)  # all but the inspection
        # The waiting ones are sealed in the outbox, not yet sent to the township.
        assert {r["state"] for r in sync_outbox.outbox_rows(store.database)} == {"pending"}
        assert urlparse(sync_peers.peers(store.database, "township")[-1].url).port == report["port"]
    finally:
        store.close()

    agent = {"VILLAGE_AGENT_PIN": report["pin"], "VILLAGE_AGENT_OPERATOR": "王秀梅"}
    listed = cli("list", "--json", env=agent)
    assert listed.code == 0, listed.stderr
    assert {a["id"] for a in listed.json()} == {a["id"] for a in report["applications"]}
    assert cli("verify", env=agent).code == 0


def test_the_hinted_command_brings_the_township_back_on_the_enrolled_port(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    cli = Cli(home)
    built = cli("demo", "--home", str(home), "--no-app", "--port", "0")
    assert built.code == 0, built.stderr
    assert "VILLAGE_AGENT_HOME=" + str(home) + " .venv/bin/village-agent\n" in built.stdout
    env, args = _hinted_serve(built.stdout)
    store = Store.open(home)
    try:
        enrolled = urlparse(sync_peers.peers(store.database, "township")[-1].url).port
    finally:
        store.close()
    assert args[args.index("--port") + 1] == str(enrolled)
    assert t("demo.hint.township", port=enrolled) in built.stdout
    before = _statuses(home)
    waiting = [i for i, s in before.items() if s == "submitted"]
    assert len(waiting) == 2

    # The demo's township stopped with the demo: nothing answers on that port now.
    agent = {"VILLAGE_AGENT_PIN": demo.DEMO_PIN, "VILLAGE_AGENT_OPERATOR": demo.AGENT}
    offline = cli("sync", env=agent)
    assert offline.code != 0 and _statuses(home) == before

    server = subprocess.Popen(
        [sys.executable, "-m", "center.cli", "serve", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**cli.env, **env})
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # printed once the socket listens
        assert line.startswith(f"READY http://127.0.0.1:{enrolled}"), line + (
            server.stderr.read() if server.stderr else "")
        synced = cli("sync", "--json", env=agent)
        assert synced.code == 0, synced.stderr + synced.stdout
        assert synced.json()["ok"] is True
    finally:
        server.send_signal(signal.SIGKILL)
        server.communicate()
    after = _statuses(home)
    assert {after[i] for i in waiting} == {"received"}
    assert {i: s for i, s in after.items() if i not in waiting} == {
        i: s for i, s in before.items() if i not in waiting}


def test_the_app_the_demo_opens_syncs_with_its_township_which_stops_when_it_quits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from village_agent.app import make_app
    from village_agent.app.syncscreen import SyncScreen

    home = tmp_path / "demo"
    seen: dict[str, object] = {}

    async def drive(built: demo.Demo) -> None:
        app = make_app(built.home, kdf=built.kdf)  # background sync on, as `village-agent` runs
        async with app.run_test(size=SIZE) as pilot:
            await log_in(pilot, pin=demo.DEMO_PIN, operator=demo.AGENT)
            seen["casework"] = text_of(app, "#home-casework")
            # The background sync, started at login, reaches the demo's township at once.
            assert app.background is not None
            assert await asyncio.to_thread(app.background.wait_sessions, 1, 60)
            await settle(pilot)
            seen["after_background"] = _statuses(built.home)
            await pilot.press("s")
            await settle(pilot)
            assert isinstance(app.screen, SyncScreen)
            await pilot.press("s")  # sync now
            await settle(pilot)
            seen["message"] = text_of(app, "#sync-message")

    def launch(built: demo.Demo) -> int:
        seen["url"] = built.url
        seen["before"] = _statuses(built.home)
        asyncio.run(drive(built))
        return 0

    ctx = Context(build_parser().parse_args(["demo", "--home", str(home), "--port", "0"]))
    assert demo.run(ctx, TEST_KDF, launch=launch) == 0
    printed = capsys.readouterr().out
    # The summary and the PINs come first, then the app; the hints again once it has quit.
    assert printed.index(demo.DEMO_PIN) < printed.index(t("demo.open_app", pin=demo.DEMO_PIN,
                                                           grid=demo.GRID_PIN, url=seen["url"]))
    assert printed.index(t("demo.open_app", pin=demo.DEMO_PIN, grid=demo.GRID_PIN,
                           url=seen["url"])) < printed.index(t("demo.township_stopped"))
    port = urlparse(str(seen["url"])).port
    last = printed.rstrip().splitlines()[-1]
    assert "service-center serve" in last and last.endswith(f"--port {port}")
    assert seen["casework"] == t("home.casework", correct=1, deliver=2, rate=1)
    before, after = seen["before"], _statuses(home)
    assert isinstance(before, dict)
    waiting = {i for i, s in before.items() if s == "submitted"}
    assert len(waiting) == 2 and {after[i] for i in waiting} == {"received"}
    assert seen["after_background"] == after  # the loop had sent them before "sync now"
    done = t("sync.done", sent=0, done=0, received=0, applied=0, pending=0).split("：")[0]
    assert str(seen["message"]).startswith(done), seen["message"]

    # Quitting the app stopped the township: the same sync now finds nobody there.
    from sync.client import sync_once

    store = Store.open(home)
    try:
        assert sync_once(store, session=store.login(demo.AGENT, demo.DEMO_PIN), force=True).ok is False
    finally:
        store.close()


def test_grid_worker_records_an_inspection_with_inspect(cli: Cli, tmp_path: Path) -> None:
    cli.init()
    template = cli("catalog", "template", "WG-AQYH", "--json")
    assert template.code == 0, template.stderr
    data = tmp_path / "hazard.json"
    data.write_text(template.stdout, encoding="utf-8")
    photo = tmp_path / "hazard.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg")
    labels = [f"{name}={photo}" for name in template.json()["fields"] if name.endswith("photo")]
    args = [arg for label in labels for arg in ("--attach", label)]
    recorded = cli("inspect", "--form", "WG-AQYH", "--data", str(data), *args, "--json")
    assert recorded.code == 0, recorded.stderr + recorded.stdout
    app_id = recorded.json()["applications"][0]["id"]
    shown = cli("show", app_id, "--json").json()
    assert shown["kind"] == "inspection" and shown["status"] == "recorded"
    assert [e["type"] for e in shown["events"]] == ["created", "inspection_recorded"]


def test_the_demo_says_what_it_did_in_english_when_asked(tmp_path: Path) -> None:
    from forms.catalog import load_catalog

    home = tmp_path / "demo"
    result = Cli(home)("demo", "--home", str(home), "--no-app", "--port", "0",
                       env={"VILLAGE_AGENT_LANG": "en"})
    assert result.code == 0, result.stderr
    cjk = re.compile(r"[\u4e00-\u9fff]")
    names = {e.name for e in load_catalog().entries()} | {
        e.short_name for e in load_catalog().entries()}
    lines = result.stdout.splitlines()
    ours = [line for line in lines if line.startswith(("Demo folder:", "Enrolled at", "Sync:",
                                                       "Applications:", "  Taken in"))]
    assert len([line for line in ours if line.startswith("Sync:")]) == 3
    assert len([line for line in ours if line.startswith("  Taken in")]) >= len(demo.SAMPLES)
    for line in ours:  # item names are the county's catalog data: Chinese in both languages
        for name in sorted(names, key=len, reverse=True):
            line = line.replace(name, "")
        assert not cjk.search(line), line
