"""The 台账 (XLSX, CSV) and the monthly 通报 (PDF) of a real township store, read back and checked.

October 2026's facts are filed through `supervision.file_facts` (the counters the figures
page reads), two real cases come up from a village by HTTP sync and the clerk sends both back
for correction (the center's own events, counted in the bulletin). Then the files are written
by the real `service-center` command and downloaded from the console on loopback, and read
back: the workbook with openpyxl, the CSV with csv, the PDF's text and fonts with pypdf.
Bad input (a month that is none, a folder that is missing) is said in Chinese and writes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from center import supervision
from center.bulletin import bulletin_document, bulletin_of, bulletin_pdf
from center.enroll import issue_code
from center.ingest import decide
from center.ledger import check_period, csv_bytes, ledger_of, xlsx_bytes
from forms.catalog import load_catalog
from forms.templates import template
from storage import windows
from storage.crypto import TEST_KDF
from storage.errors import InvalidRequest
from storage.store import Session, Store
from sync.client import enroll_online, sync_once
from sync.i18n import t_in
from sync.node import Node
from tests.conftest import AGENT, PIN
from tests.sync_helpers import CLERK, TOWNSHIP_CODE, make_center, serving
from tests.test_center_show import center_cli
from tests.test_console import log_in
from village_agent import intake

CATALOG = load_catalog()
V1, V2 = f"{TOWNSHIP_CODE}201", f"{TOWNSHIP_CODE}202"
MONTH = "2026-10"
RED_CASE = "XN2026102600004"
CORRECTED_ON = date(2026, 10, 20)


def facts(app_id: str, item: str, window: str, village: str, *, instant: bool, received: str,
          due: str, yellow: str, red: str, finished: str | None, late: bool,
          rating: int | None = None, rated: str | None = None, closed: bool = False,
          ) -> dict[str, Any]:
    return {"application_id": app_id, "township": TOWNSHIP_CODE, "village_code": village,
            "item_code": item, "window_code": window, "clerk": CLERK,
            "agent": f"{village}/{AGENT}", "instant": instant,
            "status": "completed" if finished else "accepted", "received_on": received,
            "due_on": due, "yellow_from": yellow, "red_from": red, "finished_on": finished,
            "late": late, "rating": rating, "rated_on": rated, "followup_closed": closed}


# 户口迁移 (GA-CSDJ, 承诺件) at window W1 from V1: 4 received, 3 finished (2 on time, 1 late),
# ratings 非常满意 / 非常不满意 (followed up, closed) / 不满意 (open), one case still open, red.
# 老年人优待证 (LL-LNRYDZ, taken here as 即办件) at window W2 from V2: 2 finished, 1 late.
OCTOBER = [
    facts("XN2026100900001", "GA-CSDJ", "W1", V1, instant=False, received="2026-10-09",
          due="2026-10-16", yellow="2026-10-15", red="2026-10-17", finished="2026-10-15",
          late=False, rating=1, rated="2026-10-16"),
    facts("XN2026100900002", "GA-CSDJ", "W1", V1, instant=False, received="2026-10-09",
          due="2026-10-16", yellow="2026-10-15", red="2026-10-17", finished="2026-10-20",
          late=True, rating=5, rated="2026-10-21", closed=True),
    facts("XN2026101200003", "GA-CSDJ", "W1", V1, instant=False, received="2026-10-12",
          due="2026-10-19", yellow="2026-10-16", red="2026-10-20", finished="2026-10-19",
          late=False, rating=4, rated="2026-10-20"),
    facts(RED_CASE, "GA-CSDJ", "W1", V1, instant=False, received="2026-10-26",
          due="2026-10-29", yellow="2026-10-27", red="2026-10-30", finished=None, late=False),
    facts("XN2026101000005", "LL-LNRYDZ", "W2", V2, instant=True, received="2026-10-10",
          due="2026-10-10", yellow="2026-10-10", red="2026-10-11", finished="2026-10-10",
          late=False, rating=2, rated="2026-10-11"),
    facts("XN2026101000006", "LL-LNRYDZ", "W2", V2, instant=True, received="2026-10-10",
          due="2026-10-10", yellow="2026-10-10", red="2026-10-11", finished="2026-10-13",
          late=True, rating=3, rated="2026-10-14"),
]


@dataclass
class Center:
    session: Session
    node: Node
    url: str
    home: Path
    corrected: list[str]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ledger_backend(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """`center_backend` for this module's one township, which is built once per backend."""
    if request.param == "sqlite":
        yield None
        return
    server = request.getfixturevalue("pg_server")
    url = server.new_database(request.getfixturevalue("pg_template"))
    yield url
    server.drop(url)


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory, ledger_backend: str | None) -> Iterator[Center]:
    root = tmp_path_factory.mktemp("ledger")
    session = make_center(root / "township", database=ledger_backend)
    for code, name, department in (("W1", "户籍窗口", "公安"), ("W2", "老龄窗口", "老龄")):
        windows.save_window(session.store.database, session.keys, code, name, [department],
                            by=CLERK)
    with session.store.database.write() as db:
        for row in OCTOBER:
            assert supervision.file_facts(db, row)
    node = Node.of(session)
    village = Store.create(root / "village", village_code=V1, village_name="石门村",
                           operator_name=AGENT, pin=PIN, kdf=TEST_KDF)
    agent = village.login(AGENT, PIN)
    with serving(node) as url:
        enroll_online(agent, url, issue_code(node, V1))
        corrected = []
        with time_machine.travel(CORRECTED_ON, tick=False):
            for _ in range(2):
                data = template(CATALOG.get("MZ-GLJT"), village_code=V1, today=CORRECTED_ON)
                corrected += intake.take(agent, CATALOG, agent.calendar(), "MZ-GLJT", data,
                                         today=CORRECTED_ON).application_ids
            assert sync_once(village, session=agent).ok
            for app_id in corrected:
                decide(node, app_id, "correction_requested", {"reasons": ["户口簿照片不清晰"]})
        yield Center(session, node, url, root / "township", corrected)
    village.close()
    session.store.close()


