"""Sync jobs the command line and the app share: enrollment by code or by file, USB folders, summaries.

No Textual here. `village-agent enroll / export / import / sync` and the app's
sync screen and setup wizard call the same functions; the app runs them in
thread workers. Bad input (a folder that is not there, a malformed code, an
address that is not a URL) is refused with a Chinese message before anything
is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx

from forms import strictjson
from storage import sync_peers
from storage.errors import InvalidRequest
from storage.store import Session, Store
from sync import clock, enroll, usb
from sync.cli import stick_folder, writable_folder
from sync.client import SyncReport, enroll_online
from sync.errors import reason_text
from sync.keys import PublicIdentity
from sync.node import Node
from sync.village import seal_outbox
from village_agent.i18n import language, t

# ---- enrollment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fingerprints:
    """What the agent compares with the clerk's screen after enrolling."""

    device: str
    township: str
    township_device: str
    county: str | None
    serial: int

    def lines(self) -> list[str]:
        return [
            t("enroll.done", serial=self.serial),
            "  " + t("enroll.device_fp", fp=self.device),
            "  " + t("enroll.township_fp", fp=self.township),
            *(["  " + t("enroll.county_fp", fp=self.county)] if self.county else []),
        ]


def device_fingerprint(store: Store) -> str:
    """This device's fingerprint (public keys only: no PIN needed)."""
    return PublicIdentity.from_dict(store.device_public()).fingerprint()


def township_peer(store: Store) -> sync_peers.Peer | None:
    """The township this device is enrolled at, if any (the latest enrollment wins)."""
    found = [p for p in sync_peers.peers(store.database, "township") if not p.revoked]
    return found[-1] if found else None


def township_fingerprint(store: Store) -> str | None:
    peer = township_peer(store)
    return PublicIdentity.from_dict(peer.identity()).fingerprint() if peer else None


def _fingerprints(store: Store, done: enroll.Enrolled) -> Fingerprints:
    return Fingerprints(device_fingerprint(store), done.issuer.fingerprint(), done.issuer.device_id,
                        done.county.fingerprint() if done.county else None, done.serial)


def check_url(url: str) -> str:
    """A township address as the agent typed it, or a clear refusal."""
    url = url.strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidRequest("enroll.bad_url")
    return url


def enroll_by_code(session: Session, url: str, code: str,
                   client: httpx.Client | None = None) -> Fingerprints:
    """Online: the clerk's one-time code, sent to the township at `url`."""
    return _fingerprints(session.store, enroll_online(session, check_url(url), code, client))


def request_file(store: Store, folder: Path) -> Path:
    """Where the app writes this device's enrollment request on a stick."""
    return folder / f"enroll-{store.info.device_tag}.json"


def answer_file(request: Path) -> Path:
    """Where `service-center enroll-file` writes its answer: beside the request."""
    return request.with_name(request.stem + ".answer.json")


def write_enrollment_request(store: Store, code: str, path: Path) -> Path:
    """Offline, step 1: the request for the clerk to import (needs no network, no township keys)."""
    request = enroll.build_request(store, code)
    try:
        usb.write_atomic(path, json.dumps(request, ensure_ascii=False).encode())
    except OSError as exc:
        raise InvalidRequest("usb.write_failed", folder=path.parent, reason=exc.strerror or exc) from None
    return path


def enroll_by_answer_file(session: Session, path: Path, code: str, url: str = "") -> Fingerprints:
    """Offline, step 2: the township's answer, checked with the same code; `url` kept for later."""
    try:
        answer = strictjson.loads(path.read_bytes(), max_depth=6, max_bytes=1024 * 1024)
    except (OSError, ValueError):
        raise InvalidRequest("enroll.answer_unreadable", path=path) from None
    if not isinstance(answer, dict):
        raise InvalidRequest("enroll.answer_unreadable", path=path)
    node = Node.of(session)
    done = enroll.accept(node, answer, code, check_url(url) if url.strip() else "")
    seal_outbox(node)  # what was recorded before enrollment can travel now
    return _fingerprints(session.store, done)


def write_request_to_folder(store: Store, code: str, folder: str | Path) -> Path:
    return write_enrollment_request(store, code, request_file(store, writable_folder(folder)))


