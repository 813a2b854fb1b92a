"""The words of village-agent's command line (help and options), Chinese first with English.

Importing this module adds them to the shared catalogue (sync/i18n.py), as village_agent/i18n.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

VILLAGE_CLI_MESSAGES: dict[str, dict[str, str]] = {
    "village.cli.help.main.home": {
        "zh": "数据目录 data directory (or VILLAGE_AGENT_HOME)",
        "en": "data directory (or VILLAGE_AGENT_HOME)",
    },
    "village.cli.help.main.json": {
        "zh": "机器可读输出 machine-readable output",
        "en": "machine-readable output",
    },
    "village.cli.help.main.operator": {
        "zh": "操作员姓名 operator name (or VILLAGE_AGENT_OPERATOR)",
        "en": "operator name (or VILLAGE_AGENT_OPERATOR)",
    },
    "village.cli.help.description": {
        "zh": "村便民服务代办点 — village service point. 不带参数运行打开界面 (no arguments: the app).",
        "en": "village service point (no arguments: the app)",
    },
    "village.cli.help.init": {
        "zh": "建立服务点 create the service point",
        "en": "create the service point",
    },
    "village.cli.help.init.village_code": {
        "zh": "12位村级区划代码 12-digit village division code",
        "en": "12-digit village division code",
    },
    "village.cli.help.init.village_name": {
        "zh": "村名 village name",
        "en": "village name",
    },
    "village.cli.help.operator": {
        "zh": "操作员管理 manage operators",
        "en": "manage operators",
    },
    "village.cli.help.operator.name": {
        "zh": "操作员姓名 operator name",
        "en": "operator name",
    },
    "village.cli.help.operator.role": {
        "zh": "agent（代办员，默认 the default）或 grid_worker（网格员）",
        "en": "agent (the default) or grid_worker",
    },
    "village.cli.help.catalog": {
        "zh": "事项目录 the service catalog",
        "en": "the service catalog",
    },
    "village.cli.help.catalog.code": {
        "zh": "事项代码或搜索词 item code or search words",
        "en": "item code or search words",
    },
    "village.cli.help.apply": {
        "zh": "代办收件 take in an application",
        "en": "take in an application",
    },
    "village.cli.help.inspect": {
        "zh": "网格巡查登记 record an inspection",
        "en": "record an inspection",
    },
    "village.cli.help.apply.item": {
        "zh": "事项代码 item code",
        "en": "item code",
    },
    "village.cli.help.apply.data": {
        "zh": "申请数据JSON文件 data file",
        "en": "data file",
    },
    "village.cli.help.apply.attach": {
        "zh": "附件（材料代码=文件）attachment, repeatable",
        "en": "attachment, repeatable",
    },
    "village.cli.help.apply.authorization": {
        "zh": "授权方式：signed=已签委托书, in_person=本人到场",
        "en": "how it is authorised: signed=a signed letter, in_person=the applicant in person",
    },
    "village.cli.help.apply.priority": {
        "zh": "绿色通道：老 弱 病 残 军（elderly frail ill disabled military），可重复或用逗号分隔；年满60周岁按身份证号自动认定 green channel grounds, repeatable; 60 or older is found from the ID number",
        "en": "green channel grounds, repeatable; 60 or older is found from the ID number",
    },
    "village.cli.help.applicant": {
        "zh": "按身份证号查找办事人；update 更正登记信息，history 查看历次登记 find an applicant; update corrects the registry; history lists every declaration",
        "en": "find an applicant; update corrects the registry; history lists every declaration",
    },
    "village.cli.help.applicant.id_number": {
        "zh": "update/history：办事人身份证号 the ID number",
        "en": "update/history: the applicant's ID number",
    },
    "village.cli.help.recover": {
        "zh": "忘记PIN码：用恢复码重设 forgot the PIN: set a new one with the recovery code (VILLAGE_AGENT_RECOVERY_CODE, VILLAGE_AGENT_NEW_PIN)",
        "en": "forgot the PIN: set a new one with the recovery code (VILLAGE_AGENT_RECOVERY_CODE, VILLAGE_AGENT_NEW_PIN)",
    },
    "village.cli.help.recovery_code": {
        "zh": "恢复码：是否已设置；--new 生成新的（旧的作废） the recovery code: is there one; --new",
        "en": "the recovery code: is there one; --new makes a new one (the old one stops working)",
    },
    "village.cli.help.recovery_code.new": {
        "zh": "生成新的恢复码 make a new code",
        "en": "make a new code",
    },
    "village.cli.help.list": {
        "zh": "办件列表 list applications",
        "en": "list applications",
    },
    "village.cli.help.show": {
        "zh": "办件详情 show one application",
        "en": "show one application",
    },
    "village.cli.help.notice": {
        "zh": "打印一次性告知书 print the one-time notice",
        "en": "print the one-time notice",
    },
    "village.cli.help.receipt": {
        "zh": "打印收件回执 print the intake receipt",
        "en": "print the intake receipt",
    },
    "village.cli.help.authorisation": {
        "zh": "打印授权委托书（申请人委托代办员办理） print the letter of authorisation for the proxy agent",
        "en": "print the letter of authorisation for the proxy agent",
    },
    "village.cli.help.decision_notice": {
        "zh": "打印办结通知书或不予受理通知书（决定到达后） print the decision notice once the decision has arrived",
        "en": "print the decision notice once the decision has arrived",
    },
    "village.cli.help.print.out": {
        "zh": "写入文件 write to a file",
        "en": "write to a file",
    },
    "village.cli.help.print.pdf": {
        "zh": "写成PDF文件 write an A4 PDF",
        "en": "write an A4 PDF",
    },
    "village.cli.help.print.print": {
        "zh": "用默认打印机打印PDF print the PDF (CUPS lp)",
        "en": "print the PDF on the default printer (CUPS lp)",
    },
    "village.cli.help.print.open": {
        "zh": "打开PDF open the PDF",
        "en": "open the PDF",
    },
    "village.cli.help.check_receipt": {
        "zh": "核验回执或通知书上的核验码（无需PIN）check the verification code of a receipt or notice",
        "en": "check the verification code of a receipt or notice",
    },
    "village.cli.help.check_receipt.text": {
        "zh": "核验码，可分组输入 the code, in its groups or whole",
        "en": "the code, in its groups or whole",
    },
    "village.cli.help.calendar": {
        "zh": "节假日与工作日 holiday tables and deadlines",
        "en": "holiday tables and deadlines",
    },
    "village.cli.help.calendar.file": {
        "zh": "import：节假日安排TOML文件",
        "en": "import: the holidays' TOML file",
    },
    "village.cli.help.calendar.year": {
        "zh": "show：年份 year",
        "en": "show: the year",
    },
    "village.cli.help.calendar.days": {
        "zh": "deadline：工作日数 working days",
        "en": "deadline: working days",
    },
    "village.cli.help.calendar.from": {
        "zh": "deadline：起算日 start",
        "en": "deadline: the start date",
    },
    "village.cli.help.enroll": {
        "zh": "登记到乡镇中心 enroll this device at the township",
        "en": "enroll this device at the township",
    },
    "village.cli.help.enroll.township": {
        "zh": "乡镇中心地址 township URL, e.g. http://10.0.0.2:8600",
        "en": "township URL, e.g. http://10.0.0.2:8600",
    },
    "village.cli.help.enroll.code": {
        "zh": "乡镇给的一次性登记码 one-time enrollment code",
        "en": "one-time enrollment code",
    },
    "village.cli.help.enroll.request_file": {
        "zh": "不联网：写出登记请求文件 (USB)",
        "en": "offline: write an enrollment request file (USB)",
    },
    "village.cli.help.enroll.answer_file": {
        "zh": "不联网：读入乡镇的答复文件 (USB)",
        "en": "offline: read the township's answer file (USB)",
    },
    "village.cli.help.export": {
        "zh": "导出到U盘 write pending data to a USB folder",
        "en": "write pending data to a USB folder",
    },
    "village.cli.help.export.to": {
        "zh": "U盘目录 folder on the stick",
        "en": "folder on the stick",
    },
    "village.cli.help.import": {
        "zh": "从U盘导入乡镇答复 read the township's answers",
        "en": "read the township's answers",
    },
    "village.cli.help.sync": {
        "zh": "立即同步 sync with the township now",
        "en": "sync with the township now",
    },
    "village.cli.help.sync.unattended": {
        "zh": "无人值守（计划任务）：不需要PIN，只收发已加密的数据 no PIN, for a scheduled task",
        "en": "unattended (a scheduled task): no PIN, only sends and receives encrypted data",
    },
    "village.cli.help.correct": {
        "zh": "按补正通知修改后重新提交 answer a correction request",
        "en": "answer a correction request",
    },
    "village.cli.help.correct.data": {
        "zh": "修改后的完整申请数据 corrected data file",
        "en": "corrected data file",
    },
    "village.cli.help.supply": {
        "zh": "登记补交容缺或告知承诺材料 record an owed material handed in later",
        "en": "record an owed material handed in later",
    },
    "village.cli.help.supply.material": {
        "zh": "材料代码（见 show）material code",
        "en": "material code",
    },
    "village.cli.help.supply.attach": {
        "zh": "补交材料的扫描件 the scan, repeatable",
        "en": "the scan, repeatable",
    },
    "village.cli.help.deliver": {
        "zh": "登记办理结果已送达 record that the result was handed over",
        "en": "record that the result was handed over",
    },
    "village.cli.help.deliver.how": {
        "zh": "送达方式：in_person=本人领取, family=家属代领, home_visit=上门送达",
        "en": "how: in_person (collected in person), family (by a relative), home_visit (taken to the home)",
    },
    "village.cli.help.deliver.to": {
        "zh": "领取人姓名（家属代领时必填）who received it",
        "en": "who received it",
    },
    "village.cli.help.deliver.note": {
        "zh": "备注 a note",
        "en": "a note",
    },
    "village.cli.help.decide": {
        "zh": "村级办理事项（放权下沉）：办结或不予受理，报乡镇备案 decide a village-decided item here: completed or rejected",
        "en": "decide a village-decided item here: completed or rejected",
    },
    "village.cli.help.decide.decision": {
        "zh": "completed=办结, rejected=不予受理",
        "en": "completed or rejected",
    },
    "village.cli.help.decide.note": {
        "zh": "办结：办理结果；不予受理：理由 the result, or the reason for a rejection",
        "en": "the result, or the reason for a rejection",
    },
    "village.cli.help.rate": {
        "zh": "记录申请人评价（好差评）record the villager's rating",
        "en": "record the villager's rating",
    },
    "village.cli.help.rate.level": {
        "zh": "1非常满意 2满意 3基本满意 4不满意 5非常不满意 1 very satisfied .. 5 very unsatisfied",
        "en": "1 very satisfied .. 5 very unsatisfied",
    },
    "village.cli.help.rate.reason": {
        "zh": "常见理由，可多次：once一次办好 fast办得快 attitude_good态度好 trips多次跑动 overdue超时 attitude_bad态度差 materials_again材料反复要求 unclear告知不清楚 result对结果不满意 (a reason key or its name; repeatable)",
        "en": "a common reason, repeatable: once, fast, attitude_good, trips, overdue, attitude_bad, materials_again, unclear, result (a reason key or its name)",
    },
    "village.cli.help.rate.note": {
        "zh": "说明（不满意且未选理由时必填）free text",
        "en": "free text",
    },
    "village.cli.help.complain": {
        "zh": "记录村民对办件的投诉，报送中心投诉监督台 record a villager's complaint about a case",
        "en": "record a villager's complaint about a case",
    },
    "village.cli.help.complain.text": {
        "zh": "投诉内容（村民的原话） the villager's words",
        "en": "the villager's words",
    },
    "village.cli.help.verify": {
        "zh": "校验数据完整性 check the store and audit chain",
        "en": "check the store and audit chain",
    },
    "village.cli.help.demo": {
        "zh": "演示：示例服务点和本机乡镇中心，各种状态的办件，然后打开界面 a demo service point and township center, then the app",
        "en": "a demo service point and township center, then the app",
    },
    "village.cli.help.demo.no_app": {
        "zh": "只建立演示并打印，不打开界面 build and print only, do not open the app",
        "en": "build and print only, do not open the app",
    },
    "village.cli.help.demo.port": {
        "zh": "本机乡镇中心端口（默认8600，被占用时任选）township port (default 8600 or any free)",
        "en": "township port (default 8600 or any free)",
    },
    "village.cli.help.applicant.name": {"zh": "update：新的姓名", "en": "update: the new name"},
    "village.cli.help.applicant.address": {"zh": "update：新的住址", "en": "update: the new address"},
    "village.cli.help.applicant.phone": {"zh": "update：新的电话", "en": "update: the new phone"},
    "village.cli.help.applicant.village_group": {"zh": "update：新的村民小组", "en": "update: the new village group"},
}
MESSAGES.update(VILLAGE_CLI_MESSAGES)
