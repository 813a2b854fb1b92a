"""A form label too long for its 24-cell column breaks before its bracketed part."""

from __future__ import annotations

from rich.cells import cell_len

from village_agent.app.fields import LABEL_CELLS, label_lines


def test_a_short_label_stays_on_one_line() -> None:
    assert label_lines("开户银行 *") == "开户银行 *"


def test_a_long_label_breaks_before_its_bracket_and_keeps_the_star_with_it() -> None:
    assert label_lines("银行账号（社保卡金融账号） *") == "银行账号\n（社保卡金融账号） *"
    assert label_lines("Bank account number (social security card) *") == (
        "Bank account number\n(social security card) *")


def test_a_long_label_without_a_bracket_is_left_to_wrap() -> None:
    label = "家庭成员中在校学生的学校名称和年级"
    assert cell_len(label) > LABEL_CELLS and label_lines(label) == label
