"""Every user-facing string, Chinese first with English beside it. `t(key, **values)` picks the language."""

from __future__ import annotations

import os

from storage.status import STATUS_ZH

MESSAGES: dict[str, dict[str, str]] = {
    "init.done": {
        "zh": "服务点已建立：{village_name}（{village_code}），设备号 {device_tag}，代办员 {operator}",
        "en": "Service point created: {village_name} ({village_code}), device {device_tag}, agent {operator}",
    },
    "pin.prompt": {"zh": "请输入 {operator} 的PIN码：", "en": "PIN for {operator}: "},
    "pin.new": {"zh": "请为 {operator} 设置PIN码（至少6位）：", "en": "New PIN for {operator} (6+ chars): "},
    "pin.repeat": {"zh": "请再次输入PIN码：", "en": "Repeat the PIN: "},
    "pin.mismatch": {"zh": "两次输入的PIN码不一致，请重新设置", "en": "The two PINs differ; try again"},
    "pin.no_tty": {
        "zh": "需要PIN码：请在终端中运行，或设置环境变量 VILLAGE_AGENT_PIN",
        "en": "A PIN is needed: run in a terminal or set VILLAGE_AGENT_PIN",
    },
    "operator.choose": {
        "zh": "本服务点有多名操作员，请用 --operator 指定姓名：{names}",
        "en": "Several operators here; choose one with --operator: {names}",
    },
    "operator.added": {"zh": "已添加操作员 {name}（{role}）", "en": "Operator {name} ({role}) added"},
    "operator.disabled": {"zh": "已停用操作员 {name}", "en": "Operator {name} disabled"},
    "operator.enabled": {"zh": "已启用操作员 {name}", "en": "Operator {name} enabled"},
    "operator.pin_set": {"zh": "已更新 {name} 的PIN码", "en": "PIN of {name} changed"},
    "apply.done": {
        "zh": "已受理收件：{id}（{item}），承诺{days}个工作日，预计 {due} 前办结",
        "en": "Taken in: {id} ({item}), {days} working days, due by {due}",
    },
    "apply.done_immediate": {
        "zh": "已受理收件：{id}（{item}），即办件，当场办结",
        "en": "Taken in: {id} ({item}), immediate item",
    },
    "apply.invalid": {
        "zh": "申请数据有{n}处问题，未保存。请逐项修改后重新提交：",
        "en": "{n} problem(s) in the application; nothing was saved. Fix them and submit again:",
    },
    "apply.gaps": {
        "zh": "容缺受理的材料须在办结前补齐：{names}",
        "en": "Materials accepted as missing, to be supplied later: {names}",
    },
    "unknown_item": {
        "zh": "没有代码为“{code}”的事项。可用 village-agent catalog list 查看全部事项",
        "en": "No item {code!r}; see `village-agent catalog list`",
    },
    "catalog.bad": {
        "zh": "事项目录文件有误：{detail}。请联系县级中心更新目录",
        "en": "The catalog is malformed: {detail}",
    },
    "verify.ok": {
        "zh": "校验通过：数据库完整，操作日志链完整（{audit_rows}条），办件{applications}件",
        "en": "Verified: database sound, audit chain whole ({audit_rows} rows), {applications} applications",
    },
    "verify.failed": {"zh": "校验未通过，发现{n}处问题：", "en": "Verification failed, {n} problem(s):"},
    "list.empty": {"zh": "暂无办件", "en": "No applications"},
    "applicant.none": {"zh": "未找到该身份证号的办事人记录", "en": "No applicant with that ID number"},
    "error.internal": {
        "zh": "程序内部错误（{kind}），数据未受影响。请记下此信息并联系技术支持；"
              "设置 VILLAGE_AGENT_DEBUG=1 可查看详细信息",
        "en": "Internal error ({kind}); no data was changed. Set VILLAGE_AGENT_DEBUG=1 for details",
    },
    "error.interrupted": {"zh": "已取消", "en": "Cancelled"},
}


