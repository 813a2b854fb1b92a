"""Only the owner decides; only the device is answered: a village's own keys against a real township.

A real `service-center serve` process on a loopback port, two villages A and B of the same
township, each enrolled and with its applications filed there. Village A then uses its OWN
valid keys (so every signature checks and every payload opens) to say what is not its to
say: the center's decisions, a promised date, words on B's cases, events out of order, bad
choices and dates, requests for B's downstream, cursors out of range, deep JSON, and
mutated messages. After each, the township's store (read straight from the SQLite file or
the PostgreSQL database, tests/center_db.py; the module runs on both) is as it was, the refusal is the named one (in the township's signed ack where it is for
good) and no answer is a 5xx. See docs/sync-protocol.md, "Only the owner decides".
"""

from __future__ import annotations

import hashlib
import itertools
import json
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.catalog import Catalog, load_catalog
from storage import sync_outbox
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync import bundlefile, envelope, messages, proof, signed
from sync.client import enroll_online, sync_once
from sync.keys import DeviceKeys, PublicIdentity, raw_public
from sync.node import Node
from tests import center_db
from tests.conftest import AGENT, PIN, ROOT, TODAY, Cli
from tests.forms_helpers import example
from tests.sync_helpers import CLERK, CLERK_PIN, TOWNSHIP_CODE, signed_sync
from village_agent import intake

VILLAGE_A = "430481101201"
VILLAGE_B = "430481101202"
SEQS = itertools.count(10_000)  # forged numbers: never one a village's own work used


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Township:
    """`service-center serve` in its own process; its store read straight from the SQLite file
    or the PostgreSQL database."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {**Cli(home).env, "VILLAGE_AGENT_PIN": CLERK_PIN,
                    "VILLAGE_AGENT_OPERATOR": CLERK}
        self.log_path = home.parent / "township-stderr.log"
        self.proc: subprocess.Popen[str] | None = None
        self._log: IO[bytes] | None = None

    def run(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "center.cli", *args],
                              capture_output=True, text=True, env=self.env, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    def start(self) -> str:
        port = _free_port()
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "center.cli", "serve", "--port", str(port)],
            stdout=subprocess.PIPE, stderr=self._log, text=True, env=self.env, cwd=ROOT)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # printed once the socket listens: an event, no sleep
        assert line.startswith("READY"), line + self.log_path.read_text(errors="replace")
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.communicate(timeout=30)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return center_db.rows(self.home, sql, args)

    def state(self) -> dict[str, Any]:
        """Everything a message could change: what was filed, the cases, their events and scans."""
        return {name: sorted(self._read(sql), key=repr) for name, sql in {
            "received": "SELECT sender, seq, digest, kind, app FROM received",
            "applications": "SELECT id, status, due_date, due_approximate, item_code, kind"
                            " FROM applications",
            "events": "SELECT application_id, type, device_id, seq FROM events",
            "parts": "SELECT sender, address, application_id, chunk_offset FROM attachment_parts",
            "scans": "SELECT application_id, label, attachment_id FROM application_attachments",
            "applicants": "SELECT id FROM applicants",
            "downstream": "SELECT village_code, dseq, kind FROM downstream",
            "relay": "SELECT destination, sender, seq FROM relay",
            "peers": "SELECT device_id, role, village_code, sign_public, revoked_at FROM peers",
        }.items()}

    def status(self, app_id: str) -> tuple[Any, ...]:
        [row] = self._read("SELECT status, due_date, due_approximate FROM applications"
                           " WHERE id = ?", (app_id,))
        return row

    def alarms(self, kind: str, sender: str, seq: int) -> int:
        [(n,)] = self._read("SELECT count(*) FROM alarms WHERE kind = ? AND sender = ? AND seq = ?",
                            (kind, sender, seq))
        return int(n)

    def request_counter(self, device: str) -> int:
        [(n,)] = self._read("SELECT request_counter FROM peers WHERE device_id = ?", (device,))
        return int(n or 0)


@dataclass
class World:
    township: Township
    url: str
    center: PublicIdentity  # the township's keys, as village A learned them at enrollment
    a: Session
    b: Session
    keys: DeviceKeys  # village A's own
    a_received: str  # A's application, `received` at the township
    a_completed: str  # A's application the township accepted and completed
    b_received: str  # B's application, `received` at the township

    @property
    def a_device(self) -> str:
        return self.a.store.info.device_id

    @property
    def b_device(self) -> str:
        return self.b.store.info.device_id

    def new_app_id(self, seq: int) -> str:
        """An id A's own intake could give a new application."""
        return f"{TODAY:%Y%m%d}-{self.a_device[:6].upper()}-{seq:05d}"


