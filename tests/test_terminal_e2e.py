"""The real `village-agent` console script in a real pseudo-terminal of 80x24, driven by keys alone.

A terminal emulator (pyte) keeps the screen the app draws. Every wait is for the screen to
show something, with a deadline that fails the test; there are no sleeps. Textual asks the
terminal whether it can bracket frames (synchronized output, mode 2026); the test says yes,
so the screen is judged only between whole frames, never half-drawn.

Keys travel one at a time where focus moves: Textual routes each key to the widget focused
when the key is read, so a Tab and the letters after it in one burst would land in the old
box. After a Tab the test waits until the emulated screen shows the new box focused (its
row takes the focused background, learnt from the PIN box the login screen focuses).
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import AGENT, PIN, VILLAGE_CODE, VILLAGE_NAME
from village_agent.i18n import t

pyte = pytest.importorskip("pyte")

pytestmark = [
    pytest.mark.terminal,
    pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX"),
]

COLUMNS, LINES = 80, 24
TIMEOUT = 20.0  # per step; generous for a loaded 2-core machine, each step takes well under 1 s
SCRIPT = Path(sys.executable).with_name("village-agent")  # the console script pip installed

TAB, ENTER, SPACE, DOWN = "\t", "\r", " ", "\x1b[B"
CTRL_O, CTRL_Q, CTRL_R, CTRL_S = "\x0f", "\x11", "\x12", "\x13"

BEGIN_FRAME, END_FRAME = b"\x1b[?2026h", b"\x1b[?2026l"
ASK_SYNC, SYNC_SUPPORTED = b"\x1b[?2026$p", b"\x1b[?2026;2$y"

APPLICANT = {"id_number": "430481194003051240", "name": "张桂英", "phone": "13907351234"}
FIELDS = {
    "household_address": "湖南省资兴市兴宁镇石鼓村3组18号",
    "living_status": "独居",
    "bank_name": "湖南资兴农村商业银行",
    "bank_account": "6230901234567890123",
    "account_holder": "张桂英",
}
APPLICATION_ID = re.compile(r"\d{8}-[0-9A-F]{6}-\d{5}")


class Terminal:
    """A child process on a pseudo-terminal, with an emulated 80x24 screen of what it drew."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = pyte.ByteStream(self.screen)
        parent, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.process = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, env=env,
                                        start_new_session=True, close_fds=True)
        os.close(child)
        self.fd = parent
        self.unread = b""  # bytes of a frame not yet complete
        self.in_frame = False
        self.tail = b""  # the last bytes seen, to spot a question split across reads
        self.closed = False
        self.focus_bg: str | None = None

    # reading what the app draws
    def _feed(self, data: bytes) -> None:
        seen = self.tail + data
        if ASK_SYNC in seen:
            os.write(self.fd, SYNC_SUPPORTED)
            seen = seen.replace(ASK_SYNC, b"")
        self.tail = seen[-len(ASK_SYNC):]
        self.unread += data
        while self.unread:
            if not self.in_frame:
                start = self.unread.find(BEGIN_FRAME)
                if start < 0:
                    self.stream.feed(self.unread)
                    self.unread = b""
                    return
                self.stream.feed(self.unread[:start])
                self.unread = self.unread[start:]
                self.in_frame = True
            end = self.unread.find(END_FRAME)
            if end < 0:
                return
            end += len(END_FRAME)
            self.stream.feed(self.unread[:end])
            self.unread = self.unread[end:]
            self.in_frame = False

    def _read(self, timeout: float) -> None:
        if self.closed:  # the child is gone: nothing more will come
            return
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # the child closed the terminal (Linux raises EIO)
            data = b""
        if not data:
            self.closed = True
            return
        self._feed(data)

    def lines(self) -> list[str]:
        """The screen's rows as text. Not pyte's `display`: that fails on a cell left empty where
        an overlay (a choice list) covers half of a wide character; here it reads as a space."""
        from wcwidth import wcwidth

        out = []
        for y in range(LINES):
            row, chars, x = self.screen.buffer[y], [], 0
            while x < COLUMNS:
                data = row[x].data or " "
                chars.append(data)
                x += 2 if wcwidth(data[0]) == 2 else 1
            out.append("".join(chars).rstrip())
        return out

    def text(self) -> str:
        return "\n".join(self.lines())

    def wait_for(self, what: str, done: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        """Read until `done()` holds on a whole frame; fail, showing the screen, at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.in_frame and done():
                return
            left = deadline - time.monotonic()
            if left <= 0 or (self.closed and not done()):
                focused = ", ".join(str(y) for y, _, _ in self.focused())
                pytest.fail(f"waited {timeout:.0f} s for {what}; the screen shows (focus on rows"
                            f" {focused or 'none'}):\n{self.text()}")
            self._read(min(left, 0.5))

    def wait_text(self, *texts: str, timeout: float = TIMEOUT) -> None:
        self.wait_for(" and ".join(map(repr, texts)), lambda: all(x in self.text() for x in texts),
                      timeout)

    # typing
    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode("utf-8"))

    def learn_focus(self, row_text: str) -> None:
        """The focused box's background: the most common one along the row of the focused box."""
        from collections import Counter

        row = self._row_with(row_text)
        start = self.lines()[row].index(row_text)
        cells = self.screen.buffer[row]
        colours = Counter(cells[x].bg for x in range(start, min(start + 30, COLUMNS)))
        self.focus_bg = colours.most_common(1)[0][0]

    def _row_with(self, text: str) -> int:
        return next(i for i, line in enumerate(self.lines()) if text in line)

    def focused(self) -> Iterator[tuple[int, int, int]]:
        """(row, first column, end column) of what has the focus, as the screen shows it.

        A focused box, list or choice takes the focused background; a focused button is drawn
        reversed. A run of eight such cells is a control (one cursor cell is not); a toast sits
        right of column 32, so only runs starting left of it count.
        """
        for y in range(LINES):
            cells = self.screen.buffer[y]
            lit = [cells[x].bg == self.focus_bg or cells[x].reverse for x in range(COLUMNS)]
            x = 0
            while x < 32:
                if all(lit[x:x + 8]):
                    end = x
                    while end < COLUMNS and lit[end]:
                        end += 1
                    yield y, x, end
                    break
                x += 1

    def focused_on(self, label: str) -> bool:
        """The focused control shows `label`, has it on its left (a field's label), or just above
        (a material's name over its buttons)."""
        for y, start, end in self.focused():
            cells = [self.screen.buffer[y][x].data for x in range(COLUMNS)]
            inside, left = "".join(cells[start:end]), "".join(cells[:start])
            above = self.lines()[y - 1] if y > 0 else ""
            if label in inside or label in left or label in above:
                return True
        return False

    def tab_to(self, label: str) -> None:
        """One Tab; wait until the box on `label`'s row (or just under it) has the focus."""
        self.send(TAB)
        self.wait_for(f"the focus on {label!r}", lambda: self.focused_on(label))

    def type_into(self, label: str, text: str) -> None:
        """Tab to the box and type, then wait for the text to show on the box's row."""
        self.tab_to(label)
        self.send(text)
        self.wait_for(f"{text!r} typed beside {label!r}", lambda: any(
            label in line and text in line for line in self.lines()))

    def close(self) -> int:
        """Wait for the app to end; kill it (our own child) if it does not."""
        try:
            deadline = time.monotonic() + TIMEOUT
            while self.process.poll() is None and time.monotonic() < deadline:
                self._read(0.2)
            if self.process.poll() is None:
                self.process.kill()
            return self.process.wait(TIMEOUT)
        finally:
            os.close(self.fd)


def child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VILLAGE_AGENT_", "TEXTUAL", "COLORTERM", "NO_COLOR"))}
    env.update({
        "VILLAGE_AGENT_HOME": str(home),
        "VILLAGE_AGENT_TEST_KDF": "1",  # Argon2id at its test setting; the same code path
        "VILLAGE_AGENT_LANG": "zh",
        "TERM": "xterm-256color",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    })
    return env


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**child_env(home), "VILLAGE_AGENT_PIN": PIN}
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_agent_takes_in_an_old_age_allowance_in_a_real_terminal(tmp_path: Path) -> None:
    assert SCRIPT.exists(), f"{SCRIPT} is missing: install the project (./install.sh)"
    home = tmp_path / "home"
    run_cli(home, "init", "--village-code", VILLAGE_CODE, "--village-name", VILLAGE_NAME,
            "--operator", AGENT)

    scans = tmp_path / "scans"  # where the point's scanner saves
    scans.mkdir()
    scan = scans / "SCAN0001.JPG"
    scan.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(4096))
    (scans / "readme.txt").write_text("not a scan", encoding="utf-8")

    term = Terminal([str(SCRIPT)], {**child_env(home), "VILLAGE_AGENT_SCAN_DIR": str(scans)})
    try:
        # Login: the PIN box has the focus; type the PIN and Enter.
        term.wait_text(t("login.pin.ph"), t("login.title", village=VILLAGE_NAME))
        term.learn_focus(t("login.pin.ph"))
        term.send(PIN + ENTER)
        term.wait_text(t("home.new"), AGENT)

        # New application: n, the pinyin initials, Enter on 高龄津贴, past the one-time notice.
        term.send("n")
        term.wait_text(t("picker.prompt"))
        term.send("gljt")
        term.wait_text("高龄津贴申领")
        term.send(ENTER)
        term.wait_text(t("notice.title", name="高龄津贴申领"), "一次性告知书", t("notice.continue"))
        term.send(ENTER)
        term.wait_text("高龄津贴申领（MZ-GLJT）", t("form.applicant"))

        # The form, field by field, as the agent fills it in.
        term.type_into("身份证号", APPLICANT["id_number"])
        term.type_into("姓名", APPLICANT["name"])
        term.type_into("联系电话", APPLICANT["phone"])
        term.tab_to("住址")
        term.tab_to("村民小组")
        term.tab_to("民族")
        term.type_into("户籍地址", FIELDS["household_address"])
        term.tab_to("居住情况")
        term.send(ENTER)  # open the list of choices
        term.wait_text("与配偶同住", "入住养老机构")
        term.send(DOWN)  # past the blank choice to the first one
        term.send(ENTER)
        term.wait_for("独居 chosen", lambda: "与配偶同住" not in term.text() and any(
            "居住情况" in line and FIELDS["living_status"] in line for line in term.lines()))
        term.type_into("开户银行", FIELDS["bank_name"])
        term.type_into("银行账号", FIELDS["bank_account"])
        term.type_into("账户户名", FIELDS["account_holder"])
        term.tab_to("代领人（监护人）姓名")
        term.tab_to("代领人联系电话")
        for material in ("申请人居民身份证", "户口簿", "社保卡或本人银行卡", "近期免冠一寸照片"):
            term.tab_to(material)
            term.send(SPACE)  # the first status it allows: 已提供

        # The ID card's scan, picked from the scanner's folder (VILLAGE_AGENT_SCAN_DIR): Ctrl+O.
        term.tab_to(t("attach.what"))
        term.send(CTRL_O)
        term.wait_text(t("scan.title"), scan.name, t("scan.hint"))
        assert "readme.txt" not in term.text()
        term.send(DOWN)
        term.send(ENTER)
        term.wait_text(t("attach.say_what"))  # which material is it? the choice has the focus
        term.send(ENTER)
        term.wait_for("the list of materials open", lambda: term.text().count("户口簿") == 2)
        term.send(DOWN)  # past the blank choice to the first material: the ID card
        term.send(ENTER)
        term.wait_for("the ID card chosen beside the picked path", lambda: any(
            line.lstrip().startswith("申请人居民身份证") and "/" in line for line in term.lines())
            and t("attach.say_what") not in term.text())
        row = next(y for y, line in enumerate(term.lines())
                   if line.lstrip().startswith("申请人居民身份证") and "/" in line)
        before = term.screen.buffer[row][50].bg
        term.send(TAB)  # to the path: focused, it is drawn selected (a new path replaces it)
        term.wait_for("the focus on the path", lambda: term.screen.buffer[row][50].bg != before)
        term.send(ENTER)  # Enter in the path box attaches it
        term.wait_text("←")
        term.tab_to(t("attach.add"))
        term.tab_to(t("attach.browse"))
        term.tab_to("←")  # the list of what is attached
        term.tab_to(t("form.review_button"))
        term.wait_text(t("form.ok"))  # just above the button: the whole form checks out

        # Review, submit, the receipt.
        term.send(ENTER)
        term.wait_text(t("review.submit_button"), APPLICANT["name"], FIELDS["bank_account"])
        term.send(CTRL_S)
        term.wait_text(t("receipt.title", id=""), t("receipt.done"))
        found = APPLICATION_ID.search(term.text())
        assert found, term.text()
        application_id = found.group()
        term.send(ENTER)  # 完成，回到首页
        term.wait_text(t("home.new"), AGENT)

        # The applications list shows it.
        term.send("a")
        term.wait_text(t("list.subtitle"), application_id, APPLICANT["name"],
                       t("list.count", shown=1, total=1))
        term.send(CTRL_Q)
        assert term.close() == 0
    finally:
        if term.process.poll() is None:
            term.process.kill()
            term.process.wait(TIMEOUT)

    # What the store holds, read back through the command line.
    listed = json.loads(run_cli(home, "list", "--json").stdout)
    assert [(a["id"], a["item_code"], a["status"], a["applicant_name"]) for a in listed] == [
        (application_id, "MZ-GLJT", "submitted", APPLICANT["name"])]
    shown = json.loads(run_cli(home, "show", application_id, "--json").stdout)
    submitted = next(e["payload"] for e in shown["events"] if e["type"] == "submitted")
    assert {k: submitted["applicant"][k] for k in APPLICANT} == APPLICANT
    assert {k: submitted["fields"].get(k) for k in FIELDS} == FIELDS
    assert submitted["fields"]["age_band"] == "80-89周岁"
    assert submitted["materials"] == {"id_card": "provided", "household_register": "provided",
                                      "bank_card": "provided", "photo": "provided"}
    assert [(a["label"], a["name"], a["size"]) for a in submitted["attachments"]] == [
        ("id_card", scan.name, scan.stat().st_size)]


