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
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage import audit, catalogs, syncstate
from storage.errors import InvalidRequest
from storage.store import Store
from sync import signed
from sync.errors import BundleRejected, SyncError
from sync.keys import PublicIdentity
from sync.node import Node

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read over the phone
CODE_LENGTH = 10
MAX_TRIES = 3


class EnrollmentError(SyncError):
    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


def normalize_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def _code_key(code: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"village-agent/v1/enroll",
                info=b"enrollment-mac").derive(normalize_code(code).encode())


def _mac(key: bytes, body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---- township side ------------------------------------------------------------------------


ENROLLS = {"township": ("village", 12, "村级区划代码应为12位"),
           "county": ("township", 9, "乡镇区划代码应为9位")}


def issue_code(node: Node, village_code: str, *, hours: int = 72) -> str:
    """A one-time code for a village (from its township) or a township (from its county): XXXX-XXXX-XX."""
    if node.kind not in ENROLLS:
        raise EnrollmentError("only centers enroll", "只有乡镇或县级中心可以生成登记码")
    _, length, what = ENROLLS[node.kind]
    village_code = village_code.strip()
    if not (village_code.isdigit() and len(village_code) == length
            and village_code.startswith(node.code)):
        raise EnrollmentError(
            "code not under this center",
            f"{what}，且以本中心代码{node.code}开头",
        )
    database = node.session.store.database
    with database.write() as db:
        while True:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            if not db.execute("SELECT 1 FROM enrollment_codes WHERE code_id = ?",
                              [code[:4]]).fetchone():
                break
        sealed = node.session.keys.encrypt(_code_key(code), f"enroll:{code[:4]}")
        db.execute(
            "INSERT INTO enrollment_codes (code_id, code_hash, village_code, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (code[:4], sealed.hex(), village_code, _now().isoformat(timespec="seconds"),
             (_now() + timedelta(hours=hours)).isoformat(timespec="seconds")),
        )
        audit.append(db, node.session.operator.name, "enroll.code_issued", village_code, "",
                     node.session.keys)
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def redeem(node: Node, request: dict[str, Any]) -> dict[str, Any]:
    """Check an enrollment request; on success record the device and answer with its certificate."""
    try:
        code_id = str(request["code_id"])
        village_code = str(request["village_code"])
        device = PublicIdentity.from_dict(request["device"])
        mac = str(request["mac"])
    except (KeyError, TypeError, ValueError):
        raise EnrollmentError("malformed request", "登记请求格式不正确") from None
    database = node.session.store.database
    refused: EnrollmentError | None = None
    with database.write() as db:
        row = db.execute(
            "SELECT code_hash, village_code, expires_at, used_by FROM enrollment_codes"
            " WHERE code_id = ?", [code_id]).fetchone()
        if row is None:
            raise EnrollmentError("unknown code", "登记码不存在，请核对或向乡镇重新申请")
        failures = db.execute("SELECT count(*) FROM alarms WHERE kind = 'enroll_failed'"
                              " AND sender = ?", [code_id]).fetchone()[0]
        if row[3] is not None or failures >= MAX_TRIES:
            raise EnrollmentError("code used", "该登记码已使用或已作废，请向乡镇重新申请")
        if datetime.fromisoformat(row[2]) < _now():
            raise EnrollmentError("code expired", "登记码已过期，请向乡镇重新申请")
        key = node.session.keys.decrypt(bytes.fromhex(row[0]), f"enroll:{code_id}")
        body = {k: v for k, v in request.items() if k != "mac"}
        role = ENROLLS[node.kind][0]
        known = db.execute("SELECT role, sign_public, enc_public FROM peers WHERE device_id = ?",
                           [device.device_id]).fetchone()
        if not hmac.compare_digest(_mac(key, body), mac) or village_code != row[1]:
            # Kept (committed below, not rolled back with the refusal): three of these burn the code.
            syncstate.alarm(db, "enroll_failed", code_id, None, f"village {village_code}")
            refused = EnrollmentError("code does not match", "登记码与村级区划代码不符，请核对")
        elif known is not None and tuple(known) != (role, device.sign_public.hex(),
                                                    device.enc_public.hex()):
            # A code enrolls a new device (or the same one again); it never replaces another
            # peer's keys or role, so nobody can take over a device's, or the county's, identity.
            syncstate.alarm(db, "enroll_conflict", code_id, None,
                            f"device {device.device_id} is already enrolled with other keys")
            refused = EnrollmentError(
                "device id already enrolled with other keys",
                "该设备编号已登记为另一台设备，未登记。请在本机重新初始化后再登记，或联系乡镇技术人员")
        else:
            serial = db.execute("SELECT count(*) FROM peers WHERE role = ?", [role]).fetchone()[0] + 1
            certificate = signed.sign("certificate", {
                "device_id": device.device_id, "village_code": village_code, "role": role,
                "sign_public": device.sign_public.hex(), "enc_public": device.enc_public.hex(),
                "serial": serial, "issued_at": _now().isoformat(timespec="seconds"),
                "issuer": node.keys.device_id,
            }, node.keys)
            syncstate.save_peer(db, device_id=device.device_id, role=role,
                                village_code=village_code, sign_public=device.sign_public.hex(),
                                enc_public=device.enc_public.hex(), certificate=certificate.hex())
            db.execute("UPDATE enrollment_codes SET used_by = ?, used_at = ? WHERE code_id = ?",
                       (device.device_id, _now().isoformat(timespec="seconds"), code_id))
            audit.append(db, node.session.operator.name, "enroll.device", device.device_id,
                         village_code, node.session.keys)
    if refused is not None:
        raise refused
    county = node.upstream("county") if node.kind == "township" else None
    answer: dict[str, Any] = {
        "certificate": certificate.hex(),
        "issuer": node.identity.as_dict(),
        "issuer_role": node.kind,
        "issuer_code": node.code,
        "county": county.as_dict() if county else None,
    }
    release = catalogs.latest_record(database)
    if release is not None:  # the county's current catalog, signed by the county, passed on unchanged
        answer["catalog"] = release.hex()
    answer["mac"] = _mac(key, answer)
    return answer


