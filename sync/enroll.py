"""Enrollment: bind a device to its village with a township-signed certificate.

The clerk gives the agent a one-time code. Both the request and the answer
carry an HMAC under a key derived from that code (HKDF), so the township knows
the device holds the code, and the village knows the answer, and the township
keys in it, came from the clerk who gave it. Codes are stored only sealed,
expire, work once, and burn after three wrong tries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage import audit, sync_peers
from storage.errors import InvalidRequest
from storage.store import Store
from sync import signed
from sync.errors import BundleRejected
from sync.errors import EnrollmentError as EnrollmentError  # its home is sync/errors.py
from sync.keys import PublicIdentity
from sync.node import Node

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read over the phone
CODE_LENGTH = 10


def normalize_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def code_key(code: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"village-agent/v1/enroll",
                info=b"enrollment-mac").derive(normalize_code(code).encode())


def mac_of(key: bytes, body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def now() -> datetime:
    return datetime.now(timezone.utc)


# ---- township side ------------------------------------------------------------------------


# ---- village side -------------------------------------------------------------------------


def build_request(store: Store, code: str) -> dict[str, Any]:
    code = normalize_code(code)
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise EnrollmentError("sync.enroll.bad_code")
    body = {"code_id": code[:4], "village_code": store.info.village_code,
            "village_name": store.info.village_name, "device": store.device_public()}
    return {**body, "mac": mac_of(code_key(code), body)}


@dataclass(frozen=True)
class Enrolled:
    issuer: PublicIdentity  # the township for a village, the county for a township
    county: PublicIdentity | None
    serial: int


def accept(node: Node, answer: dict[str, Any], code: str, url: str = "") -> Enrolled:
    """Check the township's answer with the code and trust its keys from now on."""
    body = {k: v for k, v in answer.items() if k != "mac"}
    if not hmac.compare_digest(mac_of(code_key(code), body), str(answer.get("mac", ""))):
        raise EnrollmentError("sync.enroll.bad_mac")
    try:
        issuer = PublicIdentity.from_dict(answer["issuer"])
        issuer_role = str(answer["issuer_role"])
        county = PublicIdentity.from_dict(answer["county"]) if answer.get("county") else None
        certificate = bytes.fromhex(answer["certificate"])
    except (KeyError, TypeError, ValueError):
        raise EnrollmentError("sync.enroll.malformed") from None
    expected = {"village": "township", "township": "county"}.get(node.kind)
    if issuer_role != expected:
        raise EnrollmentError("sync.enroll.wrong_level")
    record = signed.verify(certificate, issuer)
    mine = node.identity
    if (record.body.get("device_id") != mine.device_id
            or record.body.get("sign_public") != mine.sign_public.hex()
            or record.body.get("village_code") != node.code):
        raise EnrollmentError("sync.enroll.other_device")
    database = node.session.store.database
    with database.write() as db:
        sync_peers.save_peer(db, device_id=issuer.device_id, role=issuer_role,
                            sign_public=issuer.sign_public.hex(),
                            enc_public=issuer.enc_public.hex(), url=url,
                            village_code=str(answer.get("issuer_code", "")))
        if county:
            sync_peers.save_peer(db, device_id=county.device_id, role="county",
                                sign_public=county.sign_public.hex(),
                                enc_public=county.enc_public.hex())
        sync_peers.set_meta_json(db, "certificate", certificate.hex())
        audit.append(db, node.session.operator.name, "enroll.accepted", issuer.device_id, "",
                     node.session.keys)
    _install_catalog(node, answer, county or (issuer if issuer_role == "county" else None))
    return Enrolled(issuer, county, int(record.body.get("serial", 0)))


def _install_catalog(node: Node, answer: dict[str, Any], county: PublicIdentity | None) -> None:
    """The county's current catalog, if the answer carries one: checked with the county's key."""
    if not answer.get("catalog") or county is None:
        return
    from sync.releases import PublishError, install_catalog

    try:
        raw = bytes.fromhex(str(answer["catalog"]))
        record = signed.verify(raw, county)
        if record.kind == "catalog":
            install_catalog(node.session.store.database, raw, record.body,
                            node.session.operator.name, node.session.keys)
    except (ValueError, BundleRejected, PublishError, InvalidRequest):
        pass  # enrollment stands; the catalog also comes down with the next sync
