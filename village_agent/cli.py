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
from village_agent.i18n import t

if TYPE_CHECKING:
    from storage.store import Session


def build_parser() -> argparse.ArgumentParser:
    def options(suppress: bool) -> argparse.ArgumentParser:
        # Sub-commands must not reset what was given before the command name.
        extra: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
        p = argparse.ArgumentParser(add_help=False)
        p.add_argument("--home", help="数据目录 data directory (or VILLAGE_AGENT_HOME)", **extra)
        p.add_argument("--json", action="store_true", help="机器可读输出 machine-readable output",
                       **extra)
        p.add_argument("--operator", help="操作员姓名 operator name (or VILLAGE_AGENT_OPERATOR)",
                       **extra)
        return p

    common = options(suppress=True)
    parser = argparse.ArgumentParser(
        prog="village-agent", parents=[options(suppress=False)],
        description="村便民服务代办点 — village service point. 不带参数运行打开界面 (no arguments: the app).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, fn: Callable[[Context], int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(fn=fn)
        return p

    p = add("init", command("init"), "建立服务点 create the service point")
    p.add_argument("--village-code", required=True, help="12位村级区划代码 12-digit village division code")
    p.add_argument("--village-name", required=True, help="村名 village name")

    p = add("operator", command("operator"), "操作员管理 manage operators")
    p.add_argument("action", choices=["add", "list", "disable", "enable", "set-pin"])
    p.add_argument("name", nargs="?", help="操作员姓名 operator name")
    # Not argparse choices: the store says in Chinese why a clerk (a center's role) is not added here.
    p.add_argument("--role", default="agent",
                   help="agent（代办员，默认 the default）或 grid_worker（网格员）")

    p = add("catalog", command("catalog_cmd"), "事项目录 the service catalog")
    p.add_argument("action", choices=["list", "show", "template", "search"])
    p.add_argument("code", nargs="?", help="事项代码或搜索词 item code or search words")

    for name, help_text in (("apply", "代办收件 take in an application"),
                            ("inspect", "网格巡查登记 record an inspection")):
        p = add(name, command("apply"), help_text)
        p.add_argument("--item", "--form", dest="item", required=True, help="事项代码 item code")
        p.add_argument("--data", required=True, type=Path, help="申请数据JSON文件 data file")
        p.add_argument("--attach", action="append", default=[], metavar="[LABEL=]PATH",
                       help="附件（材料代码=文件）attachment, repeatable")
        p.add_argument("--authorization", choices=["signed", "in_person"], default="signed",
                       help="授权方式：signed=已签委托书, in_person=本人到场")
        p.add_argument("--priority", action="append", default=[], metavar="GROUND",
                       help="绿色通道：老 弱 病 残 军（elderly frail ill disabled military），可重复或用逗号分隔；"
                            "年满60周岁按身份证号自动认定 green channel grounds, repeatable;"
                            " 60 or older is found from the ID number")
        p.add_argument("--date", type=date.fromisoformat, help=argparse.SUPPRESS)

    p = add("applicant", command("applicant"),
            "按身份证号查找办事人；update 更正登记信息，history 查看历次登记"
            " find an applicant; update corrects the registry; history lists every declaration")
    p.add_argument("id_number", metavar="ID_NUMBER|update|history")
    p.add_argument("--id-number", dest="person", help="update/history：办事人身份证号 the ID number")
    for detail, zh in (("name", "姓名"), ("address", "住址"), ("phone", "电话"),
                       ("village-group", "村民小组")):
        p.add_argument(f"--{detail}", dest=detail.replace("-", "_"), help=f"update：新的{zh}")

    p = add("recover", command("recover"),
            "忘记PIN码：用恢复码重设 forgot the PIN: set a new one with the recovery code"
            " (VILLAGE_AGENT_RECOVERY_CODE, VILLAGE_AGENT_NEW_PIN)")
    p = add("recovery-code", command("recovery_code"),
            "恢复码：是否已设置；--new 生成新的（旧的作废） the recovery code: is there one; --new")
    p.add_argument("--new", action="store_true", help="生成新的恢复码 make a new code")

    p = add("list", command("list_applications"), "办件列表 list applications")
    p.add_argument("--status")
    p.add_argument("--item")
    p.add_argument("--kind", choices=["service", "inspection"])

    p = add("show", command("show"), "办件详情 show one application")
    p.add_argument("id")

    for name, subject, help_text in (
            ("notice", "code", "打印一次性告知书 print the one-time notice"),
            ("receipt", "id", "打印收件回执 print the intake receipt"),
            ("authorisation", "id", "打印授权委托书（申请人委托代办员办理） print the letter of"
                                    " authorisation for the proxy agent"),
            ("decision-notice", "id", "打印办结通知书或不予受理通知书（决定到达后）"
                                      " print the decision notice once the decision has arrived")):
        p = add(name, command(name.replace("-", "_")), help_text)
        p.add_argument(subject)
        p.add_argument("--out", type=Path, help="写入文件 write to a file")
        p.add_argument("--pdf", type=Path, metavar="FILE", help="写成PDF文件 write an A4 PDF")
        p.add_argument("--print", dest="print_pdf", action="store_true",
                       help="用默认打印机打印PDF print the PDF (CUPS lp)")
        p.add_argument("--open", dest="open_pdf", action="store_true", help="打开PDF open the PDF")

    p = add("check-receipt", command("check_receipt"),
            "核验回执或通知书上的核验码（无需PIN）check the verification code of a receipt or notice")
    p.add_argument("text", nargs="+", help="核验码，可分组输入 the code, in its groups or whole")

    p = add("calendar", command("calendar_cmd"), "节假日与工作日 holiday tables and deadlines")
    p.add_argument("action", choices=["show", "import", "deadline"])
    p.add_argument("file", nargs="?", type=Path, help="import：节假日安排TOML文件")
    p.add_argument("--year", type=int, help="show：年份 year")
    p.add_argument("--days", type=int, default=20, help="deadline：工作日数 working days")
    p.add_argument("--from", dest="start", type=date.fromisoformat, help="deadline：起算日 start")

    p = add("enroll", command("enroll"), "登记到乡镇中心 enroll this device at the township")
    p.add_argument("--township", help="乡镇中心地址 township URL, e.g. http://10.0.0.2:8600")
    p.add_argument("--code", required=True, help="乡镇给的一次性登记码 one-time enrollment code")
    p.add_argument("--request-file", type=Path, help="不联网：写出登记请求文件 (USB)")
    p.add_argument("--answer-file", type=Path, help="不联网：读入乡镇的答复文件 (USB)")

    p = add("export", command("export"), "导出到U盘 write pending data to a USB folder")
    p.add_argument("--to", required=True, type=Path, help="U盘目录 folder on the stick")
    p = add("import", command("import_"), "从U盘导入乡镇答复 read the township's answers")
    p.add_argument("folder", type=Path)

    p = add("sync", command("sync"), "立即同步 sync with the township now")
    p.add_argument("--unattended", action="store_true",
                   help="无人值守（计划任务）：不需要PIN，只收发已加密的数据 no PIN, for a scheduled task")

    p = add("correct", command("correct"), "按补正通知修改后重新提交 answer a correction request")
    p.add_argument("id")
    p.add_argument("--data", required=True, type=Path, help="修改后的完整申请数据 corrected data file")
    p.add_argument("--attach", action="append", default=[], metavar="[LABEL=]PATH")

    p = add("supply", command("supply"),
            "登记补交容缺或告知承诺材料 record an owed material handed in later")
    p.add_argument("id")
    p.add_argument("--material", required=True, help="材料代码（见 show）material code")
    p.add_argument("--attach", action="append", default=[], metavar="PATH", required=True,
                   help="补交材料的扫描件 the scan, repeatable")
    p.add_argument("--date", type=date.fromisoformat, help=argparse.SUPPRESS)

    p = add("deliver", command("deliver"), "登记办理结果已送达 record that the result was handed over")
    p.add_argument("id")
    p.add_argument("--how", choices=list(DELIVERY_METHODS), default="in_person",
                   help="送达方式：in_person=本人领取, family=家属代领, home_visit=上门送达")
    p.add_argument("--to", help="领取人姓名（家属代领时必填）who received it")
    p.add_argument("--note", help="备注 a note")

    p = add("decide", command("decide"),
            "村级办理事项（放权下沉）：办结或不予受理，报乡镇备案"
            " decide a village-decided item here: completed or rejected")
    p.add_argument("id")
    p.add_argument("decision", choices=["completed", "rejected"],
                   help="completed=办结, rejected=不予受理")
    p.add_argument("--note", required=True,
                   help="办结：办理结果；不予受理：理由 the result, or the reason for a rejection")

    p = add("rate", command("rate"), "记录申请人评价（好差评）record the villager's rating")
    p.add_argument("id")
    p.add_argument("level", help="1非常满意 2满意 3基本满意 4不满意 5非常不满意"
                                 " 1 very satisfied .. 5 very unsatisfied")
    p.add_argument("--reason", action="append",
                   help="常见理由，可多次：once一次办好 fast办得快 attitude_good态度好 trips多次跑动"
                        " overdue超时 attitude_bad态度差 materials_again材料反复要求 unclear告知不清楚"
                        " result对结果不满意 (a reason key or its name; repeatable)")
    p.add_argument("--note", help="说明（不满意且未选理由时必填）free text")

    p = add("complain", command("complain"),
            "记录村民对办件的投诉，报送中心投诉监督台 record a villager's complaint about a case")
    p.add_argument("id")
    p.add_argument("--text", required=True, help="投诉内容（村民的原话） the villager's words")

    add("verify", command("verify"), "校验数据完整性 check the store and audit chain")
    p = add("demo", command("demo"),
            "演示：示例服务点和本机乡镇中心，各种状态的办件，然后打开界面"
            " a demo service point and township center, then the app")
    p.add_argument("--no-app", action="store_true",
                   help="只建立演示并打印，不打开界面 build and print only, do not open the app")
    p.add_argument("--port", type=int,
                   help="本机乡镇中心端口（默认8600，被占用时任选）township port (default 8600 or any free)")
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
