"""The sample applicants of `catalog template`: names and addresses in Chinese, as a villager's are.

A template is a data file a person fills in, so its values are data whatever language the
program speaks (tests/test_no_inline_chinese.py exempts modules named *_data.py).
"""

from __future__ import annotations

from forms.values_data import FEMALE, MALE

_NAMES = {FEMALE: ["张桂英", "李秀兰", "王玉梅"], MALE: ["刘建国", "陈德明", "杨福生"]}
_TEXT_SAMPLES = {
    "household_address": "湖南省资兴市兴宁镇石鼓村3组18号",
    "address": "湖南省资兴市兴宁镇石鼓村3组18号",
    "bank_name": "湖南资兴农村商业银行",
    "mother_name": "李秀兰",
    "father_name": "刘建国",
    "child_name": "刘子涵",
    "member_name": "刘建国",
    "disability_certificate_no": "43048119400305124043",
}
SAMPLE_NAME = "刘建国"  # any other *_name field
SAMPLE_OF = "{label}（示例）"  # a text field with no sample of its own
