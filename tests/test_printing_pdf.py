"""Notices and receipts as A4 PDF: read back with pypdf, the font embedded, paged, refused cleanly.

The font is the machine's own, found as the app finds it: in CI that is the one
install.sh installed (fonts-noto-cjk), which one test checks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from forms.catalog import Catalog
from storage.store import Session, Store, StoreInfo
from tests.app_helpers import SIZE, log_in, screen_text, settle, village_app
from tests.conftest import ROOT, TODAY, VILLAGE_CODE, VILLAGE_NAME, Cli
from tests.helpers import template_data
from village_agent import intake, pdf, printing
from village_agent.app.form import FormScreen
from village_agent.app.printout import PrintoutScreen
from village_agent.app.review import TextScreen
from village_agent.fonts import (
    ENV_VAR,
    CjkFont,
    FontNotFound,
    chinese_face,
    find_cjk_font,
    fontconfig_font,
)
from village_agent.i18n import t

SIZE_LIMIT = 100_000  # bytes: a one-page notice with its font subset (measured ~55 KB)
INFO = StoreInfo(VILLAGE_CODE, VILLAGE_NAME, "", "")


def squash(text: str) -> str:
    """Text without whitespace, as PDF extraction spaces Chinese and joins wrapped lines its own way.

    pypdf also reads fpdf2's two-byte code-to-CID CMap one byte at a time and puts a NUL
    before every character; poppler and Ghostscript (what CUPS prints with) read the same
    file cleanly, so the NULs are dropped here.
    """
    return "".join(text.replace("\x00", "").split())


def pages_text(path: Path) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(path).pages]


def fonts_of(path: Path) -> list[dict[str, Any]]:
    """Every font the pages use: its name and which font files its descriptor embeds."""
    found = []
    for page in PdfReader(path).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            found.append({
                "name": str(font["/BaseFont"]),
                "files": [k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor],
            })
    return found


def content_lines(doc: printing.Document) -> list[str]:
    """The plain text's lines that carry words (the rules are drawn, not written, in the PDF)."""
    return [squash(line.plain()) for line in doc.lines
            if line.kind not in ("rule", "heavy_rule") and line.text.strip()]


@pytest.fixture(scope="module")
def font() -> CjkFont:
    return find_cjk_font()


@pytest.fixture
def receipt_doc(session: Session, catalog: Catalog) -> tuple[printing.Document, dict[str, Any]]:
    data = template_data(catalog, "MZ-GLJT")
    [app_id] = intake.take(session, catalog, session.calendar(), "MZ-GLJT", data,
                           today=TODAY).application_ids
    summary, events = session.show(app_id)
    return printing.receipt_document(summary, events, catalog.item("MZ-GLJT"), session.store.info), data


