"""Encryption at rest: records bound to their row, keys wrapped under PINs, keyed lookups."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from forms.catalog import Catalog
from forms.idnumber import make
from forms.workdays import WorkingCalendar
from storage.crypto import (
    TEST_KDF,
    DecryptionFailed,
    Keys,
    WrappedKey,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from storage.errors import WrongPin
from storage.store import Session, Store
from tests.conftest import AGENT, PIN, TODAY, VILLAGE_CODE, VILLAGE_NAME
from tests.helpers import REGION, disk_bytes, raw_db, template_data
from village_agent import intake

ID_NUMBER = make(REGION, TODAY.replace(year=1940), 12, female=True)


@pytest.fixture
def keys() -> Keys:
    return Keys(new_data_key())


def test_record_opens_only_with_the_row_it_was_sealed_for(keys: Keys) -> None:
    token = keys.seal_json({"name": "张桂英"}, "event:ab12cd:7")

    assert keys.open_json(token, "event:ab12cd:7") == {"name": "张桂英"}
    for elsewhere in ("event:ab12cd:8", "event:ff00ee:7", "applicant:ab12cd:7", ""):
        with pytest.raises(DecryptionFailed):
            keys.open_json(token, elsewhere)


def test_record_does_not_open_under_another_stores_key(keys: Keys) -> None:
    token = keys.encrypt(b"13907351234", "applicant:1")
    with pytest.raises(DecryptionFailed):
        Keys(new_data_key()).decrypt(token, "applicant:1")


@pytest.mark.parametrize("damage", ["flip", "truncate", "version", "empty"])
def test_damaged_record_fails_with_one_opaque_error(keys: Keys, damage: str) -> None:
    token = bytearray(keys.encrypt(b"430481194003051240", "applicant:1"))
    if damage == "flip":
        token[-1] ^= 0x80
    elif damage == "truncate":
        del token[20:]
    elif damage == "version":
        token[0] = 0x02
    else:
        token.clear()
    with pytest.raises(DecryptionFailed):
        keys.decrypt(bytes(token), "applicant:1")


def test_same_plaintext_seals_differently_each_time(keys: Keys) -> None:
    first, second = (keys.encrypt(b"same", "x") for _ in range(2))
    assert first != second
    assert keys.decrypt(first, "x") == keys.decrypt(second, "x") == b"same"


def test_applicant_record_moved_to_another_row_fails_to_open(
    store: Store, session: Session, catalog: Catalog, calendar: WorkingCalendar
) -> None:
    first = template_data(catalog, "MZ-GLJT")
    second = template_data(catalog, "MZ-GLJT")
    second["applicant"]["id_number"] = ID_NUMBER
    for data in (first, second):
        intake.take(session, catalog, calendar, "MZ-GLJT", data, today=TODAY)
    store.close()
    with raw_db(store.home) as conn:
        [(_, a_payload), (b_id, _)] = conn.execute(
            "SELECT id, payload FROM applicants ORDER BY created_at, id"
        ).fetchall()
        conn.execute("UPDATE applicants SET payload = ? WHERE id = ?", (a_payload, b_id))

    reopened = Store.open(store.home)
    try:
        again = reopened.login(AGENT, PIN)
        ids = {first["applicant"]["id_number"], ID_NUMBER}
        opened, refused = 0, 0
        for number in ids:
            try:
                again.find_applicant(number)
                opened += 1
            except DecryptionFailed:
                refused += 1
        assert (opened, refused) == (1, 1)
        assert "applicants: a sealed record does not open (altered or moved)" in again.verify().problems
    finally:
        reopened.close()


def test_wrong_pin_does_not_unwrap_the_data_key() -> None:
    data_key = new_data_key()
    wrapped = wrap_data_key(data_key, PIN, TEST_KDF, operator=AGENT)

    assert unwrap_data_key(wrapped, PIN, operator=AGENT) == data_key
    for wrong in ("739147", "739146 ", ""):
        with pytest.raises(DecryptionFailed):
            unwrap_data_key(wrapped, wrong, operator=AGENT)


def test_wrapped_key_only_unwraps_for_its_own_operator() -> None:
    wrapped = wrap_data_key(new_data_key(), PIN, TEST_KDF, operator=AGENT)
    with pytest.raises(DecryptionFailed):
        unwrap_data_key(wrapped, PIN, operator="李建军")


def test_wrapped_key_survives_json_and_rejects_garbage() -> None:
    data_key = new_data_key()
    wrapped = wrap_data_key(data_key, PIN, TEST_KDF, operator=AGENT)
    restored = WrappedKey.from_json(wrapped.to_json())
    assert restored == wrapped
    assert unwrap_data_key(restored, PIN, operator=AGENT) == data_key
    assert data_key.hex() not in wrapped.to_json()
    for garbage in ("", "{}", '{"salt": "zz", "params": {}, "blob": ""}', "[1, 2]"):
        with pytest.raises(DecryptionFailed):
            WrappedKey.from_json(garbage)


def test_copying_another_operators_wrapped_key_does_not_let_their_pin_in(
    store: Store, session: Session
) -> None:
    session.add_operator("李建军", "grid_worker", "582047")
    store.close()
    with raw_db(store.home) as conn:
        conn.execute(
            "UPDATE operators SET wrapped_key = (SELECT wrapped_key FROM operators WHERE name = ?)"
            " WHERE name = ?", ("李建军", AGENT),
        )
    reopened = Store.open(store.home)
    try:
        with pytest.raises(WrongPin):
            reopened.login(AGENT, "582047")
    finally:
        reopened.close()


def test_pin_and_data_key_are_nowhere_on_disk(store: Store, session: Session) -> None:
    data_key = session.keys.data_key
    blob = disk_bytes(store.home)
    for secret in (PIN.encode(), data_key, data_key.hex().encode()):
        assert secret not in blob


def test_keys_repr_does_not_leak(session: Session) -> None:
    keys = session.keys
    data_key = keys.data_key
    for text in (repr(keys), str(keys), f"{keys!r}", repr(session), str([keys])):
        assert data_key.hex() not in text
        assert repr(data_key) not in text
        assert PIN not in text
    assert repr(keys) == "Keys(<redacted>)"


def test_keys_refuse_a_key_of_the_wrong_length() -> None:
    for size in (0, 16, 31, 33, 64):
        with pytest.raises(ValueError):
            Keys(b"\x00" * size)


def test_blind_index_is_deterministic_for_one_store(store: Store, session: Session) -> None:
    later = store.login(AGENT, PIN).keys  # a second login unwraps the same key

    assert session.keys.blind_index("id_number", ID_NUMBER) == later.blind_index(
        "id_number", ID_NUMBER
    )
    assert session.keys.blind_index("id_number", ID_NUMBER) != session.keys.blind_index(
        "phone", ID_NUMBER
    )
    other = make(REGION, TODAY.replace(year=1941), 12, female=True)
    assert session.keys.blind_index("id_number", ID_NUMBER) != session.keys.blind_index(
        "id_number", other
    )


def test_blind_index_differs_between_stores(session: Session, tmp_path: Path) -> None:
    neighbour = Store.create(
        tmp_path / "neighbour", village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
        operator_name=AGENT, pin=PIN, kdf=TEST_KDF,
    )
    try:
        theirs = neighbour.login(AGENT, PIN).keys
        assert theirs.blind_index("id_number", ID_NUMBER) != session.keys.blind_index(
            "id_number", ID_NUMBER
        )
    finally:
        neighbour.close()


def test_blind_index_and_scan_address_are_not_plain_hashes(keys: Keys) -> None:
    # An unkeyed hash of an ID number can be brute-forced: there are only ~10^10 of them.
    plain = {hashlib.sha256(v).hexdigest() for v in
             (ID_NUMBER.encode(), f"id_number:{ID_NUMBER}".encode())}
    assert keys.blind_index("id_number", ID_NUMBER) not in plain
    assert keys.attachment_address(b"scan") != hashlib.sha256(b"scan").hexdigest()
    assert keys.attachment_address(b"scan") == keys.attachment_address(b"scan")
    assert Keys(new_data_key()).attachment_address(b"scan") != keys.attachment_address(b"scan")


def test_store_keeps_the_kdf_cost_it_was_created_with(store: Store) -> None:
    assert store.kdf == TEST_KDF
