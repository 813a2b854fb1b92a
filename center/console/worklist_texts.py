"""The words of the worklist's filters and the correction form's first drafts, Chinese first with
English beside it.

Importing this module adds them to the shared catalogue (sync/i18n.py), as center/texts.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

WORKLIST_MESSAGES: dict[str, dict[str, str]] = {
    "console.filter.since": {"zh": "起始", "en": "The start"},
    "console.filter.until": {"zh": "截止", "en": "The end"},
    "console.filter.bad_date": {
        "zh": "{what}日期格式不正确，请写成 2026-12-07 这样", "en": "{what} is not a date: write it like 2026-12-07",
    },
    # A reason's first draft, as the villager's notice says it (the notice is in Chinese).
    "console.correct.field_default": {"zh": "{label}需补正", "en": "{label} needs correcting"},
    "console.correct.material_default": {"zh": "请补交{name}", "en": "Please hand in {name}"},
}
MESSAGES.update(WORKLIST_MESSAGES)