class TestPdfContent:
    @pytest.mark.parametrize("code", ["MZ-GLJT", "YJS-CS"])  # an item, a bundle (一件事)
    def test_notice_pdf_says_what_the_text_says_with_the_font_embedded(
        self, code: str, catalog: Catalog, font: CjkFont, tmp_path: Path
    ) -> None:
        entry = catalog.get(code)
        doc = printing.notice_document(entry, INFO, today=TODAY)
        target = tmp_path / "notice.pdf"

        assert pdf.write_pdf([doc], target, font=font) == target

        text = "".join(pages_text(target))
        assert "一次性告知书" in text and squash(entry.name) in text
        for material in entry.materials:
            assert squash(material.name) in text, material.name
        for line in content_lines(doc):  # the very same lines as the plain text, nothing lost
            assert line in text, line
        fonts = fonts_of(target)
        assert fonts and all(f["files"] for f in fonts), fonts  # embedded, not just named
        assert all(re.match(r"/[A-Z]{6}\+", f["name"]) for f in fonts), fonts  # as a subset
        assert target.stat().st_size < SIZE_LIMIT
        assert not [p for p in tmp_path.iterdir() if p != target]  # no temporary file left

    def test_receipt_pdf_has_number_item_materials_and_no_full_id_number(
        self, receipt_doc: tuple[printing.Document, dict[str, Any]], catalog: Catalog,
        font: CjkFont, tmp_path: Path,
    ) -> None:
        doc, data = receipt_doc
        target = tmp_path / "receipt.pdf"
        pdf.write_pdf([doc], target, font=font)

        text = "".join(pages_text(target))
        assert "收件回执" in text and doc.reference in text
        assert squash(catalog.item("MZ-GLJT").name) in text
        names = {m.code: m.name for m in catalog.item("MZ-GLJT").materials}
        assert data["materials"]
        for code in data["materials"]:
            assert squash(names[code]) in text
        for line in content_lines(doc):
            assert line in text, line
        id_number = data["applicant"]["id_number"]
        assert id_number not in text and id_number[6:14] not in text  # receipts leave the office
        assert printing.mask_id(id_number) in text
        assert target.stat().st_size < SIZE_LIMIT

    def test_long_notice_runs_onto_more_pages_numbered_and_within_the_margins(
        self, catalog: Catalog, font: CjkFont, tmp_path: Path
    ) -> None:
        doc = printing.notice_document(catalog.get("YJS-CS"), INFO, today=TODAY)
        long = replace(doc, lines=doc.lines + doc.lines[2:] * 2)
        target = tmp_path / "long.pdf"
        pdf.write_pdf([long], target, font=font)

        pages = pages_text(target)
        assert len(pages) >= 2
        for n, page in enumerate(pages, 1):
            assert squash(t("pdf.page", page=n, pages=len(pages))) in page
            assert VILLAGE_NAME in page  # the service point heads every page
        whole = "".join(pages)
        for line in content_lines(long):
            assert line in whole, line

        with pdf.measurer(font) as measure:
            laid_out = pdf.layout([long], measure)
            runs = [p for page in laid_out for p in page.pieces if isinstance(p, pdf.Run)]
            widths = [measure(run.text, run.style) for run in runs]
        assert len(laid_out) == len(pages)
        for run, width in zip(runs, widths, strict=True):
            assert width <= run.width + 0.01, run.text
            assert run.x + run.width <= pdf.PAGE_WIDTH - pdf.MARGIN + 0.01
            assert run.y + run.height <= pdf.BODY_BOTTOM + 0.01
        wrapped = [r.text for r in runs if r.text.startswith("说明：")]
        assert wrapped and all(len(w) < len("说明：" + catalog.get("YJS-CS").description)
                               for w in wrapped)  # the description did not fit on one line


class TestLineBreaking:
    def test_chinese_breaks_anywhere_but_never_before_closing_or_after_opening_marks(self) -> None:
        text = "请一次备齐以下材料（原件核验后退还）：身份证、户口簿。"
        for width in range(3, 12):
            lines = pdf.wrap(text, width, len)
            assert "".join(lines) == text
            assert all(len(line) <= width for line in lines), (width, lines)
            assert not any(line[0] in pdf.NO_LINE_START for line in lines[1:]), lines
            assert not any(line[-1] in pdf.NO_LINE_END for line in lines), lines

    def test_latin_words_and_numbers_stay_whole_and_spaces_at_breaks_go(self) -> None:
        lines = pdf.wrap("事项：高龄津贴 MZ-GLJT 预计 2026-12-14 前", 12, len)
        assert "MZ-GLJT" in " ".join(lines) and "2026-12-14" in " ".join(lines)
        assert all(not line.startswith(" ") and not line.endswith(" ") for line in lines)
        assert all(len(line) <= 12 for line in lines)

    def test_a_word_wider_than_the_line_is_cut_rather_than_overflowing(self) -> None:
        lines = pdf.wrap("编号：4304811012012026112300001", 10, len)
        assert "".join(lines) == "编号：4304811012012026112300001"
        assert all(len(line) <= 10 for line in lines)


