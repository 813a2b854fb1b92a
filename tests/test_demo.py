"""The README's main job: `village-agent demo` sets up a service point and takes in a morning's work."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli


def test_demo_runs_a_village_point_and_township_center_through_every_state(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    cli = Cli(home)
    result = cli("demo", "--home", str(home), "--json")
    assert result.code == 0, result.stderr
    report = result.json()
    assert report["ok"] is True and report["home"] == str(home)
    kinds = {a["kind"] for a in report["applications"]}
    assert kinds == {"service", "inspection"}
    bundles = [a for a in report["applications"] if a["bundle_code"] == "YJS-CS"]
    assert len(bundles) == 2 and len({a["bundle_id"] for a in bundles}) == 1
    # The local township center took the morning's work and decided some of it.
    statuses = {a["status"] for a in report["applications"]}
    assert {"rated", "received", "accepted", "correction_requested", "rejected"} <= statuses

    # The demo's store is a real one: the printed PIN opens it and verify passes.
    agent = {"VILLAGE_AGENT_PIN": report["pin"], "VILLAGE_AGENT_OPERATOR": "王秀梅"}
    listed = cli("list", "--json", env=agent)
    assert listed.code == 0, listed.stderr
    assert {a["id"] for a in listed.json()} == {a["id"] for a in report["applications"]}
    assert cli("verify", env=agent).code == 0


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