def _village(home: Path, code: str, township: Township, url: str) -> Session:
    store = Store.create(home, village_code=code, village_name=f"村{code[-3:]}",
                         operator_name=AGENT, pin=PIN, kdf=TEST_KDF)
    session = store.login(AGENT, PIN)
    enrollment = json.loads(township.run("--json", "enroll-code", "--village-code", code))["code"]
    enroll_online(session, url, enrollment)
    return session


def _apply(session: Session, catalog: Catalog) -> str:
    return intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                       example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def township_database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """`center_backend` for this module's one township, which is set up once per backend."""
    if request.param == "sqlite":
        yield None
        return
    server = request.getfixturevalue("pg_server")
    url = server.new_database(request.getfixturevalue("pg_template"))
    yield url
    server.drop(url)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory,
          township_database: str | None) -> Iterator[World]:
    root = tmp_path_factory.mktemp("authority")
    township = Township(root / "township")
    township.run("init", "--level", "township", "--code", TOWNSHIP_CODE, "--name", "兴宁镇便民服务中心",
                 "--operator", CLERK,
                 *(() if township_database is None else ("--database", township_database)))
    url = township.start()
    sessions: list[Session] = []
    try:
        catalog = load_catalog()
        a = _village(root / "a", VILLAGE_A, township, url)
        b = _village(root / "b", VILLAGE_B, township, url)
        sessions += [a, b]
        a_received, a_completed, b_received = _apply(a, catalog), _apply(a, catalog), _apply(b, catalog)
        for s in (a, b):
            assert sync_once(s.store, session=s).ok
        township.run("accept", a_completed)
        township.run("complete", a_completed, "--result", "核定高龄津贴每月100元")
        node = Node.of(a)
        center = node.upstream("township")
        assert center is not None
        w = World(township, url, center, a, b, node.keys, a_received, a_completed, b_received)
        assert township.status(a_received)[0] == "received"
        assert township.status(a_completed)[0] == "completed"
        assert township.status(b_received)[0] == "received"
        yield w
    finally:
        township.stop()
        for s in sessions:
            s.store.close()
    log = township.log_path.read_text(errors="replace")
    assert "Traceback" not in log and "Exception" not in log, log  # the server never failed


# ---- forging with A's own keys ---------------------------------------------------------------


def _body(app_id: str, event_type: str, payload: dict[str, Any] | None = None,
          **top: Any) -> dict[str, Any]:
    return {"application_id": app_id, "type": event_type, "payload": payload or {},
            "item_code": "MZ-GLJT", "item_version": "1", "kind": "service",
            "recorded_at": "2026-11-23T01:00:00+00:00", **top}


def _seal(w: World, payload: bytes, *, seq: int, app: str, kind: str = "event",
          village: str = VILLAGE_A, keys: DeviceKeys | None = None) -> bytes:
    return envelope.seal(payload, kind=kind, sender=keys or w.keys, village=village, seq=seq,
                         hlc=f"{1_700_000_000_000 + seq}.0", recipients=[w.center],
                         created="2026-11-23T01:00:00+00:00",
                         meta={"owner": "township", "app": app})


def forge(w: World, body: dict[str, Any], *, kind: str = "event") -> tuple[int, bytes]:
    """An event as A's software would seal it, under a fresh number of A's."""
    seq = next(SEQS)
    return seq, _seal(w, messages.event_payload(body), seq=seq, app=str(body["application_id"]),
                      kind=kind)


def forge_chunk(w: World, app_id: str, data: bytes = b"scan") -> tuple[int, bytes]:
    seq = next(SEQS)
    facts = {"application_id": app_id, "address": hashlib.sha256(data).hexdigest(), "offset": 0,
             "total": len(data), "sha256": hashlib.sha256(data).hexdigest(), "label": "id_card",
             "name": "id.jpg"}
    return seq, _seal(w, messages.chunk_payload(facts, data), seq=seq, app=app_id,
                      kind="attachment_chunk")


def send(w: World, *raws: bytes) -> httpx.Response:
    """One session of A's device, its request signed as A's own client signs it."""
    answer: httpx.Response = signed_sync(w.url, w.a, bundlefile.pack(raws))
    assert answer.status_code < 500, answer.text
    return answer