# The terminal app. Keys name the screen first; binding descriptions are keys too
# (village_agent/app/base.py translates them when a screen is built).
APP_MESSAGES: dict[str, dict[str, str]] = {
    "app.title": {"zh": "村便民服务代办点", "en": "Village service point"},
    "app.title_village": {"zh": "{village}便民服务代办点", "en": "{village} service point"},
    "app.quit": {"zh": "退出", "en": "Quit"},
    "app.palette": {"zh": "命令", "en": "Commands"},
    "nav.back": {"zh": "返回", "en": "Back"},
    "nav.close": {"zh": "关闭", "en": "Close"},
    "nav.cancel": {"zh": "取消", "en": "Cancel"},
    "nav.ok": {"zh": "知道了", "en": "OK"},
    "nav.yes": {"zh": "是", "en": "Yes"},
    "nav.no": {"zh": "否", "en": "No"},
    "error.title": {"zh": "出错了", "en": "Something went wrong"},
    "error.sealed": {
        "zh": "有记录无法解密（可能被篡改或损坏）。请运行 village-agent verify 查看，并联系乡镇技术人员",
        "en": "A sealed record does not open; run verify",
    },
    "error.corrupt": {
        "zh": "数据文件已损坏，无法读取（{detail}）。请勿继续使用此数据目录，联系乡镇技术人员从备份恢复",
        "en": "The store is damaged: {detail}",
    },
    "error.not_logged_in": {"zh": "请先登录", "en": "Log in first"},
    "role.agent": {"zh": "代办员", "en": "agent"},
    "role.grid_worker": {"zh": "网格员", "en": "grid worker"},
    "kind.service": {"zh": "办事", "en": "service"},
    "kind.inspection": {"zh": "巡查", "en": "inspection"},
    "kind.bundle": {"zh": "一件事", "en": "bundle"},
    # first run and login
    "setup.title": {"zh": "建立服务点", "en": "Set up this service point"},
    "setup.subtitle": {"zh": "首次使用", "en": "First run"},
    "setup.intro": {
        "zh": "这台电脑还没有服务点数据。请填写村级区划代码、村名和第一位代办员，并设置PIN码（至少6位，勿用123456等简单数字）。",
        "en": "No service point on this PC yet. Enter the village code and name, the first agent, and a PIN (6+ characters, not 123456).",
    },
    "setup.village_code": {"zh": "村级区划代码（12位）", "en": "Village division code (12 digits)"},
    "setup.village_code.ph": {"zh": "如 430481101201", "en": "e.g. 430481101201"},
    "setup.village_name": {"zh": "村名", "en": "Village name"},
    "setup.village_name.ph": {"zh": "如 石鼓村", "en": "e.g. 石鼓村"},
    "setup.operator": {"zh": "第一位代办员姓名", "en": "First agent's name"},
    "setup.operator.ph": {"zh": "如 王秀梅", "en": "e.g. 王秀梅"},
    "setup.pin": {"zh": "PIN码", "en": "PIN"},
    "setup.pin.ph": {"zh": "至少6位", "en": "6 characters or more"},
    "setup.pin2": {"zh": "再次输入PIN码", "en": "PIN again"},
    "setup.pin2.ph": {"zh": "与上面一致", "en": "the same again"},
    "setup.missing": {"zh": "请填写：{what}", "en": "Please fill in: {what}"},
    "setup.working": {"zh": "正在建立服务点并加密保存密钥，请稍候……", "en": "Creating the store and sealing its key…"},
    "setup.create": {"zh": "建立服务点", "en": "Create"},
    "login.title": {"zh": "{village}便民服务代办点 · 登录", "en": "{village} service point · log in"},
    "login.subtitle": {"zh": "登录", "en": "Log in"},
    "login.operator": {"zh": "操作员", "en": "Operator"},
    "login.pin": {"zh": "PIN码", "en": "PIN"},
    "login.pin.ph": {"zh": "输入PIN码后按回车", "en": "type the PIN, then Enter"},
    "login.need_pin": {"zh": "请选择操作员并输入PIN码", "en": "Choose an operator and type the PIN"},
    "login.checking": {"zh": "正在核对PIN码……", "en": "Checking the PIN…"},
    "login.go": {"zh": "登录", "en": "Log in"},
    # home
    "home.new": {"zh": "新办件", "en": "New"},
    "home.new_inspection": {"zh": "巡查登记", "en": "Inspection"},
    "home.applications": {"zh": "办件", "en": "Cases"},
    "home.drafts": {"zh": "草稿", "en": "Drafts"},
    "home.ledger": {"zh": "台账", "en": "Ledger"},
    "home.logout": {"zh": "退出登录", "en": "Log out"},
    "home.loading": {"zh": "正在读取……", "en": "Loading…"},
    "home.greeting": {"zh": "今天 {date}（{weekday}）· {name}", "en": "Today {date} ({weekday}) · {name}"},
    "home.total": {"zh": "办件共 {n} 件：", "en": "{n} cases:"},
    "home.red_yellow": {"zh": "已超期 {red} 件 · 临期 {yellow} 件", "en": "{red} overdue · {yellow} due soon"},
    "sync.not_enrolled": {"zh": "同步：未登记乡镇（{n}条待上报）", "en": "Sync: not enrolled ({n} waiting)"},
    "sync.revoked": {"zh": "同步：本设备已被注销，请联系乡镇", "en": "Sync: device revoked"},
    "sync.line": {"zh": "同步：待上报{pending}条 待县确认{owner}条 上次{last}{failed}",
                  "en": "Sync: {pending} to send, {owner} at county, last {last}{failed}"},
    "sync.never": {"zh": "从未", "en": "never"},
    "sync.failed": {"zh": "（中断，将重试）", "en": " (failed, will retry)"},
    "home.drafts_count": {"zh": "未提交的草稿 {n} 件（按 d 继续填写）", "en": "{n} unsent draft(s) (d to continue)"},
    "home.no_drafts": {"zh": "没有未提交的草稿", "en": "No drafts"},
    "home.flagged": {"zh": "超期与临期（3个工作日内到期）", "en": "Overdue and due within 3 working days"},
    "home.overdue": {"zh": "超期{n}个工作日", "en": "{n} working day(s) late"},
    "home.days_left": {"zh": "剩{n}个工作日", "en": "{n} working day(s) left"},
    "weekday.mon": {"zh": "星期一", "en": "Monday"},
    "weekday.tue": {"zh": "星期二", "en": "Tuesday"},
    "weekday.wed": {"zh": "星期三", "en": "Wednesday"},
    "weekday.thu": {"zh": "星期四", "en": "Thursday"},
    "weekday.fri": {"zh": "星期五", "en": "Friday"},
    "weekday.sat": {"zh": "星期六", "en": "Saturday"},
    "weekday.sun": {"zh": "星期日", "en": "Sunday"},
    "col.id": {"zh": "办件编号", "en": "Number"},
    "col.item": {"zh": "事项", "en": "Item"},
    "col.code": {"zh": "事项代码", "en": "Code"},
    "col.applicant": {"zh": "申请人", "en": "Applicant"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.taken": {"zh": "收件日期", "en": "Taken in"},
    "col.due": {"zh": "预计办结", "en": "Due"},
    "col.left": {"zh": "剩余", "en": "Left"},
    "col.when": {"zh": "时间", "en": "When"},
    "col.event": {"zh": "经过", "en": "Event"},
    "col.seq": {"zh": "序号", "en": "Seq"},
    "col.saved": {"zh": "保存时间", "en": "Saved"},
    "col.operator": {"zh": "操作员", "en": "Operator"},
    # new application
    "picker.prompt": {"zh": "办什么事？输入事项名称、拼音首字母（如 gljt）或代码", "en": "Which item? Type its name, pinyin initials (gljt) or code"},
    "picker.placeholder": {"zh": "如 高龄津贴、gljt、MZ-GLJT", "en": "e.g. 高龄津贴, gljt, MZ-GLJT"},
    "picker.subtitle": {"zh": "选择事项", "en": "Choose the item"},
    "picker.count": {"zh": "找到 {n} 项，↓ 选择，回车确定", "en": "{n} found; ↓ to choose, Enter to open"},
    "notice.title": {"zh": "一次性告知：{name}", "en": "One-time notice: {name}"},
    "notice.continue": {"zh": "已告知，开始填表", "en": "Told; fill in the form"},
    "form.subtitle": {"zh": "填写申请", "en": "Fill in"},
    "form.applicant": {"zh": "申请人（先输入身份证号，老办事人自动带出）", "en": "Applicant (ID number first: known villagers fill in)"},
    "form.applicant_optional": {"zh": "当事人（可不填）", "en": "Person concerned (optional)"},
    "form.fields": {"zh": "申请事项信息", "en": "Item details"},
    "form.materials": {"zh": "材料核验", "en": "Materials"},
    "form.attachments": {"zh": "扫描件", "en": "Scans"},
    "form.ok": {"zh": "填写完整，可以复核提交（Ctrl+R）", "en": "Complete; review and submit (Ctrl+R)"},
    "form.problems": {"zh": "还有 {n} 处需要填写或修改", "en": "{n} thing(s) still to fill in or fix"},
    "form.fix_first": {"zh": "还有 {n} 处问题，已在各项下方标出", "en": "{n} problem(s), shown under the fields"},
    "form.review": {"zh": "复核", "en": "Review"},
    "form.review_button": {"zh": "复核并提交", "en": "Review and submit"},
    "form.save": {"zh": "存草稿", "en": "Save draft"},
    "form.saved": {"zh": "草稿已保存", "en": "Draft saved"},
    "form.applicant_found": {"zh": "找到办事人 {name}，已带出上次填写的信息", "en": "Found {name}; earlier answers filled in"},
    "form.applicant_new": {"zh": "新办事人，请逐项填写", "en": "New applicant; fill in every field"},
    "field.yes": {"zh": "是", "en": "Yes"},
    "field.no": {"zh": "否", "en": "No"},
    "field.choose": {"zh": "请选择", "en": "Choose"},
    "field.calculated": {"zh": "（自动计算）", "en": "(calculated)"},
    "field.attachment_hint": {"zh": "在下方“扫描件”中添加：{label}", "en": "Attach it under Scans below: {label}"},
    "field.ph.id_number": {"zh": "18位身份证号", "en": "18-character ID number"},
    "field.ph.phone": {"zh": "11位手机号", "en": "11-digit mobile number"},
    "field.ph.date": {"zh": "年-月-日，如 2026-03-05", "en": "YYYY-MM-DD"},
    "field.ph.money": {"zh": "金额（元）", "en": "amount (yuan)"},
    "field.ph.bank_account": {"zh": "按卡面逐位填写", "en": "as printed on the card"},
    "field.ph.division_code": {"zh": "12位区划代码", "en": "12-digit division code"},
    "group.add_row": {"zh": "＋ 添加一行", "en": "+ Add a row"},
    "group.remove_row": {"zh": "删除此行", "en": "Remove this row"},
    "group.min": {"zh": "至少{n}条", "en": "at least {n}"},
    "group.max": {"zh": "最多{n}条", "en": "at most {n}"},
    "material.provided": {"zh": "已提供", "en": "provided"},
    "material.commitment": {"zh": "告知承诺", "en": "signed commitment"},
    "material.missing": {"zh": "容缺", "en": "missing, accepted"},
    "attach.what": {"zh": "哪份材料", "en": "Which material"},
    "attach.path": {"zh": "扫描件路径，如 /media/u盘/身份证.jpg", "en": "path to the scan"},
    "attach.add": {"zh": "添加扫描件", "en": "Attach"},
    "attach.need_both": {"zh": "请选择材料并填写扫描件路径", "en": "Choose the material and give the path"},
    "review.subtitle": {"zh": "复核", "en": "Review"},
    "review.derived": {"zh": "性别：{sex}，年龄：{age}岁（按身份证号计算）", "en": "Sex {sex}, age {age} (from the ID number)"},
    "review.authorization": {"zh": "代办授权", "en": "Authorisation"},
    "review.auth_signed": {"zh": "已签授权委托书", "en": "Signed power of attorney"},
    "review.auth_in_person": {"zh": "本人到场", "en": "Applicant present"},
    "review.submit": {"zh": "提交", "en": "Submit"},
    "review.submit_button": {"zh": "确认提交", "en": "Submit"},
    "review.edit": {"zh": "返回修改", "en": "Edit"},
    "review.submitting": {"zh": "正在加密保存（附件较大时需要一会儿）……", "en": "Sealing and saving (large scans take a moment)…"},
    "receipt.title": {"zh": "收件回执 · {id}", "en": "Intake receipt · {id}"},
    "receipt.done": {"zh": "完成，回到首页", "en": "Done: home"},
    # drafts
    "drafts.title": {"zh": "未提交的草稿（回车继续填写，Delete 删除）", "en": "Drafts (Enter continues, Delete removes)"},
    "drafts.subtitle": {"zh": "草稿", "en": "Drafts"},
    "drafts.delete": {"zh": "删除", "en": "Delete"},
    "drafts.none": {"zh": "没有草稿", "en": "No drafts"},
    "drafts.confirm_delete": {"zh": "删除这份草稿？删除后无法恢复。", "en": "Delete this draft? It cannot be undone."},
    "drafts.version_changed": {
        "zh": "事项目录已更新（{old} → {new}），请核对草稿内容",
        "en": "The catalog changed ({old} → {new}); check the draft",
    },
    # applications
    "list.subtitle": {"zh": "全部办件", "en": "All cases"},
    "list.subtitle_mine": {"zh": "我登记的", "en": "Recorded by me"},
    "list.all_statuses": {"zh": "全部状态", "en": "Any status"},
    "list.all_items": {"zh": "全部事项", "en": "Any item"},
    "list.search_ph": {"zh": "搜索编号、姓名、事项（/）", "en": "Search number, name, item (/)"},
    "list.search": {"zh": "搜索", "en": "Search"},
    "list.reload": {"zh": "刷新", "en": "Reload"},
    "list.count": {"zh": "显示 {shown} / {total} 件", "en": "{shown} of {total} shown"},
    "detail.timeline": {"zh": "办理经过", "en": "Timeline"},
    "detail.receipt": {"zh": "回执", "en": "Receipt"},
    "detail.id": {"zh": "办件编号：{id}", "en": "Number: {id}"},
    "detail.item": {"zh": "事项：{name}（{code}）", "en": "Item: {name} ({code})"},
    "detail.applicant": {"zh": "申请人：{name}", "en": "Applicant: {name}"},
    "detail.status": {"zh": "当前状态：{status}", "en": "Now: {status}"},
    "detail.due": {"zh": "预计办结：{due}", "en": "Due: {due}"},
    "detail.operator": {"zh": "经办人：{name}", "en": "Taken in by: {name}"},
    # ledger
    "ledger.subtitle": {"zh": "台账", "en": "Ledger"},
    "ledger.month": {"zh": "月份", "en": "Month"},
    "ledger.prev": {"zh": "上月", "en": "Prev month"},
    "ledger.next": {"zh": "下月", "en": "Next month"},
    "ledger.export": {"zh": "导出", "en": "Export"},
    "ledger.export_button": {"zh": "导出 CSV 和 Excel", "en": "Export CSV and Excel"},
    "ledger.dir_ph": {"zh": "请填写导出到哪个文件夹（如U盘）", "en": "Folder to export to (a USB stick)"},
    "ledger.exporting": {"zh": "正在导出……", "en": "Exporting…"},
    "ledger.exported": {"zh": "已导出：{csv}\n　　　　{xlsx}", "en": "Exported: {csv}\n          {xlsx}"},
    "ledger.exported_short": {"zh": "台账已导出", "en": "Ledger exported"},
    "ledger.total": {"zh": "{month} 共 {n} 件", "en": "{month}: {n} cases"},
    "ledger.sum": {"zh": "合计", "en": "Total"},
    "ledger.file_stem": {"zh": "台账", "en": "ledger"},
    # command palette
    "cmd.new": {"zh": "新办件", "en": "New application"},
    "cmd.new.help": {"zh": "选择事项，告知材料，填表提交", "en": "Choose an item, notice, form, submit"},
    "cmd.applications": {"zh": "办件列表", "en": "Applications"},
    "cmd.applications.help": {"zh": "按状态、事项筛选和搜索", "en": "Filter by status and item, search"},
    "cmd.drafts": {"zh": "草稿", "en": "Drafts"},
    "cmd.drafts.help": {"zh": "继续填写未提交的申请", "en": "Continue an unsent application"},
    "cmd.ledger": {"zh": "台账", "en": "Ledger"},
    "cmd.ledger.help": {"zh": "按月统计，导出 CSV 和 Excel", "en": "Monthly counts, export CSV and Excel"},
    "cmd.home": {"zh": "首页", "en": "Home"},
    "cmd.home.help": {"zh": "回到今日概况", "en": "Back to today's overview"},
    "cmd.logout": {"zh": "退出登录", "en": "Log out"},
    "cmd.logout.help": {"zh": "换一位操作员", "en": "Let another operator log in"},
    "cmd.quit.help": {"zh": "保存正在填写的草稿后退出", "en": "Keep open forms as drafts, then quit"},
}

# Statuses and event types: Chinese from storage.status, English here.
STATUS_EN = {
    "draft": "draft", "submitted": "to send", "received": "received", "accepted": "accepted",
    "correction_requested": "needs correction", "forwarded": "sent to county",
    "rejected": "rejected", "completed": "completed", "delivered": "delivered", "rated": "rated",
    "recorded": "recorded",
}
EVENTS: dict[str, dict[str, str]] = {
    "created": {"zh": "建档", "en": "created"},
    "submitted": {"zh": "代办收件", "en": "taken in"},
    "received": {"zh": "乡镇接收", "en": "received by the township"},
    "accepted": {"zh": "受理", "en": "accepted"},
    "correction_requested": {"zh": "要求补正", "en": "correction requested"},
    "corrected": {"zh": "已补正", "en": "corrected"},
    "forwarded": {"zh": "转县级", "en": "forwarded to the county"},
    "rejected": {"zh": "不予受理", "en": "rejected"},
    "completed": {"zh": "办结", "en": "completed"},
    "delivered": {"zh": "送达", "en": "delivered"},
    "rated": {"zh": "评价", "en": "rated"},
    "inspection_recorded": {"zh": "巡查登记", "en": "inspection recorded"},
    "material_supplied": {"zh": "补交材料", "en": "material supplied"},
    "note": {"zh": "备注", "en": "note"},
}
MESSAGES.update(APP_MESSAGES)


def language() -> str:
    lang = os.environ.get("VILLAGE_AGENT_LANG", "zh").lower()
    return "en" if lang.startswith("en") else "zh"


def t(key: str, **values: object) -> str:
    entry = MESSAGES[key]
    return entry.get(language(), entry["zh"]).format(**values)


def status_text(status: str) -> str:
    table = STATUS_ZH if language() == "zh" else STATUS_EN
    return table.get(status, status)


def event_text(event_type: str) -> str:
    entry = EVENTS.get(event_type)
    return entry[language()] if entry else event_type


def error_text(exc: Exception) -> str:
    """The user's message for one of our errors: Chinese (`zh`) or its English text."""
    zh = getattr(exc, "zh", None)
    if language() == "zh" and zh:
        return str(zh)
    return str(exc)

