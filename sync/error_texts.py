"""Sync's words in Chinese and English: why a message or bundle is refused, and its other errors.

Merged into the product's catalogue by sync/i18n.py; sync/errors.py raises these keys.
"""

from __future__ import annotations

# A refusal's reason (BundleRejected.reason): `sync.reason.<reason>`.
REASON_MESSAGES: dict[str, dict[str, str]] = {
    "sync.reason.malformed": {
        "zh": "数据包格式不正确，可能不是本系统生成的文件", "en": "not a bundle this system wrote",
    },
    "sync.reason.truncated": {
        "zh": "数据包不完整（可能拷贝时U盘被拔出），请重新导出后再导入",
        "en": "incomplete (the stick was pulled mid-copy?): export it again",
    },
    "sync.reason.unknown_sender": {
        "zh": "发送设备未登记（未注册或不属于本辖区），已拒收", "en": "the sending device is not enrolled here",
    },
    "sync.reason.bad_signature": {
        "zh": "签名校验失败：数据包被篡改或伪造，已拒收", "en": "the signature does not verify: altered or forged",
    },
    "sync.reason.damaged": {
        "zh": "文件已损坏或被改动（校验值不符），已整个拒收：请在原电脑上重新导出后再导入",
        "en": "damaged or changed in place (checksum mismatch): export it again",
    },
    "sync.reason.not_a_file": {
        "zh": "这不是数据包文件（是文件夹或特殊文件），已跳过", "en": "a folder or special file, not a bundle: skipped",
    },
    "sync.reason.unreadable": {
        "zh": "文件无法读取（权限不足或U盘出错），已跳过：请检查U盘后重试",
        "en": "cannot be read (permissions or a stick error): skipped",
    },
    "sync.reason.no_sidecar": {
        "zh": "数据包旁缺少同名的 .json 说明文件，已整个拒收：请重新导出",
        "en": "its .json sidecar is missing: export it again",
    },
    "sync.reason.not_for_us": {
        "zh": "数据包不是发给本中心/本设备的", "en": "not addressed to this center or device",
    },
    "sync.reason.decrypt_failed": {
        "zh": "无法解密：数据包已损坏或密钥不匹配", "en": "cannot be decrypted: damaged or the wrong key",
    },
    "sync.reason.too_large": {"zh": "数据包超过大小上限，已拒收", "en": "over the size limit"},
    "sync.reason.newer_version": {
        "zh": "数据包是更新版本的软件生成的，本机软件读不了：请将本机软件更新到最新版本",
        "en": "written by a newer version of the software: update the software here",
    },
    "sync.reason.unknown_dictionary": {
        "zh": "数据包使用了本机软件还没有的压缩字典（对方软件较新）：请将本机软件更新到最新版本",
        "en": "compressed with a dictionary this software does not have yet: update the software here",
    },
    "sync.reason.revoked": {
        "zh": "发送设备已被注销（如电脑遗失），其新数据一律拒收",
        "en": "the sending device is revoked (lost PC): nothing new from it is taken",
    },
    "sync.reason.wrong_village": {
        "zh": "发送设备不属于所报村的代办点，已拒收",
        "en": "the sending device does not belong to the village it names",
    },
    "sync.reason.replay": {
        "zh": "重复或过期的数据包，未重复入库", "en": "a repeated or stale message: not filed twice",
    },
    "sync.reason.malformed_payload": {
        "zh": "数据内容格式不正确（发送设备的软件可能有误），该条已拒收，不再重发",
        "en": "the record's content is malformed: refused for good",
    },
    "sync.reason.not_permitted": {
        "zh": "该设备无权发送这类记录（办理决定只能由办理中心作出），该条已拒收，不再重发",
        "en": "this device may not send that kind of record (only the deciding center decides)",
    },
    "sync.reason.foreign_application": {
        "zh": "该办件属于其他村的代办点，本设备不能为其报送记录，该条已拒收，不再重发",
        "en": "the case belongs to another village's service point",
    },
    "sync.reason.out_of_order": {
        "zh": "该记录与办件当前状态不符（例如未办结就送达、未送达就评价），该条已拒收，不再重发",
        "en": "does not fit the case's status (e.g. delivered before completed)",
    },
    "sync.reason.proof_required": {
        "zh": "同步请求未携带本设备的签名证明，中心不予应答；请将软件更新到最新版本",
        "en": "the request carries no proof of the device's key: update the software",
    },
    "sync.reason.bad_proof": {
        "zh": "同步请求的签名证明校验失败（可能是伪造的请求），中心不予应答",
        "en": "the request's proof of the device's key does not verify",
    },
    "sync.reason.stale_request": {
        "zh": "同步请求已用过（可能是重放的旧请求），中心不予应答",
        "en": "the request was used before (a replay?)",
    },
    "sync.reason.no_request_key": {
        "zh": "本设备还没有同步凭据：请代办员登录一次软件，之后即可自动同步",
        "en": "this device has no sync credential yet: an operator must log in once",
    },
    "sync.reason.downstream_incomplete": {
        "zh": "乡镇的答复不完整或与签名的下行位置不符，一条也未采用：请乡镇中心重新导入并写答复",
        "en": "the answer is incomplete or does not match its signed position: none used",
    },
    "sync.reason.unknown": {"zh": "数据包被拒收", "en": "refused"},
}

