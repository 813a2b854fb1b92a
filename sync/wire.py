"""The message format's versions: zstd with the catalog's dictionary, and who reads what.

Version 2 (`VAM2`, sync/envelope.py) compresses each payload with zstd and, for the kinds
that carry forms (events and decisions), a dictionary trained on the catalog's forms
(`sync/dictionaries/forms-<id>.zdict`, rebuilt by `scripts/train_wire_dictionary.py`). The
dictionary's id travels in the signed header; a reader that lacks it refuses the message as
`unknown_dictionary` (update the software) before anything is stored.

A sender writes version 2 only to readers that said they read it: a center says so in
the `X-Wire` header of every answer (and in its enrollment answer), a village in the
`X-Wire` header of its requests. Each side keeps the highest version each peer said
(meta `wire:<device>`); a peer that never said anything is an older one and gets version 1,
which every version still reads. So an older village and a newer center, and the reverse,
keep working with no step by anyone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import sqlite_utils
import zstandard

from sync.errors import BundleRejected

HEADER = "X-Wire"
READS = 2  # the highest message version this code reads (it reads every version below too)
LEVEL = 12  # zstd level: ~0.1 ms for a form of 1 KB with the dictionary, near the best ratio
DICTIONARY_ID = 20261201  # the catalog's forms dictionary shipped with this version
DICTIONARY_KINDS = ("event", "decision")
_FOLDER = Path(__file__).parent / "dictionaries"


@functools.cache
def dictionaries() -> dict[int, zstandard.ZstdCompressionDict]:
    """Every dictionary shipped, by id (the id is the file's name and the dictionary's own)."""
    out: dict[int, zstandard.ZstdCompressionDict] = {}
    for path in sorted(_FOLDER.glob("forms-*.zdict")):
        found = zstandard.ZstdCompressionDict(path.read_bytes())
        if found.dict_id() != int(path.stem.removeprefix("forms-")):
            raise RuntimeError(f"{path.name} holds dictionary {found.dict_id()}")
        out[found.dict_id()] = found
    return out


def dictionary_for(kind: str) -> int:
    """The dictionary a version-2 message of `kind` is compressed with (0: none, e.g. scans)."""
    return DICTIONARY_ID if kind in DICTIONARY_KINDS and DICTIONARY_ID in dictionaries() else 0


@functools.cache
def _compressor(dictionary: int) -> zstandard.ZstdCompressor:
    if dictionary:
        return zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionaries()[dictionary],
                                        write_dict_id=False, write_checksum=False)
    return zstandard.ZstdCompressor(level=LEVEL, write_checksum=False)


def compress(payload: bytes, dictionary: int) -> bytes:
    return _compressor(dictionary).compress(payload)


def decompress(data: bytes, dictionary: int, limit: int) -> bytes:
    """The payload, at most `limit` bytes (a decompression bomb stops there)."""
    if dictionary and dictionary not in dictionaries():
        raise BundleRejected("unknown_dictionary", f"dictionary {dictionary}")
    dctx = (zstandard.ZstdDecompressor(dict_data=dictionaries()[dictionary]) if dictionary
            else zstandard.ZstdDecompressor())
    out = bytearray()
    try:
        with dctx.stream_reader(data, read_across_frames=False) as reader:
            while len(out) <= limit:
                piece = reader.read(min(1 << 20, limit + 1 - len(out)))
                if not piece:
                    break
                out += piece
    except zstandard.ZstdError:
        raise BundleRejected("decrypt_failed", "payload does not decompress") from None
    if len(out) > limit:
        raise BundleRejected("too_large", "payload expands past the limit")
    return bytes(out)


def said(value: str | None) -> int:
    """The version a peer's `X-Wire` value names (1 for none or nonsense: an older peer)."""
    try:
        version = int(value or "1")
    except ValueError:
        return 1
    return version if version >= 1 else 1


def _key(device: str) -> str:
    return f"wire:{device}"


def remember(db: sqlite_utils.Database, device: str, version: int) -> None:
    """Keep the version `device` said it reads (inside the caller's write transaction)."""
    from storage import events

    if events.meta_get(db, _key(device)) != str(version):
        events.meta_set(db, _key(device), str(version))


def reads(db: sqlite_utils.Database, device: str) -> int:
    from storage import events

    return said(events.meta_get(db, _key(device)))


def version_for(db: sqlite_utils.Database, devices: Iterable[str]) -> int:
    """The message version to write to these readers: the highest every one of them reads."""
    return min([READS, *(reads(db, d) for d in devices)])
