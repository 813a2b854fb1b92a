"""The manager's console pages over real HTTP: a township served on loopback, a real village.

Staff (add, disable, reset a PIN, seat at a window with an AB 岗 stand-in, away and back),
windows, enrollment codes shown as text and QR code and redeemed by a real village, and
revoking a lost device from the browser so that its next sync is refused. A plain clerk is
refused every manager page and form; no form works without the session's CSRF token; a
refusal changes nothing in the store.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
import pytest
import segno

from center.console import qr
from center.enroll import issue_code
from center.ingest import last_event
from forms.catalog import Catalog
from storage import sync_peers, windows
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.i18n import t_in
from sync.node import Node
from tests import center_db
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import CLERK, statuses
from tests.test_console import _token, log_in
from village_agent import intake

A, B, C = "王建国", "赵丽", "钱明"
PINS = {A: "730192", B: "730293", C: "730394"}
ITEM = "MZ-GLJT"  # 高龄津贴: a 民政 item the township decides


def _csrf(client: httpx.Client) -> str:
    return _token(client.get("/console/me").text, "csrf")  # every clerk may open their own page


def _problem(html: str, form: str) -> str:
    found = re.search(rf'id="problem-{form}">([^<]*)<', html)
    return found.group(1) if found else ""


def _done(html: str) -> str:
    found = re.search(r'id="done">([^<]*)<', html)
    return found.group(1) if found else ""


def _dump(node: Node) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the center's store, read from outside the product."""
    return center_db.dump(node.session.store.home)


def _operators(node: Node) -> dict[str, tuple[str, bool, str, str, bool]]:
    """name -> (role, active, window, stand-in, away)."""
    return {o.name: (o.role, o.active, o.window_code, o.standin, o.away)
            for o in node.session.store.operators()}


def _window(node: Node, department: str) -> windows.Window:
    return next(w for w in windows.windows(node.session.store.database)
                if department in w.departments)


def _audit(node: Node) -> list[tuple[str, str, str, str]]:
    return center_db.rows(node.session.store.home,  # type: ignore[return-value]
                          "SELECT operator, action, target, detail FROM audit ORDER BY seq")


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's console tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


@pytest.fixture
def enrolled(session: Session, township: tuple[Node, str]) -> dict[str, Any]:
    """The township, with the village enrolled and synced once (so the center has heard from it)."""
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    assert sync_once(session.store, session=session, force=True).ok
    return {"node": node, "url": url, "device": session.store.info.device_id}


@pytest.fixture
def filed(enrolled: dict[str, Any], session: Session, catalog: Catalog) -> dict[str, Any]:
    """One 民政 case received at the township (assigned to its 民政 window, not yet taken)."""
    app_id = intake.take(session, catalog, session.calendar(), ITEM, example(catalog.get(ITEM)),
                         today=TODAY).application_ids[0]
    assert sync_once(session.store, session=session, force=True).ok
    return {**enrolled, "id": app_id}


# --- staff ------------------------------------------------------------------------------------


def test_the_manager_adds_a_clerk_who_can_then_log_in(township: tuple[Node, str]) -> None:
    node, url = township
    with log_in(url) as manager:
        page = manager.get("/console/staff")
        assert page.status_code == 200 and "窗口与人员" in page.text and CLERK in page.text
        got = manager.post("/console/staff/add", data={
            "csrf": _token(page.text, "csrf"), "name": A, "role": "clerk", "pin": PINS[A],
            "pin2": PINS[A]})
        assert got.status_code == 200 and got.url.path == "/console/staff"
        assert _done(got.text) == f"已添加工作人员 {A}，可用初始PIN码登录"
        assert PINS[A] not in got.text
        row = re.search(rf"<tr id=\"person-\d+\"[^>]*><td>{A}</td><td>([^<]*)</td>", got.text)
        assert row and row.group(1) == "窗口工作人员"
        second = manager.post("/console/staff/add", data={
            "csrf": _token(page.text, "csrf"), "name": B, "role": "manager", "pin": PINS[B],
            "pin2": PINS[B]})
        assert second.status_code == 200 and _done(second.text).startswith(f"已添加工作人员 {B}")
    assert _operators(node) == {CLERK: ("manager", True, "", "", False),
                                A: ("clerk", True, "", "", False),
                                B: ("manager", True, "", "", False)}
    assert (CLERK, "operator.add", A, "clerk") in _audit(node)
    assert (CLERK, "operator.add", B, "manager") in _audit(node)

    with log_in(url, A, PINS[A]) as clerk:
        assert clerk.get("/console/").status_code == 200
        assert clerk.get("/console/staff").status_code == 403
    with log_in(url, B, PINS[B]) as other_manager:
        assert other_manager.get("/console/staff").status_code == 200