SYNC_MESSAGES: dict[str, dict[str, str]] = {
    **REASON_MESSAGES,
    "sync.error": {"zh": "同步出错", "en": "Sync failed"},
    "error.corrupt": {
        "zh": "数据文件已损坏，无法读取（{detail}）。请勿继续使用此数据目录，联系乡镇技术人员从备份恢复",
        "en": "The store is damaged: {detail}. Stop using this data folder; ask the township's technician"
              " to restore a backup",
    },
    "cli.operator_name_needed": {"zh": "请给出操作员姓名", "en": "Give the operator's name"},
    # the village's session with its township (sync/client.py)
    "sync.client.not_enrolled": {
        "zh": "本设备尚未登记到乡镇中心，请先运行 enroll", "en": "This device is not enrolled yet: run enroll first",
    },
    "sync.client.cut": {
        "zh": "与乡镇中心的连接中断，数据已安全保存，稍后自动重试",
        "en": "The link to the township broke off; everything is saved and will be retried",
    },
    "sync.client.offline": {
        "zh": "未连接乡镇中心（离线），数据已保存，稍后自动重试",
        "en": "The township cannot be reached (offline); everything is saved and will be retried",
    },
    "sync.client.refused": {
        "zh": "乡镇中心拒绝了同步请求：{message}", "en": "The township refused the sync request: {message}",
    },
    "sync.client.unreachable": {
        "zh": "无法连接乡镇中心 {url}，请检查网络和地址", "en": "Cannot reach the township at {url}: check the network and address",
    },
    "sync.client.enroll_refused": {
        "zh": "乡镇中心拒绝了登记请求", "en": "The township refused the enrollment",
    },
    "sync.client.enroll_refused_said": {
        "zh": "乡镇中心拒绝了登记请求：{message}", "en": "The township refused the enrollment: {message}",
    },
    # enrollment (sync/enroll.py)
    "sync.enroll.bad_code": {
        "zh": "登记码应为10位字母数字（如 K7Q2-XA4M-PD），请核对",
        "en": "An enrollment code has 10 letters and digits (like K7Q2-XA4M-PD); check it",
    },
    "sync.enroll.bad_mac": {
        "zh": "乡镇的答复无法用登记码验证（可能连到了错误的服务器），未登记",
        "en": "The township's answer does not check with the code (the wrong server?): not enrolled",
    },
    "sync.enroll.malformed": {"zh": "乡镇的答复格式不正确", "en": "The township's answer is malformed"},
    "sync.enroll.wrong_level": {
        "zh": "登记的上级中心类型不对（村代办点登记到乡镇，乡镇登记到县）",
        "en": "Wrong kind of center: a village enrolls at a township, a township at its county",
    },
    "sync.enroll.other_device": {
        "zh": "证书与本设备不符，未登记", "en": "The certificate is for another device: not enrolled",
    },
    # what the county publishes (sync/releases.py)
    "sync.release.unreadable": {
        "zh": "事项目录更新包无法读取，已忽略", "en": "The catalog release cannot be read: ignored",
    },
    "sync.release.malformed": {
        "zh": "事项目录更新包格式不正确，已忽略", "en": "The catalog release is malformed: ignored",
    },
    # a correction request's reasons (sync/corrections.py)
    "sync.reasons.none": {
        "zh": "补正通知须一次性列明全部补正理由", "en": "A correction request lists all its reasons at once",
    },
    "sync.reasons.malformed": {
        "zh": "第{n}条补正理由格式不对：应为文字，或含 field/material/text 的对象",
        "en": "Reason {n} is malformed: text, or an object with field/material/text",
    },
    "sync.reasons.empty": {
        "zh": "第{n}条补正理由没有内容，请写明要补正什么", "en": "Reason {n} is empty: say what to correct",
    },
    "sync.reasons.too_long": {
        "zh": "第{n}条补正理由超过{limit}字，请分条简要说明",
        "en": "Reason {n} is over {limit} characters: split it into short ones",
    },
    "sync.reasons.unknown_field": {
        "zh": "第{n}条补正理由指向的填报项“{name}”不是本事项的填报项；可用：{known}",
        "en": "Reason {n} names {name!r}, not a field of this item; the fields: {known}",
    },
    "sync.reasons.unknown_material": {
        "zh": "第{n}条补正理由指向的材料“{name}”不是本事项的材料；可用：{known}",
        "en": "Reason {n} names {name!r}, not a material of this item; the materials: {known}",
    },
    "sync.reasons.none_known": {"zh": "无", "en": "none"},
}
