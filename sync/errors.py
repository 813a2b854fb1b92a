"""Errors raised by sync. Each carries a catalogue key and its values (storage.errors.Said), so it
is said in the language of whoever reads it (`describe(exc, lang)` in sync/i18n.py).

SyncError
 ├── BundleRejected      a message or bundle file is refused before anything is stored
 │    │  (reason: malformed | truncated | unknown_sender | bad_signature | not_for_us
 │    │           | decrypt_failed | too_large | revoked | wrong_village | replay
 │    │           | malformed_payload | not_permitted | foreign_application | out_of_order
 │    │           | proof_required | bad_proof | stale_request | no_request_key
 │    │           | damaged | not_a_file | unreadable | no_sidecar | downstream_incomplete
 │    │           | newer_version | unknown_dictionary)
 │    └── ProofError     a request whose proof of the device's key does not hold (sync/proof.py)
 ├── EnrollmentError     a code, request or answer of enrollment refused (sync/enroll.py)
 ├── PublishError        what the county publishes does not parse (sync/releases.py)
 └── InvalidReasons      a correction request the center will not send (sync/corrections.py)
"""

from __future__ import annotations

from storage.errors import Said
from storage.messages import say
from sync import i18n as _catalogue  # noqa: F401  (merges every table; storage.messages.say reads it)
from sync.error_texts import REASON_MESSAGES

_PREFIX = "sync.reason."
REASONS = tuple(k.removeprefix(_PREFIX) for k in REASON_MESSAGES if k != "sync.reason.unknown")
# Thin lookups over the catalogue, for the callers that list or test reasons.
REASONS_ZH = {r: say("zh", _PREFIX + r) for r in REASONS}
REASONS_EN = {r: say("en", _PREFIX + r) for r in REASONS}


def reason_key(reason: str) -> str:
    return _PREFIX + reason if reason in REASONS_ZH else _PREFIX + "unknown"


def reason_text(reason: str, lang: str = "zh") -> str:
    """A refusal's reason said for a person, Chinese unless `lang` is English (an unknown
    reason reads as itself in English)."""
    if lang == "en" and reason not in REASONS_ZH:
        return reason
    return say(lang, reason_key(reason))


class SyncError(Said):
    key = "sync.error"


class BundleRejected(SyncError):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason_key(reason))
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:  # for logs and the tests: the reason's code and what was seen
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


class ProofError(BundleRejected):
    """A request whose proof does not hold. `next_counter` is set for a stale (replayed) one;
    `said` is the center's own words, shown only for a reason this side does not know (a newer
    center's): a known one is said from our catalogue, in our reader's language."""

    def __init__(self, reason: str, detail: str = "", next_counter: int | None = None,
                 said: str = "") -> None:
        super().__init__(reason, detail)
        self.next_counter = next_counter
        if said and reason not in REASONS_ZH:
            self.key, self.params = "sync.client.refused", {"message": said}


class EnrollmentError(SyncError):
    pass


class PublishError(SyncError):
    pass


class InvalidReasons(SyncError):
    """A correction request the center will not send; the message says which reason and why."""
