"""The downstream position is signed: nobody between a center and a village can make it skip decisions.

Real township (and county) stores served on loopback; the tampering happens on the real
answer's bytes, in an httpx transport between the village and the center (a man in the
middle on a plain-HTTP link), or on the files of a real stick.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from center import enroll as center_enroll
from center import ingest
from center import usb as center_usb
from center.enroll import issue_code
from center.upstream import forward_once
from forms.catalog import Catalog
from storage import sync_alarms, sync_inbox
from storage.store import Session
from sync import bundlefile, enroll, messages, position, signed, usb
from sync.client import enroll_online, sync_once
from sync.node import Node
from sync.overview import notices
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import make_center, statuses
from tests.test_sync_county import COUNTY_ITEM, centers  # noqa: F401  (the three-node fixture)
from village_agent import intake
from village_agent.i18n import notice_text, t, t_in

Items = list[bytes]
Headers = dict[str, str]


class Tamper(httpx.BaseTransport):
    """Between the village and a real center: passes the session on, may edit it and the answer."""

    def __init__(self, answer: Callable[[Items, Headers], tuple[Items, Headers]] | None = None,
                 request: Callable[[httpx.Request], httpx.Request] | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.answer, self.request = answer, request
        self.seen: list[tuple[Items, Headers]] = []  # each answer as the center sent it

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/sync" and self.request is not None:
            request = self.request(request)
        response = self.inner.handle_request(request)
        if request.url.path != "/v1/sync" or response.status_code != 200:
            return response  # a refusal (JSON) passes as it is
        body = response.read()
        response.close()
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() not in ("content-length", "transfer-encoding")}
        items = bundlefile.unpack(body)
        self.seen.append((items, headers))
        if self.answer is not None:
            items, headers = self.answer(list(items), dict(headers))
        return httpx.Response(response.status_code, headers=headers,
                              content=bundlefile.pack(items), request=request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def through() -> Iterator[Callable[[Tamper], httpx.Client]]:
    """A client whose sessions pass through `tamper`; closed after the test."""
    made: list[httpx.Client] = []

    def client(tamper: Tamper) -> httpx.Client:
        made.append(httpx.Client(transport=tamper, timeout=30))
        return made[-1]

    yield client
    for http in made:
        http.close()


Through = Callable[[Tamper], httpx.Client]


def queue(node: Node, code: str = VILLAGE_CODE) -> dict[int, bytes]:
    """A center's downstream queue for a village (or a township): position -> the message."""
    with node.session.store.database.read() as db:
        return {r[0]: r[1] for r in db.execute(
            "SELECT dseq, raw FROM downstream WHERE village_code = ? ORDER BY dseq", [code])}


def held_by(node: Node, device: str) -> int | None:
    with node.session.store.database.read() as db:
        row = db.execute("SELECT through FROM downstream_acks WHERE device_id = ?",
                         [device]).fetchone()
    return row[0] if row else None


def incomplete(store_owner: Session) -> list[str]:
    """The `downstream_incomplete` alarms raised at a node: who each was about."""
    return [a["sender"] for a in sync_alarms.alarms(store_owner.store.database)
            if a["kind"] == position.INCOMPLETE]


def types(session: Session, app_id: str) -> list[str]:
    return [e.type for e in session.show(app_id)[1]]


def position_ack(items: Items, signer: Node) -> messages.Ack:
    return messages.Ack.parse(messages.dumps(signed.verify(items[-1], signer.identity).body))


@pytest.fixture
def case(session: Session, township: tuple[Node, str], catalog: Catalog) -> str:
    """An application the township holds, its `received` (position 1) back at the village."""
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]
    assert sync_once(session.store, session=session).ok
    assert cursor_of(session, node) == 1 and statuses(session)[app_id] == "received"
    return app_id


def cursor_of(session: Session, node: Node) -> int:
    return sync_inbox.inbox_cursor(session.store.database, node.keys.device_id)