def ack_of(w: World, answer: httpx.Response) -> dict[str, Any]:
    """The township's ack of A, last in the answer, checked under the township's key."""
    assert answer.status_code == 200, answer.text
    record = signed.verify(bundlefile.unpack(answer.content)[-1], w.center)
    assert record.kind == "ack" and record.body["subject"] == w.a_device
    return record.body


def listed(ack: dict[str, Any], field: str, reason: str | None = None) -> set[int]:
    value = ack.get(field, {} if reason else [])
    return messages.from_ranges(value.get(reason, []) if reason else value)


def assert_refused_for_good(w: World, answer: httpx.Response, seq: int, reason: str) -> None:
    assert answer.headers["X-Refused"] == reason, answer.headers
    assert answer.headers["X-Stored"] == "0"
    ack = ack_of(w, answer)
    assert seq in listed(ack, "refused", reason), ack
    assert seq not in listed(ack, "custody") and seq not in listed(ack, "e2e")
    assert ack.get("high", 0) < seq  # a refused number is not held
    assert w.township.alarms(reason, w.a_device, seq) == 1


# ---- only the owner decides --------------------------------------------------------------------

DECISIONS: dict[str, dict[str, Any]] = {
    "received": {"received_on": "2026-11-23", "by": "township"},
    "accepted": {},
    "correction_requested": {"reasons": ["身份证复印件不清晰"]},
    "rejected": {"reason": ["不符合条件"]},
    "completed": {"result": "核定高龄津贴每月100元"},
    "forwarded": {"to": "county"},
    "note": {"text": "村里说已经办好了"},
}


@pytest.mark.parametrize("decision", sorted(DECISIONS))
def test_a_village_filing_the_centers_decision_on_its_own_case_is_refused_for_good(
    world: World, decision: str
) -> None:
    w = world
    before, status = w.township.state(), w.township.status(w.a_received)
    seq, raw = forge(w, _body(w.a_received, decision, DECISIONS[decision]))
    for _ in (1, 2):  # sent again (an older village ignores refusals): the same, one alarm
        assert_refused_for_good(w, send(w, raw), seq, "not_permitted")
    assert w.township.status(w.a_received) == status == ("received", status[1], status[2])
    assert w.township.state() == before


@pytest.mark.parametrize("kind", ["decision", "ack", "down_ack", "catalog"])
def test_a_village_sending_a_centers_kind_of_message_is_refused_for_good(
    world: World, kind: str
) -> None:
    w = world
    before = w.township.state()
    seq, raw = forge(w, _body(w.a_completed, "completed", DECISIONS["completed"]), kind=kind)
    assert_refused_for_good(w, send(w, raw), seq, "not_permitted")
    assert w.township.state() == before


# ---- only the center sets a promised date -----------------------------------------------------

DUE_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "far_date": ("material_supplied", {"material": "id_card", "due_date": "2099-12-31"}),
    "not_a_date": ("material_supplied", {"material": "id_card", "due_date": "not a date"}),
    "approximate_flag": ("material_supplied", {"material": "id_card", "due_approximate": False}),
    "on_a_new_case": ("created", {"due_date": "2026-12-01"}),
}


@pytest.mark.parametrize("case", sorted(DUE_CASES))
def test_a_village_chosen_due_date_is_refused_and_nothing_is_stored(
    world: World, case: str
) -> None:
    w = world
    event_type, payload = DUE_CASES[case]
    app = w.a_received if event_type != "created" else w.new_app_id(next(SEQS))
    before, status = w.township.state(), w.township.status(w.a_received)
    seq, raw = forge(w, _body(app, event_type, payload))
    assert_refused_for_good(w, send(w, raw), seq, "malformed_payload")
    assert w.township.status(w.a_received) == status  # the township's own date stands
    assert w.township.state() == before


# ---- another village's case -------------------------------------------------------------------

FOREIGN: dict[str, tuple[str, dict[str, Any], str]] = {
    "note": ("note", {"text": "此件作废"}, "not_permitted"),
    "rejected": ("rejected", {"reason": ["材料不全"]}, "not_permitted"),
    "completed": ("completed", {"result": "已办结"}, "not_permitted"),
    "created": ("created", {}, "foreign_application"),
    "submitted": ("submitted", {"applicant": {"name": "张三"}}, "foreign_application"),
    "corrected": ("corrected", {"applicant": {"name": "张三"}}, "foreign_application"),
    "material_supplied": ("material_supplied", {"material": "id_card"}, "foreign_application"),
    "delivered": ("delivered", {"how": "in_person"}, "foreign_application"),
    "rated": ("rated", {"rating": "bad"}, "foreign_application"),
}


