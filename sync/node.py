"""A node at work: its unlocked store, its device keys, and whom it trusts."""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from storage import sync_peers
from storage.store import Session
from sync.errors import BundleRejected
from sync.keys import DeviceKeys, PublicIdentity

# A device's keys never change (made once at store creation), nor does its node kind or code.
_OPENED: WeakKeyDictionary[Session, tuple[DeviceKeys, str, str]] = WeakKeyDictionary()


@dataclass
class Node:
    session: Session
    keys: DeviceKeys
    kind: str  # village | township | county
    code: str  # its division code (a village's 12 digits, a township's 9, a county's 6)

    @classmethod
    def of(cls, session: Session) -> Node:
        """The node at work in `session`. Its keys are opened once per session (every submit
        seals with them), and live exactly as long as the session's own data key."""
        known = _OPENED.get(session)
        if known is None:
            sign, enc = session.device_private()
            info = session.store.info
            known = (DeviceKeys.from_private_bytes(info.device_id, sign, enc), session.store.node,
                     info.village_code)
            _OPENED[session] = known
        return cls(session, *known)

    @property
    def identity(self) -> PublicIdentity:
        return self.keys.public

    def peer_identity(self, device_id: str) -> tuple[sync_peers.Peer, PublicIdentity]:
        """A trusted peer and its keys, or the reason it is not trusted."""
        peer = sync_peers.peer(self.session.store.database, device_id)
        if peer is None:
            raise BundleRejected("unknown_sender", device_id)
        if peer.revoked:
            raise BundleRejected("revoked", device_id)
        return peer, PublicIdentity.from_dict(peer.identity())

    def upstream(self, role: str) -> PublicIdentity | None:
        found = [p for p in sync_peers.peers(self.session.store.database, role) if not p.revoked]
        return PublicIdentity.from_dict(found[-1].identity()) if found else None
