"""The catalog as downstream data: the county publishes, the township passes it on, villages install it.

An application or draft started on an item's earlier version keeps that version.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from center.enroll import issue_code
from center.publish import catalog_at_township, publish_catalog
from center.upstream import forward_once
from forms.catalog import CATALOG_DIR, Catalog
from storage import catalogs, sync_downstream
from storage.errors import InvalidRequest
from storage.store import Session
from sync import signed
from sync.client import enroll_online, sync_once
from sync.node import Node
from sync.releases import PublishError, install_catalog
from tests.conftest import ROOT, TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import CLERK_PIN
from tests.test_sync_county import centers  # noqa: F401  (the three-node fixture)
from village_agent import intake

Centers = tuple[Node, str, Node, str]
NEW_ITEM = "MZ-CSBT"


def new_release(folder: Path) -> Path:
    """The shipped catalog with 高龄津贴 at a new version (20 working days) and one new item."""
    shutil.copytree(CATALOG_DIR, folder)
    gljt = folder / "MZ-GLJT.toml"
    text = gljt.read_text(encoding="utf-8")
    assert 'time_limit_days = ' in text
    lines = []
    for line in text.splitlines():
        if line.startswith("version = "):
            line = 'version = "2027.1"'
        elif line.startswith("time_limit_days = "):
            line = "time_limit_days = 20"
        lines.append(line)
    gljt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    extra = text.replace('code = "MZ-GLJT"', f'code = "{NEW_ITEM}"').replace(
        'name = "高龄津贴申领"', 'name = "测试补贴申领"')
    (folder / f"{NEW_ITEM}.toml").write_text(extra, encoding="utf-8")
    return folder


def test_a_county_release_reaches_the_village_and_earlier_versions_stay_pinned(
    session: Session, centers: Centers, catalog: Catalog, tmp_path: Path  # noqa: F811
) -> None:
    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    old_version = catalog.item("MZ-GLJT").version
    assert old_version != "2027.1"
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]
    draft = session.save_draft("MZ-GLJT", old_version, {"fields": {}}, None)

    serial, townships, version = publish_catalog(county, new_release(tmp_path / "release"))
    assert (serial, townships) == (1, 1)
    assert county.session.store.catalog().version == version

    assert forward_once(township).ok
    assert township.session.store.catalog().item("MZ-GLJT").time_limit_days == 20
    assert sync_once(session.store, session=session).ok

    here = session.store.catalog()
    assert here.version == version and NEW_ITEM in here.items
    assert here.item("MZ-GLJT").version == "2027.1"
    # The draft and the application keep the version they were started on.
    assert session.load_draft(draft).item_version == old_version
    pinned = session.store.catalog_entry("MZ-GLJT", old_version)
    assert pinned is not None and pinned.time_limit_days == catalog.item("MZ-GLJT").time_limit_days
    summary, _ = session.show(app_id)
    assert session.store.catalog_entry(summary.item_code, summary.item_version) == pinned
    # The same release again (a replay, or another township's copy) installs nothing.
    raw = catalogs.latest_record(session.store.database)
    assert raw is not None
    assert not install_catalog(session.store.database, raw, signed.peek(raw).body)
    assert [r.serial for r in catalogs.releases(session.store.database)] == [1]


def test_a_new_village_gets_the_current_release_when_it_enrolls(
    session: Session, centers: Centers, tmp_path: Path  # noqa: F811
) -> None:
    township, township_url, county, _ = centers
    publish_catalog(county, new_release(tmp_path / "release"))
    assert forward_once(township).ok
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    assert NEW_ITEM in session.store.catalog().items


def test_a_malformed_release_is_refused_by_name_and_nothing_is_signed_or_queued(
    centers: Centers, tmp_path: Path  # noqa: F811
) -> None:
    _, _, county, _ = centers
    folder = new_release(tmp_path / "release")
    (folder / "MZ-GLJT.toml").write_text('[item]\ncode = "MZ-GLJT"\nname = 3\n', encoding="utf-8")
    with pytest.raises(InvalidRequest) as refused:
        publish_catalog(county, folder)
    assert "MZ-GLJT.toml" in refused.value.zh and "未安装" in refused.value.zh
    with pytest.raises(PublishError) as missing:
        publish_catalog(county, tmp_path / "nowhere")
    assert "文件夹" in missing.value.zh
    db = county.session.store.database
    assert catalogs.releases(db) == []
    with db.read() as conn:
        assert conn.execute("SELECT count(*) FROM downstream").fetchone()[0] == 0


def test_only_the_county_publishes_and_a_township_signed_release_is_not_believed(
    session: Session, centers: Centers, tmp_path: Path  # noqa: F811
) -> None:
    township, township_url, _, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    folder = new_release(tmp_path / "release")
    with pytest.raises(PublishError) as refused:
        publish_catalog(township, folder)
    assert "县级" in refused.value.zh
    # A township (or anyone else) signing a release itself: the village believes only the county.
    from forms.catalog import catalog_files
    from sync.releases import pack_files

    forged = signed.sign("catalog", {"serial": 9, "version": "x", "published_at": "",
                                     "files": pack_files(catalog_files(folder))}, township.keys)
    with township.session.store.database.write() as db:
        sync_downstream.queue_downstream(db, VILLAGE_CODE, "catalog", forged)
    assert sync_once(session.store, session=session).ok
    assert NEW_ITEM not in session.store.catalog().items
    assert catalogs.releases(session.store.database) == []


def test_a_release_bomb_is_refused(centers: Centers) -> None:  # noqa: F811
    import base64
    import zlib

    township, _, _, _ = centers
    bomb = base64.b64encode(zlib.compress(b"{" + b" " * (20 * 1024 * 1024) + b"}")).decode()
    with pytest.raises(PublishError):
        catalog_at_township(township, b"", {"serial": 5, "files": bomb})
    assert catalogs.releases(township.session.store.database) == []


def test_service_center_publish_catalog_and_prune_commands(
    centers: Centers, tmp_path: Path  # noqa: F811
) -> None:
    _, _, county, _ = centers
    folder = new_release(tmp_path / "release")
    env = {**os.environ, "VILLAGE_AGENT_HOME": str(county.session.store.home),
           "VILLAGE_AGENT_PIN": CLERK_PIN, "VILLAGE_AGENT_TEST_KDF": "1",
           "VILLAGE_AGENT_LANG": "zh", "PYTHONIOENCODING": "utf-8"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "center.cli", *args],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)

    done = run("--json", "publish-catalog", str(folder))
    assert done.returncode == 0, done.stderr
    assert '"serial": 1' in done.stdout
    shown = run("catalog-releases")
    assert shown.returncode == 0 and "第1版" in shown.stdout
    (folder / "MZ-GLJT.toml").write_text("not toml [", encoding="utf-8")
    bad = run("publish-catalog", str(folder))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "MZ-GLJT.toml" in bad.stderr + bad.stdout
    assert [r.serial for r in catalogs.releases(county.session.store.database)] == [1]
    # The queue pruner: a release is state, not history, so it is never pruned.
    pruned = run("--json", "prune", "--keep-days", "0")
    assert pruned.returncode == 0 and '"removed": 0' in pruned.stdout, pruned.stderr
    negative = run("prune", "--keep-days", "-1")
    assert negative.returncode != 0 and "保留天数" in negative.stderr + negative.stdout


@pytest.mark.anyio
async def test_a_draft_started_before_a_release_is_finished_and_filed_on_its_own_version(
    session: Session, catalog: Catalog, home: Path, tmp_path: Path
) -> None:
    from forms.catalog import catalog_files
    from tests.app_helpers import SIZE, fill, log_in, settle, village_app
    from tests.helpers import template_data
    from village_agent.app.form import FormScreen
    from village_agent.app.review import TextScreen

    old = catalog.item("MZ-GLJT")
    data = template_data(catalog, "MZ-GLJT")
    draft = session.save_draft("MZ-GLJT", old.version, {"applicant": data["applicant"]})
    files = catalog_files(new_release(tmp_path / "release"))
    with session.store.database.write() as db:
        assert catalogs.install(db, serial=1, files=files, record=b"-", published_at="")
    assert session.store.catalog().item("MZ-GLJT").version == "2027.1"

    app = village_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await log_in(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen) and form.entry.version == old.version
        await fill(pilot, data, skip_applicant=True)
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)

    [summary] = session.list()
    assert summary.item_version == old.version
    deadline = session.calendar().add_working_days(TODAY, old.time_limit_days)
    assert summary.due_date == deadline.due.isoformat()
    assert [d.id for d in session.drafts()] == [] and draft


def test_a_township_that_fails_while_installing_a_release_gets_it_again_next_time(
    session: Session, centers: Centers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The county's cursor moves only with what the township installed and queued for its villages.

    The install fails here as a full disk (or a power cut) would, after the county's answer was
    read: the next forward must bring the release again, or the township and its villages
    never get it (the county keeps it, but only after a cursor that already passed it).
    """
    import center.upstream
    from storage.errors import StoreFull

    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    assert forward_once(township).ok  # linked, nothing yet
    _, _, version = publish_catalog(county, new_release(tmp_path / "release"))

    def full_disk(node: Node, raw: bytes, body: dict[str, object]) -> bool:
        raise StoreFull("storage.store.full")

    monkeypatch.setattr(center.upstream, "catalog_at_township", full_disk)
    with pytest.raises(StoreFull):
        forward_once(township)
    monkeypatch.undo()
    assert catalogs.releases(township.session.store.database) == []

    assert forward_once(township).ok
    assert township.session.store.catalog().version == version
    assert sync_once(session.store, session=session).ok
    assert session.store.catalog().version == version