# ---- (a) an honest answer ------------------------------------------------------------------


def test_the_cursor_saved_is_the_position_the_township_signed_over_exactly_its_answer(
    session: Session, township: tuple[Node, str], case: str,
    through: Through,
) -> None:
    node, _ = township
    ingest.decide(node, case, "accepted", {})
    ingest.decide(node, case, "completed", {"result": "自次月起按月发放"})
    watch = Tamper()
    assert sync_once(session.store, session=session, client=through(watch)).ok
    (items, headers), = watch.seen
    ack = position_ack(items, node)  # the requester's own ack, last, signed by the township
    assert ack.subject == session.store.info.device_id
    assert (ack.down_from, ack.down_through) == (1, 3) == (1, max(queue(node)))
    assert headers["x-downstream-last"] == "3"  # still said, for older villages
    assert ack.covers == position.covers(items[:-1]) and len(items) == 3  # two decisions before it
    assert position.covers(items[:-1][::-1]) != ack.covers  # the order counts
    assert cursor_of(session, node) == 3
    assert sync_inbox.signs_positions(session.store.database, node.keys.device_id)
    assert incomplete(session) == [] and statuses(session)[case] == "completed"


# ---- (b) a header that says more than was signed ---------------------------------------------


def test_a_position_moved_forward_in_the_header_is_not_believed(
    session: Session, township: tuple[Node, str], case: str,
    through: Through,
) -> None:
    node, _ = township

    def forward(items: Items, headers: Headers) -> tuple[Items, Headers]:
        return items, {**headers, "x-downstream-last": "50"}

    ingest.decide(node, case, "accepted", {})
    assert sync_once(session.store, session=session, client=through(Tamper(forward))).ok
    assert cursor_of(session, node) == 2  # the signed position, not 50
    assert incomplete(session) == []  # nothing was missing: only the header lied
    # So the next decision (position 3, below the forged 50) still comes down.
    ingest.decide(node, case, "completed", {"result": "自次月起按月发放"})
    assert sync_once(session.store, session=session).ok
    assert statuses(session)[case] == "completed" and cursor_of(session, node) == 3


# ---- (c) an answer with a decision taken out ----------------------------------------------


def _drop(raw: bytes) -> Callable[[Items, Headers], tuple[Items, Headers]]:
    def edit(items: Items, headers: Headers) -> tuple[Items, Headers]:
        assert raw in items
        return [i for i in items if i != raw], headers
    return edit


def test_a_dropped_decision_keeps_the_cursor_and_pruning_cannot_lose_it(
    session: Session, township: tuple[Node, str], case: str,
    through: Through,
) -> None:
    node, _ = township
    me = session.store.info.device_id
    ingest.decide(node, case, "accepted", {})
    ingest.decide(node, case, "completed", {"result": "自次月起按月发放"})
    accepted = queue(node)[2]

    tampered = sync_once(session.store, session=session, client=through(Tamper(_drop(accepted))))
    assert tampered.ok and position.INCOMPLETE in tampered.refused
    assert cursor_of(session, node) == 1  # not moved past the missing decision
    assert incomplete(session) == [node.keys.device_id]
    assert "completed" in types(session, case)  # what verified on its own was taken in
    assert "accepted" not in types(session, case)
    newest = notices(session.store)[0]  # the agent hears of it on the sync screen
    assert newest.kind == position.INCOMPLETE
    assert notice_text(newest.kind, newest.seq, newest.detail) == t("notice.downstream_incomplete")
    assert "重新索取" in t_in("zh", "notice.downstream_incomplete")

    # The attacker keeps it out of the next session too: the village's signed down_ack goes
    # up, and says it holds only position 1. Pruning everything it may keeps the decision.
    again = sync_once(session.store, session=session, client=through(Tamper(_drop(accepted))))
    assert again.ok and position.INCOMPLETE in again.refused
    assert held_by(node, me) == 1
    ingest.prune(node, keep_days=0)
    assert sorted(queue(node)) == [2, 3] and queue(node)[2] == accepted

    # The next honest session asks from 1 and brings it; only then is it acknowledged and pruned.
    honest = sync_once(session.store, session=session)
    assert honest.ok and position.INCOMPLETE not in honest.refused
    assert cursor_of(session, node) == 3
    assert types(session, case).count("accepted") == 1 and types(session, case).count("completed") == 1
    assert statuses(session)[case] == "completed"
    assert sync_once(session.store, session=session).ok  # carries the new down_ack
    assert held_by(node, me) == 3
    ingest.prune(node, keep_days=0)
    assert sorted(queue(node)) == [3]
    assert len(incomplete(session)) == 2  # one per session that was cut, none since


