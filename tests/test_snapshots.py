"""Every screen an agent meets, at 80x24, as plain text compared with the files in tests/snapshots/.

The data and the day are fixed so the screens come out the same on every run and machine:
TODAY from conftest, the wall clock frozen at 09:30 China time (time-machine; every stored
stamp is taken from it), the local time zone set to UTC+8, the store's device id given (it
is in every application number), the export folder named, and passing notifications cleared
before a screen is read.

When a screen changes on purpose, regenerate its snapshot with one command and review the
diff of tests/snapshots/ like any other change:

    .venv/bin/pytest tests/test_snapshots.py --snapshot-update

The flag is syrupy's. Textual's own pytest-textual-snapshot pins a syrupy that needs
pytest < 9 and stores SVG; this module keeps syrupy and stores the screen's text instead,
which reads (and diffs) as the agent sees it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import time_machine
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.location import PyTestLocation
from textual.pilot import Pilot

from forms.catalog import Catalog
from forms.idnumber import make
from forms.templates import attachment_names
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from tests.app_helpers import SIZE, fill, log_in, screen_text, settle, type_into
from tests.conftest import AGENT, PIN, TODAY, VILLAGE_CODE, VILLAGE_NAME
from tests.helpers import scan, template_data
from village_agent import intake
from village_agent.app import VillageApp, make_app
from village_agent.app.applications import ApplicationsScreen, DetailScreen
from village_agent.app.drafts import DraftsScreen
from village_agent.app.form import FormScreen
from village_agent.app.home import HomeScreen
from village_agent.app.ledger import LedgerScreen
from village_agent.app.login import LoginScreen, SetupScreen
from village_agent.app.picker import PickerScreen
from village_agent.app.review import ReviewScreen, TextScreen

pytestmark = pytest.mark.anyio

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
CHINA = timezone(timedelta(hours=8))
DEVICE_ID = "5eedc0de00000001"  # application numbers read 20261123-5EEDC0-NNNNN
GRID, GRID_PIN = "李建军", "357913"
EXPORT_DIR = Path("/media/usb")  # shown in the ledger's export box; nothing is written there


class ScreenText(SingleFileSnapshotExtension):
    """One text file per snapshot: tests/snapshots/<test module>/<class>.<test>[<screen>].txt."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(SNAPSHOTS / test_location.basename)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(ScreenText)


def at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The village PC's zone and a clock stopped on TODAY at 09:30 (timers use the monotonic clock)."""
    monkeypatch.setenv("TZ", "CST-8")
    monkeypatch.setenv("VILLAGE_AGENT_LANG", "zh")
    time.tzset()
    try:
        with time_machine.travel(at(TODAY), tick=False):
            yield
    finally:
        monkeypatch.undo()
        time.tzset()


def new_point(home: Path) -> Store:
    return Store.create(home, village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
                        operator_name=AGENT, pin=PIN, kdf=TEST_KDF, device_id=DEVICE_ID)


def take_on(session: Session, catalog: Catalog, code: str, day: date, hour: int = 9) -> str:
    """An application (or inspection) taken in on `day` (its stamps say so too), scans and all."""
    with time_machine.travel(at(day, hour), tick=False):
        data = template_data(catalog, code, today=day)
        scans = [scan(name) for name in attachment_names(catalog.get(code), data)]
        return intake.take(session, catalog, session.calendar(), code, data, scans,
                           today=day).application_ids[0]


@pytest.fixture
def point(home: Path, catalog: Catalog) -> Iterator[Session]:
    """A service point with a month's work: late, nearly due and fresh cases, one completed,
    a grid worker's inspection and a half-filled draft."""
    with time_machine.travel(at(TODAY - timedelta(days=90)), tick=False):
        store = new_point(home)
        session = store.login(AGENT, PIN)
        session.add_operator(GRID, "grid_worker", GRID_PIN)
    take_on(session, catalog, "MZ-GLJT", date(2026, 10, 9))  # overdue
    take_on(session, catalog, "MZ-GLJT", date(2026, 11, 4))  # due within days
    take_on(session, catalog, "YB-CXJMCB", date(2026, 11, 20))
    done = take_on(session, catalog, "MZ-GLJT", date(2026, 10, 12))
    with time_machine.travel(at(date(2026, 10, 30), 15, 5), tick=False):
        session.add_event(done, "completed", {"result": "已纳入发放名册"})
    take_on(store.login(GRID, GRID_PIN), catalog, "WG-AQYH", date(2026, 11, 18), hour=11)
    with time_machine.travel(at(TODAY, 8, 45), tick=False):
        half = template_data(catalog, "MZ-LSJZ")
        session.save_draft("MZ-LSJZ", catalog.get("MZ-LSJZ").version,
                           {"applicant": {"name": half["applicant"]["name"]}})
    yield session
    store.close()


def village_app(home: Path) -> VillageApp:
    return make_app(home, kdf=TEST_KDF, today=TODAY, export_dir=EXPORT_DIR)


async def shown(pilot: Pilot[Any]) -> str:
    """The settled screen as text, without notifications still on their way out."""
    await settle(pilot)
    pilot.app.clear_notifications()
    await settle(pilot)
    return screen_text(pilot.app) + "\n"


class TestStart:
    async def test_setup_wizard(self, home: Path, snapshot: SnapshotAssertion) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen)
            assert await shown(pilot) == snapshot

    async def test_login(self, point: Session, home: Path, snapshot: SnapshotAssertion) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, LoginScreen)
            assert await shown(pilot) == snapshot


