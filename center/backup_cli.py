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
    kind = "center.restore.kept_pg" if done.kept_as.endswith(".dump") else "center.restore.kept"
    kept = t(kind, path=done.kept_as) if done.kept_as else ""
    ctx.emit({"ok": True, **done.__dict__},
             lambda: t("center.restore.done", source=done.source, made=done.backup_made_at,
                       cases=done.cases, devices=done.devices, kept=kept))
    return 0


def register(add: Add) -> None:
    p = add("backup", backup,
            t("center.cli.help.backup"))
    p.add_argument("dest", type=Path, help=t("center.cli.help.backup.dest"))
    p.add_argument("--force", action="store_true", help=t("center.cli.help.backup.force"))
    p = add("restore", restore,
            t("center.cli.help.restore"))
    p.add_argument("source", type=Path, help=t("center.cli.help.restore.source"))