def test_a_plain_clerk_is_refused_every_manager_page_and_form_and_nothing_changes(
    enrolled: dict[str, Any],
) -> None:
    node, url, device = enrolled["node"], enrolled["url"], enrolled["device"]
    node.session.add_operator(A, "clerk", PINS[A])
    node.session.add_operator(B, "clerk", PINS[B])
    with log_in(url, A, PINS[A]) as clerk:
        csrf = _csrf(clerk)
        home = clerk.get("/console/").text
        assert 'href="/console/staff"' not in home and 'href="/console/enroll"' not in home
        assert f"revoke-{device}" not in clerk.get("/console/devices").text
        before = _dump(node)
        for path in ("/console/staff", "/console/enroll", f"/console/devices/{device}/revoke"):
            got = clerk.get(path)
            assert got.status_code == 403 and "此页面仅限中心负责人使用" in got.text, path
        posts = {
            "/console/staff/add": {"name": C, "role": "manager", "pin": PINS[C], "pin2": PINS[C]},
            "/console/staff/active": {"name": B, "active": "0"},
            "/console/staff/pin": {"name": CLERK, "pin": PINS[C], "pin2": PINS[C]},
            "/console/staff/desk": {"name": A, "window": "MZ", "standin": B},
            "/console/staff/window": {"code": "XF", "name": "信访窗口"},
            "/console/enroll": {"village_code": VILLAGE_CODE, "hours": "24"},
            f"/console/devices/{device}/revoke": {},
        }
        for path, form in posts.items():
            got = clerk.post(path, data={"csrf": csrf, **form})
            assert got.status_code == 403 and "此页面仅限中心负责人使用" in got.text, path
        # Away or back: only for themselves.
        other = clerk.post("/console/staff/away", data={"csrf": csrf, "name": B, "away": "1"})
        assert other.status_code == 403
        assert "只能设置本人的在岗状态；其他工作人员请由中心负责人设置" in other.text
        assert _dump(node) == before
    assert not sync_peers.peer(node.session.store.database, device).revoked  # type: ignore[union-attr]


def test_a_weak_pin_is_refused_with_the_reason_beside_the_form_and_nobody_is_added(
    township: tuple[Node, str],
) -> None:
    node, url = township
    with log_in(url) as manager:
        csrf = _csrf(manager)
        before = _dump(node)
        cases = [("123456", "123456", "clerk", "PIN码过于简单（如123456、重复数字），请换一个"),
                 ("12345", "12345", "clerk", "PIN码须为6至32位"),
                 (PINS[A], PINS[B], "clerk", "两次输入的PIN码不一致，未作更改，请重新输入"),
                 (PINS[A], PINS[A], "boss", "乡镇/县级中心的工作人员角色只能是 clerk（窗口工作人员）"
                  "或 manager（中心负责人）"),
                 (PINS[A], PINS[A], "agent", "乡镇/县级中心的工作人员角色只能是 clerk（窗口工作人员）"
                  "或 manager（中心负责人）；代办员（agent）在村代办点添加")]
        for pin, again, role, reason in cases:
            got = manager.post("/console/staff/add", data={
                "csrf": csrf, "name": A, "role": role, "pin": pin, "pin2": again})
            assert got.status_code == 400 and _problem(got.text, "add") == reason, reason
            assert f'id="add-name" value="{A}"' in got.text  # the name is kept, the PIN never
            assert f'value="{pin}"' not in got.text
        assert _dump(node) == before

        manager.post("/console/lang", data={"csrf": csrf, "lang": "en", "back": "/console/staff"})
        english = manager.post("/console/staff/add", data={
            "csrf": csrf, "name": A, "role": "clerk", "pin": "111111", "pin2": "111111"})
        assert english.status_code == 400
        assert _problem(english.text, "add") == t_in("en", "storage.pin.weak")
    assert _dump(node) == before
    assert A not in _operators(node)


