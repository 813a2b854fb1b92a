"""Turn any failure the app can meet into one message for the agent (the CLI's mapping, for screens)."""

from __future__ import annotations

import sqlite3

from forms.errors import CatalogError, FormsError, UnknownItemError, ValidationFailed
from storage.errors import StorageError
from sync.errors import SyncError
from village_agent.i18n import error_text, issue_text, t


def user_message(error: BaseException) -> str:
    """What happened and what to do, in the chosen language; never a traceback."""
    from storage.crypto import DecryptionFailed  # cryptography: not loaded for the first screen

    if isinstance(error, ValidationFailed):
        lines = [t("apply.invalid", n=len(error.issues))]
        lines += [f"• {issue_text(issue)}" for issue in error.issues]
        return "\n".join(lines)
    if isinstance(error, UnknownItemError):
        return t("unknown_item", code=error.code)
    if isinstance(error, CatalogError):
        return t("catalog.bad", detail=str(error))
    if isinstance(error, (StorageError, FormsError, SyncError)):
        return error_text(error)
    if isinstance(error, DecryptionFailed):
        return t("error.sealed")
    if isinstance(error, sqlite3.DatabaseError):
        return t("error.corrupt", detail=str(error))
    return t("error.internal", kind=type(error).__name__)