def col(name: str) -> str:
    return t_in("zh", f"ledger.col.{name}")


def squash(text: str) -> str:
    """PDF text without whitespace or pypdf's NULs (see tests/test_printing_pdf.py)."""
    return "".join(text.replace("\x00", "").split())


def pdf_text(data: bytes) -> str:
    return "".join(squash(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> list[tuple[str, list[str]]]:
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font: Any = ref.get_object()
            descendant: Any = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            found.append((str(font["/BaseFont"]),
                          [k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor]))
    return found


def sheet_rows(ws: Any) -> dict[str, list[Any]]:
    """A sheet's lines by their first cell (the code, or 合计)."""
    return {str(r[0].value): [c.value for c in r] for r in ws.iter_rows(min_row=2)}


# ------------------------------------------------------------------------ ledger --

def test_the_xlsx_ledger_has_each_items_counts_and_rates_in_three_sheets(
    center: Center, tmp_path: Path
) -> None:
    out = tmp_path / "台账.xlsx"
    ran = center_cli(center.home, "ledger", "--month", MONTH, "--out", str(out))
    assert ran.code == 0, ran.stderr
    assert str(out) in ran.stdout

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [t_in("zh", f"ledger.sheet.{s}") for s in ("item", "village", "window")]
    ws = book.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == [col("item_code"), col("item_name"), col("received"), col("done"),
                      col("ontime_instant"), col("ontime_promised"), col("late"), col("rated"),
                      col("satisfaction"), col("bad"), col("rectify"), col("complaints")]
    assert all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2"
    rows = sheet_rows(ws)
    ga = rows["GA-CSDJ"]
    assert ga[1] == CATALOG.get("GA-CSDJ").name
    assert ga[2:4] == [4, 3]                        # received, finished
    assert ga[4] is None                            # no 即办件: no rate, not 0%
    assert ga[5] == pytest.approx(2 / 3)            # 承诺件按期办结率
    assert ga[6:8] == [1, 3]                        # overdue, ratings
    assert ga[8] == pytest.approx(1 / 3)            # 满意度: one of three
    assert ga[9] == 2 and ga[10] == pytest.approx(0.5) and ga[11] == 0
    assert ws.cell(row=2 + list(rows).index("GA-CSDJ"), column=6).number_format == "0.0%"
    ll = rows["LL-LNRYDZ"]
    assert ll[2:8] == [2, 2, pytest.approx(0.5), None, 1, 2] and ll[8] == pytest.approx(1.0)
    assert rows["MZ-GLJT"][2] == 2                  # the two real cases, received in October
    total = rows[t_in("zh", "ledger.total_row")]
    items = [v for k, v in rows.items() if k != t_in("zh", "ledger.total_row")]
    for c in (2, 3, 6, 7, 9, 11):                   # the total is the sum of the items
        assert total[c] == sum(r[c] for r in items), header[c]
    assert all(c.font.b for c in ws[ws.max_row])

    villages = sheet_rows(book.worksheets[1])
    assert villages[V1][1] == 6 and villages[V2][1] == 2
    by_window = sheet_rows(book.worksheets[2])
    assert by_window["W1"][1] == "户籍窗口" and by_window["W1"][2] == 4
    assert by_window["W2"][1:4] == ["老龄窗口", 2, 2]
    # Wide enough for Chinese: the item name column is wider than its code column.
    widths = book.worksheets[0].column_dimensions
    assert (widths["B"].width or 0) > (widths["A"].width or 0) >= 8
    assert not [p for p in tmp_path.iterdir() if p != out]  # no temporary file left


def test_the_csv_ledger_opens_in_excel_with_chinese_and_reads_back_the_same_figures(
    center: Center, tmp_path: Path
) -> None:
    out = tmp_path / "ledger.csv"
    ran = center_cli(center.home, "ledger", "--month", MONTH, "--out", str(out), "--by", "window")
    assert ran.code == 0, ran.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0][:3] == [col("window_code"), col("window_name"), col("received")]
    w1 = next(line for line in lines if line[0] == "W1")
    assert w1[1:4] == ["户籍窗口", "4", "3"] and w1[5] == "66.7%" and w1[4] == ""
    assert lines[-1][0] == t_in("zh", "ledger.total_row")


def test_the_english_ledger_says_its_headers_in_english(center: Center) -> None:
    book = ledger_of(center.session.store, MONTH)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(book, "en"))).worksheets[0]
    assert sheet.title == "By item" and sheet["C1"].value == "Received"
    assert csv_bytes(book, "en").decode("utf-8-sig").startswith("Item code,Item,Received")


