"""Who is at the window: clerk sessions of the console, their cookie and their CSRF token.

A clerk logs in with name and PIN (the store's Argon2id wrap and lock-out, `Store.login`),
and gets a random session id in an HttpOnly, SameSite=Strict cookie; the logged-in Session
(and so the data key) stays in this process's memory, never on disk. Every form carries the
session's CSRF token; a session idle for IDLE_SECONDS is gone. Before login, the login form
is protected by a double-submit token (a cookie and the same value in the form).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from storage.store import Session
from sync.node import Node

IDLE_SECONDS = 15 * 60
COOKIE = "vc_session"
LOGIN_COOKIE = "vc_login"
MAX_SESSIONS = 200  # a township has a few dozen windows; a flood of logins cannot fill memory


@dataclass
class ClerkSession:
    token: str
    csrf: str
    session: Session
    node: Node
    lang: str = "zh"
    last_seen: float = 0.0  # on the clock of the Sessions that opened it
    used_forms: set[str] = field(default_factory=set)  # one-time form tokens already recorded
    looked_at: str = ""  # the clerk's previous full look at the worklist (ISO), for "new since"
    looked_loaded: bool = False

    @property
    def name(self) -> str:
        return self.session.operator.name


class Sessions:
    """The console's live clerk sessions, by cookie value."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_seconds = idle_seconds
        self.clock = clock  # one clock for opening, touching and expiring (injectable in tests)
        self._by_token: dict[str, ClerkSession] = {}
        self._lock = threading.Lock()

    def open(self, session: Session, node: Node, lang: str) -> ClerkSession:
        with self._lock:
            self._expire()
            if len(self._by_token) >= MAX_SESSIONS:  # the oldest makes room
                oldest = min(self._by_token.values(), key=lambda s: s.last_seen)
                del self._by_token[oldest.token]
            clerk = ClerkSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), session, node,
                                 lang, last_seen=self.clock())
            self._by_token[clerk.token] = clerk
            return clerk

    def get(self, token: str | None) -> ClerkSession | None:
        """The live session for this cookie, touched; None when unknown or idle too long."""
        if not token:
            return None
        with self._lock:
            self._expire()
            clerk = self._by_token.get(token)
            if clerk is not None:
                clerk.last_seen = self.clock()
            return clerk

    def close(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)

    def _expire(self) -> None:
        now = self.clock()
        for token in [t for t, s in self._by_token.items() if now - s.last_seen > self.idle_seconds]:
            del self._by_token[token]


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens; a missing one never matches."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
