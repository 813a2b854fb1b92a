"""A township backed up while it serves, restored from the older copy, and caught up by its village.

Real processes on both sides: `service-center serve` on a loopback port and the
`village-agent` command line, over HTTP and over a USB folder (`export` →
`service-center import` → `import`). After the restore the village is ahead of its
township: it holds acknowledgements and decisions the copy lacks. The township's store is
on SQLite and on a real PostgreSQL server (`center_backend`): `pg_dump`/`pg_restore` there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from center import recovery
from storage import sync_peers
from storage.lobby import STORE_FILE
from sync import messages
from sync.errors import BundleRejected
from tests import center_db
from tests.conftest import ROOT, Cli
from tests.sync_helpers import CLERK, TOWNSHIP_CODE
from tests.test_sync_processes import Center

VILLAGE = "430481101201"


def database_args(request: pytest.FixtureRequest, backend: str | None) -> list[str]:
    """`init`'s arguments for the backend: none for SQLite, `--database URL` of a fresh database."""
    if backend is None:
        return []
    from tests.pgserver import PgServer

    server: PgServer = request.getfixturevalue("pg_server")
    url = server.new_database(request.getfixturevalue("pg_template"))
    request.addfinalizer(lambda: server.drop(url))
    return ["--database", url]


@pytest.fixture
def center(tmp_path: Path, center_backend: str | None) -> Iterator[Center]:
    """A township center (real `service-center` processes) on SQLite or on PostgreSQL."""
    c = Center(tmp_path / "township")
    c.run("init", "--level", "township", "--code", TOWNSHIP_CODE, "--name", "兴宁镇便民服务中心",
          "--operator", CLERK, *(["--database", center_backend] if center_backend else []))
    yield c
    c.kill()


def contents(home: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the center's store, to show a refused restore changed nothing."""
    with center_db.raw_center(home) as conn:
        return {t: sorted(conn.rows(f'SELECT * FROM "{t}"'), key=repr) for t in conn.tables()}


def _run(c: Center, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "center.cli", *args], capture_output=True,
                          text=True, env=c.cli.env, cwd=ROOT, timeout=120)


def _apply(cli: Cli, data: Path) -> str:
    taken = cli("apply", "--item", "MZ-GLJT", "--data", str(data), "--json")
    assert taken.code == 0, taken.stderr
    return str(taken.json()["applications"][0]["id"])


def _sync(cli: Cli) -> dict[str, Any]:
    synced = cli("sync", "--json")
    assert synced.code == 0, synced.stdout + synced.stderr
    report: dict[str, Any] = synced.json()
    return report


def _status(cli: Cli, app_id: str) -> str:
    return str(cli("show", app_id, "--json").json()["status"])


def _held(c: Center) -> list[tuple[str, int]]:
    """Every (device, seq) the township has filed from a village, with repeats if any."""
    return [(str(d), int(s)) for d, s in center_db.rows(
        c.home, "SELECT r.sender, r.seq FROM received r JOIN peers p ON p.device_id = r.sender"
        " WHERE p.role = 'village' ORDER BY r.sender, r.seq")]


def _restored_alarm(c: Center) -> dict[str, Any]:
    alarms = json.loads(str(c.run("--json", "alarms")))
    [found] = [a for a in alarms if a["kind"] == "center_restored"]
    detail: dict[str, Any] = json.loads(found["detail"])
    return detail


def _start_village(center: Center, cli: Cli, tmp_path: Path, url: str) -> Path:
    code = json.loads(str(center.run("--json", "enroll-code", "--village-code", VILLAGE)))["code"]
    cli.init()
    enrolled = cli("enroll", "--township", url, "--code", code, "--json")
    assert enrolled.code == 0, enrolled.stderr + enrolled.stdout
    data = tmp_path / "gljt.json"
    data.write_text(cli("catalog", "template", "MZ-GLJT", "--json").stdout, encoding="utf-8")
    return data


