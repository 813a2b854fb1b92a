"""The sync screen and the background loop, against a real township center on loopback."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, ProgressBar

from center import usb as center_usb
from center.enroll import issue_code
from forms.catalog import Catalog
from storage import sync_outbox
from storage.attachments import IncomingFile
from storage.crypto import TEST_KDF
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from sync.overview import overview
from tests.app_helpers import SIZE, log_in, screen_text, settle, text_of
from tests.conftest import PIN, TODAY, VILLAGE_CODE
from tests.faultproxy import FaultPlan, ThreadedFaultProxy
from tests.forms_helpers import example
from tests.sync_helpers import make_center, serving, statuses
from village_agent import intake
from village_agent.app import VillageApp, make_app
from village_agent.app.home import HomeScreen
from village_agent.app.login import LoginScreen
from village_agent.app.syncscreen import FolderScreen, SyncScreen, human_size
from village_agent.i18n import t
from village_agent.printing import local_time
from village_agent.syncloop import BackgroundSync

pytestmark = pytest.mark.anyio


def sync_app(home: Path, *, stick: Path | None = None, every: float | None = None) -> VillageApp:
    """The app as the CLI builds it; background sync only where a test asks for it."""
    return make_app(home, kdf=TEST_KDF, today=TODAY, export_dir=stick or home.parent,
                    sync_every=every)


def take_in(session: Session, catalog: Catalog, n: int = 2, scan_bytes: int = 0) -> list[str]:
    ids = []
    for _ in range(n):
        files = [IncomingFile("id_card", "id.jpg", os.urandom(scan_bytes))] if scan_bytes else []
        ids += intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                           example(catalog.get("MZ-GLJT")), files, today=TODAY).application_ids
    return ids


def outbox(session: Session) -> list[tuple[int, str, str | None, bytes | None]]:
    with session.store.database.read() as db:
        return [(r[0], r[1], r[2], r[3]) for r in db.execute(
            "SELECT seq, state, digest, sealed FROM outbox ORDER BY seq")]


def received(node: Node) -> int:
    with node.session.store.database.read() as db:
        return int(db.execute("SELECT count(*) FROM received").fetchone()[0])


async def open_sync(pilot: Pilot[Any]) -> SyncScreen:
    await log_in(pilot)
    await pilot.press("s")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SyncScreen)
    return screen


def deliveries(screen: SyncScreen) -> set[str]:
    """The queue's last column: where each outgoing message has got to."""
    table = screen.query_one("#sync-queue", DataTable)
    return {str(table.get_row_at(i)[-1]) for i in range(table.row_count)}


async def until(predicate_in_thread: Any, *args: Any) -> Any:
    """Wait in a thread for something outside the app (the proxy's counters) while the app runs."""
    return await asyncio.to_thread(predicate_in_thread, *args)


LINK_BUFFER = 64 * 1024  # what the proxy's end of the village's connection may hold unread


@pytest.fixture
def slow_link(tmp_path: Path, session: Session) -> Iterator[tuple[Node, ThreadedFaultProxy]]:
    """A township behind the fault proxy; the village enrolled through it, so it syncs through it."""
    township = Node.of(make_center(tmp_path / "township"))
    with serving(township) as url:
        target = urlparse(url)
        with ThreadedFaultProxy(target.hostname or "127.0.0.1", target.port or 0, seed=11,
                                plan=FaultPlan(), receive_buffer=LINK_BUFFER) as proxy:
            # As a real slow link: what is not across stays in the app's own 64 KiB send buffer
            # (village_agent/syncloop.py), so the app hands a piece over only as the link takes one.
            enroll_online(session, proxy.url, issue_code(township, VILLAGE_CODE))
            yield township, proxy
    township.session.store.close()


