"""The words of the supervision pages (cards, figures, the hall board, the settings), Chinese first.

Importing this module adds them to the shared catalogue (sync/i18n.py), as manage_texts.py does.
The command line's `cards` and `figures` say the same words.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

SUPERVISION_MESSAGES: dict[str, dict[str, str]] = {
    # navigation and titles
    "sup.nav.cards": {"zh": "监察预警", "en": "Cards"},
    "sup.nav.figures": {"zh": "统计分析", "en": "Figures"},
    "sup.nav.settings": {"zh": "监察设置", "en": "Supervision settings"},
    "sup.cards.title": {"zh": "电子监察：黄牌、红牌、蓝牌", "en": "Supervision: yellow, red and blue cards"},
    "sup.cards.mine": {"zh": "我的预警件", "en": "My cards"},
    "sup.cards.center": {"zh": "全中心预警件", "en": "The whole center's cards"},
    "sup.cards.hint": {
        "zh": "黄牌：距承诺期限不足{yellow}个工作日；红牌：已超过承诺期限；蓝牌：差评整改或投诉待办。办件往下办理后牌自动撤销。",
        "en": "Yellow: due within {yellow} working days; red: past the promised day; blue: a bad"
              " rating's follow-up or a complaint to answer. A card clears when the case moves on.",
    },
    "sup.cards.none": {"zh": "没有预警件", "en": "No cards"},
    "sup.cards.count": {"zh": "黄牌 {yellow} 件，红牌 {red} 件，蓝牌 {blue} 件",
                        "en": "{yellow} yellow, {red} red, {blue} blue"},
    "sup.cards.more": {"zh": "只列出前 {n} 件", "en": "Only the first {n} are listed"},
    "sup.cards.scope_mine": {"zh": "只看我的", "en": "Mine only"},
    "sup.cards.scope_all": {"zh": "全中心", "en": "Whole center"},
    "sup.col.colour": {"zh": "牌", "en": "Card"},
    "sup.col.subject": {"zh": "类别", "en": "Kind"},
    "sup.col.case": {"zh": "办件编号", "en": "Case"},
    "sup.col.item": {"zh": "事项", "en": "Item"},
    "sup.col.village": {"zh": "村（社区）", "en": "Village"},
    "sup.col.window": {"zh": "窗口", "en": "Window"},
    "sup.col.clerk": {"zh": "责任人", "en": "Clerk"},
    "sup.col.raised": {"zh": "亮牌日期", "en": "Raised"},
    "sup.col.due": {"zh": "期限", "en": "Due"},
    "sup.col.left": {"zh": "剩余工作日", "en": "Working days left"},
    "sup.col.yellow": {"zh": "黄牌", "en": "Yellow"},
    "sup.col.red": {"zh": "红牌", "en": "Red"},
    "sup.col.blue": {"zh": "蓝牌", "en": "Blue"},
    "sup.colour.yellow": {"zh": "黄牌", "en": "yellow"},
    "sup.colour.red": {"zh": "红牌", "en": "red"},
    "sup.colour.blue": {"zh": "蓝牌", "en": "blue"},
    "sup.subject.case": {"zh": "办件", "en": "case"},
    "sup.subject.followup": {"zh": "差评整改", "en": "follow-up"},
    "sup.subject.complaint": {"zh": "投诉", "en": "complaint"},
    "sup.left.over": {"zh": "超期 {n} 个工作日", "en": "{n} working days over"},
    "sup.left.days": {"zh": "{n}", "en": "{n}"},
    "sup.rollup": {"zh": "分类汇总", "en": "Roll-ups"},
    "sup.rollup.by": {"zh": "按{dim}", "en": "By {dim}"},
    "sup.dim.all": {"zh": "全部", "en": "all"},
    "sup.dim.township": {"zh": "乡镇", "en": "township"},
    "sup.dim.village": {"zh": "村（社区）", "en": "village"},
    "sup.dim.item": {"zh": "事项", "en": "item"},
    "sup.dim.window": {"zh": "窗口", "en": "window"},
    "sup.dim.department": {"zh": "部门", "en": "department"},
    "sup.dim.clerk": {"zh": "工作人员", "en": "clerk"},
    "sup.dim.agent": {"zh": "代办员", "en": "village agent"},
    "sup.key.none": {"zh": "（未指定）", "en": "(none)"},
    "sup.key.named": {"zh": "{name}（{code}）", "en": "{name} ({code})"},
    "sup.sep": {"zh": "、", "en": ", "},
    # figures
    "sup.figures.title": {"zh": "统计分析", "en": "Figures"},
    "sup.figures.period": {"zh": "统计期间", "en": "Period"},
    "sup.figures.period_hint": {"zh": "月份如 2026-10，季度如 2026-Q4", "en": "A month as 2026-10, a quarter as 2026-Q4"},
    "sup.figures.by": {"zh": "分组", "en": "Group by"},
    "sup.figures.show": {"zh": "统计", "en": "Show"},
    "sup.figures.total": {"zh": "合计", "en": "Total"},
    "sup.figures.none": {"zh": "本期没有数据", "en": "Nothing in this period"},
    "sup.figures.table": {"zh": "{period} 统计表（按{dim}）", "en": "{period} figures by {dim}"},
    "sup.col.received": {"zh": "办件量", "en": "Cases"},
    "sup.col.ontime_instant": {"zh": "即办件按期办结率", "en": "On time, instant"},
    "sup.col.ontime_promised": {"zh": "承诺件按期办结率", "en": "On time, promised"},
    "sup.col.late": {"zh": "超期件数", "en": "Late"},
    "sup.col.satisfaction": {"zh": "满意度", "en": "Satisfaction"},
    "sup.col.rectify": {"zh": "差评整改率", "en": "Bad ratings put right"},
    "sup.col.complaints": {"zh": "投诉件数", "en": "Complaints"},
    "sup.col.month": {"zh": "月份", "en": "Month"},
    "sup.col.ontime": {"zh": "按期办结率", "en": "On time"},
    "sup.chart.months": {"zh": "近12个月办件量与按期办结率", "en": "Cases and on-time rate, last 12 months"},
    "sup.chart.villages": {"zh": "{period} 各村（社区）办件量", "en": "{period} cases by village"},
    "sup.chart.items": {"zh": "{period} 各事项办件量", "en": "{period} cases by item"},
    "sup.chart.values": {"zh": "图表数据", "en": "The chart's values"},
    "sup.chart.received": {"zh": "办件量（件）", "en": "Cases"},
    "sup.chart.ontime": {"zh": "按期办结率（%）", "en": "On time (%)"},
    "sup.bad_dim": {"zh": "不能按“{by}”分组，可选：{choices}", "en": "Cannot group by '{by}'; choose one of: {choices}"},
    "sup.bad_chart": {"zh": "没有这种图表：{name}", "en": "No such chart: {name}"},
    # the hall board
    "sup.board.title": {"zh": "办件公示", "en": "Service board"},
    "sup.board.today": {"zh": "今日", "en": "Today"},
    "sup.board.month": {"zh": "本月", "en": "This month"},
    "sup.board.received": {"zh": "受理", "en": "Received"},
    "sup.board.finished": {"zh": "办结", "en": "Finished"},
    "sup.board.ontime": {"zh": "按期办结率", "en": "On time"},
    "sup.board.satisfaction": {"zh": "满意度", "en": "Satisfaction"},
    "sup.board.yellow": {"zh": "黄牌预警", "en": "Yellow cards"},
    "sup.board.red": {"zh": "红牌超期", "en": "Red cards"},
    "sup.board.cases": {"zh": "今日办件", "en": "Today's cases"},
    "sup.board.none": {"zh": "今日暂无办件", "en": "No cases yet today"},
    "sup.board.more": {"zh": "今日共 {n} 件，显示最近 {shown} 件", "en": "{n} today, the latest {shown} shown"},
    "sup.board.updated": {"zh": "更新于 {time}，每{seconds}秒自动刷新", "en": "Updated {time}; refreshes every {seconds} s"},
    "sup.board.number": {"zh": "办件编号", "en": "Number"},
    "sup.board.item": {"zh": "事项", "en": "Item"},
    "sup.board.status": {"zh": "状态", "en": "Status"},
    # settings
    "sup.settings.title": {"zh": "电子监察设置", "en": "Supervision settings"},
    "sup.settings.hint": {
        "zh": "黄牌预警提前的工作日数（0至30）；某事项单独设置时以事项为准，留空则用默认值。",
        "en": "Working days before the promised day a yellow card is raised (0-30); an item's own"
              " number wins, blank uses the default.",
    },
    "sup.settings.yellow": {"zh": "默认黄牌预警天数（工作日）", "en": "Default yellow card days (working days)"},
    "sup.settings.followup": {"zh": "差评整改期限（工作日）", "en": "Follow-up of a bad rating (working days)"},
    "sup.settings.complaint": {"zh": "投诉办理期限（工作日）", "en": "Answering a complaint (working days)"},
    "sup.settings.items": {"zh": "按事项设置黄牌预警天数", "en": "Yellow card days per item"},
    "sup.settings.limit": {"zh": "承诺时限 {days} 个工作日", "en": "promised in {days} working days"},
    "sup.settings.save": {"zh": "保存设置", "en": "Save the settings"},
    "sup.settings.saved": {"zh": "已保存电子监察设置", "en": "The supervision settings are saved"},
    "sup.settings.not_number": {
        "zh": "“{label}”须填{low}至{high}的整数，现为“{value}”；设置未保存",
        "en": "'{label}' takes a whole number {low}-{high}, not '{value}'; nothing was saved",
    },
    # command line
    "sup.cli.card": {"zh": "{colour}  {subject}  {case}  {item}  期限 {due}  {left}  {clerk}",
                     "en": "{colour}  {subject}  {case}  {item}  due {due}  {left}  {clerk}"},
    "sup.cli.rollup": {"zh": "{name}  黄牌 {yellow}  红牌 {red}  蓝牌 {blue}",
                       "en": "{name}  yellow {yellow}  red {red}  blue {blue}"},
    "sup.cli.figures": {
        "zh": "{name}  办件量 {received}  即办件按期办结率 {ontime_instant}  承诺件按期办结率 {ontime_promised}"
              "  超期 {late}  满意度 {satisfaction}  差评整改率 {rectify}  投诉 {complaints}",
        "en": "{name}  cases {received}  on time (instant) {ontime_instant}  on time (promised)"
              " {ontime_promised}  late {late}  satisfaction {satisfaction}  put right {rectify}"
              "  complaints {complaints}",
    },
}
MESSAGES.update(SUPERVISION_MESSAGES)
