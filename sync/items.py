"""What sync needs to know of the catalog: who owns an item's decision, and its promised time limit.

The catalog is the one in force at this node (the county's newest release, else
the shipped one): an item the county added is routed like any other.
"""

from __future__ import annotations

from forms.catalog import Catalog
from forms.errors import UnknownItemError
from storage.status import decided_by


def owner_of(item_code: str, catalog: Catalog) -> str:
    """Who acknowledges end to end: the county for county-level items, else the township.

    A village-decided item (放权下沉) is decided at the village (`decided_at`), and its
    record, decisions included, goes to the township, which files it for supervision:
    the township's receipt is the end of its journey.
    """
    return "county" if decided_at(item_code, catalog) == "county" else "township"


def decided_at(item_code: str, catalog: Catalog) -> str:
    """Which node decides an item: village | township | county (an unknown item: the township)."""
    try:
        return decided_by(catalog.item(item_code).level)
    except UnknownItemError:
        return "township"


def time_limit(item_code: str, catalog: Catalog, priority: bool = False) -> int:
    """Promised working days (0 for an immediate item or an item this catalog does not know);
    for a 绿色通道 case, the item's shorter time where it has one."""
    try:
        return catalog.item(item_code).promised_days(priority)
    except UnknownItemError:
        return 0


def passes_up(item_code: str, catalog: Catalog) -> bool:
    """A township item the township may forward to the county: sealed to the county as well."""
    try:
        item = catalog.item(item_code)
    except UnknownItemError:
        return False
    return item.level == "township" and item.passes_up
