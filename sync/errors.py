"""Errors raised by sync. Each carries a Chinese reason for the agent or clerk (`zh`).

SyncError
 └── BundleRejected      a message or bundle file is refused before anything is stored
      (reason: malformed | truncated | unknown_sender | bad_signature | not_for_us
               | decrypt_failed | too_large | revoked | wrong_village | replay
               | malformed_payload | not_permitted | foreign_application | out_of_order
               | proof_required | bad_proof | stale_request | no_request_key
               | damaged | not_a_file | unreadable | no_sidecar)
"""

from __future__ import annotations

REASONS_ZH = {
    "malformed": "数据包格式不正确，可能不是本系统生成的文件",
    "truncated": "数据包不完整（可能拷贝时U盘被拔出），请重新导出后再导入",
    "unknown_sender": "发送设备未登记（未注册或不属于本辖区），已拒收",
    "bad_signature": "签名校验失败：数据包被篡改或伪造，已拒收",
    "damaged": "文件已损坏或被改动（校验值不符），已整个拒收：请在原电脑上重新导出后再导入",
    "not_a_file": "这不是数据包文件（是文件夹或特殊文件），已跳过",
    "unreadable": "文件无法读取（权限不足或U盘出错），已跳过：请检查U盘后重试",
    "no_sidecar": "数据包旁缺少同名的 .json 说明文件，已整个拒收：请重新导出",
    "not_for_us": "数据包不是发给本中心/本设备的",
    "decrypt_failed": "无法解密：数据包已损坏或密钥不匹配",
    "too_large": "数据包超过大小上限，已拒收",
    "revoked": "发送设备已被注销（如电脑遗失），其新数据一律拒收",
    "wrong_village": "发送设备不属于所报村的代办点，已拒收",
    "replay": "重复或过期的数据包，未重复入库",
    "malformed_payload": "数据内容格式不正确（发送设备的软件可能有误），该条已拒收，不再重发",
    "not_permitted": "该设备无权发送这类记录（办理决定只能由办理中心作出），该条已拒收，不再重发",
    "foreign_application": "该办件属于其他村的代办点，本设备不能为其报送记录，该条已拒收，不再重发",
    "out_of_order": "该记录与办件当前状态不符（例如未办结就送达、未送达就评价），该条已拒收，不再重发",
    "proof_required": "同步请求未携带本设备的签名证明，中心不予应答；请将软件更新到最新版本",
    "bad_proof": "同步请求的签名证明校验失败（可能是伪造的请求），中心不予应答",
    "stale_request": "同步请求已用过（可能是重放的旧请求），中心不予应答",
    "no_request_key": "本设备还没有同步凭据：请代办员登录一次软件，之后即可自动同步",
    "downstream_incomplete": "乡镇的答复不完整或与签名的下行位置不符，一条也未采用：请乡镇中心重新导入并写答复",
}


REASONS_EN = {
    "malformed": "not a bundle this system wrote",
    "truncated": "incomplete (the stick was pulled mid-copy?): export it again",
    "unknown_sender": "the sending device is not enrolled here",
    "bad_signature": "the signature does not verify: altered or forged",
    "damaged": "damaged or changed in place (checksum mismatch): export it again",
    "not_a_file": "a folder or special file, not a bundle: skipped",
    "unreadable": "cannot be read (permissions or a stick error): skipped",
    "no_sidecar": "its .json sidecar is missing: export it again",
    "not_for_us": "not addressed to this center or device",
    "decrypt_failed": "cannot be decrypted: damaged or the wrong key",
    "too_large": "over the size limit",
    "revoked": "the sending device is revoked (lost PC): nothing new from it is taken",
    "wrong_village": "the sending device does not belong to the village it names",
    "replay": "a repeated or stale message: not filed twice",
    "malformed_payload": "the record's content is malformed: refused for good",
    "not_permitted": "this device may not send that kind of record (only the deciding center decides)",
    "foreign_application": "the case belongs to another village's service point",
    "out_of_order": "does not fit the case's status (e.g. delivered before completed)",
    "proof_required": "the request carries no proof of the device's key: update the software",
    "bad_proof": "the request's proof of the device's key does not verify",
    "stale_request": "the request was used before (a replay?)",
    "no_request_key": "this device has no sync credential yet: an operator must log in once",
    "downstream_incomplete": "the answer is incomplete or does not match its signed position: none used",
}


def reason_text(reason: str, lang: str = "zh") -> str:
    """A refusal's reason said for a person, Chinese unless `lang` is English."""
    table = REASONS_EN if lang == "en" else REASONS_ZH
    return table.get(reason, reason if lang == "en" else "数据包被拒收")


class SyncError(Exception):
    zh = "同步出错"


class BundleRejected(SyncError):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.zh = REASONS_ZH.get(reason, "数据包被拒收")
