"""Errors raised by the form engine and the catalog loader.

FormsError
 ├── CatalogError          a catalog file is malformed (names the file and the key)
 ├── UnknownItemError      no item, inspection form or bundle has that code
 ├── ExpressionError       a catalog expression uses syntax or names we do not allow
 └── ValidationFailed      application data breaks field rules (carries every issue at once)
"""

from __future__ import annotations

from dataclasses import dataclass, field


class FormsError(Exception):
    """Base of every error in `forms`."""


class CatalogError(FormsError):
    """A catalog file does not follow docs/catalog-format.md."""


class UnknownItemError(FormsError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown service item {code!r}")
        self.code = code


class ExpressionError(FormsError):
    """An expression in the catalog is not in the allowed language."""


@dataclass(frozen=True)
class Issue:
    """One problem with one field: where, and a message saying how to fix it (Chinese, and English)."""

    path: str  # "applicant.id_number", "fields.household_members[1].member_id_number", "materials.id_card"
    message: str  # Chinese, for the agent
    code: str = "invalid"  # machine-readable kind: required, invalid, range, rule, material, ...
    en: str = field(default="", compare=False)  # the English text; "" when `message` is the only one

    def text(self, lang: str) -> str:
        """The message in `lang` ("zh" or "en"); a catalog rule's own message has only its Chinese."""
        return self.en if lang == "en" and self.en else self.message

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "code": self.code}


class ValidationFailed(FormsError):
    """Application data is invalid; `issues` lists every problem, so the agent fixes all at once."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{i.path}: {i.message}" for i in issues))
        self.issues = issues
