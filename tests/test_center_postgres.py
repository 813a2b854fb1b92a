"""A center on a real PostgreSQL server: `service-center init --database`, the core path over
HTTP, and what the server holds (sealed personal data only)."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from center import ingest
from center.enroll import issue_code
from forms.catalog import Catalog
from storage import pg
from storage.errors import InvalidRequest, StoreExists
from storage.lobby import STORE_FILE
from storage.store import Session, Store
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.pgserver import PgServer
from tests.sync_helpers import CLERK, make_center, serving
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


def test_backup_of_a_postgresql_center_is_refused_clearly_for_now(tmp_path: Path, pg_url: str) -> None:
    home = tmp_path / "county"
    make_center(home, kind="county", code="431081", database=pg_url).store.close()
    for args in (("backup", str(tmp_path / "copy.db")), ("restore", str(tmp_path / "copy.db"))):
        ran = center_cli(home, *args)
        assert ran.code != 0 and "Traceback" not in ran.stderr, ran.stderr
        assert "pg_dump" in ran.stderr + ran.stdout
    assert not (tmp_path / "copy.db").exists()


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
