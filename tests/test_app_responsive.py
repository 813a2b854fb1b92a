"""A slow step never freezes the screen, and a second key press never files the work twice."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Button

from forms.catalog import Catalog
from forms.templates import attachment_names
from storage.store import Session
from tests.app_helpers import SIZE, log_in, settle, text_of, village_app
from tests.conftest import TODAY
from tests.helpers import JPEG, raw_db, scan, template_data
from village_agent import formstate, intake
from village_agent.app import VillageApp
from village_agent.app.ledger import LedgerScreen
from village_agent.app.materials import Attached
from village_agent.app.review import ReviewScreen, TextScreen
from village_agent.i18n import language, t

pytestmark = pytest.mark.anyio


@contextlib.asynccontextmanager
async def store_held(app: VillageApp) -> AsyncIterator[None]:
    """Another writer holds the app's store (its write lock) until the block ends."""
    store = app.store
    assert store is not None
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.database.write():
            held.set()
            release.wait(120)

    holder = threading.Thread(target=hold, name="other-writer")
    holder.start()
    try:
        assert await asyncio.to_thread(held.wait, 30)
        yield
    finally:
        release.set()
        await asyncio.to_thread(holder.join, 30)


async def test_a_submit_held_up_by_the_store_keeps_the_screen_answering_and_files_once(
    session: Session, catalog: Catalog, home: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VILLAGE_AGENT_LANG", "zh")  # whatever a switch would set is undone after
    entry = catalog.get("MZ-GLJT")
    data = template_data(catalog, "MZ-GLJT")
    names = sorted(attachment_names(entry, data))
    scans = []
    for name in names:
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(JPEG)
        scans.append(Attached(name, str(path)))  # read at submit, as after a resumed draft
    app = village_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await log_in(pilot)
        clean = formstate.check(entry, data, app.today, names).clean
        assert clean is not None
        app.push_screen(ReviewScreen(entry, clean, data, scans, None))
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)

        # Another writer (a background sync filing results, say) holds the store: the submit
        # waits for it in its worker, however long that takes.
        async with store_held(app):
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert text_of(app, "#review-progress") == t("review.submitting")
            assert review.query_one("#review-submit", Button).disabled
            focused = app.focused
            await pilot.press("tab")  # the screen still answers keys
            assert app.focused is not focused
            await pilot.press("ctrl+s")  # impatient: a second press must not file a second time
            await pilot.pause()
            assert [w.group for w in app.workers if w.group == "submit"] == ["submit"]
            assert session.list() == []  # nothing half-written while it waits
            # Switching the language would close the screen waiting for the receipt: refused.
            app.switch_language()
            await pilot.pause()
            assert app.screen is review and language() == "zh"
            assert [n.message for n in app._notifications][-1] == t("lang.busy")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)  # the receipt

    [filed] = session.list()
    assert filed.item_code == "MZ-GLJT"


async def test_an_export_held_up_by_the_store_keeps_the_ledger_answering_and_exports_once(
    session: Session, catalog: Catalog, home: Path, tmp_path: Path
) -> None:
    data = template_data(catalog, "MZ-GLJT")
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", data,
                [scan(n) for n in attachment_names(catalog.get("MZ-GLJT"), data)], today=TODAY)
    out = tmp_path / "usb"
    out.mkdir()
    app = village_app(home, export_dir=out)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await log_in(pilot)
        app.open_ledger()
        await settle(pilot)
        ledger = app.screen
        assert isinstance(ledger, LedgerScreen)
        async with store_held(app):  # the export's audit row waits behind this writer
            await pilot.press("ctrl+e")
            await pilot.pause()
            assert text_of(app, "#ledger-status") == t("ledger.exporting")
            await pilot.press("ctrl+left")  # the screen still answers: the month moves back
            await pilot.press("ctrl+e")  # a second press while the first export runs
            await pilot.pause()
        await settle(pilot)
        assert "csv" in text_of(app, "#ledger-status")
    with raw_db(home) as conn:
        logged = conn.execute("SELECT count(*) FROM audit WHERE action = 'ledger.export'").fetchone()
    assert logged[0] == 1
    assert len(list(out.glob("*.csv"))) == 1 and len(list(out.glob("*.xlsx"))) == 1

