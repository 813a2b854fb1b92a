"""The app, the checks and the printed papers in English (VILLAGE_AGENT_LANG=en), at 80x24.

Chinese is the default and the villager's language; an agent may switch to English.
Then nothing of ours is Chinese: only catalog data (item and material names, the
catalog's field labels), the applicant's name and the village name stay as filed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, RadioButton

from forms.catalog import Catalog
from forms.templates import attachment_names
from storage.store import Session, Store
from tests.app_helpers import (
    SIZE,
    fill,
    log_in,
    open_applications,
    screen_text,
    settle,
    village_app,
)
from tests.conftest import AGENT, TODAY, VILLAGE_NAME, Cli
from tests.helpers import scan, template_data
from village_agent import intake, printing
from village_agent.app.applications import ApplicationsScreen, DetailScreen, short_date
from village_agent.app.casework import DeliverScreen
from village_agent.app.form import FormScreen
from village_agent.app.home import HomeScreen
from village_agent.app.picker import PickerScreen
from village_agent.app.review import TextScreen
from village_agent.app.syncscreen import SyncScreen
from village_agent.i18n import MESSAGES, STATUS_EN

pytestmark = pytest.mark.anyio

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")  # ideographs and full-width marks


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VILLAGE_AGENT_LANG", "en")
    yield


def take_on(session: Session, catalog: Catalog, code: str, day: date) -> str:
    data = template_data(catalog, code, today=day)
    scans = [scan(name) for name in attachment_names(catalog.get(code), data)]
    return intake.take(session, catalog, session.calendar(), code, data, scans,
                       today=day).application_ids[0]


@pytest.fixture
def cases(session: Session, catalog: Catalog) -> list[str]:
    """Late, nearly due and fresh cases, and one completed (to hand over)."""
    ids = [take_on(session, catalog, "MZ-GLJT", date(2026, 10, 9)),
           take_on(session, catalog, "MZ-GLJT", date(2026, 11, 4)),
           take_on(session, catalog, "YB-CXJMCB", TODAY - timedelta(days=3))]
    done = take_on(session, catalog, "MZ-GLJT", date(2026, 10, 12))
    session.add_event(done, "completed", {"result": "已纳入发放名册"})
    return [*ids, done]


def chinese_in(text: str, allowed: Iterable[str]) -> list[str]:
    """The runs of Chinese in `text` once the catalog data and names in `allowed` are taken out."""
    for word in sorted(set(allowed), key=len, reverse=True):
        if word:
            text = text.replace(word, " ")
    return CJK.findall(text)


def catalog_words(catalog: Catalog, code: str) -> list[str]:
    """What the catalog says about an entry: its names, materials, fields, rules and notes."""
    entry = catalog.get(code)
    items = getattr(entry, "items", (entry,))
    words = [entry.name, entry.code, getattr(entry, "description", "")]
    for item in items:
        words += [item.name, item.short_name, item.department, item.eligibility, item.result,
                  item.fee_note, *item.process, *item.legal_basis]
    for m in entry.materials:
        words += [m.name, m.form, m.note]
    for f in entry.fields:
        words += [f.label, f.help, *f.choices, *(s.label for s in f.fields)]
    return words


def english_cells(*keys: str, **values: Any) -> list[str]:
    return [MESSAGES[k]["en"].format(**values) for k in keys]


class TestChecks:
    async def test_a_missing_id_number_is_said_in_english(
        self, english: None, session: Session, catalog: Catalog, home: Path
    ) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await pilot.press("n")
            await settle(pilot)
            picker = app.screen
            assert isinstance(picker, PickerScreen)
            await pilot.press(*"gljt")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, TextScreen)
            await pilot.press("enter")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, FormScreen)
            assert "ID number" in screen_text(app)  # the applicant's labels are ours: English
            data = template_data(catalog, "MZ-GLJT")
            del data["applicant"]["id_number"]
            await fill(pilot, data)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert app.screen is form  # not to review: the form says what is wrong
            shown = screen_text(app)
            assert "Enter the applicant's ID number" in shown
            assert "请填写" not in shown


class TestPrinted:
    def test_notice_and_receipt_in_english_keep_only_catalog_data_in_chinese(
        self, english: None, session: Session, catalog: Catalog, cases: list[str]
    ) -> None:
        info = session.store.info
        allowed = [*catalog_words(catalog, "MZ-GLJT"), VILLAGE_NAME, AGENT, "已纳入发放名册"]
        notice = printing.notice(catalog.get("MZ-GLJT"), info, today=TODAY)
        assert notice.splitlines()[0].strip() == "One-time notice"
        assert "Bring all of these at once" in notice
        assert chinese_in(notice, allowed) == []

        summary, events = session.show(cases[3])
        applicant = next(e.payload["applicant"] for e in events if "applicant" in e.payload)
        receipt = printing.receipt(summary, events, catalog.item("MZ-GLJT"), info)
        assert receipt.splitlines()[0].strip() == "Intake receipt"
        assert f"Status: {STATUS_EN['completed']}" in receipt
        assert "Result: 已纳入发放名册" in receipt
        assert chinese_in(receipt, [*allowed, applicant["name"]]) == []

    def test_in_chinese_by_default(self, session: Session, catalog: Catalog,
                                   cases: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("VILLAGE_AGENT_LANG", raising=False)
        summary, events = session.show(cases[0])
        receipt = printing.receipt(summary, events, catalog.item("MZ-GLJT"), session.store.info)
        assert receipt.splitlines()[0].strip() == "收件回执"
        assert f"服务点：{VILLAGE_NAME}便民服务代办点" in receipt


def whole(shown: str, *words: str) -> list[str]:
    """The words that do not appear whole on the screen (a cut column shows only their start)."""
    return [w for w in words if w not in shown]


class TestAt80x24:
    async def test_home_list_and_sync_show_whole_headers_and_values(
        self, english: None, session: Session, cases: list[str], home: Path
    ) -> None:
        dues = [session.show(i)[0].due_date or "" for i in cases]
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            assert isinstance(app.screen, HomeScreen)
            shown = screen_text(app)
            assert whole(shown, *english_cells("col.id", "col.item", "col.applicant", "col.due",
                                               "col.left"), *cases[:3], *dues[:3]) == []
            # 2026-10-29 was 17 working days ago, 11-20 one; 11-25 is two away
            assert whole(shown, "17 late", "1 late", "2 left", f"{AGENT} (agent)") == []
            assert "working day(s) l" not in shown and "（" not in shown

            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, ApplicationsScreen)
            shown = screen_text(app)
            this_year = [short_date(d, f"{TODAY.year}-") or "" for d in dues]  # 11-20, as listed
            assert whole(shown, *english_cells("col.id", "col.item", "col.applicant", "col.status",
                                               "col.taken", "col.due"), *cases, *this_year) == []
            assert "^q Quit" in shown

            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert isinstance(app.screen, SyncScreen)
            shown = screen_text(app)
            rows = [line for line in shown.splitlines() if any(i in line for i in cases)]
            assert len(rows) == 8 and all(row.rstrip().endswith(" to seal") for row in rows)
            assert whole(shown, *english_cells("col.seq", "col.id", "col.item", "col.event",
                                               "col.size", "col.delivery")) == []
            footer = shown.splitlines()[-1]
            assert whole(footer, "s Sync now", "e To USB", "i From USB", "n Enroll", "esc Back",
                         "^q Quit", "^p Commands") == []
            assert "8 to seal · 0 at county" in shown

    async def test_the_deliver_dialog_reads_whole(
        self, english: None, session: Session, cases: list[str], home: Path
    ) -> None:
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            screen = await open_applications(pilot)
            table = screen.query_one("#list-table", DataTable)
            table.focus()
            table.move_cursor(row=table.get_row_index(cases[3]))
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen)
            await pilot.press("d")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, DeliverScreen)
            shown = screen_text(app)
            labels = [str(b.label) for b in dialog.query(RadioButton)]
            assert labels == english_cells("deliver.how.in_person", "deliver.how.family",
                                           "deliver.how.home_visit")
            assert whole(shown, *labels) == []


class TestCommandLine:
    def test_checks_list_and_show_in_english(self, cli: Cli, store: Store, catalog: Catalog,
                                             tmp_path: Path) -> None:
        english = {"VILLAGE_AGENT_LANG": "en"}
        data = template_data(catalog, "MZ-GLJT", today=date.today())  # the CLI's day is the clock's
        del data["applicant"]["id_number"]
        data_file = tmp_path / "gljt.json"
        data_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        refused = cli("apply", "--item", "MZ-GLJT", "--data", str(data_file), env=english)
        assert refused.code == 1
        assert "[applicant.id_number] Enter the applicant's ID number" in refused.stderr
        as_json = cli("--json", "apply", "--item", "MZ-GLJT", "--data", str(data_file), env=english)
        assert {(i["path"], i["message"]) for i in as_json.json()["issues"]} == {
            ("applicant.id_number", "Enter the applicant's ID number")}
        chinese = cli("apply", "--item", "MZ-GLJT", "--data", str(data_file))
        assert "[applicant.id_number] 请填写申请人身份证号" in chinese.stderr  # the default

        data_file.write_text(json.dumps(template_data(catalog, "MZ-GLJT", today=date.today()),
                                        ensure_ascii=False),
                             encoding="utf-8")
        taken = cli("--json", "apply", "--item", "MZ-GLJT", "--data", str(data_file))
        [application] = taken.json()["applications"]
        allowed = [*catalog_words(catalog, "MZ-GLJT"), data["applicant"]["name"]]
        listed = cli("list", env=english)
        assert listed.code == 0 and "to send" in listed.stdout and "taken in" in listed.stdout
        assert chinese_in(listed.stdout, allowed) == []
        shown = cli("show", application["id"], env=english)
        assert shown.code == 0 and f"Application: {application['id']}" in shown.stdout
        assert "History:" in shown.stdout and "taken in" in shown.stdout
        assert chinese_in(shown.stdout, allowed) == []


class TestCenter:
    def test_the_clerks_command_line_in_english(self, tmp_path: Path) -> None:
        from tests.test_clerks import CLERK, TOWNSHIP_CODE, run

        home = tmp_path / "township"
        made = run("service-center", home, "init", "--level", "township", "--code", TOWNSHIP_CODE,
                   "--name", "兴宁镇便民服务中心", "--operator", CLERK, VILLAGE_AGENT_LANG="en")
        assert made.code == 0, made.text
        code = run("service-center", home, "enroll-code", "--village-code", "430481101201",
                   VILLAGE_AGENT_LANG="en")
        assert code.code == 0 and "One-time enrollment code for village 430481101201" in code.text
        for command, said in (("devices", "No enrolled devices"), ("alarms", "No alarms"),
                              ("applications", MESSAGES["list.empty"]["en"])):
            ran = run("service-center", home, command, VILLAGE_AGENT_LANG="en")
            assert ran.code == 0 and ran.text.strip() == said, ran.text
            assert chinese_in(ran.text, []) == []
        chinese = run("service-center", home, "alarms")
        assert chinese.text.strip() == "无告警"  # the default


class TestSwitchInTheApp:
    async def test_the_agent_switches_to_english_and_the_next_start_speaks_it(
        self, store: Store, home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from village_agent.i18n import PREFERENCE_FILE, language, use_preference

        monkeypatch.setenv("VILLAGE_AGENT_LANG", "zh")  # restored after the test, whatever the app sets
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            assert MESSAGES["home.applications"]["zh"] in screen_text(app)
            await pilot.press("ctrl+p", *"English", "enter")  # the palette: 切换为英文
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen) and app.session is not None  # still in
            shown = screen_text(app)
            assert language() == "en"
            assert MESSAGES["home.applications"]["en"] in shown  # the footer, built again
            assert MESSAGES["app.quit"]["en"] in shown  # the app's own key too
            assert MESSAGES["home.applications"]["zh"] not in shown

            await pilot.press("ctrl+p", *"中文", "enter")  # and back
            await settle(pilot)
            assert language() == "zh"
            assert MESSAGES["home.applications"]["zh"] in screen_text(app)
            await pilot.press("ctrl+p", *"English", "enter")
            await settle(pilot)
        assert (home / PREFERENCE_FILE).read_text(encoding="utf-8").strip() == "en"

        monkeypatch.delenv("VILLAGE_AGENT_LANG")  # the next start, nothing set: the choice holds
        use_preference(home)
        assert language() == "en"
        listed = cli("list", env={"VILLAGE_AGENT_LANG": ""})  # the command line reads it too
        assert listed.code == 0 and listed.stdout.strip() == MESSAGES["list.empty"]["en"]
        chosen = cli("list", env={"VILLAGE_AGENT_LANG": "zh"})  # set for one run: it wins
        assert chosen.stdout.strip() == MESSAGES["list.empty"]["zh"]
