"""Drafts in the store: kept sealed, listed, reopened, forgotten; each bound to its own row."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.crypto import DecryptionFailed
from storage.errors import NotFound
from storage.store import Session, Store
from tests.conftest import AGENT, PIN
from tests.helpers import disk_bytes, raw_db, table_counts

FORM = {
    "applicant": {"name": "欧阳秀珍", "id_number": "430481193811230072"},
    "fields": {"household_address": "资兴市兴宁镇石鼓村七组桂花巷29号"},
    "materials": {"id_card": "provided"},
    "attachments": [{"label": "id_card", "path": "/media/usb/欧阳秀珍身份证.jpg"}],
}


def test_a_draft_is_kept_reopened_updated_and_forgotten(session: Session) -> None:
    draft_id = session.save_draft("MZ-GLJT", "2026.1", FORM)
    [listed] = session.drafts()
    assert (listed.id, listed.item_code, listed.item_version, listed.operator) == (
        draft_id, "MZ-GLJT", "2026.1", AGENT)
    assert listed.applicant_name == "欧阳秀珍"
    assert session.load_draft(draft_id).data == FORM

    changed = {**FORM, "fields": {"household_address": "石鼓村八组"}}
    assert session.save_draft("MZ-GLJT", "2026.1", changed, draft_id) == draft_id
    assert [d.data for d in session.drafts()] == [changed]

    session.delete_draft(draft_id)
    assert session.drafts() == []
    with pytest.raises(NotFound):
        session.load_draft(draft_id)
    session.delete_draft(draft_id)  # already gone: not an error


def test_drafts_hold_no_personal_data_in_plaintext(session: Session, store: Store, home: Path) -> None:
    session.save_draft("MZ-GLJT", "2026.1", FORM)
    store.close()
    everything = disk_bytes(home)
    for secret in ("欧阳秀珍", "430481193811230072", "桂花巷", "身份证.jpg"):
        assert secret.encode("utf-8") not in everything, secret
        assert secret.encode("utf-16-le") not in everything, secret


def test_a_sealed_draft_copied_onto_another_row_does_not_open(session: Session, home: Path) -> None:
    mine = session.save_draft("MZ-GLJT", "2026.1", FORM)
    other = session.save_draft("MZ-GLJT", "2026.1", {"applicant": {"name": "司马德旺"}})
    with raw_db(home) as conn:
        conn.execute("UPDATE drafts SET payload = (SELECT payload FROM drafts WHERE id = ?)"
                     " WHERE id = ?", (mine, other))
    with pytest.raises(DecryptionFailed):
        session.load_draft(other)


def test_each_operator_sees_their_own_drafts_when_asked(session: Session, store: Store) -> None:
    session.add_operator("李建军", "grid_worker", "357913")
    grid = store.login("李建军", "357913")
    session.save_draft("MZ-GLJT", "2026.1", FORM)
    grid.save_draft("WG-AQYH", "2026.1", {"fields": {"grid_name": "三组"}})
    assert [d.item_code for d in grid.drafts(mine=True)] == ["WG-AQYH"]
    assert sorted(d.item_code for d in grid.drafts()) == ["MZ-GLJT", "WG-AQYH"]


def test_saving_and_deleting_are_audited_without_personal_data(session: Session, home: Path) -> None:
    draft_id = session.save_draft("MZ-GLJT", "2026.1", FORM)
    session.delete_draft(draft_id)
    with raw_db(home) as conn:
        rows = conn.execute("SELECT action, target, detail FROM audit WHERE action LIKE 'draft.%'"
                            " ORDER BY seq").fetchall()
    assert rows == [("draft.save", draft_id, "MZ-GLJT"), ("draft.delete", draft_id, "MZ-GLJT")]
    assert session.verify().ok


def test_the_drafts_table_comes_from_migration_m004(store: Store, home: Path) -> None:
    assert "drafts" in table_counts(home)
    with raw_db(home) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert names.count("m004_drafts") == 1
    Store.open(home).login(AGENT, PIN).drafts()  # reopening applies nothing twice