class TestRefusals:
    def test_font_variable_naming_a_missing_file_says_so_in_chinese_and_writes_nothing(
        self, catalog: Catalog, tmp_path: Path
    ) -> None:
        doc = printing.notice_document(catalog.get("MZ-GLJT"), INFO, today=TODAY)
        missing = tmp_path / "没有这个字体.ttc"
        target = tmp_path / "notice.pdf"

        with pytest.raises(FontNotFound) as raised:
            pdf.write_pdf([doc], target, find_font=lambda: find_cjk_font(
                {ENV_VAR: str(missing)}, system=lambda: None))

        assert ENV_VAR in raised.value.zh and str(missing) in raised.value.zh
        assert "install.sh" in raised.value.zh
        assert list(tmp_path.iterdir()) == []

    def test_no_font_anywhere_says_to_run_install_sh_and_writes_nothing(
        self, catalog: Catalog, tmp_path: Path
    ) -> None:
        doc = printing.notice_document(catalog.get("MZ-GLJT"), INFO, today=TODAY)
        target = tmp_path / "notice.pdf"

        with pytest.raises(FontNotFound) as raised:
            pdf.write_pdf([doc], target, find_font=lambda: find_cjk_font({}, system=lambda: None))

        assert raised.value.zh == t("pdf.no_font")
        assert "找不到中文字体" in raised.value.zh and "./install.sh" in raised.value.zh
        assert list(tmp_path.iterdir()) == []
        assert printing.notice(catalog.get("MZ-GLJT"), INFO, today=TODAY)  # the text still is

    def test_a_folder_that_does_not_exist_is_refused_before_any_rendering(
        self, catalog: Catalog, tmp_path: Path
    ) -> None:
        doc = printing.notice_document(catalog.get("MZ-GLJT"), INFO, today=TODAY)

        def never() -> CjkFont:
            raise AssertionError("the font is looked for only once the target is known good")

        with pytest.raises(pdf.PdfOutputError) as raised:
            pdf.write_pdf([doc], tmp_path / "U盘" / "notice.pdf", find_font=never)
        assert raised.value.zh == t("pdf.no_folder", folder=tmp_path / "U盘")
        with pytest.raises(pdf.PdfOutputError) as raised:
            pdf.write_pdf([doc], tmp_path, find_font=never)
        assert "是一个文件夹" in raised.value.zh
        assert list(tmp_path.iterdir()) == []

    def test_fontconfig_answering_with_a_latin_font_is_no_chinese_font(self) -> None:
        dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf\t0\tTrueType\t80\taa|af|en|fr"
        assert fontconfig_font(run=lambda args: dejavu) is None
        assert fontconfig_font(run=lambda args: None) is None


class TestInstalledFont:
    def test_the_font_found_is_the_one_install_sh_installs(self, font: CjkFont) -> None:
        package = re.search(r"^FONT_PKG=(\S+)$", (ROOT / "install.sh").read_text(), re.M)
        assert package is not None
        if shutil.which("dpkg-query") is None:
            pytest.skip("not a Debian system: install.sh installs no font package here")
        for face in (font.regular, font.bold):
            assert face is not None  # the package has a bold: titles use it
            owner = subprocess.run(["dpkg-query", "-S", str(face.path)], capture_output=True,
                                   text=True, check=False).stdout
            assert owner.split(":")[0] == package.group(1), (face, owner)
            # Our own choice of face in the collection agrees with fontconfig's (Simplified).
            assert chinese_face(face.path) == face.index


