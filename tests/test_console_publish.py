"""The county publishes from the browser, over real HTTP: upload, preview of what changes, publish.

A county and a linked township served on loopback; the county's manager uploads a catalog
release or a year's holidays, sees the preview (nothing published yet, nothing under the
center's home), publishes once, and the township gets it from the county.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from center.enroll import issue_code
from center.upstream import forward_once
from forms.catalog import Catalog, catalog_files
from storage import catalogs
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests import center_db
from tests.conftest import VILLAGE_CODE
from tests.forms_helpers import example
from tests.test_console import _token, log_in
from tests.test_sync_catalog import NEW_ITEM, new_release
from tests.test_sync_county import COUNTY_ITEM, centers  # noqa: F401  (county + linked township)
from village_agent import intake

Centers = tuple[Node, str, Node, str]
PLAIN = "周建国"
PLAIN_PIN = "640273"


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """The county and the township of `centers` run on SQLite and on PostgreSQL."""
    return center_backend


def _upload_parts(files: dict[str, bytes], field: str = "files") -> list[tuple[str, Any]]:
    return [(field, (name, data, "application/octet-stream")) for name, data in files.items()]


def _csrf(client: httpx.Client) -> str:
    page = client.get("/console/publish")
    assert page.status_code == 200, page.text
    return _token(page.text, "csrf")


def _preview(client: httpx.Client, path: str, files: dict[str, bytes],
             field: str = "files") -> httpx.Response:
    return client.post(path, data={"csrf": _csrf(client)}, files=_upload_parts(files, field))


def _release_count(county: Node) -> int:
    return len(catalogs.releases(county.session.store.database))


def _queued(node: Node, kind: str) -> int:
    with node.session.store.database.read() as db:
        return int(db.execute("SELECT count(*) FROM downstream WHERE kind = ?", [kind]).fetchone()[0])


def _stored(node: Node, needle: bytes) -> bool:
    """Whether the center holds `needle`: under its home, or on its PostgreSQL server."""
    raw = center_db.stored_bytes(node.session.store.home)
    return needle in raw or needle.hex().encode() in raw


def test_a_county_manager_previews_a_changed_catalog_then_publishes_it_once(
        centers: Centers, tmp_path: Path) -> None:  # noqa: F811
    township, _, county, county_url = centers
    files = catalog_files(new_release(tmp_path / "release"))
    with log_in(county_url) as manager:
        page = manager.get("/console/publish")
        assert page.status_code == 200 and "出厂目录" in page.text and 'multiple' in page.text
        preview = _preview(manager, "/console/publish/catalog", files)
        assert preview.status_code == 200, preview.text
        added = preview.text.split('id="added"')[1].split("</section>")[0]
        assert NEW_ITEM in added and "测试补贴申领" in added
        changed = preview.text.split('id="changed"')[1].split("</section>")[0]
        assert "MZ-GLJT" in changed and "2027.1" in changed and "→ 20 个工作日" in changed
        assert 'id="removed"' not in preview.text
        # Nothing published yet, and the upload is nowhere under the center's home.
        assert _release_count(county) == 0 and _queued(county, "catalog") == 0
        assert not _stored(county, "测试补贴申领".encode())

        form = {"csrf": _token(preview.text, "csrf"), "token": _token(preview.text, "token")}
        done = manager.post("/console/publish/confirm", data=form)
        assert done.status_code == 200 and "/console/publish/done/" in str(done.url)
        assert "已发布事项目录第1版" in done.text and "1个乡镇中心" in done.text
        again = manager.post("/console/publish/confirm", data=form)  # a double click
        assert again.status_code == 200 and "没有重复发布" in again.text
    assert _release_count(county) == 1 and _queued(county, "catalog") == 1
    assert _stored(county, "测试补贴申领".encode())  # published: now the center holds it
    assert county.session.store.catalog().item("MZ-GLJT").time_limit_days == 20
    assert forward_once(township).ok
    assert NEW_ITEM in township.session.store.catalog().items


def test_a_zip_of_the_release_folder_previews_the_same(centers: Centers, tmp_path: Path) -> None:  # noqa: F811
    _, _, county, county_url = centers
    folder = new_release(tmp_path / "release")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("*.toml")):
            archive.write(path, f"release/{path.name}")
        archive.writestr("release/README.txt", "not a catalog file")
    with log_in(county_url) as manager:
        preview = _preview(manager, "/console/publish/catalog", {"release.zip": buffer.getvalue()})
        assert preview.status_code == 200, preview.text
        assert NEW_ITEM in preview.text.split('id="added"')[1].split("</section>")[0]
    assert _release_count(county) == 0


def test_a_malformed_or_oversized_upload_is_refused_by_name_and_nothing_changes(
        centers: Centers, tmp_path: Path) -> None:  # noqa: F811
    _, _, county, county_url = centers
    files = catalog_files(new_release(tmp_path / "release"))
    with log_in(county_url) as manager:
        before = center_db.dump(county.session.store.home)  # after the login's own audit entry
        broken = {**files, "MZ-GLJT.toml": b'[item]\ncode = "MZ-GLJT"\nname = 3\n'}
        refused = _preview(manager, "/console/publish/catalog", broken)
        assert refused.status_code == 400
        problem = re.search(r'id="problem">([^<]*)<', refused.text)
        assert problem and problem.group(1).startswith("文件 MZ-GLJT.toml 有错误")
        assert "现行目录没有任何改变" in problem.group(1)
        bad_toml = _preview(manager, "/console/publish/catalog", {**files, "MZ-TKGY.toml": b"[item\n"})
        assert bad_toml.status_code == 400 and "MZ-TKGY.toml" in bad_toml.text
        other = _preview(manager, "/console/publish/catalog", {**files, "notes.txt": b"hello"})
        assert other.status_code == 400 and "notes.txt" in other.text and ".toml" in other.text
        big = _preview(manager, "/console/publish/catalog",
                       {"MZ-GLJT.toml": b"#" * (2 * 1024 * 1024 + 100_000)})
        assert big.status_code == 413 and "超过 2 MB" in big.text
        assert 'id="catalog-form"' in big.text  # the page, ready for another try
    assert _release_count(county) == 0 and _queued(county, "catalog") == 0
    assert center_db.dump(county.session.store.home) == before


def test_a_cancelled_preview_publishes_nothing(centers: Centers, tmp_path: Path) -> None:  # noqa: F811
    _, _, county, county_url = centers
    files = catalog_files(new_release(tmp_path / "release"))
    with log_in(county_url) as manager:
        preview = _preview(manager, "/console/publish/catalog", files)
        form = {"csrf": _token(preview.text, "csrf"), "token": _token(preview.text, "token")}
        cancelled = manager.post("/console/publish/cancel", data=form)
        assert cancelled.status_code == 200 and "已取消" in cancelled.text
        late = manager.post("/console/publish/confirm", data=form)
        assert late.status_code == 409 and "预览已失效" in late.text
        forged = manager.post("/console/publish/confirm", data={"csrf": "x", "token": form["token"]})
        assert forged.status_code == 403
    assert _release_count(county) == 0


def test_a_clerk_who_is_not_the_manager_gets_403_and_another_session_cannot_publish(
        centers: Centers, tmp_path: Path) -> None:  # noqa: F811
    _, _, county, county_url = centers
    county.session.add_operator(PLAIN, "clerk", PLAIN_PIN)
    files = catalog_files(new_release(tmp_path / "release"))
    with log_in(county_url) as manager, log_in(county_url, PLAIN, PLAIN_PIN) as clerk:
        preview = _preview(manager, "/console/publish/catalog", files)
        token = _token(preview.text, "token")
        page = clerk.get("/console/publish")
        assert page.status_code == 403 and "仅限中心负责人" in page.text
        csrf = _token(clerk.get("/console/").text, "csrf")
        upload = clerk.post("/console/publish/catalog", data={"csrf": csrf},
                            files=_upload_parts(files))
        assert upload.status_code == 403
        stolen = clerk.post("/console/publish/confirm", data={"csrf": csrf, "token": token})
        assert stolen.status_code == 403
    with log_in(county_url) as second_login:  # the same manager, another session: not theirs
        other = second_login.post("/console/publish/confirm",
                                  data={"csrf": _csrf(second_login), "token": token})
        assert other.status_code == 409
    assert _release_count(county) == 0


def test_a_township_manager_is_told_only_the_county_publishes(
        centers: Centers, tmp_path: Path) -> None:  # noqa: F811
    township, township_url, _, _ = centers
    files = catalog_files(new_release(tmp_path / "release"))
    with log_in(township_url) as manager:
        page = manager.get("/console/publish")
        assert page.status_code == 403 and "由县级中心统一发布" in page.text
        csrf = _token(manager.get("/console/").text, "csrf")
        upload = manager.post("/console/publish/catalog", data={"csrf": csrf},
                              files=_upload_parts(files))
        assert upload.status_code == 403 and "由县级中心统一发布" in upload.text
    assert catalogs.releases(township.session.store.database) == []


def _table_file(year: int, holidays: set[date], workdays: set[date], version: str) -> bytes:
    def days(found: set[date]) -> str:
        return ", ".join(f'"{d.isoformat()}"' for d in sorted(found))

    return (f'year = {year}\nversion = "{version}"\nsource = "国务院办公厅通知（测试）"\n'
            f"holidays = [{days(holidays)}]\nworkdays = [{days(workdays)}]\n").encode()


def test_a_calendar_upload_previews_the_days_and_the_open_cases_it_moves_then_publishes_once(
        session: Session, centers: Centers) -> None:  # noqa: F811
    township, township_url, county, county_url = centers
    # An open county case with a promised date: filed at the village, passed up by the township.
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = intake.take(session, session.store.catalog(), session.calendar(), COUNTY_ITEM,
                         example(session.store.catalog().get(COUNTY_ITEM))).application_ids[0]
    assert sync_once(session.store, session=session).ok and forward_once(township).ok
    with county.session.store.database.read() as db:
        due = date.fromisoformat(db.execute("SELECT due_date FROM applications WHERE id = ?",
                                            [app_id]).fetchone()[0])
    now = county.session.calendar().tables.get(due.year)
    holidays = set(now.holidays) if now else set()
    workdays = set(now.workdays) if now else set()
    dropped = min(holidays) if holidays else None
    new_holidays = (holidays - {dropped}) | {due}
    upload = {f"{due.year}.toml": _table_file(due.year, new_holidays, workdays - {due}, "2099.1")}

    with log_in(county_url) as manager:
        preview = _preview(manager, "/console/publish/calendar", upload, field="file")
        assert preview.status_code == 200, preview.text
        assert f"{due.year}年节假日安排" in preview.text
        assert due.isoformat() in preview.text.split('id="holidays-added"')[1].split("</dd>")[0]
        if dropped is not None:
            assert dropped.isoformat() in preview.text.split('id="holidays-removed"')[1].split("</dd>")[0]
        moved = preview.text.split('id="moved"')[1].split("</section>")[0]
        assert app_id in moved
        assert county.session.calendar().tables.get(due.year) == now  # nothing published yet

        form = {"csrf": _token(preview.text, "csrf"), "token": _token(preview.text, "token")}
        done = manager.post("/console/publish/confirm", data=form)
        assert done.status_code == 200 and f"已发布{due.year}年节假日安排" in done.text
        assert "1个乡镇中心" in done.text
        again = manager.post("/console/publish/confirm", data=form)
        assert again.status_code == 200 and "没有重复发布" in again.text

        bad = _preview(manager, "/console/publish/calendar",
                       {"2031.toml": b'year = 2031\nholidays = ["2030-05-01"]\n'}, field="file")
        assert bad.status_code == 400 and "文件 2031.toml 有错误" in bad.text
    assert county.session.calendar().tables[due.year].version == "2099.1"
    assert _queued(county, "calendar") == 1
    assert 2031 not in county.session.calendar().tables
    with county.session.store.database.read() as db:
        published = db.execute("SELECT count(*) FROM audit WHERE action = 'calendar.publish'"
                               ).fetchone()[0]
    assert published == 1
    assert forward_once(township).ok
    assert township.session.calendar().tables[due.year].version == "2099.1"


def test_the_preview_names_a_changed_green_channel_time_and_supply_days(catalog: Catalog) -> None:
    """The item's own promises change the villagers' dates: the preview says so, item by item."""
    from dataclasses import replace

    from center.changes import catalog_changes
    from sync.i18n import t

    item = catalog.item("MZ-LSJZ")
    changed = Catalog({**catalog.items, item.code: replace(
        item, priority_time_limit_days=3, supply_within_days=item.supply_within_days + 2,
        digest="changed")},
        catalog.bundles)
    [entry] = catalog_changes(catalog, changed).changed
    notes = {n.key: n.values for n in entry.notes}
    assert notes["publish.change.priority_time_limit"] == {
        "old": str(item.priority_time_limit_days), "new": "3"}
    assert notes["publish.change.supply_within"] == {
        "old": str(item.supply_within_days), "new": str(item.supply_within_days + 2)}
    assert t("publish.change.priority_time_limit", **notes["publish.change.priority_time_limit"]
             ).startswith("绿色通道承诺时限")
    assert catalog_changes(catalog, catalog).changed == ()
