"""The store's words in Chinese and English (its errors, statuses, events, roles), and `say`, the one lookup.

storage/ sits below sync/, so its texts live here, as forms/ keeps its own in forms/messages.py.
`say(lang, key, **values)` reads the product's one catalogue: this table until sync.i18n
(which merges this table, the form engine's and both programs') hands over the whole of it
with `use_catalogue`. An error raised anywhere carries a key into that catalogue, never text.
"""

from __future__ import annotations

from collections.abc import Mapping

from forms.messages import Text

STORAGE_MESSAGES: dict[str, dict[str, str]] = {
    "storage.error": {"zh": "数据存储出错", "en": "The store failed"},
    "storage.error.text": {"zh": "{zh}", "en": "{en}"},
    "storage.duration.seconds": {"zh": "{n}秒", "en": "{n} seconds"},
    "storage.duration.minutes": {"zh": "{n}分钟", "en": "{n} minutes"},
    "storage.sealed": {
        "zh": "有记录无法解密（可能被篡改或损坏）。请运行 village-agent verify 查看，并联系乡镇技术人员",
        "en": "A sealed record does not open (altered or damaged?); run verify and call the township's technician",
    },
    # PIN and recovery code
    "storage.pin.wrong": {"zh": "PIN码错误，还可尝试{tries}次", "en": "wrong PIN ({tries} tries left)"},
    "storage.pin.wrong_locked": {
        "zh": "PIN码错误。错误次数过多，已锁定{duration}，请稍后再试",
        "en": "Wrong PIN. Too many tries: locked for {duration}, try again later",
    },
    "storage.pin.locked_out": {
        "zh": "PIN码错误次数过多，账号已锁定，请{duration}后再试",
        "en": "Too many wrong PINs: the account is locked, try again in {duration}",
    },
    "storage.pin.length": {"zh": "PIN码须为6至32位", "en": "A PIN has 6 to 32 characters"},
    "storage.pin.weak": {
        "zh": "PIN码过于简单（如123456、重复数字），请换一个",
        "en": "That PIN is too easy to guess (like 123456 or one digit repeated); choose another",
    },
    "storage.recovery.wrong": {
        "zh": "恢复码不对，没有做任何更改。请向乡镇核对恢复码，还可尝试{tries}次",
        "en": "Wrong recovery code; nothing was changed. Check it with the township ({tries} tries left)",
    },
    "storage.recovery.wrong_locked": {
        "zh": "恢复码不对。错误次数过多，已锁定{duration}，请稍后再试",
        "en": "Wrong recovery code. Too many tries: locked for {duration}, try again later",
    },
    "storage.recovery.not_digits": {
        "zh": "恢复码只含数字（7组，每组4位），请核对",
        "en": "A recovery code has digits only (7 groups of 4); check it",
    },
    "storage.recovery.length": {
        "zh": "恢复码应为{digits}位数字（7组，每组4位），现在是{n}位，请核对",
        "en": "A recovery code has {digits} digits (7 groups of 4), this one {n}; check it",
    },
    "storage.recovery.mistyped": {
        "zh": "恢复码有一位抄错或念错了（校验不符），请逐组核对；这次不算错误尝试",
        "en": "One digit of the recovery code is mistyped (the check digit fails); check each group."
              " This try does not count",
    },
    "storage.recovery.none": {
        "zh": "此服务点没有设置恢复码，无法找回。请联系乡镇技术人员",
        "en": "This store has no recovery code, so it cannot be recovered; call the township's technician",
    },
    # operators and roles
    "role.agent": {"zh": "代办员", "en": "agent"},
    "role.grid_worker": {"zh": "网格员", "en": "grid worker"},
    "role.clerk": {"zh": "窗口工作人员", "en": "clerk"},
    "role.manager": {"zh": "中心负责人", "en": "center manager"},
    "storage.role.village_allowed": {
        "zh": "角色只能是 agent（代办员）或 grid_worker（网格员）",
        "en": "A role here is agent or grid_worker",
    },
    "storage.role.village_no_clerk": {
        "zh": "村代办点不能添加窗口工作人员（clerk），角色只能是 agent（代办员）或 grid_worker（网格员）",
        "en": "A village point has no clerks; a role here is agent or grid_worker",
    },
    "storage.role.center_allowed": {
        "zh": "乡镇/县级中心的工作人员角色只能是 clerk（窗口工作人员）或 manager（中心负责人）",
        "en": "A township or county center has clerks and managers only",
    },
    "storage.role.center_not_village": {
        "zh": "乡镇/县级中心的工作人员角色只能是 clerk（窗口工作人员）或 manager（中心负责人）；"
              "{title}（{role}）在村代办点添加",
        "en": "A township or county center has clerks and managers only; add a {title} ({role}) at a village point",
    },
    "storage.operator.unknown": {
        "zh": "没有名为“{name}”的操作员，请检查姓名", "en": "No operator named {name!r}; check the name",
    },
    "storage.operator.name_length": {"zh": "操作员姓名须为1至30个字", "en": "An operator's name has 1 to 30 characters"},
    "storage.operator.exists": {"zh": "操作员“{name}”已存在", "en": "Operator {name!r} exists already"},
    "storage.operator.last_manager": {
        "zh": "不能停用最后一名{title}，否则将无人能登录管理。请先添加另一名{title}",
        "en": "The last {title} cannot be disabled, or no one could manage this store; add another {title} first",
    },
    "storage.operator.disabled": {
        "zh": "操作员“{name}”已停用，请联系{manager}启用",
        "en": "Operator {name!r} is disabled; ask the {manager} to enable them",
    },
    "storage.operator.managers_only": {
        "zh": "只有{title}可以管理操作员", "en": "Only a {title} manages operators",
    },
    "storage.operator.not_yourself": {"zh": "不能停用自己的账号", "en": "You cannot disable your own account"},
    # creating and opening a store
    "storage.store.code_length": {
        "zh": "{place}区划代码应为{digits}位数字", "en": "A {place} code has {digits} digits",
    },
    "storage.store.place.township": {"zh": "乡镇", "en": "township"},
    "storage.store.place.county": {"zh": "县", "en": "county"},
    "storage.store.node_kind": {
        "zh": "节点类型只能是 village、township 或 county", "en": "A node is a village, township or county",
    },
    "storage.store.name_length": {"zh": "村名须为1至40个字", "en": "A name has 1 to 40 characters"},
    "storage.store.first_operator": {"zh": "第一位操作员须为{title}", "en": "The first operator must be a {title}"},
    "storage.store.device_id": {"zh": "设备号须为16位十六进制数字", "en": "A device id is 16 lowercase hex digits"},
    "storage.store.exists": {
        "zh": "该目录已有服务点数据（{path}），不能重复初始化",
        "en": "There is a store here already ({path}); it cannot be set up twice",
    },
    "storage.store.missing": {
        "zh": "{home} 还没有服务点数据，请先运行 village-agent init 初始化",
        "en": "No store in {home} yet: run `village-agent init` first",
    },
    "storage.store.not_sqlite": {
        "zh": "{name} 不是本系统的数据文件（可能已损坏或被替换），请联系乡镇技术人员",
        "en": "{name} is not a store of this system (damaged or replaced?); call the township's technician",
    },
    "storage.store.foreign": {
        "zh": "{name} 不是本系统的数据文件，请检查数据目录是否选错",
        "en": "{name} is not a store of this system; is this the right data folder?",
    },
    "storage.store.damaged": {
        "zh": "数据文件 {name} 已损坏或不是本系统的文件，请联系乡镇技术人员从备份恢复",
        "en": "The store {name} is damaged or not ours; ask the township's technician to restore a backup",
    },
    "storage.store.busy": {
        "zh": "数据文件 {name} 正被另一个程序使用，请关闭其他程序或窗口后重试",
        "en": "The store {name} is in use by another program; close it and try again",
    },
    "storage.store.pg_center_only": {
        "zh": "只有乡镇或县级中心可以把数据放在 PostgreSQL 服务器上（地址以 postgresql:// 开头）",
        "en": "Only a township or county center keeps its store on a PostgreSQL server (a postgresql:// URL)",
    },
    "storage.store.pg_unreachable": {
        "zh": "连接不上中心的 PostgreSQL 数据库服务器，请检查服务器是否运行、地址和账号是否正确",
        "en": "The center's PostgreSQL server cannot be reached; check that it runs and the address and account are right",
    },
    "storage.store.pg_in_use": {
        "zh": "该 PostgreSQL 数据库里已有中心数据，不能重复初始化；请换一个空数据库",
        "en": "That PostgreSQL database holds a center already; it cannot be set up twice: use an empty one",
    },
    "storage.store.full": {
        "zh": "磁盘空间已满，本次操作未保存。请清理磁盘后重试，已保存的数据不受影响",
        "en": "The disk is full, so this was not saved. Free some space and try again; what was saved is safe",
    },
    # applications, applicants, drafts, attachments, catalogs
    "storage.application.unknown": {
        "zh": "没有编号为“{id}”的办件，请核对编号（可用 list 查看全部）",
        "en": "No application {id!r}; check the number (`list` shows them all)",
    },
    "storage.applicant.not_updatable": {
        "zh": "只能更正办事人的：{labels}", "en": "Only these applicant details can be corrected: {labels}",
    },
    "storage.applicant.length": {
        "zh": "{label}须为1至{n}个字", "en": "{label} has 1 to {n} characters",
    },
    "storage.applicant.nothing": {
        "zh": "请给出要更正的内容，如 --name 或 --address", "en": "Say what to correct, e.g. --name or --address",
    },
    "storage.applicant.unknown": {
        "zh": "登记簿中没有这个身份证号的办事人，请核对号码",
        "en": "No applicant with that ID number in the register; check the number",
    },
    "storage.draft.too_large": {
        "zh": "草稿内容过多，无法保存，请检查是否误粘贴了大段文字",
        "en": "The draft is too large to keep; was a long text pasted by mistake?",
    },
    "storage.draft.unknown": {
        "zh": "找不到该草稿，可能已提交或已删除", "en": "No such draft: submitted or deleted already?",
    },
    "storage.attachment.no_file": {
        "zh": "找不到附件文件：{path}，请检查路径", "en": "No such file: {path}; check the path",
    },
    "storage.attachment.type": {
        "zh": "附件“{name}”的类型不支持，请使用照片（JPG/PNG）或PDF扫描件",
        "en": "{name}: unsupported type; use a photo (JPG/PNG) or a PDF scan",
    },
    "storage.attachment.empty": {
        "zh": "附件“{name}”是空文件，请重新扫描", "en": "{name} is an empty file; scan it again",
    },
    "storage.attachment.too_large": {
        "zh": "附件“{name}”有{mb:.1f}MB，超过20MB上限，请降低扫描分辨率后重试",
        "en": "{name} is {mb:.1f} MB, over the 20 MB limit; scan at a lower resolution",
    },
    "storage.attachment.unreadable": {
        "zh": "无法读取附件“{name}”：{reason}", "en": "Cannot read {name}: {reason}",
    },
    "storage.attachment.unknown": {"zh": "找不到该附件", "en": "No such attachment"},
    "storage.catalog.refused": {
        "zh": "事项目录有错误，未安装：{detail}", "en": "The catalog release has errors and was not installed: {detail}",
    },
    "storage.catalog.damaged": {
        "zh": "已安装的事项目录（第{serial}版）已损坏，请运行 verify 检查",
        "en": "The installed catalog (release {serial}) is damaged; run verify",
    },
    # 一窗受理 (storage/windows.py)
    "window.general": {"zh": "综合窗口", "en": "general window"},
    "window.of_department": {"zh": "{department}窗口", "en": "{department} window"},
    "storage.window.code": {
        "zh": "窗口代码须为1至12位字母、数字或“-”，如 MZ", "en": "A window code is 1-12 letters, digits or '-', e.g. MZ",
    },
    "storage.window.name_length": {"zh": "窗口名称须为1至30个字", "en": "A window's name has 1 to 30 characters"},
    "storage.window.department_taken": {
        "zh": "{departments}的事项已由{window}受理，一个部门只对应一个窗口",
        "en": "{departments} go to {window} already: one window per department",
    },
    "storage.window.no_case": {"zh": "没有办件 {id}", "en": "No application {id}"},
    "storage.window.operator_disabled": {
        "zh": "操作员“{name}”已停用，不能办理。请联系中心负责人",
        "en": "Operator {name!r} is disabled and cannot decide; ask the center manager",
    },
    "storage.window.not_yours": {
        "zh": "办件 {id} 属于{window}，不是您所在的窗口。请由{window}办理，或由中心负责人转交",
        "en": "Case {id} belongs to {window}, not your window; {window} decides it, or the manager hands it over",
    },
    "storage.window.away": {
        "zh": "（该同志不在岗，其 AB 岗替补为{standin}）", "en": " (away; their stand-in is {standin})",
    },
    "storage.window.someone_elses": {
        "zh": "办件 {id} 由{clerk}负责{away}。如需改由您办理，请{clerk}或中心负责人转交",
        "en": "Case {id} is {clerk}'s{away}. To take it over, ask {clerk} or the center manager to hand it to you",
    },
    "storage.window.taken": {"zh": "办件 {id} 已由{clerk}认领", "en": "Case {id} is taken by {clerk} already"},
    "storage.window.inactive": {"zh": "操作员已停用", "en": "The operator is disabled"},
    "storage.window.not_yours_to_hand": {
        "zh": "办件 {id} 不由您负责，只有负责人{clerk}或中心负责人可以转交",
        "en": "Case {id} is not yours: only {clerk} or the center manager may hand it over",
    },
    "storage.window.unknown": {"zh": "没有代码为 {code} 的窗口", "en": "No window {code}"},
    "storage.window.no_clerk": {"zh": "没有在岗的工作人员“{name}”", "en": "No active clerk {name!r}"},
    "storage.window.clerk_elsewhere": {
        "zh": "{name}在{window}，不在所选窗口", "en": "{name} sits at {window}, not the window chosen",
    },
    "storage.window.there_already": {
        "zh": "办件已在该窗口（人员）名下，无需转交", "en": "The case is there already: nothing to hand over",
    },
    "storage.window.why": {
        "zh": "转交须写明原因，便于接手的同志办理", "en": "Say why you hand it over, for whoever takes it",
    },
    "storage.window.self_standin": {"zh": "AB 岗替补不能是本人", "en": "A clerk cannot stand in for themselves"},
    "storage.window.no_standin": {
        "zh": "{name}还没有 AB 岗替补，请先由中心负责人指定替补再设为不在岗",
        "en": "{name} has no stand-in yet; the center manager names one before they can be away",
    },
    # statuses and event types, as lists and histories show them
    "status.draft": {"zh": "草稿", "en": "draft"},
    "status.submitted": {"zh": "待上报", "en": "to send"},
    "status.received": {"zh": "乡镇已接收", "en": "received"},
    "status.accepted": {"zh": "已受理", "en": "accepted"},
    "status.correction_requested": {"zh": "需补正", "en": "to correct"},
    "status.forwarded": {"zh": "已转县级", "en": "at county"},
    "status.rejected": {"zh": "不予受理", "en": "rejected"},
    "status.completed": {"zh": "已办结", "en": "completed"},
    "status.delivered": {"zh": "已送达", "en": "delivered"},
    "status.rated": {"zh": "已评价", "en": "rated"},
    "status.recorded": {"zh": "已登记", "en": "recorded"},
    "status.revoked": {"zh": "已撤销", "en": "revoked"},
    "status.county.received": {"zh": "县级已接收", "en": "received by the county"},
    "event.created": {"zh": "建档", "en": "created"},
    "event.submitted": {"zh": "代办收件", "en": "taken in"},
    "event.received": {"zh": "乡镇接收", "en": "received by the township"},
    "event.accepted": {"zh": "受理", "en": "accepted"},
    "event.correction_requested": {"zh": "要求补正", "en": "correction requested"},
    "event.corrected": {"zh": "已补正", "en": "corrected"},
    "event.forwarded": {"zh": "转县级", "en": "forwarded to the county"},
    "event.rejected": {"zh": "不予受理", "en": "rejected"},
    "event.completed": {"zh": "办结", "en": "completed"},
    "event.delivered": {"zh": "送达", "en": "delivered"},
    "event.rated": {"zh": "评价", "en": "rated"},
    "event.inspection_recorded": {"zh": "巡查登记", "en": "inspection"},
    "event.material_supplied": {"zh": "补交材料", "en": "material added"},
    "event.revoked": {"zh": "撤销办理结果", "en": "result revoked"},
    "event.note": {"zh": "备注", "en": "note"},
    "event.followup_verified": {"zh": "差评核实", "en": "bad rating verified"},
    "event.followup_rectified": {"zh": "差评整改", "en": "bad rating rectified"},
    "event.followup_called": {"zh": "差评回访", "en": "villager called back"},
    "event.complained": {"zh": "投诉", "en": "complaint"},
    "event.complaint_answered": {"zh": "投诉答复", "en": "complaint answered"},
}

