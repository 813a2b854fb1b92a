"""What sync needs to know of the catalog: who owns an item's decision, and its promised time limit."""

from __future__ import annotations

from functools import lru_cache

from forms.catalog import Catalog, load_catalog
from forms.errors import UnknownItemError


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog()


def owner_of(item_code: str) -> str:
    """Who decides, and so who acknowledges end to end: the county for county-level items."""
    try:
        return "county" if catalog().item(item_code).level == "county" else "township"
    except UnknownItemError:
        return "township"


def time_limit(item_code: str) -> int:
    """Promised working days (0 for an immediate item or an item this catalog does not know)."""
    try:
        return catalog().item(item_code).time_limit_days
    except UnknownItemError:
        return 0
