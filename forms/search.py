"""Find catalog entries the way agents type: Chinese, pinyin initials (gljt → 高龄津贴), full pinyin, codes."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from forms.catalog import Catalog
from forms.model import Bundle, ServiceItem


@lru_cache(maxsize=4096)
def _initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


@lru_cache(maxsize=4096)
def _full(text: str) -> str:
    return "".join(lazy_pinyin(text)).lower()


def _keys(entry: ServiceItem | Bundle) -> list[str]:
    words = [entry.name, entry.short_name, entry.department, *entry.keywords]
    keys = [entry.code.lower()]
    for w in words:
        keys += [w.lower(), _initials(w), _full(w)]
    return keys


def search_catalog(catalog: Catalog, query: str) -> list[ServiceItem | Bundle]:
    """Entries matching every word of `query`, best first (exact code, then prefix, then anywhere)."""
    words = [w.lower() for w in query.split() if w]
    if not words:
        return catalog.entries()
    scored: list[tuple[int, str, ServiceItem | Bundle]] = []
    for entry in catalog.entries():
        keys = _keys(entry)
        score = 0
        for word in words:
            if word == entry.code.lower():
                score += 100
            elif any(k.startswith(word) for k in keys):
                score += 10
            elif any(word in k for k in keys):
                score += 1
            else:
                score = -1
                break
        if score > 0:
            scored.append((-score, entry.code, entry))
    return [e for _, _, e in sorted(scored, key=lambda s: (s[0], s[1]))]
