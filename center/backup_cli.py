"""`service-center backup DEST` and `service-center restore SRC`: a clerk's copy of the store, and putting it back."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from center import backup as copies
from sync.cli import Context
from sync.i18n import t

Add = Callable[[str, Callable[[Context], int], str], argparse.ArgumentParser]


def backup(ctx: Context) -> int:
    """No PIN: the copy is the store's own ciphertext, made while `serve` goes on."""
    from center.cli import _size

    saved = copies.backup(ctx.home, ctx.args.dest, force=ctx.args.force)
    ctx.emit({"ok": True, **saved.__dict__},
             lambda: t("center.backup.done", cases=saved.cases, devices=saved.devices,
                       size=_size(saved.size), made=saved.made_at, path=saved.path))
    return 0


def restore(ctx: Context) -> int:
    done = copies.restore(ctx.home, ctx.args.source)
    kept = t("center.restore.kept", path=done.kept_as) if done.kept_as else ""
    ctx.emit({"ok": True, **done.__dict__},
             lambda: t("center.restore.done", source=done.source, made=done.backup_made_at,
                       cases=done.cases, devices=done.devices, kept=kept))
    return 0


def register(add: Add) -> None:
    p = add("backup", backup,
            "备份中心数据（服务运行中也可备份，备份文件仍加密）back up the center's store,"
            " even while it serves (the copy stays encrypted)")
    p.add_argument("dest", type=Path, help="备份文件，如 /media/usb/中心备份-2026-11-23.db the file to write")
    p.add_argument("--force", action="store_true", help="覆盖已有的备份文件 replace an existing file")
    p = add("restore", restore,
            "从备份恢复中心数据（须先停止服务；原数据文件保留备查）restore the center's store from a"
            " backup (stop serve first; the replaced file is kept)")
    p.add_argument("source", type=Path, help="备份文件 the backup file")