def test_disabling_enabling_and_resetting_a_pin_and_the_manager_cannot_disable_themselves(
    township: tuple[Node, str],
) -> None:
    node, url = township
    node.session.add_operator(A, "clerk", PINS[A])
    with log_in(url) as manager:
        csrf = _csrf(manager)
        myself = manager.post("/console/staff/active", data={"csrf": csrf, "name": CLERK,
                                                             "active": "0"})
        assert myself.status_code == 400 and _problem(myself.text, "people") == "不能停用自己的账号"
        off = manager.post("/console/staff/active", data={"csrf": csrf, "name": A, "active": "0"})
        assert _done(off.text) == f"已停用 {A}：不能再登录"
        with httpx.Client(base_url=url, timeout=30) as anon:
            page = anon.get("/console/login")
            refused = anon.post("/console/login", data={
                "login_token": _token(page.text, "login_token"), "name": A, "pin": PINS[A]})
            assert refused.status_code == 401 and f"操作员“{A}”已停用，请联系中心负责人启用" in refused.text
        on = manager.post("/console/staff/active", data={"csrf": csrf, "name": A, "active": "1"})
        assert _done(on.text) == f"已启用 {A}"
        weak = manager.post("/console/staff/pin", data={"csrf": csrf, "name": A, "pin": "888888",
                                                        "pin2": "888888"})
        assert weak.status_code == 400 and "过于简单" in _problem(weak.text, "pin")
        reset = manager.post("/console/staff/pin", data={"csrf": csrf, "name": A, "pin": PINS[C],
                                                         "pin2": PINS[C]})
        assert _done(reset.text) == f"已重置 {A} 的PIN码"
    with log_in(url, A, PINS[C]) as clerk:
        assert clerk.get("/console/").status_code == 200
    assert (CLERK, "operator.set_pin", A, "") in _audit(node)
    assert [a for a in _audit(node) if a[1] in ("operator.disable", "operator.enable")] == [
        (CLERK, "operator.disable", A, ""), (CLERK, "operator.enable", A, "")]


def test_a_window_is_added_and_renamed_and_a_department_goes_to_one_window_only(
    township: tuple[Node, str], catalog: Catalog,
) -> None:
    node, url = township
    mz = _window(node, "民政")
    with log_in(url) as manager:
        csrf = _csrf(manager)
        page = manager.get("/console/staff").text
        assert f'id="window-{mz.code}"' in page and "民政窗口" in page
        before = _dump(node)
        taken = manager.post("/console/staff/window", data={
            "csrf": csrf, "code": "XF", "name": "信访窗口", "departments": ["民政"]})
        assert taken.status_code == 400
        assert _problem(taken.text, "window") == "民政的事项已由民政窗口受理，一个部门只对应一个窗口"
        unknown = manager.post("/console/staff/window", data={
            "csrf": csrf, "code": "XF", "name": "信访窗口", "departments": ["不存在的部门"]})
        assert _problem(unknown.text, "window") == "所选部门不在事项目录中，未作更改"
        bad_code = manager.post("/console/staff/window", data={
            "csrf": csrf, "code": "信访", "name": "信访窗口"})
        assert "窗口代码须为1至12位字母、数字或“-”" in _problem(bad_code.text, "window")
        assert _dump(node) == before

        added = manager.post("/console/staff/window", data={"csrf": csrf, "code": "xf",
                                                            "name": "信访窗口"})
        assert _done(added.text) == "已保存窗口 XF" and 'id="window-XF"' in added.text
        renamed = manager.post("/console/staff/window", data={
            "csrf": csrf, "code": mz.code, "name": "民政与社会事务窗口", "editing": "1",
            "departments": list(mz.departments)})
        assert _done(renamed.text) == f"已保存窗口 {mz.code}"
    saved = {w.code: w for w in windows.windows(node.session.store.database)}
    assert saved["XF"] == windows.Window("XF", "信访窗口", ())
    assert saved[mz.code] == windows.Window(mz.code, "民政与社会事务窗口", mz.departments)


