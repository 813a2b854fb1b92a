"""The words of the 台账 (center/ledger.py) and the monthly 通报 (center/bulletin.py), Chinese first.

Importing this module adds them to the shared catalogue (sync/i18n.py), as manage_texts.py does:
the command line and the console's downloads say the same words.
"""

from __future__ import annotations

from sync.i18n import MESSAGES

REPORT_MESSAGES: dict[str, dict[str, str]] = {
    # the ledger's sheets and columns
    "ledger.sheet.item": {"zh": "按事项", "en": "By item"},
    "ledger.sheet.village": {"zh": "按村（社区）", "en": "By village"},
    "ledger.sheet.window": {"zh": "按窗口", "en": "By window"},
    "ledger.col.item_code": {"zh": "事项编码", "en": "Item code"},
    "ledger.col.item_name": {"zh": "事项名称", "en": "Item"},
    "ledger.col.village_code": {"zh": "村（社区）代码", "en": "Village code"},
    "ledger.col.window_code": {"zh": "窗口代码", "en": "Window code"},
    "ledger.col.window_name": {"zh": "窗口名称", "en": "Window"},
    "ledger.col.received": {"zh": "办件量", "en": "Received"},
    "ledger.col.done": {"zh": "办结量", "en": "Finished"},
    "ledger.col.ontime_instant": {"zh": "即办件按期办结率", "en": "On time (instant)"},
    "ledger.col.ontime_promised": {"zh": "承诺件按期办结率", "en": "On time (promised)"},
    "ledger.col.late": {"zh": "超期件数", "en": "Overdue"},
    "ledger.col.rated": {"zh": "评价数", "en": "Ratings"},
    "ledger.col.satisfaction": {"zh": "满意度", "en": "Satisfaction"},
    "ledger.col.bad": {"zh": "差评数", "en": "Bad ratings"},
    "ledger.col.rectify": {"zh": "差评整改率", "en": "Bad ratings rectified"},
    "ledger.col.complaints": {"zh": "投诉数", "en": "Complaints"},
    "ledger.total_row": {"zh": "合计", "en": "Total"},
    "ledger.stem": {"zh": "台账", "en": "ledger"},
    "ledger.bad_month": {
        "zh": "统计期“{text}”格式不正确：月份写作 年-月，如 2026-10，季度写作 2026-Q4；未生成任何文件",
        "en": "{text!r} is not a period: write a month as 2026-10, a quarter as 2026-Q4."
              " Nothing was written",
    },
    "ledger.bad_format": {
        "zh": "不支持的格式“{text}”：请用 xlsx 或 csv（文件名以 .xlsx 或 .csv 结尾）；未生成任何文件",
        "en": "Format {text!r} is not offered: use xlsx or csv (a file name ending .xlsx or .csv)."
              " Nothing was written",
    },
    "ledger.bad_by": {
        "zh": "“{text}”不是台账的分表：请用 item（按事项）、village（按村）或 window（按窗口）",
        "en": "{text!r} is not a sheet of the ledger: use item, village or window",
    },
    "ledger.written": {
        "zh": "已写出 {month} 台账（{rows} 个事项，办件 {received} 件）：{path}",
        "en": "The ledger of {month} ({rows} items, {received} cases) is in {path}",
    },
    # the monthly bulletin
    "bulletin.stem": {"zh": "监察通报", "en": "bulletin"},
    "pdf.stem.bulletin": {"zh": "监察通报", "en": "bulletin"},
    "bulletin.title": {"zh": "{year}年{month}月政务服务电子监察通报",
                       "en": "Supervision bulletin, {year}-{month}"},
    "bulletin.period": {"zh": "统计期间：{first} 至 {last}　　制表日期：{today}",
                        "en": "Period: {first} to {last}    Made on: {today}"},
    "bulletin.cases": {"zh": "一、办件情况", "en": "1. Cases"},
    "bulletin.cases_line": {
        "zh": "受理办件 {received} 件，办结 {done} 件（即办件 {instant} 件，承诺件 {promised} 件），超期 {late} 件。",
        "en": "{received} cases received, {done} finished ({instant} instant, {promised} promised),"
              " {late} overdue.",
    },
    "bulletin.cards": {"zh": "二、电子监察亮牌", "en": "2. Cards"},
    "bulletin.cards_line": {
        "zh": "本月亮黄牌（预警）{yellow} 张，红牌（超期）{red} 张，蓝牌（投诉、差评）{blue} 张；月末仍未消除 {still} 张。",
        "en": "This month: {yellow} yellow (due soon), {red} red (overdue), {blue} blue (complaint,"
              " bad rating) cards; {still} still open at the month's end.",
    },
    "bulletin.red_cases": {"zh": "红牌超期件：", "en": "Red (overdue) cases:"},
    "bulletin.red_case": {"zh": "{number}　{item}　应办结 {due}　{state}",
                          "en": "{number}  {item}  due {due}  {state}"},
    "bulletin.red_open": {"zh": "尚未办结", "en": "not finished"},
    "bulletin.red_done": {"zh": "{day} 办结", "en": "finished {day}"},
    "bulletin.no_red": {"zh": "本月无红牌超期件。", "en": "No case was overdue this month."},
    "bulletin.rates": {"zh": "三、按期办结率与满意度", "en": "3. On-time and satisfaction rates"},
    "bulletin.rate_instant": {"zh": "即办件按期办结率：{rate}（{ontime}/{done}）",
                              "en": "Instant cases finished on time: {rate} ({ontime}/{done})"},
    "bulletin.rate_promised": {"zh": "承诺件按期办结率：{rate}（{ontime}/{done}）",
                               "en": "Promised cases finished on time: {rate} ({ontime}/{done})"},
    "bulletin.rate_satisfaction": {"zh": "满意度：{rate}（评价 {rated} 件，差评 {bad} 件）",
                                   "en": "Satisfaction: {rate} ({rated} ratings, {bad} bad)"},
    "bulletin.rate_rectify": {"zh": "差评整改率：{rate}（已整改 {closed}/{bad}）",
                              "en": "Bad ratings rectified: {rate} ({closed}/{bad})"},
    "bulletin.complaints_line": {"zh": "收到投诉 {n} 件。", "en": "{n} complaints received."},
    "bulletin.windows": {"zh": "四、窗口评比", "en": "4. Windows"},
    "bulletin.best": {"zh": "表现较好的窗口：", "en": "Best windows:"},
    "bulletin.worst": {"zh": "有待改进的窗口：", "en": "Windows to improve:"},
    "bulletin.window_line": {
        "zh": "{name}（{code}）　按期办结率 {ontime}，满意度 {satisfaction}，办结 {done} 件",
        "en": "{name} ({code})  on time {ontime}, satisfaction {satisfaction}, {done} finished",
    },
    "bulletin.no_windows": {"zh": "本月没有窗口办结办件，不作评比。",
                            "en": "No window finished a case this month: no ranking."},
    "bulletin.corrections": {"zh": "五、补正较多的事项", "en": "5. Items most often sent back for correction"},
    "bulletin.correction_line": {"zh": "{name}（{code}）　一次性告知补正 {n} 次",
                                 "en": "{name} ({code})  {n} correction requests"},
    "bulletin.no_corrections": {"zh": "本月没有要求补正的办件。",
                                "en": "No case was sent back for correction this month."},
    "bulletin.no_rate": {"zh": "—（无）", "en": "— (none)"},
    "bulletin.written": {"zh": "已写出 {month} 监察通报：{path}",
                         "en": "The bulletin of {month} is in {path}"},
    # the console's downloads
    "report.download_xlsx": {"zh": "下载台账（Excel）", "en": "Download the ledger (Excel)"},
    "report.download_csv": {"zh": "下载台账（CSV）", "en": "Download the ledger (CSV)"},
    "report.download_bulletin": {"zh": "下载月度通报（PDF）", "en": "Download the monthly bulletin (PDF)"},
}
MESSAGES.update(REPORT_MESSAGES)