@pytest.mark.parametrize("case", sorted(FOREIGN))
def test_words_on_another_villages_case_are_refused_for_good(world: World, case: str) -> None:
    w = world
    event_type, payload, reason = FOREIGN[case]
    before, status = w.township.state(), w.township.status(w.b_received)
    seq, raw = forge(w, _body(w.b_received, event_type, payload))
    assert_refused_for_good(w, send(w, raw), seq, reason)
    assert w.township.status(w.b_received) == status
    assert w.township.state() == before


def test_a_scan_piece_under_another_villages_case_is_refused_and_not_kept(world: World) -> None:
    w = world
    before = w.township.state()
    seq, raw = forge_chunk(w, w.b_received, b"\xff\xd8 not B's scan")
    assert_refused_for_good(w, send(w, raw), seq, "foreign_application")
    after = w.township.state()
    assert after["parts"] == before["parts"] and after["scans"] == before["scans"]
    assert after == before


# ---- in status order ------------------------------------------------------------------------

EARLY: dict[str, tuple[str, str, dict[str, Any]]] = {
    "rated_before_a_result": ("a_received", "rated", {"rating": "good"}),
    "rated_before_the_hand_over": ("a_completed", "rated", {"rating": "good"}),
    "delivered_before_a_result": ("a_received", "delivered", {"how": "in_person"}),
    "corrected_without_a_request": ("a_received", "corrected", {"applicant": {"name": "王五"}}),
    "submitted_twice": ("a_received", "submitted", {"applicant": {"name": "王五"}}),
    "before_its_created": ("new", "material_supplied", {"material": "id_card"}),
}


@pytest.mark.parametrize("case", sorted(EARLY))
def test_an_event_out_of_order_is_held_neither_stored_nor_acknowledged(
    world: World, case: str
) -> None:
    w = world
    which, event_type, payload = EARLY[case]
    app = w.new_app_id(next(SEQS)) if which == "new" else getattr(w, which)
    before = w.township.state()
    seq, raw = forge(w, _body(app, event_type, payload))
    for _ in (1, 2):
        answer = send(w, raw)
        assert answer.headers["X-Stored"] == "0" and answer.headers["X-Refused"] == ""
        ack = ack_of(w, answer)
        # Not acknowledged and not refused: the village keeps it and sends it again later.
        assert seq not in listed(ack, "custody") and seq not in listed(ack, "e2e")
        assert all(seq not in messages.from_ranges(r) for r in ack.get("refused", {}).values())
    assert w.township.alarms("not_yet", w.a_device, seq) == 1
    assert w.township.state() == before


# ---- payload schema: choices and dates --------------------------------------------------------

