"""The words of the county's publishing pages, Chinese first with English beside it.

Importing this module adds them to the shared catalogue (sync/i18n.py), as center/texts.py does.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

PUBLISH_MESSAGES: dict[str, dict[str, str]] = {
    "publish.title": {"zh": "发布事项目录与节假日安排", "en": "Publish the catalog and the holidays"},
    "publish.county_only": {
        "zh": "事项目录和节假日安排由县级中心统一发布。本中心是乡镇中心：县级发布后会自动收到，"
              "并转发给各村代办点，这里无需操作。",
        "en": "Only the county publishes the catalog and the holidays. This is a township center:"
              " it receives what the county publishes and passes it on to the villages by itself.",
    },
    "publish.in_force": {"zh": "现行内容", "en": "In force now"},
    "publish.catalog": {"zh": "事项目录", "en": "Catalog"},
    "publish.catalog_release": {
        "zh": "第{serial}版（目录版本 {version}），{at} 发布；{items}个事项、{bundles}个一件事",
        "en": "Release {serial} (catalog version {version}), published {at}; {items} items,"
              " {bundles} bundles",
    },
    "publish.catalog_shipped": {
        "zh": "出厂目录（尚未发布过新版，目录版本 {version}）；{items}个事项、{bundles}个一件事",
        "en": "The shipped catalog (no release published yet, version {version}); {items} items,"
              " {bundles} bundles",
    },
    "publish.calendar": {"zh": "节假日安排", "en": "Holidays"},
    "publish.col.year": {"zh": "年份", "en": "Year"},
    "publish.col.version": {"zh": "版本", "en": "Version"},
    "publish.col.source": {"zh": "来源", "en": "Source"},
    "publish.col.holidays": {"zh": "放假日", "en": "Days off"},
    "publish.col.workdays": {"zh": "调休上班日", "en": "Make-up working days"},
    "publish.col.here": {"zh": "本中心发布或导入", "en": "Published or imported here"},
    "publish.col.before": {"zh": "现在剩余", "en": "Left now"},
    "publish.col.after": {"zh": "按新安排剩余", "en": "Left under the new table"},
    "publish.shipped": {"zh": "随软件提供", "en": "shipped with the software"},
    "publish.upload_catalog": {"zh": "上传新版事项目录", "en": "Upload a catalog release"},
    "publish.upload_catalog_hint": {
        "zh": "选择整套目录的全部 .toml 文件（可多选），或一个内含这些文件的 .zip 压缩包；合计不超过"
              " {mb} MB。与 service-center publish-catalog 的检查完全相同。上传后先预览变化，确认后才发布。",
        "en": "Choose every .toml file of the whole catalog (several at once), or one .zip of them;"
              " {mb} MB at most. Checked exactly as service-center publish-catalog checks. You see"
              " what changes before anything is published.",
    },
    "publish.files": {"zh": "目录文件", "en": "Catalog files"},
    "publish.preview_button": {"zh": "上传并预览", "en": "Upload and preview"},
    "publish.upload_calendar": {"zh": "上传某一年的节假日安排", "en": "Upload a year's holidays"},
    "publish.upload_calendar_hint": {
        "zh": "一个 .toml 文件，格式与 service-center publish-calendar 相同（year、holidays、workdays、"
              "source、version）。上传后先预览变化，确认后才发布。",
        "en": "One .toml file, as service-center publish-calendar takes (year, holidays, workdays,"
              " source, version). You see what changes before anything is published.",
    },
    "publish.calendar_file": {"zh": "节假日安排文件", "en": "Holiday table file"},
    "publish.cancelled": {"zh": "已取消，没有发布任何内容。", "en": "Cancelled; nothing was published."},
    "publish.catalog_refused": {
        "zh": "文件 {file} 有错误，本次上传未发布，现行目录没有任何改变。错误：{detail}",
        "en": "{file} is wrong; nothing was published and the catalog in force is unchanged: {detail}",
    },
    "publish.catalog_refused_whole": {
        "zh": "上传的事项目录有错误，未发布，现行目录没有任何改变。错误：{detail}",
        "en": "The release is wrong; nothing was published and the catalog in force is unchanged:"
              " {detail}",
    },
    "publish.calendar_refused": {
        "zh": "文件 {file} 有错误，未发布，现行节假日安排没有任何改变。错误：{detail}",
        "en": "{file} is wrong; nothing was published and the holidays in force are unchanged: {detail}",
    },
    "publish.one_calendar": {
        "zh": "请只上传一个文件（一个年度的节假日安排）", "en": "Upload one file (one year's table)"},
    "publish.gone": {
        "zh": "这次预览已失效（已取消、已过期或不属于当前登录），没有发布任何内容。请重新上传。",
        "en": "This preview is no longer there (cancelled, expired or not this login's); nothing was"
              " published. Upload again.",
    },
    "publish.preview_catalog": {"zh": "预览：新版事项目录", "en": "Preview: a new catalog release"},
    "publish.preview_note": {
        "zh": "以下是与现行内容相比的变化，尚未发布。点“发布”后才生效。",
        "en": "What would change compared with what is in force. Nothing is published until you"
              " press Publish.",
    },
    "publish.catalog_versions": {
        "zh": "现行目录版本 {old}（第{serial}版）→ 新目录版本 {new}；新目录共{items}个事项、{bundles}个一件事，"
              "其中未改动{unchanged}个",
        "en": "Catalog version {old} (release {serial}) → {new}; {items} items and {bundles} bundles,"
              " {unchanged} of them unchanged",
    },
    "publish.added": {"zh": "新增（{n}）", "en": "Added ({n})"},
    "publish.removed": {"zh": "删除（{n}）", "en": "Removed ({n})"},
    "publish.changed": {"zh": "修改（{n}）", "en": "Changed ({n})"},
    "publish.removed_hint": {
        "zh": "删除后各村代办点不能再新办理这些事项；已开始的申请仍按原版本办理。",
        "en": "Villages can no longer start these; applications already started keep their version.",
    },
    "publish.bundle": {"zh": "一件事", "en": "bundle"},
    "publish.version_kept": {
        "zh": "内容有改动但版本号未变（仍为 {version}）：已开始的申请将无法区分新旧内容，建议先修改版本号",
        "en": "The text changed but the version did not (still {version}): applications started on"
              " the old text cannot be told apart; change the version first",
    },
    "publish.change.version": {"zh": "版本 {old} → {new}", "en": "version {old} → {new}"},
    "publish.change.name": {"zh": "名称 {old} → {new}", "en": "name {old} → {new}"},
    "publish.change.time_limit": {
        "zh": "承诺时限 {old} → {new} 个工作日", "en": "time limit {old} → {new} working days"},
    "publish.change.priority_time_limit": {
        "zh": "绿色通道承诺时限 {old} → {new} 个工作日",
        "en": "green-channel time limit {old} → {new} working days"},
    "publish.change.supply_within": {
        "zh": "容缺、承诺材料补交期限 {old} → {new} 个工作日",
        "en": "days to supply missing or committed materials {old} → {new} working days"},
    "publish.change.level": {"zh": "办理层级 {old} → {new}", "en": "level {old} → {new}"},
    "publish.change.department": {"zh": "部门 {old} → {new}", "en": "department {old} → {new}"},
    "publish.change.members": {"zh": "包含事项 {old} → {new}", "en": "member items {old} → {new}"},
    "publish.change.fields_added": {"zh": "新增填写项：{names}", "en": "fields added: {names}"},
    "publish.change.fields_removed": {"zh": "删除填写项：{names}", "en": "fields removed: {names}"},
    "publish.change.fields_changed": {"zh": "修改填写项：{names}", "en": "fields changed: {names}"},
    "publish.change.materials_added": {"zh": "新增材料：{names}", "en": "materials added: {names}"},
    "publish.change.materials_removed": {"zh": "删除材料：{names}", "en": "materials removed: {names}"},
    "publish.change.materials_changed": {"zh": "修改材料：{names}", "en": "materials changed: {names}"},
    "publish.change.other": {
        "zh": "其他内容有改动（规则、说明、示例等）", "en": "other text changed (rules, notes, examples)"},
    "publish.nothing": {
        "zh": "与现行内容完全相同，无需发布。", "en": "The same as what is in force: nothing to publish."},
    "publish.publish_button": {"zh": "发布", "en": "Publish"},
    "publish.cancel_button": {"zh": "取消", "en": "Cancel"},
    "publish.publish_hint": {
        "zh": "发布后立即在本中心生效，并排队发送给{n}个乡镇中心，由其转发给各村代办点。",
        "en": "Once published it is in force here at once and queued to {n} township center(s),"
              " which pass it on to their villages.",
    },
    "publish.preview_calendar": {"zh": "预览：{year}年节假日安排", "en": "Preview: the holidays of {year}"},
    "publish.calendar_now": {"zh": "现行：{table}", "en": "In force: {table}"},
    "publish.calendar_new": {"zh": "新：{table}", "en": "New: {table}"},
    "publish.calendar_none": {
        "zh": "本中心现无{year}年的安排（按周末和固定日期的法定节假日估算）",
        "en": "No table for {year} here yet (weekends and fixed-date holidays only)",
    },
    "publish.table_label": {
        "zh": "版本 {version}，来源 {source}；放假日{holidays}天，调休上班日{workdays}天",
        "en": "version {version}, source {source}; {holidays} days off, {workdays} make-up days",
    },
    "publish.holidays_added": {"zh": "新增放假日", "en": "Days off added"},
    "publish.holidays_removed": {"zh": "取消的放假日", "en": "Days off removed"},
    "publish.workdays_added": {"zh": "新增调休上班日", "en": "Make-up working days added"},
    "publish.workdays_removed": {"zh": "取消的调休上班日", "en": "Make-up working days removed"},
    "publish.no_dates": {"zh": "无", "en": "none"},
    "publish.cases_moved": {
        "zh": "本中心办理中的办件：剩余工作日将变化（{n}件）", "en": "Open cases here whose working days left change ({n})"},
    "publish.cases_moved_hint": {
        "zh": "已告知申请人的承诺办结日期不会因新安排自动改变；变化的是按新安排计算的剩余工作日和超期提醒。"
              "各乡镇中心的办件在乡镇计算，这里看不到。",
        "en": "Promised dates already given do not move by themselves; what changes is the working"
              " days left and the late warnings. The townships' own cases are counted there, not here.",
    },
    "publish.cases_none": {
        "zh": "本中心办理中的办件不受影响。", "en": "No open case here is affected."},
    "publish.cases_more": {"zh": "……另有{n}件未列出", "en": "… and {n} more"},
    "publish.estimate": {"zh": "估算", "en": "estimate"},
    "publish.done_title": {"zh": "已发布", "en": "Published"},
    "publish.done_catalog": {
        "zh": "已发布事项目录第{serial}版（目录版本 {version}），已在本中心生效，并排队发送给{n}个乡镇中心。",
        "en": "Catalog release {serial} (version {version}) is published: in force here and queued"
              " to {n} township center(s).",
    },
    "publish.done_calendar": {
        "zh": "已发布{year}年节假日安排（版本 {version}），已在本中心生效，并排队发送给{n}个乡镇中心。",
        "en": "The holidays of {year} (version {version}) are published: in force here and queued"
              " to {n} township center(s).",
    },
    "publish.again": {
        "zh": "这次发布此前已经完成，没有重复发布。", "en": "This was published before; nothing was published twice."},
    "publish.no_record": {
        "zh": "找不到这次发布的记录（可能已过期）。", "en": "No record of this publishing (it may have expired)."},
    "publish.in_progress": {
        "zh": "正在发布，请稍后刷新本页。", "en": "Publishing; reload this page in a moment."},
    "publish.stale_calendar": {
        "zh": "预览之后{year}年的节假日安排已有变化，本次未发布。请重新上传并预览",
        "en": "The holidays of {year} changed after the preview; nothing was published. Upload and"
              " preview again",
    },
    "publish.back": {"zh": "返回发布页", "en": "Back to publishing"},
}
MESSAGES.update(PUBLISH_MESSAGES)