def test_seated_clerks_with_a_stand_in_and_the_stand_in_decides_the_away_clerks_case(
    filed: dict[str, Any],
) -> None:
    node, url, app_id = filed["node"], filed["url"], filed["id"]
    mz = _window(node, "民政")
    with log_in(url) as manager:
        csrf = _csrf(manager)
        for name in (A, B, C):
            got = manager.post("/console/staff/add", data={
                "csrf": csrf, "name": name, "role": "clerk", "pin": PINS[name], "pin2": PINS[name]})
            assert got.status_code == 200, got.text
        itself = manager.post("/console/staff/desk", data={"csrf": csrf, "name": A,
                                                           "window": mz.code, "standin": A})
        assert itself.status_code == 400 and _problem(itself.text, "desk") == "AB 岗替补不能是本人"
        for name, standin in ((A, B), (B, ""), (C, "")):
            got = manager.post("/console/staff/desk", data={"csrf": csrf, "name": name,
                                                            "window": mz.code, "standin": standin})
            assert _done(got.text) == f"已保存 {name} 的窗口与 AB 岗替补"
        seated = re.search(rf'<tr id="window-{mz.code}">(.*?)</tr>', got.text, re.S)
        assert seated and f"{A}、{B}、{C}" in seated.group(1)
    assert _operators(node)[A] == ("clerk", True, mz.code, B, False)

    with log_in(url, A, PINS[A]) as a, log_in(url, B, PINS[B]) as b, log_in(url, C, PINS[C]) as c:
        a_csrf, b_csrf, c_csrf = _csrf(a), _csrf(b), _csrf(c)
        assert a.post(f"/console/case/{app_id}/take", data={"csrf": a_csrf}).status_code == 200
        # C has no stand-in, so cannot go away; nor may C say A is away.
        no_standin = c.post("/console/staff/away", data={"csrf": c_csrf, "name": C, "away": "1"})
        assert no_standin.status_code == 400
        assert "还没有 AB 岗替补" in no_standin.text
        assert c.post("/console/staff/away", data={"csrf": c_csrf, "name": A,
                                                    "away": "1"}).status_code == 403
        away = a.post("/console/staff/away", data={"csrf": a_csrf, "name": A, "away": "1"})
        assert away.url.path == "/console/me" and _done(away.text).startswith(f"{A} 已设为不在岗")
        assert re.search(r'id="my-state">([^<]*)<', away.text).group(1) == "不在岗（由替补办理）"  # type: ignore[union-attr]
        assert f"您正在替补：{A}" in b.get("/console/me").text

        def decide(client: httpx.Client, csrf: str, decision: str, **extra: str) -> httpx.Response:
            """The case page's decision form, sent; or, where the page has none, sent anyway."""
            page = client.get(f"/console/case/{app_id}").text
            if 'name="seen"' in page:
                seen, form_token = _token(page, "seen"), _token(page, "form_token")
            else:
                with node.session.store.database.read() as db:
                    seen, form_token = str(last_event(db, app_id)), "crafted"
            return client.post(f"/console/case/{app_id}/decide", data={
                "csrf": csrf, "decision": decision, "seen": seen, "form_token": form_token, **extra})

        not_theirs = c.get(f"/console/case/{app_id}").text
        assert 'id="form-accepted"' not in not_theirs and f"此件由{A}负责" in not_theirs
        assert 'id="form-accepted"' in b.get(f"/console/case/{app_id}").text
        third = decide(c, c_csrf, "accepted")
        assert third.status_code == 409 and f"由{A}负责（该同志不在岗，其 AB 岗替补为{B}）" in third.text
        assert statuses(node.session)[app_id] == "received"
        stood_in = decide(b, b_csrf, "accepted")
        assert stood_in.status_code == 200 and "已记录" in stood_in.text
        assert statuses(node.session)[app_id] == "accepted"
        history = windows.history(node.session.store.database, node.session.keys, app_id)
        assert [(h.action, h.clerk, h.note) for h in history][-1] == ("stand_in", B, A)

        back = a.post("/console/staff/away", data={"csrf": a_csrf, "name": A, "away": "0"})
        assert _done(back.text) == f"{A} 已恢复在岗"
        late = decide(b, b_csrf, "completed", result="已纳入发放名册")
        assert late.status_code == 409 and f"由{A}负责" in late.text
    assert statuses(node.session)[app_id] == "accepted"
    assert [a for a in _audit(node) if a[1] in ("operator.away", "operator.back")] == [
        (A, "operator.away", A, ""), (A, "operator.back", A, "")]