class TestHome:
    async def test_home_of_the_agent(
        self, point: Session, home: Path, snapshot: SnapshotAssertion
    ) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot, operator=AGENT)
            assert isinstance(app.screen, HomeScreen)
            assert await shown(pilot) == snapshot

    async def test_home_of_the_grid_worker(
        self, point: Session, home: Path, snapshot: SnapshotAssertion
    ) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot, pin=GRID_PIN, operator=GRID)
            assert isinstance(app.screen, HomeScreen)
            assert await shown(pilot) == snapshot


class TestIntake:
    async def test_picker_notice_form_review_receipt(
        self, point: Session, catalog: Catalog, home: Path, snapshot: SnapshotAssertion
    ) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot, operator=AGENT)
            await pilot.press("n")
            await type_into(pilot, "#picker-query", "gljt")
            assert isinstance(app.screen, PickerScreen)
            assert await shown(pilot) == snapshot(name="picker")

            await pilot.press("enter")
            assert isinstance(app.screen, TextScreen)
            assert await shown(pilot) == snapshot(name="notice")

            await pilot.press("enter")
            assert isinstance(app.screen, FormScreen)
            assert await shown(pilot) == snapshot(name="form")

            data = template_data(catalog, "MZ-GLJT")
            data["applicant"].update(name="李凤英", id_number=make(VILLAGE_CODE[:6], date(1939, 7, 16),
                                                                  2, female=True))
            data["fields"]["account_holder"] = "李凤英"
            await fill(pilot, data)
            await pilot.press("ctrl+r")
            assert isinstance(app.screen, ReviewScreen)
            assert await shown(pilot) == snapshot(name="review")

            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)
            assert await shown(pilot) == snapshot(name="receipt")


class TestLists:
    async def test_applications_detail_drafts_ledger(
        self, point: Session, home: Path, snapshot: SnapshotAssertion
    ) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot, operator=AGENT)
            await pilot.press("a")
            assert isinstance(app.screen, ApplicationsScreen)
            assert await shown(pilot) == snapshot(name="applications")

            app.screen.query_one("#list-table").focus()
            await pilot.press("enter")
            assert isinstance(app.screen, DetailScreen)
            assert await shown(pilot) == snapshot(name="detail")

            await pilot.press("escape", "escape")
            await settle(pilot)
            await pilot.press("d")
            assert isinstance(app.screen, DraftsScreen)
            assert await shown(pilot) == snapshot(name="drafts")

            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("l")
            assert isinstance(app.screen, LedgerScreen)
            assert await shown(pilot) == snapshot(name="ledger")


class TestSyncAndSizes:
    async def test_sync_screen_before_enrollment(
        self, point: Session, home: Path, snapshot: SnapshotAssertion
    ) -> None:
        """The queue of sealed-at-enrollment work, the state line and the keys, at 80x24."""
        from village_agent.app.syncscreen import SyncScreen

        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot, operator=AGENT)
            await pilot.press("s")
            assert isinstance(app.screen, SyncScreen)
            text = await shown(pilot)
            # The device's keys are new on every run: its fingerprint is the one varying line.
            fingerprint = app.screen.view.device if app.screen.view else ""
            assert fingerprint and fingerprint in text
            assert text.replace(fingerprint, "XXXX-" * 7 + "XXXX") == snapshot(name="sync")

    async def test_home_at_a_larger_terminal(
        self, point: Session, home: Path, snapshot: SnapshotAssertion
    ) -> None:
        """A wider window uses its room: the same home at 120x36."""
        app = village_app(home)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await log_in(pilot, operator=AGENT)
            assert isinstance(app.screen, HomeScreen)
            assert await shown(pilot) == snapshot(name="home-120x36")


class TestCaseworkAndBundle:
    async def test_correction_form_hand_over_and_rating(
        self, point: Session, home: Path, snapshot: SnapshotAssertion
    ) -> None:
        """What comes back down: a correction to make, a result to hand over, a rating to take."""
        from village_agent.app.casework import CorrectionScreen, DeliverScreen, RatingScreen

        cases = sorted(point.list(), key=lambda s: s.id)
        fresh = next(s.id for s in cases if s.item_code == "MZ-GLJT" and s.status == "submitted")
        done = next(s.id for s in cases if s.status == "completed")
        with time_machine.travel(at(TODAY, 8, 50), tick=False):
            point.add_event(fresh, "correction_requested", {"reasons": [
                {"field": "bank_name", "text": "开户行名称与银行卡不符"}, "请本人在申请表上签字"]})
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot, operator=AGENT)
            app.open_application(fresh)
            await settle(pilot)
            await pilot.press("c")
            assert isinstance(app.screen, CorrectionScreen)
            assert await shown(pilot) == snapshot(name="correction")

            app.back_home()
            app.open_application(done)
            await settle(pilot)
            await pilot.press("d")
            assert isinstance(app.screen, DeliverScreen)
            assert await shown(pilot) == snapshot(name="deliver")

            app.screen.query_one("#deliver-ok").press()  # in person, to the applicant
            await settle(pilot)
            assert isinstance(app.screen, RatingScreen)
            assert await shown(pilot) == snapshot(name="rating")

    async def test_one_stop_bundle_form(
        self, point: Session, home: Path, snapshot: SnapshotAssertion
    ) -> None:
        """一件事: one form for several items, the items it files said at the top."""
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot, operator=AGENT)
            await pilot.press("n")
            await type_into(pilot, "#picker-query", "YJS-CJR")
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("enter")  # past the one-time notice
            assert isinstance(app.screen, FormScreen)
            assert await shown(pilot) == snapshot(name="bundle-form")