BAD_VALUES: dict[str, tuple[str, str, dict[str, Any]]] = {
    # Each on a case whose status would take the event: only the bad value refuses it.
    "delivered_by_drone": ("a_completed", "delivered", {"how": "drone"}),
    "delivered_how_missing": ("a_completed", "delivered", {"to_whom": "本人"}),
    "delivered_in_1999": ("a_completed", "delivered", {"how": "in_person",
                                                       "delivered_on": "1999-12-31"}),
    "delivered_in_2200": ("a_completed", "delivered", {"how": "family",
                                                       "delivered_on": "2200-01-01"}),
    "delivered_on_30_february": ("a_completed", "delivered", {"how": "in_person",
                                                              "delivered_on": "2026-02-30"}),
    "a_note_too_long": ("a_completed", "delivered", {"how": "in_person", "note": "长" * 2001}),
    "rating_excellent": ("a_received", "rated", {"rating": "excellent"}),
    "rating_out_of_range": ("a_received", "rated", {"rating": 6}),
    "rating_a_truth_value": ("a_received", "rated", {"rating": True}),
    "rated_in_2200": ("a_received", "rated", {"rating": "good", "rated_on": "2200-01-01"}),
    "supplied_in_1999": ("a_received", "material_supplied", {"material": "id_card",
                                                             "supplied_on": "1999-01-01"}),
    "supplied_a_date_time": ("a_received", "material_supplied",
                             {"material": "id_card", "supplied_on": "2026-11-23T10:00"}),
    "created_in_2200": ("new", "created", {"intake_date": "2200-01-01"}),
    "created_in_1999": ("new", "created", {"intake_date": "1999-12-31"}),
    "estimate_in_1999": ("new", "submitted", {"due_estimate": "1999-01-01"}),
    "promised_days_negative": ("new", "submitted", {"promised_days": -1}),
    "promised_days_true": ("new", "submitted", {"promised_days": True}),
    "applicant_nested": ("new", "submitted", {"applicant": {"name": {"first": "王"}}}),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_bad_choices_and_dates_are_refused_for_good(world: World, case: str) -> None:
    w = world
    which, event_type, payload = BAD_VALUES[case]
    app = w.new_app_id(next(SEQS)) if which == "new" else getattr(w, which)
    before = w.township.state()
    seq, raw = forge(w, _body(app, event_type, payload))
    assert_refused_for_good(w, send(w, raw), seq, "malformed_payload")
    assert w.township.state() == before


# ---- only the device is answered -------------------------------------------------------------


def _center_id(w: World) -> str:
    return w.center.device_id


def _a_key(w: World) -> proof.RequestKey:
    key = proof.request_key(w.a.store.database)
    assert key is not None
    return key


def _says_nothing_of_b(w: World, answer: httpx.Response) -> None:
    shown = answer.text + json.dumps(dict(answer.headers), ensure_ascii=False)
    assert w.b_received not in shown and VILLAGE_B not in shown, shown
    assert w.b_device not in answer.text  # the body does not even echo B's name


def _refused(answer: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    assert body["error"] == error and body["ok"] is False and body["message"], body
    return body


def _b_request(w: World, path: str, headers: dict[str, str], cursor: int = 0,
               content: bytes | None = None) -> httpx.Response:
    params = {"device": w.b_device, "cursor": str(cursor)}
    if path == "sync":
        answer = httpx.post(f"{w.url}/v1/sync", params=params, headers=headers, timeout=30,
                            content=bundlefile.pack([]) if content is None else content)
    else:
        answer = httpx.get(f"{w.url}/v1/status", params=params, headers=headers, timeout=30)
    assert answer.status_code < 500, answer.text
    return answer


@pytest.mark.parametrize("path", ["sync", "status"])
def test_bs_downstream_is_not_answered_without_a_proof(world: World, path: str) -> None:
    w = world
    before, counter = w.township.state(), w.township.request_counter(w.b_device)
    for headers in ({}, {proof.COUNTER: "99"}, {proof.HEADER: "00.00"}):
        answer = _b_request(w, path, headers)
        _refused(answer, 401, "proof_required" if len(headers) < 2 else "bad_proof")
        _says_nothing_of_b(w, answer)
    # A body sent anyway is not read: nothing of it is filed under anyone.
    seq, raw = forge(w, _body(w.a_received, "material_supplied", {"material": "id_card"}))
    answer = _b_request(w, path, {}, content=bundlefile.pack([raw]))
    _refused(answer, 401, "proof_required")
    assert seq not in {s for _, s, *_ in w.township.state()["received"]}
    assert w.township.state() == before and w.township.request_counter(w.b_device) == counter


@pytest.mark.parametrize("path", ["sync", "status"])
def test_as_own_proof_does_not_open_bs_downstream(world: World, path: str) -> None:
    w = world
    before, counter = w.township.state(), w.township.request_counter(w.b_device)
    key = _a_key(w)
    center = _center_id(w)
    attempts = [
        # A's proof as its client makes it, for A, sent with B's name in the query.
        proof.prove(w.a.store.database, device=w.a_device, center=center, cursor=0, path=path),
        # A's request key signing a request that names B.
        proof.make(key, device=w.b_device, center=center, cursor=0, counter=10**9, path=path),
        # A's device key signing a delegation that names B as the device.
        proof.make(proof.RequestKey(signed.sign("request_key", {
            "device": w.b_device, "key": raw_public(key.private.public_key()).hex()}, w.keys),
            key.private), device=w.b_device, center=center, cursor=0, counter=10**9 + 1,
            path=path),
    ]
    for headers in attempts:
        answer = _b_request(w, path, headers)
        _refused(answer, 401, "bad_proof")
        _says_nothing_of_b(w, answer)
    assert w.township.state() == before and w.township.request_counter(w.b_device) == counter


def test_a_captured_request_of_b_is_answered_once_and_never_again(world: World) -> None:
    w = world
    center = _center_id(w)
    status_proof = proof.prove(w.b.store.database, device=w.b_device, center=center, cursor=0,
                               path="status")
    sync_proof = proof.prove(w.b.store.database, device=w.b_device, center=center, cursor=0,
                             path="sync")
    # Taken on the way and sent first, elsewhere: another path, another cursor. Neither holds.
    _says_nothing_of_b(w, answer := _b_request(w, "sync", status_proof))
    _refused(answer, 401, "bad_proof")
    _says_nothing_of_b(w, answer := _b_request(w, "sync", sync_proof, cursor=1))
    _refused(answer, 401, "bad_proof")

    before = w.township.state()
    counter = int(sync_proof[proof.COUNTER])
    first = _b_request(w, "sync", sync_proof)  # B's own request, as B sent it: answered
    assert first.status_code == 200
    assert signed.verify(bundlefile.unpack(first.content)[-1], w.center).body["subject"] == \
        w.b_device
    assert w.township.request_counter(w.b_device) == counter
    for path, headers in (("sync", sync_proof), ("status", status_proof)):
        replay = _b_request(w, path, headers)  # the same bytes again: never answered twice
        body = _refused(replay, 401, "stale_request")
        assert body["next_counter"] == counter + 1
        _says_nothing_of_b(w, replay)
    assert w.township.state() == before and w.township.request_counter(w.b_device) == counter


def test_a_replayed_request_of_a_is_refused_as_stale(world: World) -> None:
    w = world
    headers = proof.prove(w.a.store.database, device=w.a_device, center=_center_id(w), cursor=0,
                          path="status")
    params = {"device": w.a_device, "cursor": "0"}
    first = httpx.get(f"{w.url}/v1/status", params=params, headers=headers, timeout=30)
    assert first.status_code == 200
    again = httpx.get(f"{w.url}/v1/status", params=params, headers=headers, timeout=30)
    body = _refused(again, 401, "stale_request")
    assert body["next_counter"] == int(headers[proof.COUNTER]) + 1


def test_as_own_answer_names_only_as_cases(world: World) -> None:
    """The township has decisions queued for A (a completed case) and holds B's case too."""
    w = world
    answer = send(w)
    items = bundlefile.unpack(answer.content)
    ack_of(w, answer)
    down = [envelope.parse(raw).header for raw in items if not signed.is_record(raw)]
    assert down, "the accepted and completed decisions on A's case come down"
    assert {h.get("to") for h in down} == {VILLAGE_A}
    assert {h.get("app") for h in down} <= {w.a_received, w.a_completed}
    acks = [signed.peek(raw) for raw in items if signed.is_record(raw)]
    assert [r.body["subject"] for r in acks if r.kind == "ack"] == [w.a_device]
    _says_nothing_of_b(w, answer)


# ---- cursors --------------------------------------------------------------------------------

BAD_CURSORS = [str(2**63), str(2**64), str(10**30), "-1", str(-(2**63)), str(-(2**63) - 1),
               "9" * 5000, "abc", "1.5", "0x10", "1e3", ""]


@pytest.mark.parametrize("path", ["sync", "status"])
@pytest.mark.parametrize("cursor", BAD_CURSORS, ids=lambda c: c[:24] or "empty")
def test_a_cursor_out_of_range_is_a_400_not_a_500(world: World, path: str, cursor: str) -> None:
    w = world
    before = w.township.state()
    try:
        signed_over = int(cursor)
    except ValueError:
        signed_over = 0
    headers = proof.prove(w.a.store.database, device=w.a_device, center=_center_id(w),
                          cursor=signed_over, path=path)  # a proof that holds for that cursor
    params = {"device": w.a_device, "cursor": cursor}
    if path == "sync":
        answer = httpx.post(f"{w.url}/v1/sync", params=params, headers=headers, timeout=30,
                            content=bundlefile.pack([]))
    else:
        answer = httpx.get(f"{w.url}/v1/status", params=params, headers=headers, timeout=30)
    _refused(answer, 400, "malformed")
    assert w.township.state() == before


def test_the_largest_cursor_is_answered(world: World) -> None:
    w = world
    answer = signed_sync(w.url, w.a, bundlefile.pack([]), cursor=2**63 - 1)
    ack = ack_of(w, answer)
    assert ack["down_from"] == ack["down_through"] == 2**63 - 1  # nothing after it
    assert len(bundlefile.unpack(answer.content)) == 1


# ---- deep JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,  # past the size bound too
    b"[" * 30_000 + b"]" * 30_000,
    b'{"a":' * 5 + b"1" + b"}" * 5,  # one level past the enrollment request's depth
    b'{"code_id": NaN}',
    b"[]",
], ids=["deep-huge", "deep", "five-levels", "nan", "list"])
def test_deep_or_strange_json_to_enroll_is_a_clear_400(world: World, body: bytes) -> None:
    w = world
    before = w.township.state()
    answer = httpx.post(f"{w.url}/v1/enroll", content=body, timeout=30,
                        headers={"content-type": "application/json"})
    _refused(answer, 400, "malformed")
    assert w.township.state() == before


