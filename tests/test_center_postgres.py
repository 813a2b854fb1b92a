"""A center on a real PostgreSQL server: `service-center init --database`, the core path over
HTTP, what the server and a backup of it hold (sealed personal data only), and `backup` /
`restore` refusing what they cannot do without changing anything."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from center import backup, ingest, pgbackup
from center.enroll import issue_code
from forms.catalog import Catalog
from storage import pg
from storage.errors import InvalidRequest, StoreExists
from storage.lobby import STORE_FILE
from storage.store import Session, Store
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests import center_db
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.pgserver import PgServer
from tests.sync_helpers import CLERK, make_center, serving
from tests.test_center_restore import contents
from tests.test_center_show import center_cli
from village_agent import intake


@pytest.fixture
def pg_url(pg_server: PgServer, pg_template: str) -> str:
    url = pg_server.new_database(pg_template)
    yield url  # type: ignore[misc]
    pg_server.drop(url)


def test_service_center_init_puts_the_store_on_the_server(tmp_path: Path, pg_url: str) -> None:
    home = tmp_path / "county"
    ran = center_cli(home, "init", "--level", "county", "--code", "431081", "--name",
                     "资兴市政务服务中心", "--operator", CLERK, "--database", pg_url, "--json")
    assert ran.code == 0, ran.stderr
    assert not (home / STORE_FILE).exists()  # nothing of the store in the home but where it is
    url_file = home / pg.URL_FILE
    assert url_file.read_text().strip() == pg_url
    assert stat.S_IMODE(url_file.stat().st_mode) == 0o600
    store = Store.open(home)
    try:
        assert isinstance(store.database, pg.PgDatabase)
        assert store.node == "county" and store.info.village_code == "431081"
    finally:
        store.close()
    listed = center_cli(home, "applications", "--json")
    assert listed.code == 0, listed.stderr


def test_a_database_that_holds_a_center_is_not_set_up_twice(tmp_path: Path, pg_url: str) -> None:
    make_center(tmp_path / "one", database=pg_url).store.close()
    with pytest.raises(StoreExists) as refused:
        make_center(tmp_path / "two", database=pg_url)
    assert refused.value.key == "storage.store.pg_in_use"
    assert not (tmp_path / "two" / pg.URL_FILE).exists()


def test_a_village_or_a_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest):
        make_center(tmp_path / "t", database="mysql://x/y")
    ran = center_cli(tmp_path / "u", "init", "--level", "township", "--code", "430481101",
                     "--name", "兴宁镇", "--operator", CLERK, "--database",
                     "postgresql://nobody@/nothing?host=/nonexistent&port=1")
    assert ran.code != 0 and "Traceback" not in ran.stderr
    assert "PostgreSQL" in ran.stderr + ran.stdout
    assert "nobody" not in ran.stderr + ran.stdout  # the URL (it may hold a password) is not echoed


def test_the_server_never_holds_a_name_or_id_number_in_plaintext(
    tmp_path: Path, pg_server: PgServer, pg_url: str, session: Session, catalog: Catalog
) -> None:
    center = make_center(tmp_path / "township", database=pg_url)
    node = Node.of(center)
    try:
        with serving(node) as url:
            enroll_online(session, url, issue_code(node, VILLAGE_CODE))
            data = example(catalog.get("MZ-GLJT"))
            name, number = data["applicant"]["name"], data["applicant"]["id_number"]
            app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT", data,
                                 today=TODAY).application_ids[0]
            assert sync_once(session.store, session=session).ok
            ingest.decide(node, app_id, "accepted", {})
            ingest.decide(node, app_id, "completed", {"result": "核定高龄津贴每月100元"})
            assert sync_once(session.store, session=session).ok
        assert {s.id: s.status for s in session.list()}[app_id] == "completed"
        assert [s.id for s in center.list()] == [app_id]
        assert center.verify().ok  # the audit chain, as on SQLite
    finally:
        center.store.close()
    dump = subprocess.run([str(pg_server.bindir / "pg_dump"), "--data-only", "-d", pg_url],
                          capture_output=True, check=True).stdout
    assert app_id.encode() in dump  # the dump is of this center's data
    for secret in (name, number):
        assert secret.encode() not in dump
        assert secret.encode("unicode_escape") not in dump


def _archive_text(pg_server: PgServer, archive: Path) -> bytes:
    """The SQL script an archive restores (its data uncompressed, as pg_restore writes it)."""
    return subprocess.run([str(pg_server.bindir / "pg_restore"), "-f", "-", str(archive)],
                          capture_output=True, check=True).stdout


def test_a_backup_of_a_postgresql_center_is_an_owner_only_archive_of_sealed_data(
    tmp_path: Path, pg_server: PgServer, pg_url: str, session: Session, catalog: Catalog
) -> None:
    home = tmp_path / "township"
    center = make_center(home, database=pg_url)
    node = Node.of(center)
    try:
        with serving(node) as url:
            enroll_online(session, url, issue_code(node, VILLAGE_CODE))
            data = example(catalog.get("MZ-GLJT"))
            name, number = data["applicant"]["name"], data["applicant"]["id_number"]
            app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT", data,
                                 today=TODAY).application_ids[0]
            assert sync_once(session.store, session=session).ok
            copy = tmp_path / "usb" / "township.dump"
            copy.parent.mkdir()
            made = center_cli(home, "backup", str(copy))  # while it serves
    finally:
        center.store.close()
    assert made.code == 0, made.stderr + made.stdout
    assert "1 件办件" in made.stdout and "1 台村设备" in made.stdout and str(copy) in made.stdout
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert not [p for p in copy.parent.iterdir() if p != copy]  # no part file left behind
    script = _archive_text(pg_server, copy)
    assert app_id.encode() in script  # the copy is of this center's data
    for secret in (name, number):
        for held in (script, copy.read_bytes()):
            assert secret.encode() not in held
            assert secret.encode("unicode_escape") not in held
    again = center_cli(home, "backup", str(copy))
    assert again.code == 1 and "已存在" in again.stdout + again.stderr
    forced = center_cli(home, "--json", "backup", "--force", str(copy))
    assert forced.code == 0, forced.stderr
    assert forced.json()["cases"] == 1


def test_restore_of_an_archive_cut_short_is_undone_whole(
        tmp_path: Path, pg_url: str) -> None:
    home = tmp_path / "county"
    make_center(home, kind="county", code="431081", database=pg_url).store.close()
    copy = tmp_path / "county.dump"
    assert center_cli(home, "backup", str(copy)).code == 0
    with center_db.raw_center(home) as conn:  # after the copy: a row it lacks
        conn.execute("INSERT INTO meta (key, value) VALUES ('after_the_copy', 'kept')")
    cut = tmp_path / "cut.dump"
    cut.write_bytes(copy.read_bytes()[:-300])
    # Its table of contents and its meta still read: pg_restore fails only part-way through
    # loading it, after the store's tables were dropped, inside restore's one transaction.
    assert pgbackup.read_archive(cut).meta["node"] == "county"
    before = contents(home)
    refused = center_cli(home, "restore", str(cut))
    assert refused.code == 1 and "Traceback" not in refused.stderr
    assert "不是本系统的数据备份" in refused.stdout + refused.stderr
    assert contents(home) == before
    assert center_db.one(home, "SELECT value FROM meta WHERE key = 'after_the_copy'") == "kept"
    assert sorted(p.name for p in home.iterdir()) == [pg.URL_FILE, "serve.lock"]
    done = center_cli(home, "--json", "restore", str(copy))  # the whole archive restores
    assert done.code == 0, done.stderr + done.stdout
    assert Path(done.json()["kept_as"]).parent == home
    assert center_db.one(home, "SELECT value FROM meta WHERE key = 'after_the_copy'") is None
    assert center_db.one(home, "SELECT count(*) FROM restores") == 1


def test_a_copy_restores_into_an_empty_database_on_a_new_server(
        tmp_path: Path, pg_server: PgServer, pg_url: str) -> None:
    home = tmp_path / "county"
    make_center(home, kind="county", code="431081", database=pg_url).store.close()
    device = center_db.one(home, "SELECT value FROM meta WHERE key = 'device_id'")
    copy = tmp_path / "county.dump"
    assert center_cli(home, "backup", str(copy)).code == 0
    fresh = pg_server.new_database()  # the old server is gone: an empty database, no tables
    try:
        (home / pg.URL_FILE).write_text(fresh + "\n")
        done = center_cli(home, "--json", "restore", str(copy))
        assert done.code == 0, done.stderr + done.stdout
        assert center_db.one(home, "SELECT value FROM meta WHERE key = 'device_id'") == device
        assert center_db.one(home, "SELECT count(*) FROM restores") == 1
        checked = center_cli(home, "--json", "verify")
        assert checked.code == 0 and checked.json()["ok"], checked.stdout
    finally:
        pg_server.drop(fresh)


def test_an_archive_says_its_meta_exactly_without_being_restored(
        tmp_path: Path, pg_url: str) -> None:
    home = tmp_path / "county"
    make_center(home, kind="county", code="431081", database=pg_url).store.close()
    awkward = "tab\there, a newline\nand a backslash \\ with \\N 中文"
    with center_db.raw_center(home) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('awkward', ?)", [awkward])
    copy = tmp_path / "county.dump"
    saved = backup.backup(home, copy)
    read = pgbackup.read_archive(copy)
    assert read.meta["awkward"] == awkward
    assert read.meta["device_id"] == center_db.one(
        home, "SELECT value FROM meta WHERE key = 'device_id'")
    assert (read.schema, read.meta["node"], read.made_at) == ("public", "county", saved.made_at)


def test_without_pg_dump_or_pg_restore_nothing_is_written_or_changed(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "county"
    make_center(home, kind="county", code="431081", database=pg_url).store.close()
    copy = tmp_path / "county.dump"
    backup.backup(home, copy)
    before = contents(home)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(pgbackup, "TOOL_FOLDERS", str(tmp_path / "none" / "*" / "bin"))
    with pytest.raises(InvalidRequest) as refused:
        backup.backup(home, tmp_path / "again.dump")
    assert refused.value.key == "center.backup.pg_tool_missing"
    assert "pg_dump" in str(refused.value)
    with pytest.raises(InvalidRequest) as refused:
        backup.restore(home, copy)
    assert refused.value.key == "center.backup.pg_tool_missing"
    assert "pg_restore" in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["county", "county.dump"]
    assert contents(home) == before


@pytest.mark.parametrize("required", ["", "1"])
def test_missing_postgresql_binaries_skip_locally_and_fail_under_ci(
        monkeypatch: pytest.MonkeyPatch, required: str) -> None:
    from tests import pgserver

    monkeypatch.setattr(pgserver, "_bindir", lambda: None)
    monkeypatch.delenv("CI_REQUIRE_BROWSER", raising=False)
    monkeypatch.setenv("CI_REQUIRE_POSTGRES", required)
    expected = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(expected):
        next(pgserver.start_server())