def _swap(items: Items, headers: Headers) -> tuple[Items, Headers]:
    return [items[1], items[0], *items[2:]], headers


def _strip_the_ack(accepted: bytes) -> Callable[[Items, Headers], tuple[Items, Headers]]:
    def edit(items: Items, headers: Headers) -> tuple[Items, Headers]:
        return [i for i in items[:-1] if i != accepted], headers  # as an older center would answer
    return edit


def _append(extra: bytes) -> Callable[[Items, Headers], tuple[Items, Headers]]:
    def edit(items: Items, headers: Headers) -> tuple[Items, Headers]:
        return [*items, extra], headers
    return edit


def _ask_from(cursor: int) -> Callable[[httpx.Request], httpx.Request]:
    def edit(request: httpx.Request) -> httpx.Request:
        body = request.read()
        return httpx.Request(request.method, request.url.copy_set_param("cursor", str(cursor)),
                             headers=request.headers, content=body)
    return edit


@pytest.mark.parametrize("attack", ["reordered", "ack_stripped", "appended", "asked_from_later"])
def test_an_answer_altered_on_the_way_keeps_the_cursor_until_an_honest_one(
    attack: str, session: Session, township: tuple[Node, str], case: str,
    through: Through,
) -> None:
    node, _ = township
    ingest.decide(node, case, "accepted", {})
    ingest.decide(node, case, "completed", {"result": "自次月起按月发放"})
    the_queue = queue(node)
    tamper = {
        "reordered": Tamper(_swap),
        # The decision and the signed position both taken out, the header kept: what an older
        # center sends. This township signed a position before (in `case`), so it is not believed.
        "ack_stripped": Tamper(_strip_the_ack(the_queue[2])),
        "appended": Tamper(_append(the_queue[1])),  # an old decision replayed after the ack
        "asked_from_later": Tamper(request=_ask_from(2)),  # the center answers past position 2
    }[attack]
    report = sync_once(session.store, session=session, client=through(tamper))
    if attack == "asked_from_later":
        # The cursor is part of the signed request (sync.proof): the center does not answer a
        # request raised on the way, and the village keeps its cursor.
        assert not report.ok and report.error == "bad_proof" and not tamper.seen
        assert cursor_of(session, node) == 1
        assert sync_once(session.store, session=session).ok
        assert cursor_of(session, node) == 3 and statuses(session)[case] == "completed"
        return
    assert report.ok and position.INCOMPLETE in report.refused
    assert cursor_of(session, node) == 1
    assert incomplete(session) == [node.keys.device_id]

    assert sync_once(session.store, session=session).ok
    assert cursor_of(session, node) == 3
    assert types(session, case).count("accepted") == 1 and statuses(session)[case] == "completed"
    assert incomplete(session) == [node.keys.device_id]


# ---- (d) a tampered stick ---------------------------------------------------------------------


