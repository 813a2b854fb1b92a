"""The words of service-center's command line (help, options, notices), Chinese first with English.

Importing this module adds them to the shared catalogue (sync/i18n.py), as center/texts.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

CENTER_CLI_MESSAGES: dict[str, dict[str, str]] = {
    "center.cli.help.description": {
        "zh": "乡镇/县级便民服务中心 township or county center",
        "en": "township or county center",
    },
    "center.cli.help.main.home": {
        "zh": "数据目录 data directory (or VILLAGE_AGENT_HOME)",
        "en": "data directory (or VILLAGE_AGENT_HOME)",
    },
    "center.cli.help.main.operator": {
        "zh": "工作人员 operator (or VILLAGE_AGENT_OPERATOR)",
        "en": "operator (or VILLAGE_AGENT_OPERATOR)",
    },
    "center.cli.help.init": {
        "zh": "建立中心 create the center",
        "en": "create the center",
    },
    "center.cli.help.init.code": {
        "zh": "区划代码：乡镇9位，县6位",
        "en": "division code: 9 digits for a township, 6 for a county",
    },
    "center.cli.help.init.database": {
        "zh": "把数据放在 PostgreSQL 服务器上 (postgresql://…)；默认本目录的 SQLite 文件"
              " / keep the store on a PostgreSQL server; default: SQLite in the home",
        "en": "keep the store on a PostgreSQL server (postgresql://…); default: SQLite in the home",
    },
    "center.cli.help.serve": {
        "zh": "启动服务 serve villages over HTTP",
        "en": "serve villages over HTTP",
    },
    "center.cli.help.serve.host": {
        "zh": "监听地址，默认仅本机；办公网内其他窗口访问须明确指定 address to listen on (default: this PC only; give the office network address explicitly)",
        "en": "address to listen on (default: this PC only; give the office network address explicitly)",
    },
    "center.cli.help.serve.tls_cert": {
        "zh": "HTTPS 证书文件 certificate file (PEM) for HTTPS",
        "en": "certificate file (PEM) for HTTPS",
    },
    "center.cli.help.serve.tls_key": {
        "zh": "HTTPS 私钥文件 private key file (PEM) for HTTPS",
        "en": "private key file (PEM) for HTTPS",
    },
    "center.cli.help.enroll_code": {
        "zh": "为村代办点生成一次性登记码",
        "en": "make a one-time enrollment code for a village point",
    },
    "center.cli.help.operator": {
        "zh": "窗口工作人员管理 manage the center's clerks",
        "en": "manage the center's clerks",
    },
    "center.cli.help.operator.name": {
        "zh": "工作人员姓名 clerk's name",
        "en": "clerk's name",
    },
    "center.cli.help.operator.role": {
        "zh": "clerk 窗口工作人员 (the default) 或 manager 中心负责人",
        "en": "clerk (the default) or manager",
    },
    "center.cli.help.verify": {
        "zh": "校验数据完整性 check the store and audit chain",
        "en": "check the store and audit chain",
    },
    "center.cli.help.devices": {
        "zh": "已登记设备 enrolled devices",
        "en": "enrolled devices",
    },
    "center.cli.help.revoke": {
        "zh": "注销遗失设备 revoke a lost device",
        "en": "revoke a lost device",
    },
    "center.cli.help.applications": {
        "zh": "收到的办件 received applications",
        "en": "received applications",
    },
    "center.cli.help.applications.after": {
        "zh": "下一页：上一页末尾提示的位置 the next page, from the hint",
        "en": "the next page, from the hint",
    },
    "center.cli.help.applications.all": {
        "zh": "全部导出（逐批输出）everything, streamed (an export)",
        "en": "everything, streamed (an export)",
    },
    "center.cli.help.show": {
        "zh": "办件详情（申请人、填报内容、材料、扫描件、办理过程）show one case",
        "en": "show one case",
    },
    "center.cli.help.show.id": {
        "zh": "办件编号 application number",
        "en": "application number",
    },
    "center.cli.help.attachment": {
        "zh": "取出扫描件写入文件 write a case's scan to a file",
        "en": "write a case's scan to a file",
    },
    "center.cli.help.attachment.id": {
        "zh": "办件编号 application number",
        "en": "application number",
    },
    "center.cli.help.attachment.material": {
        "zh": "材料代码（见 show）material code, as show lists it",
        "en": "material code, as show lists it",
    },
    "center.cli.help.attachment.out": {
        "zh": "写入的文件 the file to write",
        "en": "the file to write",
    },
    "center.cli.help.attachment.force": {
        "zh": "覆盖已有文件 replace an existing file",
        "en": "replace an existing file",
    },
    "center.cli.help.attachment.which": {
        "zh": "同一材料有多份扫描件时取第几份 which scan (1, 2, ...)",
        "en": "which scan (1, 2, ...)",
    },
    "center.cli.help.notice": {
        "zh": "打印办结通知书或不予受理通知书（PDF）print a case's decision notice",
        "en": "print a case's decision notice",
    },
    "center.cli.help.notice.id": {
        "zh": "办件编号 application number",
        "en": "application number",
    },
    "center.cli.help.notice.out": {
        "zh": "写入的PDF文件 the PDF file to write",
        "en": "the PDF file to write",
    },
    "center.cli.help.notice.force": {
        "zh": "覆盖已有文件 replace an existing file",
        "en": "replace an existing file",
    },
    "center.cli.help.check_receipt": {
        "zh": "核验回执或通知书上的核验码 check the verification code of a receipt or notice",
        "en": "check the verification code of a receipt or notice",
    },
    "center.cli.help.check_receipt.text": {
        "zh": "核验码，可分组输入 the code, in its groups or whole",
        "en": "the code, in its groups or whole",
    },
    "center.cli.help.accept": {
        "zh": "受理 accept",
        "en": "accept",
    },
    "center.cli.help.request_correction": {
        "zh": "一次性告知补正 request correction",
        "en": "request correction",
    },
    "center.cli.help.request_correction.reason": {
        "zh": "补正理由，可重复 (repeat for each)",
        "en": "a reason for the correction (repeat for each)",
    },
    "center.cli.help.request_correction.field": {
        "zh": "指明填报项的补正理由，如 bank_name=开户行名称有误；申请人信息用 applicant.phone",
        "en": "a reason about one field, e.g. bank_name=wrong bank; the applicant's details as applicant.phone",
    },
    "center.cli.help.request_correction.material": {
        "zh": "指明材料的补正理由，如 bank_card=银行卡照片不清晰",
        "en": "a reason about one material, e.g. bank_card=the bank card photo is unclear",
    },
    "center.cli.help.reject": {
        "zh": "不予受理 reject",
        "en": "reject",
    },
    "center.cli.help.complete": {
        "zh": "办结 complete",
        "en": "complete",
    },
    "center.cli.help.complete.result": {
        "zh": "办理结果 the result",
        "en": "the result",
    },
    "center.cli.help.revoke_result": {
        "zh": "撤销办理结果（申请人作出不实承诺）revoke a result given on a false commitment",
        "en": "revoke a result given on a false commitment",
    },
    "center.cli.help.revoke_result.reason": {
        "zh": "撤销理由 why",
        "en": "why",
    },
    "center.cli.help.pass_up": {
        "zh": "乡镇：转报县级审批 forward a case to the county",
        "en": "forward a case to the county",
    },
    "center.cli.help.pass_up.note": {
        "zh": "转报理由，如 超出乡镇审批额度",
        "en": "why it goes up, e.g. above the township's approval limit",
    },
    "center.cli.help.take": {
        "zh": "认领办件 take a case of your window",
        "en": "take a case of your window",
    },
    "center.cli.help.hand_over": {
        "zh": "转交其他窗口（人员） hand a case to another window",
        "en": "hand a case to another window",
    },
    "center.cli.help.hand_over.window": {
        "zh": "窗口代码 window code, e.g. MZ",
        "en": "window code, e.g. MZ",
    },
    "center.cli.help.hand_over.clerk": {
        "zh": "接手的工作人员 (optional)",
        "en": "the clerk who takes it (optional)",
    },
    "center.cli.help.hand_over.note": {
        "zh": "转交原因 why",
        "en": "why",
    },
    "center.cli.help.windows": {
        "zh": "窗口及其受理部门 the center's windows",
        "en": "the center's windows",
    },
    "center.cli.help.alarms": {
        "zh": "告警 alarms (conflicts, forged or revoked senders)",
        "en": "alarms (conflicts, forged or revoked senders)",
    },
    "center.cli.help.cards": {
        "zh": "电子监察预警件：黄牌、红牌、蓝牌 today's supervision cards",
        "en": "today's supervision cards",
    },
    "center.cli.help.cards.mine": {
        "zh": "只看本人负责的 only the cards I answer for",
        "en": "only the cards I answer for",
    },
    "center.cli.help.cards.by": {
        "zh": "分类汇总 roll up by: window, department, clerk, village, item, township (county)",
        "en": "roll up by: window, department, clerk, village, item, township (county)",
    },
    "center.cli.help.figures": {
        "zh": "统计分析：办件量、按期办结率、满意度等 the period's figures",
        "en": "the period's figures",
    },
    "center.cli.help.figures.period": {
        "zh": "月份 2026-10 或季度 2026-Q4 a month or a quarter",
        "en": "a month (2026-10) or a quarter (2026-Q4)",
    },
    "center.cli.help.figures.by": {
        "zh": "分组 group by: item, village, window, clerk, agent, township (county)",
        "en": "group by: item, village, window, clerk, agent, township (county)",
    },
    "center.cli.help.complaints": {
        "zh": "投诉监督台：投诉及答复 the complaints and their answers",
        "en": "the complaints and their answers",
    },
    "center.cli.help.complaints.open": {
        "zh": "只列未答复的 only those not answered",
        "en": "only those not answered",
    },
    "center.cli.help.complain": {
        "zh": "受理投诉（针对办件或窗口）take a complaint about a case or a window",
        "en": "take a complaint about a case or a window",
    },
    "center.cli.help.complain.case": {
        "zh": "办件编号 the case number",
        "en": "the case number",
    },
    "center.cli.help.complain.window": {
        "zh": "窗口代码 the window code",
        "en": "the window code",
    },
    "center.cli.help.complain.text": {
        "zh": "投诉内容（投诉人原话）the complainant's words",
        "en": "the complainant's words",
    },
    "center.cli.help.answer_complaint": {
        "zh": "答复投诉 answer a complaint",
        "en": "answer a complaint",
    },
    "center.cli.help.answer_complaint.id": {
        "zh": "投诉编号 TS-XXXXX-XXXXX",
        "en": "the complaint number, TS-XXXXX-XXXXX",
    },
    "center.cli.help.answer_complaint.text": {
        "zh": "答复内容 the answer",
        "en": "the answer",
    },
    "center.cli.help.ledger": {
        "zh": "导出月度台账（XLSX 或 CSV）export the month's ledger",
        "en": "export the month's ledger",
    },
    "center.cli.help.ledger.month": {
        "zh": "月份或季度，如 2026-10、2026-Q4 month or quarter",
        "en": "a month or a quarter, e.g. 2026-10, 2026-Q4",
    },
    "center.cli.help.ledger.out": {
        "zh": "写入的文件（.xlsx 或 .csv）the file to write",
        "en": "the file to write",
    },
    "center.cli.help.ledger.format": {
        "zh": "xlsx 或 csv（默认按文件名）xlsx or csv (default: from the name)",
        "en": "xlsx or csv (default: from the name)",
    },
    "center.cli.help.ledger.by": {
        "zh": "CSV 的分表：item 按事项（默认）、village 按村、window 按窗口 the CSV's sheet",
        "en": "the CSV's sheet: item (the default), village or window",
    },
    "center.cli.help.ledger.force": {
        "zh": "覆盖已有文件 replace an existing file",
        "en": "replace an existing file",
    },
    "center.cli.help.bulletin": {
        "zh": "打印月度电子监察通报（PDF）print the month's supervision bulletin",
        "en": "print the month's supervision bulletin",
    },
    "center.cli.help.bulletin.month": {
        "zh": "月份，如 2026-10 the month",
        "en": "the month, e.g. 2026-10",
    },
    "center.cli.help.bulletin.out": {
        "zh": "写入的PDF文件 the PDF file to write",
        "en": "the PDF file to write",
    },
    "center.cli.help.bulletin.force": {
        "zh": "覆盖已有文件 replace an existing file",
        "en": "replace an existing file",
    },
    "center.cli.help.link": {
        "zh": "乡镇中心登记到县级中心 enroll this township at its county",
        "en": "enroll this township at its county",
    },
    "center.cli.help.link.county": {
        "zh": "县级中心地址 county URL",
        "en": "county URL",
    },
    "center.cli.help.link.code": {
        "zh": "县级中心给的一次性登记码",
        "en": "the one-time enrollment code the county gave",
    },
    "center.cli.help.forward": {
        "zh": "立即转报县级并取回县级结果 forward to the county now",
        "en": "forward to the county now",
    },
    "center.cli.help.import": {
        "zh": "导入村代办点U盘数据并写回答复 import a USB folder",
        "en": "import a USB folder",
    },
    "center.cli.help.publish_calendar": {
        "zh": "县级：发布节假日安排 publish a year's holidays",
        "en": "publish a year's holidays",
    },
    "center.cli.help.publish_catalog": {
        "zh": "县级：发布事项目录（整个目录文件夹）publish the catalog folder",
        "en": "publish the catalog folder",
    },
    "center.cli.help.prune": {
        "zh": "清理各村均已签收的下行消息 prune acknowledged downstream history",
        "en": "prune acknowledged downstream history",
    },
    "center.cli.help.prune.keep_days": {
        "zh": "至少保留多少天（默认30）keep at least this many days",
        "en": "keep at least this many days",
    },
    "center.cli.help.catalog_releases": {
        "zh": "已发布/已安装的事项目录版本 catalog releases",
        "en": "catalog releases",
    },
    "center.cli.help.enroll_file": {
        "zh": "不联网登记：导入登记请求文件，写出答复文件",
        "en": "enroll offline: read an enrollment request file, write the answer file",
    },
    "center.cli.operator_needed": {"zh": "请用 --operator 指定第一位工作人员", "en": "--operator is required: name the first clerk"},
    "center.cli.tls_pair": {"zh": "--tls-cert 与 --tls-key 须同时给出（证书和私钥）", "en": "--tls-cert and --tls-key go together (the certificate and its private key)"},
    "center.cli.no_file": {"zh": "找不到文件 {path}，请检查路径", "en": "{path} is not a file; check the path"},
    "center.cli.request_unreadable": {"zh": "无法读取登记请求文件 {path}", "en": "The enrollment request file {path} cannot be read"},
    "center.cli.calendar_bad": {"zh": "节假日安排文件有误：{detail}", "en": "The holiday table is malformed: {detail}"},
    "center.cli.keep_days_negative": {"zh": "保留天数不能为负数", "en": "--keep-days must not be negative"},
    "center.cli.help.followups": {
        "zh": "差评跟进（核实、整改、回访）list the bad ratings' follow-ups",
        "en": "list the bad ratings' follow-ups",
    },
    "center.cli.help.followups.open": {
        "zh": "只看未办结 open ones only",
        "en": "open ones only",
    },
    "center.cli.help.follow_up": {
        "zh": "记录差评跟进：verify 核实、rectify 整改、call 回访（依次）record a follow-up step",
        "en": "record a follow-up step",
    },
    "center.cli.help.follow_up.id": {
        "zh": "跟进编号 the follow-up's number",
        "en": "the follow-up's number",
    },
    "center.cli.help.follow_up.step": {
        "zh": "verify 核实 | rectify 整改 | call 回访",
        "en": "verify | rectify | call",
    },
    "center.cli.help.follow_up.note": {
        "zh": "情况说明（必填）what was done",
        "en": "what was done",
    },
    "center.cli.help.follow_up.result": {
        "zh": "回访时申请人意见：satisfied 满意 | basically 基本满意 | unsatisfied 不满意 | unreachable 未联系上",
        "en": "the villager's view when called back: satisfied | basically | unsatisfied | unreachable",
    },
    "center.cli.help.backup": {
        "zh": "备份中心数据（服务运行中也可备份，备份文件仍加密）back up the center's store, even while it serves (the copy stays encrypted)",
        "en": "back up the center's store, even while it serves (the copy stays encrypted)",
    },
    "center.cli.help.backup.dest": {
        "zh": "备份文件，如 /media/usb/中心备份-2026-11-23.db（数据在 PostgreSQL 上时为 pg_dump 自定义格式，可命名为 .dump）the file to write",
        "en": "the file to write, e.g. /media/usb/center-backup-2026-11-23.db (a pg_dump custom-format archive when the store is on PostgreSQL; name it .dump)",
    },
    "center.cli.help.backup.force": {
        "zh": "覆盖已有的备份文件 replace an existing file",
        "en": "replace an existing file",
    },
    "center.cli.help.restore": {
        "zh": "从备份恢复中心数据（须先停止服务；原数据文件或原数据库内容保留备查）restore the center's store from a backup (stop serve first; the replaced file or database contents are kept)",
        "en": "restore the center's store from a backup (stop serve first; the replaced file or database contents are kept)",
    },
    "center.cli.help.restore.source": {
        "zh": "备份文件 the backup file",
        "en": "the backup file",
    },
}
MESSAGES.update(CENTER_CLI_MESSAGES)
