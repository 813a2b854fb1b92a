"""Keyset pagination: the page after a cursor (the last row's sort key), as index range walks.

A list ordered by terms t0, t1, ... tn (each ascending or descending, the last unique) continues
after the row with key (v0, ... vn) with the rows of, in this order:
    t0 = v0 AND ... AND t(n-1) = v(n-1) AND tn > vn
    ...
    t0 = v0 AND t1 > v1
    t0 > v0
(">" is "<" for a descending term). Each is one range of an index on the terms: equality on a
prefix, a range on the next, so SQLite walks the index from the cursor and stops after a page,
where OFFSET would read and drop every row before it. The row values `(a, b) > (?, ?)` would say
it in one line, but SQLite does not use them on an index's expressions.

The cursor travels as text (a URL parameter, a CLI option): base64url of a JSON list, decoded
strictly (`decode` raises ValueError for anything it did not make).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass

Value = str | int
MAX_CURSOR = 400  # characters: a key of a few dates and ids is far shorter


@dataclass(frozen=True)
class Term:
    sql: str  # the expression exactly as the index has it
    desc: bool = False
    kind: type = str  # what its value is: str or int


def order_by(terms: Sequence[Term]) -> str:
    return ", ".join(t.sql + (" DESC" if t.desc else "") for t in terms)


def segments(terms: Sequence[Term], after: Sequence[Value] | None) -> list[tuple[str, list[Value]]]:
    """The WHERE clauses (and their values), in order, whose rows follow `after` (None: all)."""
    if after is None:
        return [("1 = 1", [])]
    out: list[tuple[str, list[Value]]] = []
    for k in range(len(terms) - 1, -1, -1):
        parts = [f"{t.sql} = ?" for t in terms[:k]]
        parts.append(f"{terms[k].sql} {'<' if terms[k].desc else '>'} ?")
        out.append((" AND ".join(parts), list(after[:k + 1])))
    return out


def encode(key: Sequence[Value]) -> str:
    raw = json.dumps(list(key), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str, terms: Sequence[Term]) -> tuple[Value, ...]:
    """The key a cursor of `encode` holds, checked against the terms; ValueError otherwise."""
    if not text or len(text) > MAX_CURSOR or not text.isascii():
        raise ValueError("not a cursor")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        key = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("not a cursor") from None
    if not isinstance(key, list) or len(key) != len(terms):
        raise ValueError("not a cursor")
    for value, term in zip(key, terms, strict=True):
        if type(value) is not term.kind:  # bool is not an int here
            raise ValueError("not a cursor")
    return tuple(key)
