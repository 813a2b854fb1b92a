"""Versioned data the county publishes for every village: working-day tables and the catalog.

Both are signed by the county and passed down unchanged by the township, so a
village believes only the county's key.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from forms.catalog import catalog_files
from forms.errors import FormsError
from forms.workdays import YearTable
from storage import audit, catalogs, syncstate
from sync import signed
from sync.node import Node
from sync.releases import PublishError, install_catalog, pack_files


def publish_calendar(node: Node, table: YearTable) -> int:
    """County: sign a year's table, use it here, and queue it to every township. Returns the queue count."""
    if node.kind != "county":
        raise PublishError("only the county publishes the calendar", "节假日安排只能由县级中心发布")
    record = signed.sign("calendar", table.as_mapping(), node.keys)
    node.session.import_calendar(table)
    database = node.session.store.database
    with database.write() as db:
        townships = sorted({r[0] for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'township' AND revoked_at IS NULL")})
        for code in townships:
            syncstate.queue_downstream(db, code, "calendar", record)
        audit.append(db, node.session.operator.name, "calendar.publish", str(table.year),
                     table.version, node.session.keys)
    return len(townships)


def pass_down_at_township(node: Node, raw: bytes, body: dict[str, Any]) -> None:
    """Township: use the county's table too, and pass the signed record to every village unchanged."""
    node.session.import_calendar(YearTable.from_mapping(body, "county"))
    with node.session.store.database.write() as db:
        villages = sorted({r[0] for r in db.execute(
            "SELECT DISTINCT village_code FROM peers WHERE role = 'village'")})
        for code in villages:
            syncstate.queue_downstream(db, code, "calendar", raw)


# ---- the catalog ---------------------------------------------------------------------------------


def publish_catalog(node: Node, directory: Path) -> tuple[int, int, str]:
    """County: check a catalog folder strictly, sign it as the next release, use it here, send it down.

    Returns (serial, townships queued, catalog version). A malformed file stops
    everything with its name; nothing is signed or queued.
    """
    if node.kind != "county":
        raise PublishError("only the county publishes the catalog", "事项目录只能由县级中心发布")
    try:
        files = catalog_files(directory)
    except FormsError as exc:
        raise PublishError(str(exc), f"找不到事项目录文件夹或其中没有事项文件：{directory}") from None
    catalog = catalogs.check_files(files)
    database = node.session.store.database
    with database.write() as db:
        serial = catalogs.installed_serial(db) + 1
        published = datetime.now(timezone.utc).isoformat(timespec="seconds")
        record = signed.sign("catalog", {
            "serial": serial, "version": catalog.version, "published_at": published,
            "files": pack_files(files)}, node.keys)
        catalogs.install(db, serial=serial, files=files, record=record, published_at=published)
        townships = sorted({r[0] for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'township' AND revoked_at IS NULL")})
        for code in townships:
            syncstate.queue_downstream(db, code, "catalog", record)
        audit.append(db, node.session.operator.name, "catalog.publish", str(serial),
                     catalog.version, node.session.keys)
    return serial, len(townships), catalog.version


def catalog_at_township(node: Node, raw: bytes, body: dict[str, Any]) -> bool:
    """Township: use the county's release too, and pass the signed record to every village unchanged."""
    if not install_catalog(node.session.store.database, raw, body, node.session.operator.name,
                           node.session.keys):
        return False
    with node.session.store.database.write() as db:
        villages = sorted({r[0] for r in db.execute(
            "SELECT DISTINCT village_code FROM peers WHERE role = 'village'")})
        for code in villages:
            syncstate.queue_downstream(db, code, "catalog", raw)
    return True