# --- enrollment codes -------------------------------------------------------------------------


def _svg(html: str) -> str:
    found = re.search(r'<figure id="qr">(<svg .*?</svg>)', html, re.S)
    assert found, "no QR code drawn"
    return found.group(1)


def test_an_enrollment_code_from_the_browser_enrolls_a_village_and_its_qr_is_that_code(
    township: tuple[Node, str], session: Session,
) -> None:
    node, url = township
    with log_in(url) as manager:
        csrf = _csrf(manager)
        page = manager.get("/console/enroll")
        assert page.status_code == 200 and "没有未使用的登记码" in page.text
        before = _dump(node)
        for village, hours, reason in (
            ("430481102201", "24", "村级区划代码应为12位，且以本中心代码430481101开头"),
            (VILLAGE_CODE, "0", "有效期须为1至720之间的整数小时，未生成登记码"),
            (VILLAGE_CODE, "七十二", "有效期须为1至720之间的整数小时，未生成登记码"),
        ):
            refused = manager.post("/console/enroll", data={"csrf": csrf, "village_code": village,
                                                            "hours": hours})
            assert refused.status_code == 400 and reason in refused.text, reason
            assert 'id="code"' not in refused.text
        assert _dump(node) == before

        issued = manager.post("/console/enroll", data={"csrf": csrf, "village_code": VILLAGE_CODE,
                                                       "hours": "24"})
        assert issued.status_code == 200
        code = re.search(r'<h2 id="code" class="code">([A-Z0-9-]+)</h2>', issued.text).group(1)  # type: ignore[union-attr]
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", code)
        svg = _svg(issued.text)
        assert "style" not in svg and "<script" not in svg
        drawn = qr.matrix_of(svg)
        assert drawn == [[bool(m) for m in row] for row in segno.make_qr(code, error="m").matrix]
        assert drawn != [[bool(m) for m in row] for row in segno.make_qr("AAAA-AAAA-AA", error="m").matrix]
        expires = center_db.one(node.session.store.home,
                                "SELECT expires_at FROM enrollment_codes WHERE code_id = ?",
                                [code[:4]])
        local = datetime.fromisoformat(expires).astimezone().strftime("%Y-%m-%d %H:%M")
        assert f"有效至 {local}（24小时），仅可使用一次" in issued.text
        steps = re.search(r'<ol id="steps">(.*?)</ol>', issued.text, re.S).group(1)  # type: ignore[union-attr]
        for words in ("登记到乡镇中心", f"在“乡镇中心地址”填写 {url}", f"在“一次性登记码”填写 {code}",
                      "按“联网登记”", "写出登记请求", "读入乡镇答复"):
            assert words in steps, words
        assert node.identity.fingerprint() in steps
        listed = re.search(r'<table class="cases" id="open-codes">(.*?)</table>', issued.text, re.S)
        assert listed and f"{code[:4]}-…" in listed.group(1) and "有效" in listed.group(1)
        assert code not in listed.group(1)  # only the first group is kept

        enrolled = enroll_online(session, url, code)
        assert enrolled is not None
        assert sync_once(session.store, session=session, force=True).ok
        after = manager.get("/console/enroll").text
        assert f"{code[:4]}-…" not in after and "没有未使用的登记码" in after
        assert sync_peers.peer(node.session.store.database, session.store.info.device_id) is not None
    assert (CLERK, "enroll.code_issued", VILLAGE_CODE, "") in _audit(node)


# --- revoking a device ------------------------------------------------------------------------


