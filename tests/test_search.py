"""Finding a service the way agents type: Chinese, pinyin initials, full pinyin, codes."""

from __future__ import annotations

import pytest
from pypinyin import Style, lazy_pinyin

from forms.catalog import Catalog
from forms.search import search_catalog


def codes(catalog: Catalog, query: str) -> list[str]:
    return [e.code for e in search_catalog(catalog, query)]


@pytest.mark.parametrize(
    "query",
    ["gljt", "GLJT", "高龄津贴", "高龄", "gaolingjintie", "gaoling", "MZ-GLJT", "mz-gljt", "80岁"],
)
def test_old_age_allowance_is_found_however_the_agent_types_it(
    catalog: Catalog, query: str
) -> None:
    assert codes(catalog, query)[0] == "MZ-GLJT"


def test_low_income_is_found_by_its_everyday_name_and_its_pinyin(catalog: Catalog) -> None:
    assert codes(catalog, "低保")[0] == "MZ-ZDSHBZ"
    assert codes(catalog, "dibao")[0] == "MZ-ZDSHBZ"


def test_every_entry_is_found_first_by_its_exact_code(catalog: Catalog) -> None:
    for entry in catalog.entries():
        assert codes(catalog, entry.code.lower())[0] == entry.code


def test_every_entry_is_found_by_the_initials_of_its_short_name(catalog: Catalog) -> None:
    for entry in catalog.entries():
        initials = "".join(lazy_pinyin(entry.short_name, style=Style.FIRST_LETTER))
        assert entry.code in codes(catalog, initials), (entry.code, initials)


def test_bundles_are_found_too(catalog: Catalog) -> None:
    assert "YJS-CS" in codes(catalog, "出生一件事")
    assert set(codes(catalog, "yjs")) == set(catalog.bundles)


def test_several_words_must_all_match(catalog: Catalog) -> None:
    both = codes(catalog, "残疾 补贴")
    assert "CL-LXBT" in both
    assert "CL-CJRZ" not in both  # the certificate is not a subsidy
    assert set(both) <= set(codes(catalog, "残疾")) & set(codes(catalog, "补贴"))


def test_department_finds_all_its_services(catalog: Catalog) -> None:
    found = set(codes(catalog, "民政"))
    assert {c for c in catalog.items if c.startswith("MZ-")} <= found


def test_code_prefix_ranks_above_a_match_inside_a_word(catalog: Catalog) -> None:
    found = codes(catalog, "yb")
    members = sorted(c for c in catalog.items if c.startswith("YB-"))
    assert found[: len(members)] == members


def test_nothing_matches_a_nonsense_query(catalog: Catalog) -> None:
    assert codes(catalog, "qqqxxz") == []
    assert codes(catalog, "高龄 qqqxxz") == []


def test_empty_query_lists_the_whole_catalog(catalog: Catalog) -> None:
    assert len(codes(catalog, "  ")) == len(catalog.items) + len(catalog.bundles)


def test_full_width_space_separates_words(catalog: Catalog) -> None:
    assert codes(catalog, "残疾\u3000补贴") == codes(catalog, "残疾 补贴")
