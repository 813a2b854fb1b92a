"""What sync needs to know of the catalog: who owns an item's decision, and its promised time limit.

The catalog is the one in force at this node (the county's newest release, else
the shipped one): an item the county added is routed like any other.
"""

from __future__ import annotations

from forms.catalog import Catalog
from forms.errors import UnknownItemError


def owner_of(item_code: str, catalog: Catalog) -> str:
    """Who decides, and so who acknowledges end to end: the county for county-level items."""
    try:
        return "county" if catalog.item(item_code).level == "county" else "township"
    except UnknownItemError:
        return "township"


def time_limit(item_code: str, catalog: Catalog) -> int:
    """Promised working days (0 for an immediate item or an item this catalog does not know)."""
    try:
        return catalog.item(item_code).time_limit_days
    except UnknownItemError:
        return 0


def passes_up(item_code: str, catalog: Catalog) -> bool:
    """A township item the township may forward to the county: sealed to the county as well."""
    try:
        item = catalog.item(item_code)
    except UnknownItemError:
        return False
    return item.level == "township" and item.passes_up
