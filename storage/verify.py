"""`verify`: is the file sound, is the audit chain whole, does every sealed record open?"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage import applicants, audit
from storage.crypto import DecryptionFailed, Keys
from storage.db import Database
from storage.events import meta_get, retired_seqs
from storage.status import derive_status


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(database: Database, keys: Keys) -> VerifyReport:
    report = VerifyReport()
    with database.read() as db:
        # SQLite's file checks; a PostgreSQL server (storage.pg) enforces its keys itself.
        if getattr(database, "backend", "sqlite") == "sqlite":
            result = [r[0] for r in db.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                report.problems += [f"integrity: {r}" for r in result[:10]]
            for row in db.execute("PRAGMA foreign_key_check").fetchall():
                report.problems.append(f"foreign key broken in {row[0]} row {row[1]}")
        chain = audit.verify(db, keys)
        report.problems += chain.problems
        report.counts["audit_rows"] = chain.rows

        device_id = meta_get(db, "device_id")
        next_seq = int(meta_get(db, "next_seq") or "1")
        seqs = sorted([r[0] for r in db.execute(
            "SELECT seq FROM events WHERE device_id = ?", [device_id]
        )] + [r[0] for r in db.execute(
            "SELECT seq FROM outbox WHERE kind = 'attachment_chunk'"  # chunks number with events
        )])
        # Numbers a store restored from a copy left empty on purpose (events.retire) are no gap.
        retired = retired_seqs(db)
        if seqs != [s for s in range(1, (seqs[-1] if seqs else 0) + 1) if s not in retired]:
            report.problems.append("this device's event sequence numbers have gaps or repeats")
        top = next((s for s in range(next_seq - 1, 0, -1) if s not in retired), 0)
        if seqs and seqs[-1] != top:
            report.problems.append("sequence counter does not match the last event")
        report.counts["events"] = len(seqs)

        for app_id, status in db.execute("SELECT id, status FROM applications").fetchall():
            types = [r[0] for r in db.execute(
                "SELECT type FROM events WHERE application_id = ? ORDER BY hlc, id", [app_id]
            )]
            if derive_status(types) != status:
                report.problems.append(f"application {app_id}: status does not match its events")
        report.counts["applications"] = db.execute("SELECT count(*) FROM applications").fetchone()[0]

        sealed = [
            ("events", "SELECT 'event:' || device_id || ':' || seq, payload FROM events"),
            ("applicants", "SELECT 'applicant:' || id, payload FROM applicants"),
            ("applicant_versions",
             f"SELECT {applicants.VERSION_AAD_SQL}, v.payload FROM applicant_versions v"),
            ("attachments", "SELECT 'attachment:' || id, content FROM attachments"),
        ]
        for table, sql in sealed:
            for aad, token in db.execute(sql):
                try:
                    keys.decrypt(token, aad)
                except DecryptionFailed:
                    report.problems.append(f"{table}: a sealed record does not open (altered or moved)")
        orphans = db.execute(
            "SELECT count(*) FROM events e JOIN outbox o ON o.event_id = e.id WHERE o.seq != e.seq"
        ).fetchone()[0]
        if orphans:
            report.problems.append(f"{orphans} outbox rows do not match their events")
    return report
