"""Notices sync raised at the village reach the agent: counted on home, read on the sync screen.

The real case behind it: a store restored from a backup whose offline work is renumbered at
the next login. The villager holds a receipt with the old number; the agent must hear of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, TabbedContent

from forms.catalog import Catalog
from storage import events
from storage.store import Store
from sync.client import sync_once
from sync.node import Node
from sync.overview import NOTICES_SEEN, overview
from tests.app_helpers import SIZE, log_in, settle, text_of
from tests.conftest import AGENT, PIN, TODAY
from tests.test_app_sync import sync_app
from tests.test_sync_restore import TAG, _apply, _backup, _new_village, _restore
from village_agent.app.home import HomeScreen
from village_agent.app.syncscreen import SyncScreen
from village_agent.i18n import t

pytestmark = pytest.mark.anyio


async def test_a_renumbered_application_is_said_on_home_and_read_on_the_sync_screen(
    tmp_path: Path, township: tuple[Node, str], catalog: Catalog
) -> None:
    home = tmp_path / "village"
    session = _new_village(home, township)
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    backup = tmp_path / "backup.db"
    _backup(session.store, backup)
    _apply(session, catalog)  # lost with the disk, but the township has it
    assert sync_once(session.store, session=session).ok
    store = _restore(session.store, backup)
    session = store.login(AGENT, PIN)
    old = _apply(session, catalog)  # recorded on the copy: the lost one's number
    first = sync_once(store, session=session)  # clashes found
    assert first.clashes == 2, first
    second = sync_once(store, session=session)  # numbered again: a new application number
    [(renamed_from, new)] = second.renamed
    assert renamed_from == old and new == f"{TODAY:%Y%m%d}-{TAG}-00005"
    unseen = overview(store).unseen_notices
    assert unseen >= 2  # the clashes and the renumbering, at least
    store.close()

    app = sync_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await log_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert t("home.notices", n=unseen) in text_of(app, "#home-sync").splitlines()
        assert app.screen.query_one("#home-sync").has_class("-offline")  # yellow: read me

        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        # Opened on the notices, newest first: the new number is what the villager must get.
        assert screen.query_one("#sync-tabs", TabbedContent).active == "sync-tab-notices"
        table = screen.query_one("#sync-notices", DataTable)
        said = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert said[0] == t("sync.renumbered", old=old, new=new)
        assert t("notice.clash", seq=3) in said and len(said) == unseen

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        lines = text_of(app, "#home-sync").splitlines()
        assert not any(line.startswith(t("home.notices", n=0)[:4]) for line in lines), lines

    store = Store.open(home)
    try:
        with store.database.read() as db:
            seen = int(events.meta_get(db, NOTICES_SEEN) or 0)
            newest = db.execute("SELECT max(id) FROM alarms").fetchone()[0]
    finally:
        store.close()
    assert seen == newest  # read: home counts none until sync raises another


async def test_numbered_again_at_login_the_agent_is_told_at_once(
    tmp_path: Path, township: tuple[Node, str], catalog: Catalog
) -> None:
    home = tmp_path / "village"
    session = _new_village(home, township)
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    backup = tmp_path / "backup.db"
    _backup(session.store, backup)
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    store = _restore(session.store, backup)
    session = store.login(AGENT, PIN)
    old = _apply(session, catalog)
    assert sync_once(store).clashes == 2  # the background loop, no one logged in: found only
    store.close()

    app = sync_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await log_in(pilot)
        await settle(pilot)  # the login's catch-up numbers the clashing work again
        new = f"{TODAY:%Y%m%d}-{TAG}-00005"
        said = t("sync.renumbered", old=old, new=new)
        assert said in [n.message for n in app._notifications]  # a toast, at once
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        table = app.screen.query_one("#sync-notices", DataTable)
        assert str(table.get_row_at(0)[1]) == said
        await pilot.press("s")  # sync now: sent under the new number
        await settle(pilot)

    store = Store.open(home)
    try:
        shown = store.login(AGENT, PIN).show(new)[0]
        assert shown.id == new and shown.status == "received"  # filed at the township under it
    finally:
        store.close()
