"""The `village-agent` command line: scriptable, `--json` for machines, Chinese messages for people."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage import lobby
from storage.errors import StorageError
from storage.status import DELIVERY_METHODS
from sync.cli import EXIT_INVALID, Context, dispatch
from village_agent import cli_texts as cli_texts  # the command line's words join the catalogue
from village_agent.i18n import t

if TYPE_CHECKING:
    from storage.store import Session


def build_parser() -> argparse.ArgumentParser:
    def options(suppress: bool) -> argparse.ArgumentParser:
        # Sub-commands must not reset what was given before the command name.
        extra: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
        p = argparse.ArgumentParser(add_help=False)
        p.add_argument("--home", help=t("village.cli.help.main.home"), **extra)
        p.add_argument("--json", action="store_true", help=t("village.cli.help.main.json"),
                       **extra)
        p.add_argument("--operator", help=t("village.cli.help.main.operator"),
                       **extra)
        return p

    common = options(suppress=True)
    parser = argparse.ArgumentParser(
        prog="village-agent", parents=[options(suppress=False)],
        description=t("village.cli.help.description"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, fn: Callable[[Context], int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(fn=fn)
        return p

    p = add("init", command("init"), t("village.cli.help.init"))
    p.add_argument("--village-code", required=True, help=t("village.cli.help.init.village_code"))
    p.add_argument("--village-name", required=True, help=t("village.cli.help.init.village_name"))

    p = add("operator", command("operator"), t("village.cli.help.operator"))
    p.add_argument("action", choices=["add", "list", "disable", "enable", "set-pin"])
    p.add_argument("name", nargs="?", help=t("village.cli.help.operator.name"))
    # Not argparse choices: the store says in Chinese why a clerk (a center's role) is not added here.
    p.add_argument("--role", default="agent",
                   help=t("village.cli.help.operator.role"))

    p = add("catalog", command("catalog_cmd"), t("village.cli.help.catalog"))
    p.add_argument("action", choices=["list", "show", "template", "search"])
    p.add_argument("code", nargs="?", help=t("village.cli.help.catalog.code"))

    for name, help_text in (("apply", t("village.cli.help.apply")),
                            ("inspect", t("village.cli.help.inspect"))):
        p = add(name, command("apply"), help_text)
        p.add_argument("--item", "--form", dest="item", required=True, help=t("village.cli.help.apply.item"))
        p.add_argument("--data", required=True, type=Path, help=t("village.cli.help.apply.data"))
        p.add_argument("--attach", action="append", default=[], metavar="[LABEL=]PATH",
                       help=t("village.cli.help.apply.attach"))
        p.add_argument("--authorization", choices=["signed", "in_person"], default="signed",
                       help=t("village.cli.help.apply.authorization"))
        p.add_argument("--priority", action="append", default=[], metavar="GROUND",
                       help=t("village.cli.help.apply.priority"))
        p.add_argument("--date", type=date.fromisoformat, help=argparse.SUPPRESS)

    p = add("applicant", command("applicant"),
            t("village.cli.help.applicant"))
    p.add_argument("id_number", metavar="ID_NUMBER|update|history")
    p.add_argument("--id-number", dest="person", help=t("village.cli.help.applicant.id_number"))
    for detail, key in (("name", "village.cli.help.applicant.name"),
                        ("address", "village.cli.help.applicant.address"),
                        ("phone", "village.cli.help.applicant.phone"),
                        ("village-group", "village.cli.help.applicant.village_group")):
        p.add_argument(f"--{detail}", dest=detail.replace("-", "_"), help=t(key))

    p = add("recover", command("recover"),
            t("village.cli.help.recover"))
    p = add("recovery-code", command("recovery_code"),
            t("village.cli.help.recovery_code"))
    p.add_argument("--new", action="store_true", help=t("village.cli.help.recovery_code.new"))

    p = add("list", command("list_applications"), t("village.cli.help.list"))
    p.add_argument("--status")
    p.add_argument("--item")
    p.add_argument("--kind", choices=["service", "inspection"])

    p = add("show", command("show"), t("village.cli.help.show"))
    p.add_argument("id")

    for name, subject, help_text in (
            ("notice", "code", t("village.cli.help.notice")),
            ("receipt", "id", t("village.cli.help.receipt")),
            ("authorisation", "id", t("village.cli.help.authorisation")),
            ("decision-notice", "id", t("village.cli.help.decision_notice"))):
        p = add(name, command(name.replace("-", "_")), help_text)
        p.add_argument(subject)
        p.add_argument("--out", type=Path, help=t("village.cli.help.print.out"))
        p.add_argument("--pdf", type=Path, metavar="FILE", help=t("village.cli.help.print.pdf"))
        p.add_argument("--print", dest="print_pdf", action="store_true",
                       help=t("village.cli.help.print.print"))
        p.add_argument("--open", dest="open_pdf", action="store_true", help=t("village.cli.help.print.open"))

    p = add("check-receipt", command("check_receipt"),
            t("village.cli.help.check_receipt"))
    p.add_argument("text", nargs="+", help=t("village.cli.help.check_receipt.text"))

    p = add("calendar", command("calendar_cmd"), t("village.cli.help.calendar"))
    p.add_argument("action", choices=["show", "import", "deadline"])
    p.add_argument("file", nargs="?", type=Path, help=t("village.cli.help.calendar.file"))
    p.add_argument("--year", type=int, help=t("village.cli.help.calendar.year"))
    p.add_argument("--days", type=int, default=20, help=t("village.cli.help.calendar.days"))
    p.add_argument("--from", dest="start", type=date.fromisoformat, help=t("village.cli.help.calendar.from"))

    p = add("enroll", command("enroll"), t("village.cli.help.enroll"))
    p.add_argument("--township", help=t("village.cli.help.enroll.township"))
    p.add_argument("--code", required=True, help=t("village.cli.help.enroll.code"))
    p.add_argument("--request-file", type=Path, help=t("village.cli.help.enroll.request_file"))
    p.add_argument("--answer-file", type=Path, help=t("village.cli.help.enroll.answer_file"))

    p = add("export", command("export"), t("village.cli.help.export"))
    p.add_argument("--to", required=True, type=Path, help=t("village.cli.help.export.to"))
    p = add("import", command("import_"), t("village.cli.help.import"))
    p.add_argument("folder", type=Path)

    p = add("sync", command("sync"), t("village.cli.help.sync"))
    p.add_argument("--unattended", action="store_true",
                   help=t("village.cli.help.sync.unattended"))

    p = add("correct", command("correct"), t("village.cli.help.correct"))
    p.add_argument("id")
    p.add_argument("--data", required=True, type=Path, help=t("village.cli.help.correct.data"))
    p.add_argument("--attach", action="append", default=[], metavar="[LABEL=]PATH")

    p = add("supply", command("supply"),
            t("village.cli.help.supply"))
    p.add_argument("id")
    p.add_argument("--material", required=True, help=t("village.cli.help.supply.material"))
    p.add_argument("--attach", action="append", default=[], metavar="PATH", required=True,
                   help=t("village.cli.help.supply.attach"))
    p.add_argument("--date", type=date.fromisoformat, help=argparse.SUPPRESS)

    p = add("deliver", command("deliver"), t("village.cli.help.deliver"))
    p.add_argument("id")
    p.add_argument("--how", choices=list(DELIVERY_METHODS), default="in_person",
                   help=t("village.cli.help.deliver.how"))
    p.add_argument("--to", help=t("village.cli.help.deliver.to"))
    p.add_argument("--note", help=t("village.cli.help.deliver.note"))

    p = add("decide", command("decide"),
            t("village.cli.help.decide"))
    p.add_argument("id")
    p.add_argument("decision", choices=["completed", "rejected"],
                   help=t("village.cli.help.decide.decision"))
    p.add_argument("--note", required=True,
                   help=t("village.cli.help.decide.note"))

    p = add("rate", command("rate"), t("village.cli.help.rate"))
    p.add_argument("id")
    p.add_argument("level", help=t("village.cli.help.rate.level"))
    p.add_argument("--reason", action="append",
                   help=t("village.cli.help.rate.reason"))
    p.add_argument("--note", help=t("village.cli.help.rate.note"))

    p = add("complain", command("complain"),
            t("village.cli.help.complain"))
    p.add_argument("id")
    p.add_argument("--text", required=True, help=t("village.cli.help.complain.text"))

    add("verify", command("verify"), t("village.cli.help.verify"))
    p = add("demo", command("demo"),
            t("village.cli.help.demo"))
    p.add_argument("--no-app", action="store_true",
                   help=t("village.cli.help.demo.no_app"))
    p.add_argument("--port", type=int,
                   help=t("village.cli.help.demo.port"))
    return parser


def command(name: str, module: str = "village_agent.commands") -> Callable[[Context], int]:
    """A sub-command, imported when it runs: `village-agent` alone opens the app, and the app's
    first screen does not wait for modules only commands use (bench/startup.py)."""

    def run(ctx: Context) -> int:
        return int(getattr(importlib.import_module(module), name)(ctx))

    run.__name__ = name
    return run


def run_app(ctx: Context) -> int:
    """No sub-command: the terminal app. Textual is imported only here, so the CLI stays quick."""
    if lobby.has_store(ctx.home):
        try:
            # Read with plain sqlite3: the first screen does not wait for the store's machinery.
            found: lobby.Lobby | None = lobby.read(ctx.home)
        except StorageError:
            found = None  # a damaged or foreign file: the app's own start screen says what is wrong
        if found is not None and found.node != "village":  # the app is the village point's
            print(t("node.center_home", center=t(f"node.{found.node}"), name=found.village_name),
                  file=sys.stderr)
            return EXIT_INVALID
    from village_agent.app import make_app

    kdf = None
    if os.environ.get("VILLAGE_AGENT_TEST_KDF") == "1":  # test suites keep Argon2id cheap
        from storage.crypto import TEST_KDF

        kdf = TEST_KDF
    app = make_app(ctx.home, kdf=kdf)
    app.run()
    return int(app.return_code or 0)


def catch_up(session: Session) -> None:
    """After every login: file the results an unattended sync or a stick brought, before we look."""
    from village_agent import intake

    intake.catch_up(session)


def main(argv: Sequence[str] | None = None) -> int:
    return dispatch(build_parser(), argv, default=run_app, after_login=catch_up)


if __name__ == "__main__":
    raise SystemExit(main())