_catalogue: Mapping[str, Mapping[str, str]] = STORAGE_MESSAGES


def use_catalogue(catalogue: Mapping[str, Mapping[str, str]]) -> None:
    """Read the product's whole catalogue from now on (sync.i18n calls this once, at import)."""
    global _catalogue
    _catalogue = catalogue


def known(key: str) -> bool:
    return key in _catalogue


def say(lang: str, key: str, /, **values: object) -> str:
    """The message `key` in `lang` (Chinese where it has no such language); a `Text` value gives
    each language its own side (a role, a duration, a list said the way that language says it)."""
    entry = _catalogue[key]
    side = {k: (v.en if lang == "en" else v.zh) if isinstance(v, Text) else v for k, v in values.items()}
    return entry.get(lang, entry["zh"]).format(**side)


def both(key: str, /, **values: object) -> Text:
    """The message `key` in both languages, to pass as a value into another message."""
    return Text(say("zh", key, **values), say("en", key, **values))


def listed(names: list[str] | tuple[str, ...] | list[Text]) -> Text:
    """Names as a list in each language's way: 甲、乙 / a, b (each a plain name or a `Text`)."""
    zh = [n.zh if isinstance(n, Text) else n for n in names]
    en = [n.en if isinstance(n, Text) else n for n in names]
    return Text("、".join(zh), ", ".join(en))