@pytest.mark.parametrize("depth", [12, 1000, 50_000])
def test_deep_json_in_a_signed_payload_is_refused_for_good(world: World, depth: int) -> None:
    w = world
    before = w.township.state()
    seq = next(SEQS)
    text = json.dumps(_body(w.a_received, "material_supplied", {"material": "id_card"}))
    inner = "[" * depth + "1" + "]" * depth
    payload = text.replace('"id_card"', f'"id_card", "extra": {inner}', 1).encode()
    raw = _seal(w, payload, seq=seq, app=w.a_received)
    assert_refused_for_good(w, send(w, raw), seq, "malformed_payload")
    # The same inside a scan piece's facts.
    seq = next(SEQS)
    facts = f'{{"application_id": "{w.a_received}", "extra": {inner}}}'.encode()
    chunk = struct.pack(">I", len(facts)) + facts + b"scan"
    raw = _seal(w, chunk, seq=seq, app=w.a_received, kind="attachment_chunk")
    assert_refused_for_good(w, send(w, raw), seq, "malformed_payload")
    assert w.township.state() == before


# ---- mutated signed messages ------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=12)
    | st.sampled_from(["2099-12-31", "1999-01-01", "2200-01-01", "in_person", "good", "NaN"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=8)
PAYLOAD_KEYS = st.sampled_from(["how", "rating", "due_date", "due_approximate", "delivered_on",
                                "rated_on", "supplied_on", "intake_date", "applicant", "fields",
                                "materials", "attachments", "promised_days", "material", "note"])
TOP_KEYS = st.sampled_from(["item_code", "item_version", "kind", "recorded_at", "seq", "hlc",
                            "bundle_id"])
# (which case, event type): each refused whatever else the message says, as not the village's
# word (a decision), not its case (B's), or not yet (a rating before the hand-over).
REFUSABLE = st.sampled_from([
    *[("a_received", d) for d in DECISIONS], *[("a_completed", d) for d in DECISIONS],
    *[("b_received", t) for t in ("created", "submitted", "corrected", "material_supplied",
                                  "delivered", "rated", "note", "accepted")],
    ("a_received", "rated"), ("a_received", "delivered"), ("a_completed", "rated"),
    ("a_received", "corrected"), ("a_received", "submitted"),
])


def _genuine(w: World, app: str) -> list[bytes]:
    """Messages A's own software could send about its case `app`: each would be taken in."""
    return [forge(w, _body(app, "material_supplied", {"material": "id_card",
                                                     "supplied_on": "2026-11-23"}))[1],
            forge_chunk(w, app)[1]]


@st.composite
def damaged(draw: st.DrawFn, w: World, raw: bytes) -> bytes:
    """`raw` with its bytes changed and NOT signed again: nothing of it may be believed."""
    how = draw(st.sampled_from(["flip", "flip_signature", "truncate", "splice_header",
                                "splice_body", "splice_signature", "append"]))
    # Positions are drawn in a fixed range and taken modulo the length: a message's length
    # varies with its number, and a replayed example must draw the same way.
    if how in ("flip", "flip_signature"):
        at = (len(raw) - 1 - draw(st.integers(0, 63)) if how == "flip_signature"
              else draw(st.integers(0, 2**20)) % len(raw))
        return raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1:]
    if how == "truncate":
        return raw[:draw(st.integers(0, 2**20)) % len(raw)]
    if how == "append":
        return raw + draw(st.binary(min_size=1, max_size=8))
    # Another message of A's (filed long ago) lends its header, its body or its signature.
    [other] = sync_outbox.outbox_messages(w.a.store.database, [1])
    mine, theirs = envelope.parse(raw), envelope.parse(other)
    if how == "splice_header":
        rest = raw[8 + len(mine.header_bytes):]
        return (envelope.MAGIC + struct.pack(">I", len(theirs.header_bytes)) + theirs.header_bytes
                + rest)
    if how == "splice_body":
        head = mine.signed[: len(mine.signed) - len(mine.body) - 4]
        return head + struct.pack(">I", len(theirs.body)) + theirs.body + mine.signature
    return mine.signed + theirs.signature


