"""Sneakernet: a village that has never been online enrolls, sends and hears back by USB stick."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from center import enroll as center_enroll
from center import usb as center_usb
from forms.catalog import Catalog
from storage import sync_outbox
from storage.store import Session
from sync import enroll, usb
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import make_center, statuses
from village_agent import intake


@pytest.fixture
def township(tmp_path: Path) -> Node:
    return Node.of(make_center(tmp_path / "township"))


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    path = tmp_path / "usb"
    path.mkdir()
    return path


def _enroll_by_file(session: Session, township: Node, stick: Path) -> None:
    code = center_enroll.issue_code(township, VILLAGE_CODE)
    request = enroll.build_request(session.store, code)
    (stick / "enroll.json").write_text(json.dumps(request), encoding="utf-8")
    answer = center_enroll.redeem(township, json.loads((stick / "enroll.json").read_text(encoding="utf-8")))
    enroll.accept(Node.of(session), answer, code)


def _two_applications(session: Session, catalog: Catalog) -> list[str]:
    return [intake.take(session, catalog, session.calendar(), code, example(catalog.get(code)),
                        today=TODAY).application_ids[0] for code in ("MZ-GLJT", "RS-JYSYDJ")]


def _received(node: Node) -> int:
    with node.session.store.database.read() as db:
        return int(db.execute("SELECT count(*) FROM received").fetchone()[0])


def test_round_trip_by_stick_imported_twice_changes_nothing_the_second_time(
    session: Session, township: Node, stick: Path, catalog: Catalog
) -> None:
    apps = _two_applications(session, catalog)
    _enroll_by_file(session, township, stick)
    village = Node.of(session)
    assert usb.export_village(village, stick).messages == 4

    first = center_usb.import_center(township, stick)
    assert (first.stored, first.duplicates, first.already_imported, first.refused) == (4, 0, 0, [])
    second = center_usb.import_center(township, stick)
    assert (second.stored, second.duplicates, second.already_imported) == (0, 4, 1)
    assert _received(township) == 4 and len(township.session.list()) == 2

    back = usb.import_village(village, stick)
    assert back.refused == [] and back.applied == 2
    assert {statuses(session)[a] for a in apps} == {"received"}
    assert sync_outbox.outbox_rows(session.store.database) == []  # township items: acked end to end


def test_progress_counts_the_bytes_on_the_stick_up_to_the_file_size_and_the_messages(
    session: Session, township: Node, stick: Path, catalog: Catalog
) -> None:
    import os

    from storage.attachments import IncomingFile

    scan = IncomingFile("id_card", "id.jpg", os.urandom(1_000_000))  # several 256 KiB pieces
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                [scan], today=TODAY)
    _enroll_by_file(session, township, stick)
    village = Node.of(session)

    calls: list[tuple[str, int, int]] = []
    report = usb.export_village(village, stick, lambda *call: calls.append(call))
    (written,) = [p.stat().st_size for p in stick.glob("up-*.vab")]
    assert written > 3 * usb.CHUNK
    assert {stage for stage, _, _ in calls} == {"write"}
    assert {total for _, _, total in calls} == {written}
    done = [d for _, d, _ in calls]
    assert done == sorted(done) and len(done) >= 4 and done[-1] == written

    ingest: list[tuple[str, int, int]] = []
    center_usb.import_center(township, stick, lambda *call: ingest.append(call))
    # the signed down-ack rides along with the application's messages
    assert ingest[0] == ("ingest", 0, len(ingest) - 1) and len(ingest) - 1 >= report.messages
    assert [d for _, d, _ in ingest] == list(range(len(ingest)))

    back: list[tuple[str, int, int]] = []
    usb.import_village(village, stick, lambda *call: back.append(call))
    (answer,) = [p.stat().st_size for p in stick.glob(f"down-{village.keys.device_id}-*.vab")]
    assert back[0] == ("read", 0, answer)
    assert ("read", answer, answer) in back
    assert back[-2:] == [("apply", 0, 1), ("apply", 1, 1)]


@pytest.mark.parametrize("damage", ["truncated", "bit_flip"])
def test_a_damaged_stick_file_is_refused_whole_before_anything_is_stored(
    damage: str, session: Session, township: Node, stick: Path, catalog: Catalog, tmp_path: Path
) -> None:
    _two_applications(session, catalog)
    _enroll_by_file(session, township, stick)
    usb.export_village(Node.of(session), stick)
    copy = tmp_path / "copy"
    shutil.copytree(stick, copy)
    bundle = next(copy.glob("up-*.vab"))
    data = bytearray(bundle.read_bytes())
    if damage == "truncated":
        data = data[: len(data) * 2 // 3]  # the stick was pulled mid-copy
    else:
        data[len(data) // 2] ^= 0x04
    bundle.write_bytes(bytes(data))
    report = center_usb.import_center(township, copy)
    expected = "truncated" if damage == "truncated" else "damaged"  # copy again / export again
    assert report.stored == 0 and report.refused_files == [(bundle.name, expected)]
    assert _received(township) == 0 and township.session.list() == []
    assert not list(copy.glob("down-*.vab"))


def test_nothing_half_written_is_left_under_the_final_name(tmp_path: Path) -> None:
    usb.write_atomic(tmp_path / "x.vab", b"whole")
    assert (tmp_path / "x.vab").read_bytes() == b"whole"
    assert not list(tmp_path.glob("*.part"))


# ---- what sits on a stick is not always a bundle ----------------------------------------------


def _second_village(tmp_path: Path, township: Node, stick: Path) -> Session:
    """Another village's point, enrolled at the same township by file."""
    from storage.store import Store
    from tests.conftest import AGENT, PIN, TEST_KDF

    store = Store.create(tmp_path / "village-b", village_code=VILLAGE_CODE[:-3] + "202",
                         village_name="石门村", operator_name=AGENT, pin=PIN, kdf=TEST_KDF)
    other = store.login(AGENT, PIN)
    code = center_enroll.issue_code(township, other.store.info.village_code)
    enroll.accept(Node.of(other), center_enroll.redeem(township, enroll.build_request(other.store, code)), code)
    return other


