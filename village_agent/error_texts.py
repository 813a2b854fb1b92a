"""The words of the village program's refusals (its commands, the ledger export), Chinese first
with English beside it.

Importing this module adds them to the shared catalogue (sync/i18n.py), as village_agent/i18n.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

VILLAGE_ERROR_MESSAGES: dict[str, dict[str, str]] = {
    "village.cli.operator_needed": {
        "zh": "请用 --operator 指定第一位代办员的姓名", "en": "--operator is required: name the first agent",
    },
    "village.cli.item_needed": {"zh": "请给出事项代码，如 MZ-GLJT", "en": "Give an item code, e.g. MZ-GLJT"},
    "village.cli.not_written": {"zh": "无法写入 {path}：{detail}", "en": "Cannot write {path}: {detail}"},
    "village.cli.calendar_needed": {
        "zh": "请给出节假日安排文件（TOML），如 2027.toml", "en": "Give the holiday table (TOML), e.g. 2027.toml",
    },
    "village.cli.calendar_bad": {"zh": "节假日安排文件有误：{detail}", "en": "The holiday table is malformed: {detail}"},
    "village.cli.township_needed": {
        "zh": "请给出乡镇中心地址（--township），或不联网时用 --request-file / --answer-file",
        "en": "Give the township's address (--township), or offline --request-file / --answer-file",
    },
    "village.ledger.bad_month": {
        "zh": "月份“{month}”格式不正确，应为 年-月，如 2026-11", "en": "Bad month {month!r}: write year-month, e.g. 2026-11",
    },
    "village.ledger.not_written": {
        "zh": "无法写入 {path}：{detail}。请检查文件夹是否存在、U盘是否插好",
        "en": "Cannot write {path}: {detail}. Is the folder there, is the stick plugged in?",
    },
    "demo.port_busy": {
        "zh": "本机端口 {port} 已被占用或不可用，请换一个 --port，或不给 --port",
        "en": "Port {port} here is taken or unusable: choose another --port, or give none",
    },
}
MESSAGES.update(VILLAGE_ERROR_MESSAGES)
