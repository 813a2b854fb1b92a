"""The village's own words, Chinese first with English beside it (the machinery is sync/i18n.py)."""

from __future__ import annotations

from sync.i18n import (
    EVENTS,
    MESSAGES,
    PREFERENCE_FILE,
    STATUS_EN,
    describe,
    due_text,
    event_text,
    issue_text,
    language,
    save_preference,
    set_language,
    status_text,
    t,
    t_in,
    use_preference,
)

__all__ = ["EVENTS", "MESSAGES", "PREFERENCE_FILE", "STATUS_EN", "describe", "due_text", "event_text",
           "issue_text", "language", "notice_text", "save_preference", "set_language", "status_text",
           "t", "t_in", "use_preference"]

VILLAGE_MESSAGES: dict[str, dict[str, str]] = {
    "init.done": {
        "zh": "服务点已建立：{village_name}（{village_code}），设备号 {device_tag}，代办员 {operator}",
        "en": "Service point created: {village_name} ({village_code}), device {device_tag}, agent {operator}",
    },
    # each program refuses the other's home: village-agent a center's, service-center a village's
    "apply.done": {
        "zh": "已受理收件：{id}（{item}），承诺{days}个工作日，预计 {due} 前办结",
        "en": "Taken in: {id} ({item}), {days} working days, due by {due}",
    },
    "apply.done_immediate": {
        "zh": "已受理收件：{id}（{item}），即办件，当场办结",
        "en": "Taken in: {id} ({item}), immediate item",
    },
    # `village-agent demo`: how to try it now, and how to come back to it later.
    "demo.open_app": {
        "zh": "现在打开界面：选代办员 王秀梅，PIN码 {pin}（网格员 李建军，PIN码 {grid}）。"
              "乡镇中心在 {url} 运行到退出界面为止，“立即同步”可以连上它；登录后后台同步"
              "会马上把待上报的办件送去（超期的那件由乡镇从收到之日重新计算期限）。",
        "en": "Opening the app now: choose agent 王秀梅, PIN {pin} (grid worker 李建军, PIN {grid})."
              " The township center runs at {url} until you quit the app, so 'sync now' reaches it;"
              " after login the background sync sends the waiting applications at once (the"
              " township restarts the overdue one's clock from its receipt).",
    },
    "demo.press_enter": {"zh": "按回车键打开界面（Ctrl+C 不打开）：",
                         "en": "Press Enter to open the app (Ctrl+C to skip): "},
    "demo.township_stopped": {"zh": "演示乡镇中心已停止。",
                              "en": "The demo township center has stopped."},
    "demo.hint.title": {"zh": "以后再回到这个演示 / Come back later:",
                        "en": "Come back to this demo later:"},
    "demo.hint.app": {"zh": "打开界面（不带参数运行 village-agent）：",
                      "en": "Open the app (village-agent with no arguments):"},
    "demo.hint.cli": {"zh": "或用命令行：", "en": "Or the command line:"},
    "demo.hint.township": {
        "zh": "让乡镇中心重新上线（本村登记在端口 {port}，在另一个终端运行，同步才连得上）：",
        "en": "Bring the township center back (the village is enrolled at port {port};"
              " run it in another terminal so sync reaches it):",
    },
    "applicant.none": {"zh": "未找到该身份证号的办事人记录", "en": "No applicant with that ID number"},
    # sync: enrollment, USB folders, session summaries (CLI and app: village_agent/syncjobs.py)
    "enroll.done": {
        "zh": "已登记到乡镇中心（证书序号 {serial}）。请与乡镇工作人员核对指纹：",
        "en": "Enrolled at the township (certificate {serial}). Compare the fingerprints with the clerk's:",
    },
    "enroll.device_fp": {"zh": "本设备指纹：{fp}", "en": "This device: {fp}"},
    "enroll.township_fp": {"zh": "乡镇中心指纹：{fp}", "en": "Township: {fp}"},
    "enroll.county_fp": {"zh": "县级中心指纹：{fp}", "en": "County: {fp}"},
    "enroll.bad_url": {
        "zh": "乡镇中心地址应以 http:// 或 https:// 开头，如 http://10.0.0.2:8600",
        "en": "The township address starts with http:// or https://, e.g. http://10.0.0.2:8600",
    },
    "enroll.answer_unreadable": {
        "zh": "无法读取答复文件 {path}（文件损坏或不是乡镇中心写出的答复）",
        "en": "Cannot read the answer file {path}",
    },
    "enroll.no_answer": {
        "zh": "文件夹 {folder} 中没有本设备的登记答复（{name}）。请先写出登记请求交乡镇中心导入，再带回U盘",
        "en": "No enrollment answer for this device in {folder} ({name}): write the request and have the township import it first",
    },
    "enroll.request_written": {
        "zh": "已写出登记请求：{path}。请交乡镇中心导入，带回答复文件后运行 enroll --answer-file … --code …",
        "en": "Enrollment request written: {path}. Take it to the township, then run enroll --answer-file … --code …",
    },
    "usb.write_failed": {
        "zh": "写入 {folder} 失败（{reason}），请换一个U盘或文件夹再试",
        "en": "Writing to {folder} failed ({reason}); try another stick or folder",
    },
    "usb.not_enrolled": {
        "zh": "本设备尚未登记到乡镇中心，还没有可导出的数据。请先登记（不联网时可把登记请求写到U盘）",
        "en": "This device is not enrolled yet, so nothing can be exported; enroll first",
    },
    "usb.no_answers": {
        "zh": "{folder} 中没有乡镇写给本设备（{tag}）的答复文件。请确认乡镇中心已导入并把答复写回了U盘",
        "en": "No township answers for this device ({tag}) in {folder}",
    },
    "usb.exported": {
        "zh": "已导出{n}条待上报数据到 {folder}，请将U盘交乡镇中心导入",
        "en": "{n} message(s) written to {folder}; take the stick to the township",
    },
    "usb.imported": {
        "zh": "已导入乡镇答复{files}个文件：收到办理结果{received}条，更新办件{applied}件",
        "en": "{files} answer file(s) read: {received} result(s) received, {applied} case(s) updated",
    },
    "usb.refused": {"zh": "；拒收：{reasons}", "en": "; refused: {reasons}"},
    "sync.clock_ahead": {
        "zh": "⚠ 本机时钟比乡镇中心快约{minutes}分钟：请校正电脑的日期和时间，否则办件日期和超期提示会不准",
        "en": "⚠ This PC's clock is about {minutes} min ahead of the township's: set the date and time, or dates and overdue warnings will be wrong",
    },
    "sync.clock_behind": {
        "zh": "⚠ 本机时钟比乡镇中心慢约{minutes}分钟：请校正电脑的日期和时间，否则办件日期和超期提示会不准",
        "en": "⚠ This PC's clock is about {minutes} min behind the township's: set the date and time, or dates and overdue warnings will be wrong",
    },
    "usb.file_refused": {
        "zh": "拒收答复文件 {name}：{reason}（该文件的内容一条也未采用）",
        "en": "Refused answer file {name}: {reason} (none of it was used)",
    },
    "usb.skipped": {
        "zh": "U盘上另有{n}个写给其他设备的答复文件，未动",
        "en": "{n} answer file(s) for other devices left on the stick untouched",
    },
    "list.sep": {"zh": "、", "en": ", "},
    "sync.done": {
        "zh": "同步完成：上报{sent}条，乡镇已确认{done}条，收到办理结果{received}条（已更新{applied}件），待上报{pending}条",
        "en": "Synced: {sent} sent, {done} confirmed by the township, {received} result(s) received ({applied} case(s) updated), {pending} still to send",
    },
    "sync.unreachable": {
        "zh": "无法连接乡镇中心。数据已安全保存在本机，联网后会自动上报",
        "en": "The township cannot be reached. The data is safe on this PC and goes when the link is back",
    },
    "sync.restored": {
        "zh": "本机数据似乎是从备份恢复的：乡镇中心已有更新的记录，本机编号已向后调整",
        "en": "This store looks restored from a backup: the township holds later records, so this PC's numbering was moved on",
    },
    "sync.clashes": {
        "zh": "{n}条记录与乡镇中心已有记录编号冲突，下次登录同步时将重新编号上报",
        "en": "{n} record(s) clash with numbers the township already holds; they are renumbered and sent at the next sync after a login",
    },
    "sync.center_restored": {
        "zh": "乡镇中心的数据已从备份恢复，本机{n}条已上报的记录将在下次同步时自动重新上报，本机的办件状态保持不变",
        "en": "The township's data was restored from a backup: {n} record(s) it had already received go again at the next sync; this PC's case statuses stay as they are",
    },
    "notice.clash": {
        "zh": "第{seq}条记录的编号与乡镇中心已有记录冲突（本机数据从备份恢复），登录后重新编号上报",
        "en": "Record {seq} clashes with a number the township holds (store restored from a backup); renumbered and sent after a login",
    },
    "notice.refused": {
        "zh": "第{seq}条记录被乡镇中心拒收（内容格式有误），不再重发，请联系乡镇中心",
        "en": "Record {seq} was refused by the township (malformed); it is not sent again: call the township",
    },
    "notice.not_permitted": {
        "zh": "第{seq}条记录被乡镇中心拒收：办理决定只能由办理中心作出，本机不能报送。不再重发，请联系乡镇中心",
        "en": "Record {seq} was refused by the township: decisions are the handling center's to make. It is not sent again: call the township",
    },
    "notice.foreign_application": {
        "zh": "第{seq}条记录被乡镇中心拒收：该办件属于其他村，本机不能为其报送。不再重发，请联系乡镇中心",
        "en": "Record {seq} was refused by the township: the application belongs to another village. It is not sent again: call the township",
    },
    "notice.other": {
        "zh": "同步提醒（{kind}），第{seq}条：请联系乡镇中心",
        "en": "Sync notice ({kind}), record {seq}: call the township",
    },
    "notice.downstream_incomplete": {
        "zh": "乡镇中心的回复在传送中缺失或被改动，本机未记下接收进度，下次同步将重新索取；如反复出现，请联系乡镇中心",
        "en": "An answer from the township was cut or altered on the way: this PC kept its place and asks again at the next sync. If it keeps happening, call the township",
    },
    "col.notice": {"zh": "内容", "en": "Notice"},
    "home.notices": {
        "zh": "同步提醒 {n} 条：按 s 到同步页查看",
        "en": "{n} sync notice(s): press s to read them",
    },
    "syncscreen.tab_notices": {"zh": "提醒", "en": "Notices"},
    "cmd.language": {"zh": "Switch to English（切换为英文）", "en": "切换为中文 (Switch to Chinese)"},
    "cmd.language.help": {
        "zh": "界面、提示和打印件改用英文；下次启动仍用英文",
        "en": "Screens, messages and printouts in Chinese; kept for the next start",
    },
    "lang.switched": {"zh": "已切换为中文", "en": "Now in English"},
    # village-agent demo: what it did (the sample villagers, items and decisions are data)
    "demo.home": {"zh": "演示目录：{home}", "en": "Demo folder: {home}"},
    "demo.village": {
        "zh": "村代办点：石鼓村（代办员 {agent}，PIN码 {pin}；网格员 {grid}，PIN码 {grid_pin}）",
        "en": "Village point: 石鼓村 (agent {agent}, PIN {pin}; grid worker {grid}, PIN {grid_pin})",
    },
    "demo.township": {
        "zh": "乡镇中心：兴宁镇（工作人员 {clerk}，PIN码 {pin}），本机 {url}\n"
              "  办件工作台：在浏览器打开 {url}/console/ ，用上面的姓名和PIN码登录办理；村代办点同步后即收到",
        "en": "Township center: 兴宁镇 (clerk {clerk}, PIN {pin}), at {url}\n"
              "  Clerks' console: open {url}/console/ in a browser and log in with that name and PIN;"
              " the village receives the decision at its next sync",
    },
    "demo.enrolled": {"zh": "登记到乡镇中心，乡镇指纹 {fp}", "en": "Enrolled at the township; its fingerprint {fp}"},
    "demo.sync_up": {
        "zh": "同步：上报{sent}条，乡镇确认{done}条，往返{trips}次",
        "en": "Sync: {sent} sent, {done} confirmed by the township, {trips} round trip(s)",
    },
    "demo.sync_down": {
        "zh": "同步：收到办理结果{new}条，更新{applied}件",
        "en": "Sync: {new} decision(s) received, {applied} case(s) updated",
    },
    "demo.sync_handover": {"zh": "同步：上报送达与评价{sent}条", "en": "Sync: {sent} hand-over and rating record(s) sent"},
    "demo.draft": {"zh": "  草稿 {name} {item}（材料未核，未提交）", "en": "  Draft {name} {item} (materials not checked, not submitted)"},
    "demo.list": {"zh": "办件一览：", "en": "Applications:"},
    "demo.taken": {"zh": "  收件 {id}  {item}  {due}", "en": "  Taken in {id}  {item}  {due}"},
    "demo.immediate": {"zh": "即办", "en": "done on the spot"},
    "demo.due": {"zh": "预计{due}前", "en": "due by {due}"},
    "demo.earlier": {"zh": "（{day}收件，一直未能上报）", "en": " (taken in {day}, never sent)"},
    "lang.busy": {
        "zh": "正在提交、保存或同步，或补正尚未提交：请先完成，再切换语言",
        "en": "Something is being filed, saved or synced, or a correction is open: finish it, then switch",
    },
    "lang.not_saved": {
        "zh": "已切换为中文，但无法保存设置（{detail}），下次启动仍按原语言",
        "en": "Now in English, but the choice could not be saved ({detail}); the next start uses the old language",
    },
    "sync.renumbered": {
        "zh": "申请编号已更改：{old} → {new}，请重新打印受理回执",
        "en": "Application number changed: {old} → {new}; print the receipt again",
    },
    "sync.refused": {
        "zh": "乡镇中心拒绝了本次同步（本设备可能已被注销或登记已失效），数据仍保存在本机。请联系乡镇工作人员",
        "en": "The township refused the session (device revoked or enrollment lost); the data stays here. Call the township",
    },
    "sync.enroll_first": {
        "zh": "本设备尚未登记到乡镇中心，请先登记（按 n）",
        "en": "Not enrolled at the township yet: enroll first (n)",
    },
    # casework: corrections, delivery, rating (CLI, intake and center)
    "correct.not_waiting": {
        "zh": "办件 {id} 当前不需要补正（状态：{status}）",
        "en": "{id} is not awaiting correction (now: {status})",
    },
    "correct.not_asked": {
        "zh": "“{what}”不在补正通知所列范围内，不能改动；确需修改的，请联系乡镇重新告知",
        "en": "{what} is not among what the correction request names; it cannot be changed",
    },
    "correct.scan_not_asked": {
        "zh": "扫描件“{what}”不是补正通知所列的材料，补正时只能补交通知所列材料",
        "en": "The scan {what} is not a material the correction request names",
    },
    "correct.done": {
        "zh": "已提交补正：{id}，将在下次同步时上报乡镇",
        "en": "Correction recorded: {id}; it goes to the township at the next sync",
    },
    "case.too_long": {"zh": "{what}不能超过{n}个字", "en": "{what}: at most {n} characters"},
    "deliver.how.in_person": {"zh": "本人领取", "en": "in person"},
    "deliver.how.family": {"zh": "家属代领", "en": "by family"},
    "deliver.how.home_visit": {"zh": "上门送达", "en": "home visit"},
    "deliver.bad_how": {"zh": "送达方式只能是：{choices}", "en": "Delivery is one of: {choices}"},
    "deliver.to_whom": {"zh": "领取人", "en": "Received by"},
    "deliver.note": {"zh": "备注", "en": "Note"},
    "deliver.need_receiver": {
        "zh": "家属代领的，请填写领取人姓名", "en": "Collected by family: give the person's name",
    },
    "deliver.already": {
        "zh": "办件 {id} 已送达（{status}），不能重复登记送达",
        "en": "{id} was already delivered ({status})",
    },
    "deliver.not_ready": {
        "zh": "办件 {id} 还没有办理结果（当前：{status}），办结或不予受理后才能送达",
        "en": "{id} has no result to hand over yet (now: {status})",
    },
    "deliver.done": {
        "zh": "已登记送达：{id}（{how}），将在下次同步时报乡镇。请申请人评价：village-agent rate {id} 等级1-5（1非常满意…5非常不满意）[--reason 理由] [--note 说明]",
        "en": "Delivered: {id} ({how}). Ask for a rating: village-agent rate {id} LEVEL(1 very satisfied..5 very unsatisfied) [--reason KEY] [--note TEXT]",
    },
    "rate.reason": {"zh": "评价说明", "en": "The note"},
    "rate.reason_required": {
        "zh": "不满意、非常不满意须说明理由（选常见理由，或自行填写说明）",
        "en": "An unsatisfied rating needs a reason (pick a common one or write a note)",
    },
    "rate.bad_level": {
        "zh": "评价等级“{level}”无效，请填1至5：1非常满意、2满意、3基本满意、4不满意、5非常不满意",
        "en": "No rating level {level!r}: give 1 to 5 (1 very satisfied .. 5 very unsatisfied)",
    },
    "rate.bad_reason": {
        "zh": "没有“{reason}”这个评价理由，可选：{choices}",
        "en": "No rating reason {reason!r}; choose from: {choices}",
    },
    "rate.not_delivered": {
        "zh": "办件 {id} 尚未送达（当前：{status}）。请先把办理结果交给申请人并登记送达，再请其评价",
        "en": "{id} is not delivered yet (now: {status}); hand the result over first",
    },
    "rate.already": {"zh": "办件 {id} 已评价，不能重复评价", "en": "{id} was already rated"},
    "rate.done": {
        "zh": "已记录评价：{id}（{rating}），将在下次同步时报乡镇",
        "en": "Rating recorded: {id} ({rating}); it goes to the township at the next sync",
    },
    "print.reason_named": {"zh": "【{what}】{text}", "en": "[{what}] {text}"},
    "print.delivered": {"zh": "已送达（{how}）", "en": "delivered ({how})"},
    "print.received_by": {"zh": "，领取人{who}", "en": ", to {who}"},
    "print.rated": {"zh": "已评价：{rating}", "en": "rated: {rating}"},
    "print.corrections": {"zh": "需补正（乡镇一次性告知）：", "en": "To correct (township's request):"},
    "print.result": {"zh": "办理结果：{text}", "en": "Result: {text}"},
    "print.rejection": {"zh": "不予受理理由：{text}", "en": "Rejected because: {text}"},
    "print.delivery": {"zh": "送达：{day}（{how}）", "en": "Delivered: {day} ({how})"},
    # `service-center`: the township or county clerk's command line.
    # A promised date counted over a year whose holidays are not yet published: marked at every level.
    # The command line's own outputs (`catalog list`, `applicant`, `list`, `show`, `calendar`).
    "cli.immediate": {"zh": "即办", "en": "immediate"},
    "cli.workdays": {"zh": "{n}工作日", "en": "{n} workdays"},
    "cli.this_village": {"zh": "本村", "en": "this village"},
    "cli.applicant_known": {
        "zh": "已登记信息：{n}项，可自动预填", "en": "{n} earlier answer(s) on record, offered as prefill",
    },
    "cli.list_dates": {"zh": "收件{day}  期限{due}", "en": "taken in {day}  due {due}"},
    "cli.show.applicant": {"zh": "申请人：{name}", "en": "Applicant: {name}"},
    "cli.show.status": {"zh": "状态：{status}", "en": "Status: {status}"},
    "cli.show.due": {"zh": "预计办结：{due}", "en": "Due by: {due}"},
    "cli.show.events": {"zh": "经过：", "en": "History:"},
    "cli.written": {"zh": "已写入 {path}", "en": "Written: {path}"},
    "cli.calendar.imported": {
        "zh": "已导入{year}年节假日安排：放假{holidays}天，调休上班{workdays}天",
        "en": "Holiday table {year} imported: {holidays} day(s) off, {workdays} working weekend day(s)",
    },
    "cli.calendar.deadline": {"zh": "{start} 起 {days} 个工作日：{due}", "en": "{days} working days from {start}: {due}"},
    "cli.calendar.approximate": {
        "zh": "注意：尚无{years}年节假日安排，按周末计算，日期仅供参考",
        "en": "Note: no holiday table for {years} yet; weekends only, so the date is approximate",
    },
    "cli.calendar.unknown": {
        "zh": "尚无{year}年节假日安排，期限按周末计算。国务院公布后请用 calendar import 导入。已知年份：{first}–{last}",
        "en": "No holiday table for {year} yet; deadlines count weekends only. Import the State Council's"
              " announcement with calendar import. Known years: {first}–{last}",
    },
    "cli.calendar.year": {
        "zh": "{year}年 放假：{holidays}\n{year}年 调休上班：{workdays}",
        "en": "{year} days off: {holidays}\n{year} working weekend days: {workdays}",
    },
    "intake.bad_label": {
        "zh": "附件标签“{label}”不是本事项的材料或附件项；可用的标签：{known}",
        "en": "Attachment label \"{label}\" is no material or attachment of this item; labels: {known}",
    },
    "intake.no_labels": {"zh": "无", "en": "none"},
    # The printed notice (一次性告知书) and receipt (收件回执): Chinese for the villager by default.
    "print.sep.list": {"zh": "、", "en": ", "},
    "print.sep.clause": {"zh": "；", "en": "; "},
    "print.point_name": {"zh": "{village}便民服务代办点", "en": "{village} village service point"},
    "print.level.village": {"zh": "村级", "en": "village"},
    "print.level.township": {"zh": "乡镇", "en": "township"},
    "print.level.county": {"zh": "县级", "en": "county"},
    "print.notice.title": {"zh": "一次性告知书", "en": "One-time notice"},
    "print.notice.item": {"zh": "事项：{name}（{code}）", "en": "Item: {name} ({code})"},
    "print.notice.includes": {"zh": "包含：{names}", "en": "Includes: {names}"},
    "print.notice.about": {"zh": "说明：{text}", "en": "About: {text}"},
    "print.notice.department": {
        "zh": "部门：{department}    办理层级：{level}", "en": "Department: {department}    Level: {level}",
    },
    "print.notice.eligibility": {"zh": "申请条件：{text}", "en": "Who may apply: {text}"},
    "print.notice.bring": {
        "zh": "请一次备齐以下材料（原件核验后退还）：",
        "en": "Bring all of these at once (originals are checked and returned):",
    },
    "print.notice.material_form": {"zh": "{name}：{form}", "en": "{name}: {form}"},
    "print.notice.may_commit": {"zh": "可书面承诺代替", "en": "a signed commitment will do"},
    "print.notice.may_miss": {"zh": "可容缺后补", "en": "may be brought later"},
    "print.notice.flags": {"zh": "（{flags}）", "en": "({flags})"},
    "print.notice.sometimes": {"zh": "（视情况需要，代办员会说明）", "en": "(needed in some cases; the agent says when)"},
    "print.notice.immediate": {"zh": "即办件，当场办结", "en": "immediate, done on the spot"},
    "print.notice.days": {"zh": "{days}个工作日", "en": "{days} working days"},
    "print.notice.free": {"zh": "不收费", "en": "free"},
    "print.notice.fee": {"zh": "{fee}元", "en": "{fee} yuan"},
    "print.notice.prefix": {"zh": "{name}：", "en": "{name}: "},
    "print.notice.limit_fee": {
        "zh": "{prefix}承诺时限：{limit}    收费：{fee}", "en": "{prefix}Time limit: {limit}    Fee: {fee}",
    },
    "print.notice.result": {"zh": "{prefix}办理结果：{result}", "en": "{prefix}Result: {result}"},
    "print.notice.steps": {"zh": "办理流程：{steps}", "en": "Steps: {steps}"},
    "print.notice.basis": {"zh": "设定依据：{basis}", "en": "Legal basis: {basis}"},
    "print.notice.by_agent": {
        "zh": "由村代办员全程代办，申请人须签署授权委托书。",
        "en": "The village agent does it all; the applicant signs a letter of authorization.",
    },
    "print.notice.point": {"zh": "服务点：{point}（{code}）", "en": "Service point: {point} ({code})"},
    "print.notice.date": {"zh": "告知日期：{day}", "en": "Date: {day}"},
    "print.receipt.title": {"zh": "收件回执", "en": "Intake receipt"},
    "print.receipt.id": {"zh": "办件编号：{id}", "en": "Application: {id}"},
    "print.receipt.item": {"zh": "事项：{name}", "en": "Item: {name}"},
    "print.receipt.applicant": {
        "zh": "申请人：{name}    身份证号：{id_number}", "en": "Applicant: {name}    ID number: {id_number}",
    },
    "print.receipt.day_status": {
        "zh": "收件日期：{day}    当前状态：{status}", "en": "Taken in: {day}    Status: {status}",
    },
    "print.receipt.materials": {"zh": "材料情况：", "en": "Materials:"},
    "print.receipt.material": {"zh": "{name}：{status}", "en": "{name}: {status}"},
    "print.receipt.gaps": {"zh": "※ 容缺材料请在办结前补交：{names}", "en": "※ Bring before completion: {names}"},
    "print.receipt.commitment": {
        "zh": "※ 告知承诺事项如有不实，将撤销办理结果并记入信用记录",
        "en": "※ A false commitment cancels the result and goes on the credit record",
    },
    "print.receipt.immediate": {"zh": "承诺时限：即办件", "en": "Time limit: immediate"},
    "print.receipt.days": {
        "zh": "承诺时限：{days}个工作日（自乡镇受理之日起计算）",
        "en": "Time limit: {days} working days (from the township's acceptance)",
    },
    "print.receipt.due": {"zh": "预计办结：{due} 前{note}", "en": "Due by: {due}{note}"},
    "print.receipt.due_approximate": {
        "zh": "（节假日安排未公布，按周末估算）", "en": " (holidays not yet published; estimated)",
    },
    "print.receipt.agent": {"zh": "代办员：{name}", "en": "Agent: {name}"},
    "print.receipt.point": {"zh": "服务点：{point}", "en": "Service point: {point}"},
    "print.receipt.keep": {
        "zh": "凭此回执查询办理进度、领取办理结果。",
        "en": "Keep this receipt to ask about progress and to collect the result.",
    },
    # One line of a case's timeline (`village-agent show`), as the agent reads it.
    "print.event.created": {"zh": "收件登记", "en": "taken in"},
    "print.event.submitted": {"zh": "提交（待上报）", "en": "submitted (to send)"},
    "print.event.inspection_recorded": {"zh": "巡查登记", "en": "inspection recorded"},
    "print.event.accepted": {"zh": "已受理", "en": "accepted"},
    "print.event.correction_requested": {"zh": "需补正", "en": "correction requested"},
    "print.event.corrected": {"zh": "已补正并重新提交", "en": "corrected and sent again"},
    "print.event.rejected": {"zh": "不予受理", "en": "rejected"},
    "print.event.completed": {"zh": "已办结", "en": "completed"},
    "print.event.delivered": {"zh": "已送达", "en": "delivered"},
    "print.event.rated": {"zh": "已评价", "en": "rated"},
    "print.event.forwarded": {"zh": "已转县级", "en": "forwarded to the county"},
    "print.event.material_supplied": {"zh": "已补交材料", "en": "material supplied"},
    "print.event.note": {"zh": "备注", "en": "note"},
    "print.event.received_county": {"zh": "县级中心已接收", "en": "received by the county center"},
    "print.event.received_township": {"zh": "乡镇中心已接收", "en": "received by the township center"},
    "print.event.detail": {"zh": "{text}：{detail}", "en": "{text}: {detail}"},
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
    "error.not_logged_in": {"zh": "请先登录", "en": "Log in first"},
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
    "sync.never": {"zh": "从未", "en": "never"},
    "home.link_online": {"zh": "同步：在线", "en": "Sync: online"},
    "home.link_offline": {"zh": "同步：离线（将自动重试）", "en": "Sync: offline (will retry)"},
    "home.link_unknown": {"zh": "同步：尚未连上乡镇", "en": "Sync: no contact yet"},
    "home.link_last_ok": {"zh": "同步：上次同步成功（本次尚未联系）", "en": "Sync: last session OK (none yet)"},
    "home.last_contact": {"zh": "上次联系 {when}", "en": "Last contact {when}"},
    "home.queue": {"zh": "同步队列 {n} 条", "en": "Queue: {n} to send"},
    "home.awaiting_owner": {"zh": "待县确认 {n} 条", "en": "{n} awaiting the county"},
    "home.drafts_count": {"zh": "未提交的草稿 {n} 件（按 d 继续填写）", "en": "{n} unsent draft(s) (d to continue)"},
    "home.no_drafts": {"zh": "没有未提交的草稿", "en": "No drafts"},
    "home.flagged": {"zh": "超期与临期（3个工作日内到期）", "en": "Overdue and due within 3 working days"},
    "home.overdue": {"zh": "超期{n}个工作日", "en": "{n} late"},
    "home.days_left": {"zh": "剩{n}个工作日", "en": "{n} left"},
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
    "col.applicant": {"zh": "申请人", "en": "Name"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.taken": {"zh": "收件日期", "en": "Taken in"},
    "col.due": {"zh": "预计办结", "en": "Due"},
    "col.left": {"zh": "剩余", "en": "Workdays"},
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
    "form.derived": {"zh": "性别：{sex}，年龄：{age}岁，出生日期：{birth}", "en": "Sex: {sex}, age {age}, born {birth}"},
    "sex.male": {"zh": "男", "en": "male"},
    "sex.female": {"zh": "女", "en": "female"},
    "form.pick_scan": {"zh": "选扫描件", "en": "Pick scan"},
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
    "attach.browse": {"zh": "从文件夹选择", "en": "Pick from folder"},
    "attach.say_what": {"zh": "已选好文件，请选择这是哪份材料，再按“添加扫描件”", "en": "File chosen: say which material it is, then Attach"},
    "scan.title": {"zh": "选择扫描件（只列出图片和PDF）", "en": "Pick a scan (images and PDFs only)"},
    "scan.hint": {"zh": "↑↓ 移动  Enter 打开文件夹/选定文件  Backspace 上一级  Esc 取消", "en": "↑↓ move  Enter open folder / pick file  Backspace up  Esc cancel"},
    "scan.no_folder": {"zh": "没有这个文件夹：{path}", "en": "No such folder: {path}"},
    "scan.up": {"zh": "上一级", "en": "Up"},
    "review.subtitle": {"zh": "复核", "en": "Review"},
    "review.bundle": {"zh": "一件事：提交后分别生成{n}件办件：{names}", "en": "One-stop bundle: submitting files {n} applications: {names}"},
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
    # printing: notices and receipts as PDF (the PDF's own words are sync/i18n.py's; printer.py)
    "pdf.print": {"zh": "打印 PDF", "en": "Print PDF"},
    "pdf.working": {"zh": "正在生成 PDF……", "en": "Making the PDF…"},
    "pdf.saved": {"zh": "已保存 PDF：{path}", "en": "PDF saved: {path}"},
    "pdf.printed": {"zh": "已发送到打印机：{path}", "en": "Sent to the printer: {path}"},
    "pdf.no_printer": {
        "zh": "这台电脑没有配置打印机（找不到 lp 命令），未打印。PDF 已保存在：{path}",
        "en": "No printer is set up on this PC (no lp command); nothing printed. The PDF is at: {path}",
    },
    "pdf.print_failed": {
        "zh": "打印失败：{detail}。请检查打印机是否开机、是否设为默认打印机。PDF 已保存在：{path}",
        "en": "Printing failed: {detail}. Is the printer on and the default? The PDF is at: {path}",
    },
    "pdf.opened": {"zh": "已打开：{path}", "en": "Opened: {path}"},
    "pdf.open": {"zh": "打开 PDF", "en": "Open PDF"},
    "pdf.opened_to_print": {
        "zh": "这台电脑没有配置打印机，已用 PDF 阅读器打开，可从阅读器打印：{path}",
        "en": "No printer is set up on this PC; opened in the PDF viewer, print from there: {path}",
    },
    "pdf.no_viewer": {
        "zh": "找不到可以打开 PDF 的程序。PDF 已保存在：{path}",
        "en": "No program to open the PDF with. The PDF is at: {path}",
    },
    # drafts
    "drafts.title": {"zh": "未提交的草稿（回车继续填写，Delete 删除）", "en": "Drafts (Enter continues, Delete removes)"},
    "drafts.subtitle": {"zh": "草稿", "en": "Drafts"},
    "drafts.delete": {"zh": "删除", "en": "Delete"},
    "drafts.none": {"zh": "没有草稿", "en": "No drafts"},
    "drafts.confirm_delete": {"zh": "删除这份草稿？删除后无法恢复。", "en": "Delete this draft? It cannot be undone."},
    "sync.unattended_note": {
        "zh": "收到的办理结果已加密保存，代办员下次登录时自动更新到办件",
        "en": "Results received are kept sealed and filed at the next login",
    },
    "drafts.version_kept": {
        "zh": "事项目录已更新到 {new}，本草稿仍按开始填写时的 {old} 版办理",
        "en": "The catalog is now at {new}; this draft goes on with version {old}",
    },
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
    "list.all_dates": {"zh": "全部日期", "en": "Any date"},
    "list.period.today": {"zh": "今天", "en": "Today"},
    "list.period.week": {"zh": "近7天", "en": "Last 7 days"},
    "list.period.month": {"zh": "本月", "en": "This month"},
    "list.period.last_month": {"zh": "上月", "en": "Last month"},
    "list.applicant_ph": {"zh": "申请人姓名或身份证号", "en": "Applicant name or ID number"},
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
    # sync screen and enrollment (village_agent/app/syncscreen.py, enroll.py)
    "home.sync": {"zh": "同步", "en": "Sync"},
    "cmd.sync": {"zh": "同步", "en": "Sync"},
    "cmd.sync.help": {"zh": "上报队列、立即同步、U盘导入导出、登记", "en": "Queue, sync now, USB stick, enrollment"},
    "syncscreen.subtitle": {"zh": "同步", "en": "Sync"},
    "syncscreen.now": {"zh": "立即同步", "en": "Sync now"},
    "syncscreen.export": {"zh": "导出到U盘", "en": "To USB"},
    "syncscreen.import": {"zh": "从U盘导入", "en": "From USB"},
    "syncscreen.enroll": {"zh": "登记", "en": "Enroll"},
    "syncscreen.reload": {"zh": "刷新", "en": "Reload"},
    "syncscreen.enrolled": {"zh": "已登记：乡镇中心 {url}（乡镇指纹 {fp}）", "en": "Enrolled at {url} (township {fp})"},
    "syncscreen.no_url": {"zh": "（U盘方式，未填地址）", "en": "(by USB, no address)"},
    "syncscreen.not_enrolled": {
        "zh": "未登记到乡镇中心：办件加密暂存本机，登记后上报。按 n 登记",
        "en": "Not enrolled: cases wait here, sealed, until enrollment. Press n to enroll",
    },
    "syncscreen.revoked": {
        "zh": "本设备已被乡镇注销，不能再上报。请联系乡镇工作人员",
        "en": "This device was revoked by the township; call the township",
    },
    "syncscreen.link": {"zh": "连接：{state} · 上次联系：{last}", "en": "Link: {state} · last contact: {last}"},
    "syncscreen.online": {"zh": "在线", "en": "online"},
    "syncscreen.offline": {"zh": "离线（数据已保存，联网后自动上报）", "en": "offline (data kept, sent when back)"},
    "syncscreen.checking": {"zh": "检查中……", "en": "checking…"},
    "syncscreen.counts": {
        "zh": "待上报{waiting}条 · 待登记后加密{unsealed}条 · 待县级确认{owner}条 · 收到结果{received}条（已更新{applied}条）",
        "en": "{waiting} to send · {unsealed} to seal · {owner} at county · {received} result(s) in ({applied} filed)",
    },
    "syncscreen.tab_queue": {"zh": "上报队列", "en": "Outgoing"},
    "syncscreen.tab_results": {"zh": "收到的办理结果", "en": "Results received"},
    "syncscreen.connecting": {"zh": "正在连接乡镇中心……", "en": "Connecting to the township…"},
    "syncscreen.waiting_lock": {
        "zh": "后台同步正在进行，结束后立即开始……", "en": "A background session is running; starting right after it…",
    },
    "syncscreen.sending": {"zh": "正在上报：已发送 {done} / 共 {total}", "en": "Sending: {done} of {total}"},
    "syncscreen.waiting_answer": {"zh": "已发送，等待乡镇中心确认……", "en": "Sent; waiting for the township's answer…"},
    "syncscreen.busy": {"zh": "上一项操作还在进行，请稍候", "en": "Still busy with the last action"},
    "syncscreen.exporting": {"zh": "正在写入U盘……", "en": "Writing to the stick…"},
    "syncscreen.importing": {"zh": "正在读取U盘……", "en": "Reading the stick…"},
    "syncscreen.stick_write": {"zh": "正在写入U盘：已写 {done} / 共 {total}", "en": "Writing to the stick: {done} of {total}"},
    "syncscreen.stick_read": {"zh": "正在读取U盘：已读 {done} / 共 {total}", "en": "Reading the stick: {done} of {total}"},
    "syncscreen.filing": {"zh": "正在登记乡镇中心的回复……", "en": "Filing the township's answers…"},
    "syncscreen.background": {"zh": "后台同步：{summary}", "en": "Background sync: {summary}"},
    "col.size": {"zh": "大小", "en": "Size"},
    "col.delivery": {"zh": "上报状态", "en": "Where"},
    "outbox.unsealed": {"zh": "待登记后加密", "en": "to seal"},
    "outbox.waiting": {"zh": "待上报", "en": "waiting"},
    "outbox.sent": {"zh": "已发送待确认", "en": "unconfirmed"},
    "outbox.township": {"zh": "乡镇已收到", "en": "at township"},
    "outbox.county": {"zh": "县级已收到", "en": "at county"},
    "outbox.refused": {"zh": "中心拒收，不再上报", "en": "refused"},
    "outbox.chunk": {"zh": "扫描件第{n}段", "en": "scan piece {n}"},
    "outbox.clash": {"zh": "编号与中心已有记录冲突，登录后重新编号上报", "en": "number clashes at the center; renumbered at the next login"},
    "folder.export_title": {"zh": "导出到U盘：写到哪个文件夹？", "en": "Export: which folder on the stick?"},
    "folder.import_title": {"zh": "从U盘导入：乡镇的答复在哪个文件夹？", "en": "Import: which folder holds the township's answers?"},
    "folder.label": {"zh": "文件夹", "en": "Folder"},
    "folder.ok": {"zh": "确定", "en": "OK"},
    "enrollscreen.title": {"zh": "登记到乡镇中心", "en": "Enroll at the township"},
    "enrollscreen.title_first": {"zh": "最后一步（可选）：登记到乡镇中心", "en": "Last step (optional): enroll at the township"},
    "enrollscreen.subtitle": {"zh": "登记", "en": "Enrollment"},
    "enrollscreen.intro": {
        "zh": "登记后办件才能上报乡镇。联网：填写乡镇中心地址和乡镇工作人员给的一次性登记码；不联网：用U盘交换登记文件。也可以以后在“同步”页登记（首页按 s）。",
        "en": "Cases reach the township once this PC is enrolled. Online: the township's address and the clerk's one-time code. Offline: swap files by USB stick. Or later, from the Sync page (s on home).",
    },
    "enrollscreen.url": {"zh": "乡镇中心地址", "en": "Township address"},
    "enrollscreen.url.ph": {"zh": "如 http://10.0.0.2:8600", "en": "e.g. http://10.0.0.2:8600"},
    "enrollscreen.code": {"zh": "一次性登记码", "en": "One-time enrollment code"},
    "enrollscreen.code.ph": {"zh": "如 K7Q2-XA4M-PD", "en": "e.g. K7Q2-XA4M-PD"},
    "enrollscreen.online": {"zh": "联网登记", "en": "Enroll online"},
    "enrollscreen.offline": {
        "zh": "不联网：先写出登记请求到U盘，交乡镇中心导入；带回U盘后用同一登记码读入答复。",
        "en": "Offline: write the request to a stick for the township to import; back here, read its answer with the same code.",
    },
    "enrollscreen.folder": {"zh": "U盘文件夹", "en": "Folder on the stick"},
    "enrollscreen.write_request": {"zh": "写出登记请求", "en": "Write the request"},
    "enrollscreen.read_answer": {"zh": "读入乡镇答复", "en": "Read the answer"},
    "enrollscreen.later": {"zh": "以后再说", "en": "Later"},
    "enrollscreen.finish": {"zh": "完成", "en": "Done"},
    "enrollscreen.working": {"zh": "正在登记，请稍候……", "en": "Enrolling…"},
    "enrollscreen.writing": {"zh": "正在写出登记请求……", "en": "Writing the request…"},
    "enrollscreen.need_code": {"zh": "请填写乡镇工作人员给的登记码", "en": "Type the code the clerk gave you"},
    "enrollscreen.need_url": {"zh": "请填写乡镇中心地址", "en": "Type the township's address"},
    "enrollscreen.request_written": {
        "zh": "已写出登记请求：{path}\n请交乡镇中心导入；带回U盘后按“读入乡镇答复”（用同一登记码）",
        "en": "Request written: {path}\nHave the township import it; then press Read the answer (same code)",
    },
    # casework in the app: corrections, delivery, rating
    "home.to_decide": {
        "zh": " · 村级办理待办结 {n} 件（在办件中按 v 办理）",
        "en": " · {n} village-decided to settle (v on the case)",
    },
    "home.casework": {
        "zh": "待补正 {correct} 件（按 c 查看） · 待送达 {deliver} 件 · 待评价 {rate} 件",
        "en": "{correct} to correct (c) · {deliver} to hand over · {rate} to rate",
    },
    "home.corrections": {"zh": "需补正", "en": "To correct"},
    "detail.correct": {"zh": "补正", "en": "Correct"},
    "detail.deliver": {"zh": "送达", "en": "Deliver"},
    "detail.rate": {"zh": "评价", "en": "Rate"},
    "detail.correct_hint": {
        "zh": "（按 c 按通知修改后重新提交）", "en": "(c: correct and submit again)",
    },
    "detail.hand_over": {
        "zh": "（按 d 登记送达并请申请人评价）", "en": "(d: record the hand-over, then the rating)",
    },
    "detail.ask_rating": {"zh": "（按 g 记录申请人评价）", "en": "(g: record the villager's rating)"},
    "correct.subtitle": {"zh": "补正", "en": "Correction"},
    "correct.scope_named": {
        "zh": "只能修改补正通知所列项目，其余内容只读", "en": "Only what the request names can be edited",
    },
    "correct.scope_open": {
        "zh": "补正通知未指明具体项目，全部内容均可修改", "en": "The request names nothing: all can be edited",
    },
    "correct.submit": {"zh": "提交补正", "en": "Submit correction"},
    "correct.confirm": {"zh": "提交补正？改动如下：\n{changes}", "en": "Submit the correction? Changes:\n{changes}"},
    "correct.no_changes": {"zh": "（没有改动任何内容）", "en": "(nothing changed)"},
    "correct.change_line": {"zh": "  {what}：{old} → {new}", "en": "  {what}: {old} → {new}"},
    "correct.scan_line": {"zh": "  补交扫描件：{what}", "en": "  New scan: {what}"},
    "correct.done_title": {"zh": "已提交补正", "en": "Correction submitted"},
    "correct.discard": {"zh": "放弃本次补正的修改？", "en": "Discard the changes to this correction?"},
    "deliver.title": {"zh": "登记送达：{id}", "en": "Record the hand-over: {id}"},
    "deliver.question": {
        "zh": "已将办理结果交给申请人？\n{outcome}", "en": "Has the result been handed over?\n{outcome}",
    },
    "deliver.how": {"zh": "送达方式", "en": "How"},
    "deliver.to_whom_ph": {"zh": "领取人姓名（家属代领时必填）", "en": "Who received it (needed for family)"},
    "deliver.note_ph": {"zh": "备注（可不填）", "en": "Note (optional)"},
    "deliver.confirm": {"zh": "确认送达", "en": "Delivered"},
    "deliver.saved": {"zh": "已登记送达", "en": "Delivery recorded"},
    "rate.title": {"zh": "请申请人评价：{id}", "en": "The villager's rating: {id}"},
    "rate.common": {"zh": "常见理由（可多选，空格选中）", "en": "Common reasons (Space picks, several allowed)"},
    "rate.reason_ph": {"zh": "说明（不满意时无理由须填写）", "en": "Note (needed for an unsatisfied rating without a reason)"},
    "rate.submit": {"zh": "记录评价", "en": "Record rating"},
    "rate.later": {"zh": "稍后再评", "en": "Later"},
    "rate.choose": {"zh": "请选择评价等级（非常满意至非常不满意）", "en": "Choose a level (very satisfied .. very unsatisfied)"},
    "rate.saved": {"zh": "已记录评价", "en": "Rating recorded"},
    # a bad rating's follow-up, as it comes down from the township (show, the case screen, home)
    "followup.heading": {"zh": "差评跟进（请告知申请人）：", "en": "The bad rating's follow-up (tell the villager):"},
    "followup.waiting": {"zh": "差评跟进：乡镇尚未反馈", "en": "Follow-up: nothing from the township yet"},
    "home.followups_closed": {
        "zh": " · 差评跟进已办结 {n} 件（请告知申请人）",
        "en": " · {n} bad rating(s) followed up (tell the villagers)",
    },
    # Punctuation around our own and catalog words: full-width in Chinese, ASCII in English.
    "app.name_role": {"zh": "{name}（{role}）", "en": "{name} ({role})"},
    "app.name_code": {"zh": "{name}（{code}）", "en": "{name} ({code})"},
    "app.with_note": {"zh": "{text}（{note}）", "en": "{text} ({note})"},
    "app.label_value": {"zh": "{label}：{value}", "en": "{label}: {value}"},
    "app.sep.clause": {"zh": "；", "en": "; "},
    "app.sep.comma": {"zh": "，", "en": ", "},
}
# Owed materials (容缺, 告知承诺) handed in later: `village-agent supply`, home, lists, casework.
OWED_MESSAGES: dict[str, dict[str, str]] = {
    "supply.unknown_material": {
        "zh": "办件 {id} 没有材料“{material}”。尚待补交：{owed}",
        "en": "Case {id} has no material \"{material}\". Still owed: {owed}"},
    "supply.not_owed": {
        "zh": "办件 {id} 的“{what}”收件时已提交，无需补交。尚待补交：{owed}",
        "en": "Case {id}: \"{what}\" was provided at intake; nothing to supply. Still owed: {owed}"},
    "supply.already": {
        "zh": "办件 {id} 的“{what}”已于 {day} 补交，不能重复登记",
        "en": "Case {id}: \"{what}\" was already supplied on {day}"},
    "supply.no_scan": {
        "zh": "请附上补交的“{what}”扫描件（--attach 文件）",
        "en": "Attach the scan of \"{what}\" being supplied (--attach FILE)"},
    "supply.closed": {
        "zh": "办件 {id} 当前状态为“{status}”，不再接收补交材料",
        "en": "Case {id} is {status}; it takes no more materials"},
    "supply.nothing_owed": {"zh": "无", "en": "nothing"},
    "supply.done": {
        "zh": "已登记补交：{id} 的“{what}”（{day}），将随下次同步报送乡镇",
        "en": "Recorded: \"{what}\" supplied for {id} ({day}); it goes to the township at the next sync"},
    "owed.state.missing": {"zh": "容缺", "en": "missing"},
    "owed.state.commitment": {"zh": "告知承诺", "en": "commitment"},
    "owed.line": {"zh": "待补交：{what}（{state}，{due}前）", "en": "Owed: {what} ({state}, by {due})"},
    "owed.line_overdue": {
        "zh": "待补交：{what}（{state}，应于{due}前，已逾期）",
        "en": "Owed: {what} ({state}, due {due}, overdue)"},
    "owed.line_supplied": {"zh": "已补交：{what}（{day}）", "en": "Supplied: {what} ({day})"},
    "owed.cell": {"zh": "{n}项{due}前", "en": "{n} by {due}"},
    "owed.cell_overdue": {"zh": "{n}项·已逾期", "en": "{n} overdue"},
    "col.owed": {"zh": "待补", "en": "Owed"},
    "col.material": {"zh": "材料", "en": "Material"},
    "col.supply_by": {"zh": "补交期限", "en": "Due by"},
    "home.owed": {"zh": "待补交材料（容缺、告知承诺）", "en": "Materials still owed (missing, commitment)"},
    "home.owed_count": {"zh": "待补交材料 {n} 项 · 逾期 {late} 项", "en": "{n} materials owed · {late} overdue"},
    "home.owed_overdue": {"zh": "逾期{n}个工作日", "en": "{n} late"},
    "home.owed_left": {"zh": "剩{n}个工作日", "en": "{n} left"},
    "case.supply": {"zh": "登记补交材料", "en": "Record a material supplied"},
    "case.supply_choose": {"zh": "补交哪一项材料？", "en": "Which material was supplied?"},
    "case.supply_scan": {"zh": "扫描件文件路径", "en": "Path of the scan"},
    "case.supply_none": {"zh": "本办件没有待补交的材料", "en": "This case owes no materials"},
    "case.supply_saved": {"zh": "已登记补交", "en": "Supply recorded"},
    "print.event.revoked": {"zh": "办理结果已撤销", "en": "result revoked"},
    "cli.show.owed": {"zh": "容缺、告知承诺材料：", "en": "Owed materials:"},
}
MESSAGES.update(VILLAGE_MESSAGES)
MESSAGES.update(APP_MESSAGES)
MESSAGES.update(OWED_MESSAGES)
# The registry's history (applicant update/history) and the recovery code (init, recover).
KEEP_MESSAGES: dict[str, dict[str, str]] = {
    "applicant.need_id": {"zh": "请用 --id-number 给出办事人的身份证号",
                          "en": "Give the applicant's ID number with --id-number"},
    "applicant.updated": {
        "zh": "已更正登记簿中 {name} 的信息（已记入操作日志）。已办的办件仍显示当时登记的信息，"
              "下次办件时带出更正后的信息",
        "en": "Registry entry of {name} corrected (audited). Cases already filed keep what they "
              "were filed with; the next application is prefilled with the correction"},
    "applicant.version": {"zh": "{at}  {source}  {name}  {address}  办件：{cases}",
                          "en": "{at}  {source}  {name}  {address}  cases: {cases}"},
    "applicant.source.filed": {"zh": "办件登记", "en": "filed"},
    "applicant.source.corrected": {"zh": "补正登记", "en": "corrected"},
    "applicant.source.update": {"zh": "更正登记簿", "en": "registry update"},
    "applicant.source.m015": {"zh": "升级前登记", "en": "before the upgrade"},
    "recovery.show": {
        "zh": "恢复码（只显示这一次）：\n\n    {code}\n\n请抄在纸上，交乡镇中心保管。"
              "所有人都忘记PIN码时，凭它找回全部数据（village-agent recover）。"
              "不要拍照，不要存在这台电脑里",
        "en": "Recovery code (shown this once only):\n\n    {code}\n\nWrite it on paper for the "
              "township to keep. If every PIN is forgotten, it brings all the data back "
              "(village-agent recover). Do not photograph it or keep it on this PC"},
    "recovery.prompt": {"zh": "请输入恢复码（28位数字，可带空格）：",
                        "en": "Recovery code (28 digits, spaces allowed): "},
    "recovery.no_tty": {"zh": "需要恢复码：请在终端中运行，或设置环境变量 VILLAGE_AGENT_RECOVERY_CODE",
                        "en": "A recovery code is needed: run in a terminal or set "
                              "VILLAGE_AGENT_RECOVERY_CODE"},
    "recovery.need_operator": {"zh": "请用 --operator 指定要找回PIN码的操作员",
                               "en": "Name the operator whose PIN is forgotten with --operator"},
    "recovery.done": {"zh": "已为 {name} 重设PIN码（已记入操作日志），数据完好，请用新PIN码登录",
                      "en": "New PIN set for {name} (audited); the data is intact: log in with it"},
    "recovery.has": {"zh": "本服务点已设置恢复码（由乡镇保管）",
                     "en": "This service point has a recovery code (kept by the township)"},
    "recovery.none": {"zh": "本服务点还没有恢复码：忘记PIN码将无法找回数据。"
                            "请运行 village-agent recovery-code --new 生成一个，交乡镇保管",
                      "en": "This service point has no recovery code: a forgotten PIN would lose "
                            "the data. Run village-agent recovery-code --new and give it to the "
                            "township"},
    "recovery.replaced": {"zh": "已生成新的恢复码，旧的恢复码从此作废（已记入操作日志）",
                          "en": "New recovery code made; the old one no longer works (audited)"},
    "setup.recovery.title": {"zh": "请抄下恢复码", "en": "Write down the recovery code"},
    "setup.recovery.done": {"zh": "我已抄好，交乡镇保管", "en": "Written down for the township"},
}
MESSAGES.update(KEEP_MESSAGES)


def notice_text(kind: str, seq: int | None, detail: str) -> str:
    """One alarm raised at this village, said for the agent."""
    if kind == "restored_copy":
        return t("sync.restored")
    if kind == "application_renumbered" and " -> " in detail:
        old, new = detail.split(" -> ", 1)
        return t("sync.renumbered", old=old, new=new)
    if kind == "clash":
        return t("notice.clash", seq=seq)
    if kind == "malformed_payload":
        return t("notice.refused", seq=seq)
    if kind in ("not_permitted", "foreign_application"):
        return t(f"notice.{kind}", seq=seq)
    if kind == "downstream_incomplete":
        return t("notice.downstream_incomplete")
    return t("notice.other", kind=kind, seq="—" if seq is None else seq)




# 绿色通道 (forms/priority.py) at intake, and the 授权委托书 (printing.authorisation_document).
PRIORITY_MESSAGES: dict[str, dict[str, str]] = {
    "priority.choice": {"zh": "{word}（{code}）", "en": "{code}"},
    "priority.unknown": {"zh": "“{ground}”不是绿色通道的类别，可选：{choices}",
                         "en": "“{ground}” is not a green-channel ground; choose from: {choices}"},
    "priority.taken": {"zh": "绿色通道：{grounds}，优先办理", "en": "Green channel: {grounds}, served first"},
    "priority.review": {"zh": "绿色通道（老、弱、病、残、军优先办理）",
                        "en": "Green channel (elderly, frail, ill, disabled, servicemen first)"},
    "priority.review_elderly": {
        "zh": "申请人年满{age}周岁，按老年人优先自动走绿色通道",
        "en": "The applicant is {age} or older: the green channel applies by age"},
    "priority.review_days": {"zh": "本事项绿色通道承诺时限：{days}个工作日（一般{normal}个）",
                             "en": "Green channel promised time for this item: {days} working days"
                                   " ({normal} otherwise)"},
    "detail.authorisation": {"zh": "委托书", "en": "Authorisation"},
    "print.auth.title": {"zh": "授权委托书", "en": "Letter of Authorisation"},
    "print.auth.principal": {"zh": "委托人（申请人）：{name}", "en": "Principal (applicant): {name}"},
    "print.auth.id_number": {"zh": "委托人身份证号：{id_number}", "en": "Principal's ID number: {id_number}"},
    "print.auth.agent": {"zh": "受托人（代办员）：{name}", "en": "Agent (village proxy agent): {name}"},
    "print.auth.point": {"zh": "受托人单位：{point}（{code}）", "en": "Agent's service point: {point} ({code})"},
    "print.auth.item": {"zh": "委托事项：{name}（{code}）", "en": "Item: {name} ({code})"},
    "print.auth.case": {"zh": "办件编号：{id}", "en": "Application number: {id}"},
    "print.auth.department": {"zh": "办理部门：{department}", "en": "Deciding office: {department}"},
    "print.auth.body": {
        "zh": "本人{name}委托{agent}代为办理上述事项。",
        "en": "I, {name}, authorise {agent} to handle the item above on my behalf."},
    "print.auth.scope": {
        "zh": "委托权限：代为填写申请表，提交和补交申请材料，接收补正通知，领取办理结果并转交本人。",
        "en": "The agent may fill in the form, hand in and add materials, receive requests for"
              " correction, and collect the result and hand it to me."},
    "print.auth.term": {"zh": "委托期限：自签署之日起至本事项办结并送达本人止。",
                        "en": "This authorisation lasts from signing until the result is handed to me."},
    "print.auth.declaration": {
        "zh": "委托人声明：以上委托出于本人真实意愿；所提交的材料真实有效，由本人承担相应责任。",
        "en": "I give this authorisation freely; the materials are true, and I answer for them."},
    "print.auth.priority": {"zh": "本件按绿色通道优先办理（{grounds}）。",
                            "en": "This case takes the green channel ({grounds})."},
    "print.auth.sign_principal": {"zh": "委托人签名：＿＿＿＿＿＿＿＿　（不能签名的请按手印）",
                                  "en": "Principal's signature: ________  (or thumbprint)"},
    "print.auth.sign_agent": {"zh": "受托人签名：＿＿＿＿＿＿＿＿", "en": "Agent's signature: ________"},
    "print.auth.date": {"zh": "日期：{day}", "en": "Date: {day}"},
    "print.receipt.priority": {"zh": "绿色通道：{grounds}，优先办理", "en": "Green channel: {grounds}, served first"},
    "print.notice.priority_days": {"zh": "{prefix}绿色通道（老、弱、病、残、军）：{days}个工作日",
                                   "en": "{prefix}Green channel (elderly, frail, ill, disabled,"
                                         " servicemen): {days} working days"},
}
MESSAGES.update(PRIORITY_MESSAGES)

# 放权下沉: the village point decides its village-decided items (village_agent/deciding.py).
DECIDE_MESSAGES: dict[str, dict[str, str]] = {
    "decide.bad_decision": {"zh": "办理决定只能是 completed（办结）或 rejected（不予受理）",
                            "en": "The decision is completed or rejected"},
    "decide.note.completed": {"zh": "办理结果", "en": "The result"},
    "decide.note.rejected": {"zh": "不予受理理由", "en": "The reason"},
    "decide.need.completed": {"zh": "办结须填写办理结果", "en": "A completion needs its result"},
    "decide.need.rejected": {"zh": "不予受理须说明理由", "en": "A rejection needs its reason"},
    "decide.not_agent": {"zh": "村级办理事项由代办员作出决定，{role}不能办理",
                         "en": "Village-decided items are decided by an agent, not a {role}"},
    "decide.not_village": {
        "zh": "办件 {id}（{item}）不是村级办理事项，由{who}中心作出决定，村代办点不能办理",
        "en": "{id} ({item}) is not decided at the village: its {who} center decides it"},
    "decide.not_now": {"zh": "办件 {id} 当前状态不能办理（当前：{status}）",
                       "en": "{id} cannot be decided now (it is {status})"},
    "decide.done.completed": {"zh": "已办结：{id}（村级办理），将在下次同步时报乡镇备案",
                              "en": "Completed: {id} (decided here); reported to the township at the next sync"},
    "decide.done.rejected": {"zh": "已决定不予受理：{id}（村级办理），将在下次同步时报乡镇备案",
                             "en": "Rejected: {id} (decided here); reported to the township at the next sync"},
    "decide.badge": {"zh": "村级办理", "en": "decided here"},
    "decide.title": {"zh": "村级办理：{id}", "en": "Decide here: {id}"},
    "decide.question": {"zh": "本事项为村级办理事项（放权下沉），由本服务站办结或不予受理，并报乡镇备案。",
                        "en": "This item is decided at the village point and reported to the township."},
    "decide.completed": {"zh": "办结", "en": "Complete"},
    "decide.rejected": {"zh": "不予受理", "en": "Reject"},
    "decide.note_ph": {"zh": "办理结果（办结时）或不予受理理由", "en": "The result, or the reason for a rejection"},
    "decide.cancel": {"zh": "取消", "en": "Cancel"},
    "decide.action": {"zh": "村级办理", "en": "Decide here"},
    "decide.hint": {"zh": "本事项由本服务站办理：按 v 办结或不予受理，结果报乡镇备案",
                    "en": "Decided here: press v to complete or reject; the township keeps the record"},
}
MESSAGES.update(DECIDE_MESSAGES)

# 投诉: the agent takes down a villager's complaint about their case (village_agent/complaining.py).
COMPLAIN_MESSAGES: dict[str, dict[str, str]] = {
    "complain.text": {"zh": "投诉内容", "en": "The complaint"},
    "complain.need_text": {"zh": "请填写投诉内容（村民的原话），未记录",
                           "en": "Write down the complaint (the villager's words); nothing was recorded"},
    "complain.not_filed": {
        "zh": "办件 {id} 还是草稿，尚未报送中心，不能投诉（当前：{status}）",
        "en": "{id} is still a draft, not sent to the center; nothing to complain about yet ({status})"},
    "complain.not_service": {"zh": "巡查登记 {id} 不是村民的办件，不能投诉",
                             "en": "{id} is an inspection record, not a villager's case"},
    "complain.done": {
        "zh": "已记录投诉：办件 {id}，投诉编号 {complaint}（请告知村民），将在下次同步时报送中心",
        "en": "Complaint recorded on {id} as {complaint} (give the villager this number);"
              " it goes to the center at the next sync"},
    "complain.title": {"zh": "投诉：{id}", "en": "Complaint: {id}"},
    "complain.question": {
        "zh": "记录村民对本办件的投诉，报送办理中心的投诉监督台；答复到达后显示在本办件中。",
        "en": "The villager's complaint about this case goes to the center's complaints desk;"
              " its answer shows on this case when it arrives."},
    "complain.ph": {"zh": "投诉内容（村民的原话）", "en": "The complaint (the villager's words)"},
    "complain.submit": {"zh": "记录投诉", "en": "Record the complaint"},
    "complain.action": {"zh": "投诉", "en": "Complaint"},
    "complain.saved": {"zh": "已记录投诉 {complaint}，请告知村民投诉编号",
                       "en": "Complaint {complaint} recorded; give the villager the number"},
    "print.event.complained": {"zh": "已投诉", "en": "complaint made"},
    "print.event.complaint_answered": {"zh": "投诉已答复", "en": "complaint answered"},
    "print.complaint": {"zh": "投诉 {complaint}：{text}", "en": "Complaint {complaint}: {text}"},
    "print.complaint_waiting": {"zh": "投诉 {complaint} 待中心答复", "en": "Complaint {complaint}: awaiting the answer"},
    "print.complaint_answer": {"zh": "投诉 {complaint} 的答复（{center}）：{text}",
                               "en": "Answer to complaint {complaint} ({center}): {text}"},
}
MESSAGES.update(COMPLAIN_MESSAGES)
