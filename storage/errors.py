"""Errors raised by the store. Each carries a catalogue key and its values, said in either language.

Said                     an error that says itself: `key` into the catalogue, `params`, `text(lang)`
 └── StorageError
      ├── StoreMissing        no store in this home directory yet (run init)
      ├── StoreExists         init on a home that already has a store
      ├── StoreCorrupt        the file is not a store of ours, or is damaged
      ├── StoreBusy           another program holds the file's lock; nothing is wrong with it, try again
      ├── StoreFull           the disk is full; nothing was written
      ├── DecryptionFailed    a sealed record or wrapped key does not open (deliberately opaque)
      ├── AuthError
      │    ├── UnknownOperator
      │    ├── OperatorDisabled
      │    ├── WrongPin        carries tries_left
      │    ├── WrongRecoveryCode  a well-formed recovery code that does not open the key (counted)
      │    └── LockedOut       carries seconds left
      ├── NotPermitted        the operator's role may not do this
      ├── NotFound            no such application
      ├── InvalidRequest      bad input that is not a form problem (duplicate operator, bad file)
      │    └── WeakPin         a new PIN too easy to guess
      └── IntegrityError      verify found tampering or damage (used by reports, not raised on open)

The sync errors (sync/errors.py) are `Said` too. `str(exc)` is the English message, for logs;
what a person reads comes from `describe(exc, lang)` (sync/i18n.py), or `exc.text(lang)`.
"""

from __future__ import annotations

from forms.messages import Text
from storage.messages import both, known, say

TEXTS = "storage.error.text"  # an error whose two texts were made elsewhere (a FieldError carries both)


class Said(Exception):
    """An error that carries a catalogue key and its values, not text: `text(lang)` says it.

    `Said(key, **params)`, and nothing else: every error of the product raises a key
    (tests/test_no_inline_chinese.py, tests/test_error_messages.py). A key the catalogue does
    not hold (a bug) says the class's own message, never a traceback.
    """

    key = "storage.error"

    def __init__(self, key: str = "", /, **params: object) -> None:
        super().__init__(key or type(self).key)
        self.key = key or type(self).key
        self.params: dict[str, object] = params

    def text(self, lang: str) -> str:
        """The message in `lang` ("zh" or "en")."""
        if not known(self.key):
            return say(lang, type(self).key)
        return say(lang, self.key, **self.params)

    @property
    def zh(self) -> str:
        return self.text("zh")

    @property
    def en(self) -> str:
        return self.text("en")

    def __str__(self) -> str:
        return self.text("en")


class StorageError(Said):
    key = "storage.error"


class StoreMissing(StorageError):
    pass


class StoreExists(StorageError):
    pass


class StoreCorrupt(StorageError):
    pass


class StoreBusy(StorageError):
    pass


class StoreFull(StorageError):
    pass


class DecryptionFailed(StorageError):
    """The ciphertext is damaged, belongs elsewhere, or the key is wrong. Deliberately opaque:
    `detail` is for the code that raised it, the message the same for every failure."""

    key = "storage.sealed"

    def __init__(self, detail: str = "") -> None:
        super().__init__("storage.sealed")
        self.detail = detail


class AuthError(StorageError):
    pass


class UnknownOperator(AuthError):
    pass


class OperatorDisabled(AuthError):
    pass


class WrongPin(AuthError):
    def __init__(self, tries_left: int, lock_seconds: int = 0) -> None:
        if lock_seconds:
            super().__init__("storage.pin.wrong_locked", duration=duration(lock_seconds))
        else:
            super().__init__("storage.pin.wrong", tries=tries_left)
        self.tries_left = tries_left
        self.lock_seconds = lock_seconds


class WrongRecoveryCode(AuthError):
    def __init__(self, tries_left: int, lock_seconds: int = 0) -> None:
        if lock_seconds:
            super().__init__("storage.recovery.wrong_locked", duration=duration(lock_seconds))
        else:
            super().__init__("storage.recovery.wrong", tries=tries_left)
        self.tries_left = tries_left
        self.lock_seconds = lock_seconds


class LockedOut(AuthError):
    def __init__(self, seconds: int) -> None:
        super().__init__("storage.pin.locked_out", duration=duration(seconds))
        self.seconds = seconds


class NotPermitted(StorageError):
    pass


class NotFound(StorageError):
    pass


class InvalidRequest(StorageError):
    pass


class WeakPin(InvalidRequest):
    pass


class IntegrityError(StorageError):
    pass


def duration(seconds: int) -> Text:
    """A wait as people say it: seconds under a minute, else whole minutes rounded up."""
    if seconds < 60:
        return both("storage.duration.seconds", n=seconds)
    return both("storage.duration.minutes", n=(seconds + 59) // 60)
