"""Sync with real processes: `service-center serve` on a loopback port, the village's CLI, SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, Cli
from tests.sync_helpers import CLERK, CLERK_PIN, TOWNSHIP_CODE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Center:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.cli = Cli(home)
        self.cli.env.update(VILLAGE_AGENT_PIN=CLERK_PIN, VILLAGE_AGENT_OPERATOR=CLERK)
        self.port = _free_port()
        self.proc: subprocess.Popen[str] | None = None

    def run(self, *args: str) -> object:
        proc = subprocess.run(
            [sys.executable, "-m", "center.cli", *args], capture_output=True,
            text=True, env=self.cli.env, cwd=ROOT, timeout=120)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        return proc.stdout

    def start(self) -> str:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "center.cli", "serve", "--port", str(self.port)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.cli.env, cwd=ROOT)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # printed once the socket listens
        assert line.startswith("READY"), line + (self.proc.stderr.read() if self.proc.stderr else "")
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.communicate()
            self.proc = None


@pytest.fixture
def center(tmp_path: Path) -> Iterator[Center]:
    c = Center(tmp_path / "township")
    c.run("init", "--level", "township", "--code", TOWNSHIP_CODE, "--name", "兴宁镇便民服务中心",
          "--operator", CLERK)
    yield c
    c.kill()


def test_village_and_township_clis_carry_an_application_and_its_decision(
    center: Center, cli: Cli, tmp_path: Path
) -> None:
    url = center.start()
    code = json.loads(str(center.run("--json", "enroll-code", "--village-code",
                                     "430481101201")))["code"]
    cli.init()
    data = tmp_path / "gljt.json"
    data.write_text(cli("catalog", "template", "MZ-GLJT", "--json").stdout, encoding="utf-8")
    taken = cli("apply", "--item", "MZ-GLJT", "--data", str(data), "--json")
    assert taken.code == 0, taken.stderr
    app_id = taken.json()["applications"][0]["id"]

    enrolled = cli("enroll", "--township", url, "--code", code, "--json")
    assert enrolled.code == 0, enrolled.stderr + enrolled.stdout
    assert len(enrolled.json()["township_fingerprint"]) == 39

    synced = cli("sync", "--json")
    assert synced.code == 0, synced.stdout
    assert synced.json()["sent"] == 2 and synced.json()["round_trips"] == 1

    # The center is killed with SIGKILL and restarted: what it acknowledged is still there.
    center.kill()
    url = center.start()
    listed = json.loads(str(center.run("--json", "applications")))
    assert [a["id"] for a in listed] == [app_id] and listed[0]["status"] == "received"

    center.run("accept", app_id)
    center.run("complete", app_id, "--result", "核定高龄津贴每月100元")
    again = cli("sync", "--json")
    assert again.code == 0 and again.json()["applied"] == 2, again.stdout
    shown = cli("show", app_id, "--json").json()
    assert shown["status"] == "completed"
    assert [e["type"] for e in shown["events"]][-2:] == ["accepted", "completed"]


def test_an_unattended_sync_needs_no_pin_and_the_results_are_filed_at_the_next_login(
    center: Center, cli: Cli, tmp_path: Path
) -> None:
    url = center.start()
    code = json.loads(str(center.run("--json", "enroll-code", "--village-code",
                                     "430481101201")))["code"]
    cli.init()
    assert cli("enroll", "--township", url, "--code", code).code == 0
    data = tmp_path / "gljt.json"
    data.write_text(cli("catalog", "template", "MZ-GLJT", "--json").stdout, encoding="utf-8")
    app_id = cli("apply", "--item", "MZ-GLJT", "--data", str(data), "--json").json()[
        "applications"][0]["id"]
    no_pin = {"VILLAGE_AGENT_PIN": ""}
    refused = cli("sync", env=no_pin)
    assert refused.code != 0  # an operator's sync asks for the PIN
    synced = cli("sync", "--unattended", "--json", env=no_pin)
    assert synced.code == 0 and synced.json()["sent"] == 2, synced.stdout + synced.stderr
    center.run("accept", app_id)
    again = cli("sync", "--unattended", env=no_pin)
    assert again.code == 0 and "下次登录" in again.stdout, again.stdout
    # Nobody has logged in: the decision waits sealed. The next login files it.
    shown = cli("show", app_id, "--json").json()
    assert shown["status"] == "accepted"
    assert [e["type"] for e in shown["events"]][-1] == "accepted"


def test_sync_without_enrollment_says_what_to_do(cli: Cli) -> None:
    cli.init()
    result = cli("sync")
    assert result.code == 5 and "enroll" in result.stdout and "Traceback" not in result.stderr


def test_center_commands_on_a_village_home_are_refused_clearly(cli: Cli) -> None:
    cli.init()
    proc = subprocess.run([sys.executable, "-m", "center.cli", "applications"],
                          capture_output=True, text=True, env=cli.env, cwd=ROOT, timeout=60)
    assert proc.returncode == 1 and "不是乡镇" in proc.stderr and "Traceback" not in proc.stderr
    assert os.environ.get("VILLAGE_AGENT_DEBUG") is None


def test_center_killed_mid_ingest_keeps_what_it_acknowledged_and_nothing_twice(
    center: Center, session: object, tmp_path: Path
) -> None:
    import threading

    from forms.catalog import load_catalog
    from storage import sync_outbox
    from storage.attachments import IncomingFile
    from storage.store import Session
    from sync.client import enroll_online, sync_once
    from tests.conftest import TODAY
    from tests.faultproxy import FaultPlan, ThreadedFaultProxy
    from tests.forms_helpers import example
    from village_agent import intake

    assert isinstance(session, Session)
    center.start()
    catalog = load_catalog()
    with ThreadedFaultProxy("127.0.0.1", center.port, seed=3, plan=FaultPlan()) as proxy:
        code = json.loads(str(center.run("--json", "enroll-code", "--village-code",
                                         "430481101201")))["code"]
        enroll_online(session, proxy.url, code)
        for i in range(6):
            intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                        example(catalog.get("MZ-GLJT")),
                        [IncomingFile("id_card", "s.jpg", os.urandom(150_000 + i))], today=TODAY)
        proxy.plan = FaultPlan(bandwidth_bps=2_000_000)  # about 4 s for the backlog
        before = proxy.stats.bytes_upstream
        results: list[object] = []
        pusher = threading.Thread(target=lambda: results.append(
            sync_once(session.store, session=session, max_bytes=10_000_000)))
        pusher.start()
        proxy.wait_until(lambda s: s.bytes_upstream - before > 400_000, timeout=60)
        center.kill()  # SIGKILL while messages stream in and commit one by one
        pusher.join(60)
        assert results and not results[0].ok

        proxy.plan = FaultPlan()
        center.start()  # the same port behind the proxy
        total = sum(1 for _ in sync_outbox.outbox_rows(session.store.database))
        resumed = sync_once(session.store, session=session, force=True, max_bytes=10_000_000)
        assert resumed.ok, resumed
        # It resumed: what the killed center had committed was acknowledged, not sent again.
        assert resumed.round_trips == 2 and 0 < resumed.sent < total
    listed = json.loads(str(center.run("--json", "applications")))
    assert len(listed) == 6 and len({a["id"] for a in listed}) == 6
    verified = center.run("verify")  # a center's store is checked by `service-center verify`
    assert "校验通过" in str(verified), verified


def test_three_real_centers_village_township_county_through_proxies(
    tmp_path: Path, session: object
) -> None:
    from forms.catalog import load_catalog
    from storage.store import Session
    from sync.client import enroll_online, sync_once
    from tests.conftest import TODAY
    from tests.faultproxy import FaultPlan, ThreadedFaultProxy
    from tests.forms_helpers import example
    from village_agent import intake

    assert isinstance(session, Session)
    county = Center(tmp_path / "county")
    county.run("init", "--level", "county", "--code", "430481", "--name", "资兴市政务服务中心",
               "--operator", CLERK)
    township = Center(tmp_path / "township")
    township.run("init", "--level", "township", "--code", TOWNSHIP_CODE, "--name", "兴宁镇便民服务中心",
                 "--operator", CLERK)
    plan = FaultPlan(latency_ms=20, cut_after_bytes=[None, None, 3000])  # the third connection is cut
    try:
        county.start()
        with ThreadedFaultProxy("127.0.0.1", county.port, seed=11, plan=plan) as upper:
            code = json.loads(str(county.run("--json", "enroll-code", "--village-code",
                                             TOWNSHIP_CODE)))["code"]
            township.run("link", "--county", upper.url, "--code", code)
            township.start()
            with ThreadedFaultProxy("127.0.0.1", township.port, seed=12, plan=FaultPlan(
                    latency_ms=50)) as lower:
                code = json.loads(str(township.run("--json", "enroll-code", "--village-code",
                                                   "430481101201")))["code"]
                enroll_online(session, lower.url, code)
                catalog = load_catalog()
                app_id = intake.take(session, catalog, session.calendar(), "CL-CJRZ",
                                     example(catalog.get("CL-CJRZ")), today=TODAY).application_ids[0]
                assert sync_once(session.store, session=session).ok

                # The township forwards (a separate process beside its server); one cut, retried.
                for _ in range(4):
                    out = subprocess.run(
                        [sys.executable, "-m", "center.cli", "--json", "forward"],
                        capture_output=True, text=True, env=township.cli.env, cwd=ROOT, timeout=60)
                    if out.returncode == 0 and json.loads(out.stdout)["acknowledged"]:
                        break
                assert upper.stats.cuts >= 1
                listed = json.loads(str(county.run("--json", "applications")))
                assert [a["id"] for a in listed] == [app_id]

                county.run("accept", app_id)
                county.run("complete", app_id, "--result", "核发残疾人证")
                township.run("forward")
                assert sync_once(session.store, session=session).ok
                assert sync_once(session.store, session=session).ok
                summary, events = session.show(app_id)
                assert summary.status == "completed"
                assert [e.payload.get("by") for e in events if e.type == "received"] == [
                    "township", "county"]
    finally:
        township.kill()
        county.kill()


def test_a_village_clock_two_hours_ahead_is_told_at_both_ends(center: Center, cli: Cli) -> None:
    """The village's `sync` runs under libfaketime (+2 h): the agent and the clerk both hear it."""
    import shutil
    import subprocess
    import sys

    faketime = shutil.which("faketime")
    assert faketime, "faketime is installed by install.sh"
    url = center.start()
    code = json.loads(str(center.run("--json", "enroll-code", "--village-code",
                                     "430481101201")))["code"]
    cli.init()
    assert cli("enroll", "--township", url, "--code", code).code == 0
    assert "时钟" not in cli("sync").stdout  # same machine, same clock: nothing to say
    ahead = subprocess.run([faketime, "-f", "+2h", sys.executable, "-m", "village_agent.cli",
                            "sync"], capture_output=True, text=True, env=cli.env, timeout=120)
    assert ahead.returncode == 0, ahead.stderr
    assert "本机时钟比乡镇中心快约120分钟" in ahead.stdout, ahead.stdout
    (device,) = json.loads(str(center.run("--json", "devices")))
    assert device["clock_off"] is True and -7_260_000 < device["clock_skew_ms"] < -7_140_000
    assert "该设备时钟比本中心快约120分钟" in str(center.run("devices"))
