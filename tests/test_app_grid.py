"""Grid worker mode: each inspection form filled in the app, recorded, and in the worker's own list."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.catalog import Catalog
from forms.templates import attachment_names
from storage.store import Session, Store
from tests.app_helpers import SIZE, fill, log_in, screen_text, settle, text_of, village_app
from tests.helpers import JPEG, template_data
from village_agent.app.form import FormScreen
from village_agent.app.picker import PickerScreen
from village_agent.app.review import ReviewScreen, TextScreen
from village_agent.i18n import t

pytestmark = pytest.mark.anyio

GRID, GRID_PIN = "李建军", "357913"


@pytest.mark.parametrize(("code", "initials"), [("WG-MDJF", "mdjf"), ("WG-RHZF", "rhzf")])
async def test_grid_worker_records_a_dispute_and_a_household_visit(
    code: str, initials: str, session: Session, catalog: Catalog, home: Path, tmp_path: Path
) -> None:
    from tests.test_app_intake import attach  # the same key presses as the agent's scans

    session.add_operator(GRID, "grid_worker", GRID_PIN)
    entry = catalog.get(code)
    data = template_data(catalog, code)
    app = village_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await log_in(pilot, pin=GRID_PIN, operator=GRID)
        assert t("home.new_inspection") in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*initials)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen) and form.entry.code == code  # no villager's notice
        await fill(pilot, data)
        for label in sorted(attachment_names(entry, data)):
            path = tmp_path / f"{label}.jpg"
            path.write_bytes(JPEG)
            await attach(pilot, label, path)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen), screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")  # her own list
        await settle(pilot)
        assert "1 / 1" in text_of(app, "#list-count")

    mine = Store.open(home).login(GRID, GRID_PIN).list()
    assert [(s.item_code, s.kind, s.status, s.operator) for s in mine] == [
        (code, "inspection", "recorded", GRID)]
    _, events = session.show(mine[0].id)
    recorded = next(e.payload for e in events if e.type == "inspection_recorded")
    for name, value in data["fields"].items():
        stored = recorded["fields"].get(name)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            # rows keep what was typed, and gain what the form calculates (a party's age)
            assert [{k: row[k] for k in want} for row, want in zip(stored, value, strict=True)
                    ] == value, name
        else:
            assert stored == value, name
