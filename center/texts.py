"""The center's own words (service-center and its console), Chinese first with English beside it.

Importing this module adds them to the shared catalogue (sync/i18n.py).
"""

from __future__ import annotations

from sync.i18n import MESSAGES

CENTER_MESSAGES: dict[str, dict[str, str]] = {
    "center.decision.accepted": {"zh": "已受理", "en": "Accepted"},
    "center.decision.correction_requested": {"zh": "已发出补正告知", "en": "Correction requested"},
    "center.decision.rejected": {"zh": "已决定不予受理", "en": "Rejected"},
    "center.decision.completed": {"zh": "已办结", "en": "Completed"},
    "center.decided": {
        "zh": "{decision}：{id}，将在村代办点下次同步时送达",
        "en": "{decision}: {id}; the village point gets it at its next sync",
    },
    "center.init_done": {
        "zh": "已建立{center}：{name}（{code}），窗口工作人员 {operator}，指纹 {fingerprint}",
        "en": "Created {center}: {name} ({code}), clerk {operator}, fingerprint {fingerprint}",
    },
    "center.reason_format": {
        "zh": "--{option} 应写成 名称=理由，如 --field bank_name=开户行名称有误（收到：{value}）",
        "en": "--{option} takes NAME=TEXT, e.g. --field bank_name=wrong bank (got: {value})",
    },
    "center.reasons_needed": {
        "zh": "补正通知须至少列明一条理由（--reason、--field 或 --material）",
        "en": "A correction request needs at least one reason (--reason, --field or --material)",
    },
    "center.ready": {"zh": "中心已启动，指纹 {fingerprint}", "en": "center started, fingerprint {fingerprint}"},
    "center.usb_imported": {
        "zh": "已导入{files}个文件：新收{stored}条，重复{duplicates}条",
        "en": "{files} file(s) imported: {stored} new, {duplicates} duplicate(s)",
    },
    "center.usb_already": {"zh": "（其中{n}个文件此前已导入）", "en": " ({n} file(s) imported before)"},
    "center.usb_none": {
        "zh": "{folder} 中没有村代办点导出的数据包（up-开头、.vab结尾的文件）。请确认U盘插好、选对了文件夹",
        "en": "No village export (up-*.vab) in {folder}: check the stick and the folder",
    },
    "center.usb_file_refused": {
        "zh": "拒收文件 {name}：{reason}（该文件的数据一条也未写入）",
        "en": "Refused {name}: {reason} (nothing of it was stored)",
    },
    "center.usb_message_refused": {
        "zh": "{name} 中有{n}条记录被拒收：{reason}",
        "en": "{n} record(s) in {name} refused: {reason}",
    },
    "center.usb_answers": {"zh": "答复已写回U盘：{n}个文件", "en": "Answers written to the stick: {n} file(s)"},
    "center.usb_unanswered": {
        "zh": "未给 {name}（设备 {device}）写答复：{reason}",
        "en": "No answer written for {name} (device {device}): {reason}",
    },
    "center.usb_answered_before": {
        "zh": "{name} 此前已答复过（同一U盘导入了两次，或该设备此后已同步），不再重写",
        "en": "{name} was answered before (imported twice, or the device synced since): not rewritten",
    },
    "center.enroll_answered": {"zh": "已登记，答复文件：{path}", "en": "Enrolled; answer file: {path}"},
    "center.calendar_published": {
        "zh": "已发布{year}年节假日安排，将随同步下发{n}个乡镇及其各村",
        "en": "Holiday table {year} published; it goes to {n} township(s) and their villages at sync",
    },
    "center.catalog_published": {
        "zh": "已发布事项目录第{serial}版（{version}），将随同步下发{n}个乡镇及其各村。已开始填写的申请仍按原版本办理",
        "en": "Catalog release {serial} ({version}) published; it goes to {n} township(s) and their"
              " villages at sync. Applications already begun keep their version",
    },
    "center.catalog_release": {
        "zh": "第{serial}版  {version}  {files}个文件  发布于{at}", "en": "release {serial}  {version}  {files} file(s)  published {at}",
    },
    "center.no_releases": {
        "zh": "未发布过事项目录（使用随软件安装的目录）", "en": "No catalog published (the installed one is used)",
    },
    "center.pruned": {
        "zh": "已清理{n}条各村设备均已签收、超过{days}天的下行消息（节假日安排、事项目录、吊销名单始终保留）",
        "en": "{n} message(s) every village device acknowledged, older than {days} day(s), removed"
              " (holiday tables, catalogs and revocation lists are always kept)",
    },
    "center.linked": {
        "zh": "已登记到县级中心。请核对指纹：本中心 {mine}，县级中心 {county}",
        "en": "Enrolled at the county center. Compare fingerprints: this center {mine}, county {county}",
    },
    "center.forwarded": {
        "zh": "已转报县级中心{forwarded}条，县级确认{acknowledged}条，收到县级办理结果{down}条",
        "en": "{forwarded} sent to the county, {acknowledged} confirmed, {down} county decision(s) received",
    },
    "center.forward_failed": {
        "zh": "转报失败：{error}（数据已保存，稍后重试）", "en": "Forwarding failed: {error} (data kept; try again later)",
    },
    "center.enroll_code": {
        "zh": "村 {village} 的一次性登记码：{code}（{hours}小时内有效，仅可使用一次）",
        "en": "One-time enrollment code for village {village}: {code} (valid {hours} hour(s), once)",
    },
    "center.device_revoked": {"zh": "已注销", "en": "revoked"},
    "center.device_active": {"zh": "正常", "en": "active"},
    "center.no_devices": {"zh": "尚无登记设备", "en": "No enrolled devices"},
    "center.device_clock": {
        "zh": "⚠ 该设备时钟比本中心{direction}约{minutes}分钟，请代办员校正电脑时间",
        "en": "⚠ its clock is about {minutes} min {direction} ours: ask the agent to set it",
    },
    "center.clock_behind": {"zh": "慢", "en": "behind"},
    "center.clock_ahead": {"zh": "快", "en": "ahead of"},
    "center.revoked": {
        "zh": "已注销设备 {device}（注销名单第{version}版）：此后其新数据一律拒收，名单将随同步下发各村并报县级中心",
        "en": "Device {device} revoked (list version {version}): its new data is refused from now on;"
              " the list goes to the villages and the county at sync",
    },
    "center.due": {"zh": "期限{due}", "en": "due {due}"},
    "center.no_alarms": {"zh": "无告警", "en": "No alarms"},
}
MESSAGES.update(CENTER_MESSAGES)