def test_a_township_restored_from_an_older_backup_gets_back_what_its_village_sent_over_http(
    center: Center, cli: Cli, tmp_path: Path
) -> None:
    url = center.start()
    data = _start_village(center, cli, tmp_path, url)
    first = _apply(cli, data)
    assert _sync(cli)["sent"] == 2

    copy = tmp_path / "backup" / "township.db"
    copy.parent.mkdir()
    made = _run(center, "backup", str(copy))  # while serving
    assert made.returncode == 0 and str(copy) in made.stdout and "1 件办件" in made.stdout, made
    again = _run(center, "backup", str(copy))
    assert again.returncode == 1 and "已存在" in again.stdout + again.stderr
    assert not list(copy.parent.glob(".*part*"))

    # After the copy: two more cases, and decisions on the first and the second.
    second, third = _apply(cli, data), _apply(cli, data)
    assert _sync(cli)["sent"] == 4
    center.run("accept", first)
    center.run("accept", second)
    assert _sync(cli)["applied"] == 2
    assert (_status(cli, first), _status(cli, second), _status(cli, third)) == (
        "accepted", "accepted", "received")

    before = contents(center.home)
    refused = _run(center, "restore", str(copy))  # the center is serving: nothing happens
    assert refused.returncode == 1 and "正在运行" in refused.stdout + refused.stderr
    assert contents(center.home) == before

    center.kill()
    restored = _run(center, "--json", "restore", str(copy))
    assert restored.returncode == 0, restored.stderr + restored.stdout
    kept = Path(json.loads(restored.stdout)["kept_as"])
    assert kept.is_file() and kept.parent == center.home
    listed = json.loads(str(center.run("--json", "applications")))
    assert [a["id"] for a in listed] == [first]  # the copy's view
    checked = _run(center, "--json", "verify")
    assert checked.returncode == 0 and json.loads(checked.stdout)["ok"], checked.stdout

    url = center.start()
    asked = cli("sync")  # the township's ack asks again for what the copy lacks
    assert asked.code == 0 and "4条已上报的记录" in asked.stdout, asked.stdout
    _sync(cli)  # the four go again
    assert sorted(a["id"] for a in json.loads(str(center.run("--json", "applications")))) == sorted(
        [first, second, third])
    held = _held(center)
    assert len(held) == len(set(held)) == 6  # every message once, by (device, seq)

    # The village keeps its newer statuses: the re-filed second case's `received` changes nothing.
    assert _sync(cli)["ok"]
    assert (_status(cli, first), _status(cli, second), _status(cli, third)) == (
        "accepted", "accepted", "received")
    # A decision made at the restored township reaches the village (no number or position reused).
    center.run("accept", third)
    assert _sync(cli)["applied"] >= 1
    assert _status(cli, third) == "accepted"

    said = _restored_alarm(center)
    assert said == {**said, "villages": 1, "records": 4, "behind": 1}
    text = str(center.run("alarms"))
    assert "备份恢复" in text and "4 条" in text and "重新作出决定" in text


def test_a_restored_township_catches_up_over_a_usb_stick(
    center: Center, cli: Cli, tmp_path: Path
) -> None:
    url = center.start()
    data = _start_village(center, cli, tmp_path, url)
    first = _apply(cli, data)
    assert _sync(cli)["sent"] == 2
    copy = tmp_path / "township-backup.db"
    assert _run(center, "backup", str(copy)).returncode == 0
    second = _apply(cli, data)
    assert _sync(cli)["sent"] == 2
    center.run("accept", second)
    assert _sync(cli)["applied"] == 1 and _status(cli, second) == "accepted"
    center.kill()
    assert _run(center, "restore", str(copy)).returncode == 0

    def stick_round(name: str) -> None:
        stick = tmp_path / name
        stick.mkdir()
        exported = cli("export", "--to", str(stick))
        assert exported.code == 0, exported.stderr + exported.stdout
        imported = _run(center, "import", str(stick))
        assert imported.returncode == 0, imported.stdout + imported.stderr
        back = cli("import", str(stick))
        assert back.code == 0, back.stderr + back.stdout

    stick_round("stick-1")  # the answer asks again for the second case
    stick_round("stick-2")  # which goes on the next stick
    stick_round("stick-3")  # and the same stick twice changes nothing
    listed = json.loads(str(center.run("--json", "applications")))
    assert sorted(a["id"] for a in listed) == sorted([first, second])
    held = _held(center)
    assert len(held) == len(set(held)) == 4
    assert _status(cli, second) == "accepted"
    assert _restored_alarm(center)["records"] == 2


