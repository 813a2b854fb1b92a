"""Each service point has its own device identity; the private half never lies on disk in the clear."""

from __future__ import annotations

from pathlib import Path

from storage.store import Session, Store
from sync.envelope import open_message, seal
from sync.keys import DeviceKeys, PublicIdentity
from tests.conftest import AGENT, PIN


def test_a_new_store_has_device_keys_whose_public_half_needs_no_pin(store: Store) -> None:
    public = store.device_public()
    assert public["device_id"] == store.info.device_id
    identity = PublicIdentity.from_dict(public)
    assert len(identity.fingerprint()) == 39


def test_the_private_keys_sign_as_this_device_and_are_not_on_disk(session: Session, home: Path) -> None:
    sign, enc = session.device_private()
    device = DeviceKeys.from_private_bytes(session.store.info.device_id, sign, enc)
    assert device.public == PublicIdentity.from_dict(session.store.device_public())
    township = DeviceKeys.generate("township")
    raw = seal(b"hello", kind="event", sender=device, village="430481101201", seq=1, hlc="1.0",
               recipients=[township.public])
    assert open_message(raw, device.public, township)[1] == b"hello"
    session.store.close()
    for path in home.rglob("*"):
        content = path.read_bytes()
        for secret in (sign, enc, sign.hex().encode(), enc.hex().encode()):
            assert secret not in content, f"a private key is readable in {path.name}"


def test_the_identity_survives_reopening_and_another_login(store: Store, home: Path) -> None:
    before = store.device_public()
    first = store.login(AGENT, PIN).device_private()
    store.close()
    again = Store.open(home)
    assert again.device_public() == before
    assert again.login(AGENT, PIN).device_private() == first
    again.close()
