"""A correction request's reasons (pure): the wire format, the center's check, what the village may edit.

A reason is either a plain string (the first format, still accepted) or
``{"field": name?, "material": code?, "text": str}``, where ``field`` is one of
the item's own top-level fields or ``applicant.<key>`` for the applicant block
(``applicant.phone``), and ``material`` one of the item's material codes. When no
reason names anything, the whole application may be edited; otherwise only what
the reasons name (see `village_agent.intake.correct`).

The center checks what it sends (`check_reasons`); the village reads leniently
(`parse_reasons`), so a request from an older center still shows its text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from forms.engine import APPLICANT_KEYS
from forms.messages import Text
from forms.model import Bundle, ServiceItem
from storage.events import Event
from storage.messages import both, listed
from sync.errors import InvalidReasons as InvalidReasons  # its home is sync/errors.py

MAX_TEXT = 200  # one reason fits a line of a printed notice or two
_KEYS = frozenset({"field", "material", "text"})


@dataclass(frozen=True)
class Reason:
    text: str
    field: str | None = None  # an item field, or "applicant.<key>"
    material: str | None = None

    def wire(self) -> str | dict[str, str]:
        """A plain string when it names nothing, so older villages read it unchanged."""
        if self.field is None and self.material is None:
            return self.text
        out = {"text": self.text}
        if self.field is not None:
            out["field"] = self.field
        if self.material is not None:
            out["material"] = self.material
        return out


@dataclass(frozen=True)
class Scope:
    """What a correction may change: everything (`open`), or the named fields and materials."""

    fields: frozenset[str] = frozenset()  # item field names and "applicant.<key>"
    materials: frozenset[str] = frozenset()

    @property
    def open(self) -> bool:
        return not self.fields and not self.materials

    def allows(self, path: str) -> bool:
        """`path` as the form names it: applicant.phone, fields.bank_name, fields.members[0].x, materials.id_card."""
        if self.open:
            return True
        section, _, rest = path.partition(".")
        top = rest.split("[", 1)[0].split(".", 1)[0]
        if section == "applicant":
            return f"applicant.{top}" in self.fields
        if section == "fields":
            return top in self.fields
        if section == "materials":
            return top in self.materials
        return False


def scope_of(reasons: Iterable[Reason]) -> Scope:
    listed = list(reasons)
    return Scope(frozenset(r.field for r in listed if r.field),
                 frozenset(r.material for r in listed if r.material))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_reasons(raw: Any) -> list[Reason]:
    """Read reasons as the village receives them; anything unreadable is shown as text, never dropped."""
    out = []
    for item in raw if isinstance(raw, list) else [raw] if raw else []:
        if isinstance(item, dict):
            field, material = _text(item.get("field")) or None, _text(item.get("material")) or None
            out.append(Reason(_text(item.get("text")), field, material))
        elif str(item).strip():
            out.append(Reason(str(item).strip()))
    return out


def _known(names: set[str]) -> Text:
    return listed(sorted(names)) if names else both("sync.reasons.none_known")


def check_reasons(raw: Any, entry: ServiceItem | Bundle | None) -> list[Reason]:
    """The center's check before sending: every reason has text, names only what the item has.

    `entry` is the application's catalog entry (None when this center's catalog
    does not know the item: then no reason may name a field or material).
    """
    if not isinstance(raw, list) or not raw:
        raise InvalidReasons("sync.reasons.none")
    fields = {f.name for f in entry.fields} if entry else set()
    fields |= {f"applicant.{k}" for k in APPLICANT_KEYS} if entry else set()
    materials = {m.code for m in entry.materials} if entry else set()
    out = []
    for n, item in enumerate(raw, 1):
        if isinstance(item, str):
            reason = Reason(item.strip())
        elif isinstance(item, dict) and set(item) <= _KEYS and all(
                isinstance(v, str) for v in item.values()):
            reason = Reason(str(item.get("text", "")).strip(),
                            str(item["field"]).strip() if "field" in item else None,
                            str(item["material"]).strip() if "material" in item else None)
        else:
            raise InvalidReasons("sync.reasons.malformed", n=n)
        if not reason.text:
            raise InvalidReasons("sync.reasons.empty", n=n)
        if len(reason.text) > MAX_TEXT:
            raise InvalidReasons("sync.reasons.too_long", n=n, limit=MAX_TEXT)
        if reason.field is not None and reason.field not in fields:
            raise InvalidReasons("sync.reasons.unknown_field", n=n, name=reason.field,
                                 known=_known(fields))
        if reason.material is not None and reason.material not in materials:
            raise InvalidReasons("sync.reasons.unknown_material", n=n, name=reason.material,
                                 known=_known(materials))
        out.append(reason)
    return out


def open_request(events: Sequence[Event]) -> list[Reason] | None:
    """The reasons of the correction request the case now waits on (None when none waits).

    Events are in log order; a `corrected` answers every request before it.
    """
    waiting: list[Reason] | None = None
    for event in events:
        if event.type == "correction_requested":
            waiting = parse_reasons(event.payload.get("reasons"))
        elif event.type == "corrected":
            waiting = None
    return waiting


def label_of(reason: Reason, entry: ServiceItem | Bundle | None) -> str:
    """What the reason points at, as the agent reads it (the field's label, the material's name)."""
    names = []
    if reason.field:
        name = reason.field
        if reason.field.startswith("applicant."):
            name = APPLICANT_KEYS.get(reason.field.partition(".")[2], name)
        elif entry is not None:
            name = next((f.label for f in entry.fields if f.name == reason.field), name)
        names.append(name)
    if reason.material:
        found = (next((m.name for m in entry.materials if m.code == reason.material), None)
                 if entry is not None else None)
        names.append(found or reason.material)
    return "、".join(names)