def test_restore_refuses_another_centers_copy_and_a_village_store_and_changes_nothing(
    center: Center, cli: Cli, tmp_path: Path, center_backend: str | None,
    request: pytest.FixtureRequest,
) -> None:
    other = Center(tmp_path / "other")
    other.run("init", "--level", "township", "--code", "430481102", "--name", "滁口镇便民服务中心",
              "--operator", "王芳", *database_args(request, center_backend))
    theirs = tmp_path / "theirs.db"
    assert _run(other, "backup", str(theirs)).returncode == 0
    cli.init()  # a village's store is no center's backup
    village = _run(center, "restore", str(cli.home / STORE_FILE))
    assert village.returncode == 1 and "Traceback" not in village.stderr
    assert ("村代办点" if center_backend is None else "SQLite") in village.stdout + village.stderr
    before = contents(center.home)
    refused = _run(center, "restore", str(theirs))
    assert refused.returncode == 1 and "另一个中心" in refused.stdout + refused.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    refused = _run(center, "restore", str(junk))
    assert refused.returncode == 1 and "不是本系统的数据备份" in refused.stdout + refused.stderr
    missing = _run(center, "restore", str(tmp_path / "nowhere.db"))
    assert missing.returncode == 1 and "找不到备份文件" in missing.stdout + missing.stderr
    assert "Traceback" not in refused.stderr + missing.stderr
    assert contents(center.home) == before
    assert not [p for p in center.home.iterdir() if ".re" in p.name]  # nothing put aside


# ---- the resend request on the wire ------------------------------------------------------------


def test_an_ack_asking_to_resend_reads_back_and_an_older_ack_asks_nothing() -> None:
    ack = messages.Ack("dev", frozenset({1, 2}), frozenset({1, 2}), "2026-11-23T01:00:00+00:00",
                       resend_from=3, restore="2026-11-24T08:00:00+00:00")
    assert messages.Ack.parse(ack.payload()) == ack
    plain = messages.Ack.parse(messages.Ack("dev", frozenset({1})).payload())
    assert (plain.resend_from, plain.restore) == (0, "")


@pytest.mark.parametrize("fields", [
    {"resend_from": 3},  # without the restore it names
    {"restore": "2026-11-24"},
    {"resend_from": -1, "restore": "x"},
    {"resend_from": True, "restore": "x"},
    {"resend_from": 3, "restore": "x" * 65},
])
def test_a_malformed_resend_request_is_refused(fields: dict[str, Any]) -> None:
    raw = messages.dumps({"subject": "dev", "custody": [], "e2e": [], **fields})
    with pytest.raises(BundleRejected) as refused:
        messages.Ack.parse(raw)
    assert refused.value.reason == "malformed"


def test_recovery_counts_only_work_written_before_the_restore() -> None:
    import sqlite_utils

    from storage.schema import migrations

    db = sqlite_utils.Database(memory=True)
    migrations.apply(db)
    db.execute("INSERT INTO meta (key, value) VALUES ('device_id', 'center'), ('next_seq', '5')")
    sync_peers.save_peer(db, device_id="v1", role="village", village_code=VILLAGE,
                        sign_public="x", enc_public="y")
    restore_id = recovery.start(db, backup_made_at="2026-11-20T00:00:00+00:00", kept_as="")
    assert recovery.resend_request(db, "v1")[0] == 1
    assert recovery.resend_request(db, "v9") == (0, "")
    recovery.note_filed(db, "v1", 3, "001700000000000.000000")  # written in 2023: resent
    recovery.note_filed(db, "v1", 4, "009999999999999.000000")  # written after the restore
    assert recovery.summary(db) == {**(recovery.summary(db) or {}), "records": 1, "villages": 1}
    seq_from = db.execute("SELECT seq_from FROM restores WHERE id = ?", [restore_id]).fetchone()[0]
    assert seq_from >= 5 + recovery.SKIP_MIN
