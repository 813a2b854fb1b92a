"""Turn any failure the app can meet into one message for the agent (the CLI's mapping, for screens)."""

from __future__ import annotations

from village_agent.i18n import describe


def user_message(error: BaseException) -> str:
    """What happened and what to do, in the chosen language; never a traceback (sync.i18n.describe)."""
    return describe(error)
