"""What both command lines share (`village-agent` and `service-center`): the Context every
command gets, parsing and turning every known error into a clear message and exit code, opening
the store of this program's kind and logging in, and the commands both programs have (operators,
verify). It sits in sync/ because that is the lowest layer both programs import, and the center
must never import the village app.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sqlite3
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.errors import AuthError, InvalidRequest, StorageError
from storage.messages import both, listed
from sync.i18n import describe, issue_text, t, use_preference

if TYPE_CHECKING:
    from forms.errors import ValidationFailed
    from storage.store import Session, Store

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_AUTH, EXIT_VERIFY, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70


class Context:
    """What every command gets: where the store is, how to print, how to ask for a PIN."""

    def __init__(self, args: argparse.Namespace, *, center: bool = False,
                 after_login: Callable[[Session], None] | None = None) -> None:
        self.args = args
        # Which program this is (`service-center` or `village-agent`): each refuses the other's home.
        self.center = center
        # The village files what an unattended sync or a stick brought before anyone looks.
        self.after_login = after_login
        self.home = Path(args.home or os.environ.get("VILLAGE_AGENT_HOME") or default_home())
        self.json = bool(getattr(args, "json", False))
        use_preference(self.home)  # the language last chosen in the app on this PC

    def out(self, text: str = "") -> None:
        print(text)

    def emit(self, data: Any, text: Callable[[], str]) -> None:
        if self.json:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            self.out(text())

    def pin(self, operator: str) -> str:
        value = os.environ.get("VILLAGE_AGENT_PIN")
        if value:
            return value
        if not sys.stdin.isatty():
            raise InvalidRequest("pin.no_tty", var="VILLAGE_AGENT_PIN")
        return getpass.getpass(t("pin.prompt", operator=operator))

    def new_pin(self, operator: str, env: str = "VILLAGE_AGENT_NEW_PIN") -> str:
        value = os.environ.get(env)
        if value:
            return value
        if not sys.stdin.isatty():
            raise InvalidRequest("pin.no_tty", var=env)
        first = getpass.getpass(t("pin.new", operator=operator))
        if getpass.getpass(t("pin.repeat")) != first:
            raise InvalidRequest("pin.mismatch")
        return first


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "village-agent"


def dispatch(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    *,
    default: Callable[[Context], int] | None = None,
    center: bool = False,
    after_login: Callable[[Session], None] | None = None,
) -> int:
    """Parse, run the command, and turn every known error into a clear message and exit code."""
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        if default is None:
            parser.print_help()
            return EXIT_USAGE
        return default(Context(args, center=center, after_login=after_login))
    ctx = Context(args, center=center, after_login=after_login)
    # The errors a command may end in; imported here, not at the top, for the app's sake.
    from forms.errors import CatalogError, FormsError, UnknownItemError, ValidationFailed
    from storage.errors import DecryptionFailed
    from sync.errors import SyncError

    try:
        return int(args.fn(ctx))
    except ValidationFailed as exc:
        return _report_issues(ctx, exc)
    except UnknownItemError as exc:
        return _fail(ctx, describe(exc), "unknown_item", EXIT_INVALID)
    except CatalogError as exc:
        return _fail(ctx, describe(exc), "catalog", EXIT_INVALID)
    except DecryptionFailed as exc:  # a StorageError too: named apart for scripts
        return _fail(ctx, describe(exc), "sealed_record", EXIT_INVALID)
    except AuthError as exc:
        return _fail(ctx, describe(exc), type(exc).__name__, EXIT_AUTH)
    except (StorageError, FormsError, SyncError) as exc:
        return _fail(ctx, describe(exc), type(exc).__name__, EXIT_INVALID)
    except sqlite3.DatabaseError as exc:
        # Damage found mid-command (a torn copy, a bad sector): say so, never a traceback.
        return _fail(ctx, describe(exc), "corrupt", EXIT_INVALID)
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a message.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt as exc:
        return _fail(ctx, describe(exc), "interrupted", EXIT_INVALID)
    except Exception as exc:  # the last line of defence: never a traceback at the window
        if os.environ.get("VILLAGE_AGENT_DEBUG"):
            traceback.print_exc()
        return _fail(ctx, t("error.internal", kind=type(exc).__name__), "internal", EXIT_INTERNAL)


def _fail(ctx: Context, message: str, kind: str, code: int) -> int:
    if ctx.json:
        print(json.dumps({"ok": False, "error": kind, "message": message}, ensure_ascii=False))
    else:
        print(message, file=sys.stderr)
    return code


def _report_issues(ctx: Context, exc: ValidationFailed) -> int:
    if ctx.json:
        print(json.dumps({
            "ok": False, "error": "invalid", "message": t("apply.invalid", n=len(exc.issues)),
            "issues": [{**i.as_dict(), "message": issue_text(i)} for i in exc.issues],
        }, ensure_ascii=False, indent=2))
    else:
        print(t("apply.invalid", n=len(exc.issues)), file=sys.stderr)
        for issue in exc.issues:
            print(f"  • [{issue.path}] {issue_text(issue)}", file=sys.stderr)
    return EXIT_INVALID


def login(ctx: Context, store: Store) -> Session:
    name = getattr(ctx.args, "operator", None) or os.environ.get("VILLAGE_AGENT_OPERATOR")
    if not name:
        active = [o.name for o in store.operators() if o.active]
        if len(active) != 1:
            raise InvalidRequest("operator.choose", names=listed(active))
        name = active[0]
    session = store.login(name, ctx.pin(name))
    if ctx.after_login is not None:
        ctx.after_login(session)
    return session


def open_store(ctx: Context) -> Store:
    """The store in the home directory if it is this program's kind, checked before any PIN:
    a village point for `village-agent`, a township or county center for `service-center`."""
    from storage.store import Store

    store = Store.open(ctx.home)
    node, name = store.node, store.info.village_name
    if ctx.center and node == "village":
        store.close()
        raise InvalidRequest("node.village_home", name=name)
    if not ctx.center and node != "village":
        store.close()
        raise InvalidRequest("node.center_home", center=both(f"node.{node}"), name=name)
    return store


def open_session(ctx: Context) -> Session:
    return login(ctx, open_store(ctx))


def kdf_for_tests_or_default() -> Any:
    """Test suites set VILLAGE_AGENT_TEST_KDF=1 to keep Argon2id cheap; real use never does."""
    from storage.crypto import DEFAULT_KDF, TEST_KDF

    return TEST_KDF if os.environ.get("VILLAGE_AGENT_TEST_KDF") == "1" else DEFAULT_KDF


def operator(ctx: Context) -> int:
    """`village-agent operator` (agents and grid workers) and `service-center operator` (clerks)."""
    from storage import operators

    action, name = ctx.args.action, ctx.args.name
    store = open_store(ctx)
    if action == "list":
        ops = store.operators()
        ctx.emit(
            [asdict(o) for o in ops],
            lambda: "\n".join(
                t("operator.list_line", name=o.name, role=t(f"role.{o.role}"),
                  state=t("operator.active" if o.active else "operator.inactive"),
                  last=o.last_login_at or "—")
                for o in ops
            ),
        )
        return 0
    if not name:
        raise InvalidRequest("cli.operator_name_needed")
    if action == "add":  # a role this kind of store does not have: refused before any PIN
        operators.check_role(store.node, ctx.args.role)
    session = login(ctx, store)
    if action == "add":
        added = session.add_operator(name, ctx.args.role, ctx.new_pin(name))
        ctx.emit({"ok": True, **asdict(added)}, lambda: t("operator.added", name=name, role=added.role_zh))
    elif action == "disable":
        session.disable_operator(name)
        ctx.emit({"ok": True, "name": name, "active": False}, lambda: t("operator.disabled", name=name))
    elif action == "enable":
        session.enable_operator(name)
        ctx.emit({"ok": True, "name": name, "active": True}, lambda: t("operator.enabled", name=name))
    else:
        session.set_pin(name, ctx.new_pin(name))
        ctx.emit({"ok": True, "name": name}, lambda: t("operator.pin_set", name=name))
    return 0


def verify(ctx: Context) -> int:
    session = open_session(ctx)
    report = session.verify()
    ctx.emit(
        {"ok": report.ok, "problems": report.problems, "counts": report.counts},
        lambda: t("verify.ok", **report.counts) if report.ok else "\n".join(
            [t("verify.failed", n=len(report.problems)), *(f"  • {p}" for p in report.problems)]
        ),
    )
    return 0 if report.ok else 4


def stick_folder(raw: str | Path) -> Path:
    """A folder that exists (a stick that is not plugged in must not become a folder on this disk)."""
    text = str(raw).strip()
    if not text:
        raise InvalidRequest("usb.need_folder")
    folder = Path(text).expanduser()
    if not folder.exists():
        raise InvalidRequest("usb.missing", folder=folder)
    if not folder.is_dir():
        raise InvalidRequest("usb.not_dir", folder=folder)
    return folder


def writable_folder(raw: str | Path) -> Path:
    """An existing folder we can write to, tried for real (permissions alone miss a read-only stick)."""
    folder = stick_folder(raw)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        raise InvalidRequest("usb.not_writable", folder=folder) from None
    return folder
