"""The store through its facade: taking in applications, bundles, inspections, scans and applicants."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from forms.catalog import Catalog
from forms.errors import UnknownItemError, ValidationFailed
from forms.idnumber import make
from forms.workdays import WorkingCalendar
from storage import applicants
from storage.attachments import MAX_BYTES, IncomingFile, read_file
from storage.errors import InvalidRequest, NotFound, StoreCorrupt, StoreExists, StoreMissing
from storage.store import Session, Store
from tests.conftest import AGENT, PIN, TODAY, VILLAGE_CODE, VILLAGE_NAME
from tests.helpers import (
    REGION,
    disk_bytes,
    meta,
    raw_db,
    scan,
    table_counts,
    template_data,
)
from village_agent import intake, printing

GRID_WORKER = "李建军"
GRID_PIN = "582047"


def _take(
    session: Session, catalog: Catalog, calendar: WorkingCalendar, code: str, data: object,
    files: Sequence[IncomingFile] = (),
) -> intake.IntakeResult:
    return intake.take(session, catalog, calendar, code, data, files, today=TODAY)


# --- applications -------------------------------------------------------------------------


def test_agent_takes_in_old_age_allowance_from_catalog_template(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    data = template_data(catalog, "MZ-GLJT")

    result = _take(session, catalog, calendar, "MZ-GLJT", data)

    [app_id] = result.application_ids
    assert app_id.startswith(f"{TODAY:%Y%m%d}-{store.info.device_tag}-")
    [summary] = session.list()
    assert (summary.id, summary.kind, summary.item_code, summary.status) == (
        app_id, "service", "MZ-GLJT", "submitted"
    )
    assert summary.applicant_name == data["applicant"]["name"]
    assert summary.operator == AGENT
    deadline = result.deadlines[0]
    assert deadline is not None and deadline.working_days == catalog.item("MZ-GLJT").time_limit_days
    assert summary.due_date == deadline.due.isoformat()


def test_recorded_application_has_created_and_submitted_events_in_sequence(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    data = template_data(catalog, "MZ-GLJT")
    [app_id] = _take(session, catalog, calendar, "MZ-GLJT", data).application_ids

    summary, events = session.show(app_id)

    assert [e.type for e in events] == ["created", "submitted"]
    assert events[1].seq == events[0].seq + 1
    assert app_id.endswith(f"-{events[0].seq:05d}")
    assert {e.device_id for e in events} == {store.info.device_id}
    assert events[0].payload["item_code"] == "MZ-GLJT"
    assert events[0].payload["operator"] == AGENT
    assert events[1].payload["applicant"]["id_number"] == data["applicant"]["id_number"]
    # The guardian's ID card is only asked for when a guardian collects, so it is dropped.
    assert events[1].payload["materials"] == {
        k: v for k, v in data["materials"].items() if k != "guardian_id_card"
    }
    assert summary.status == "submitted"


def test_upstream_events_get_outbox_rows_in_the_same_commit(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    [app_id] = _take(
        session, catalog, calendar, "MZ-GLJT", template_data(catalog, "MZ-GLJT")
    ).application_ids

    with raw_db(store.home) as conn:
        rows = conn.execute(
            "SELECT o.seq, e.seq, e.type, o.state FROM outbox o JOIN events e ON e.id = o.event_id"
            " WHERE e.application_id = ? ORDER BY o.seq", [app_id]
        ).fetchall()
    assert [(r[2], r[3]) for r in rows] == [("created", "unsealed"), ("submitted", "unsealed")]
    assert all(outbox_seq == event_seq for outbox_seq, event_seq, *_ in rows)


def test_birth_bundle_records_two_applications_sharing_a_bundle_id(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    result = _take(session, catalog, calendar, "YJS-CS", template_data(catalog, "YJS-CS"))

    assert result.item_codes == ["WJ-SYDJ", "YB-CXJMCB"]
    summaries = {s.item_code: s for s in session.list()}
    assert set(summaries) == {"WJ-SYDJ", "YB-CXJMCB"}
    bundle_ids = {s.bundle_id for s in summaries.values()}
    assert len(bundle_ids) == 1 and None not in bundle_ids
    assert {s.bundle_code for s in summaries.values()} == {"YJS-CS"}
    # Each member keeps only its own fields: the insurance item has no registration stage.
    _, insurance_events = session.show(summaries["YB-CXJMCB"].id)
    assert "registration_stage" not in insurance_events[1].payload["fields"]
    assert insurance_events[1].payload["fields"]["enroll_for"] == "新生儿"
    # Four events, numbered 1..4 without gaps, all in the outbox.
    with raw_db(store.home) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
        outbox = [r[0] for r in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
    assert seqs == outbox == [1, 2, 3, 4]
    assert session.verify().ok


def test_receipt_is_dated_by_the_agents_day_like_the_application_number(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    # 07:30 in a Hunan village is still yesterday in UTC, which is what created_at holds.
    agent_day = datetime.now(timezone.utc).date() + timedelta(days=1)
    data = template_data(catalog, "MZ-GLJT", today=agent_day)
    [app_id] = intake.take(session, catalog, calendar, "MZ-GLJT", data,
                           today=agent_day).application_ids

    summary, events = session.show(app_id)
    text = printing.receipt(summary, events, catalog.item("MZ-GLJT"), store.info)

    assert app_id.startswith(f"{agent_day:%Y%m%d}-")
    assert f"收件日期：{agent_day.isoformat()}" in text


def test_grid_worker_records_safety_inspection_with_photo(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    session.add_operator(GRID_WORKER, "grid_worker", GRID_PIN)
    worker = store.login(GRID_WORKER, GRID_PIN)
    data = template_data(catalog, "WG-AQYH")
    photo = scan("photo", "kitchen_gas_bottle.jpg")  # attached under the field's name

    [app_id] = _take(worker, catalog, calendar, "WG-AQYH", data, (photo,)).application_ids

    [summary] = worker.list(kind="inspection")
    assert (summary.id, summary.kind, summary.status, summary.operator) == (
        app_id, "inspection", "recorded", GRID_WORKER
    )
    assert session.list(kind="service") == []
    _, events = worker.show(app_id)
    assert [e.type for e in events] == ["created", "inspection_recorded"]
    [attached] = events[1].payload["attachments"]
    assert (attached["label"], attached["name"], attached["size"]) == (
        "photo", "kitchen_gas_bottle.jpg", len(photo.content)
    )
    with raw_db(store.home) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 2
        assert conn.execute("SELECT label FROM application_attachments").fetchall() == [("photo",)]


def test_inspection_without_its_photo_is_refused(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    before = table_counts(store.home)
    with pytest.raises(ValidationFailed) as caught:
        _take(session, catalog, calendar, "WG-AQYH", template_data(catalog, "WG-AQYH"))
    assert [i.path for i in caught.value.issues] == ["fields.photo"]
    assert "--attach" in caught.value.issues[0].message
    assert table_counts(store.home) == before


def test_invalid_application_stores_nothing_and_names_every_field(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    data = template_data(catalog, "MZ-GLJT")
    number = data["applicant"]["id_number"]
    data["applicant"]["id_number"] = number[:-1] + ("1" if number[-1] != "1" else "2")  # check digit
    data["fields"]["living_status"] = "住在月球"
    del data["fields"]["bank_account"]
    before, meta_before = table_counts(store.home), meta(store.home)

    with pytest.raises(ValidationFailed) as caught:
        _take(session, catalog, calendar, "MZ-GLJT", data, (scan("id_card"),))

    paths = {i.path for i in caught.value.issues}
    assert {"applicant.id_number", "fields.living_status", "fields.bank_account"} <= paths
    assert all(i.message for i in caught.value.issues)
    assert table_counts(store.home) == before
    assert meta(store.home) == meta_before  # not even a sequence number was used up


def test_too_young_for_old_age_allowance_is_refused_by_the_items_rule(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    data = template_data(catalog, "MZ-GLJT")
    data["applicant"]["id_number"] = make(REGION, date(1960, 3, 5), 12, female=True)
    before = table_counts(store.home)

    with pytest.raises(ValidationFailed) as caught:
        _take(session, catalog, calendar, "MZ-GLJT", data)

    [issue] = caught.value.issues
    assert issue.path == "applicant.id_number" and "80周岁" in issue.message
    assert table_counts(store.home) == before


def test_unknown_item_stores_nothing(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    before = table_counts(store.home)
    with pytest.raises(UnknownItemError):
        _take(session, catalog, calendar, "MZ-NOPE", template_data(catalog, "MZ-GLJT"))
    assert table_counts(store.home) == before


def test_attachment_with_a_label_the_item_does_not_know_is_refused(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    before = table_counts(store.home)
    with pytest.raises(ValidationFailed) as caught:
        _take(session, catalog, calendar, "MZ-GLJT", template_data(catalog, "MZ-GLJT"),
              (scan("marriage_certificate"),))
    [issue] = caught.value.issues
    assert issue.path == "attachments.marriage_certificate" and "id_card" in issue.message
    assert table_counts(store.home) == before


def test_same_scan_attached_twice_is_stored_once(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    data = template_data(catalog, "MZ-GLJT")
    card = scan("id_card", "id_front.jpg")
    again = scan("household_register", "id_front_copy.jpg", card.content)

    [first] = _take(session, catalog, calendar, "MZ-GLJT", data, (card, again)).application_ids
    [second] = _take(session, catalog, calendar, "MZ-GLJT", data, (card,)).application_ids

    with raw_db(store.home) as conn:
        assert conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 1
        links = conn.execute(
            "SELECT application_id, label FROM application_attachments ORDER BY 1, 2"
        ).fetchall()
    assert links == [(first, "household_register"), (first, "id_card"), (second, "id_card")]
    assert session.verify().ok


def test_different_scans_are_stored_separately(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    files = (scan("id_card", "a.jpg", b"front" * 100), scan("bank_card", "b.png", b"back" * 100))
    _take(session, catalog, calendar, "MZ-GLJT", template_data(catalog, "MZ-GLJT"), files)
    assert table_counts(store.home)["attachments"] == 2


def test_oversized_scan_is_refused_in_chinese(tmp_path: Path) -> None:
    big = tmp_path / "id_card.jpg"
    with big.open("wb") as fh:  # sparse: 20 MB + 1 byte without writing them
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(InvalidRequest) as caught:
        read_file("id_card", big)
    assert "超过20MB上限" in caught.value.zh and "id_card.jpg" in caught.value.zh


def test_scan_of_exactly_twenty_megabytes_is_accepted(tmp_path: Path) -> None:
    edge = tmp_path / "scan.pdf"
    with edge.open("wb") as fh:
        fh.truncate(MAX_BYTES)
    assert len(read_file("id_card", edge).content) == MAX_BYTES


def test_missing_scan_is_refused_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest) as caught:
        read_file("id_card", tmp_path / "nowhere.jpg")
    assert "找不到附件文件" in caught.value.zh


@pytest.mark.parametrize("name", ["report.docx", "setup.exe", "photo"])
def test_scan_of_a_wrong_type_is_refused_in_chinese(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"MZ\x90\x00")
    with pytest.raises(InvalidRequest) as caught:
        read_file("id_card", path)
    assert "类型不支持" in caught.value.zh and "PDF" in caught.value.zh


def test_empty_scan_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "blank.jpg"
    path.touch()
    with pytest.raises(InvalidRequest) as caught:
        read_file("id_card", path)
    assert "空文件" in caught.value.zh


@pytest.mark.parametrize(
    ("problem", "message"),
    [("too big", "超过20MB上限"), ("missing", "找不到附件文件"), ("wrong type", "类型不支持")],
)
def test_bad_scan_among_good_ones_stores_nothing(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar,
    tmp_path: Path, problem: str, message: str,
) -> None:
    good = tmp_path / "id.jpg"
    good.write_bytes(b"\xff\xd8scan")
    bad = tmp_path / ("household.docx" if problem == "wrong type" else "household.pdf")
    if problem == "too big":
        with bad.open("wb") as fh:
            fh.truncate(MAX_BYTES + 1)
    elif problem == "wrong type":
        bad.write_bytes(b"PK\x03\x04")
    before = table_counts(store.home)

    with pytest.raises(InvalidRequest) as caught:
        files = intake.parse_attach_args([f"id_card={good}", f"household_register={bad}"])
        _take(session, catalog, calendar, "MZ-GLJT", template_data(catalog, "MZ-GLJT"), files)

    assert message in caught.value.zh
    assert table_counts(store.home) == before


def test_attach_argument_without_a_label_uses_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8scan")
    [plain, labelled] = intake.parse_attach_args([str(path), f" id_card ={path}"])
    assert (plain.label, plain.name) == ("photo.jpg", "photo.jpg")
    assert (labelled.label, labelled.content) == ("id_card", b"\xff\xd8scan")


# --- applicants ---------------------------------------------------------------------------


def test_second_application_finds_the_applicant_and_offers_earlier_answers(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    data = template_data(catalog, "MZ-GLJT")
    id_number = data["applicant"]["id_number"]
    assert session.find_applicant(id_number) is None
    _take(session, catalog, calendar, "MZ-GLJT", data)

    found = session.find_applicant(id_number)

    assert found is not None
    assert found["applicant"]["name"] == data["applicant"]["name"]
    assert found["applicant"]["phone"] == data["applicant"]["phone"]
    assert found["fields"]["bank_account"] == data["fields"]["bank_account"]
    # Prefill for a different item keeps only the answers that item asks for.
    relief = catalog.item("MZ-LSJZ")
    offered = applicants.prefill(found, {f.name for f in relief.fields})
    assert offered and set(offered) <= {f.name for f in relief.fields}
    assert all(offered[k] == found["fields"][k] for k in offered)


def test_later_answers_update_the_applicant_record(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    data = template_data(catalog, "MZ-GLJT")
    _take(session, catalog, calendar, "MZ-GLJT", data)
    data["applicant"]["phone"] = "13811112222"
    data["fields"]["living_status"] = "与子女同住"
    _take(session, catalog, calendar, "MZ-GLJT", data)

    found = session.find_applicant(data["applicant"]["id_number"])

    assert found is not None
    assert found["applicant"]["phone"] == "13811112222"
    assert found["fields"]["living_status"] == "与子女同住"
    assert table_counts(store.home)["applicants"] == 1
    assert len(session.list()) == 2


def test_applicant_is_found_however_the_id_number_is_typed(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    data = template_data(catalog, "MZ-GLJT")
    serial = next(s for s in range(100) if make(REGION, date(1940, 3, 5), s, female=True)[-1] == "X")
    id_number = make(REGION, date(1940, 3, 5), serial, female=True)
    data["applicant"]["id_number"] = id_number.lower()
    _take(session, catalog, calendar, "MZ-GLJT", data)

    for typed in (id_number, id_number.lower(), f" {id_number} ",
                  f"{id_number[:6]} {id_number[6:14]} {id_number[14:].lower()}"):
        found = session.find_applicant(typed)
        assert found is not None, typed
        assert found["applicant"]["id_number"] == id_number


def test_id_number_name_and_phone_are_not_on_disk_in_plaintext(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    data = template_data(catalog, "MZ-GLJT")
    id_number, name, phone = (data["applicant"][k] for k in ("id_number", "name", "phone"))
    account = data["fields"]["bank_account"]
    _take(session, catalog, calendar, "MZ-GLJT", data, (scan("id_card", "张桂英身份证.jpg"),))

    secrets = [id_number, id_number[-8:], name, phone, account, "张桂英身份证"]
    while_open = disk_bytes(store.home)  # the -wal holds the fresh pages
    store.close()
    after_close = disk_bytes(store.home)
    for blob in (while_open, after_close):
        for secret in secrets:
            assert secret.encode() not in blob, secret
            assert secret.encode("utf-16-le") not in blob, secret
    # What the lookup keeps is a keyed index: it is not an unkeyed hash of the number either.
    with raw_db(store.home) as conn:
        [index] = conn.execute("SELECT id_index FROM applicants").fetchone()
    assert index == session.keys.blind_index("id_number", id_number)
    assert len(index) == 64 and id_number not in index


# --- the store file -----------------------------------------------------------------------


def test_store_refuses_a_second_init_in_the_same_home(store: Store) -> None:
    with pytest.raises(StoreExists) as caught:
        Store.create(store.home, village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
                     operator_name="别人", pin="406183")
    assert "不能重复初始化" in caught.value.zh
    assert [o.name for o in store.operators()] == [AGENT]


def test_a_given_device_id_makes_application_numbers_reproducible(
    tmp_path: Path, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    from storage.crypto import TEST_KDF

    store = Store.create(tmp_path / "a", village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
                         operator_name=AGENT, pin=PIN, kdf=TEST_KDF, device_id="5eedc0de00000001")
    try:
        session = store.login(AGENT, PIN)
        taken = _take(session, catalog, calendar, "MZ-GLJT", template_data(catalog, "MZ-GLJT"))
        assert taken.application_ids == [f"{TODAY:%Y%m%d}-5EEDC0-00001"]
        assert store.info.device_tag == "5EEDC0"
    finally:
        store.close()
    for bad in ("5EEDC0DE00000001", "5eedc0de", "5eedc0de0000000g"):
        with pytest.raises(InvalidRequest) as caught:
            Store.create(tmp_path / "b", village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
                         operator_name=AGENT, pin=PIN, kdf=TEST_KDF, device_id=bad)
        assert "设备号" in caught.value.zh
    assert not (tmp_path / "b").exists()


def test_opening_an_empty_home_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(StoreMissing) as caught:
        Store.open(tmp_path)
    assert "init" in caught.value.zh


def test_store_reopens_with_its_data_and_settings(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    [app_id] = _take(session, catalog, calendar, "MZ-GLJT", template_data(catalog, "MZ-GLJT")).application_ids
    info = store.info
    store.close()

    reopened = Store.open(store.home)
    try:
        assert reopened.info == info
        assert (info.village_code, info.village_name) == (VILLAGE_CODE, VILLAGE_NAME)
        with raw_db(store.home) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        again = reopened.login(AGENT, PIN)
        assert [s.id for s in again.list()] == [app_id]
    finally:
        reopened.close()


def test_showing_an_unknown_application_says_how_to_find_it(session: Session) -> None:
    with pytest.raises(NotFound) as caught:
        session.show("20261123-ABCDEF-00009")
    assert "list" in caught.value.zh


def test_random_bytes_instead_of_a_store_are_refused(tmp_path: Path) -> None:
    (tmp_path / "village.db").write_bytes(os.urandom(8192))
    with pytest.raises(StoreCorrupt) as caught:
        Store.open(tmp_path)
    assert "village.db" in caught.value.zh


def test_damaged_store_with_a_valid_header_is_refused(store: Store) -> None:
    store.close()
    path = store.home / "village.db"
    head = path.read_bytes()[:100]
    path.write_bytes(head + os.urandom(20000))
    with pytest.raises(StoreCorrupt) as caught:
        Store.open(store.home)
    assert "已损坏" in caught.value.zh


def test_another_apps_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "village.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('会计', '0735-1234567')")
    conn.close()
    before = path.read_bytes()

    with pytest.raises(StoreCorrupt) as caught:
        Store.open(tmp_path)

    assert "不是本系统的数据文件" in caught.value.zh
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["village.db"]


@pytest.fixture
def held_by_another_program(store: Store) -> Iterator[Path]:
    """Another program holds the store's file: its own connection, exclusive, mid-transaction.

    The store is in WAL mode, where BEGIN EXCLUSIVE alone still lets readers in; a program
    that also takes the file in exclusive locking mode (as some database tools do) shuts
    every other connection out until it lets go: "database is locked".
    """
    store.close()
    other = sqlite3.connect(store.home / "village.db", isolation_level=None, timeout=0)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield store.home
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_the_login_lobby_of_a_store_another_program_holds_says_in_use_not_damaged(
    held_by_another_program: Path,
) -> None:
    from storage.errors import StoreBusy
    from storage.lobby import read

    with pytest.raises(StoreBusy) as caught:
        read(held_by_another_program, timeout=0.2)
    assert "正被另一个程序使用" in caught.value.zh and "重试" in caught.value.zh
    assert "损坏" not in caught.value.zh
    assert "in use by another program" in str(caught.value) and "try again" in str(caught.value)


def test_opening_a_store_another_program_holds_says_in_use_not_damaged(
    held_by_another_program: Path,
) -> None:
    from storage.errors import StoreBusy

    with pytest.raises(StoreBusy) as caught:
        Store.open(held_by_another_program)  # waits out the busy timeout (10 s) first
    assert "正被另一个程序使用" in caught.value.zh and "损坏" not in caught.value.zh


def test_a_store_let_go_by_the_other_program_opens_as_before(store: Store) -> None:
    from storage.lobby import read

    store.close()
    other = sqlite3.connect(store.home / "village.db", isolation_level=None, timeout=0)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("ROLLBACK")
    other.close()
    assert [m.name for m in read(store.home).operators] == [AGENT]
    reopened = Store.open(store.home)
    try:
        assert reopened.login(AGENT, PIN).list() == []
    finally:
        reopened.close()
