"""The words of verifiable printouts (sync/receipts.py), both ends, Chinese first with English beside it.

Importing this module adds them to the shared catalogue (sync/i18n.py), as center/texts.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

RECEIPT_MESSAGES: dict[str, dict[str, str]] = {
    "receipts.kind.receipt": {"zh": "收件回执", "en": "intake receipt"},
    "receipts.kind.completed": {"zh": "办结通知书", "en": "completion notice"},
    "receipts.kind.rejected": {"zh": "不予受理通知书", "en": "notice of non-acceptance"},
    "receipts.kind.revoked": {"zh": "撤销决定通知书", "en": "notice of revocation"},
    "receipts.kind.authorisation": {"zh": "授权委托书", "en": "letter of authorisation"},
    "receipts.qr_caption": {
        "zh": "本{kind}（办件编号 {id}）由开具设备签名。扫描二维码或输入下方核验码，"
              "可在本服务点或乡镇便民服务中心核验真伪。",
        "en": "This {kind} (application {id}) is signed by the device that printed it. Scan the"
              " code or type the verification code below at this service point or the township"
              " center to check it.",
    },
    "receipts.typed": {"zh": "核验码：", "en": "Verification code:"},
    # the verdict
    "receipts.genuine": {"zh": "真实：{by}开具，签名核验通过", "en": "Genuine: issued by {by}, the signature verifies"},
    "receipts.forged": {
        "zh": "不符：内容与{by}的签名不符，可能被改动或伪造。请先核对输入；输入无误的，此件不可作为凭证",
        "en": "Does not match: the content does not match {by}'s signature; it may have been altered"
              " or forged. Check what was typed; if it is right, this paper is not proof",
    },
    "receipts.unknown.village": {
        "zh": "不是本服务点开具：开具设备 {device} 不是本服务点的设备，无法核验",
        "en": "Not issued by this service point: device {device} is not this point's, so it cannot be checked here",
    },
    "receipts.unknown.center": {
        "zh": "不是本中心登记的服务点开具：开具设备 {device} 未在本中心登记，无法核验",
        "en": "Not issued by a service point enrolled here: device {device} is unknown to this center",
    },
    "receipts.by_us": {"zh": "本服务点（本机）", "en": "this service point (this PC)"},
    "receipts.by.village": {"zh": "村代办点 {code}（设备 {device}）", "en": "village point {code} (device {device})"},
    "receipts.by.township": {"zh": "乡镇中心 {code}（设备 {device}）", "en": "township center {code} (device {device})"},
    "receipts.by.county": {"zh": "县级中心 {code}（设备 {device}）", "en": "county center {code} (device {device})"},
    "receipts.issuer_revoked": {
        "zh": "注意：开具设备已被注销（如电脑遗失），注销后开具的不可信，请核对开具日期",
        "en": "Note: the issuing device has been revoked (a lost PC?); papers from after that are not to be trusted",
    },
    "receipts.field.kind": {"zh": "文书：{value}", "en": "Paper: {value}"},
    "receipts.field.id": {"zh": "办件编号：{value}", "en": "Application: {value}"},
    "receipts.field.item": {"zh": "事项代码：{value}", "en": "Item code: {value}"},
    "receipts.field.intake": {"zh": "收件日期：{value}", "en": "Taken in: {value}"},
    "receipts.field.due": {"zh": "承诺办结日期：{value}", "en": "Promised by: {value}"},
    "receipts.field.device": {"zh": "开具设备：{value}", "en": "Issued by device: {value}"},
    "receipts.no_due": {"zh": "即办（无承诺日期）", "en": "on the spot (no promised day)"},
    "receipts.case.none": {"zh": "本处没有办件 {id} 的记录", "en": "No case {id} is held here"},
    "receipts.case.agrees": {
        "zh": "与本处所存办件一致（编号、事项、收件日期、承诺日期）",
        "en": "Agrees with the case held here (number, item, intake and promised days)",
    },
    "receipts.case.differs": {"zh": "与本处所存办件不一致：", "en": "Differs from the case held here:"},
    "receipts.case.field": {"zh": "  {name}：回执为 {printed}，本处为 {held}",
                            "en": "  {name}: the paper says {printed}, held here {held}"},
    "receipts.name.id": {"zh": "办件编号", "en": "Application"},
    "receipts.name.item": {"zh": "事项代码", "en": "Item code"},
    "receipts.name.intake": {"zh": "收件日期", "en": "Taken in"},
    "receipts.name.due": {"zh": "承诺办结日期", "en": "Promised by"},
    "receipts.name.kind": {"zh": "文书与办件状态", "en": "Paper against the case's status"},
    "receipts.name.issuer": {"zh": "开具设备（应为本件的服务点或中心）",
                             "en": "Issuing device (the case's own point or a center)"},
    # a text that is not a code
    "receipts.bad.empty": {"zh": "请输入或扫描回执上的核验码（以 VR1. 开头）",
                           "en": "Type or scan the verification code on the paper (it starts VR1.)"},
    "receipts.bad.prefix": {
        "zh": "这不是回执核验码：核验码以 VR1. 开头，印在回执二维码下方",
        "en": "This is not a verification code: it starts VR1. and is printed under the QR code",
    },
    "receipts.bad.version": {
        "zh": "核验码版本 VR{version} 本软件不认识，请将软件更新到最新版本",
        "en": "Verification code version VR{version} is unknown to this software: update it",
    },
    "receipts.bad.characters": {
        "zh": "核验码中有不该出现的字符：{chars}。核验码只含数字和字母（不含 U），请核对后重输",
        "en": "The code has characters it never holds: {chars}. It has only digits and letters (no U)",
    },
    "receipts.bad.mistyped": {
        "zh": "核验码有输错或缺漏的字符（校验位不符），请逐组核对后重输",
        "en": "A character of the code is mistyped or missing (the check character disagrees): check each group",
    },
    "receipts.bad.shape": {
        "zh": "核验码不完整或格式不对，无法读出内容，请核对后重输",
        "en": "The code is incomplete or malformed and cannot be read: check it and type it again",
    },
}
MESSAGES.update(RECEIPT_MESSAGES)
