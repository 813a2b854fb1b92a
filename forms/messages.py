"""The form engine's messages in Chinese and English, keyed like village_agent.i18n's catalogue.

forms/ stays free of the app, so its texts live here; village_agent.i18n merges them
into its catalogue (one table for the whole product), and an `Issue` or `FieldError`
carries both texts, so whoever shows it picks the user's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Text(NamedTuple):
    """One message in both languages."""

    zh: str
    en: str


def both(key: str, /, **values: object) -> Text:
    """The message `key` in both languages; a `Text` value fills each language with its own side."""
    entry = FORM_MESSAGES[key]
    zh = {k: v.zh if isinstance(v, Text) else v for k, v in values.items()}
    en = {k: v.en if isinstance(v, Text) else v for k, v in values.items()}
    return Text(entry["zh"].format(**zh), entry["en"].format(**en))


def listed(names: Iterable[object]) -> Text:
    """Catalog names (choices, codes) as a list in each language's way: 甲、乙 / a, b."""
    items = [str(n) for n in names]
    return Text("、".join(items), ", ".join(items))


FORM_MESSAGES: dict[str, dict[str, str]] = {
    "forms.deadline.approximate": {
        "zh": "注意：尚无{years}年节假日安排，按周末和固定日期的法定节假日计算，日期仅供参考",
        "en": "Note: no holiday table for {years} yet; counted by weekends and the fixed-date holidays, the date is a guide only",
    },
    # The applicant block every form starts with.
    "forms.applicant.name": {"zh": "姓名", "en": "Name"},
    "forms.applicant.id_number": {"zh": "身份证号", "en": "ID number"},
    "forms.applicant.phone": {"zh": "联系电话", "en": "Phone"},
    "forms.applicant.address": {"zh": "住址", "en": "Address"},
    "forms.applicant.village_group": {"zh": "村民小组", "en": "Village group"},
    "forms.applicant.ethnicity": {"zh": "民族", "en": "Ethnicity"},
    # forms.engine: the application as a whole
    "forms.engine.not_object": {
        "zh": "申请数据应为包含 applicant、fields、materials 的对象",
        "en": "The application should be an object with applicant, fields and materials",
    },
    "forms.engine.unknown_part": {
        "zh": "无法识别的数据项“{key}”，只能包含 applicant、fields、materials",
        "en": "Unknown part \"{key}\": only applicant, fields and materials are allowed",
    },
    "forms.engine.not_mapping": {
        "zh": "“{key}”应为对象（键值对）", "en": "\"{key}\" should be an object (key: value pairs)",
    },
    "forms.engine.unknown_applicant": {
        "zh": "无法识别的申请人信息“{key}”", "en": "Unknown applicant detail \"{key}\"",
    },
    "forms.engine.name_required": {"zh": "请填写申请人姓名", "en": "Enter the applicant's name"},
    "forms.engine.id_required": {"zh": "请填写申请人身份证号", "en": "Enter the applicant's ID number"},
    "forms.engine.phone_required": {
        "zh": "请填写申请人或家属的手机号，以便通知办理结果",
        "en": "Enter the applicant's or a relative's mobile number, to hear about the result",
    },
    "forms.engine.too_long": {"zh": "{label}不能超过{limit}个字", "en": "{label}: at most {limit} characters"},
    "forms.engine.unknown_field": {
        "zh": "本事项没有“{key}”这一项，请删除或核对名称",
        "en": "This item has no \"{key}\"; remove it or check the name",
    },
    "forms.engine.field_error": {"zh": "{label}：{message}", "en": "{label}: {message}"},
    "forms.engine.no_attachment": {
        "zh": "{label}：未找到附件“{value}”，请附上文件（--attach {name}=文件路径）",
        "en": "{label}: no attachment \"{value}\"; attach the file (--attach {name}=PATH)",
    },
    "forms.engine.field_required": {"zh": "请填写“{label}”", "en": "Fill in \"{label}\""},
    "forms.engine.group_not_list": {"zh": "{label}：应为若干条记录的列表", "en": "{label}: should be a list of entries"},
    "forms.engine.group_min": {"zh": "{label}：至少填写{n}条", "en": "{label}: at least {n} entries"},
    "forms.engine.group_max": {"zh": "{label}：最多填写{n}条", "en": "{label}: at most {n} entries"},
    "forms.engine.group_row": {"zh": "{label}第{n}条：{message}", "en": "{label}, entry {n}: {message}"},
    "forms.engine.unknown_material": {
        "zh": "本事项没有材料“{key}”，请核对材料代码",
        "en": "This item has no material \"{key}\"; check the material code",
    },
    "forms.engine.material_required": {
        "zh": "请确认材料“{name}”：已提供、告知承诺或容缺",
        "en": "Confirm the material \"{name}\": provided, signed commitment or missing",
    },
    "forms.engine.material_status": {
        "zh": "材料“{name}”的状态“{given}”无法识别，应为 已提供/告知承诺/容缺",
        "en": "Material \"{name}\": status \"{given}\" unknown; use provided, commitment or missing",
    },
    "forms.engine.no_commitment": {
        "zh": "材料“{name}”不适用告知承诺，须提供原件或复印件",
        "en": "Material \"{name}\" takes no signed commitment; bring the original or a copy",
    },
    "forms.engine.not_missing": {
        "zh": "材料“{name}”为必要材料，不能容缺受理，请补齐后再提交",
        "en": "Material \"{name}\" cannot be missing; bring it, then submit",
    },
    # forms.fieldtypes: one value by its type
    "forms.field.phone": {
        "zh": "手机号应为以1开头的11位数字，请核对", "en": "A mobile number is 11 digits starting with 1; check it",
    },
    "forms.field.division_length": {
        "zh": "村级区划代码应为12位数字，当前为{n}位", "en": "A village division code has 12 digits; this has {n}",
    },
    "forms.field.division_province": {
        "zh": "区划代码前两位{prefix}不是有效的省级代码",
        "en": "The division code's first two digits, {prefix}, are no province's code",
    },
    "forms.field.division_zero": {
        "zh": "村级区划代码的乡镇段（第7-9位）和村段（第10-12位）不能为000",
        "en": "A village division code's township (digits 7-9) and village (10-12) parts cannot be 000",
    },
    "forms.field.bank_digits": {
        "zh": "银行账号只能包含数字，请按卡面或存折逐位填写",
        "en": "A bank account number has digits only; copy it from the card or passbook",
    },
    "forms.field.bank_length": {
        "zh": "银行账号应为12至25位数字，当前为{n}位", "en": "A bank account number has 12 to 25 digits; this has {n}",
    },
    "forms.field.person_name": {
        "zh": "姓名应为2至30个汉字或字母（少数民族姓名可含间隔号·）",
        "en": "A name is 2 to 30 Chinese characters or letters (· allowed in ethnic names)",
    },
    "forms.field.number_needed": {"zh": "应填写数字", "en": "Enter a number"},
    "forms.field.not_number": {"zh": "“{raw}”不是有效的数字", "en": "\"{raw}\" is not a number"},
    "forms.field.number_range": {
        "zh": "“{raw}”超出可填写的范围（最多16位整数、10位小数）",
        "en": "\"{raw}\" is out of range (at most 16 digits before the point, 10 after)",
    },
    "forms.field.yuan": {"zh": "元", "en": " yuan"},
    "forms.field.too_small": {"zh": "不能小于{min}{unit}", "en": "cannot be less than {min}{unit}"},
    "forms.field.too_big": {"zh": "不能大于{max}{unit}", "en": "cannot be more than {max}{unit}"},
    "forms.field.text_needed": {"zh": "应填写文字", "en": "Enter text"},
    "forms.field.text_too_long": {
        "zh": "不能超过{limit}个字，当前{n}个字", "en": "at most {limit} characters; this has {n}",
    },
    "forms.field.text_too_short": {"zh": "至少{n}个字", "en": "at least {n} characters"},
    "forms.field.bad_format": {"zh": "格式不正确", "en": "not in the right form"},
    "forms.field.integer": {"zh": "应填写整数", "en": "Enter a whole number"},
    "forms.field.money_places": {
        "zh": "金额最多保留两位小数（元）", "en": "An amount has at most two decimal places (yuan)",
    },
    "forms.field.date_format": {
        "zh": "日期“{raw}”格式不正确，应为 年-月-日，如 2026-03-05",
        "en": "\"{raw}\" is not a date; write year-month-day, e.g. 2026-03-05",
    },
    "forms.field.date_early": {"zh": "日期不能早于{bound}", "en": "The date cannot be before {bound}"},
    "forms.field.date_late": {"zh": "日期不能晚于{bound}", "en": "The date cannot be after {bound}"},
    "forms.field.yes_no": {"zh": "应选择“是”或“否”", "en": "Choose yes or no"},
    "forms.field.not_choice": {
        "zh": "“{text}”不是可选项，请从以下选择：{choices}",
        "en": "\"{text}\" is not a choice; choose from: {choices}",
    },
    "forms.field.min_choices": {"zh": "至少选择{n}项", "en": "Choose at least {n}"},
    "forms.field.max_choices": {"zh": "最多选择{n}项", "en": "Choose at most {n}"},
    "forms.field.text_or_number": {"zh": "应填写文字或数字", "en": "Enter text or a number"},
    "forms.field.attachment_name": {"zh": "应为所附文件的名称", "en": "Should name an attached file"},
    # forms.idnumber: the resident ID number
    "forms.id.length": {
        "zh": "身份证号应为18位，当前为{n}位，请核对后重新输入",
        "en": "An ID number has 18 characters; this has {n}. Check it and enter it again",
    },
    "forms.id.digits": {
        "zh": "身份证号前17位须为数字，最后一位为数字或X",
        "en": "An ID number's first 17 characters are digits; the last is a digit or X",
    },
    "forms.id.region": {
        "zh": "身份证号的地区码或出生年份不正确，请核对",
        "en": "The ID number's region code or birth year is wrong; check it",
    },
    "forms.id.no_date": {
        "zh": "身份证号中的出生日期{digits}不存在，请核对",
        "en": "The birth date {digits} in the ID number does not exist; check it",
    },
    "forms.id.future": {
        "zh": "身份证号中的出生日期晚于今天，请核对", "en": "The birth date in the ID number is after today; check it",
    },
    "forms.id.check_digit": {
        "zh": "身份证号校验位不正确（最后一位），请逐位核对是否输错",
        "en": "The ID number's check digit (the last one) is wrong; check each digit",
    },
}
