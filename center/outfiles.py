"""Files a center's command line writes (a scan, a notice, the 台账, the 通报): checked first, written whole.

Moved here from center/cli.py so the report modules (center/ledger.py, center/bulletin.py)
write their files the same way the `attachment` and `notice` commands do.
"""

from __future__ import annotations

from pathlib import Path

from storage.errors import InvalidRequest
from sync.usb import sync_folder


def refusal(key: str, **values: object) -> InvalidRequest:
    """Bad input, said by its catalogue key in the reader's language."""
    return InvalidRequest(key, **values)


def out_file(raw: Path, force: bool) -> Path:
    """Where a file is to be written, checked before any PIN, decryption or slow work."""
    out = raw.expanduser()
    if out.is_dir():
        raise refusal("center.out_is_dir", path=out)
    folder = out.parent
    if not folder.is_dir():
        raise refusal("center.out_folder_missing", folder=folder)
    if out.exists() and not force:
        raise refusal("center.out_exists", path=out)
    return out


def write_new(out: Path, data: bytes, force: bool) -> None:
    """Write the whole file beside `out`, flush it to the disk, then put it in place.

    Without `force` the file appears only if no other one took its name meanwhile (a hard
    link never replaces; a folder without hard links, a FAT stick, is checked just before).
    A failed write leaves neither a torn file nor the temporary one.
    """
    import os
    import secrets

    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    try:
        with tmp.open("xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, out)
        else:
            try:
                os.link(tmp, out)
            except FileExistsError:
                raise refusal("center.out_exists", path=out) from None
            except OSError:  # no hard links on this file system
                if out.exists():
                    raise refusal("center.out_exists", path=out) from None
                os.replace(tmp, out)
    except OSError as exc:
        raise refusal("center.out_failed", path=out, error=exc.strerror or exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    sync_folder(out.parent)