@st.composite
def resigned(draw: st.DrawFn, w: World) -> bytes:
    """A message A's keys really signed, saying what is not A's to say, its fields drawn at will."""
    which, event_type = draw(REFUSABLE)
    app = getattr(w, which)
    body = _body(app, event_type, draw(st.dictionaries(PAYLOAD_KEYS, JSON, max_size=3)))
    body.update(draw(st.dictionaries(TOP_KEYS, JSON, max_size=2)))
    kind = draw(st.sampled_from(["event", "event", "event", "decision", "ack",
                                 "attachment_chunk"]))
    village = draw(st.sampled_from([VILLAGE_A, VILLAGE_A, VILLAGE_A, VILLAGE_B, TOWNSHIP_CODE, ""]))
    meta_app = draw(st.sampled_from([app, app, app, w.b_received, w.a_received, ""]))
    payload = messages.event_payload(body)
    if kind == "attachment_chunk":
        # A piece of B's case (one of A's own cases would rightly be taken in).
        facts = {"application_id": w.b_received, "address": "ab" * 32,
                 "offset": draw(st.integers(-2, 8)), "total": draw(st.integers(-2, 8)),
                 "sha256": "00" * 32, **draw(st.dictionaries(st.sampled_from(
                     ["label", "name", "media_type"]), JSON, max_size=2))}
        payload = messages.chunk_payload(facts, draw(st.binary(max_size=8)))
        meta_app = draw(st.sampled_from([w.b_received, w.b_received, w.a_received]))
    return _seal(w, payload, seq=next(SEQS), app=meta_app, kind=kind, village=village)


