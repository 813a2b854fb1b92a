"""A promised date counted over a year without its holiday table stays "about" at every level.

The township counts the deadline from its own receipt; when that runs into a year whose
holidays are not yet published, the date is approximate there, and it must stay marked
so when it reaches the village (the village's own estimate said so before the township's
date replaced it). A village cannot set a promised date at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import time_machine

from center.enroll import issue_code
from storage import sync_alarms
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import VILLAGE_CODE
from tests.forms_helpers import example
from village_agent import intake
from village_agent.i18n import due_text, t

DECEMBER = date(2026, 12, 21)  # MZ-GLJT's 15 working days from here run into 2027


def _row(session: Session, app_id: str) -> tuple[Any, ...]:
    with session.store.database.read() as db:
        row = db.execute("SELECT due_date, due_approximate FROM applications WHERE id = ?",
                         [app_id]).fetchone()
    return tuple(row)


def test_an_approximate_township_date_stays_approximate_at_the_village(
    session: Session, township: tuple[Node, str], catalog: Any
) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    with time_machine.travel(DECEMBER, tick=False):
        app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                             example(catalog.get("MZ-GLJT")), today=DECEMBER).application_ids[0]
        assert sync_once(session.store, session=session).ok

    due, approximate = _row(node.session, app_id)
    assert due.startswith("2027-") and approximate == 1  # the township's own copy
    # 1 January is a holiday every year, published or not: never a promised date.
    assert due != "2027-01-01"
    village_due, village_approximate = _row(session, app_id)
    assert (village_due, village_approximate) == (due, 1)
    summary = next(s for s in session.list() if s.id == app_id)
    assert summary.due_approximate
    assert due_text(summary.due_date, summary.due_approximate) == f"≈{due}"
    assert "约" in due_text(summary.due_date, True, long=True)


def test_a_known_year_makes_the_date_firm(
    session: Session, township: tuple[Node, str], catalog: Any
) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    with time_machine.travel(date(2026, 11, 2), tick=False):
        app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                             example(catalog.get("MZ-GLJT")),
                             today=date(2026, 11, 2)).application_ids[0]
        assert sync_once(session.store, session=session).ok
    assert _row(node.session, app_id)[1] == 0 and _row(session, app_id)[1] == 0
    assert not due_text("2026-11-23", False).startswith("≈")


def test_a_village_cannot_set_a_promised_date(
    session: Session, township: tuple[Node, str], catalog: Any
) -> None:
    """Only the center's received/accepted set the date; a village event naming one is refused."""
    from center import ingest
    from sync import envelope, messages

    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), today=DECEMBER).application_ids[0]
    assert sync_once(session.store, session=session).ok
    before = _row(node.session, app_id)
    keys = Node.of(session).keys
    for n, due in enumerate(("2099-12-31", "not a date"), 100):
        raw = envelope.seal(messages.event_payload({
            "application_id": app_id, "type": "material_supplied",
            "payload": {"material": "id_card", "due_date": due}, "item_code": "MZ-GLJT"}),
            kind="event", sender=keys, village=VILLAGE_CODE, seq=n, hlc=f"{n}.0",
            recipients=[node.identity], meta={"owner": "township", "app": app_id})
        result = ingest.Ingested()
        ingest.ingest(node, raw, result)
        assert result.refused == [(keys.device_id, n, "malformed_payload")], result
    assert _row(node.session, app_id) == before
    kinds = [a["kind"] for a in sync_alarms.alarms(node.session.store.database)]
    assert kinds.count("malformed_payload") == 2
    assert t("due.approximate", due="x") == "≈x"
