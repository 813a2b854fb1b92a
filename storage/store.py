"""The store as one object: create or open a home directory, log in, then work as an operator."""

from __future__ import annotations

import builtins
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from forms.engine import CleanApplication
from forms.fieldtypes import FieldError, check_division_code
from forms.workdays import WorkingCalendar, YearTable
from storage import (
    applicants,
    applications,
    attachments,
    audit,
    devicekeys,
    drafts,
    events,
    operators,
    owed,
    pg,
    recovery,
)
from storage.applications import Planned, Summary
from storage.attachments import IncomingFile
from storage.crypto import DEFAULT_KDF, KdfParams, Keys, new_data_key, wrap_data_key
from storage.db import Database
from storage.drafts import Draft
from storage.errors import TEXTS, InvalidRequest, NotPermitted, StoreExists, StoreMissing
from storage.lobby import STORE_FILE
from storage.messages import both
from storage.operators import Operator
from storage.verify import VerifyReport, verify

if TYPE_CHECKING:
    from forms.catalog import Catalog
    from forms.model import Bundle, ServiceItem

NODE_CODE_LENGTH = {"township": 9, "county": 6}


@dataclass(frozen=True)
class StoreInfo:
    village_code: str
    village_name: str
    device_id: str
    created_at: str

    @property
    def device_tag(self) -> str:
        return self.device_id[:6].upper()