class TestSyncNow:
    async def test_sync_now_sends_the_applications_and_the_township_acknowledges_them(
        self, home: Path, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        node, url = township
        enroll_online(session, url, issue_code(node, VILLAGE_CODE))
        ids = take_in(session, catalog, scan_bytes=70_000)
        rows = outbox(session)
        app = sync_app(home)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_sync(pilot)
            assert node.identity.fingerprint() in text_of(app, "#sync-state")
            queue = screen.query_one("#sync-queue", DataTable)
            assert queue.row_count == len(rows)
            assert deliveries(screen) == {t("outbox.waiting")}
            assert t("outbox.chunk", n=2) in screen_text(app)  # a 70 KB scan travels in two pieces

            await pilot.press("s")
            await settle(pilot)
            assert text_of(app, "#sync-message") == t(
                "sync.done", sent=len(rows), done=len(rows), received=2, applied=2, pending=0)
            assert deliveries(screen) == {t("outbox.township")}
            assert screen.query_one("#sync-results", DataTable).row_count == 2

        assert statuses(node.session) == dict.fromkeys(ids, "received")
        assert received(node) == len(rows)
        assert {state for _, state, _, _ in outbox(session)} == {"done"}
        assert statuses(session) == dict.fromkeys(ids, "received")  # the decisions were filed

    async def test_an_offline_township_is_said_plainly_and_nothing_changes(
        self, home: Path, session: Session, tmp_path: Path, catalog: Catalog
    ) -> None:
        node = Node.of(make_center(tmp_path / "township"))
        with serving(node) as url:
            enroll_online(session, url, issue_code(node, VILLAGE_CODE))
        # The township is gone now: nothing listens on its port any more.
        ids = take_in(session, catalog)
        before, before_status = outbox(session), statuses(session)
        app = sync_app(home)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_sync(pilot)
            assert t("syncscreen.offline") in text_of(app, "#sync-state")
            await pilot.press("s")
            await settle(pilot)
            assert text_of(app, "#sync-message") == t("sync.unreachable")
            assert screen.query_one("#sync-message").has_class("-error")
            assert screen.query_one("#sync-queue", DataTable).row_count == len(before)
            await pilot.press("escape")  # the screen is still the agent's
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)
        assert outbox(session) == before  # same rows, states, digests and sealed bytes
        assert statuses(session) == before_status == dict.fromkeys(ids, "submitted")
        assert received(node) == 0
        node.session.store.close()

    async def test_the_bar_moves_and_keys_work_while_scans_crawl_up_a_slow_link(
        self, home: Path, session: Session, slow_link: tuple[Node, ThreadedFaultProxy],
        catalog: Catalog
    ) -> None:
        township, proxy = slow_link
        ids = take_in(session, catalog, n=10, scan_bytes=200_000)  # about 2 MB of sealed pieces
        total = sum(size for size, in session.store.database.db.execute(
            "SELECT size FROM outbox WHERE state = 'pending'"))
        # 100 KB/s: about twenty seconds. The checks below up to the last "busy" one are done
        # once some 600 KB have gone (the app runs 300 KB ahead of the proxy's count); the rest
        # is margin for a loaded machine, where each of Pilot's pauses and key presses can take
        # a second or two while the upload keeps this process busy.
        proxy.plan = FaultPlan(bandwidth_bps=800_000)
        app = sync_app(home)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_sync(pilot)
            queue = screen.query_one("#sync-queue", DataTable)
            bar = screen.query_one("#sync-progress", ProgressBar)
            assert queue.cursor_row == 0

            await pilot.press("s")
            await until(proxy.wait_until, lambda s: s.bytes_upstream >= 100_000, 60.0)
            await pilot.pause()
            first = bar.progress
            assert bar.total is not None and bar.total >= total
            assert 0 < first < bar.total
            assert screen.busy == "sync"

            await pilot.press("down")  # mid-transfer, the screen still answers keys
            assert queue.cursor_row == 1
            assert proxy.stats.bytes_upstream < total

            # The proxy only passes on what the app has handed over: 100 KB more must show.
            await until(proxy.wait_until, lambda s: s.bytes_upstream >= first + 100_000, 60.0)
            await pilot.pause()
            assert first < bar.progress  # the bar moved on with the bytes
            assert screen.busy == "sync"
            assert proxy.stats.bytes_upstream < total  # all of it while the upload was under way

            await settle(pilot)
            assert screen.busy is None and bar.progress == bar.total
            assert text_of(app, "#sync-message").startswith("同步完成")
        assert statuses(township.session) == dict.fromkeys(ids, "received")
        assert {state for _, state, _, _ in outbox(session)} == {"done"}


    async def test_quitting_mid_upload_ends_the_session_at_the_next_piece(
        self, home: Path, session: Session, slow_link: tuple[Node, ThreadedFaultProxy],
        catalog: Catalog
    ) -> None:
        _, proxy = slow_link
        take_in(session, catalog, n=10, scan_bytes=200_000)
        total = sum(r["size"] for r in sync_outbox.outbox_rows(session.store.database))
        proxy.plan = FaultPlan(bandwidth_bps=800_000)  # 100 KB/s: the whole would take 20 s
        app = sync_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await open_sync(pilot)
            await pilot.press("s")
            await until(proxy.wait_until, lambda s: s.bytes_upstream >= 300_000, 60.0)
            await pilot.press("ctrl+q")
            assert app.closing.is_set()  # said at the key press, not once the screens are gone
        # The worker's session has given the lock back (the timeout only bounds a hang)...
        assert await until(app.sync_lock.acquire, True, 60.0)
        # ...before the link could carry the upload: the rest would take over ten seconds. Not a
        # tighter bound: the quit itself (Textual closing every screen) takes seconds on a loaded
        # machine while pieces still go, and what the proxy took in before still reaches the
        # township. An app that waited for the link would have sent every byte.
        assert proxy.stats.bytes_upstream < total
        assert {r["state"] for r in sync_outbox.outbox_rows(session.store.database)} == {"pending"}


