"""Every user-facing string, Chinese first with English beside it. `t(key, **values)` picks the language."""

from __future__ import annotations

import os

MESSAGES: dict[str, dict[str, str]] = {
    "init.done": {
        "zh": "服务点已建立：{village_name}（{village_code}），设备号 {device_tag}，代办员 {operator}",
        "en": "Service point created: {village_name} ({village_code}), device {device_tag}, agent {operator}",
    },
    "pin.prompt": {"zh": "请输入 {operator} 的PIN码：", "en": "PIN for {operator}: "},
    "pin.new": {"zh": "请为 {operator} 设置PIN码（至少6位）：", "en": "New PIN for {operator} (6+ chars): "},
    "pin.repeat": {"zh": "请再次输入PIN码：", "en": "Repeat the PIN: "},
    "pin.mismatch": {"zh": "两次输入的PIN码不一致，请重新设置", "en": "The two PINs differ; try again"},
    "pin.no_tty": {
        "zh": "需要PIN码：请在终端中运行，或设置环境变量 VILLAGE_AGENT_PIN",
        "en": "A PIN is needed: run in a terminal or set VILLAGE_AGENT_PIN",
    },
    "operator.choose": {
        "zh": "本服务点有多名操作员，请用 --operator 指定姓名：{names}",
        "en": "Several operators here; choose one with --operator: {names}",
    },
    "operator.added": {"zh": "已添加操作员 {name}（{role}）", "en": "Operator {name} ({role}) added"},
    "operator.disabled": {"zh": "已停用操作员 {name}", "en": "Operator {name} disabled"},
    "operator.enabled": {"zh": "已启用操作员 {name}", "en": "Operator {name} enabled"},
    "operator.pin_set": {"zh": "已更新 {name} 的PIN码", "en": "PIN of {name} changed"},
    "apply.done": {
        "zh": "已受理收件：{id}（{item}），承诺{days}个工作日，预计 {due} 前办结",
        "en": "Taken in: {id} ({item}), {days} working days, due by {due}",
    },
    "apply.done_immediate": {
        "zh": "已受理收件：{id}（{item}），即办件，当场办结",
        "en": "Taken in: {id} ({item}), immediate item",
    },
    "apply.invalid": {
        "zh": "申请数据有{n}处问题，未保存。请逐项修改后重新提交：",
        "en": "{n} problem(s) in the application; nothing was saved. Fix them and submit again:",
    },
    "apply.gaps": {
        "zh": "容缺受理的材料须在办结前补齐：{names}",
        "en": "Materials accepted as missing, to be supplied later: {names}",
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
    "applicant.none": {"zh": "未找到该身份证号的办事人记录", "en": "No applicant with that ID number"},
    "error.internal": {
        "zh": "程序内部错误（{kind}），数据未受影响。请记下此信息并联系技术支持；"
              "设置 VILLAGE_AGENT_DEBUG=1 可查看详细信息",
        "en": "Internal error ({kind}); no data was changed. Set VILLAGE_AGENT_DEBUG=1 for details",
    },
    "error.interrupted": {"zh": "已取消", "en": "Cancelled"},
}


def language() -> str:
    lang = os.environ.get("VILLAGE_AGENT_LANG", "zh").lower()
    return "en" if lang.startswith("en") else "zh"


def t(key: str, **values: object) -> str:
    entry = MESSAGES[key]
    return entry.get(language(), entry["zh"]).format(**values)


def error_text(exc: Exception) -> str:
    """The user's message for one of our errors: Chinese (`zh`) or its English text."""
    zh = getattr(exc, "zh", None)
    if language() == "zh" and zh:
        return str(zh)
    return str(exc)