@pytest.fixture
def by_stick(session: Session, tmp_path: Path, catalog: Catalog) -> Iterator[tuple[Node, str]]:
    """A village enrolled by file with a township that is never online: (township, application)."""
    node = Node.of(make_center(tmp_path / "stick-township"))
    code = center_enroll.issue_code(node, VILLAGE_CODE)
    enroll.accept(Node.of(session), center_enroll.redeem(node, enroll.build_request(session.store, code)),
                  code)
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]
    yield node, app_id
    node.session.store.close()


def _round(session: Session, node: Node, stick: Path) -> Path:
    """Village → stick → township: the answer's sidecar."""
    stick.mkdir()
    usb.export_village(Node.of(session), stick)
    center_usb.import_center(node, stick)
    (side,) = stick.glob("down-*.json")
    return side


def test_a_stick_whose_sidecar_position_was_raised_saves_the_signed_one(
    session: Session, by_stick: tuple[Node, str], tmp_path: Path
) -> None:
    node, app_id = by_stick
    side = _round(session, node, tmp_path / "one")
    facts = json.loads(side.read_text(encoding="utf-8"))
    assert facts["last"] == 1
    side.write_text(json.dumps({**facts, "last": 40}), encoding="utf-8")
    back = usb.import_village(Node.of(session), tmp_path / "one")
    assert back.refused == [] and cursor_of(session, node) == 1
    ingest.decide(node, app_id, "accepted", {})  # position 2: below the forged 40, still comes
    assert usb.import_village(Node.of(session), _round(session, node, tmp_path / "two").parent).applied
    assert statuses(session)[app_id] == "accepted" and cursor_of(session, node) == 2


def test_a_stick_answer_with_a_decision_taken_out_keeps_the_cursor(
    session: Session, by_stick: tuple[Node, str], tmp_path: Path
) -> None:
    node, app_id = by_stick
    usb.import_village(Node.of(session), _round(session, node, tmp_path / "one").parent)
    assert cursor_of(session, node) == 1
    ingest.decide(node, app_id, "accepted", {})
    stick = _round(session, node, tmp_path / "two").parent
    (answer,) = stick.glob("down-*.vab")
    items = bundlefile.unpack(answer.read_bytes())
    assert queue(node)[2] in items
    answer.write_bytes(bundlefile.pack([i for i in items if i != queue(node)[2]]))  # whole again
    back = usb.import_village(Node.of(session), stick)
    assert position.INCOMPLETE in back.refused and cursor_of(session, node) == 1
    assert incomplete(session) == [node.keys.device_id] and statuses(session)[app_id] == "received"

    usb.import_village(Node.of(session), _round(session, node, tmp_path / "three").parent)
    assert statuses(session)[app_id] == "accepted" and cursor_of(session, node) == 2


def test_a_stick_whose_request_cursor_was_raised_gets_no_answer(
    session: Session, by_stick: tuple[Node, str], tmp_path: Path
) -> None:
    """The sidecar's cursor is signed by the device's request key: an edited one is not answered."""
    node, app_id = by_stick
    usb.import_village(Node.of(session), _round(session, node, tmp_path / "one").parent)
    ingest.decide(node, app_id, "accepted", {})  # position 2
    stick = tmp_path / "two"
    stick.mkdir()
    usb.export_village(Node.of(session), stick)
    (up,) = stick.glob("up-*.json")
    up.write_text(json.dumps({**json.loads(up.read_text(encoding="utf-8")), "cursor": 2}),
                  encoding="utf-8")
    at_township = center_usb.import_center(node, stick)
    assert [u[2] for u in at_township.unanswered] == ["bad_proof"] and not at_township.answers
    assert not list(stick.glob("down-*"))
    back = usb.import_village(Node.of(session), stick)
    assert back.files == [] and cursor_of(session, node) == 1
    usb.import_village(Node.of(session), _round(session, node, tmp_path / "three").parent)
    assert statuses(session)[app_id] == "accepted" and cursor_of(session, node) == 2


# ---- (e) an older center ------------------------------------------------------------------------