@pytest.mark.parametrize("month", ["2026-13", "十月", "2026-1x", ""])
def test_a_bad_month_is_said_in_chinese_and_writes_nothing(
    center: Center, tmp_path: Path, month: str
) -> None:
    out = tmp_path / "台账.xlsx"
    ran = center_cli(center.home, "ledger", "--month", month, "--out", str(out))
    assert ran.code != 0
    assert "统计期" in ran.stderr and "2026-10" in ran.stderr and "Traceback" not in ran.stderr
    assert not list(tmp_path.iterdir())


def test_a_missing_folder_or_an_unknown_format_is_refused_and_nothing_is_written(
    center: Center, tmp_path: Path
) -> None:
    missing = tmp_path / "U盘" / "台账.xlsx"
    ran = center_cli(center.home, "ledger", "--month", MONTH, "--out", str(missing))
    assert ran.code != 0 and "文件夹不存在" in ran.stderr and "Traceback" not in ran.stderr
    ran = center_cli(center.home, "ledger", "--month", MONTH, "--out", str(tmp_path / "台账.ods"))
    assert ran.code != 0 and "xlsx" in ran.stderr and "未生成任何文件" in ran.stderr
    ran = center_cli(center.home, "bulletin", "--month", MONTH, "--out", str(missing))
    assert ran.code != 0 and "文件夹不存在" in ran.stderr
    assert not list(tmp_path.iterdir())


def test_an_existing_file_is_kept_unless_forced(center: Center, tmp_path: Path) -> None:
    out = tmp_path / "台账.csv"
    out.write_bytes(b"old")
    ran = center_cli(center.home, "ledger", "--month", MONTH, "--out", str(out))
    assert ran.code != 0 and "已存在" in ran.stderr and out.read_bytes() == b"old"
    ran = center_cli(center.home, "ledger", "--month", MONTH, "--out", str(out), "--force")
    assert ran.code == 0, ran.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_a_period_is_a_month_or_a_quarter_or_refused(text: str) -> None:
    try:
        months = check_period(text)
    except InvalidRequest as exc:
        assert "统计期" in str(getattr(exc, "zh", "")), exc
        return
    assert months and all(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m) for m in months)
    assert len(months) in (1, 3)


@given(st.integers(2000, 9999), st.integers(1, 12))
def test_every_real_month_is_accepted_as_written(year: int, month: int) -> None:
    assert check_period(f"{year}-{month:02d}") == [f"{year}-{month:02d}"]
    assert check_period(f"{year}{month:02d}") == [f"{year}-{month:02d}"]


# ---------------------------------------------------------------------- bulletin --

