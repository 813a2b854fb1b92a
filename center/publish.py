"""Versioned data the county publishes for every village: working-day tables and the catalog.

Both are signed by the county and passed down unchanged by the township, so a
village believes only the county's key.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from center import error_texts as error_texts  # the refusals' words join the catalogue
from forms.catalog import Catalog, catalog_files, catalog_from_files
from forms.errors import CatalogError, FormsError
from forms.workdays import YearTable
from storage import audit, catalogs, sync_downstream
from storage.errors import InvalidRequest
from sync import signed
from sync.node import Node
from sync.releases import PublishError, install_catalog, pack_files


class ReleaseRefused(InvalidRequest):
    """A catalog release (a folder's files or an upload's) that does not load: nothing is signed.

    `file` names the file at fault ('' when the release as a whole is, e.g. it has no items);
    `detail` is the loader's complaint, which starts with that file's name.
    """

    def __init__(self, file: str, detail: str) -> None:
        super().__init__("center.publish.release_refused", detail=detail)
        self.file = file
        self.detail = detail


def read_calendar(name: str, data: bytes) -> YearTable:
    """A year's table from a file's bytes, read as `YearTable.from_file` reads the file
    publish-calendar is given (text-mode newlines too); CatalogError naming the file."""
    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        return YearTable.from_mapping(tomllib.loads(text), name)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{name}: cannot read the table ({exc})") from None


def publish_calendar(node: Node, table: YearTable) -> int:
    """County: sign a year's table, use it here, and queue it to every township. Returns the queue count."""
    if node.kind != "county":
        raise PublishError("center.publish.calendar_county_only")
    record = signed.sign("calendar", table.as_mapping(), node.keys)
    node.session.import_calendar(table)
    database = node.session.store.database
    with database.write() as db:
        townships = sorted({r[0] for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'township' AND revoked_at IS NULL")})
        for code in townships:
            sync_downstream.queue_downstream(db, code, "calendar", record)
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
            sync_downstream.queue_downstream(db, code, "calendar", raw)


# ---- the catalog ---------------------------------------------------------------------------------


def check_release(files: Mapping[str, bytes]) -> Catalog:
    """The check-and-load step of publishing, for a folder's files and an upload's alike.

    Strict, as every node's install is: unknown keys, bad types, a code that is not its file's
    name, a file that is not CODE.toml are refused with a `ReleaseRefused` naming the file.
    """
    try:
        return catalog_from_files(files)
    except FormsError as exc:
        detail = str(exc)
        named = detail.split(": ", 1)[0]
        raise ReleaseRefused(named if named in files else "", detail) from None


def publish_catalog(node: Node, directory: Path) -> tuple[int, int, str]:
    """County: check a catalog folder strictly, sign it as the next release, use it here, send it down.

    Returns (serial, townships queued, catalog version). A malformed file stops
    everything with its name; nothing is signed or queued.
    """
    _county_only(node)
    try:
        files = catalog_files(directory)
    except FormsError:
        raise PublishError("center.publish.no_catalog", folder=directory) from None
    return publish_catalog_files(node, files)


def publish_catalog_files(node: Node, files: Mapping[str, bytes], *,
                          expect_serial: int | None = None) -> tuple[int, int, str]:
    """County: publish a release given as {file name: bytes} (a folder's, or the console's upload).

    `expect_serial` is the release in force when the release was previewed: if another was
    published since, nothing is, inside the same write transaction (the preview was of a
    different change). Returns (serial, townships queued, catalog version).
    """
    _county_only(node)
    files = dict(files)
    catalog = check_release(files)
    database = node.session.store.database
    with database.write() as db:
        current = catalogs.installed_serial(db)
        if expect_serial is not None and current != expect_serial:
            raise PublishError("center.publish.stale_preview", current=current)
        serial = current + 1
        published = datetime.now(timezone.utc).isoformat(timespec="seconds")
        record = signed.sign("catalog", {
            "serial": serial, "version": catalog.version, "published_at": published,
            "files": pack_files(files)}, node.keys)
        catalogs.install(db, serial=serial, files=files, record=record, published_at=published)
        townships = sorted({r[0] for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'township' AND revoked_at IS NULL")})
        for code in townships:
            sync_downstream.queue_downstream(db, code, "catalog", record)
        audit.append(db, node.session.operator.name, "catalog.publish", str(serial),
                     catalog.version, node.session.keys)
    return serial, len(townships), catalog.version


def _county_only(node: Node) -> None:
    if node.kind != "county":
        raise PublishError("center.publish.catalog_county_only")


def catalog_at_township(node: Node, raw: bytes, body: dict[str, Any]) -> bool:
    """Township: use the county's release too, and pass the signed record to every village unchanged."""
    if not install_catalog(node.session.store.database, raw, body, node.session.operator.name,
                           node.session.keys):
        return False
    with node.session.store.database.write() as db:
        villages = sorted({r[0] for r in db.execute(
            "SELECT DISTINCT village_code FROM peers WHERE role = 'village'")})
        for code in villages:
            sync_downstream.queue_downstream(db, code, "catalog", raw)
    return True