class TestCommandLine:
    def test_notice_pdf_is_written_and_json_reports_the_path(
        self, cli: Cli, store: Store, catalog: Catalog, tmp_path: Path
    ) -> None:
        target = tmp_path / "告知书.pdf"
        result = cli("notice", "MZ-GLJT", "--pdf", str(target), "--json")

        assert result.code == 0, result.stderr
        report = result.json()
        assert report["pdf"] == str(target) and report["code"] == "MZ-GLJT"
        text = "".join(pages_text(target))
        assert "一次性告知书" in text and squash(catalog.get("MZ-GLJT").name) in text

    def test_receipt_pdf_is_written_and_said_in_chinese(
        self, cli: Cli, session: Session, catalog: Catalog, tmp_path: Path
    ) -> None:
        [app_id] = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                               template_data(catalog, "MZ-GLJT"), today=TODAY).application_ids
        target = tmp_path / "receipt.pdf"
        result = cli("receipt", app_id, "--pdf", str(target))

        assert result.code == 0, result.stderr
        assert result.stdout.strip() == t("pdf.saved", path=target)
        assert app_id in "".join(pages_text(target))

    def test_pdf_into_a_missing_folder_is_refused_in_chinese(self, cli: Cli, store: Store,
                                                            tmp_path: Path) -> None:
        result = cli("notice", "MZ-GLJT", "--pdf", str(tmp_path / "nope" / "x.pdf"))

        assert result.code == 1
        assert "文件夹不存在" in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "nope").exists()

    def test_print_goes_to_lp_when_there_is_one(
        self, cli: Cli, store: Store, font: CjkFont, tmp_path: Path
    ) -> None:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        lp = bin_dir / "lp"  # stands in for CUPS: records what it was asked to print
        lp.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "${0%/*}/lp-args"\necho "request id is P-1"\n')
        lp.chmod(0o755)
        target = tmp_path / "notice.pdf"
        env = {"PATH": str(bin_dir), ENV_VAR: f"{font.regular.path}#{font.regular.index}"}

        result = cli("notice", "MZ-GLJT", "--pdf", str(target), "--print", "--json", env=env)

        assert result.code == 0, result.stdout + result.stderr
        assert result.json()["printed"] is True
        assert (bin_dir / "lp-args").read_text().split() == [str(target.resolve())]
        assert target.read_bytes().startswith(b"%PDF-")

    def test_print_without_a_printer_says_so_and_where_the_pdf_is(
        self, cli: Cli, store: Store, font: CjkFont, tmp_path: Path
    ) -> None:
        target = tmp_path / "notice.pdf"
        env = {"PATH": str(tmp_path), ENV_VAR: f"{font.regular.path}#{font.regular.index}"}

        result = cli("notice", "MZ-GLJT", "--pdf", str(target), "--print", env=env)

        assert result.code == 1
        assert t("pdf.no_printer", path=target) in result.stdout
        assert "没有配置打印机" in result.stdout and str(target) in result.stdout
        assert target.read_bytes().startswith(b"%PDF-")


def taken_in(session: Session, catalog: Catalog) -> str:
    return intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                       template_data(catalog, "MZ-GLJT"), today=TODAY).application_ids[0]


async def open_receipt(pilot: Any, app_id: str) -> None:
    """Log in, open the case, r: its intake receipt on screen, ready to print."""
    await pilot.pause()
    await log_in(pilot)
    pilot.app.open_application(app_id)
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PrintoutScreen)


@pytest.mark.anyio
class TestApp:
    async def test_agent_prints_a_receipt_from_the_detail_screen_into_the_export_folder(
        self, session: Session, catalog: Catalog, home: Path, tmp_path: Path, font: CjkFont,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("PATH", str(tmp_path / "no-printer"))  # no lp (nor fc-match) here
        monkeypatch.setenv(ENV_VAR, f"{font.regular.path}#{font.regular.index}")
        app_id, out = taken_in(session, catalog), tmp_path / "out"
        out.mkdir()

        app = village_app(home, export_dir=out)
        async with app.run_test(size=SIZE) as pilot:
            await open_receipt(pilot, app_id)
            assert t("pdf.print") in screen_text(app)  # the key is shown in the footer
            await pilot.press("p")
            await settle(pilot)
            saved = out / f"{t('pdf.stem.receipt')}-{app_id}-{TODAY.isoformat()}.pdf"
            assert [n.message for n in app._notifications][-1] == t("pdf.saved", path=saved)
            assert isinstance(app.screen, PrintoutScreen)  # still there, still usable

        assert sorted(out.iterdir()) == [saved]
        text = "".join(pages_text(saved))
        assert app_id in text and "收件回执" in text

    async def test_unwritable_export_folder_is_said_in_a_modal_and_the_app_goes_on(
        self, session: Session, catalog: Catalog, home: Path, tmp_path: Path
    ) -> None:
        app = village_app(home, export_dir=tmp_path / "U盘未插")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await pilot.press("n")
            await pilot.press(*"gljt")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, PrintoutScreen)  # the one-time notice
            await pilot.press("p")
            await settle(pilot)
            assert not isinstance(app.screen, TextScreen)  # the error, in a modal
            body = " ".join(str(s.content) for s in app.screen.query("Static"))
            assert t("pdf.no_folder", folder=tmp_path / "U盘未插") in body
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, PrintoutScreen)
            await pilot.press("enter")  # 已告知，开始填表: the notice goes on to the form
            await settle(pilot)
            assert isinstance(app.screen, FormScreen)
        assert not (tmp_path / "U盘未插").exists()