class Store:
    def __init__(self, database: Database, home: Path) -> None:
        self.database = database
        self.home = home

    @classmethod
    def create(
        cls,
        home: Path,
        *,
        village_code: str,
        village_name: str,
        operator_name: str,
        pin: str,
        role: str | None = None,
        kdf: KdfParams = DEFAULT_KDF,
        node: str = "village",
        device_id: str | None = None,
        recovery_code: str | None = None,
        database: str | None = None,
    ) -> Store:
        """A new store. `node` is what this machine is: a village point or a township/county center.

        `device_id` (16 hex digits) is drawn at random unless given: tests fix it, so application
        numbers (which carry the device tag) come out the same on every run.

        A center's `village_code` is its own division code: 9 digits for a township,
        6 for a county (the leading part of 统计用区划代码).

        The first operator is the one who manages the others: a village point's agent, a
        center's clerk. `role`, if given, must be that one.

        `recovery_code` (from `recovery.new_code()`, shown to the person once by the caller)
        also wraps the data key, so a forgotten PIN does not lose the store.

        `database` (a center only): a `postgresql://` URL puts the store on that server
        (`storage.pg`); the home then keeps only the URL. Default: the SQLite file in `home`.
        """
        if node == "village":
            try:
                village_code = check_division_code(village_code)
            except FieldError as exc:
                raise InvalidRequest(TEXTS, en=exc.en, zh=exc.message) from None
        elif node in NODE_CODE_LENGTH:
            code = village_code.strip()
            if not (code.isdigit() and len(code) == NODE_CODE_LENGTH[node] and code[0] != "0"):
                raise InvalidRequest("storage.store.code_length", digits=NODE_CODE_LENGTH[node],
                                     place=both(f"storage.store.place.{node}"))
            village_code = code
        else:
            raise InvalidRequest("storage.store.node_kind")
        if not village_name.strip() or len(village_name) > 40:
            raise InvalidRequest("storage.store.name_length")
        first = operators.manager_role(node)
        if role is not None and role != first:
            raise InvalidRequest("storage.store.first_operator", title=operators.role_name(first))
        role = first
        operators.check_pin_strength(pin)
        if device_id is not None and not (
            len(device_id) == 16 and all(c in "0123456789abcdef" for c in device_id)
        ):
            raise InvalidRequest("storage.store.device_id")
        path = home / STORE_FILE
        if path.exists() and path.stat().st_size > 0:
            raise StoreExists("storage.store.exists", path=path)
        if database is not None and (node == "village" or not pg.is_url(database)):
            raise InvalidRequest("storage.store.pg_center_only")
        if (home / pg.URL_FILE).exists():
            raise StoreExists("storage.store.exists", path=home / pg.URL_FILE)
        data_key = new_data_key()
        keys = Keys(data_key)
        wrapped = wrap_data_key(data_key, pin, kdf, operator=operator_name.strip())
        spare = recovery.wrap(keys, recovery_code, kdf) if recovery_code is not None else None
        # A PgDatabase offers Database's surface (storage/pg.py); typed as one for the callers.
        store_db = (cast(Database, pg.create(home, database)) if database is not None
                    else None)
        home.mkdir(parents=True, exist_ok=True)
        store_db = store_db or Database(path)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with store_db.write() as db:
            for key, value in (
                ("village_code", village_code), ("village_name", village_name.strip()),
                ("device_id", device_id or secrets.token_hex(8)), ("created_at", now),
                ("next_seq", "1"),
                ("kdf", json.dumps(kdf.__dict__)), ("node", node),
                # A new center has no case filed without its applicant (sync_received.link_applicants).
                *((("applicants_linked", "1"),) if node != "village" else ()),
            ):
                events.meta_set(db, key, value)
            db.execute(
                "INSERT INTO operators (name, role, wrapped_key, created_at) VALUES (?, ?, ?, ?)",
                (operator_name.strip(), role, wrapped.to_json(), now),
            )
            devicekeys.ensure(db, keys)
            audit.append(db, operator_name.strip(), "store.init", village_code, "", keys)
            if spare is not None:
                recovery.save(db, keys, spare, by=operator_name.strip(), at=now)
        return cls(store_db, home)

    @classmethod
    def open(cls, home: Path) -> Store:
        path = home / STORE_FILE
        if (home / pg.URL_FILE).exists():
            return cls(cast(Database, pg.open_home(home)), home)
        if not path.exists() or path.stat().st_size == 0:
            raise StoreMissing("storage.store.missing", home=home)
        return cls(Database(path), home)

    @property
    def info(self) -> StoreInfo:
        with self.database.read() as db:
            values = [events.meta_get(db, k) or "" for k in
                      ("village_code", "village_name", "device_id", "created_at")]
        return StoreInfo(*values)

    @property
    def node(self) -> str:
        """village | township | county."""
        with self.database.read() as db:
            return events.meta_get(db, "node") or "village"

    @property
    def kdf(self) -> KdfParams:
        with self.database.read() as db:
            text = events.meta_get(db, "kdf")
        return KdfParams(**json.loads(text)) if text else DEFAULT_KDF

    def operators(self) -> list[Operator]:
        return operators.list_operators(self.database)

    def login(self, name: str, pin: str) -> Session:
        operator, keys = operators.unlock(self.database, name.strip(), pin)
        with self.database.read() as db:
            missing = devicekeys.public(db) is None
        if missing:  # a store made before device keys existed gets its own now
            with self.database.write() as db:
                devicekeys.ensure(db, keys)
        applicants.index_names(self.database, keys)  # names m023 could not index without the key
        return Session(self, operator, keys)

    def recover(self, name: str, code: str, new_pin: str) -> Operator:
        """A forgotten PIN: the recovery code sets a new one (audited `operator.recovered`)."""
        return recovery.recover(self.database, name.strip(), code, new_pin, self.kdf)

    def has_recovery_code(self) -> bool:
        with self.database.read() as db:
            return recovery.has_code(db)

    def device_public(self) -> dict[str, str]:
        """This device's id and public keys (no PIN needed): for enrollment and fingerprints."""
        with self.database.read() as db:
            keys = devicekeys.public(db) or {}
        return {"device_id": self.info.device_id, **keys}

    def catalog(self) -> Catalog:
        """The catalog in force here: the newest release the county published, else the shipped one."""
        from storage import catalogs

        return catalogs.active(self.database)

    def catalog_entry(self, code: str, version: str) -> ServiceItem | Bundle | None:
        """An item or bundle at the version an application or draft was started on (None if unknown)."""
        from storage import catalogs

        return catalogs.entry_at(self.database, code, version)

    def close(self) -> None:
        self.database.close()