class TestUsb:
    async def test_export_to_a_stick_import_at_the_township_then_its_answer_back(
        self, home: Path, session: Session, tmp_path: Path, catalog: Catalog
    ) -> None:
        township = Node.of(make_center(tmp_path / "township"))
        with serving(township) as url:
            enroll_online(session, url, issue_code(township, VILLAGE_CODE))
        ids = take_in(session, catalog)
        stick = tmp_path / "usb"
        stick.mkdir()
        app = sync_app(home, stick=stick)
        async with app.run_test(size=SIZE) as pilot:
            await open_sync(pilot)
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, FolderScreen)
            path = app.screen.query_one("#folder-path", Input)
            assert path.value == str(stick)  # the app's export folder, offered
            path.value = str(tmp_path / "not-plugged-in")
            await pilot.press("enter")
            await settle(pilot)
            assert text_of(app, "#folder-error") == t("usb.missing",
                                                      folder=tmp_path / "not-plugged-in")
            assert not (tmp_path / "not-plugged-in").exists()
            path.value = str(stick)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, SyncScreen)
            assert text_of(app, "#sync-message") == t("usb.exported", n=4, folder=stick)
            (written,) = [p.stat().st_size for p in stick.glob("up-*.vab")]
            bar = app.screen.query_one("#sync-progress", ProgressBar)
            assert (bar.total, bar.progress) == (written, written)  # bytes on the stick, all of them
            size = human_size(written)
            assert text_of(app, "#sync-progress-text") == t("syncscreen.stick_write", done=size,
                                                            total=size)

            await pilot.press("i")  # nothing from the township on the stick yet
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, FolderScreen)
            assert text_of(app, "#folder-error") == t(
                "usb.no_answers", folder=stick, tag=session.store.info.device_tag)
            await pilot.press("escape")
            await settle(pilot)

            at_township = center_usb.import_center(township, stick)  # `service-center import`
            assert (at_township.stored, at_township.refused) == (4, [])

            await pilot.press("i")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert text_of(app, "#sync-message") == t("usb.imported", files=1, received=2,
                                                      applied=2)
            assert text_of(app, "#sync-progress-text") == ""  # filed: the message above says so
            assert (bar.total, bar.progress) == (1, 1)
            assert isinstance(app.screen, SyncScreen)
            assert deliveries(app.screen) == {t("outbox.township")}

        assert statuses(township.session) == dict.fromkeys(ids, "received")
        assert statuses(session) == dict.fromkeys(ids, "received")
        assert {state for _, state, _, _ in outbox(session)} == {"done"}
        township.session.store.close()


