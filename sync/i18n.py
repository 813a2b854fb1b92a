"""The language both programs speak: Chinese first, English beside it. `t(key, **values)` picks it.

The machinery and the words both command lines use live here (sync/ is the lowest layer both
`village-agent` and `service-center` import); each program adds its own catalogue to `MESSAGES`
(village_agent/i18n.py, center/texts.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from forms.errors import CatalogError, FormsError, Issue, UnknownItemError, ValidationFailed
from forms.messages import FORM_MESSAGES
from storage import messages as store_messages
from storage.errors import Said
from storage.messages import STORAGE_MESSAGES, say
from storage.status import STATUS_ZH, STATUS_ZH_AT, STATUSES
from sync.error_texts import SYNC_MESSAGES

MESSAGES: dict[str, dict[str, str]] = {
    "usb.need_folder": {"zh": "请填写U盘上的文件夹", "en": "Give a folder on the USB stick"},
    "usb.missing": {
        "zh": "文件夹不存在：{folder}。请检查U盘是否插好、路径是否正确",
        "en": "No such folder: {folder}. Is the stick plugged in?",
    },
    "usb.not_dir": {"zh": "{folder} 不是文件夹，请填写文件夹路径", "en": "{folder} is not a folder"},
    "usb.not_writable": {
        "zh": "无法写入 {folder}（U盘可能写保护或已满），没有写入任何内容",
        "en": "Cannot write to {folder} (write-protected or full); nothing was written",
    },
    "pin.prompt": {"zh": "请输入 {operator} 的PIN码：", "en": "PIN for {operator}: "},
    "pin.new": {"zh": "请为 {operator} 设置PIN码（至少6位）：", "en": "New PIN for {operator} (6+ chars): "},
    "pin.repeat": {"zh": "请再次输入PIN码：", "en": "Repeat the PIN: "},
    "pin.mismatch": {"zh": "两次输入的PIN码不一致，请重新设置", "en": "The two PINs differ; try again"},
    "pin.no_tty": {
        "zh": "需要PIN码：请在终端中运行，或设置环境变量 {var}",
        "en": "A PIN is needed: run in a terminal or set {var}",
    },
    "operator.choose": {
        "zh": "本服务点有多名操作员，请用 --operator 指定姓名：{names}",
        "en": "Several operators here; choose one with --operator: {names}",
    },
    "operator.added": {"zh": "已添加操作员 {name}（{role}）", "en": "Operator {name} ({role}) added"},
    "operator.disabled": {"zh": "已停用操作员 {name}", "en": "Operator {name} disabled"},
    "operator.enabled": {"zh": "已启用操作员 {name}", "en": "Operator {name} enabled"},
    "operator.pin_set": {"zh": "已更新 {name} 的PIN码", "en": "PIN of {name} changed"},
    "operator.list_line": {
        "zh": "{name}\t{role}\t{state}\t上次登录 {last}", "en": "{name}\t{role}\t{state}\tlast login {last}",
    },
    "operator.active": {"zh": "启用", "en": "active"},
    "operator.inactive": {"zh": "停用", "en": "disabled"},
    "node.township": {"zh": "乡镇中心", "en": "a township center"},
    "node.county": {"zh": "县级中心", "en": "a county center"},
    "node.center_home": {
        "zh": "此数据目录是{center}（{name}），不是村代办点，不能用 village-agent 办理。中心请用 service-center 命令",
        "en": "This home is {center} ({name}), not a village service point; use service-center there",
    },
    "node.village_home": {
        "zh": "此数据目录是村代办点（{name}），不是乡镇/县级中心。村代办点请用 village-agent 命令",
        "en": "This home is a village service point ({name}), not a township or county center; use village-agent there",
    },
    "apply.invalid": {
        "zh": "申请数据有{n}处问题，未保存。请逐项修改后重新提交：",
        "en": "{n} problem(s) in the application; nothing was saved. Fix them and submit again:",
    },
    "unknown_item": {
        "zh": "没有代码为“{code}”的事项。可用 village-agent catalog list 查看全部事项",
        "en": "No item {code!r}; see `village-agent catalog list`",
    },
    "catalog.bad": {
        "zh": "事项目录文件有误：{detail}。请联系县级中心更新目录",
        "en": "The catalog is malformed: {detail}",
    },
    "verify.ok": {
        "zh": "校验通过：数据库完整，操作日志链完整（{audit_rows}条），办件{applications}件",
        "en": "Verified: database sound, audit chain whole ({audit_rows} rows), {applications} applications",
    },
    "verify.failed": {"zh": "校验未通过，发现{n}处问题：", "en": "Verification failed, {n} problem(s):"},
    "list.empty": {"zh": "暂无办件", "en": "No applications"},
    "error.internal": {
        "zh": "程序内部错误（{kind}），数据未受影响。请记下此信息并联系技术支持；"
              "设置 VILLAGE_AGENT_DEBUG=1 可查看详细信息",
        "en": "Internal error ({kind}); no data was changed. Set VILLAGE_AGENT_DEBUG=1 for details",
    },
    "error.interrupted": {"zh": "已取消", "en": "Cancelled"},
    "due.approximate": {"zh": "≈{due}", "en": "≈{due}"},
    "due.approximate_note": {
        "zh": "{due}（约：该年节假日安排尚未公布，日期可能调整）",
        "en": "{due} (approximate: that year's public holidays are not yet published)",
    },
    "app.sep.list": {"zh": "、", "en": ", "},
    # paper both programs print: the PDF (sync/paper/pdf.py, fonts.py) and decision notices
    # (sync/paper/decisions.py), the same lines at the center and at the village
    "pdf.page": {"zh": "第 {page} 页 / 共 {pages} 页", "en": "Page {page} of {pages}"},
    "pdf.stem.notice": {"zh": "一次性告知书", "en": "notice"},
    "pdf.stem.receipt": {"zh": "收件回执", "en": "receipt"},
    "pdf.no_font": {
        "zh": "找不到中文字体，无法生成 PDF（文字版回执和告知书不受影响）。"
              "请运行 ./install.sh 安装中文字体（fonts-noto-cjk），或设置 VILLAGE_AGENT_FONT 指向一个中文字体文件",
        "en": "No Chinese font found, so no PDF (the plain text still works). Run ./install.sh "
              "to install fonts-noto-cjk, or set VILLAGE_AGENT_FONT to a Chinese font file",
    },
    "pdf.font_env_missing": {
        "zh": "环境变量 {var} 指定的字体文件不存在：{path}。请改正或删除这个设置，或运行 ./install.sh 安装中文字体",
        "en": "{var} names a font file that does not exist: {path}. Fix or unset it, or run ./install.sh",
    },
    "pdf.font_unusable": {
        "zh": "字体文件无法使用：{path}（{detail}）。请运行 ./install.sh 安装中文字体，或设置 VILLAGE_AGENT_FONT 指向其他中文字体",
        "en": "The font file cannot be used: {path} ({detail}). Run ./install.sh or set VILLAGE_AGENT_FONT",
    },
    "pdf.no_folder": {
        "zh": "文件夹不存在：{folder}。请先插好U盘或建立这个文件夹，再重新打印",
        "en": "No such folder: {folder}. Plug in the stick or create the folder, then try again",
    },
    "pdf.is_folder": {
        "zh": "{path} 是一个文件夹，请给出 PDF 文件名，如 {example}",
        "en": "{path} is a folder; give a PDF file name, e.g. {example}",
    },
    "pdf.write_failed": {
        "zh": "无法写入 {path}：{reason}。请检查U盘是否写保护、空间是否已满",
        "en": "Cannot write {path}: {reason}. Is the stick write-protected or full?",
    },
    "pdf.stem.completed": {"zh": "办结通知书", "en": "completion-notice"},
    "pdf.stem.rejected": {"zh": "不予受理通知书", "en": "non-acceptance-notice"},
    "notice.completed.title": {"zh": "办结通知书", "en": "Notice of completion"},
    "notice.rejected.title": {"zh": "不予受理通知书", "en": "Notice of non-acceptance"},
    "notice.applicant": {"zh": "申请人：{name}", "en": "Applicant: {name}"},
    "notice.id": {"zh": "办件编号：{id}", "en": "Application number: {id}"},
    "notice.item": {"zh": "申请事项：{name}", "en": "Item applied for: {name}"},
    "notice.completed.lead": {
        "zh": "您申请的“{item}”事项已办理完毕，现将办理结果告知如下：",
        "en": "Your application for {item} has been dealt with. The result is as follows:",
    },
    "notice.completed.outcome": {"zh": "办理结果：{text}", "en": "Result: {text}"},
    "notice.rejected.lead": {
        "zh": "经审查，您申请的“{item}”事项决定不予受理，理由如下：",
        "en": "Your application for {item} has been examined and is not accepted, for this reason:",
    },
    "notice.rejected.outcome": {"zh": "不予受理理由：{text}", "en": "Reason: {text}"},
    "notice.rights": {
        "zh": "如不服本决定，可自收到本通知书之日起六十日内依法申请行政复议，"
              "或者六个月内依法提起行政诉讼。",
        "en": "If you disagree with this decision, you may apply for administrative reconsideration"
              " within sixty days of receiving this notice, or bring an administrative lawsuit"
              " within six months, as the law provides.",
    },
    "notice.center": {"zh": "办理机构：{center}", "en": "Decided by: {center}"},
    "notice.clerk": {"zh": "经办人：{clerk}", "en": "Clerk: {clerk}"},
    "notice.completed.date": {"zh": "办结日期：{day}", "en": "Completed on: {day}"},
    "notice.rejected.date": {"zh": "决定日期：{day}", "en": "Decided on: {day}"},
    "notice.qr": {"zh": "扫描二维码核对办件编号：{id}", "en": "Scan to check the application number: {id}"},
    # 撤销决定通知书: a result given on a commitment that proved false (不实承诺) is revoked.
    "pdf.stem.revoked": {"zh": "撤销决定通知书", "en": "revocation-notice"},
    "notice.revoked.title": {"zh": "撤销决定通知书", "en": "Notice of revocation"},
    "notice.revoked.lead": {
        "zh": "您申请的“{item}”事项系以告知承诺方式办理。经核查，您作出的承诺与实际情况不符，"
              "根据“作出不实承诺的，撤销相应审批服务结果”的规定，决定撤销该事项的办理结果，理由如下：",
        "en": "Your application for {item} was dealt with on your signed commitment. A check found"
              " the commitment untrue, so the result given is revoked, for this reason:",
    },
    "notice.revoked.outcome": {"zh": "撤销理由：{text}", "en": "Reason: {text}"},
    "notice.revoked.date": {"zh": "撤销日期：{day}", "en": "Revoked on: {day}"},
    "notice.print": {"zh": "打印通知书", "en": "Print the decision notice"},
    "notice.written": {"zh": "已写入{title}（{id}）：{path}", "en": "{title} ({id}) written: {path}"},
    "notice.not_decided": {
        "zh": "办件 {id} 尚未办结，也未作出不予受理决定，没有可打印的通知书",
        "en": "Case {id} is neither completed nor rejected: there is no decision notice to print",
    },
    "notice.not_arrived": {
        "zh": "办件 {id} 还没有收到办结或不予受理的决定，没有可打印的通知书。请先同步，收到决定后再打印",
        "en": "No completion or rejection of {id} has arrived yet, so there is no notice to print."
              " Sync, then print it once the decision is here",
    },
}

# Statuses and event types: Chinese from storage.status, English here.
# Statuses and event types: catalogue keys `status.<status>`, `event.<type>` (storage/messages.py,
# merged below); these tables are thin lookups kept for their callers.
MESSAGES.update(STORAGE_MESSAGES)  # the store's errors, statuses, events and roles
MESSAGES.update(SYNC_MESSAGES)  # sync's refusals and errors (sync/error_texts.py)
store_messages.use_catalogue(MESSAGES)  # one table: an error anywhere is said from it
STATUS_EN = {status: say("en", f"status.{status}") for status in STATUSES}
STATUS_EN_AT = {"county": {"received": say("en", "status.county.received")}}
EVENTS: dict[str, dict[str, str]] = {
    k.removeprefix("event."): {"zh": v["zh"], "en": v["en"]}
    for k, v in STORAGE_MESSAGES.items() if k.startswith("event.")
}
MESSAGES.update(FORM_MESSAGES)  # the form engine's own (forms/ does not import the app)

# 绿色通道 (forms/priority.py): the grounds' words and the mark both ends show.
PRIORITY_MESSAGES: dict[str, dict[str, str]] = {
    "priority.ground.elderly": {"zh": "老", "en": "elderly"},
    "priority.ground.frail": {"zh": "弱", "en": "frail"},
    "priority.ground.ill": {"zh": "病", "en": "ill"},
    "priority.ground.disabled": {"zh": "残", "en": "disabled"},
    "priority.ground.military": {"zh": "军", "en": "serviceman"},
    "priority.name": {"zh": "绿色通道", "en": "Green channel"},
    "priority.badge": {"zh": "【绿色通道】", "en": "[green channel]"},
    "priority.mark": {"zh": "★", "en": "★"},
    "priority.grounds": {"zh": "绿色通道（{grounds}）", "en": "Green channel ({grounds})"},
    "priority.sep": {"zh": "、", "en": ", "},
    "pdf.stem.authorisation": {"zh": "授权委托书", "en": "authorisation"},
}
MESSAGES.update(PRIORITY_MESSAGES)


# 好差评 at the five national levels, the reasons a villager picks, and the follow-up of a
# bad rating (核实, 整改, 回访) as the village, the township and the county all say them.
RATING_MESSAGES: dict[str, dict[str, str]] = {
    "rating.1": {"zh": "非常满意", "en": "very satisfied"},
    "rating.2": {"zh": "满意", "en": "satisfied"},
    "rating.3": {"zh": "基本满意", "en": "fairly satisfied"},
    "rating.4": {"zh": "不满意", "en": "unsatisfied"},
    "rating.5": {"zh": "非常不满意", "en": "very unsatisfied"},
    "rating.unknown": {"zh": "（无法识别的评价）", "en": "(an unreadable rating)"},
    "rating.reason.once": {"zh": "一次办好", "en": "done in one visit"},
    "rating.reason.fast": {"zh": "办得快", "en": "quick"},
    "rating.reason.attitude_good": {"zh": "态度好", "en": "friendly service"},
    "rating.reason.trips": {"zh": "多次跑动", "en": "too many trips"},
    "rating.reason.overdue": {"zh": "超时", "en": "took too long"},
    "rating.reason.attitude_bad": {"zh": "态度差", "en": "unfriendly service"},
    "rating.reason.materials_again": {"zh": "材料反复要求", "en": "materials asked for again and again"},
    "rating.reason.unclear": {"zh": "告知不清楚", "en": "unclear what was needed"},
    "rating.reason.result": {"zh": "对办理结果不满意", "en": "unhappy with the result"},
    "rating.with": {"zh": "{rating}（{why}）", "en": "{rating} ({why})"},
    "rating.sep": {"zh": "、", "en": ", "},
    "rating.note_sep": {"zh": "；", "en": "; "},
    "followup.step.verified": {"zh": "已核实", "en": "verified"},
    "followup.step.rectified": {"zh": "已整改", "en": "rectified"},
    "followup.step.called": {"zh": "已回访", "en": "called back"},
    "followup.result.satisfied": {"zh": "满意", "en": "satisfied"},
    "followup.result.basically": {"zh": "基本满意", "en": "fairly satisfied"},
    "followup.result.unsatisfied": {"zh": "不满意", "en": "unsatisfied"},
    "followup.result.unreachable": {"zh": "未联系上", "en": "could not be reached"},
    "followup.event": {"zh": "差评跟进：{step}（{clerk}）：{note}", "en": "Follow-up: {step} ({clerk}): {note}"},
    "followup.event_call": {
        "zh": "差评跟进：{step}，申请人{result}（{clerk}）：{note}",
        "en": "Follow-up: {step}, the villager is {result} ({clerk}): {note}",
    },
}
MESSAGES.update(RATING_MESSAGES)
FOLLOWUP_STEP = {"followup_verified": "verified", "followup_rectified": "rectified",
                 "followup_called": "called"}


def rating_words(payload: dict[str, object], lang: str = "") -> str:
    """非常不满意（多次跑动、超时；又跑了两趟）: the level, the reasons picked and the free text.

    An older store's rating ("good"/"bad" with one free-text `reason`) reads as its level.
    """
    from storage.status import RATING_REASONS, rating_level

    say = (lambda key, **kw: t_in(lang, key, **kw)) if lang else t
    level = rating_level(payload.get("rating"))
    rating = say(f"rating.{level}") if level else say("rating.unknown")
    picked = payload.get("reasons")
    reasons = [str(r) for r in picked if r in RATING_REASONS] if isinstance(picked, list) else []
    why = say("rating.sep").join(say(f"rating.reason.{r}") for r in reasons)
    texts = [str(payload[k]).strip() for k in ("reason", "note") if str(payload.get(k) or "").strip()]
    why = say("rating.note_sep").join([w for w in (why, *texts) if w])
    return say("rating.with", rating=rating, why=why) if why else rating


def followup_words(event_type: str, payload: dict[str, object], lang: str = "") -> str:
    """差评跟进：已核实（李春华）：…: one follow-up step as the village and the center say it."""
    say = (lambda key, **kw: t_in(lang, key, **kw)) if lang else t
    step = say(f"followup.step.{FOLLOWUP_STEP[event_type]}")
    clerk, note = str(payload.get("clerk") or "—"), str(payload.get("note") or "—")
    if event_type == "followup_called":
        result = str(payload.get("result") or "")
        key = f"followup.result.{result}"
        return say("followup.event_call", step=step, clerk=clerk, note=note,
                   result=say(key) if key in MESSAGES else result)
    return say("followup.event", step=step, clerk=clerk, note=note)


def priority_words(grounds: list[str] | tuple[str, ...], lang: str = "") -> str:
    """老、残 (or "elderly, disabled"): the grounds in the language given, else the user's."""
    say = (lambda key: t_in(lang, key)) if lang else t
    return say("priority.sep").join(say(f"priority.ground.{g}") for g in grounds)


