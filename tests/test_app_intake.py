"""Taking in an application in the app, end to end: find the item, notice, form, materials, scans, submit.

Every test asserts on what the store holds afterwards, not only on what the screen says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, RadioButton, Select, SelectionList, Static

from forms.catalog import Catalog
from forms.idnumber import InvalidIdNumber, parse
from storage.store import Session, Store
from tests.app_helpers import (
    SIZE,
    applicant_field,
    enter_text,
    field,
    fill,
    log_in,
    screen_text,
    settle,
    text_of,
    type_into,
    village_app,
)
from tests.conftest import TODAY
from tests.helpers import JPEG, template_data
from village_agent import intake, printing
from village_agent.app.fields import GroupBox
from village_agent.app.form import FormScreen
from village_agent.app.home import HomeScreen
from village_agent.app.login import LoginScreen
from village_agent.app.materials import MaterialRow
from village_agent.app.picker import PickerScreen
from village_agent.app.review import ReviewScreen, TextScreen
from village_agent.i18n import t

pytestmark = pytest.mark.anyio

GRID = "李建军"
GRID_PIN = "357913"


def scan_file(tmp_path: Path, name: str = "id-card.jpg") -> Path:
    path = tmp_path / name
    path.write_bytes(JPEG)
    return path


async def open_form(pilot: Pilot[Any], query: str) -> None:
    """From home: n, type the search, Enter on the first match, past the notice if there is one."""
    await pilot.press("n")
    await pilot.press(*query)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    if isinstance(pilot.app.screen, TextScreen):
        await pilot.press("enter")
        await settle(pilot)
    assert isinstance(pilot.app.screen, FormScreen)


async def attach(pilot: Pilot[Any], label: str, path: Path) -> None:
    pilot.app.screen.query_one("#attach-label", Select).value = label
    await enter_text(pilot, "#attach-path", str(path))
    pilot.app.screen.query_one("#attach-path").focus()
    await pilot.press("enter")
    await settle(pilot)


class TestNewApplication:
    async def test_agent_takes_in_old_age_allowance_for_a_known_villager_and_prints_the_receipt(
        self, session: Session, catalog: Catalog, home: Path, tmp_path: Path
    ) -> None:
        # Last time this villager came in, the point recorded her answers.
        earlier = template_data(catalog, "MZ-GLJT")
        intake.take(session, catalog, session.calendar(), "MZ-GLJT", earlier, today=TODAY)
        person = earlier["applicant"]
        scan = scan_file(tmp_path)

        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await pilot.press("n")
            assert isinstance(app.screen, PickerScreen)
            await pilot.press(*"gljt")  # pinyin initials of 高龄津贴
            await settle(pilot)
            assert app.screen.entries[0].code == "MZ-GLJT"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)  # the one-time notice of every material
            assert "一次性告知书" in text_of(app, "#notice-text")
            assert "户口簿" in text_of(app, "#notice-text")
            await pilot.press("enter")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, FormScreen)

            # The ID number finds her: applicant block and this item's fields come back.
            await type_into(pilot, "#f-applicant-id_number Input", person["id_number"])
            await settle(pilot)
            assert applicant_field(form, "name").raw() == person["name"]
            assert applicant_field(form, "phone").raw() == person["phone"]
            assert field(form, "bank_account").raw() == earlier["fields"]["bank_account"]
            assert field(form, "living_status").raw() == "独居"

            # She has since moved into a care home: the institution's name is asked for.
            assert field(form, "institution_name").display is False
            field(form, "living_status").control.value = "入住养老机构"
            await settle(pilot)
            assert field(form, "institution_name").display is True
            await pilot.press("ctrl+r")  # review refused: show every problem under its field
            await settle(pilot)
            assert isinstance(app.screen, FormScreen)
            assert "请填写“养老机构名称”" in screen_text(app)
            await enter_text(pilot, "#f-institution_name Input", "资兴市福利院")

            # Materials: only the statuses each allows (the ID card can be neither signed for nor missing).
            id_card = form.query_one("#m-id_card", MaterialRow)
            assert id_card.options == ("provided",)
            assert form.query_one("#m-household_register", MaterialRow).options == (
                "provided", "missing")
            assert not form.query_one("#m-guardian_id_card", MaterialRow).display  # no guardian
            for code in ("id_card", "bank_card", "photo"):
                form.query_one(f"#m-{code}-provided", RadioButton).value = True
            form.query_one("#m-household_register-missing", RadioButton).value = True
            await attach(pilot, "id_card", scan)
            await settle(pilot)
            assert form.last_check is not None and form.last_check.clean is not None

            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, ReviewScreen)
            assert "资兴市福利院" in text_of(app, "#review-text")
            app.screen.query_one("#auth-in_person", RadioButton).value = True
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)
            receipt = text_of(app, "#receipt-text")

        latest = [s for s in session.list() if s.status == "submitted"]
        assert len(latest) == 2
        summary = next(s for s in latest if s.id in receipt)
        got, events = session.show(summary.id)
        assert receipt == printing.receipt(got, events, catalog.item("MZ-GLJT"), session.store.info)
        submitted = next(e.payload for e in events if e.type == "submitted")
        created = next(e.payload for e in events if e.type == "created")
        assert submitted["fields"]["institution_name"] == "资兴市福利院"
        assert submitted["fields"]["age_band"] == "80-89周岁"  # calculated, stored
        assert submitted["materials"] == {"id_card": "provided", "household_register": "missing",
                                          "bank_card": "provided", "photo": "provided"}
        assert [(a["label"], a["size"]) for a in submitted["attachments"]] == [("id_card", len(JPEG))]
        assert created["authorization"] == "in_person"
        assert session.drafts() == []  # the draft kept while filling in is gone once submitted

    async def test_bad_id_number_is_explained_under_the_field_and_nothing_is_stored(
        self, session: Session, home: Path
    ) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await open_form(pilot, "gljt")
            bad = "430481194003051241"  # one digit off: the check digit no longer fits
            await enter_text(pilot, "#f-applicant-id_number Input", bad)
            await settle(pilot)
            box = applicant_field(app.screen, "id_number")
            assert box.has_class("-invalid")
            with pytest.raises(InvalidIdNumber) as why:
                parse(bad, today=TODAY)
            assert str(box.query_one(".field-error", Static).content) == why.value.message
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, FormScreen)
        assert session.list() == []

    async def test_a_half_filled_form_survives_closing_the_app_and_is_finished_later(
        self, session: Session, catalog: Catalog, home: Path
    ) -> None:
        data = template_data(catalog, "MZ-GLJT")
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await open_form(pilot, "gljt")
            await enter_text(pilot, "#f-applicant-id_number Input", data["applicant"]["id_number"])
            await enter_text(pilot, "#f-applicant-name Input", data["applicant"]["name"])
            await pilot.press("ctrl+q")  # closing the app, not saving by hand
            await pilot.pause()

        drafts = session.drafts()
        assert len(drafts) == 1 and drafts[0].item_code == "MZ-GLJT"
        assert drafts[0].data["applicant"] == {"id_number": data["applicant"]["id_number"],
                                               "name": data["applicant"]["name"]}
        assert session.list() == []

        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            assert text_of(app, "#home-drafts") == t("home.drafts_count", n=1)
            await pilot.press("d")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, FormScreen)
            assert applicant_field(form, "name").raw() == data["applicant"]["name"]
            await fill(pilot, data, skip_applicant=True)
            applicant_field(form, "phone").set_raw(data["applicant"]["phone"])
            await settle(pilot)
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)

        assert [s.item_code for s in session.list()] == ["MZ-GLJT"]
        assert session.drafts() == []


    async def test_household_members_are_added_row_by_row_and_checked_row_by_row(
        self, session: Session, catalog: Catalog, home: Path
    ) -> None:
        data = template_data(catalog, "MZ-ZDSHBZ")  # 最低生活保障: a household, row by row
        spouse = data["fields"].pop("household_members")[0]
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await open_form(pilot, "zdshbz")
            form = app.screen
            assert isinstance(form, FormScreen)
            await fill(pilot, data)
            group = form.query_one("#f-household_members", GroupBox)
            for _ in range(2):
                group.query_one(".group-add", Button).focus()
                await pilot.press("enter")
                await settle(pilot)
            assert len(group.rows()) == 2
            second = group.rows()[1]
            second.query_one(".group-remove", Button).press()
            await settle(pilot)
            [row] = group.rows()
            boxes = {b.spec.name: b for b in row.boxes()}
            for name, value in spouse.items():
                boxes[name].set_raw(value)
            boxes["member_id_number"].set_raw(spouse["member_id_number"][:-1] + "0")
            await settle(pilot)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, FormScreen)
            said = str(boxes["member_id_number"].query_one(".field-error", Static).content)
            assert said.startswith("家庭成员第1条：")
            boxes["member_id_number"].set_raw(spouse["member_id_number"])

            # No longer poor through illness: the medical records are no longer asked for.
            medical = form.query_one("#m-medical_records", MaterialRow)
            assert medical.display
            reasons = field(form, "poverty_reasons").control
            assert isinstance(reasons, SelectionList)
            reasons.deselect("因病")
            await settle(pilot)
            assert not medical.display
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, ReviewScreen)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)

        [summary] = session.list()
        _, events = session.show(summary.id)
        stored = next(e.payload for e in events if e.type == "submitted")
        assert stored["fields"]["household_members"] == [
            {**spouse, "monthly_income": "0.00"}]
        assert stored["fields"]["household_size"] == 2  # calculated from the rows
        assert stored["fields"]["poverty_reasons"] == ["因学"]
        assert "medical_records" not in stored["materials"]

class TestGridWorker:
    async def test_grid_worker_sees_inspection_forms_first_and_records_a_hazard(
        self, session: Session, store: Store, catalog: Catalog, home: Path, tmp_path: Path
    ) -> None:
        session.add_operator(GRID, "grid_worker", GRID_PIN)
        intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                    template_data(catalog, "MZ-GLJT"), today=TODAY)  # the agent's, not hers
        photo = scan_file(tmp_path, "hazard.jpg")
        data = template_data(catalog, "WG-AQYH")

        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot, pin=GRID_PIN, operator=GRID)
            assert t("home.new_inspection") in screen_text(app)
            await pilot.press("n")
            await settle(pilot)
            picker = app.screen
            assert isinstance(picker, PickerScreen)
            kinds = [e.kind for e in picker.entries]
            assert kinds[:3] == ["inspection"] * 3 and "inspection" not in kinds[3:]
            await pilot.press(*"aqyh")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, FormScreen)  # no notice: nothing to hand a villager
            await fill(pilot, {**data, "applicant": {}})
            await attach(pilot, "photo", photo)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, ReviewScreen)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("a")  # her own list: the agent's allowance case is not in it
            await settle(pilot)
            assert "1 / 1" in text_of(app, "#list-count")
            await pilot.press("escape", "o")  # back home, log out: the next worker logs in
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen) and app.session is None

        mine = [s for s in Store.open(home).login(GRID, GRID_PIN).list() if s.operator == GRID]
        assert [(s.item_code, s.kind, s.status) for s in mine] == [
            ("WG-AQYH", "inspection", "recorded")]
        _, events = session.show(mine[0].id)
        recorded = next(e.payload for e in events if e.type == "inspection_recorded")
        assert recorded["fields"]["hazard_category"] == data["fields"]["hazard_category"]
        assert recorded["fields"]["photo"] == "photo"
        assert recorded["attachments"][0]["label"] == "photo"