class TestBackground:
    async def test_enrolled_from_the_sync_screen_the_loop_syncs_and_stops_at_logout(
        self, home: Path, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        node, url = township
        (app_id,) = take_in(session, catalog, n=1)
        app = sync_app(home, every=3600)
        async with app.run_test(size=SIZE) as pilot:
            await open_sync(pilot)
            assert app.background is None  # not enrolled: nothing to sync with
            assert t("syncscreen.not_enrolled") in text_of(app, "#sync-state")
            await pilot.press("s")
            await settle(pilot)
            assert text_of(app, "#sync-message") == t("sync.enroll_first")

            await pilot.press("n")
            await settle(pilot)
            app.screen.query_one("#enroll-url", Input).value = url
            code = app.screen.query_one("#enroll-code", Input)
            code.value = issue_code(node, VILLAGE_CODE)
            code.focus()
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("enter")  # done: back to the sync screen, the loop starts
            await settle(pilot)
            assert isinstance(app.screen, SyncScreen)
            runner = app.background
            assert runner is not None and runner.alive
            assert await until(runner.wait_sessions, 1, 30.0)
            await settle(pilot)
            assert text_of(app, "#sync-message").startswith(t("syncscreen.background", summary=""))

            await pilot.press("escape", "o")  # home, then log out
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen)
            assert app.background is None
            assert await until(runner.join, 10.0)  # the thread has ended
        assert statuses(node.session) == {app_id: "received"}
        assert statuses(session) == {app_id: "received"}  # filed by the loop: someone was logged in

    async def test_home_hears_when_a_background_session_ends_and_quitting_stops_the_loop(
        self, home: Path, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        node, url = township
        enroll_online(session, url, issue_code(node, VILLAGE_CODE))
        take_in(session, catalog)
        app = sync_app(home, every=3600)
        async with app.run_test(size=SIZE) as pilot:
            # Hold the loop's first session (and the login's catch-up, which waits its turn on the
            # same lock) until home has shown the queue: log in without waiting for the workers.
            app.sync_lock.acquire()
            pin = app.screen.query_one("#login-pin", Input)
            pin.focus()
            pin.value = PIN
            await pilot.press("enter")
            while not isinstance(app.screen, HomeScreen):  # the PIN's key derivation, in a worker
                await pilot.pause(0.02)
            await settle(pilot, ignore={"catch-up"})  # home has read the queue; catch-up waits
            runner = app.background
            assert runner is not None and isinstance(app.screen, HomeScreen)
            assert t("home.queue", n=4) in text_of(app, "#home-sync")
            app.sync_lock.release()
            assert await until(runner.wait_sessions, 1, 30.0)
            await settle(pilot)
            assert t("home.queue", n=0) in text_of(app, "#home-sync")
            assert t("home.link_online") in text_of(app, "#home-sync")
            await pilot.press("ctrl+q")
        assert await until(runner.join, 10.0)
        assert received(node) == 4


class TestHomeSyncStatus:
    async def test_home_says_online_and_the_last_contact_then_offline_once_the_township_is_gone(
        self, home: Path, session: Session, tmp_path: Path, catalog: Catalog
    ) -> None:
        def home_sync(app: VillageApp) -> list[str]:
            assert isinstance(app.screen, HomeScreen)
            return text_of(app, "#home-sync").splitlines()

        async def sync_now(pilot: Pilot[Any]) -> None:
            await pilot.press("s")  # home: the sync screen
            await settle(pilot)
            await pilot.press("s")  # sync now
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)

        node = Node.of(make_center(tmp_path / "township"))
        with serving(node) as url:
            enroll_online(session, url, issue_code(node, VILLAGE_CODE))
            take_in(session, catalog)
            assert overview(session.store).last_contact is None
            app = sync_app(home)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                await log_in(pilot)
                assert home_sync(app) == [t("home.link_unknown"),
                                          t("home.last_contact", when=t("sync.never")),
                                          t("home.queue", n=4)]
                await sync_now(pilot)
                stored = overview(session.store)
                assert stored.last_contact is not None and not stored.last_failed
                assert stored.pending == stored.unsealed == 0
                contact = stored.last_contact
                assert home_sync(app) == [
                    t("home.link_online"),
                    t("home.last_contact", when=local_time(contact, with_time=True)),
                    t("home.queue", n=0)]
                assert not app.screen.query_one("#home-sync").has_class("-offline")
        node.session.store.close()

        # A new run, before a session of its own: not "online" (the township may be gone since),
        # but what the store says of the last session.
        app = sync_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            assert home_sync(app)[0] == t("home.link_last_ok")

        # The township is gone. The background loop's first session finds nobody there: its
        # probe fails before any request, so the store still says the last session went well.
        take_in(session, catalog, n=1)
        app = sync_app(home, every=3600)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            runner = app.background
            assert runner is not None
            assert await until(runner.wait_sessions, 1, 30.0)
            await settle(pilot)
            stored = overview(session.store)
            assert stored.last_contact == contact and not stored.last_failed
            offline = [t("home.link_offline"),
                       t("home.last_contact", when=local_time(contact, with_time=True)),
                       t("home.queue", n=stored.pending + stored.unsealed)]
            assert stored.pending + stored.unsealed == 2
            assert home_sync(app) == offline
            assert app.screen.query_one("#home-sync").has_class("-offline")
            # "Sync now" fails as well, and that failure is stored; the last contact stays.
            await sync_now(pilot)
            stored = overview(session.store)
            assert stored.last_failed and stored.last_contact == contact
            assert home_sync(app) == offline

        # A later run, before any session of its own: the store's word, offline, is what home says.
        app = sync_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            assert home_sync(app) == offline


