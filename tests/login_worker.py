"""Logs in once with a PIN, saying where it is, then waits to be killed.

Run by tests/test_login_crash.py, which SIGKILLs it in the middle of the PIN check or just
after the answer. The KDF is the store's own (the test makes the store with the real
Argon2id cost); this process only watches it: `DERIVING` is printed as the derivation
starts and `DERIVED` when it returns, so the test kills on an event and can tell whether
the kill landed inside the check.

Lines: `READY` (store open, waiting for `GO` on stdin), `DERIVING`, `DERIVED`, then one of
`OK`, `WRONG <tries left>`, `LOCKED`, `ERR <class>`; then it waits on stdin until killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from storage.crypto import KdfParams
from storage.errors import LockedOut, StorageError, WrongPin
from storage.store import Store

_real_derive = KdfParams.derive


def _watched_derive(self: KdfParams, pin: str, salt: bytes) -> bytes:
    print("DERIVING", flush=True)
    key = _real_derive(self, pin, salt)
    print("DERIVED", flush=True)
    return key


def main(home: str, operator: str, pin: str) -> None:
    KdfParams.derive = _watched_derive  # type: ignore[method-assign]
    store = Store.open(Path(home))
    print("READY", flush=True)
    if sys.stdin.readline().strip() != "GO":
        return
    try:
        store.login(operator, pin)
        print("OK", flush=True)
    except WrongPin as exc:
        print(f"WRONG {exc.tries_left}", flush=True)
    except LockedOut:
        print("LOCKED", flush=True)
    except StorageError as exc:
        print(f"ERR {type(exc).__name__}", flush=True)
    sys.stdin.readline()  # the answer is out; the test kills us here


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
