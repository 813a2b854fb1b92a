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
    "console.title": {"zh": "办件工作台", "en": "Clerks' console"},
    "console.nav.worklist": {"zh": "待办", "en": "Worklist"},
    "console.nav.alarms": {"zh": "告警", "en": "Alarms"},
    "console.nav.devices": {"zh": "设备", "en": "Devices"},
    "console.logout": {"zh": "退出", "en": "Log out"},
    "console.login": {"zh": "工作人员登录", "en": "Clerk login"},
    "console.clerk_name": {"zh": "姓名", "en": "Name"},
    "console.pin": {"zh": "PIN码", "en": "PIN"},
    "console.login_button": {"zh": "登录", "en": "Log in"},
    "console.login_hint": {"zh": "15分钟无操作自动退出。连续输错PIN码将被锁定。", "en": "Idle for 15 minutes logs you out. Repeated wrong PINs lock the account."},
    "console.login_missing": {"zh": "请填写姓名和PIN码", "en": "Enter your name and PIN"},
    "console.csrf": {"zh": "页面已过期或来源不明，本次操作未执行。请刷新页面后重试", "en": "The page expired or did not come from this console; nothing was done. Reload and try again"},
    "console.back": {"zh": "返回待办", "en": "Back to the worklist"},
    "console.search": {"zh": "查找", "en": "Search"},
    "console.search_hint": {"zh": "办件编号、申请人姓名或身份证号", "en": "Application number, applicant name or ID number"},
    "console.status": {"zh": "状态", "en": "Status"},
    "console.item": {"zh": "事项", "en": "Item"},
    "console.village": {"zh": "村", "en": "Village"},
    "console.since": {"zh": "收件起", "en": "From"},
    "console.until": {"zh": "收件止", "en": "To"},
    "console.all": {"zh": "全部", "en": "All"},
    "console.filter": {"zh": "筛选", "en": "Filter"},
    "console.count": {"zh": "共 {n} 件", "en": "{n} cases"},
    "console.col.id": {"zh": "办件编号", "en": "Number"},
    "console.col.applicant": {"zh": "申请人", "en": "Applicant"},
    "console.col.due": {"zh": "承诺办结", "en": "Promised by"},
    "console.col.left": {"zh": "剩余", "en": "Left"},
    "console.col.when": {"zh": "时间", "en": "When"},
    "console.col.what": {"zh": "情况", "en": "What"},
    "console.col.todo": {"zh": "怎么办", "en": "What to do"},
    "console.col.device": {"zh": "设备", "en": "Device"},
    "console.col.last_seen": {"zh": "最近联系", "en": "Last contact"},
    "console.new": {"zh": "新", "en": "new"},
    "console.none": {"zh": "没有符合条件的办件", "en": "No cases match"},
    "console.overdue": {"zh": "已超期{n}个工作日", "en": "{n} working days late"},
    "console.days_left": {"zh": "剩{n}个工作日", "en": "{n} working days left"},
    "console.approximate": {"zh": "（当年节假日未公布，日期为估算）", "en": "(the year's holidays are not published: an estimate)"},
    "console.applicant": {"zh": "申请人", "en": "Applicant"},
    "console.fields": {"zh": "申请内容", "en": "Application"},
    "console.materials": {"zh": "材料", "en": "Materials"},
    "console.scans": {"zh": "扫描件", "en": "Scans"},
    "console.open_file": {"zh": "打开文件", "en": "Open the file"},
    "console.timeline": {"zh": "办理过程", "en": "Timeline"},
    "console.decide": {"zh": "办理", "en": "Decide"},
    "console.action.accepted": {"zh": "受理", "en": "Accept"},
    "console.action.correction_requested": {"zh": "一次性告知补正", "en": "Request a correction"},
    "console.action.rejected": {"zh": "不予受理", "en": "Reject"},
    "console.action.completed": {"zh": "办结", "en": "Complete"},
    "console.correction_hint": {"zh": "勾选需要补正的每一项，一次说清；可修改每项的说明。", "en": "Tick every item to correct, all at once; each explanation can be edited."},
    "console.kind.field": {"zh": "填写项", "en": "Field"},
    "console.kind.material": {"zh": "材料", "en": "Material"},
    "console.other_reason": {"zh": "其他说明（可不填）", "en": "Other reason (optional)"},
    "console.reject_reason": {"zh": "不予受理的理由", "en": "Reason for rejection"},
    "console.result": {"zh": "办理结果", "en": "Result"},
    "console.need_reasons": {"zh": "请至少勾选一项需要补正的内容，或写明其他说明", "en": "Tick at least one thing to correct, or write a reason"},
    "console.need_reason": {"zh": "请写明不予受理的理由", "en": "Write the reason for the rejection"},
    "console.need_result": {"zh": "请填写办理结果", "en": "Write the result"},
    "console.no_decision": {"zh": "未选择办理操作", "en": "No decision chosen"},
    "console.confirm": {"zh": "请确认", "en": "Please confirm"},
    "console.confirm_what": {"zh": "即将对办件 {id}（{item}）执行：{decision}。确认后将记录并通知村代办点。", "en": "About to {decision} {id} ({item}). Once confirmed it is recorded and sent to the village."},
    "console.confirm_button": {"zh": "确认办理", "en": "Confirm"},
    "console.cancel": {"zh": "返回修改", "en": "Go back"},
    "console.done": {"zh": "已记录：{decision}，将在村代办点下次同步时送达", "en": "Recorded: {decision}; the village receives it at its next sync"},
    "console.revoked": {"zh": "已注销", "en": "revoked"},
    "console.active": {"zh": "正常", "en": "active"},
    "console.address": {"zh": "办件工作台：{url}", "en": "Clerks' console: {url}"},
}
MESSAGES.update(CENTER_MESSAGES)
