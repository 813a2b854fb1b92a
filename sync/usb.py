"""Sneakernet: the same sealed bundles on a USB stick, imported with the same exactly-once ingest.

Village → stick: `up-<device>-<time>.vab` (every unacknowledged sealed message)
and a sidecar `.json` (device id, downstream cursor; nothing secret).
Stick → center: each file is checked whole (a stick pulled mid-copy leaves a
truncated file that is refused before anything is stored), filed by its hash,
ingested message by message; the answer is written back as `down-<device>-….vab`
(its last message, the center's ack of the device, signs the downstream position;
the sidecar's `last` repeats it, unsigned, for older villages).
Stick → village: acknowledgements and decisions, exactly as over HTTP.
Files are written to a temporary name, flushed to the stick, then renamed.

Progress goes through the same callback as a sync session's,
`progress(stage, done, total)`: "write" and "read" count bytes on the stick,
"ingest" counts messages at the center, "apply" the village's filed results.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from storage import syncstate
from sync import bundlefile, center, village
from sync.errors import BundleRejected
from sync.node import Node

Progress = Callable[[str, int, int], None]
CHUNK = 256 * 1024  # a stick writes at a few MB/s: the bar moves several times a second


@dataclass
class UsbReport:
    files: list[str] = field(default_factory=list)
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    already_imported: int = 0
    refused: list[str] = field(default_factory=list)
    applied: int = 0
    restored: bool = False  # the township holds numbers past ours: counters moved (restored copy)
    clashes: int = 0  # messages the township holds other content under: numbered again at export
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old, new) application ids


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def write_atomic(path: Path, data: bytes, progress: Progress | None = None) -> None:
    """Write to `name.part`, flush it to the device, then rename: a pulled stick leaves no torn file."""
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as fh:
        view = memoryview(data)
        for start in range(0, len(data), CHUNK):
            fh.write(view[start:start + CHUNK])
            if progress is not None:
                fh.flush()
                progress("write", min(start + CHUNK, len(data)), len(data))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def export_village(node: Node, directory: Path, progress: Progress | None = None) -> UsbReport:
    """Write every sealed, not yet acknowledged message for the township onto the stick."""
    directory.mkdir(parents=True, exist_ok=True)
    renamed = [(r.old, r.new) for r in village.renumber(node)]
    village.seal_outbox(node)
    store = node.session.store
    rows = [r for r in syncstate.outbox_rows(store.database) if r["state"] in ("pending", "custody")]
    townships = syncstate.peers(store.database, "township")
    acks = village.down_acks(store, townships[-1].device_id) if townships else []
    data = bundlefile.pack([*acks, *syncstate.outbox_messages(store.database,
                                                              [r["seq"] for r in rows])])
    cursor = syncstate.inbox_cursor(store.database, townships[-1].device_id) if townships else 0
    name = f"up-{node.keys.device_id}-{_stamp()}"
    syncstate.mark_sent(store.database, [r["seq"] for r in rows])
    write_atomic(directory / f"{name}.vab", data, progress or _quiet)
    write_atomic(directory / f"{name}.json", json.dumps(
        {"device": node.keys.device_id, "village": node.code, "cursor": cursor}).encode())
    return UsbReport(files=[f"{name}.vab"], messages=len(rows), renamed=renamed)


def import_center(node: Node, directory: Path, progress: Progress | None = None) -> UsbReport:
    """Ingest every `up-*.vab` on the stick and write each device's answer beside it."""
    report = UsbReport()
    tell = progress or _quiet
    for path in sorted(directory.glob("up-*.vab")):
        report.files.append(path.name)
        try:
            side = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            device, cursor = str(side["device"]), int(side.get("cursor", 0))
        except (OSError, ValueError, KeyError, TypeError):
            report.refused.append(f"{path.name}: malformed")
            continue
        raw = path.read_bytes()
        try:
            items = bundlefile.unpack(raw)
        except BundleRejected as exc:
            report.refused.append(f"{path.name}: {exc.reason}")
            continue
        with node.session.store.database.write() as db:
            seen = syncstate.bundle_seen(db, bundlefile.digest(raw), len(items))
        if seen:
            report.already_imported += 1
        result = center.Ingested()
        tell("ingest", 0, len(items))
        for n, message in enumerate(items, 1):
            center.ingest(node, message, result, via="usb")
            tell("ingest", n, len(items))
        report.messages += len(items)
        report.stored += len(result.stored)
        report.duplicates += len(result.duplicates)
        report.refused += [f"{path.name}: {r[2]}" for r in result.refused]
        items, last = center.answer(node, device, result.senders, cursor)  # signs `last`
        name = f"down-{device}-{_stamp()}"
        write_atomic(directory / f"{name}.vab", bundlefile.pack(items))
        write_atomic(directory / f"{name}.json", json.dumps(
            {"device": device, "center": node.keys.device_id, "last": last}).encode())
    return report


def import_village(node: Node, directory: Path, progress: Progress | None = None) -> UsbReport:
    """Take in the township's answers written for this device."""
    report = UsbReport()
    store = node.session.store
    device = node.keys.device_id
    tell = progress or _quiet
    paths = sorted(directory.glob(f"down-{device}-*.vab"))
    sizes = [_size(p) for p in paths]
    total, done = sum(sizes), 0
    tell("read", 0, total)
    for path, size in zip(paths, sizes, strict=True):
        report.files.append(path.name)
        try:
            side = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            cursor = (str(side["center"]), int(side["last"]))
            got = village.absorb(store, path.read_bytes(), device, cursor)
        except (OSError, ValueError, KeyError, TypeError):
            report.refused.append(f"{path.name}: malformed")
            continue
        except BundleRejected as exc:
            report.refused.append(f"{path.name}: {exc.reason}")
            continue
        finally:
            done += size
            tell("read", done, total)
        report.stored += got.downstream_new
        report.refused += got.rejected
        report.refused += [f"{path.name}: {reason}" for reason in got.refused_by_center]
        report.restored = report.restored or got.restored
        report.clashes += got.clashes
    tell("apply", 0, 1)
    report.applied = village.apply_inbox(node)
    tell("apply", 1, 1)
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
