"""Sneakernet: a village that has never been online enrolls, sends and hears back by USB stick."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from forms.catalog import Catalog
from storage import syncstate
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
    code = enroll.issue_code(township, VILLAGE_CODE)
    request = enroll.build_request(session.store, code)
    (stick / "enroll.json").write_text(json.dumps(request), encoding="utf-8")
    answer = enroll.redeem(township, json.loads((stick / "enroll.json").read_text(encoding="utf-8")))
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

    first = usb.import_center(township, stick)
    assert (first.stored, first.duplicates, first.already_imported, first.refused) == (4, 0, 0, [])
    second = usb.import_center(township, stick)
    assert (second.stored, second.duplicates, second.already_imported) == (0, 4, 1)
    assert _received(township) == 4 and len(township.session.list()) == 2

    back = usb.import_village(village, stick)
    assert back.refused == [] and back.applied == 2
    assert {statuses(session)[a] for a in apps} == {"received"}
    assert syncstate.outbox_rows(session.store.database) == []  # township items: acked end to end


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
    usb.import_center(township, stick, lambda *call: ingest.append(call))
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
    report = usb.import_center(township, copy)
    assert report.stored == 0 and len(report.refused) == 1 and "truncated" in report.refused[0]
    assert _received(township) == 0 and township.session.list() == []
    assert not list(copy.glob("down-*.vab"))


def test_nothing_half_written_is_left_under_the_final_name(tmp_path: Path) -> None:
    usb.write_atomic(tmp_path / "x.vab", b"whole")
    assert (tmp_path / "x.vab").read_bytes() == b"whole"
    assert not list(tmp_path.glob("*.part"))
