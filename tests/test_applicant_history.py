"""The applicant registry keeps history: a case shows what it was filed with, prefill the newest."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from forms.catalog import Catalog
from forms.idnumber import make
from storage import audit
from storage.errors import InvalidRequest, NotFound
from storage.store import Session, Store
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import AGENT, PIN, TODAY, Cli
from tests.forms_helpers import example
from tests.helpers import db_path, raw_db
from tests.test_stolen_disk import _leaks
from village_agent import intake

ID_NUMBER = make("430481", TODAY.replace(year=1946), 21, female=True)
OLD_NAME, NEW_NAME, UPDATED_NAME = "欧阳秀珍", "欧阳秀贞", "欧阳淑贞"
OLD_ADDRESS, NEW_ADDRESS = "兴宁镇石鼓村七组桂花巷29号", "兴宁镇石鼓村三组樟树坪8号"


def _file(session: Session, catalog: Catalog, name: str, *, phone: str = "13974651230",
          address: str = OLD_ADDRESS, code: str = "MZ-GLJT") -> str:
    data = example(catalog.get(code))
    data["applicant"].update(name=name, id_number=ID_NUMBER, phone=phone, address=address)
    if "account_holder" in data["fields"]:  # the allowance is paid to the applicant's own account
        data["fields"]["account_holder"] = name
    return intake.take(session, catalog, session.calendar(), code, data,
                       today=TODAY).application_ids[0]


def _names(session: Session) -> dict[str, str]:
    return {s.id: s.applicant_name for s in session.list()}


def test_an_old_case_keeps_its_applicants_name_after_a_new_filing_with_another_name(
    session: Session, catalog: Catalog
) -> None:
    first = _file(session, catalog, OLD_NAME)
    second = _file(session, catalog, NEW_NAME, phone="15807352468", address=NEW_ADDRESS)

    assert _names(session) == {first: OLD_NAME, second: NEW_NAME}
    assert session.show(first)[0].applicant_name == OLD_NAME
    # Prefill takes the newest declaration: name, address, phone and answers.
    found = session.find_applicant(ID_NUMBER)
    assert found is not None
    assert (found["applicant"]["name"], found["applicant"]["address"],
            found["applicant"]["phone"]) == (NEW_NAME, NEW_ADDRESS, "15807352468")
    history = session.applicant_history(ID_NUMBER)
    assert [(v.source, v.applicant["name"], v.applications) for v in history] == [
        ("filed", OLD_NAME, (first,)), ("filed", NEW_NAME, (second,))]
    # The filing that declared another name and address says so, naming no value.
    with session.store.database.read() as db:
        rows = db.execute("SELECT target, detail FROM audit WHERE action = ?",
                          ["applicant.declared_changed"]).fetchall()
    assert rows == [(second, "name,address")]
    assert session.verify().ok


def test_a_correction_changes_only_its_own_case(session: Session, catalog: Catalog) -> None:
    first = _file(session, catalog, OLD_NAME)
    second = _file(session, catalog, OLD_NAME, code="MZ-TKGY")
    data = example(catalog.get("MZ-GLJT"))
    data["applicant"].update(name=NEW_NAME, id_number=ID_NUMBER, phone="13974651230")
    data["fields"]["account_holder"] = NEW_NAME
    session.add_event(first, "corrected", {"applicant": data["applicant"], "fields": data["fields"]})
    assert _names(session) == {first: NEW_NAME, second: OLD_NAME}


def test_the_explicit_update_is_audited_and_leaves_filed_cases_as_they_were(
    session: Session, catalog: Catalog
) -> None:
    first = _file(session, catalog, OLD_NAME)
    version = session.update_applicant(ID_NUMBER, name=UPDATED_NAME, address=NEW_ADDRESS)

    assert version.source == "update" and version.applicant["name"] == UPDATED_NAME
    assert _names(session) == {first: OLD_NAME}
    found = session.find_applicant(ID_NUMBER)
    assert found is not None and found["applicant"]["name"] == UPDATED_NAME
    assert found["applicant"]["address"] == NEW_ADDRESS
    assert found["fields"]  # the earlier answers are still there for prefill
    with session.store.database.read() as db:
        last = db.execute("SELECT operator, action, target, detail FROM audit"
                          " ORDER BY seq DESC LIMIT 1").fetchone()
        applicant_id = db.execute("SELECT applicant_id FROM applications").fetchone()[0]
        report = audit.verify(db, session.keys)
        text = " ".join(str(v) for row in db.execute("SELECT * FROM audit") for v in row)
    assert last == (AGENT, "applicant.update", applicant_id, "address,name")
    assert report.ok, report.problems  # in the chain, and the keyed checkpoint covers it
    assert UPDATED_NAME not in text and NEW_ADDRESS not in text
    # The next application is prefilled with the correction, and files it as its own.
    second = _file(session, catalog, UPDATED_NAME, code="MZ-TKGY")
    assert _names(session) == {first: OLD_NAME, second: UPDATED_NAME}


@pytest.mark.parametrize("changes", [{"name": "Ouyang 123"}, {"phone": "12345"},
                                     {"address": "村" * 101}, {"ethnicity": "汉"}, {}])
def test_a_bad_update_says_why_in_chinese_and_changes_nothing(
    session: Session, catalog: Catalog, home: Path, changes: dict[str, str]
) -> None:
    _file(session, catalog, OLD_NAME)
    with raw_db(home) as conn:
        before = [conn.execute(f"SELECT * FROM {t}").fetchall()
                  for t in ("applicants", "applicant_versions", "audit")]
    with pytest.raises(InvalidRequest) as caught:
        session.update_applicant(ID_NUMBER, **changes)
    assert any("\u4e00" <= c <= "\u9fff" for c in str(caught.value.zh))
    with pytest.raises(NotFound):
        session.update_applicant(make("430481", TODAY.replace(year=1950), 5, female=False), name=NEW_NAME)
    with raw_db(home) as conn:
        after = [conn.execute(f"SELECT * FROM {t}").fetchall()
                 for t in ("applicants", "applicant_versions", "audit")]
    assert after == before


@pytest.mark.parametrize("closed", [False, True])
def test_no_name_or_id_number_of_any_version_is_on_disk_in_plaintext(
    session: Session, catalog: Catalog, home: Path, closed: bool
) -> None:
    _file(session, catalog, OLD_NAME)
    _file(session, catalog, NEW_NAME, address=NEW_ADDRESS)
    session.update_applicant(ID_NUMBER, name=UPDATED_NAME)
    if closed:
        session.store.close()
    assert _leaks(home, [OLD_NAME, NEW_NAME, UPDATED_NAME, ID_NUMBER, OLD_ADDRESS,
                         NEW_ADDRESS]) == []


def test_a_store_from_before_keeps_the_names_its_cases_show_now(
    session: Session, catalog: Catalog, home: Path
) -> None:
    """Before m015 the registry was overwritten: both cases showed the latest name. They still
    do after the upgrade, and from then on a new filing changes neither."""
    first = _file(session, catalog, OLD_NAME)
    second = _file(session, catalog, NEW_NAME)
    session.store.close()
    conn = sqlite3.connect(db_path(home), isolation_level=None)
    try:  # the file as the version before m015 left it
        conn.execute("BEGIN")
        conn.execute("DROP INDEX applications_by_version")  # m021, which indexes the column
        for index in ("applications_listing", "applications_status_listing",  # m023, later still
                      "applications_by_applicant", "applications_clerk_worklist",
                      "applications_desk_worklist"):
            conn.execute(f"DROP INDEX {index}")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm023_name_index'")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm021_applicant_version_index'")
        conn.execute("ALTER TABLE applications DROP COLUMN applicant_version")
        conn.execute("DROP TABLE applicant_versions")
        assert conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm015_applicant_versions'"
                            ).rowcount == 1
        conn.execute("COMMIT")
    finally:
        conn.close()

    upgraded = Store.open(home).login(AGENT, PIN)
    try:
        assert _names(upgraded) == {first: NEW_NAME, second: NEW_NAME}
        third = _file(upgraded, catalog, UPDATED_NAME, code="MZ-TKGY")
        assert _names(upgraded) == {first: NEW_NAME, second: NEW_NAME, third: UPDATED_NAME}
        assert [v.source for v in upgraded.applicant_history(ID_NUMBER)] == ["m015", "filed"]
        assert upgraded.verify().ok
    finally:
        upgraded.store.close()


def test_the_township_shows_each_case_with_the_name_it_was_filed_with(
    session: Session, catalog: Catalog, township: tuple[Node, str]
) -> None:
    from center.enroll import issue_code
    from tests.conftest import VILLAGE_CODE

    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    first = _file(session, catalog, OLD_NAME)
    second = _file(session, catalog, NEW_NAME)
    assert sync_once(session.store, session=session).ok
    assert {s.id: s.applicant_name for s in node.session.list()} == {
        first: OLD_NAME, second: NEW_NAME}


def test_the_command_line_updates_explicitly_and_lists_the_history(cli: Cli) -> None:
    cli.init()
    from forms.catalog import load_catalog

    data = Path(cli.home.parent / "data.json")
    for name in (OLD_NAME, NEW_NAME):
        body = example(load_catalog().get("MZ-GLJT"))
        body["applicant"].update(name=name, id_number=ID_NUMBER, phone="13974651230")
        body["fields"]["account_holder"] = name
        data.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        assert cli("apply", "--item", "MZ-GLJT", "--data", str(data),
                   "--date", TODAY.isoformat()).code == 0
    data.unlink()
    refused = cli("applicant", "update", "--id-number", ID_NUMBER, "--name", "X1")
    assert refused.code == 1 and "姓名" in refused.stderr and "Traceback" not in refused.stderr
    done = cli("applicant", "update", "--id-number", ID_NUMBER, "--name", UPDATED_NAME)
    assert done.code == 0, done.stderr
    assert UPDATED_NAME in done.stdout and "已记入操作日志" in done.stdout
    listed = cli("list", "--json").json()
    assert sorted(r["applicant_name"] for r in listed) == sorted([OLD_NAME, NEW_NAME])
    history = cli("applicant", "history", "--id-number", ID_NUMBER, "--json").json()
    assert [(v["source"], v["applicant"]["name"], len(v["applications"])) for v in history] == [
        ("filed", OLD_NAME, 1), ("filed", NEW_NAME, 1), ("update", UPDATED_NAME, 0)]
    assert cli("applicant", ID_NUMBER, "--json").json()["applicant"]["name"] == UPDATED_NAME
