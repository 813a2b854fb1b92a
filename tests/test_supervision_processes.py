"""Supervision between three real processes on a fake clock: a village's `village-agent`, a
township's and a county's `service-center serve`, each under libfaketime at the same day.

A case filed before 中秋 and 国庆 turns yellow, then red, as working days pass (the holidays
off, the 调休 Saturday worked), at the township and at its county, which sees it red under that
township; a villager's 非常不满意 raises a blue card at the township, a clerk verifies, rectifies
and calls back, and the village sees the follow-up closed.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from center import supervision
from storage.store import Store
from tests import center_db
from tests.conftest import Cli
from tests.sync_helpers import CLERK, TOWNSHIP_CODE
from tests.test_sync_county import second_backend  # noqa: F401  (the township's database)
from tests.test_sync_processes import Center

COUNTY_CODE = "430481"
VILLAGE = "430481101201"
LIBRARY = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))


def _on(day: date, *envs: dict[str, str]) -> None:
    """Every process started from now on lives on `day` (10:00, the clock running)."""
    for env in envs:
        env.update(LD_PRELOAD=LIBRARY[0], FAKETIME=f"@{day.isoformat()} 10:00:00",
                   DONT_FAKE_MONOTONIC="1")


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """The county runs on SQLite and on PostgreSQL; the township on a second store of its kind."""
    return center_backend


def _on_database(url: str | None) -> tuple[str, ...]:
    return () if url is None else ("--database", url)


def _rows(home: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    return center_db.rows(home, sql, params)


@contextmanager
def _reading(home: Path) -> Iterator[Any]:
    """The store under `home` as the product reads it, beside the running `serve`."""
    store = Store.open(home)
    try:
        with store.database.read() as db:
            yield db
    finally:
        store.close()


def _cards(home: Path, day: date, **filters: str) -> list[supervision.Card]:
    with _reading(home) as db:
        return supervision.open_cards(db, day, **filters)  # type: ignore[arg-type]


def _figures(home: Path, months: list[str], by: str, day: date) -> list[tuple[object, ...]]:
    with _reading(home) as db:
        return [tuple(f.as_dict().values()) for f in supervision.figures(db, months, by=by, today=day)]


def _apply(cli: Cli, tmp_path: Path, item: str) -> str:
    data = tmp_path / f"{item}.json"
    data.write_text(cli("catalog", "template", item, "--json").stdout, encoding="utf-8")
    taken = cli("apply", "--item", item, "--data", str(data), "--json")
    assert taken.code == 0, taken.stderr
    return str(taken.json()["applications"][0]["id"])


def _ok(cli: Cli, *args: str) -> str:
    done = cli(*args)
    assert done.code == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.skipif(not LIBRARY, reason="libfaketime is installed by install.sh")
def test_cards_turn_with_the_working_days_and_a_bad_rating_is_followed_up(
        cli: Cli, tmp_path: Path, township_backend: str | None,
        second_backend: str | None) -> None:  # noqa: F811
    county, township = Center(tmp_path / "county"), Center(tmp_path / "township")
    nodes = (county.cli.env, township.cli.env, cli.env)
    try:
        _on(date(2026, 9, 24), *nodes)  # Thursday; 25 Sep 中秋, 1-7 Oct 国庆, Sat 10 Oct worked
        county.run("init", "--level", "county", "--code", COUNTY_CODE, "--name", "宁乡县政务服务中心",
                   "--operator", CLERK, *_on_database(township_backend))
        township.run("init", "--level", "township", "--code", TOWNSHIP_CODE,
                     "--name", "兴宁镇便民服务中心", "--operator", CLERK,
                     *_on_database(second_backend))
        county_url = county.start()
        code = json.loads(str(county.run("--json", "enroll-code", "--village-code",
                                         TOWNSHIP_CODE)))["code"]
        township.run("link", "--county", county_url, "--code", code)
        url = township.start()
        code = json.loads(str(township.run("--json", "enroll-code", "--village-code",
                                           VILLAGE)))["code"]
        cli.init()
        _ok(cli, "enroll", "--township", url, "--code", code)
        late = _apply(cli, tmp_path, "MZ-GLJT")  # 高龄津贴: 15 working days
        rated = _apply(cli, tmp_path, "MZ-GLJT")
        _ok(cli, "sync")
        assert _rows(township.home, "SELECT due_on, yellow_from, red_from FROM case_facts"
                     " WHERE application_id = ?", late) == [("2026-10-22", "2026-10-20", "2026-10-23")]
        township.run("accept", rated)
        township.run("complete", rated, "--result", "核定高龄津贴每月100元")
        _ok(cli, "sync")
        _ok(cli, "deliver", rated, "--how", "in_person")
        _ok(cli, "rate", rated, "5", "--reason", "trips", "--note", "跑了三趟")
        _ok(cli, "sync")
        township.run("forward")

        # The bad rating: a blue card at the township, on the clerk's list.
        [blue] = _cards(township.home, date(2026, 9, 24), colour="blue")
        assert (blue.subject, blue.application_id) == ("followup", rated)
        [followup] = json.loads(str(township.run("--json", "followups", "--open")))
        assert followup["due_on"] == "2026-10-22"  # 15 working days, as the case's own

        for day, colour in ((date(2026, 10, 19), None), (date(2026, 10, 20), "yellow"),
                            (date(2026, 10, 23), "red")):
            county.kill()
            township.kill()
            _on(day, *nodes)
            county.start()
            township.start()
            township.run("forward")  # the status records go up as the serve's loop would send them
            here = _cards(township.home, day, colour="yellow") + _cards(township.home, day,
                                                                        colour="red")
            assert [c.colour for c in here if c.application_id == late] == (
                [colour] if colour else []), day
            # The follow-up runs on the same days, and its blue card stays until it closes.
            assert sorted(c.colour for c in _cards(township.home, day)
                          if c.application_id == rated) == sorted(["blue", *([colour] if colour else [])])
            if colour:
                listed = json.loads(str(township.run("--json", "cards")))
                assert any(c["application_id"] == late and c["colour"] == colour for c in listed)
        # The county sees the case red under its township (the township decides it itself).
        [up] = [c for c in _cards(county.home, date(2026, 10, 23)) if c.application_id == late]
        assert (up.colour, up.township) == ("red", TOWNSHIP_CODE)
        rollup = json.loads(str(county.run("--json", "cards", "--by", "township")))
        assert any(r["key"] == TOWNSHIP_CODE and r["red"] == 1 for r in rollup), rollup
        [mine] = [c for c in _cards(county.home, date(2026, 10, 23)) if c.application_id == rated]
        assert (mine.colour, mine.township) == ("blue", TOWNSHIP_CODE)  # the township's follow-up

        for step in (("verify", "--note", "核实：材料一次告知不全"),
                     ("rectify", "--note", "整改：窗口一次性告知清单已张贴"),
                     ("call", "--result", "satisfied", "--note", "回访：老人表示满意")):
            township.run("follow-up", str(followup["id"]), *step)
        assert [c for c in _cards(township.home, date(2026, 10, 23)) if c.application_id == rated] == []
        _ok(cli, "sync")
        shown = _ok(cli, "show", rated)
        assert "已回访" in shown and "老人表示满意" in shown
        township.run("forward")
        assert [c for c in _cards(county.home, date(2026, 10, 23)) if c.application_id == rated] == []
        # The county's figures of the township are the township's own.
        for months in (["2026-09"], ["2026-10"], supervision.months_of("2026-Q4")):
            assert _figures(county.home, months, "township", date(2026, 10, 23)) == [
                (TOWNSHIP_CODE, *row[1:]) for row in _figures(township.home, months, "all",
                                                               date(2026, 10, 23))]
        # Each case reached the county once, however often the township forwarded.
        assert _rows(county.home, "SELECT COUNT(*) FROM case_facts WHERE source = 'township'") == [
            (2,)]
        [month] = _rows(county.home, "SELECT n FROM figure_counts WHERE month = '2026-09'"
                        " AND dim = 'township' AND key = ? AND counter = 'received'", TOWNSHIP_CODE)
        assert month == (2,)
    finally:
        county.kill()
        township.kill()
