"""Sneakernet: the same sealed bundles on a USB stick, imported with the same exactly-once ingest.

Village → stick: `up-<device>-<time>.vab` (every unacknowledged sealed message)
and a sidecar `.json` (device id, downstream cursor, and the request's proof of the
device, `sync.proof`, with its counter; nothing secret).
Stick → center: every path is checked first (a regular file we can read, of a size a
stick can hold), then the file whole: its framing, then its checksum, so a stick
pulled mid-copy (`truncated`) is told apart from a file changed in place (a flipped
bit, an edit: `damaged`), and either is refused before anything of it is
stored; one bad file never stops the others. The rest is filed by its hash and
ingested message by message (each is signed by its device). The answer is written
back as `down-<device>-….vab` only if the sidecar's proof holds for that device
(a stick can carry a sidecar naming any device; the answer names its applications),
and its last message, the center's ack of the device, signs the downstream
position (the sidecar's `last` repeats it, unsigned, for older villages).
Stick → village: only the answers written for this device, each verified whole
(every message against the township's or county's key, and the signed position in
the last ack) before anything of it is filed; then exactly as over HTTP.
Files are written to a temporary name, flushed to the stick, then renamed.

Progress goes through the same callback as a sync session's,
`progress(stage, done, total)`: "write" and "read" count bytes on the stick,
"ingest" counts messages at the center, "apply" the village's filed results.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from forms import strictjson
from storage import sync_inbox, sync_outbox, sync_peers
from sync import audithead, bundlefile, envelope, messages, position, proof, signed, village
from sync.errors import BundleRejected
from sync.keys import PublicIdentity
from sync.node import Node

Progress = Callable[[str, int, int], None]
CHUNK = 256 * 1024  # a stick writes at a few MB/s: the bar moves several times a second
MAX_FILE = 4 * 1024**3 - 1  # FAT32's largest file: no stick formatted for Windows holds more
MAX_SIDECAR = 64 * 1024  # a sidecar is a few hundred bytes; the proof is the longest part
_DEVICE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # it names the answer file: no path in it


@dataclass
class UsbReport:
    files: list[str] = field(default_factory=list)  # files taken in (a refused one is not)
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    already_imported: int = 0
    refused: list[str] = field(default_factory=list)  # "file: reason", per file or per message
    refused_files: list[tuple[str, str]] = field(default_factory=list)  # (file, reason): none of it stored
    answers: list[str] = field(default_factory=list)  # at the center: answer files written
    # at the center: (file, device, reason) for a file whose device got no answer
    unanswered: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # at a village: other devices' answers, left alone
    applied: int = 0
    restored: bool = False  # the township holds numbers past ours: counters moved (restored copy)
    clashes: int = 0  # messages the township holds other content under: numbered again at export
    resent: int = 0  # messages a township restored from a backup asked for again
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old, new) application ids


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")


def quiet(stage: str, done: int, total: int) -> None:
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
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to the device; a folder that cannot be
    opened (some USB file systems) is left to the device's own flush."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# ---- reading what is on a stick ----------------------------------------------------------------


def read_file(path: Path, limit: int = MAX_FILE) -> bytes:
    """The bytes of a regular file at `path`, or BundleRejected saying why not.

    Anything can sit on a stick under a bundle's name: a folder, a link to nowhere, a
    device node, a file we may not read, one larger than any stick holds. Each is
    refused by itself (`not_a_file`, `unreadable`, `too_large`), never read as a bundle.
    """
    try:
        before = path.stat()
    except OSError as exc:
        raise BundleRejected("unreadable", exc.strerror or type(exc).__name__) from None
    if not stat.S_ISREG(before.st_mode):
        raise BundleRejected("not_a_file", "a folder or special file, not a file")
    if before.st_size > limit:
        raise BundleRejected("too_large", f"{before.st_size} bytes")
    try:
        with path.open("rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the stat above
                raise BundleRejected("not_a_file", "a folder or special file, not a file")
            data = fh.read(limit + 1)
    except OSError as exc:
        raise BundleRejected("unreadable", exc.strerror or type(exc).__name__) from None
    if len(data) > limit:
        raise BundleRejected("too_large", f"more than {limit} bytes")
    return data


def check_whole(raw: bytes) -> list[bytes]:
    """The messages of a bundle file, once its framing and then its checksum hold.

    The framing is walked first, against the file's own length: a file shorter than
    its framing says was cut (`truncated`: copy it again). Only a file whose framing
    is whole but whose checksum does not match was changed in place (`damaged`:
    export it again). `bundlefile.unpack` alone says `truncated`
    for both. Messages are not verified here.
    """
    magic = bundlefile.MAGIC
    if raw[:4] != magic[: len(raw[:4])]:
        raise BundleRejected("malformed", "not a bundle")
    if len(raw) < 8:
        raise BundleRejected("truncated", "shorter than a bundle's header")
    (count,) = struct.unpack_from(">I", raw, 4)
    if count > bundlefile.MAX_MESSAGES:
        raise BundleRejected("too_large", f"{count} messages")
    pos = 8
    for n in range(count):
        if pos + 4 > len(raw):
            raise BundleRejected("truncated", f"ends before message {n + 1} of {count}")
        (length,) = struct.unpack_from(">I", raw, pos)
        if length > bundlefile.MAX_MESSAGE:
            raise BundleRejected("too_large", f"message of {length} bytes")
        pos += 4 + length
        if pos > len(raw):
            raise BundleRejected("truncated", f"message {n + 1} of {count} runs past the end")
    if pos + 32 > len(raw):
        raise BundleRejected("truncated", "the checksum at the end is missing")
    if pos + 32 < len(raw):
        raise BundleRejected("malformed", f"{len(raw) - pos - 32} bytes after the checksum")
    if hashlib.sha256(raw[:pos]).digest() != raw[pos:]:
        raise BundleRejected("damaged", "changed in place: the checksum does not match")
    return bundlefile.unpack(raw)


def read_sidecar(bundle: Path) -> dict[str, Any]:
    """The `.json` beside a bundle, read strictly; `no_sidecar` or `malformed` if it is not one."""
    path = bundle.with_suffix(".json")
    if not os.path.lexists(path):
        raise BundleRejected("no_sidecar", f"{path.name} is missing")
    raw = read_file(path, MAX_SIDECAR)
    try:
        side = strictjson.loads(raw, max_depth=2, max_bytes=MAX_SIDECAR)
    except strictjson.InvalidJSON as exc:
        raise BundleRejected("malformed", f"{path.name}: {exc.reason}") from None
    if not isinstance(side, dict):
        raise BundleRejected("malformed", f"{path.name}: not an object")
    return side


def sidecar_device(side: dict[str, Any], key: str) -> str:
    value = side.get(key)
    if not isinstance(value, str) or not _DEVICE.fullmatch(value):
        raise BundleRejected("malformed", f"sidecar {key!r}")
    return value


def sidecar_position(side: dict[str, Any], key: str) -> int:
    value = side.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise BundleRejected("malformed", f"sidecar {key!r}")
    return value


def refuse_file(report: UsbReport, name: str, exc: BundleRejected) -> None:
    report.refused_files.append((name, exc.reason))
    report.refused.append(f"{name}: {exc.reason}")


# ---- village → stick ---------------------------------------------------------------------------


def export_village(node: Node, directory: Path, progress: Progress | None = None) -> UsbReport:
    """Write every sealed, not yet acknowledged message for the township onto the stick.

    The sidecar carries the request's proof (`sync.proof`, path "usb") as a sync over
    HTTP would: the township answers only a device that proves it holds its key, and
    the proof signs the cursor too, so an edited one is caught at the township.
    """
    directory.mkdir(parents=True, exist_ok=True)
    renamed = [(r.old, r.new) for r in village.renumber(node)]
    village.seal_outbox(node)
    store = node.session.store
    for township in sync_peers.peers(store.database, "township")[-1:]:
        audithead.sign(node, township.device_id)
    rows = [r for r in sync_outbox.outbox_rows(store.database) if r["state"] in ("pending", "custody")]
    townships = sync_peers.peers(store.database, "township")
    acks = [*village.down_acks(store, townships[-1].device_id),
            *audithead.records(store, townships[-1].device_id)] if townships else []
    data = bundlefile.pack([*acks, *sync_outbox.outbox_messages(store.database,
                                                              [r["seq"] for r in rows])])
    cursor = sync_inbox.inbox_cursor(store.database, townships[-1].device_id) if townships else 0
    side: dict[str, Any] = {"device": node.keys.device_id, "village": node.code, "cursor": cursor}
    if townships:
        proof.ensure_request_key(store.database, node.keys)  # an operator is here: delegate now
        # A stick has no round trip to learn the township's counter after a store was
        # restored from a backup (HTTP retries once): start at least at the clock's
        # microseconds, which a restored store has moved past too. A replay stays refused.
        proved = proof.prove(store.database, device=node.keys.device_id,
                             center=townships[-1].device_id, cursor=cursor, path="usb",
                             at_least=time.time_ns() // 1000)
        side |= {"proof": proved[proof.HEADER], "counter": proved[proof.COUNTER]}
    name = f"up-{node.keys.device_id}-{stamp()}"
    sync_outbox.mark_sent(store.database, [r["seq"] for r in rows])
    write_atomic(directory / f"{name}.vab", data, progress or quiet)
    write_atomic(directory / f"{name}.json", messages.dumps(side))
    return UsbReport(files=[f"{name}.vab"], messages=len(rows), renamed=renamed)


# ---- stick → center ----------------------------------------------------------------------------


# ---- stick → village ---------------------------------------------------------------------------


def import_village(node: Node, directory: Path, progress: Progress | None = None) -> UsbReport:
    """Take in the township's answers written for this device, each verified whole first.

    An answer file that is not for this device, or any message of which does not verify,
    or whose signed position does not match, changes nothing and is reported. (Over HTTP
    the messages that verify are kept; on a stick a file is one answer, and it is believed
    whole or not at all.) Other devices' answers on the stick are left alone.
    """
    report = UsbReport()
    store = node.session.store
    device = node.keys.device_id
    tell = progress or quiet
    paths = sorted(directory.glob(f"down-{device}-*.vab"))
    report.skipped = sorted(p.name for p in directory.glob("down-*.vab") if p not in paths)
    sizes = [_size(p) for p in paths]
    total, done = sum(sizes), 0
    tell("read", 0, total)
    for path, size in zip(paths, sizes, strict=True):
        try:
            side = read_sidecar(path)
            if sidecar_device(side, "device") != device:
                raise BundleRejected("not_for_us", "the sidecar names another device")
            answered_by, claimed = sidecar_device(side, "center"), sidecar_position(side, "last")
            raw = read_file(path)
            _believe(store, check_whole(raw), device, answered_by)
            got = village.absorb(store, raw, device, (answered_by, claimed))
        except BundleRejected as exc:
            refuse_file(report, path.name, exc)
            if exc.reason == position.INCOMPLETE:
                # Said as over HTTP: the agent's notices tell of an answer not believed.
                report.refused.append(position.INCOMPLETE)
                with store.database.write() as db:
                    sync_inbox.store_inbox(db, [], None,
                                          incomplete=(str(side["center"]), exc.detail))
            continue
        finally:
            done += size
            tell("read", done, total)
        report.files.append(path.name)
        report.stored += got.downstream_new
        report.refused += got.rejected
        report.refused += [f"{path.name}: {reason}" for reason in got.refused_by_center]
        report.restored = report.restored or got.restored
        report.clashes += got.clashes
        report.resent += got.resent
    tell("apply", 0, 1)
    report.applied = village.apply_inbox(node)
    tell("apply", 1, 1)
    return report


def _upstream(node_store: Any) -> dict[str, tuple[str, PublicIdentity]]:
    """The centers above us we believe (township, county), by device id."""
    return {p.device_id: (p.role, PublicIdentity.from_dict(p.identity()))
            for p in sync_peers.peers(node_store.database) if p.role in ("township", "county")
            and not p.revoked}


def _believe(store: Any, items: Sequence[bytes], device: str, answered_by: str) -> None:
    """Raise BundleRejected unless the answer is `answered_by`'s to `device`, whole.

    Every message verifies against a center we trust; the last is `answered_by`'s signed
    ack of this device with a downstream position, and that position matches what came
    (`sync.position.judge`). Nothing is filed here: `village.absorb` files it after.
    """
    trusted = _upstream(store)
    if answered_by not in trusted:
        raise BundleRejected("unknown_sender", "the sidecar names a center we are not enrolled at")
    found: tuple[int, messages.Ack] | None = None
    others = False  # a signed position about another device: that device's answer
    for at, raw in enumerate(items):
        if signed.is_record(raw):
            claim = signed.peek(raw)
            if claim.signer not in trusted:
                raise BundleRejected("unknown_sender", claim.signer)
            record = signed.verify(raw, trusted[claim.signer][1])
            if record.kind != "ack" or claim.signer != answered_by:
                continue
            ack = messages.Ack.parse(messages.dumps(record.body))
            if ack.down_through is None:
                continue
            if ack.subject == device:
                found = (at, ack)
            else:
                others = True
        else:
            parsed = envelope.parse(raw)
            if parsed.header.sender not in trusted:
                raise BundleRejected("unknown_sender", parsed.header.sender)
            envelope.verify(parsed, trusted[parsed.header.sender][1])
    if found is None:
        if others:
            raise BundleRejected("not_for_us", "the township's answer to another device")
        raise BundleRejected(position.INCOMPLETE, "the center's signed position is missing")
    verdict = position.judge(items, found, sync_inbox.inbox_cursor(store.database, answered_by),
                             None, True)
    if verdict.problem:
        raise BundleRejected(position.INCOMPLETE, verdict.problem)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
