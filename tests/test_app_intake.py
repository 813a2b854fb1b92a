"""Taking in an application in the app, end to end: find the item, notice, form, materials, scans, submit.

Every test asserts on what the store holds afterwards, not only on what the screen says.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList, RadioButton, Select, SelectionList, Static

from forms.catalog import Catalog
from forms.engine import validate
from forms.idnumber import InvalidIdNumber, make, parse
from forms.model import Bundle
from storage import attachments
from storage.store import Session, Store
from sync.receipts import vouch
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
from tests.conftest import TODAY, VILLAGE_CODE
from tests.helpers import JPEG, template_data
from village_agent import intake, printing
from village_agent.app.fields import GroupBox
from village_agent.app.form import FormScreen
from village_agent.app.home import HomeScreen
from village_agent.app.login import LoginScreen
from village_agent.app.materials import AttachmentsBox, MaterialRow
from village_agent.app.picker import PickerScreen
from village_agent.app.review import ReviewScreen, TextScreen
from village_agent.app.scans import ScanPickerScreen, ScanTree
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
        assert receipt == vouch(session, printing.receipt_document(  # signed: sync/receipts.py
            got, events, catalog.item("MZ-GLJT"), session.store.info), got, events).text()
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

    async def test_sex_age_and_birth_date_show_under_the_id_number_as_it_is_typed_and_are_stored(
        self, session: Session, catalog: Catalog, home: Path
    ) -> None:
        number = make(VILLAGE_CODE[:6], date(1939, 7, 16), 2, female=True)
        wrong = number[:-1] + next(c for c in "0123456789" if c != number[-1])
        with pytest.raises(InvalidIdNumber) as why:
            parse(wrong, today=TODAY)
        data = template_data(catalog, "MZ-GLJT")
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await open_form(pilot, "gljt")
            form = app.screen
            assert isinstance(form, FormScreen)
            box = applicant_field(form, "id_number")
            line = box.query_one(".field-derived", Static)
            await type_into(pilot, "#f-applicant-id_number Input", number[:-1])
            await settle(pilot)
            assert not line.display  # 17 characters: nothing to say yet, not even an error
            assert not box.has_class("-invalid")
            await pilot.press(number[-1])
            await settle(pilot)
            said = "性别：女，年龄：87岁，出生日期：1939-07-16"  # 23 Nov 2026, born 16 Jul 1939
            assert line.display and str(line.content) == said
            assert said in screen_text(app)

            # One digit wrong: the check digit is said at once, and what it derived is gone.
            await pilot.press("backspace", wrong[-1])
            await settle(pilot)
            assert app.focused is box.control  # still typing in the box
            assert not line.display and said not in screen_text(app)
            assert box.has_class("-invalid")
            assert str(box.query_one(".field-error", Static).content) == why.value.message
            assert "校验位" in why.value.message

            await pilot.press("backspace", number[-1])
            await settle(pilot)
            assert line.display and str(line.content) == said and not box.has_class("-invalid")
            for key, value in data["applicant"].items():
                if key != "id_number":
                    applicant_field(form, key).set_raw(value)
            await fill(pilot, data, skip_applicant=True)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, ReviewScreen)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)

        [summary] = session.list()
        _, events = session.show(summary.id)
        stored = next(e.payload for e in events if e.type == "submitted")["applicant"]
        assert (stored["id_number"], stored["sex"], stored["age"], stored["birth_date"]) == (
            number, "女", 87, "1939-07-16")

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


class TestScansFromAFolder:
    async def test_a_scan_is_picked_from_the_scanner_folder_which_lists_only_scans_and_is_stored(
        self, session: Session, catalog: Catalog, home: Path, tmp_path: Path
    ) -> None:
        folder = tmp_path / "扫描仪"  # where the scanner drops its files
        month = folder / "2026-11"
        month.mkdir(parents=True)
        content = JPEG + "她的身份证正面".encode()
        scan = folder / "SCAN0001.JPG"  # upper case, as scanners name them
        scan.write_bytes(content)
        (folder / "说明.txt").write_text("not a scan", encoding="utf-8")
        (folder / ".thumb.jpg").write_bytes(JPEG)
        (month / "old.PDF").write_bytes(b"%PDF-1.4 an older scan")
        data = template_data(catalog, "MZ-GLJT")

        gone = month / "U盘"  # configured, but the stick is not in today
        app = village_app(home, scan_dir=gone)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await open_form(pilot, "gljt")
            form = app.screen
            assert isinstance(form, FormScreen)
            await fill(pilot, data)
            box = form.query_one(AttachmentsBox)

            async def pick_scan() -> ScanTree:
                """Ctrl+O, then down to SCAN0001.JPG with the arrow keys."""
                await pilot.press("ctrl+o")
                await settle(pilot, ignore={"_loader"})  # the tree's loader waits for folders
                assert isinstance(app.screen, ScanPickerScreen)
                tree = app.screen.query_one(ScanTree)
                assert app.focused is tree
                return tree

            def listed(tree: ScanTree) -> list[str]:
                return [str(node.label) for node in tree.root.children]

            # Nothing chosen yet: the picker opens in the configured folder, or the nearest one above
            # it that is there (and says so); Backspace goes up.
            tree = await pick_scan()
            assert Path(tree.path) == month and listed(tree) == ["old.PDF"]
            assert str(app.screen.query_one("#scan-error", Static).content) == t(
                "scan.no_folder", path=gone)
            await pilot.press("backspace")
            await settle(pilot, ignore={"_loader"})
            assert Path(tree.path) == folder
            assert app.screen.query_one("#scan-folder", Input).value == str(folder)
            assert listed(tree) == ["2026-11", "SCAN0001.JPG"]  # no text file, no hidden file
            assert str(app.screen.query_one("#scan-error", Static).content) == ""
            shown = screen_text(app)
            assert "SCAN0001.JPG" in shown and "说明.txt" not in shown
            await pilot.press("down")
            while tree.cursor_node is None or str(tree.cursor_node.label) != "SCAN0001.JPG":
                assert tree.cursor_line < len(listed(tree)), "the scan is not in the listing"
                await pilot.press("down")
            await pilot.press("enter")
            await settle(pilot)

            # No material chosen: the path is filled in and the agent is asked which material it is.
            assert app.screen is form
            assert form.query_one("#attach-path", Input).value == str(scan)
            assert t("attach.say_what") in str(box.query_one(".field-error", Static).content)
            assert app.focused is form.query_one("#attach-label", Select)
            assert box.attached == []

            # The material chosen: the picker opens where the last scan came from; picking attaches.
            form.query_one("#attach-label", Select).value = "id_card"
            tree = await pick_scan()
            assert Path(tree.path) == folder
            await pilot.press("down")
            while tree.cursor_node is None or str(tree.cursor_node.label) != "SCAN0001.JPG":
                await pilot.press("down")
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is form
            [attached] = box.attached
            assert (attached.label, attached.path) == ("id_card", str(scan))
            assert attached.file is not None and attached.file.content == content
            assert form.query_one("#attach-path", Input).value == ""

            # Typing a path still works: the picker is a way to fill it in, not the only one.
            pdf = month / "old.PDF"
            form.query_one("#attach-label", Select).value = "photo"
            await enter_text(pilot, "#attach-path", str(pdf))
            form.query_one("#attach-path").focus()
            await pilot.press("enter")
            await settle(pilot)
            assert [(a.label, a.path) for a in box.attached] == [
                ("id_card", str(scan)), ("photo", str(pdf))]

            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, ReviewScreen)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)

        [summary] = session.list()
        _, events = session.show(summary.id)
        stored = next(e.payload for e in events if e.type == "submitted")["attachments"]
        assert [(a["label"], a["name"], a["size"]) for a in stored] == [
            ("id_card", "SCAN0001.JPG", len(content)), ("photo", "old.PDF", pdf.stat().st_size)]
        with session.store.database.read() as db:
            assert attachments.load(db, session.keys, stored[0]["address"]) == content
            assert attachments.load(db, session.keys, stored[1]["address"]) == pdf.read_bytes()


class TestBundle:
    async def test_agent_takes_in_a_one_stop_bundle_as_one_form_and_files_one_application_per_item(
        self, session: Session, catalog: Catalog, home: Path, tmp_path: Path
    ) -> None:
        bundle = catalog.get("YJS-CJR")  # 残疾人服务一件事: the certificate and the two subsidies
        assert isinstance(bundle, Bundle)
        certificate, subsidies = bundle.items
        assert (certificate.code, subsidies.code) == ("CL-CJRZ", "CL-LXBT")
        assert (certificate.time_limit_days, subsidies.time_limit_days) == (15, 20)
        data = template_data(catalog, "YJS-CJR")
        del data["materials"]  # ticked by hand below
        ticked = {"id_card": "provided", "household_register": "provided", "photo": "missing",
                  "medical_records": "provided", "disability_certificate": "provided",
                  "low_income_proof": "commitment", "bank_card": "provided"}
        scan = scan_file(tmp_path, "身份证[front].jpg")  # brackets: shown as typed, not as markup

        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await pilot.press("n")
            assert isinstance(app.screen, PickerScreen)
            await pilot.press(*"cjrfw")  # pinyin initials of 残疾人服务(一件事)
            await settle(pilot)
            assert [e.code for e in app.screen.entries][:1] == ["YJS-CJR"]
            assert "残疾人服务一件事  [YJS-CJR] 多部门·一件事" in screen_text(app)
            await pilot.press("enter")
            await settle(pilot)

            # One notice for the whole bundle: every material of either item, each item's time limit.
            assert isinstance(app.screen, TextScreen)
            notice = text_of(app, "#notice-text")
            assert "事项：残疾人服务一件事（YJS-CJR）" in notice
            assert f"包含：{certificate.name}、{subsidies.name}" in notice
            for m in bundle.materials:
                assert m.name in notice, m.code
            assert "近期二寸免冠白底彩色照片" in notice  # the certificate's only
            assert "残疾人证（第二代或第三代）" in notice  # the subsidies' only
            assert f"{certificate.short_name}：承诺时限：15个工作日" in notice
            assert f"{subsidies.short_name}：承诺时限：20个工作日" in notice
            await pilot.press("enter")
            await settle(pilot)

            # One form: the applicant and every field of both items, asked once.
            form = app.screen
            assert text_of(app, "#form-bundle") == t(
                "review.bundle", n=2, names=f"{certificate.name}、{subsidies.name}")
            assert isinstance(form, FormScreen)
            assert (form.entry.code, form.entry.digest) == (bundle.code, bundle.digest)
            await type_into(pilot, "#f-applicant-id_number Input", data["applicant"]["id_number"])
            await fill(pilot, data)
            assert field(form, "disability_category").display  # both items ask; one box
            assert len(form.query("#f-disability_category")) == 1
            assert field(form, "card_delivery").display  # the certificate's
            assert field(form, "bank_account").display  # the subsidies'

            # One set of materials: a row per material of either item, shared ones once.
            assert form.query_one("#m-photo", MaterialRow).display
            assert form.query_one("#m-disability_certificate", MaterialRow).display
            assert not form.query_one("#m-guardian_id_card", MaterialRow).display  # no guardian
            for code, status in ticked.items():
                form.query_one(f"#m-{code}-{status}", RadioButton).value = True
            await attach(pilot, "id_card", scan)
            await settle(pilot)
            listing = form.query_one("#attach-list", OptionList)
            rows = listing.render_lines(Region(0, 0, *listing.size))
            assert f"申请人居民身份证←{scan}" in "".join(r.text for r in rows).replace(" ", "")
            assert form.last_check is not None and form.last_check.clean is not None

            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, ReviewScreen)
            review = text_of(app, "#review-text")
            assert "残疾人服务一件事（YJS-CJR）" in review
            assert t("review.bundle", n=2, names=f"{certificate.name}、{subsidies.name}") in review
            assert f"  申请人居民身份证 ← {scan}" in review.splitlines()  # the material's name
            [draft] = session.drafts()  # kept when review was asked for: one, for the bundle
            assert draft.item_code == "YJS-CJR"
            app.screen.query_one("#auth-in_person", RadioButton).value = True
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)
            title = text_of(app, "#receipt-title")
            receipt = text_of(app, "#receipt-text")

        # One application per item, one bundle, in the items' order.
        stored = sorted(session.list(), key=lambda s: s.id)
        assert [s.item_code for s in stored] == [certificate.code, subsidies.code]
        assert all(s.kind == "service" and s.status == "submitted" for s in stored)
        assert {s.bundle_code for s in stored} == {"YJS-CJR"}
        assert stored[0].bundle_id is not None and stored[0].bundle_id == stored[1].bundle_id
        assert len({s.id for s in stored}) == 2

        # The receipt names every application and is each one's receipt, in turn.
        assert title == t("receipt.title", id="、".join(s.id for s in stored))
        shown = [session.show(s.id) for s in stored]
        assert receipt == "\n".join(
            vouch(session, printing.receipt_document(got, events, catalog.item(got.item_code),
                                                     session.store.info), got, events).text()
            for got, events in shown)
        assert receipt.count("办件编号：") == 2

        # Each with its own promise, from its own item's time limit.
        calendar = session.calendar()
        for (got, events), item, due in zip(shown, bundle.items, ("2026-12-14", "2026-12-21"),
                                            strict=True):
            assert got.due_date == due == calendar.add_working_days(
                TODAY, item.time_limit_days).due.isoformat()
            submitted = next(e.payload for e in events if e.type == "submitted")
            assert submitted["promised_days"] == item.time_limit_days
            assert f"承诺时限：{item.time_limit_days}个工作日" in receipt

        # The same applicant and answers; each item keeps only its own fields and materials.
        typed = {**data, "materials": ticked}
        clean = validate(bundle, typed, today=TODAY, attachments={"id_card"})
        payloads = [next(e.payload for e in events if e.type == "submitted") for _, events in shown]
        created = [next(e.payload for e in events if e.type == "created") for _, events in shown]
        for payload, item in zip(payloads, bundle.items, strict=True):
            assert payload["applicant"] == clean.applicant
            assert payload["applicant"]["name"] == data["applicant"]["name"]
            names = {f.name for f in item.fields}
            assert payload["fields"] == {k: v for k, v in clean.fields.items() if k in names}
            assert [(a["label"], a["size"]) for a in payload["attachments"]] == [("id_card", len(JPEG))]
        assert payloads[0]["fields"]["household_address"] == payloads[1]["fields"]["household_address"]
        assert payloads[0]["fields"]["disability_category"] == data["fields"]["disability_category"]
        assert payloads[1]["fields"]["disability_category"] == data["fields"]["disability_category"]
        assert "card_delivery" in payloads[0]["fields"] and "card_delivery" not in payloads[1]["fields"]
        assert "bank_account" in payloads[1]["fields"] and "bank_account" not in payloads[0]["fields"]
        assert payloads[0]["materials"] == {"id_card": "provided", "household_register": "provided",
                                            "photo": "missing", "medical_records": "provided"}
        assert payloads[1]["materials"] == {"id_card": "provided", "household_register": "provided",
                                            "disability_certificate": "provided",
                                            "low_income_proof": "commitment", "bank_card": "provided"}
        assert payloads[0]["attachments"] == payloads[1]["attachments"]  # one scan, kept once
        assert [c["authorization"] for c in created] == ["in_person", "in_person"]
        assert [c["bundle_code"] for c in created] == ["YJS-CJR", "YJS-CJR"]
        assert session.drafts() == []  # the bundle's draft is gone once submitted


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

