"""The words of the intake's data-file refusals, Chinese first with English beside it.

Importing this module adds them to the shared catalogue (sync/i18n.py), as village_agent/i18n.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

INTAKE_MESSAGES: dict[str, dict[str, str]] = {
    "intake.data.missing": {"zh": "找不到数据文件：{path}", "en": "{path}: no such file"},
    "intake.data.unreadable": {
        "zh": "无法读取数据文件 {path}（须为UTF-8编码的JSON）", "en": "{path} cannot be read (it must be JSON in UTF-8)",
    },
    "intake.data.syntax": {
        "zh": "数据文件 {name} 第{line}行第{column}列格式错误：{reason}",
        "en": "{name}: invalid JSON at line {line}, column {column}: {reason}",
    },
    "intake.data.unusable": {
        "zh": "数据文件 {name} 不是可用的表单数据（{why}）：请用 village-agent catalog template 事项编码 --json 生成的模板填写",
        "en": "{name} is not usable form data ({why}): fill in the template from village-agent catalog template ITEM --json",
    },
    "intake.data.why.nested": {"zh": "嵌套超过{depth}层", "en": "nested deeper than {depth} levels"},
    "intake.data.why.longer": {"zh": "文件过大", "en": "the file is too large"},
    "intake.data.why.nan": {"zh": "含有 NaN，不是数字", "en": "it holds NaN, which is not a number"},
    "intake.data.why.infinity": {"zh": "含有 Infinity，不是数字", "en": "it holds Infinity, which is not a number"},
    "intake.data.why.minus_infinity": {"zh": "含有 -Infinity，不是数字", "en": "it holds -Infinity, which is not a number"},
}
MESSAGES.update(INTAKE_MESSAGES)
