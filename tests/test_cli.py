"""The real `village-agent` command in a subprocess, used as an agent or a script would use it.

Each run of the command costs most of a second, so the stores these tests start from are made
in-process by the `store` fixture (same home, village, agent, PIN and KDF as `init`), and one
test goes the whole way from `init` on the command line.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from forms.catalog import Catalog
from forms.templates import template
from storage.attachments import MAX_BYTES
from storage.store import Store
from tests.conftest import AGENT, PIN, VILLAGE_CODE, Cli, CliResult
from tests.helpers import db_path, tamper

GRID_WORKER = "李建军"
GRID_PIN = "582047"
WRONG_PIN = "999413"


def _quiet(result: CliResult) -> None:
    """However it failed, the agent never sees a Python traceback."""
    assert "Traceback" not in result.stderr + result.stdout


def _data_file(catalog: Catalog, path: Path, code: str = "MZ-GLJT") -> dict[str, Any]:
    """What `catalog template CODE` prints, for the day the command will run."""
    data = template(catalog.get(code), village_code=VILLAGE_CODE, today=date.today())
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


@dataclass
class Applied:
    cli: Cli
    store: Store
    app_id: str
    data: dict[str, Any]
    data_file: Path


@pytest.fixture
def applied(cli: Cli, store: Store, catalog: Catalog, tmp_path: Path) -> Applied:
    data_file = tmp_path / "gljt.json"
    data = _data_file(catalog, data_file)
    result = cli("apply", "--item", "MZ-GLJT", "--data", str(data_file), "--json")
    assert result.code == 0, result.stderr
    [application] = result.json()["applications"]
    return Applied(cli, store, application["id"], data, data_file)


def test_agent_inits_applies_from_template_and_sees_it_in_list_and_show(
    cli: Cli, tmp_path: Path
) -> None:
    cli.init()
    template_run = cli("catalog", "template", "MZ-GLJT", "--json")
    assert template_run.code == 0, template_run.stderr
    data = template_run.json()
    data_file = tmp_path / "gljt.json"
    data_file.write_text(template_run.stdout, encoding="utf-8")

    applied = cli("apply", "--item", "MZ-GLJT", "--data", str(data_file))
    assert applied.code == 0, applied.stderr
    assert "已受理收件" in applied.stdout and "15个工作日" in applied.stdout

    [row] = cli("list", "--json").json()
    assert (row["item_code"], row["status"], row["operator"]) == ("MZ-GLJT", "submitted", AGENT)
    assert row["applicant_name"] == data["applicant"]["name"]
    assert row["id"] in applied.stdout

    shown = cli("show", row["id"], "--json").json()
    assert shown["id"] == row["id"]
    assert [e["type"] for e in shown["events"]] == ["created", "submitted"]
    assert shown["events"][1]["seq"] == shown["events"][0]["seq"] + 1
    assert shown["events"][1]["payload"]["applicant"]["id_number"] == data["applicant"]["id_number"]


def test_receipt_shows_number_and_masked_id_only(applied: Applied, tmp_path: Path) -> None:
    printed = applied.cli("receipt", applied.app_id)
    out = tmp_path / "receipt.txt"
    to_file = applied.cli("receipt", applied.app_id, "--out", str(out))

    assert printed.code == to_file.code == 0, printed.stderr + to_file.stderr
    id_number = applied.data["applicant"]["id_number"]
    for text in (printed.stdout, out.read_text(encoding="utf-8")):
        assert applied.app_id in text
        assert f"{id_number[:4]}{'*' * 10}{id_number[-4:]}" in text
        assert id_number not in text
        assert id_number[6:14] not in text  # not even the birth date
        assert applied.data["applicant"]["name"] in text


def test_applicant_lookup_offers_earlier_answers(applied: Applied) -> None:
    number = applied.data["applicant"]["id_number"]
    typed = f"{number[:6]} {number[6:14]} {number[14:]}"  # as read aloud from the card

    found = applied.cli("applicant", typed, "--json")

    assert found.code == 0, found.stderr
    report = found.json()
    assert report["found"] is True
    assert report["applicant"]["name"] == applied.data["applicant"]["name"]
    assert report["fields"]["bank_account"] == applied.data["fields"]["bank_account"]


def test_grid_worker_records_inspection_with_photo(
    cli: Cli, store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    store.login(AGENT, PIN).add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    data_file = tmp_path / "aqyh.json"
    data = _data_file(catalog, data_file, "WG-AQYH")
    photo = tmp_path / "kitchen.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0gas bottle")

    result = cli("inspect", "--form", "WG-AQYH", "--data", str(data_file),
                 "--attach", f"{data['fields']['photo']}={photo}", "--operator", GRID_WORKER,
                 env={"VILLAGE_AGENT_PIN": GRID_PIN})

    assert result.code == 0, result.stderr
    [inspection] = store.login(GRID_WORKER, GRID_PIN).list()
    assert (inspection.kind, inspection.status, inspection.operator) == (
        "inspection", "recorded", GRID_WORKER
    )


def test_notice_lists_every_material_of_item_and_bundle(
    cli: Cli, store: Store, catalog: Catalog
) -> None:
    for code in ("MZ-GLJT", "YJS-CS"):
        result = cli("notice", code)
        assert result.code == 0, result.stderr
        materials = catalog.get(code).materials
        assert len(materials) >= 4
        for material in materials:
            assert material.name in result.stdout, (code, material.name)
        assert "一次性告知书" in result.stdout and "石鼓村" in result.stdout


def test_unknown_item_is_refused_in_chinese_before_asking_for_a_pin(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    result = cli("apply", "--item", "MZ-NOPE", "--data", str(tmp_path / "x.json"),
                 env={"VILLAGE_AGENT_PIN": ""})

    assert result.code == 1
    assert "没有代码为“MZ-NOPE”的事项" in result.stderr and "catalog list" in result.stderr
    _quiet(result)


def test_invalid_data_names_each_field_and_stores_nothing(
    cli: Cli, store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    data_file = tmp_path / "bad.json"
    data = _data_file(catalog, data_file)
    number = data["applicant"]["id_number"]
    data["applicant"]["id_number"] = number[:-1] + ("1" if number[-1] != "1" else "2")
    data["fields"]["living_status"] = "住在月球"
    data_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    text = cli("apply", "--item", "MZ-GLJT", "--data", str(data_file))
    as_json = cli("--json", "apply", "--item", "MZ-GLJT", "--data", str(data_file))

    assert text.code == as_json.code == 1
    assert "未保存" in text.stderr
    assert "[applicant.id_number]" in text.stderr and "校验位" in text.stderr
    assert "[fields.living_status]" in text.stderr
    _quiet(text)
    report = as_json.json()
    assert report["ok"] is False and report["error"] == "invalid"
    assert {i["path"] for i in report["issues"]} == {"applicant.id_number", "fields.living_status"}
    assert cli("list", "--json").json() == []


def test_data_file_that_is_not_json_says_where(cli: Cli, store: Store, tmp_path: Path) -> None:
    data_file = tmp_path / "broken.json"
    data_file.write_text('{"applicant": {\n  "name": "张桂英",\n}', encoding="utf-8")
    result = cli("apply", "--item", "MZ-GLJT", "--data", str(data_file))
    assert result.code == 1
    assert "broken.json" in result.stderr and "第3行" in result.stderr
    _quiet(result)


def test_a_deeply_nested_data_file_is_refused_in_chinese_not_a_crash(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    data_file = tmp_path / "deep.json"
    data_file.write_text('{"applicant": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    result = cli("apply", "--item", "MZ-GLJT", "--data", str(data_file))
    assert result.code == 1 and "deep.json" in result.stderr and "嵌套超过" in result.stderr
    _quiet(result)
    assert cli("list", "--json").json() == []


@pytest.mark.parametrize("raw", ["Infinity", "1e400", "12", "[\"村\"]", "NaN"])
def test_an_address_that_is_not_text_is_refused_and_nothing_stored(
    raw: str, cli: Cli, store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    data_file = tmp_path / "odd.json"
    data = _data_file(catalog, data_file)
    data["applicant"]["address"] = "@@"
    text = json.dumps(data, ensure_ascii=False).replace('"@@"', raw)
    data_file.write_text(text, encoding="utf-8")
    result = cli("--json", "apply", "--item", "MZ-GLJT", "--data", str(data_file))
    assert result.code == 1, result.stdout
    report = result.json()
    if raw in ("Infinity", "NaN"):  # not JSON at all: the file is refused before the form
        assert "不是数字" in report["message"]
    else:
        assert [i["path"] for i in report["issues"]] == ["applicant.address"]
    assert cli("list", "--json").json() == []


def test_oversized_attachment_is_refused_and_nothing_stored(
    cli: Cli, store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    data_file = tmp_path / "gljt.json"
    _data_file(catalog, data_file)
    big = tmp_path / "household.pdf"
    with big.open("wb") as fh:  # sparse: no 20 MB written to disk
        fh.truncate(MAX_BYTES + 1)

    result = cli("apply", "--item", "MZ-GLJT", "--data", str(data_file),
                 "--attach", f"household_register={big}")

    assert result.code == 1
    assert "household.pdf" in result.stderr and "超过20MB上限" in result.stderr
    _quiet(result)
    assert cli("list", "--json").json() == []


def test_attached_scan_is_recorded_on_the_application(
    cli: Cli, store: Store, catalog: Catalog, tmp_path: Path
) -> None:
    data_file = tmp_path / "gljt.json"
    _data_file(catalog, data_file)
    scan = tmp_path / "id_front.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0scan")

    result = cli("apply", "--item", "MZ-GLJT", "--data", str(data_file),
                 "--attach", f"id_card={scan}", "--json")

    assert result.code == 0, result.stderr
    [application] = result.json()["applications"]
    shown = cli("show", application["id"], "--json").json()
    [attached] = shown["events"][1]["payload"]["attachments"]
    assert (attached["label"], attached["name"], attached["size"]) == ("id_card", "id_front.jpg", 8)


@pytest.mark.parametrize("content", ["random bytes", "damaged pages"])
def test_corrupt_database_file_gets_a_clear_message(cli: Cli, store: Store, content: str) -> None:
    store.close()
    path = db_path(cli.home)
    head = path.read_bytes()[:100] if content == "damaged pages" else b""
    path.write_bytes(head + os.urandom(16384))

    result = cli("list")

    assert result.code == 1
    assert "village.db" in result.stderr
    assert "损坏" in result.stderr and "技术人员" in result.stderr
    _quiet(result)


def test_another_apps_database_gets_a_clear_message(cli: Cli) -> None:
    cli.home.mkdir(parents=True)
    with sqlite3.connect(db_path(cli.home)) as conn:
        conn.execute("CREATE TABLE ledger (day TEXT, amount REAL)")
    conn.close()
    before = db_path(cli.home).read_bytes()

    for args in (["list"], ["operator", "list"]):
        result = cli(*args)
        assert result.code == 1
        assert "不是本系统的数据文件" in result.stderr and "数据目录" in result.stderr
        _quiet(result)
    assert db_path(cli.home).read_bytes() == before


def test_missing_store_says_to_run_init(cli: Cli) -> None:
    text = cli("list")
    assert text.code == 1
    assert "village-agent init" in text.stderr
    _quiet(text)


def test_init_twice_is_refused(cli: Cli, store: Store) -> None:
    again = cli("init", "--village-code", "430481101202", "--village-name", "别村",
                "--operator", "别人")
    assert again.code == 1
    assert "不能重复初始化" in again.stderr
    assert [o.name for o in store.operators()] == [AGENT]


def test_init_with_a_weak_pin_creates_nothing(cli: Cli) -> None:
    result = cli("init", "--village-code", VILLAGE_CODE, "--village-name", "石鼓村",
                 "--operator", AGENT, env={"VILLAGE_AGENT_PIN": "123456"})
    assert result.code != 0
    assert "PIN码过于简单" in result.stderr
    assert not db_path(cli.home).exists()


def test_wrong_pin_exits_3_and_says_how_many_tries_are_left(cli: Cli, store: Store) -> None:
    wrong = {"VILLAGE_AGENT_PIN": WRONG_PIN}
    first, second = cli("list", env=wrong), cli("list", env=wrong)

    assert (first.code, second.code) == (3, 3)
    assert "PIN码错误，还可尝试4次" in first.stderr
    assert "PIN码错误，还可尝试3次" in second.stderr
    assert cli("list").code == 0  # the right PIN still works, and resets the count
    assert "还可尝试4次" in cli("list", env=wrong).stderr


@pytest.mark.parametrize(
    ("args", "env", "code", "kind"),
    [
        (["apply", "--item", "NOPE", "--data", "x.json"], {}, 1, "unknown_item"),
        (["list"], {"VILLAGE_AGENT_PIN": WRONG_PIN}, 3, "WrongPin"),
        (["show", "20261123-ABCDEF-00009"], {}, 1, "NotFound"),
    ],
)
def test_json_errors_are_json_with_ok_false(
    cli: Cli, store: Store, tmp_path: Path,
    args: list[str], env: dict[str, str], code: int, kind: str,
) -> None:
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    result = cli("--json", *[str(tmp_path / a) if a == "x.json" else a for a in args], env=env)

    assert result.code == code
    report = result.json()
    assert report["ok"] is False and report["error"] == kind
    assert report["message"]
    assert result.stderr == ""


def test_json_error_for_a_missing_store_is_json_saying_init(cli: Cli) -> None:
    result = cli("list", "--json")
    assert result.code == 1
    report = result.json()
    assert (report["ok"], report["error"]) == (False, "StoreMissing")
    assert "init" in report["message"]


def test_agent_adds_grid_worker_with_new_pin_from_environment(applied: Applied) -> None:
    cli = applied.cli
    added = cli("operator", "add", GRID_WORKER, "--role", "grid_worker",
                env={"VILLAGE_AGENT_NEW_PIN": GRID_PIN})
    assert added.code == 0, added.stderr
    assert f"已添加操作员 {GRID_WORKER}（网格员）" in added.stdout

    listed = cli("operator", "list", "--json").json()
    assert [(o["name"], o["role"], o["active"]) for o in listed] == [
        (AGENT, "agent", True), (GRID_WORKER, "grid_worker", True)
    ]
    as_worker = cli("list", "--json", "--operator", GRID_WORKER,
                    env={"VILLAGE_AGENT_PIN": GRID_PIN})
    assert as_worker.code == 0, as_worker.stderr
    assert [r["id"] for r in as_worker.json()] == [applied.app_id]
    # With two operators, a command must say who is working.
    unnamed = cli("list")
    assert unnamed.code == 1 and "--operator" in unnamed.stderr and GRID_WORKER in unnamed.stderr


def test_operator_add_without_a_new_pin_says_which_variable_to_set(
    cli: Cli, store: Store
) -> None:
    result = cli("operator", "add", GRID_WORKER, "--role", "grid_worker")
    assert result.code == 1
    assert "VILLAGE_AGENT_NEW_PIN" in result.stderr
    assert [o.name for o in store.operators()] == [AGENT]


def test_grid_worker_cannot_add_operators_from_the_command_line(
    cli: Cli, store: Store
) -> None:
    store.login(AGENT, PIN).add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    result = cli("operator", "add", "孙小红", "--operator", GRID_WORKER,
                 env={"VILLAGE_AGENT_PIN": GRID_PIN, "VILLAGE_AGENT_NEW_PIN": "406183"})
    assert result.code == 1
    assert "只有代办员" in result.stderr
    assert [o.name for o in store.operators()] == [AGENT, GRID_WORKER]


def test_disable_enable_and_set_pin_from_the_command_line(cli: Cli, store: Store) -> None:
    store.login(AGENT, PIN).add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    as_agent = ("--operator", AGENT)

    assert cli("operator", "disable", GRID_WORKER, *as_agent).code == 0
    refused = cli("list", "--operator", GRID_WORKER, env={"VILLAGE_AGENT_PIN": GRID_PIN})
    assert refused.code == 3 and "已停用" in refused.stderr

    assert cli("operator", "enable", GRID_WORKER, *as_agent).code == 0
    changed = cli("operator", "set-pin", GRID_WORKER, *as_agent,
                  env={"VILLAGE_AGENT_NEW_PIN": "305718"})
    assert changed.code == 0, changed.stderr
    assert cli("list", "--operator", GRID_WORKER, env={"VILLAGE_AGENT_PIN": GRID_PIN}).code == 3
    assert cli("list", "--operator", GRID_WORKER, env={"VILLAGE_AGENT_PIN": "305718"}).code == 0
    mine = cli("operator", "disable", AGENT, *as_agent)
    assert mine.code == 1 and "不能停用自己" in mine.stderr


def test_verify_passes_then_fails_with_exit_4_after_tampering(applied: Applied) -> None:
    ok = applied.cli("verify")
    assert ok.code == 0, ok.stdout + ok.stderr
    assert "校验通过" in ok.stdout

    applied.store.close()
    tamper(applied.cli.home, "UPDATE applications SET status = 'completed' WHERE id = ?",
           (applied.app_id,))
    failed = applied.cli("verify")
    report = applied.cli("verify", "--json")

    assert failed.code == report.code == 4
    assert "校验未通过" in failed.stdout and applied.app_id in failed.stdout
    assert report.json()["ok"] is False
    assert (f"application {applied.app_id}: status does not match its events"
            in report.json()["problems"])


def test_catalog_search_by_pinyin_initials_finds_old_age_allowance(cli: Cli) -> None:
    result = cli("catalog", "search", "gljt", "--json")
    assert result.code == 0, result.stderr
    assert "MZ-GLJT" in [e["code"] for e in result.json()]


def test_catalog_show_lists_materials_in_order(cli: Cli, catalog: Catalog) -> None:
    shown = cli("catalog", "show", "mz-gljt", "--json").json()
    assert shown["code"] == "MZ-GLJT"
    assert [m["code"] for m in shown["materials"]] == [
        m.code for m in catalog.item("MZ-GLJT").materials
    ]


def test_english_messages_when_asked(cli: Cli, store: Store, tmp_path: Path) -> None:
    en = {"VILLAGE_AGENT_LANG": "en"}
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    unknown = cli("apply", "--item", "NOPE", "--data", str(tmp_path / "x.json"), env=en)
    wrong = cli("list", env={**en, "VILLAGE_AGENT_PIN": WRONG_PIN})
    verified = cli("verify", env=en)

    assert unknown.code == 1 and "No item 'NOPE'" in unknown.stderr
    assert wrong.code == 3 and "wrong PIN (4 tries left)" in wrong.stderr
    assert verified.code == 0 and verified.stdout.startswith("Verified:")
    for result in (unknown, wrong, verified):
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in result.stdout + result.stderr)