@st.composite
def mutated_messages(draw: st.DrawFn, w: World) -> bytes:
    if draw(st.booleans()):
        raw = draw(resigned(w))
        return draw(damaged(w, raw)) if draw(st.booleans()) else raw
    # A genuine message (a new case of A's, a material or a scan piece on one) or one A may
    # not send, then damaged: a signature bypass would let the genuine ones in.
    base = draw(st.sampled_from(["created", "material", "chunk", "refusable"]))
    if base == "created":
        raw = forge(w, _body(w.new_app_id(next(SEQS)), "created"))[1]
    elif base == "refusable":
        raw = draw(resigned(w))
    else:
        raw = _genuine(w, w.a_received)[0 if base == "material" else 1]
    return draw(damaged(w, raw))


def test_the_genuine_messages_the_mutations_start_from_are_taken_in(world: World) -> None:
    """The control: undamaged, the same messages are stored, so `0 stored` below means something."""
    w = world
    app = w.new_app_id(next(SEQS))
    seq, created = forge(w, _body(app, "created"))
    submitted = forge(w, _body(app, "submitted", {"applicant": {"name": "赵六"}}))[1]
    answer = send(w, created, submitted, *_genuine(w, app))
    assert answer.headers["X-Stored"] == "4" and answer.headers["X-Refused"] == "", answer.headers
    assert seq in listed(ack_of(w, answer), "custody")
    assert w.township.status(app)[0] == "received"
    assert [r for r in w.township.state()["scans"] if r[0] == app]  # the scan was put together


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          database=None)
@given(data=st.data())
def test_mutated_signed_messages_store_nothing_and_never_fail_the_server(
    world: World, data: st.DataObject
) -> None:
    w = world
    before = w.township.state()
    raws = [data.draw(mutated_messages(w)) for _ in range(data.draw(st.integers(1, 3)))]
    bundle = bundlefile.pack(raws)
    if data.draw(st.booleans()):  # the bundle's own framing damaged too
        at = data.draw(st.integers(0, 2**20)) % len(bundle)
        bundle = bundle[:at] + bytes([bundle[at] ^ 0x40]) + bundle[at + 1:]
    answer = signed_sync(w.url, w.a, bundle)
    assert answer.status_code < 500, answer.text
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        assert answer.headers["X-Stored"] == "0", answer.headers
    assert w.township.state() == before