class Session:
    """An operator at work: the store unlocked with their PIN."""

    def __init__(self, store: Store, operator: Operator, keys: Keys) -> None:
        self.store = store
        self.operator = operator
        self.keys = keys

    def __repr__(self) -> str:
        return f"Session(operator={self.operator.name!r})"

    def _require_manager(self) -> None:
        """Operators are managed by a village point's agents, or by a center's clerks."""
        manager = operators.manager_role(self.store.node)
        if self.operator.role != manager:
            raise NotPermitted("storage.operator.managers_only", title=operators.role_name(manager))

    # operators
    def add_operator(self, name: str, role: str, pin: str) -> Operator:
        self._require_manager()
        return operators.insert_operator(
            self.store.database, self.keys, name, role, pin, self.store.kdf, by=self.operator.name
        )

    def disable_operator(self, name: str) -> None:
        self._require_manager()
        if name == self.operator.name:
            raise InvalidRequest("storage.operator.not_yourself")
        operators.set_active(self.store.database, self.keys, name, False, by=self.operator.name)

    def enable_operator(self, name: str) -> None:
        self._require_manager()
        operators.set_active(self.store.database, self.keys, name, True, by=self.operator.name)

    def new_recovery_code(self) -> str:
        """Make (or replace) the store's recovery code; returns it, to be shown once, grouped."""
        self._require_manager()
        code = recovery.new_code()
        wrapped = recovery.wrap(self.keys, code, self.store.kdf)  # slow: outside the lock
        with self.store.database.write() as db:
            recovery.save(db, self.keys, wrapped, by=self.operator.name,
                          at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        return code

    def set_pin(self, name: str, pin: str) -> None:
        if name != self.operator.name:
            self._require_manager()
        operators.set_pin(
            self.store.database, self.keys, name, pin, self.store.kdf, by=self.operator.name
        )

    # applicants
    def find_applicant(self, id_number: str) -> dict[str, Any] | None:
        return applicants.find(self.store.database, self.keys, id_number)

    def applicant_history(self, id_number: str) -> builtins.list[applicants.Version]:
        return applicants.history(self.store.database, self.keys, id_number)

    def update_applicant(self, id_number: str, **changes: str) -> applicants.Version:
        """Correct a person's details in the registry (explicit, audited); filed cases keep theirs."""
        return applicants.update(self.store.database, self.keys, id_number, changes,
                                 by=self.operator.name)

    # applications
    def record(
        self,
        planned: Sequence[Planned],
        files: Sequence[IncomingFile] = (),
        *,
        bundle_code: str | None = None,
        authorization: str = "signed",
        today: date | None = None,
        draft_id: str | None = None,
    ) -> list[str]:
        """Record applications; the draft they were filled in is forgotten in the same transaction."""
        with self.store.database.write():
            ids = applications.record(
                self.store.database, self.keys, self.operator, planned, files,
                bundle_code=bundle_code, authorization=authorization, today=today or date.today(),
            )
            if draft_id is not None:
                drafts.delete(self.store.database, self.keys, draft_id, by=self.operator.name)
        return ids

    def list(self, **filters: Any) -> builtins.list[Summary]:
        return applications.summaries(self.store.database, self.keys, **filters)

    def show(self, application_id: str) -> tuple[Summary, builtins.list[events.Event]]:
        return applications.detail(self.store.database, self.keys, application_id)

    def owed_materials(self, application_id: str | None = None) -> builtins.list[owed.Owed]:
        """Materials owed (容缺, 告知承诺): still outstanding on every case that still owes, or
        every one of one case's, supplied or not."""
        if application_id is None:
            return owed.outstanding(self.store.database)
        with self.store.database.read() as db:
            return owed.of_case(db, application_id.strip())

    # drafts: forms being filled in, kept until submitted or thrown away
    def save_draft(
        self, item_code: str, item_version: str, data: dict[str, Any], draft_id: str | None = None
    ) -> str:
        return drafts.save(
            self.store.database, self.keys, operator_id=self.operator.id,
            operator_name=self.operator.name, item_code=item_code, item_version=item_version,
            data=data, draft_id=draft_id,
        )

    def drafts(self, *, mine: bool = False) -> builtins.list[Draft]:
        return drafts.list_drafts(
            self.store.database, self.keys, operator_id=self.operator.id if mine else None
        )

    def load_draft(self, draft_id: str) -> Draft:
        return drafts.load(self.store.database, self.keys, draft_id)

    def delete_draft(self, draft_id: str) -> None:
        drafts.delete(self.store.database, self.keys, draft_id, by=self.operator.name)

    def calendar(self) -> WorkingCalendar:
        """The shipped calendar with every table imported into this store laid over it."""
        cal = WorkingCalendar.default()
        with self.store.database.read() as db:
            for year, body in db.execute("SELECT year, body FROM calendar_years ORDER BY year"):
                cal.add_year(YearTable.from_mapping(json.loads(body), f"store:{year}"))
        return cal

    def import_calendar(self, table: YearTable) -> None:
        """Keep a year's holiday table (replacing an earlier one for that year), audited."""
        with self.store.database.write() as db:
            db.execute(
                "INSERT INTO calendar_years (year, body, imported_at, imported_by)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (year) DO UPDATE SET body = excluded.body, imported_at = excluded.imported_at, imported_by = excluded.imported_by",
                (table.year, json.dumps(table.as_mapping(), ensure_ascii=False),
                 datetime.now(timezone.utc).isoformat(timespec="seconds"), self.operator.name),
            )
            audit.append(db, self.operator.name, "calendar.import", str(table.year),
                         table.version or table.source, self.keys)

    def add_event(
        self,
        application_id: str,
        event_type: str,
        payload: dict[str, Any],
        *,
        files: Sequence[IncomingFile] = (),
        expect: Callable[[str], None] | None = None,
        then: Callable[[Any], None] | None = None,
    ) -> int:
        """A local event on an existing application (corrected, delivered, rated, ...), with its outbox row.

        `expect(status)` sees the case's status inside the write transaction and
        raises to refuse, so two clicks (or the app and the CLI) cannot both pass
        the check. `files` are stored in the same transaction; their manifest
        joins the payload as `attachments`, which sync sends on like intake's.
        `then(db)` runs in the same transaction after the event is written (what the event
        changes beside the log, e.g. the owed materials it closes).
        """
        summary, _ = self.show(application_id)
        with self.store.database.write() as db:
            if expect is not None:
                row = db.execute("SELECT status FROM applications WHERE id = ?", [summary.id]).fetchone()
                expect(str(row[0]))
            if files:
                stored = [attachments.store(db, self.keys, f) for f in files]
                for s in stored:
                    db.execute("INSERT INTO application_attachments (application_id, label,"
                               " attachment_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (summary.id, s.label, s.address))
                payload = {**payload, "attachments": [s.manifest() for s in stored]}
            applicant = payload.get("applicant")
            declared = None
            if event_type == "corrected" and isinstance(applicant, dict) and applicant.get("id_number"):
                # 一数一源: the corrected filing is what this case shows from now on.
                declared = applicants.declare(db, self.keys, applicant, payload.get("fields") or {},
                                              source="corrected")
                applicants.link(db, summary.id, declared)
            device = events.DeviceState(db)
            seq = events.append(db, self.keys, device, application_id=summary.id,
                                event_type=event_type, payload=payload, operator_id=self.operator.id)
            if then is not None:
                then(db)
            device.save()
            audit.append(db, self.operator.name, f"application.{event_type}", summary.id,
                         summary.item_code, self.keys)
            applicants.audit_changes(db, self.keys, self.operator.name, summary.id, declared)
        return seq

    def decide_here(
        self,
        application_id: str,
        steps: Callable[[str], Sequence[tuple[str, dict[str, Any]]]],
    ) -> builtins.list[int]:
        """放权下沉: the village point's own decision on a village-decided item (accepted then
        completed, or rejected), in one transaction.

        `steps(status)` sees the case's status inside the write transaction and returns the
        events to record (or raises to refuse, so two clicks cannot both decide). Each is an
        event in the case's log with its outbox row (`report`): the township files them as the
        record of a case decided here.
        """
        summary, _ = self.show(application_id)
        seqs: builtins.list[int] = []
        with self.store.database.write() as db:
            row = db.execute("SELECT status FROM applications WHERE id = ?", [summary.id]).fetchone()
            planned = steps(str(row[0]))
            device = events.DeviceState(db)
            for event_type, payload in planned:
                seqs.append(events.append(db, self.keys, device, application_id=summary.id,
                                          event_type=event_type, payload=payload,
                                          operator_id=self.operator.id, report=True))
                audit.append(db, self.operator.name, f"application.{event_type}", summary.id,
                             summary.item_code, self.keys)
            device.save()
        return seqs

    def device_private(self) -> tuple[bytes, bytes]:
        """The device's private keys (raw), for sync to sign and open with. Never logged."""
        with self.store.database.read() as db:
            return devicekeys.private(db, self.keys)

    def verify(self) -> VerifyReport:
        return verify(self.store.database, self.keys)

    def log(self, action: str, target: str = "", detail: str = "") -> None:
        """Record an operator action that changes nothing else (printing a receipt, exporting)."""
        with self.store.database.write() as db:
            audit.append(db, self.operator.name, action, target, detail, self.keys)


__all__ = ["CleanApplication", "Draft", "Planned", "Session", "Store", "StoreInfo"]
