"""The terminal app (Textual). Imported only when the app runs: the CLI and the core never load Textual."""

from village_agent.app.app import VillageApp, make_app

__all__ = ["VillageApp", "make_app"]
