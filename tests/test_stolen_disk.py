"""Invariant 4: a stolen village PC without a PIN yields no personal data, in any file, in any encoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.catalog import Catalog
from forms.idnumber import make
from forms.templates import template
from forms.workdays import WorkingCalendar
from storage.attachments import IncomingFile
from storage.store import Session
from tests.conftest import TODAY, VILLAGE_CODE
from village_agent import intake

PEOPLE = [
    ("欧阳秀珍", make("430481", TODAY.replace(year=1938), 7, female=True), "13974651230"),
    ("司马德旺", make("430481", TODAY.replace(year=1941), 33, female=False), "15807352468"),
    ("慕容玉兰", make("430481", TODAY.replace(year=1944), 58, female=True), "18673519876"),
]
ADDRESS = "资兴市兴宁镇石鼓村七组桂花巷29号"
ACCOUNT = "6217995550012345678"


def _encodings(secret: str) -> list[bytes]:
    return [secret.encode("utf-8"), secret.encode("utf-16-le"), secret.encode("utf-16-be")]


def _leaks(home: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in home.rglob("*"):
        if not path.is_file():
            continue
        content = path.read_bytes()
        for secret in secrets:
            if any(enc in content for enc in _encodings(secret)):
                found.append(f"{secret} in {path.name}")
    return found


def _record_people(session: Session, catalog: Catalog, calendar: WorkingCalendar) -> list[str]:
    secrets: list[str] = [ADDRESS, ACCOUNT]
    for name, id_number, phone in PEOPLE:
        data = template(catalog.item("MZ-GLJT"), village_code=VILLAGE_CODE, today=TODAY)
        data["applicant"].update(name=name, id_number=id_number, phone=phone, address=ADDRESS)
        data["fields"].update(account_holder=name, bank_account=ACCOUNT, household_address=ADDRESS)
        scan = IncomingFile("id_card", f"{name}身份证.jpg", f"扫描件 {name} {id_number}".encode())
        intake.take(session, catalog, calendar, "MZ-GLJT", data, [scan], today=TODAY)
        secrets += [name, id_number, phone, f"{name}身份证"]
    return secrets


@pytest.mark.parametrize("stage", ["store open (WAL and SHM live)", "after close and checkpoint"])
def test_no_file_under_home_holds_names_id_numbers_or_phones(
    stage: str, session: Session, home: Path, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    secrets = _record_people(session, catalog, calendar)
    assert session.find_applicant(PEOPLE[0][1]) is not None  # the data really is there, sealed
    wal = home / "village.db-wal"
    if stage.startswith("store open"):
        assert wal.exists() and wal.stat().st_size > 0
    else:
        session.store.close()
    assert _leaks(home, secrets) == []


def test_the_scan_itself_is_not_readable_on_disk(
    session: Session, home: Path, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    marker = "DOCUMENT-PLAINTEXT-MARKER-0451"
    data = template(catalog.item("MZ-GLJT"), village_code=VILLAGE_CODE, today=TODAY)
    scan = IncomingFile("id_card", "scan.jpg", marker.encode() * 100)
    intake.take(session, catalog, calendar, "MZ-GLJT", data, [scan], today=TODAY)
    assert _leaks(home, [marker]) == []
