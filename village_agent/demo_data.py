"""The demo's sample data: the people, places and clerks' words of a made-up morning.

These are records a villager or a clerk would type, in Chinese whichever language the program
speaks, so they are data, not catalogue words (tests/test_no_inline_chinese.py exempts modules
named *_data.py). The demo's own notices are in the catalogue (demo.* keys).
"""

from __future__ import annotations

AGENT, GRID_WORKER, CLERK = "王秀梅", "李建军", "李春华"
VILLAGE_NAME = "石鼓村"
TOWNSHIP_NAME = "兴宁镇便民服务中心"

# The morning's samples, one per state the home screen counts. Township-level items only: a
# county item would wait for the county's key, and the demo has no county. (key, item, applicant)
SAMPLES = (
    ("rated", "MZ-GLJT", "张桂英"),  # completed, handed over, rated
    ("received", "YJS-CS", "李秀兰"),  # a 一件事 bundle: two 即办 applications, due today (yellow)
    ("accepted", "RS-CXJMYLDY", "陈德明"),
    ("correction", "MZ-ZDSHBZ", "杨福生"),
    ("inspection", "WG-AQYH", "罗建华"),  # the grid worker's hazard report
    ("rejected", "MZ-LSJZ", "刘建国"),  # the rejection notice is still to hand over
    ("completed", "LL-LNRYDZ", "王玉梅"),  # the result is ready to hand over
    ("delivered", "RS-CXJMYLCB", "赵春生"),  # handed over, the rating still to collect
    ("plot", "ZR-ZJDJF", "周志强"),  # accepted: 15 working days from today, not flagged
    ("due_soon", "RS-JYSYDJ", "孙小军"),  # 3 working days from the township's receipt: yellow
)
# Taken in after the last sync, so they wait for the next one: one today, and one taken in
# days ago while the link was down, its promised date (counted by the village until the
# township receives it and starts its own clock) already past: red.
LATE = (("waiting", "MZ-GLJT", "黄淑珍"), ("red", "RS-JYSYDJ", "郑海波"))
DRAFT = ("draft", "MZ-GLJT", "吴秀英")  # started, saved, not submitted

RATING_NOTE = "不用跑乡里"  # the villager's words beside a very-satisfied rating
RELATIVE = "赵小芳"  # who collected a result for the family
ID_SCAN_NAME = "身份证.jpg"  # the file name of a sample scan
# The township clerk's morning (center.ingest.decide): results, reasons, as a clerk writes them.
RESULTS = {
    "rated": "核定高龄津贴每月100元，次月起发放",
    "completed": "老年人优待证已制证，请到代办点领取",
    "delivered": "已办理城乡居民养老保险参保登记",
}
CORRECTION_REASONS = ("银行卡照片不清晰，请重新拍照", "缺户口簿本人页")
REJECTION_REASON = "申请人本年度已享受临时救助，不符合重复救助条件"
