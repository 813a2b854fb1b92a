"""一窗受理 at this center: its windows set up from the items it decides (storage/windows.py keeps them)."""

from __future__ import annotations

from forms.model import ServiceItem
from storage import windows
from sync.node import Node


def set_up_windows(node: Node) -> int:
    """First start of a center's console: a window per department of the items it decides,
    and the 综合窗口. Nothing when windows exist (the manager changes them on the staff page)."""
    level = node.kind
    items = [(e.code, e.department) for e in node.session.store.catalog().entries()
             if isinstance(e, ServiceItem) and (e.level == level or (level == "county" and e.passes_up))]
    return windows.ensure_defaults(node.session.store.database, node.session.keys,
                                   windows.departments_of(items), by=node.session.operator.name)
