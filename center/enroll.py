"""The center's half of enrollment: issuing a one-time code and redeeming a village's request.

The code's MAC, the request and the village's acceptance are in sync/enroll.py, which both sides share.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from center import error_texts as error_texts  # the center's errors join the catalogue
from storage import audit, catalogs, sync_alarms, sync_peers
from storage.messages import both
from sync import signed
from sync.enroll import ALPHABET, CODE_LENGTH, EnrollmentError, code_key, mac_of, now
from sync.keys import PublicIdentity
from sync.node import Node

MAX_TRIES = 3


ENROLLS = {"township": ("village", 12, "center.enroll.village_code"),
           "county": ("township", 9, "center.enroll.township_code")}


def issue_code(node: Node, village_code: str, *, hours: int = 72) -> str:
    """A one-time code for a village (from its township) or a township (from its county): XXXX-XXXX-XX."""
    if node.kind not in ENROLLS:
        raise EnrollmentError("center.enroll.centers_only")
    _, length, what = ENROLLS[node.kind]
    village_code = village_code.strip()
    if not (village_code.isdigit() and len(village_code) == length
            and village_code.startswith(node.code)):
        raise EnrollmentError("center.enroll.not_under", what=both(what), code=node.code)
    database = node.session.store.database
    with database.write() as db:
        while True:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            if not db.execute("SELECT 1 FROM enrollment_codes WHERE code_id = ?",
                              [code[:4]]).fetchone():
                break
        sealed = node.session.keys.encrypt(code_key(code), f"enroll:{code[:4]}")
        db.execute(
            "INSERT INTO enrollment_codes (code_id, code_hash, village_code, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (code[:4], sealed.hex(), village_code, now().isoformat(timespec="seconds"),
             (now() + timedelta(hours=hours)).isoformat(timespec="seconds")),
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
        raise EnrollmentError("center.enroll.malformed") from None
    database = node.session.store.database
    refused: EnrollmentError | None = None
    with database.write() as db:
        row = db.execute(
            "SELECT code_hash, village_code, expires_at, used_by FROM enrollment_codes"
            " WHERE code_id = ?", [code_id]).fetchone()
        if row is None:
            raise EnrollmentError("center.enroll.unknown_code")
        failures = db.execute("SELECT count(*) FROM alarms WHERE kind = 'enroll_failed'"
                              " AND sender = ?", [code_id]).fetchone()[0]
        if row[3] is not None or failures >= MAX_TRIES:
            raise EnrollmentError("center.enroll.code_used")
        if datetime.fromisoformat(row[2]) < now():
            raise EnrollmentError("center.enroll.code_expired")
        key = node.session.keys.decrypt(bytes.fromhex(row[0]), f"enroll:{code_id}")
        body = {k: v for k, v in request.items() if k != "mac"}
        role = ENROLLS[node.kind][0]
        known = db.execute("SELECT role, sign_public, enc_public FROM peers WHERE device_id = ?",
                           [device.device_id]).fetchone()
        if not hmac.compare_digest(mac_of(key, body), mac) or village_code != row[1]:
            # Kept (committed below, not rolled back with the refusal): three of these burn the code.
            sync_alarms.alarm(db, "enroll_failed", code_id, None, f"village {village_code}")
            refused = EnrollmentError("center.enroll.mismatch")
        elif known is not None and tuple(known) != (role, device.sign_public.hex(),
                                                    device.enc_public.hex()):
            # A code enrolls a new device (or the same one again); it never replaces another
            # peer's keys or role, so nobody can take over a device's, or the county's, identity.
            sync_alarms.alarm(db, "enroll_conflict", code_id, None,
                            f"device {device.device_id} is already enrolled with other keys")
            refused = EnrollmentError("center.enroll.device_taken")
        else:
            serial = db.execute("SELECT count(*) FROM peers WHERE role = ?", [role]).fetchone()[0] + 1
            certificate = signed.sign("certificate", {
                "device_id": device.device_id, "village_code": village_code, "role": role,
                "sign_public": device.sign_public.hex(), "enc_public": device.enc_public.hex(),
                "serial": serial, "issued_at": now().isoformat(timespec="seconds"),
                "issuer": node.keys.device_id,
            }, node.keys)
            sync_peers.save_peer(db, device_id=device.device_id, role=role,
                                village_code=village_code, sign_public=device.sign_public.hex(),
                                enc_public=device.enc_public.hex(), certificate=certificate.hex())
            db.execute("UPDATE enrollment_codes SET used_by = ?, used_at = ? WHERE code_id = ?",
                       (device.device_id, now().isoformat(timespec="seconds"), code_id))
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
    answer["mac"] = mac_of(key, answer)
    return answer