def language() -> str:
    lang = os.environ.get("VILLAGE_AGENT_LANG", "zh").lower()
    return "en" if lang.startswith("en") else "zh"


def set_language(lang: str) -> None:
    """Speak `lang` ("zh" or "en") from now on, in this process and the programs it starts."""
    os.environ["VILLAGE_AGENT_LANG"] = "en" if lang.lower().startswith("en") else "zh"


# The language last chosen in the app, kept beside the store (a word, nothing personal), so the
# next start speaks it too. VILLAGE_AGENT_LANG, when set, wins.
PREFERENCE_FILE = "language"


def use_preference(home: Path) -> None:
    """Apply the language chosen on this PC, unless VILLAGE_AGENT_LANG says otherwise."""
    if os.environ.get("VILLAGE_AGENT_LANG"):
        return
    try:
        chosen = (home / PREFERENCE_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return
    if chosen in ("zh", "en"):
        set_language(chosen)


def save_preference(home: Path, lang: str) -> None:
    """Remember `lang` for the next start; raises OSError where the folder cannot be written."""
    home.mkdir(parents=True, exist_ok=True)
    (home / PREFERENCE_FILE).write_text(lang + "\n", encoding="utf-8")


def t(key: str, **values: object) -> str:
    return say(language(), key, **values)


def t_in(lang: str, key: str, **values: object) -> str:
    """One message in the language given, whatever the user's (the console answers each clerk
    in theirs; an error says itself in whichever language its reader wants)."""
    return say(lang, key, **values)


def issue_text(issue: Issue) -> str:
    """A validation problem in the user's language (a catalog rule's own message stays Chinese)."""
    return issue.text(language())


def due_text(due: str | None, approximate: bool, *, long: bool = False) -> str:
    """A promised date as shown: "—" when none, marked ≈ (or explained) while approximate."""
    if not due:
        return "—"
    if not approximate:
        return due
    return t("due.approximate_note" if long else "due.approximate", due=due)


def status_text(status: str, node: str = "") -> str:
    """A status as the user reads it; `node` (village, township, county) is where the case is
    held: the county's own cases are received by the county, not the township."""
    return status_in(language(), status, node)


def status_in(lang: str, status: str, node: str = "") -> str:
    """`status_text` in the language given (the console answers each clerk in theirs)."""
    table, at = (STATUS_ZH, STATUS_ZH_AT) if lang == "zh" else (STATUS_EN, STATUS_EN_AT)
    return at.get(node, {}).get(status) or table.get(status, status)


def event_text(event_type: str) -> str:
    key = f"event.{event_type}"
    return t(key) if key in MESSAGES else event_type


def describe(exc: BaseException, lang: str = "") -> str:
    """What went wrong and what to do, in `lang` (the user's language when not given): the one
    way the command lines, the app and the console say an error. Never a traceback."""
    lang = lang or language()
    if isinstance(exc, ValidationFailed):
        return "\n".join([t_in(lang, "apply.invalid", n=len(exc.issues)),
                          *(f"• {issue.text(lang)}" for issue in exc.issues)])
    if isinstance(exc, UnknownItemError):
        return t_in(lang, "unknown_item", code=exc.code)
    if isinstance(exc, CatalogError):
        return t_in(lang, "catalog.bad", detail=str(exc))
    if isinstance(exc, Said):
        return exc.text(lang)
    if isinstance(exc, sqlite3.DatabaseError):  # damage found mid-command: a torn copy, a bad sector
        return t_in(lang, "error.corrupt", detail=str(exc))
    if isinstance(exc, KeyboardInterrupt):
        return t_in(lang, "error.interrupted")
    if isinstance(exc, FormsError):  # an expression the catalog may not use: its own English
        return str(exc)
    return t_in(lang, "error.internal", kind=type(exc).__name__)

