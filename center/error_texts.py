"""The words of the center's refusals (enrollment, decisions, forwarding, publishing, supervision
settings), Chinese first with English beside it.

Importing this module adds them to the shared catalogue (sync/i18n.py), as center/texts.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

CENTER_ERROR_MESSAGES: dict[str, dict[str, str]] = {
    # enrollment (center/enroll.py, center/server.py)
    "center.enroll.village_code": {"zh": "村级区划代码应为12位", "en": "A village's division code has 12 digits"},
    "center.enroll.township_code": {"zh": "乡镇区划代码应为9位", "en": "A township's division code has 9 digits"},
    "center.enroll.centers_only": {
        "zh": "只有乡镇或县级中心可以生成登记码", "en": "Only a township or county center makes enrollment codes",
    },
    "center.enroll.not_under": {
        "zh": "{what}，且以本中心代码{code}开头", "en": "{what}, starting with this center's code {code}",
    },
    "center.enroll.malformed": {"zh": "登记请求格式不正确", "en": "The enrollment request is malformed"},
    "center.enroll.unknown_code": {
        "zh": "登记码不存在，请核对或向乡镇重新申请", "en": "No such enrollment code: check it, or ask for a new one",
    },
    "center.enroll.code_used": {
        "zh": "该登记码已使用或已作废，请向乡镇重新申请", "en": "That enrollment code is used or void: ask for a new one",
    },
    "center.enroll.code_expired": {
        "zh": "登记码已过期，请向乡镇重新申请", "en": "That enrollment code has expired: ask for a new one",
    },
    "center.enroll.mismatch": {
        "zh": "登记码与村级区划代码不符，请核对", "en": "The enrollment code does not match the division code: check both",
    },
    "center.enroll.device_taken": {
        "zh": "该设备编号已登记为另一台设备，未登记。请在本机重新初始化后再登记，或联系乡镇技术人员",
        "en": "That device id is already enrolled as another device; nothing was enrolled. Set this PC up"
              " again and enroll, or call the township's technician",
    },
    "center.server.cursor_bad": {
        "zh": "cursor 参数不正确，应为不小于 0 的整数", "en": "cursor must be a whole number, 0 or more",
    },
    "center.server.cursor_range": {
        "zh": "cursor 参数超出范围，应为不小于 0 的整数", "en": "cursor is out of range: a whole number, 0 or more",
    },
    # decisions (center/ingest.py) and forwarding (center/upstream.py)
    "center.decide.unknown": {"zh": "未知的办理决定", "en": "Unknown decision"},
    "center.decide.reasons_needed": {
        "zh": "补正通知须一次性列明全部补正理由", "en": "A correction request lists all its reasons at once",
    },
    "center.decide.reason_needed": {"zh": "不予受理须说明理由", "en": "A rejection needs a reason"},
    "center.decide.result_needed": {"zh": "办结须填写办理结果", "en": "A completion needs its result"},
    "center.decide.no_case": {"zh": "没有办件 {id}", "en": "No application {id}"},
    "center.decide.changed": {
        "zh": "办件 {id} 在您打开后已有新的办理记录（可能是其他工作人员刚刚办理），本次操作未记录。请刷新页面查看最新情况后再办理",
        "en": "{id} changed since you opened it (another clerk may have just decided it); nothing was"
              " recorded. Reload the page and look again",
    },
    "center.decide.forwarded": {
        "zh": "办件 {id} 已转报县级中心办理，由县级作出决定", "en": "{id} was forwarded to the county, which decides it",
    },
    "center.decide.wrong_status": {
        "zh": "办件当前状态不能执行此操作（当前：{status}）", "en": "Not possible in the case's status ({status})",
    },
    "center.forward.township_only": {"zh": "只有乡镇中心可以转报县级", "en": "Only a township forwards to the county"},
    "center.forward.not_allowed": {
        "zh": "该事项不在乡镇可转报县级的范围内（事项目录未允许转报），请在本中心办理",
        "en": "This item does not go up to the county (the catalog does not allow it); decide it here",
    },
    "center.forward.not_linked": {
        "zh": "本中心尚未与县级中心建立连接，不能转报。请先完成县级登记（service-center link）",
        "en": "This center is not linked to a county, so nothing goes up. Link it first (service-center link)",
    },
    "center.forward.not_sealed": {
        "zh": "办件 {id} 上报时未同时加密给县级中心（村代办点软件较旧，或当时县级尚未登记），县级无法读取，不能转报。请村代办点更新软件后重新提交此件",
        "en": "{id} was not sealed to the county when sent (an older village program, or the county was"
              " not enrolled yet), so the county cannot read it. Have the village update and submit it again",
    },
    "center.revoke_device.township_only": {
        "zh": "只有乡镇中心可以注销其登记的设备", "en": "Only the enrolling township revokes a device",
    },
    "center.revoke_device.none": {"zh": "没有可注销的设备 {device}", "en": "No active device {device}"},
    # publishing (center/publish.py)
    "center.publish.release_refused": {
        "zh": "事项目录有错误，未安装：{detail}", "en": "The catalog release has errors and was not installed: {detail}",
    },
    "center.publish.calendar_county_only": {
        "zh": "节假日安排只能由县级中心发布", "en": "Only the county publishes the holidays",
    },
    "center.publish.catalog_county_only": {"zh": "事项目录只能由县级中心发布", "en": "Only the county publishes the catalog"},
    "center.publish.no_catalog": {
        "zh": "找不到事项目录文件夹或其中没有事项文件：{folder}", "en": "No catalog folder, or no item file in it: {folder}",
    },
    "center.publish.stale_preview": {
        "zh": "预览之后已有新的事项目录发布（现为第{current}版），本次未发布。请重新上传并预览",
        "en": "Release {current} was published after your preview; nothing was published."
              " Upload and preview again",
    },
    # supervision settings and figures (center/supervision.py)
    "sup.setting.yellow_days": {"zh": "黄牌预警天数", "en": "The yellow card days"},
    "sup.setting.followup_days": {"zh": "差评整改时限", "en": "The days to rectify a bad rating"},
    "sup.setting.complaint_days": {"zh": "投诉办理时限", "en": "The days to answer a complaint"},
    "sup.setting.item_yellow_days": {"zh": "事项 {item} 的黄牌预警天数", "en": "The yellow card days of {item}"},
    "sup.setting.days_range": {
        "zh": "{name}须为 {low} 至 {high} 之间的工作日数", "en": "{name} must be a whole number of working days, {low} to {high}",
    },
    "sup.setting.bad_item": {"zh": "事项编码有误", "en": "Bad item code"},
    "sup.rollup.bad_by": {"zh": "不能按“{by}”汇总", "en": "Cannot group cards by {by!r}"},
    "sup.period.bad": {
        "zh": "统计期“{period}”有误：月份写作 2026-10，季度写作 2026-Q4",
        "en": "Bad period {period!r}: a month is written 2026-10, a quarter 2026-Q4",
    },
    "sup.figures.bad_by": {"zh": "不能按“{by}”统计", "en": "Cannot count by {by!r}"},
}
MESSAGES.update(CENTER_ERROR_MESSAGES)
