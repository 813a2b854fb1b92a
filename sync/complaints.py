"""投诉 as both sides speak of it: the complaint number given to the villager, and its words' bounds.

Pure. A complaint number is `TS-XXXXX-XXXXX`: ten random Crockford base32 characters (50 bits),
so a village point and a center each make numbers on their own, offline, without meeting another
(a village's counter would clash with another device's, a center's with a village's). Read back
as a person types it: any case, with or without the dashes, O for 0 and I or L for 1.
"""

from __future__ import annotations

import secrets

PREFIX = "TS"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 10
MAX_TEXT = 2_000  # the village's short texts (sync.messages.MAX_NOTE)
ABOUT = ("case", "window")
_READ_AS = {"O": "0", "I": "1", "L": "1"}


def new_id() -> str:
    """A fresh complaint number, e.g. TS-7K3M9-QXR2B."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{PREFIX}-{body[:5]}-{body[5:]}"


def normalize_id(text: str) -> str | None:
    """The number as written on the slip (TS-XXXXX-XXXXX), or None if `text` is not one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    squeezed = "".join(ch for ch in text.upper() if ch not in " -\t")
    if not squeezed.startswith(PREFIX):
        return None
    body = "".join(_READ_AS.get(ch, ch) for ch in squeezed[len(PREFIX):])
    if len(body) != LENGTH or any(ch not in ALPHABET for ch in body):
        return None
    return f"{PREFIX}-{body[:5]}-{body[5:]}"


def is_id(text: object) -> bool:
    """Exactly a number as `new_id` writes it (what a message must carry)."""
    return isinstance(text, str) and normalize_id(text) == text


def clean_text(text: str) -> str | None:
    """The words as they will be kept (trimmed), or None when empty or longer than MAX_TEXT."""
    kept = (text or "").strip()
    return kept if kept and len(kept) <= MAX_TEXT else None
