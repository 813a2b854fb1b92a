"""The recovery code: the data key wrapped a second way, so a forgotten PIN does not lose the store.

At set-up a code of 28 digits (27 drawn with `secrets`, about 90 bits, and a Damm check
digit) is shown once, in 7 groups of 4 to read aloud, and kept by the township on paper.
The store keeps only the data key wrapped under it, with the same Argon2id and AES-GCM as
a PIN's wrap (storage/crypto.py): no hash of the code, so guessing it offline costs one
Argon2id derivation per guess of a 90-bit secret. With it, `recover` sets a new PIN for
an operator; a wrong code counts as a failed try of that operator, like a wrong PIN.
"""

from __future__ import annotations

import secrets
import time

import sqlite_utils

from storage import audit, operators
from storage.crypto import (
    DecryptionFailed,
    KdfParams,
    Keys,
    WrappedKey,
    unwrap_recovery,
    wrap_data_key,
    wrap_for_recovery,
)
from storage.db import Database
from storage.errors import InvalidRequest, WrongRecoveryCode
from storage.operators import Operator

DIGITS = 28
GROUP = 4
# Damm's quasigroup of order 10: a check digit that catches every single wrong digit and
# every swap of two neighbours, the mistakes of reading a code aloud or copying it.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2), (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9), (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8), (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4), (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5), (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm(digits: str) -> int:
    """Damm's interim digit: 0 for a string of digits that ends in its right check digit."""
    interim = 0
    for c in digits:
        interim = _DAMM[interim][int(c)]
    return interim


def new_code() -> str:
    """A fresh code, as digits only (see `grouped` for showing it)."""
    body = "".join(str(secrets.randbelow(10)) for _ in range(DIGITS - 1))
    return body + str(damm(body))


def grouped(digits: str) -> str:
    """`1234 5678 ...`: groups of four, to read aloud and copy."""
    return " ".join(digits[i:i + GROUP] for i in range(0, len(digits), GROUP))


def normalize(text: str) -> str:
    """The code's digits, however it was typed (spaces, dashes, full-width digits).

    A code of the wrong length or with a wrong check digit is a slip of the pen, not a guess:
    it is refused here and counts as no try.
    """
    digits = []
    for c in text:
        if c.isdecimal():
            digits.append(str(int(c)))
        elif not (c.isspace() or c in "-－_·."):
            raise InvalidRequest("storage.recovery.not_digits")
    code = "".join(digits)
    if len(code) != DIGITS:
        raise InvalidRequest("storage.recovery.length", digits=DIGITS, n=len(code))
    if damm(code) != 0:
        raise InvalidRequest("storage.recovery.mistyped")
    return code


def has_code(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM recovery_wrap WHERE id = 1").fetchone() is not None


def wrap(keys: Keys, code: str, kdf: KdfParams) -> WrappedKey:
    """The data key under `code` (slow on purpose: call outside the write lock)."""
    return wrap_for_recovery(keys.data_key, normalize(code), kdf)


def save(db: sqlite_utils.Database, keys: Keys, wrapped: WrappedKey, *, by: str, at: str) -> None:
    """Keep the wrap, replacing any earlier one (whose code then opens nothing), audited."""
    action = "recovery.replaced" if has_code(db) else "recovery.created"
    db.execute("INSERT INTO recovery_wrap (id, wrapped_key, created_at, created_by)"
               " VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET wrapped_key = excluded.wrapped_key, created_at = excluded.created_at, created_by = excluded.created_by", (wrapped.to_json(), at, by))
    audit.append(db, by, action, "", "", keys)


def recover(
    database: Database, name: str, code: str, new_pin: str, kdf: KdfParams,
    *, now: float | None = None,
) -> Operator:
    """Set a new PIN for `name` with the recovery code: one write transaction, all or nothing.

    Checked as a login is (operators.unlock): the operator must exist, be active and not
    locked out; a wrong code adds one to their failed tries, committed before it is said.
    The new PIN is checked before anything, and a malformed code counts as no try.
    """
    digits = normalize(code)
    operators.check_pin_strength(new_pin)
    now = time.time() if now is None else now
    with database.write() as db:
        row, operator = operators.may_try(db, name, now)
        found = db.execute("SELECT wrapped_key FROM recovery_wrap WHERE id = 1").fetchone()
        if found is None:
            raise InvalidRequest("storage.recovery.none")
        try:
            data_key: bytes | None = unwrap_recovery(WrappedKey.from_json(str(found[0])), digits)
        except DecryptionFailed:
            data_key = None
        if data_key is None:
            attempt, lock = operators.count_failure(db, row, now, "operator.recovery_failed")
        else:
            keys = Keys(data_key)
            wrapped = wrap_data_key(data_key, new_pin, kdf, operator=name)
            db.execute("UPDATE operators SET wrapped_key = ?, failed_attempts = 0, locked_until = 0"
                       " WHERE name = ?", (wrapped.to_json(), name))
            audit.append(db, name, "operator.recovered", name, "", keys)
    if data_key is None:  # raised after the commit, so the failed try stays counted
        raise WrongRecoveryCode(max(operators.MAX_TRIES - attempt, 0), lock)
    return operator
