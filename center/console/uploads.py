"""Uploads held for a preview: the files of an upload read within limits, and one-time tokens.

An upload lives only in this process's memory, under a random token bound to the clerk's
session, until it is published, discarded or expired: nothing of it is written under the
center's home before the county publishes it. A token publishes once; a second click or a
resubmitted form finds it taken and is shown what the first one did.
"""

from __future__ import annotations

import io
import secrets
import threading
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.types import Message

from center.console import upload_texts as upload_texts  # the refusals' words join the catalogue
from storage.errors import Said
from storage.messages import listed

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a whole catalog is ~200 KB of TOML; a year's table ~2 KB
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024  # the form's own fields and multipart framing
DRAIN_BYTES = 16 * 1024 * 1024  # read and drop this much of a refused body, so the browser hears us
MAX_FILES = 500
PREVIEW_SECONDS = 15 * 60  # as long as an idle session lives
DONE_SECONDS = 60 * 60
MAX_HELD = 64  # previews held at once, across every session; the oldest makes room


class UploadRefused(Said):
    """An upload that is not a set of .toml files (or one .zip of them) within the limits:
    a catalogue key and its values, said in the clerk's language (`describe`)."""

    key = "upload.refused"

    def __init__(self, key: str, /, file: str = "", **params: object) -> None:
        super().__init__(key, file=file, **params)
        self.file = file


def files_of(parts: list[tuple[str, bytes]], *, allow_zip: bool) -> dict[str, bytes]:
    """The uploaded files by name: .toml files, or (when allowed) one .zip of a folder of them.

    A name sent with a folder (a browser's folder upload) counts by its last part; two files
    of the same name, any other kind of file, or more than MAX_UPLOAD_BYTES in all are refused.
    """
    if not parts:
        raise UploadRefused("upload.none")
    if sum(len(data) for _, data in parts) > MAX_UPLOAD_BYTES:
        raise too_large()
    names = [(_base(name), data) for name, data in parts]
    zips = [n for n, _ in names if n.lower().endswith(".zip")]
    if zips:
        if not allow_zip or len(names) != 1:
            raise UploadRefused("upload.zip_alone", zips[0])
        return _unzip(*names[0])
    files: dict[str, bytes] = {}
    for name, data in names:
        if not name.endswith(".toml"):
            raise UploadRefused("upload.not_toml_or_zip" if allow_zip else "upload.not_toml", name)
        if name in files:
            raise UploadRefused("upload.twice", name)
        files[name] = data
    if len(files) > MAX_FILES:
        raise UploadRefused("upload.too_many", n=MAX_FILES)
    return files


def too_large() -> UploadRefused:
    mb = MAX_UPLOAD_BYTES // (1024 * 1024)
    return UploadRefused("upload.too_large", mb=mb)


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()


def _unzip(name: str, data: bytes) -> dict[str, bytes]:
    """The .toml files of one folder in a .zip (others, e.g. a README, are passed over as a
    folder's are); what they inflate to counts toward the limit, whatever the zip claims."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [i for i in archive.infolist() if not i.is_dir()
                   and i.filename.endswith(".toml") and not _base(i.filename).startswith(".")
                   and not i.filename.startswith("__MACOSX/")]
        folders = {i.filename.rsplit("/", 1)[0] if "/" in i.filename else "" for i in entries}
        if len(folders) > 1:
            raise UploadRefused("upload.several_folders", name,
                                folders=listed(sorted(f or "/" for f in folders)))
        files: dict[str, bytes] = {}
        total = 0
        for info in entries:
            with archive.open(info) as member:
                content = member.read(MAX_UPLOAD_BYTES - total + 1)
            total += len(content)
            if total > MAX_UPLOAD_BYTES:
                raise too_large()
            files[_base(info.filename)] = content
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, ValueError) as exc:
        raise UploadRefused("upload.bad_zip", name, detail=str(exc)) from None
    if not files:
        raise UploadRefused("upload.no_toml", name)
    return files


async def read_capped(request: Request) -> Request | None:
    """The request with its body read into memory, or None when the body is over MAX_BODY_BYTES.

    Checked before the form is parsed (the console's guard parses it for the CSRF token), so a
    large body is never spooled anywhere; a refused one is read and dropped up to DRAIN_BYTES,
    so the browser gets the refusal rather than a broken connection.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > DRAIN_BYTES:
        return None
    body, size = bytearray(), 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > DRAIN_BYTES:
            return None
        if size <= MAX_BODY_BYTES:
            body += chunk
    if size > MAX_BODY_BYTES:
        return None
    whole, sent = bytes(body), False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": whole, "more_body": False}
        return await request.receive()  # after the body: the client's disconnect, as ASGI has it

    return Request(request.scope, replay)


# ---- previews and what publishing them did ---------------------------------------------------------


@dataclass
class Preview:
    token: str
    owner: str  # the clerk session's token: no other session can publish or see it
    kind: str  # "catalog" | "calendar"
    payload: Any  # the release's files, or the year's table
    base: Any  # what was in force when previewed: the release serial, or the year's table
    made: float = field(default_factory=time.monotonic)
    state: str = "pending"  # pending -> publishing -> done
    outcome: dict[str, Any] = field(default_factory=dict)


class Previews:
    """Uploads waiting for 发布 or 取消, by one-time token, each bound to one clerk session."""

    def __init__(self, seconds: float = PREVIEW_SECONDS) -> None:
        self.seconds = seconds
        self._by_token: dict[str, Preview] = {}
        self._lock = threading.Lock()

    def hold(self, owner: str, kind: str, payload: Any, base: Any) -> Preview:
        with self._lock:
            self._expire()
            for old in [p for p in self._by_token.values()  # one pending upload per kind and clerk
                        if p.owner == owner and p.kind == kind and p.state == "pending"]:
                del self._by_token[old.token]
            if len(self._by_token) >= MAX_HELD:
                oldest = min(self._by_token.values(), key=lambda p: p.made)
                del self._by_token[oldest.token]
            preview = Preview(secrets.token_urlsafe(24), owner, kind, payload, base)
            self._by_token[preview.token] = preview
            return preview

    def find(self, token: str, owner: str) -> Preview | None:
        with self._lock:
            return self._find(token, owner)

    def take(self, token: str, owner: str) -> Preview | None:
        """The pending preview, now marked as being published; None if it is not pending (already
        taken by a first click, discarded, expired, or someone else's)."""
        with self._lock:
            found = self._find(token, owner)
            if found is None or found.state != "pending":
                return None
            found.state = "publishing"
            return found

    def done(self, preview: Preview, outcome: dict[str, Any]) -> None:
        with self._lock:
            preview.state, preview.outcome, preview.payload = "done", outcome, None
            preview.made = time.monotonic()

    def discard(self, token: str, owner: str) -> bool:
        with self._lock:
            found = self._find(token, owner)
            if found is None or found.state != "pending":
                return False
            del self._by_token[token]
            return True

    def failed(self, preview: Preview) -> None:
        """Publishing it was refused (e.g. a newer release came first): it is gone; upload again."""
        with self._lock:
            self._by_token.pop(preview.token, None)

    def _find(self, token: str, owner: str) -> Preview | None:
        self._expire()
        found = self._by_token.get(token)
        return found if found is not None and secrets.compare_digest(found.owner, owner) else None

    def _expire(self) -> None:
        now = time.monotonic()
        for token, p in list(self._by_token.items()):
            limit = DONE_SECONDS if p.state == "done" else self.seconds
            if p.state != "publishing" and now - p.made > limit:
                del self._by_token[token]
