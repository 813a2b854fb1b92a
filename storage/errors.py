"""Errors raised by the store. Each carries a Chinese message for the agent (`zh`) and English text.

StorageError
 ├── StoreMissing        no store in this home directory yet (run init)
 ├── StoreExists         init on a home that already has a store
 ├── StoreCorrupt        the file is not a store of ours, or is damaged
 ├── StoreBusy           another program holds the file's lock; nothing is wrong with it, try again
 ├── StoreFull           the disk is full; nothing was written
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
"""

from __future__ import annotations


class StorageError(Exception):
    zh = "数据存储出错"

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        if zh is not None:
            self.zh = zh


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


class AuthError(StorageError):
    pass


class UnknownOperator(AuthError):
    pass


class OperatorDisabled(AuthError):
    pass


class WrongPin(AuthError):
    def __init__(self, tries_left: int, lock_seconds: int = 0) -> None:
        if lock_seconds:
            zh = f"PIN码错误。错误次数过多，已锁定{_duration_zh(lock_seconds)}，请稍后再试"
        else:
            zh = f"PIN码错误，还可尝试{tries_left}次"
        super().__init__(f"wrong PIN ({tries_left} tries left)", zh)
        self.tries_left = tries_left
        self.lock_seconds = lock_seconds


class WrongRecoveryCode(AuthError):
    def __init__(self, tries_left: int, lock_seconds: int = 0) -> None:
        if lock_seconds:
            zh = f"恢复码不对。错误次数过多，已锁定{_duration_zh(lock_seconds)}，请稍后再试"
        else:
            zh = f"恢复码不对，没有做任何更改。请向乡镇核对恢复码，还可尝试{tries_left}次"
        super().__init__(f"wrong recovery code ({tries_left} tries left)", zh)
        self.tries_left = tries_left
        self.lock_seconds = lock_seconds


class LockedOut(AuthError):
    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"locked out for {seconds} more seconds",
            f"PIN码错误次数过多，账号已锁定，请{_duration_zh(seconds)}后再试",
        )
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


def _duration_zh(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}秒"
    minutes = (seconds + 59) // 60
    return f"{minutes}分钟"