def fake_command(folder: Path, name: str, body: str) -> None:
    """A stand-in for a system program (lp, xdg-open): a real executable on the PATH the app sees."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f"#!/bin/sh\nPATH=/usr/bin:/bin\n{body}\n", encoding="utf-8")
    script.chmod(0o755)


def read_fifo(fifo: Path, timeout: float = 60.0) -> str:
    """What a process writes into `fifo`, waiting for the write itself (not a fixed time)."""
    import os
    import select

    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        got = b""
        while not got.endswith(b"\n"):
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, f"nothing was written to {fifo} within {timeout} s"
            got += os.read(fd, 4096)
        return got.decode().strip()
    finally:
        os.close(fd)


@pytest.mark.anyio
class TestAppHandsThePdfOn:
    async def test_the_one_time_notice_goes_to_the_default_printer(
        self, session: Session, home: Path, tmp_path: Path, font: CjkFont,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        bin_dir, printed = tmp_path / "bin", tmp_path / "printed.pdf"
        fake_command(bin_dir, "lp", f'cp "$1" "{printed}" && echo "request id is demo-1"')
        monkeypatch.setenv("PATH", str(bin_dir))
        monkeypatch.setenv(ENV_VAR, f"{font.regular.path}#{font.regular.index}")
        out = tmp_path / "out"
        out.mkdir()
        app = village_app(home, export_dir=out)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await pilot.press("n", *"gljt")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, PrintoutScreen)  # the one-time notice
            await pilot.press("p")
            await settle(pilot)
            [saved] = out.iterdir()
            assert [n.message for n in app._notifications][-1] == t("pdf.printed", path=saved)
            await pilot.press("enter")  # and the intake goes on
            await settle(pilot)
            assert isinstance(app.screen, FormScreen)
        assert printed.read_bytes() == saved.read_bytes()  # lp was handed that very file
        assert "一次性告知" in "".join(pages_text(printed))

    async def test_without_a_printer_p_opens_the_pdf_in_the_viewer_and_o_always_does(
        self, session: Session, catalog: Catalog, home: Path, tmp_path: Path, font: CjkFont,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        import os

        bin_dir, fifo = tmp_path / "bin", tmp_path / "viewer"
        os.mkfifo(fifo)
        fake_command(bin_dir, "xdg-open", f'echo "$1" > "{fifo}"')
        monkeypatch.setenv("PATH", str(bin_dir))  # a viewer, no lp
        monkeypatch.setenv("DISPLAY", ":0")  # on a desktop
        monkeypatch.setenv(ENV_VAR, f"{font.regular.path}#{font.regular.index}")
        app_id, out = taken_in(session, catalog), tmp_path / "out"
        out.mkdir()
        app = village_app(home, export_dir=out)
        async with app.run_test(size=SIZE) as pilot:
            await open_receipt(pilot, app_id)
            assert t("pdf.open") in screen_text(app)  # both keys in the footer
            await pilot.press("p")
            await settle(pilot)
            saved = out / f"{t('pdf.stem.receipt')}-{app_id}-{TODAY.isoformat()}.pdf"
            assert read_fifo(fifo) == str(saved.resolve())
            assert [n.message for n in app._notifications][-1] == t("pdf.opened_to_print",
                                                                      path=saved)
            fake_command(bin_dir, "lp", "exit 1")  # a printer now: o still opens, never prints
            await pilot.press("o")
            await settle(pilot)
            assert read_fifo(fifo) == str(saved.resolve())
            assert [n.message for n in app._notifications][-1] == t("pdf.opened", path=saved)
        assert app_id in "".join(pages_text(saved))


def test_on_a_text_console_the_viewer_is_not_claimed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """xdg-open exists but there is no X or Wayland: nothing would appear, so it is not started."""
    from village_agent import printer

    bin_dir, ran = tmp_path / "bin", tmp_path / "ran"
    fake_command(bin_dir, "xdg-open", f'touch "{ran}"')
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    pdf_file = tmp_path / "receipt.pdf"
    pdf_file.write_bytes(b"%PDF-1.4\n")
    handoff = printer.open_file(pdf_file)
    assert not handoff.done and handoff.message == t("pdf.no_viewer", path=pdf_file)
    assert not ran.exists()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert printer.open_file(pdf_file).done