def enroll_from_folder(session: Session, folder: str | Path, code: str, url: str = "") -> Fingerprints:
    path = answer_file(request_file(session.store, stick_folder(folder)))
    if not path.is_file():
        raise InvalidRequest("enroll.no_answer", folder=path.parent, name=path.name)
    return enroll_by_answer_file(session, path, code, url)


# ---- USB folders -------------------------------------------------------------------------------


def answer_bundles(store: Store, folder: Path) -> list[Path]:
    """The township's answer files for this device in `folder`."""
    return sorted(folder.glob(f"down-{store.info.device_id}-*.vab"))


def export_to_folder(session: Session, folder: str | Path,
                     progress: usb.Progress | None = None) -> usb.UsbReport:
    """Every sealed message not yet acknowledged, onto the stick for the township."""
    target = writable_folder(folder)
    if township_peer(session.store) is None:
        raise InvalidRequest("usb.not_enrolled")
    try:
        return usb.export_village(Node.of(session), target, progress)
    except OSError as exc:
        raise InvalidRequest("usb.write_failed", folder=target, reason=exc.strerror or exc) from None


def import_from_folder(session: Session, folder: str | Path,
                       progress: usb.Progress | None = None) -> usb.UsbReport:
    """The township's answers for this device: acknowledgements and decisions."""
    source = stick_folder(folder)
    if not answer_bundles(session.store, source):
        raise InvalidRequest("usb.no_answers", folder=source, tag=session.store.info.device_tag)
    return usb.import_village(Node.of(session), source, progress)


# ---- what to tell the agent ------------------------------------------------------------------


def notices(report: SyncReport | usb.UsbReport) -> list[str]:
    """What a session found about a store restored from a copy, one line each (none usually)."""
    lines = [t("sync.renumbered", old=old, new=new) for old, new in report.renamed]
    if report.restored:
        lines.append(t("sync.restored"))
    if report.clashes:
        lines.append(t("sync.clashes", n=report.clashes))
    if report.resent:
        lines.append(t("sync.center_restored", n=report.resent))
    skew = getattr(report, "clock_skew_ms", None)
    if clock.off(skew):
        assert skew is not None
        lines.append(t("sync.clock_ahead" if skew > 0 else "sync.clock_behind",
                       minutes=clock.minutes(skew)))
    return lines


def exported_text(report: usb.UsbReport, folder: str | Path) -> str:
    return "\n".join([t("usb.exported", n=report.messages, folder=folder), *notices(report)])


def imported_text(report: usb.UsbReport) -> str:
    """What an import took in, then each answer file refused whole and why, then notices."""
    lang = language()
    text = t("usb.imported", files=len(report.files), received=report.stored, applied=report.applied)
    whole = {name for name, _ in report.refused_files}
    said = {reason for _, reason in report.refused_files}
    others = [r for r in report.refused if r.partition(": ")[0] not in whole and r not in said]
    if others:
        text += t("usb.refused", reasons=t("list.sep").join(
            reason_text(r.partition(": ")[2] or r, lang) for r in others))
    lines = [text, *(t("usb.file_refused", name=name, reason=reason_text(reason, lang))
                     for name, reason in report.refused_files)]
    if report.skipped:
        lines.append(t("usb.skipped", n=len(report.skipped)))
    return "\n".join([*lines, *notices(report)])


def sync_summary(report: SyncReport) -> str:
    """A line after a session: what went up, what the township confirmed, what came down.

    Then a line for each notice: an application that got a new number (its receipt must
    be printed again), a store found restored from a copy, records that clash.
    """
    if report.ok:
        return "\n".join([t("sync.done", sent=report.sent, done=report.done + report.custody,
                             received=report.downstream_new, applied=report.applied,
                             pending=report.pending_after), *notices(report)])
    if report.error == "not_enrolled":
        return t("sync.enroll_first")
    if report.error == "HTTPStatusError":
        return t("sync.refused")
    return t("sync.unreachable")


def link_after(report: SyncReport) -> bool | None:
    """What the end of a session says of the link: True it reached the township, False it did
    not, None nothing (not enrolled, stopped at logout or quit, results filed without a call)."""
    if report.ok:
        return True if report.round_trips else None
    return None if report.error in ("not_enrolled", "stopped") else False