def test_the_bulletin_pdf_names_the_month_its_rates_red_cases_and_corrections(
    center: Center, tmp_path: Path
) -> None:
    out = tmp_path / "通报.pdf"
    ran = center_cli(center.home, "bulletin", "--month", MONTH, "--out", str(out))
    assert ran.code == 0, ran.stderr
    data = out.read_bytes()
    text = pdf_text(data)
    assert center.session.store.info.village_name in text
    assert squash(t_in("zh", "bulletin.title", year="2026", month=10)) in text
    assert RED_CASE in text                                   # the red case, by number
    assert "承诺件按期办结率：66.7%（2/3）" in text
    assert "即办件按期办结率：50.0%（1/2）" in text
    assert "差评整改率：50.0%" in text
    assert "满意度：60.0%" in text                             # 3 of 5 ratings
    # W1 (2/3 on time) is the better window, W2 (1/2) the one to improve.
    best, worst = text.index(squash(t_in("zh", "bulletin.best"))), text.index(
        squash(t_in("zh", "bulletin.worst")))
    assert best < text.index("户籍窗口（W1）") < worst < text.index("老龄窗口（W2）")
    assert squash(t_in("zh", "bulletin.correction_line", name=CATALOG.get("MZ-GLJT").name,
                       code="MZ-GLJT", n=2)) in text
    fonts = embedded_fonts(data)
    assert fonts and all(files for _, files in fonts), fonts  # embedded, not just named
    assert all(re.match(r"/[A-Z]{6}\+", name) for name, _ in fonts)  # a CJK subset


def test_the_bulletin_counts_the_months_cards_from_the_card_history(center: Center) -> None:
    b = bulletin_of(center.session.store, MONTH, today=date(2026, 12, 7))
    assert b.cards.get("red") == 1 and b.cards.get("yellow") == 1  # the open case: yellow, then red
    assert [r.number for r in b.red_cases] == [RED_CASE]
    assert b.still_open == 1  # red at the month's end
    assert b.corrections == (("MZ-GLJT", 2),)
    english = bulletin_document(b, "en")
    assert english.title == "Supervision bulletin, 2026-10"
    assert RED_CASE in pdf_text(bulletin_pdf(b, "en"))


def test_a_quarter_or_a_bad_month_is_not_a_bulletin(center: Center, tmp_path: Path) -> None:
    for month in ("2026-Q4", "2026-00"):
        ran = center_cli(center.home, "bulletin", "--month", month, "--out",
                         str(tmp_path / "通报.pdf"))
        assert ran.code != 0 and "统计期" in ran.stderr and "Traceback" not in ran.stderr
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------- console --

def test_a_clerk_downloads_the_ledger_and_the_bulletin_from_the_console(center: Center) -> None:
    with log_in(center.url) as client:
        page = client.get("/console/figures", params={"period": MONTH})
        links = dict(re.findall(r'<a href="([^"]+)" id="(ledger-xlsx|ledger-csv|bulletin-pdf)"',
                                page.text))
        assert sorted(links.values()) == ["bulletin-pdf", "ledger-csv", "ledger-xlsx"], page.text
        for href in links:
            assert client.get(href.replace("&amp;", "&")).status_code == 200, href
        got = client.get("/console/ledger", params={"month": MONTH, "format": "xlsx"})
        assert got.status_code == 200
        assert got.headers["cache-control"] == "no-store"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert "filename*=UTF-8''" in got.headers["content-disposition"]
        rows = sheet_rows(openpyxl.load_workbook(io.BytesIO(got.content)).worksheets[0])
        assert rows["GA-CSDJ"][2:4] == [4, 3]

        got = client.get("/console/ledger", params={"month": MONTH, "format": "csv", "by": "village"})
        assert got.status_code == 200 and got.content.startswith(b"\xef\xbb\xbf")
        assert V2 in got.content.decode("utf-8-sig")

        got = client.get("/console/bulletin", params={"month": MONTH})
        assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert RED_CASE in pdf_text(got.content)

        for path, params in (("/console/ledger", {"month": "2026-13"}),
                             ("/console/ledger", {"month": MONTH, "format": "ods"}),
                             ("/console/bulletin", {"month": "下个月"})):
            got = client.get(path, params=params)
            assert got.status_code == 400 and "未生成任何文件" in got.text, path
    with httpx.Client(base_url=center.url, follow_redirects=False) as anonymous:
        got = anonymous.get("/console/ledger", params={"month": MONTH})
        assert got.status_code == 303 and "/console/login" in got.headers["location"]
        assert "Content-Disposition" not in got.headers