@pytest.mark.parametrize("sidecar", [True, False])
def test_a_folder_named_like_a_bundle_is_refused_by_itself_and_the_real_one_is_imported(
    sidecar: bool, session: Session, township: Node, stick: Path, catalog: Catalog
) -> None:
    _two_applications(session, catalog)
    _enroll_by_file(session, township, stick)
    usb.export_village(Node.of(session), stick)
    (stick / "up-0000-20260101T000000000000.vab").mkdir()  # sorts first: read before the real one
    if sidecar:
        (stick / "up-0000-20260101T000000000000.json").write_text(
            json.dumps({"device": "0000", "cursor": 0}), encoding="utf-8")
    report = center_usb.import_center(township, stick)
    reason = "not_a_file" if sidecar else "no_sidecar"
    assert report.refused_files == [("up-0000-20260101T000000000000.vab", reason)]
    assert report.stored == 4 and len(report.files) == 1 and len(report.answers) == 1
    assert _received(township) == 4


def test_a_sidecar_naming_another_device_gets_no_answer_for_it(
    session: Session, township: Node, stick: Path, catalog: Catalog, tmp_path: Path
) -> None:
    """The messages are signed by their device and filed; the answer names B's cases: not written."""
    other = _second_village(tmp_path, township, stick)
    _two_applications(other, catalog)
    _enroll_by_file(session, township, stick)
    _two_applications(session, catalog)
    usb.export_village(Node.of(session), stick)
    (side,) = stick.glob("up-*.json")
    forged = {**json.loads(side.read_text(encoding="utf-8")), "device": other.store.info.device_id}
    side.write_text(json.dumps(forged), encoding="utf-8")
    report = center_usb.import_center(township, stick)
    assert report.stored == 4 and report.answers == []
    assert [(u[1], u[2]) for u in report.unanswered] == [(other.store.info.device_id, "bad_proof")]
    assert not list(stick.glob("down-*"))


def test_the_same_stick_imported_twice_is_answered_once_and_says_so(
    session: Session, township: Node, stick: Path, catalog: Catalog
) -> None:
    _two_applications(session, catalog)
    _enroll_by_file(session, township, stick)
    usb.export_village(Node.of(session), stick)
    assert len(center_usb.import_center(township, stick).answers) == 1
    again = center_usb.import_center(township, stick)
    assert again.already_imported == 1 and again.stored == 0 and again.answers == []
    assert [u[2] for u in again.unanswered] == [center_usb.ANSWERED_BEFORE]
    assert len(list(stick.glob("down-*.vab"))) == 1


def test_a_village_takes_only_its_own_answer_and_refuses_one_renamed_for_it_whole(
    session: Session, township: Node, stick: Path, catalog: Catalog, tmp_path: Path
) -> None:
    other = _second_village(tmp_path, township, stick)
    _two_applications(other, catalog)
    usb.export_village(Node.of(other), stick)
    _enroll_by_file(session, township, stick)
    mine = _two_applications(session, catalog)
    center_usb.import_center(township, stick)  # B's answer on the stick
    (b_answer,) = stick.glob("down-*.vab")
    # A's own export comes later, and a copy of B's answer is renamed as if it were A's.
    device = session.store.info.device_id
    fake = stick / f"down-{device}-20200101T000000000000"
    shutil.copy(b_answer, fake.with_suffix(".vab"))
    side = json.loads(b_answer.with_suffix(".json").read_text(encoding="utf-8"))
    fake.with_suffix(".json").write_text(json.dumps({**side, "device": device}), encoding="utf-8")
    before = statuses(session)
    report = usb.import_village(Node.of(session), stick)
    assert report.refused_files == [(fake.with_suffix(".vab").name, "not_for_us")]
    assert report.skipped == [b_answer.name] and report.stored == 0
    assert statuses(session) == before and set(before) == set(mine)
    assert b_answer.exists()  # B's answer is left for B


def test_service_center_import_says_what_it_did_and_exits_non_zero_on_a_refusal(
    session: Session, stick: Path, catalog: Catalog, tmp_path: Path
) -> None:
    """The real `service-center import`: a missing folder, a stick with no exports, a bad file."""
    from tests.test_clerks import TOWNSHIP_CODE, run

    home = tmp_path / "center"
    made = run("service-center", home, "init", "--level", "township", "--code", TOWNSHIP_CODE,
               "--name", "兴宁镇便民服务中心", "--operator", "李春华")
    assert made.code == 0, made.text
    missing = run("service-center", home, "import", str(tmp_path / "no" / "such"))
    assert missing.code != 0 and "文件夹不存在" in missing.text
    empty = run("service-center", home, "import", str(stick))
    assert empty.code != 0 and "没有村代办点导出的数据包" in empty.text
    (stick / "up-0000-20260101T000000000000.vab").mkdir()
    (stick / "up-0000-20260101T000000000000.json").write_text('{"device": "0000"}', encoding="utf-8")
    odd = run("service-center", home, "import", str(stick))
    assert odd.code == 1 and "拒收文件 up-0000-20260101T000000000000.vab：这不是数据包文件" in odd.text
    assert "答复已写回" not in odd.text
    as_json = run("service-center", home, "--json", "import", str(stick)).json()
    assert as_json["ok"] is False and as_json["refused_files"] == [
        ["up-0000-20260101T000000000000.vab", "not_a_file"]]
