"""The township's side of a USB stick: ingest every village bundle on it, answer each proved request.

The file checks, the village's export and import are in sync/usb.py, which both sides share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from center import ingest
from storage import sync_peers, sync_received
from sync import bundlefile, messages, proof
from sync.errors import BundleRejected
from sync.keys import PublicIdentity
from sync.node import Node
from sync.usb import (
    Progress,
    UsbReport,
    check_whole,
    quiet,
    read_file,
    read_sidecar,
    refuse_file,
    sidecar_device,
    sidecar_position,
    stamp,
    write_atomic,
)

# A refused proof that only means the answer was written already (the same export imported
# twice, or the device synced since): expected, not a fault.
ANSWERED_BEFORE = "stale_request"


def import_center(node: Node, directory: Path, progress: Progress | None = None) -> UsbReport:
    """Ingest every `up-*.vab` on the stick and write each proven device's answer beside it.

    A path that is not a whole bundle with its sidecar is refused by itself, before
    anything of it is stored, and the others are imported all the same.
    """
    report = UsbReport()
    tell = progress or quiet
    for path in sorted(directory.glob("up-*.vab")):
        try:
            side = read_sidecar(path)
            device, cursor = sidecar_device(side, "device"), sidecar_position(side, "cursor")
            raw = read_file(path)
            items = check_whole(raw)
        except BundleRejected as exc:
            refuse_file(report, path.name, exc)
            continue
        report.files.append(path.name)
        with node.session.store.database.write() as db:
            seen = sync_received.bundle_seen(db, bundlefile.digest(raw), len(items))
        if seen:
            report.already_imported += 1
        result = ingest.Ingested()
        tell("ingest", 0, len(items))
        for n, message in enumerate(items, 1):
            ingest.ingest(node, message, result, via="usb")
            tell("ingest", n, len(items))
        report.messages += len(items)
        report.stored += len(result.stored)
        report.duplicates += len(result.duplicates)
        report.refused += [f"{path.name}: {r[2]}" for r in result.refused]
        try:
            _accept_proof(node, side, device, cursor)
        except BundleRejected as exc:
            report.unanswered.append((path.name, device, exc.reason))
            continue
        items, last = ingest.answer(node, device, result.senders, cursor)  # signs `last`
        name = f"down-{device}-{stamp()}"
        try:
            write_atomic(directory / f"{name}.vab", bundlefile.pack(items))
            write_atomic(directory / f"{name}.json", messages.dumps(
                {"device": device, "center": node.keys.device_id, "last": last}))
        except OSError:
            report.unanswered.append((path.name, device, "write_failed"))
            continue
        report.answers.append(f"{name}.vab")
    return report


def _accept_proof(node: Node, side: dict[str, Any], device: str, cursor: int) -> None:
    """Take the sidecar's proof of `device` (as `POST /v1/sync` would), or raise why not.

    The messages were ingested already: each is signed by its device. The answer is
    not: it names the device's applications, and anyone can write a sidecar naming any
    device. A revoked device still hears that it is revoked, once it proves who it is.
    """
    try:
        _, identity = node.peer_identity(device)
    except BundleRejected as exc:
        peer = sync_peers.peer(node.session.store.database, device)
        if exc.reason != "revoked" or peer is None:
            raise
        identity = PublicIdentity.from_dict(peer.identity())
    headers = {key: str(side[field_]) for key, field_ in ((proof.HEADER, "proof"),
                                                          (proof.COUNTER, "counter"))
               if isinstance(side.get(field_), (str, int)) and not isinstance(side[field_], bool)}
    proof.accept(node.session.store.database, headers, identity, center=node.keys.device_id,
                 cursor=cursor, path="usb")