# The sixteen colours every terminal has (pyte names them; 256-colour and RGB ones are hex).
BASIC_COLOURS = {"default", "black", "red", "green", "brown", "blue", "magenta", "cyan", "white",
                 *(f"bright{c}" for c in ("black", "red", "green", "brown", "blue", "magenta",
                                          "cyan", "white"))}


def test_on_a_basic_sixteen_colour_console_every_letter_stands_out(tmp_path: Path) -> None:
    """A village PC's Linux console (TERM=linux): only the 16 colours, and no text drawn in its
    own background colour on the screens an agent sees first."""
    home = tmp_path / "home"
    run_cli(home, "init", "--village-code", VILLAGE_CODE, "--village-name", VILLAGE_NAME,
            "--operator", AGENT)
    term = Terminal([str(SCRIPT)], {**child_env(home), "TERM": "linux"})
    try:
        for keys, shown in (("", (t("login.pin.ph"), t("login.title", village=VILLAGE_NAME))),
                            (PIN + ENTER, (t("home.new"), AGENT)),
                            ("a", (t("list.subtitle"),))):
            if keys:
                term.send(keys)
            term.wait_text(*shown)
            cells = [cell for row in term.screen.buffer.values() for cell in row.values()]
            colours = {c.fg for c in cells} | {c.bg for c in cells}
            assert colours <= BASIC_COLOURS, f"beyond the 16 colours on {shown[0]}: {colours}"
            # Box-drawing and block glyphs (U+2500-U+259F) are lines and edges, not text.
            unreadable = {(c.data, c.fg) for c in cells
                          if c.data.strip() and not "\u2500" <= c.data <= "\u259f"
                          and c.fg == c.bg and c.fg != "default"}
            assert not unreadable, f"text in its own background on {shown[0]}: {unreadable}"
        term.send(CTRL_Q)
        assert term.close() == 0
    finally:
        if term.process.poll() is None:
            term.process.kill()
            term.process.wait(TIMEOUT)