def _older_answer(node: Node, device: str, senders: set[str], cursor: int) -> tuple[Items, int]:
    """What a center before signed positions answered: the acks first, no position in them."""
    acks = [ingest.ack_for(node, d) for d in sorted({device} | senders)]
    down, last = ingest.downstream_for(node, device, cursor)
    return [*acks, *down], last


def test_an_older_centers_header_position_is_used_until_it_has_signed_one(
    session: Session, township: tuple[Node, str], catalog: Catalog, monkeypatch: pytest.MonkeyPatch,
    through: Through,
) -> None:
    node, url = township
    monkeypatch.setattr(ingest, "answer", _older_answer)  # the server runs the older code
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]
    watch = Tamper()
    assert sync_once(session.store, session=session, client=through(watch)).ok
    assert all("down_through" not in signed.peek(i).body for i in watch.seen[0][0]
               if signed.is_record(i))
    assert cursor_of(session, node) == 1 == int(watch.seen[0][1]["x-downstream-last"])
    assert not sync_inbox.signs_positions(session.store.database, node.keys.device_id)
    ingest.decide(node, app_id, "accepted", {})
    assert sync_once(session.store, session=session).ok
    assert cursor_of(session, node) == 2 and statuses(session)[app_id] == "accepted"
    assert incomplete(session) == []

    monkeypatch.undo()  # the township is upgraded: from its first signed position on ...
    ingest.decide(node, app_id, "completed", {"result": "自次月起按月发放"})
    assert sync_once(session.store, session=session).ok
    assert cursor_of(session, node) == 3
    assert sync_inbox.signs_positions(session.store.database, node.keys.device_id)
    # ... an answer without one (an older server put back, or the ack taken out) is not believed.
    monkeypatch.setattr(ingest, "answer", _older_answer)
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                today=TODAY)
    report = sync_once(session.store, session=session)
    assert report.ok and position.INCOMPLETE in report.refused and cursor_of(session, node) == 3
    assert incomplete(session) == [node.keys.device_id]


# ---- (f) a township under its county --------------------------------------------------------------


def test_a_county_decision_dropped_on_the_way_to_the_township_is_asked_for_again(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog,  # noqa: F811
    through: Through,
) -> None:
    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), COUNTY_ITEM,
                         example(catalog.get(COUNTY_ITEM)), today=TODAY).application_ids[0]
    assert sync_once(session.store, session=session).ok
    assert forward_once(township).ok  # up to the county; its `received` comes back (position 1)
    county_id = county.keys.device_id
    assert sync_inbox.inbox_cursor(township.session.store.database, county_id) == 1
    ingest.decide(county, app_id, "accepted", {})
    ingest.decide(county, app_id, "completed", {"result": "核发残疾人证"})
    accepted = queue(county, township.code)[2]

    for _ in range(2):  # the second forward carries the township's down_ack: it holds only 1
        cut = forward_once(township, client=through(Tamper(_drop(accepted))))
        assert cut.ok and position.INCOMPLETE in cut.refused
        assert sync_inbox.inbox_cursor(township.session.store.database, county_id) == 1
    assert incomplete(township.session) == [county_id, county_id]
    assert held_by(county, township.keys.device_id) == 1
    ingest.prune(county, keep_days=0)
    assert queue(county, township.code).get(2) == accepted  # not pruned: nobody signed for it

    honest = forward_once(township)
    assert honest.ok and position.INCOMPLETE not in honest.refused
    assert sync_inbox.inbox_cursor(township.session.store.database, county_id) == 3
    assert "accepted" in types(township.session, app_id)
    # Each county decision is queued for the village once, though `completed` came twice.
    relayed = list(queue(township).values())
    assert len(relayed) == len(set(relayed)) and accepted in relayed
    assert sync_once(session.store, session=session).ok
    assert types(session, app_id).count("accepted") == 1
    assert statuses(session)[app_id] == "completed"