def test_the_loop_stops_between_two_pieces_of_an_upload_and_nothing_is_lost(
    session: Session, slow_link: tuple[Node, ThreadedFaultProxy], catalog: Catalog
) -> None:
    township, proxy = slow_link
    ids = take_in(session, catalog, n=10, scan_bytes=200_000)
    total = sum(r["size"] for r in sync_outbox.outbox_rows(session.store.database))
    proxy.plan = FaultPlan(bandwidth_bps=800_000)  # 100 KB/s: the whole would take 20 s
    reports: list[object] = []
    loop = BackgroundSync(session.store, on_report=reports.append, max_bytes=8 * 1024 * 1024)
    loop.start()
    proxy.wait_until(lambda s: s.bytes_upstream >= 300_000, 60.0)
    loop.stop()
    assert loop.join(60.0)  # bounds a hang only: the bytes below say whether it stopped at a piece
    assert reports == []  # nothing is reported after stop
    # 300 KB through and some 300 KB in buffers on their way (LINK_BUFFER): far from all.
    assert proxy.stats.bytes_upstream < total // 2
    assert {r["state"] for r in sync_outbox.outbox_rows(session.store.database)} == {"pending"}

    proxy.plan = FaultPlan()
    while sync_outbox.outbox_rows(session.store.database):
        assert sync_once(session.store, session=session, force=True, max_bytes=8 << 20).ok
    assert statuses(township.session) == dict.fromkeys(ids, "received")
    with township.session.store.database.read() as db:
        keys = db.execute("SELECT sender, seq FROM received").fetchall()
    assert len(keys) == len(set(keys))
