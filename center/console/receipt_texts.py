"""The words of the console's 核验回执 page (receipts.py), Chinese first with English beside it.

Importing this module adds them to the shared catalogue (sync/i18n.py), as manage_texts.py does;
the verdicts themselves are sync/receipt_texts.py's, the same words the command lines print.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

CHECK_MESSAGES: dict[str, dict[str, str]] = {
    "console.nav.check": {"zh": "核验回执", "en": "Check a receipt"},
    "check.intro": {
        "zh": "村代办点开具的收件回执、授权委托书和中心或代办点打印的通知书都印有二维码和核验码。"
              "用扫码枪扫描二维码，或照着二维码下方的核验码输入（分组的空格可有可无，不分大小写）。",
        "en": "Receipts, letters of authorisation and notices carry a QR code and a verification"
              " code. Scan the QR code, or type the code printed under it (spaces and case do not matter).",
    },
    "check.label": {"zh": "核验码", "en": "Verification code"},
    "check.button": {"zh": "核验", "en": "Check"},
    "check.result": {"zh": "核验结果", "en": "Result"},
    "check.paper": {"zh": "回执所载内容", "en": "What the paper says"},
    "check.case": {"zh": "与本中心所存办件比对", "en": "Against the case held here"},
    "check.col.field": {"zh": "项目", "en": "Field"},
    "check.col.printed": {"zh": "回执所载", "en": "On the paper"},
    "check.col.held": {"zh": "本中心所存", "en": "Held here"},
    "check.col.same": {"zh": "是否一致", "en": "Same?"},
    "check.same": {"zh": "一致", "en": "same"},
    "check.differs": {"zh": "不一致", "en": "differs"},
    "check.status": {"zh": "办件当前状态：{status}", "en": "The case now: {status}"},
    "check.open_case": {"zh": "打开办件", "en": "Open the case"},
    "check.issuer": {"zh": "开具单位", "en": "Issued by"},
    "check.kind": {"zh": "文书", "en": "Paper"},
    "check.unverified": {
        "zh": "签名未通过，以下内容不可信，仅供核对输入",
        "en": "The signature failed: what follows is not to be trusted, shown only to check the typing",
    },
}
MESSAGES.update(CHECK_MESSAGES)