def test_revoking_a_device_from_the_browser_refuses_its_next_sync(
    filed: dict[str, Any], session: Session, catalog: Catalog,
) -> None:
    node, url, device = filed["node"], filed["url"], filed["device"]
    with node.session.store.database.write() as db:  # the village PC's clock is 30 minutes slow
        sync_peers.record_skew(db, device, 30 * 60 * 1000)
    with log_in(url) as manager:
        csrf = _csrf(manager)
        listing = manager.get("/console/devices").text
        row = re.search(rf'<tr class="" id="device-{device}">(.*?)</tr>', listing, re.S)
        assert row and f'id="revoke-{device}"' in row.group(1)
        assert "⚠ 该设备时钟比本中心慢约30分钟，请代办员校正电脑时间" in row.group(1)
        assert "—" not in row.group(1).split("</td>")[2]  # the village has been heard from

        confirm = manager.get(f"/console/devices/{device}/revoke")
        assert confirm.status_code == 200
        assert f"即将注销村 {VILLAGE_CODE} 的设备 {device}" in confirm.text
        assert "不能再同步" in confirm.text and "密钥不再被承认" in confirm.text
        assert "遗失" in confirm.text
        assert not sync_peers.peer(node.session.store.database, device).revoked  # type: ignore[union-attr]
        for forged in ("", "forged"):
            refused = manager.post(f"/console/devices/{device}/revoke", data={"csrf": forged})
            assert refused.status_code == 403
        assert not sync_peers.peer(node.session.store.database, device).revoked  # type: ignore[union-attr]

        done = manager.post(f"/console/devices/{device}/revoke", data={"csrf": csrf})
        assert done.status_code == 200 and done.url.path == "/console/devices"
        assert _done(done.text).startswith(f"已注销设备 {device}（注销名单第1版）")
        assert f'id="revoke-{device}"' not in done.text
        again = manager.get(f"/console/devices/{device}/revoke")
        assert again.status_code == 404 and "没有可注销的设备" in again.text
    assert sync_peers.peer(node.session.store.database, device).revoked  # type: ignore[union-attr]
    assert (CLERK, "device.revoke", device, "v1") in _audit(node)

    intake.take(session, catalog, session.calendar(), ITEM, example(catalog.get(ITEM)), today=TODAY)
    report = sync_once(session.store, session=session, force=True)
    assert "revoked" in report.refused
    assert [s.id for s in node.session.list()] == [filed["id"]]  # what it sent before stays


# --- CSRF -------------------------------------------------------------------------------------


def test_every_manager_post_without_the_csrf_token_is_refused_and_changes_nothing(
    enrolled: dict[str, Any],
) -> None:
    node, url, device = enrolled["node"], enrolled["url"], enrolled["device"]
    node.session.add_operator(A, "clerk", PINS[A])
    node.session.add_operator(B, "clerk", PINS[B])
    windows.set_desk(node.session.store.database, node.session.keys, A, window_code="",
                     standin=B, by=CLERK)
    posts = {
        "/console/staff/add": {"name": C, "role": "clerk", "pin": PINS[C], "pin2": PINS[C]},
        "/console/staff/active": {"name": A, "active": "0"},
        "/console/staff/pin": {"name": A, "pin": PINS[C], "pin2": PINS[C]},
        "/console/staff/desk": {"name": A, "window": "MZ", "standin": ""},
        "/console/staff/window": {"code": "XF", "name": "信访窗口"},
        "/console/staff/away": {"name": A, "away": "1", "back": "staff"},
        "/console/enroll": {"village_code": VILLAGE_CODE, "hours": "24"},
        f"/console/devices/{device}/revoke": {},
    }
    with log_in(url) as manager:
        manager.get("/console/me")
        before = _dump(node)
        for path, form in posts.items():
            for forged in ({}, {"csrf": ""}, {"csrf": "forged"}):
                got = manager.post(path, data={**forged, **form})
                assert got.status_code == 403 and "页面已过期" in got.text, (path, forged)
        assert _dump(node) == before
    with httpx.Client(base_url=url, timeout=30) as anon:  # and without a session: the login page
        for path, form in posts.items():
            got = anon.post(path, data=form)
            assert got.status_code == 303 and got.headers["location"] == "/console/login", path
    assert _dump(node) == before