# ---- village side -------------------------------------------------------------------------


def build_request(store: Store, code: str) -> dict[str, Any]:
    code = normalize_code(code)
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise EnrollmentError("malformed code", "登记码应为10位字母数字（如 K7Q2-XA4M-PD），请核对")
    body = {"code_id": code[:4], "village_code": store.info.village_code,
            "village_name": store.info.village_name, "device": store.device_public()}
    return {**body, "mac": _mac(_code_key(code), body)}


@dataclass(frozen=True)
class Enrolled:
    issuer: PublicIdentity  # the township for a village, the county for a township
    county: PublicIdentity | None
    serial: int


def accept(node: Node, answer: dict[str, Any], code: str, url: str = "") -> Enrolled:
    """Check the township's answer with the code and trust its keys from now on."""
    body = {k: v for k, v in answer.items() if k != "mac"}
    if not hmac.compare_digest(_mac(_code_key(code), body), str(answer.get("mac", ""))):
        raise EnrollmentError("answer does not carry the code's MAC",
                              "乡镇的答复无法用登记码验证（可能连到了错误的服务器），未登记")
    try:
        issuer = PublicIdentity.from_dict(answer["issuer"])
        issuer_role = str(answer["issuer_role"])
        county = PublicIdentity.from_dict(answer["county"]) if answer.get("county") else None
        certificate = bytes.fromhex(answer["certificate"])
    except (KeyError, TypeError, ValueError):
        raise EnrollmentError("malformed answer", "乡镇的答复格式不正确") from None
    expected = {"village": "township", "township": "county"}.get(node.kind)
    if issuer_role != expected:
        raise EnrollmentError(f"a {node.kind} enrolls at a {expected}, not a {issuer_role}",
                              "登记的上级中心类型不对（村代办点登记到乡镇，乡镇登记到县）")
    record = signed.verify(certificate, issuer)
    mine = node.identity
    if (record.body.get("device_id") != mine.device_id
            or record.body.get("sign_public") != mine.sign_public.hex()
            or record.body.get("village_code") != node.code):
        raise EnrollmentError("certificate is for another device", "证书与本设备不符，未登记")
    database = node.session.store.database
    with database.write() as db:
        syncstate.save_peer(db, device_id=issuer.device_id, role=issuer_role,
                            sign_public=issuer.sign_public.hex(),
                            enc_public=issuer.enc_public.hex(), url=url,
                            village_code=str(answer.get("issuer_code", "")))
        if county:
            syncstate.save_peer(db, device_id=county.device_id, role="county",
                                sign_public=county.sign_public.hex(),
                                enc_public=county.enc_public.hex())
        syncstate.set_meta_json(db, "certificate", certificate.hex())
        audit.append(db, node.session.operator.name, "enroll.accepted", issuer.device_id, "",
                     node.session.keys)
    _install_catalog(node, answer, county or (issuer if issuer_role == "county" else None))
    return Enrolled(issuer, county, int(record.body.get("serial", 0)))


def _install_catalog(node: Node, answer: dict[str, Any], county: PublicIdentity | None) -> None:
    """The county's current catalog, if the answer carries one: checked with the county's key."""
    if not answer.get("catalog") or county is None:
        return
    from sync.publish import PublishError, install_catalog

    try:
        raw = bytes.fromhex(str(answer["catalog"]))
        record = signed.verify(raw, county)
        if record.kind == "catalog":
            install_catalog(node.session.store.database, raw, record.body,
                            node.session.operator.name, node.session.keys)
    except (ValueError, BundleRejected, PublishError, InvalidRequest):
        pass  # enrollment stands; the catalog also comes down with the next sync
