"""The words of the manager's pages (manage.py), Chinese first with English beside it.

Importing this module adds them to the shared catalogue (sync/i18n.py), as center/texts.py does.
The village app's own words quoted here (its enroll screen's labels) are copied, not imported:
the center never imports the village app.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

MANAGE_MESSAGES: dict[str, dict[str, str]] = {
    # staff and windows
    "manage.windows": {"zh": "窗口", "en": "Windows"},
    "manage.windows_hint": {
        "zh": "办件到达时分派给受理其部门的窗口；没有对应窗口的部门由综合窗口（ZH）受理。一个部门只对应一个窗口。",
        "en": "A case goes to the window that takes its department on arrival; the 综合窗口 (ZH) takes"
              " the rest. Each department goes to one window.",
    },
    "manage.col.code": {"zh": "代码", "en": "Code"},
    "manage.col.window_name": {"zh": "名称", "en": "Name"},
    "manage.col.departments": {"zh": "受理部门", "en": "Departments"},
    "manage.col.seated": {"zh": "在此窗口的人员", "en": "Who sits there"},
    "manage.general": {"zh": "其他部门", "en": "every other department"},
    "manage.window_add": {"zh": "新增窗口", "en": "Add a window"},
    "manage.window_edit": {"zh": "修改", "en": "Change"},
    "manage.window_code_hint": {"zh": "1至12位字母、数字或“-”，如 MZ", "en": "1-12 letters, digits or '-', e.g. MZ"},
    "manage.window_button": {"zh": "保存窗口", "en": "Save the window"},
    "manage.people": {"zh": "工作人员", "en": "Staff"},
    "manage.col.name": {"zh": "姓名", "en": "Name"},
    "manage.col.role": {"zh": "角色", "en": "Role"},
    "manage.col.window": {"zh": "窗口", "en": "Window"},
    "manage.col.standin": {"zh": "AB 岗替补", "en": "Stand-in (AB 岗)"},
    "manage.col.at_work": {"zh": "在岗", "en": "At work"},
    "manage.col.last_login": {"zh": "最近登录", "en": "Last login"},
    "manage.col.account": {"zh": "账号", "en": "Account"},
    "manage.col.actions": {"zh": "操作", "en": "Actions"},
    "manage.col.clock": {"zh": "时钟", "en": "Clock"},
    "manage.at_work": {"zh": "在岗", "en": "at work"},
    "manage.away": {"zh": "不在岗（由替补办理）", "en": "away (stand-in decides)"},
    "manage.enabled": {"zh": "启用", "en": "active"},
    "manage.disabled": {"zh": "已停用", "en": "disabled"},
    "manage.disable": {"zh": "停用", "en": "Disable"},
    "manage.enable": {"zh": "启用", "en": "Enable"},
    "manage.mark_away": {"zh": "设为不在岗", "en": "Mark away"},
    "manage.mark_back": {"zh": "恢复在岗", "en": "Back at work"},
    "manage.no_window": {"zh": "不固定窗口", "en": "no fixed window"},
    "manage.add": {"zh": "添加工作人员", "en": "Add a staff member"},
    "manage.pin": {"zh": "初始PIN码", "en": "First PIN"},
    "manage.new_pin": {"zh": "新PIN码", "en": "New PIN"},
    "manage.pin2": {"zh": "再次输入PIN码", "en": "PIN again"},
    "manage.pin_hint": {
        "zh": "6至32位，不能过于简单（如123456、重复数字）。请当面告知本人，不要写在纸上或发在群里。",
        "en": "6-32 characters, not an easy one (123456, one digit repeated). Tell them in person.",
    },
    "manage.add_button": {"zh": "添加", "en": "Add"},
    "manage.reset_pin": {"zh": "重置PIN码", "en": "Reset a PIN"},
    "manage.reset_hint": {"zh": "忘记PIN码或被锁定时使用；重置后原PIN码失效，锁定解除。",
                          "en": "For a forgotten PIN or a lock-out: the old PIN stops working, the lock is lifted."},
    "manage.reset_button": {"zh": "重置", "en": "Reset"},
    "manage.desk": {"zh": "安排窗口与 AB 岗", "en": "Window and stand-in"},
    "manage.desk_hint": {
        "zh": "不在岗期间（休假、培训），其负责的办件由 AB 岗替补办理，办理记录注明替补。不选窗口即不固定窗口，可认领任何窗口待认领的办件。",
        "en": "While someone is away their stand-in decides their cases, and the record says so."
              " No window: they may take any untaken case.",
    },
    "manage.desk_button": {"zh": "保存", "en": "Save"},
    "manage.who": {"zh": "工作人员", "en": "Who"},
    "manage.nobody": {"zh": "（无）", "en": "(none)"},
    "manage.done.added": {"zh": "已添加工作人员 {name}，可用初始PIN码登录", "en": "{name} added; they can log in with the first PIN"},
    "manage.done.disabled": {"zh": "已停用 {name}：不能再登录", "en": "{name} disabled: they can no longer log in"},
    "manage.done.enabled": {"zh": "已启用 {name}", "en": "{name} enabled"},
    "manage.done.pin": {"zh": "已重置 {name} 的PIN码", "en": "{name}'s PIN reset"},
    "manage.done.desk": {"zh": "已保存 {name} 的窗口与 AB 岗替补", "en": "{name}'s window and stand-in saved"},
    "manage.done.away": {"zh": "{name} 已设为不在岗，其办件由 AB 岗替补办理", "en": "{name} is away; their stand-in decides their cases"},
    "manage.done.back": {"zh": "{name} 已恢复在岗", "en": "{name} is back at work"},
    "manage.done.window": {"zh": "已保存窗口 {name}", "en": "Window {name} saved"},
    "manage.pins_differ": {"zh": "两次输入的PIN码不一致，未作更改，请重新输入",
                           "en": "The two PINs differ; nothing was changed. Type them again"},
    "manage.no_such_clerk": {"zh": "请选择本中心的工作人员", "en": "Pick one of this center's staff"},
    "manage.bad_department": {"zh": "所选部门不在事项目录中，未作更改", "en": "That department is not in the catalog; nothing was changed"},
    "manage.only_yourself": {
        "zh": "只能设置本人的在岗状态；其他工作人员请由中心负责人设置",
        "en": "You may mark only yourself away or back; the center manager does it for others",
    },
    # a clerk's own page
    "manage.me": {"zh": "我的岗位", "en": "My desk"},
    "manage.me.covering": {"zh": "您正在替补：{names}（他们负责的办件可由您办理）",
                           "en": "You stand in for {names} (you may decide their cases)"},
    "manage.me.away_hint": {"zh": "设为不在岗后，您负责的办件由 AB 岗替补{standin}办理，直到您恢复在岗。",
                            "en": "While you are away {standin} decides your cases, until you are back."},
    "manage.me.no_standin": {
        "zh": "您还没有 AB 岗替补，暂不能设为不在岗。请中心负责人在“窗口与人员”页指定替补。",
        "en": "You have no stand-in yet, so you cannot be marked away; ask the center manager.",
    },
    # enrollment codes
    "manage.enroll.intro.village": {
        "zh": "为村代办点的电脑生成一次性登记码：只能使用一次，到期作废，输错3次作废。",
        "en": "A one-time code for a village service point's PC: it works once, expires, and three wrong tries burn it.",
    },
    "manage.enroll.intro.township": {
        "zh": "为乡镇中心生成一次性登记码：只能使用一次，到期作废，输错3次作废。",
        "en": "A one-time code for a township center: it works once, expires, and three wrong tries burn it.",
    },
    "manage.enroll.code_for.village": {"zh": "村级区划代码（12位，以{code}开头）",
                                       "en": "Village division code (12 digits, starting {code})"},
    "manage.enroll.code_for.township": {"zh": "乡镇区划代码（9位，以{code}开头）",
                                        "en": "Township division code (9 digits, starting {code})"},
    "manage.enroll.hours": {"zh": "有效期（小时）", "en": "Valid for (hours)"},
    "manage.enroll.button": {"zh": "生成登记码", "en": "Issue a code"},
    "manage.enroll.issued": {"zh": "区划代码 {village} 的一次性登记码", "en": "One-time code for division {village}"},
    "manage.enroll.expires": {"zh": "有效至 {at}（{hours}小时），仅可使用一次",
                              "en": "Valid until {at} ({hours} hours), once"},
    "manage.enroll.once": {
        "zh": "完整登记码只在此显示一次，本中心只保存前4位用于查找。请当面或电话告知代办员本人。",
        "en": "The whole code is shown only now; the center keeps its first four characters. Tell the agent in person or by phone.",
    },
    "manage.enroll.qr_hint": {"zh": "二维码内容即上面的登记码，便于用手机扫码抄录。",
                              "en": "The QR code holds the same code, to copy it with a phone."},
    "manage.enroll.steps": {"zh": "代办员在村代办点电脑上这样登记", "en": "What the agent does at the village PC"},
    "manage.enroll.step1": {
        "zh": "打开 village-agent，进入“登记到乡镇中心”页面（初次设置的最后一步；以后在首页按 s 进入“同步”页登记）。",
        "en": "Open village-agent and go to 登记到乡镇中心 (Enroll at the township): the last step of the first set-up, or later from the Sync page (s on home).",
    },
    "manage.enroll.step2": {
        "zh": "联网：在“乡镇中心地址”填写 {address}，在“一次性登记码”填写 {code}，按“联网登记”。",
        "en": "Online: type {address} under 乡镇中心地址 (Township address) and {code} under 一次性登记码 (One-time enrollment code), then press 联网登记 (Enroll online).",
    },
    "manage.enroll.step3": {
        "zh": "不联网：选好“U盘文件夹”，按“写出登记请求”，把U盘带到本中心导入；带回后用同一登记码按“读入乡镇答复”。",
        "en": "Offline: pick the folder on the stick, press 写出登记请求 (Write the request), bring the stick here to import, then back there press 读入乡镇答复 (Read the answer) with the same code.",
    },
    "manage.enroll.step4": {
        "zh": "登记成功后，代办员电脑上显示的乡镇指纹应与本中心指纹一致：{fingerprint}",
        "en": "Once enrolled, the township fingerprint the agent's PC shows must be this center's: {fingerprint}",
    },
    "manage.enroll.command": {"zh": "命令行方式：village-agent enroll --township {address} --code {code}",
                              "en": "From the command line: village-agent enroll --township {address} --code {code}"},
    "manage.enroll.link": {
        "zh": "在乡镇中心运行：service-center link --county {address} --code {code}；之后双方核对指纹，本中心指纹：{fingerprint}",
        "en": "At the township run: service-center link --county {address} --code {code}; then compare fingerprints, this center's: {fingerprint}",
    },
    "manage.enroll.open": {"zh": "已生成、尚未使用的登记码", "en": "Codes issued and not yet used"},
    "manage.enroll.col.code": {"zh": "登记码（前4位）", "en": "Code (first 4)"},
    "manage.enroll.col.for": {"zh": "区划代码", "en": "Division code"},
    "manage.enroll.col.issued": {"zh": "生成时间", "en": "Issued"},
    "manage.enroll.col.expires": {"zh": "有效至", "en": "Valid until"},
    "manage.enroll.state.valid": {"zh": "有效", "en": "valid"},
    "manage.enroll.state.expired": {"zh": "已过期", "en": "expired"},
    "manage.enroll.state.burned": {"zh": "输错3次，已作废", "en": "burned (three wrong tries)"},
    "manage.enroll.none": {"zh": "没有未使用的登记码", "en": "No unused codes"},
    "manage.enroll.lost": {
        "zh": "完整登记码不保存，无法再次查看；遗失请重新生成，未用的旧码到期自动作废。",
        "en": "Whole codes are not kept and cannot be shown again; if one is lost issue another (the old one expires).",
    },
    "manage.bad_hours": {"zh": "有效期须为1至{most}之间的整数小时，未生成登记码",
                         "en": "The validity is a whole number of hours from 1 to {most}; no code was issued"},
    "manage.qr_label": {"zh": "登记码 {code} 的二维码", "en": "QR code of {code}"},
    # revoking a device
    "manage.revoke": {"zh": "注销", "en": "Revoke"},
    "manage.revoke.title": {"zh": "注销设备", "en": "Revoke a device"},
    "manage.revoke.what": {"zh": "即将注销村 {village} 的设备 {device}（最近联系：{seen}）。",
                           "en": "About to revoke device {device} of village {village} (last contact: {seen})."},
    "manage.revoke.means1": {
        "zh": "注销后该设备不能再同步：它的密钥不再被承认，它发来的新数据一律拒收。",
        "en": "The device can no longer sync: its keys are refused, and so is anything new it sends.",
    },
    "manage.revoke.means2": {
        "zh": "注销名单随下次同步下发本乡镇各村代办点，并报县级中心，县级同样拒收该设备。",
        "en": "The list goes to this township's villages at their next sync and to the county, which refuses the device too.",
    },
    "manage.revoke.means3": {
        "zh": "用于电脑遗失、被盗或报废。注销后不能在此恢复；该村换用的电脑须用新登记码重新登记。",
        "en": "For a lost, stolen or scrapped PC. It cannot be undone here; the village's new PC enrolls with a new code.",
    },
    "manage.revoke.means4": {"zh": "该设备此前已上报的办件不受影响，仍在本中心办理。",
                             "en": "Cases it sent before stay here and are decided as usual."},
    "manage.revoke.confirm": {"zh": "确认注销", "en": "Revoke it"},
    "manage.revoke.cancel": {"zh": "返回设备列表", "en": "Back to the devices"},
    "manage.revoke_none": {
        "zh": "没有可注销的设备 {device}：可能已注销，或不是本乡镇登记的村代办点设备",
        "en": "No device {device} to revoke: revoked already, or not a village device this township enrolled",
    },
}
MESSAGES.update(MANAGE_MESSAGES)
