"""The village's promises kept between real processes: `service-center serve` on a loopback port,
the village's and the township's command lines, asserting on what each node's store holds."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, Cli
from tests.helpers import JPEG, db_path
from tests.test_sync_processes import Center, center  # noqa: F401  (the township fixture)


def _rows(home: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path(home)) as conn:
        return [tuple(r) for r in conn.execute(sql, params)]


def _apply(cli: Cli, tmp_path: Path, item: str) -> str:
    data = tmp_path / f"{item}.json"
    data.write_text(cli("catalog", "template", item, "--json").stdout, encoding="utf-8")
    taken = cli("apply", "--item", item, "--data", str(data), "--json")
    assert taken.code == 0, taken.stderr
    return str(taken.json()["applications"][0]["id"])


def _sync(cli: Cli) -> None:
    synced = cli("sync", "--json")
    assert synced.code == 0, synced.stdout + synced.stderr


def test_an_owed_material_and_a_village_decided_item_between_real_processes(
    center: Center, cli: Cli, tmp_path: Path  # noqa: F811
) -> None:
    url = center.start()
    code = json.loads(str(center.run("--json", "enroll-code", "--village-code",
                                     "430481101201")))["code"]
    cli.init()
    assert cli("enroll", "--township", url, "--code", code).code == 0
    owed = _apply(cli, tmp_path, "MZ-ZDSHBZ")  # 低保: the income proof replaced by a commitment
    here = _apply(cli, tmp_path, "RS-DYRZ")  # 养老待遇资格认证: decided at the village point
    decided = cli("decide", here, "completed", "--note", "本年度资格认证通过")
    assert decided.code == 0, decided.stderr
    _sync(cli)

    owed_sql = ("SELECT material, state, supplied_on IS NULL FROM owed_materials"
                " WHERE application_id = ?")
    for home in (cli.home, center.home):  # both ends hold what is owed, and nothing personal
        assert _rows(home, owed_sql, owed) == [("income_proof", "commitment", 1)]
    shown = str(center.run("show", owed))
    assert "承诺" in shown and "补交" in shown

    scan = tmp_path / "收入证明.jpg"
    scan.write_bytes(JPEG)
    supplied = cli("supply", owed, "--material", "income_proof", "--attach", str(scan))
    assert supplied.code == 0, supplied.stderr
    _sync(cli)
    for home in (cli.home, center.home):
        assert _rows(home, owed_sql, owed) == [("income_proof", "commitment", 0)]
    assert ("material_supplied",) in _rows(center.home, "SELECT type FROM events"
                                           " WHERE application_id = ?", owed)

    # The village-decided case is filed at the township as decided there, with no decision of
    # the township's own, and the township's attempt to decide it changes nothing.
    types = [r[0] for r in _rows(center.home, "SELECT type FROM events WHERE application_id = ?"
                                 " ORDER BY id", here)]
    assert types == ["created", "submitted", "accepted", "completed"]
    assert _rows(center.home, "SELECT status FROM applications WHERE id = ?", here) == [
        ("completed",)]
    listed = json.loads(str(center.run("--json", "applications")))
    assert {a["id"]: a["decided_at"] for a in listed}[here] == "village"
    before = _rows(center.home, "SELECT COUNT(*) FROM events")
    refused = subprocess.run([sys.executable, "-m", "center.cli", "reject", here, "--reason", "不符"],
                             capture_output=True, text=True, env=center.cli.env, cwd=ROOT,
                             timeout=120)
    assert refused.returncode != 0 and "村级办理事项" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _rows(center.home, "SELECT COUNT(*) FROM events") == before
