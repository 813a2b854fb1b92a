"""Schema migrations, applied at start-up; each runs in one transaction (sqlite-utils Migrations).

Column comments mark what is encrypted (enc): personal data is only ever stored sealed.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

APPLICATION_ID = 0x56414731  # "VAG1": marks the file as a village-agent store

migrations = Migrations("village_agent")


def _run(db: Database, script: str) -> None:
    """Statement by statement: `executescript` would COMMIT and break the migration's transaction."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_core(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE operators (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,          -- staff display name, shown at login
            role TEXT NOT NULL CHECK (role IN ('agent', 'grid_worker')),
            active INTEGER NOT NULL DEFAULT 1,
            wrapped_key TEXT NOT NULL,          -- data key wrapped under this operator's PIN
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            last_login_at TEXT
        );

        CREATE TABLE applicants (
            id TEXT PRIMARY KEY,
            id_index TEXT NOT NULL UNIQUE,      -- keyed blind index of the ID number
            payload BLOB NOT NULL,              -- enc: name, ID number, phone, last answers
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE applications (
            id TEXT PRIMARY KEY,                -- application number printed on the receipt
            kind TEXT NOT NULL CHECK (kind IN ('service', 'inspection')),
            item_code TEXT NOT NULL,
            item_version TEXT NOT NULL,
            bundle_code TEXT,
            bundle_id TEXT,
            applicant_id TEXT REFERENCES applicants(id),
            status TEXT NOT NULL,               -- derived from events, cached for lists
            operator_id INTEGER NOT NULL REFERENCES operators(id),
            created_at TEXT NOT NULL,
            due_date TEXT,
            due_approximate INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX applications_status ON applications(status);
        CREATE INDEX applications_created ON applications(created_at);

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            application_id TEXT NOT NULL REFERENCES applications(id),
            type TEXT NOT NULL,
            device_id TEXT NOT NULL,            -- the device that wrote it
            seq INTEGER NOT NULL,               -- that device's sequence number
            hlc TEXT NOT NULL,                  -- hybrid logical clock, for ordering
            recorded_at TEXT NOT NULL,          -- the writer's wall clock, shown, never trusted
            operator_id INTEGER,
            payload BLOB NOT NULL,              -- enc
            UNIQUE (device_id, seq)
        );
        CREATE INDEX events_application ON events(application_id);

        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,            -- = events.seq of this device's event
            event_id INTEGER NOT NULL UNIQUE REFERENCES events(id),
            state TEXT NOT NULL DEFAULT 'unsealed',
            sealed BLOB,                        -- set by sync when recipients' keys are known
            created_at TEXT NOT NULL,
            acked_at TEXT
        );

        CREATE TABLE attachments (
            id TEXT PRIMARY KEY,                -- keyed content address
            size INTEGER NOT NULL,
            meta BLOB NOT NULL,                 -- enc: original file name, media type
            content BLOB NOT NULL,              -- enc
            created_at TEXT NOT NULL
        );
        CREATE TABLE application_attachments (
            application_id TEXT NOT NULL REFERENCES applications(id),
            label TEXT NOT NULL,                -- material code or attachment field name
            attachment_id TEXT NOT NULL REFERENCES attachments(id),
            PRIMARY KEY (application_id, label, attachment_id)
        );

        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            operator TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',    -- never personal data
            prev TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        """
    )


@migrations()
def m002_calendar_tables(db: Database) -> None:
    """Working-day tables that arrive as data (county updates): they override the shipped ones."""
    _run(
        db,
        """
        CREATE TABLE calendar_years (
            year INTEGER PRIMARY KEY,
            body TEXT NOT NULL,                 -- the table as JSON (holidays, workdays, source)
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL
        )
        """,
    )


@migrations()
def m003_sync(db: Database) -> None:
    """Store-and-forward: trusted peers, received messages, relays, downstream queues, alarms.

    The same tables serve a village device and a center: a township is both a
    receiver (from villages) and a sender (to the county, and down to villages).
    """
    _run(
        db,
        """
        CREATE TABLE peers (
            device_id TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('village', 'township', 'county')),
            village_code TEXT NOT NULL DEFAULT '',
            sign_public TEXT NOT NULL,
            enc_public TEXT NOT NULL,
            certificate TEXT,                   -- for enrolled village devices: signed JSON
            url TEXT NOT NULL DEFAULT '',       -- where to reach it (a village's township)
            enrolled_at TEXT NOT NULL,
            revoked_at TEXT,
            last_seen_at TEXT,
            clock_skew_ms INTEGER               -- our clock minus its clock at last contact
        );
        CREATE TABLE enrollment_codes (
            code_id TEXT PRIMARY KEY,           -- first characters of the code, to find it
            code_hash TEXT NOT NULL,            -- the code itself is never stored
            village_code TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_by TEXT,
            used_at TEXT
        );
        CREATE TABLE received (
            sender TEXT NOT NULL,
            seq INTEGER NOT NULL,
            digest TEXT NOT NULL,               -- SHA-256 of the whole sealed message
            kind TEXT NOT NULL,
            owner TEXT NOT NULL DEFAULT '',
            app TEXT NOT NULL DEFAULT '',
            raw BLOB NOT NULL,                  -- the sealed message as it arrived
            received_at TEXT NOT NULL,          -- our clock: deadlines run from here
            via TEXT NOT NULL DEFAULT 'http',
            processed_at TEXT,
            PRIMARY KEY (sender, seq)
        );
        CREATE TABLE bundles_seen (
            digest TEXT PRIMARY KEY,
            imported_at TEXT NOT NULL,
            messages INTEGER NOT NULL
        );
        CREATE TABLE alarms (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,                 -- conflict | bad_signature | revoked | wrong_village ...
            sender TEXT NOT NULL DEFAULT '',
            seq INTEGER,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE relay (
            id INTEGER PRIMARY KEY,
            destination TEXT NOT NULL,          -- device id of the next hop
            sender TEXT NOT NULL,
            seq INTEGER NOT NULL,
            raw BLOB NOT NULL,                  -- passed on unchanged
            state TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            acked_at TEXT,
            UNIQUE (destination, sender, seq)
        );
        CREATE TABLE downstream (
            village_code TEXT NOT NULL,
            dseq INTEGER NOT NULL,              -- per-village order of messages going down
            kind TEXT NOT NULL,
            raw BLOB NOT NULL,
            created_at TEXT NOT NULL,
            acked_at TEXT,
            PRIMARY KEY (village_code, dseq)
        );
        CREATE TABLE inbox (
            origin TEXT NOT NULL,               -- the center that queued it
            dseq INTEGER NOT NULL,
            raw BLOB NOT NULL,
            received_at TEXT NOT NULL,
            applied_at TEXT,
            PRIMARY KEY (origin, dseq)
        );
        ALTER TABLE outbox ADD COLUMN owner TEXT NOT NULL DEFAULT 'township';
        ALTER TABLE outbox ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE outbox ADD COLUMN digest TEXT;
        ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE outbox ADD COLUMN next_try_at REAL NOT NULL DEFAULT 0;
        ALTER TABLE outbox ADD COLUMN custody_at TEXT
        """,
    )


@migrations()
def m005_outbox_chunks(db: Database) -> None:
    """Outbox rows that are not events: attachment chunks (64 KiB each, their own sequence numbers).

    SQLite cannot drop NOT NULL from a column, so the table is rebuilt (one transaction).
    """
    _run(
        db,
        """
        CREATE TABLE outbox_new (
            seq INTEGER PRIMARY KEY,
            event_id INTEGER UNIQUE REFERENCES events(id),   -- NULL for an attachment chunk
            kind TEXT NOT NULL DEFAULT 'event',
            application_id TEXT,
            attachment TEXT,                    -- content address, for a chunk
            chunk_offset INTEGER,
            state TEXT NOT NULL DEFAULT 'unsealed',
            sealed BLOB,
            created_at TEXT NOT NULL,
            acked_at TEXT,
            owner TEXT NOT NULL DEFAULT 'township',
            size INTEGER NOT NULL DEFAULT 0,
            digest TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at REAL NOT NULL DEFAULT 0,
            custody_at TEXT
        );
        INSERT INTO outbox_new (seq, event_id, state, sealed, created_at, acked_at, owner, size,
            digest, attempts, next_try_at, custody_at)
            SELECT seq, event_id, state, sealed, created_at, acked_at, owner, size, digest,
            attempts, next_try_at, custody_at FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_new RENAME TO outbox;
        CREATE INDEX outbox_state ON outbox(state);
        CREATE TABLE attachment_parts (
            sender TEXT NOT NULL,
            address TEXT NOT NULL,
            chunk_offset INTEGER NOT NULL,
            content BLOB NOT NULL,              -- enc: under this node's data key
            PRIMARY KEY (sender, address, chunk_offset)
        )
        """,
    )


@migrations()
def m004_drafts(db: Database) -> None:
    """Applications being filled in, kept until submitted or thrown away (sealed: personal data)."""
    _run(
        db,
        """
        CREATE TABLE drafts (
            id TEXT PRIMARY KEY,
            item_code TEXT NOT NULL,
            item_version TEXT NOT NULL,         -- the catalog version the form was started on
            operator_id INTEGER NOT NULL REFERENCES operators(id),
            payload BLOB NOT NULL,              -- enc: the form as typed so far
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX drafts_updated ON drafts(updated_at)
        """,
    )


@migrations()
def m006_part_facts(db: Database) -> None:
    """Keep each scan piece's facts, so pieces that arrive before their application can be assembled later."""
    _run(db, "ALTER TABLE attachment_parts ADD COLUMN facts TEXT NOT NULL DEFAULT '{}'")


@migrations()
def m007_catalog_releases(db: Database) -> None:
    """Catalog releases the county published, kept whole (the catalog is public data, not sealed).

    Every release is kept: a draft or an application started on an item's earlier
    version is still shown and checked against the version it was started on.
    """
    _run(
        db,
        """
        CREATE TABLE catalog_releases (
            serial INTEGER PRIMARY KEY,         -- the county's release number; only a higher one installs
            version TEXT NOT NULL,              -- digest over every file (forms.catalog.Catalog.version)
            files TEXT NOT NULL,                -- JSON {file name: TOML text}
            record BLOB NOT NULL,               -- the county's signed record, passed on unchanged
            published_at TEXT NOT NULL,
            installed_at TEXT NOT NULL
        );
        CREATE TABLE downstream_acks (
            device_id TEXT PRIMARY KEY,         -- a device below us that signed what it has stored
            through INTEGER NOT NULL,           -- highest downstream position it holds durably
            signed_at TEXT NOT NULL,
            received_at TEXT NOT NULL
        )
        """,
    )


@migrations()
def m008_clerk_role(db: Database) -> None:
    """Centers get their own staff role, clerk (the service window's staff); a center's agents become clerks.

    SQLite cannot change a CHECK constraint, so `operators` is rebuilt in this one
    transaction. Applications and drafts reference it, so it cannot be rebuilt
    aside and renamed into place (a DROP would orphan their rows for good): the
    rows are copied to a temporary table, the table is dropped and created again
    under its own name, and the rows go back, with foreign keys checked at commit.
    The audit chain is never rewritten: each converted operator gets a new row
    saying so, after the rows that recorded them as agents.
    """
    from storage import audit  # the chain's own hashing, so the new rows verify

    _run(
        db,
        """
        PRAGMA defer_foreign_keys = ON;
        CREATE TEMP TABLE operators_before_m008 AS SELECT * FROM operators;
        DROP TABLE operators;
        CREATE TABLE operators (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,          -- staff display name, shown at login
            role TEXT NOT NULL CHECK (role IN ('agent', 'grid_worker', 'clerk')),
            active INTEGER NOT NULL DEFAULT 1,
            wrapped_key TEXT NOT NULL,          -- data key wrapped under this operator's PIN
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            last_login_at TEXT
        );
        INSERT INTO operators (id, name, role, active, wrapped_key, failed_attempts, locked_until,
            created_at, last_login_at)
            SELECT id, name, role, active, wrapped_key, failed_attempts, locked_until, created_at,
            last_login_at FROM operators_before_m008 ORDER BY id;
        DROP TABLE operators_before_m008
        """,
    )
    node = db.execute("SELECT value FROM meta WHERE key = 'node'").fetchone()
    if node is None or node[0] not in ("township", "county"):
        return
    converted = [row[0] for row in db.execute(
        "SELECT name FROM operators WHERE role = 'agent' ORDER BY id"
    ).fetchall()]
    db.execute("UPDATE operators SET role = 'clerk' WHERE role = 'agent'")
    for name in converted:
        # No operator is logged in during a migration, so no key: the next login's
        # checkpoint covers these rows, as it covers failed logins.
        audit.append(db, "", "operator.role", name, "agent -> clerk (m008_clerk_role)")


@migrations()
def m009_parts_per_application(db: Database) -> None:
    """Scan pieces wait for their application under its id, not only the scan's content address.

    Two applications of one village device may carry the same scan (the two items of
    a 一件事 bundle share one): each sends its own pieces, with the same address and
    offsets. Keyed by (sender, address, offset) alone, the second application's pieces
    were dropped while the first's waited, and it never got its scan. No table refers to
    this one, so it is rebuilt aside and renamed into place. A piece kept by an earlier
    version gets '' and is claimed by its application (named in its sealed facts) when
    that arrives.
    """
    _run(
        db,
        """
        CREATE TABLE attachment_parts_m009 (
            sender TEXT NOT NULL,
            address TEXT NOT NULL,
            application_id TEXT NOT NULL DEFAULT '',  -- '' for a piece an earlier version kept
            chunk_offset INTEGER NOT NULL,
            content BLOB NOT NULL,              -- enc: under this node's data key
            facts TEXT NOT NULL DEFAULT '{}',   -- enc: the scan's facts (file name among them)
            PRIMARY KEY (sender, address, application_id, chunk_offset)
        );
        INSERT INTO attachment_parts_m009 (sender, address, chunk_offset, content, facts)
            SELECT sender, address, chunk_offset, content, facts FROM attachment_parts;
        DROP TABLE attachment_parts;
        ALTER TABLE attachment_parts_m009 RENAME TO attachment_parts
        """,
    )


@migrations()
def m010_outbox_sent(db: Database) -> None:
    """When this store first handed each outbox row to a center (HTTP or USB stick).

    An ack names sequence numbers only. A store restored from a backup reuses numbers
    the center already holds from the lost store, and an ack for those must not settle
    rows this store never sent: only rows marked here count. Rows sealed before this
    version are taken as sent (acks counted for them as before).
    """
    _run(
        db,
        """
        ALTER TABLE outbox ADD COLUMN sent_at TEXT;
        UPDATE outbox SET sent_at = created_at WHERE state != 'unsealed'
        """,
    )


@migrations()
def m011_request_counters(db: Database) -> None:
    """The highest sync-request counter a center accepted from each peer (`sync.proof`).

    A request is answered only when it is signed by the device and its counter is
    above this one, so a captured request cannot be replayed.
    """
    _run(db, "ALTER TABLE peers ADD COLUMN request_counter INTEGER NOT NULL DEFAULT 0")


OPEN_STATUSES = ("submitted", "received", "accepted", "correction_requested", "forwarded")
# The worklist's order as m012 indexed it: open cases first, then by promised date, then number.
# m018_priority replaced it with WORKLIST_ORDER (at the end of this file); m012 keeps its own so
# a new store is built step by step as an old one was.
_M012_WORKLIST_ORDER = (
    "CASE WHEN status IN ('submitted', 'received', 'accepted', 'correction_requested', 'forwarded')"
    " THEN 0 ELSE 1 END, COALESCE(due_date, '9999-12-31'), id"
)


@migrations()
def m012_worklist(db: Database) -> None:
    """The village of each case as a column (a center's worklist filters on it) and the
    worklist's order as an index, so a page costs a page, not the whole store."""
    _run(db, f"""
        ALTER TABLE applications ADD COLUMN village_code TEXT NOT NULL DEFAULT '';
        UPDATE applications SET village_code = COALESCE((
            SELECT p.village_code FROM events e JOIN peers p ON p.device_id = e.device_id
            WHERE e.application_id = applications.id AND p.role = 'village'
            ORDER BY e.id LIMIT 1), '');
        CREATE INDEX applications_worklist ON applications({_M012_WORKLIST_ORDER});
        CREATE INDEX applications_village ON applications(village_code, {_M012_WORKLIST_ORDER});
        CREATE INDEX applications_status_worklist ON applications(status, {_M012_WORKLIST_ORDER});
        """)



@migrations()
def m013_windows(db: Database) -> None:
    """一窗受理: a center's windows, its manager role, and who answers for each case.

    - `operators` gains the 中心负责人 role (`manager`: also manages clerks, devices and
      enrollment), the window a clerk sits at, the AB 岗 stand-in who takes over the
      clerk's cases while the clerk is away, and whether the clerk is away. SQLite cannot
      change a CHECK, so the table is rebuilt as in m008. At a center the first active
      clerk (the one `service-center init` made) becomes the manager, audited.
    - `windows`: each window and the departments whose items it receives.
    - `applications` gains the window and the clerk responsible for the case.
    - `assignments`: every assignment, taking, hand-over and stand-in, in order (the case
      page's timeline shows them beside the events; the audit chain records them too).
    """
    from storage import audit

    _run(
        db,
        """
        PRAGMA defer_foreign_keys = ON;
        CREATE TEMP TABLE operators_before_m013 AS SELECT * FROM operators;
        DROP TABLE operators;
        CREATE TABLE operators (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,          -- staff display name, shown at login
            role TEXT NOT NULL CHECK (role IN ('agent', 'grid_worker', 'clerk', 'manager')),
            active INTEGER NOT NULL DEFAULT 1,
            wrapped_key TEXT NOT NULL,          -- data key wrapped under this operator's PIN
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            last_login_at TEXT,
            window_code TEXT NOT NULL DEFAULT '',  -- the window a center's clerk sits at
            standin TEXT NOT NULL DEFAULT '',      -- AB 岗: who takes this clerk's cases when away
            away INTEGER NOT NULL DEFAULT 0        -- 1 while the clerk is away (leave, training)
        );
        INSERT INTO operators (id, name, role, active, wrapped_key, failed_attempts, locked_until,
            created_at, last_login_at)
            SELECT id, name, role, active, wrapped_key, failed_attempts, locked_until, created_at,
            last_login_at FROM operators_before_m013 ORDER BY id;
        DROP TABLE operators_before_m013;
        CREATE TABLE windows (
            code TEXT PRIMARY KEY,              -- short code, e.g. MZ
            name TEXT NOT NULL,                 -- 民政窗口
            departments TEXT NOT NULL DEFAULT '[]',  -- JSON list of catalog departments it receives
            created_at TEXT NOT NULL
        );
        ALTER TABLE applications ADD COLUMN window_code TEXT NOT NULL DEFAULT '';
        ALTER TABLE applications ADD COLUMN clerk TEXT NOT NULL DEFAULT '';
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            application_id TEXT NOT NULL REFERENCES applications(id),
            action TEXT NOT NULL CHECK (action IN ('assigned', 'taken', 'handed', 'stand_in',
                                                    'forwarded')),
            window_code TEXT NOT NULL DEFAULT '',
            clerk TEXT NOT NULL DEFAULT '',
            by_operator TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',      -- enc: a hand-over's note may name the villager
            at TEXT NOT NULL
        );
        CREATE INDEX assignments_case ON assignments(application_id, id);
        CREATE INDEX applications_clerk ON applications(clerk, window_code)
        """,
    )
    node = db.execute("SELECT value FROM meta WHERE key = 'node'").fetchone()
    if node is None or node[0] not in ("township", "county"):
        return
    first = db.execute("SELECT name FROM operators WHERE role = 'clerk' AND active = 1"
                       " ORDER BY id LIMIT 1").fetchone()
    if first is not None:
        db.execute("UPDATE operators SET role = 'manager' WHERE name = ?", [first[0]])
        audit.append(db, "", "operator.role", first[0], "clerk -> manager (m013_windows)")


@migrations()
def m014_outbox_chunked(db: Database) -> None:
    """Which filed events have had their scans cut into chunks, so a submit reads only new ones.

    Outbox rows stay (as `done`) after they are acknowledged, and finding the scans still to
    chunk opened every filed event of the store's history on every submit. Rows are marked
    once every scan they list is in chunk rows; rows from before this version are looked at
    once more (their manifests are sealed: no key here) and marked then.
    """
    _run(db, """
        ALTER TABLE outbox ADD COLUMN chunked INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX outbox_to_chunk ON outbox(event_id) WHERE kind = 'event' AND chunked = 0;
        CREATE INDEX outbox_chunks_of ON outbox(application_id, attachment)
            WHERE kind = 'attachment_chunk'
        """)


@migrations()
def m015_applicant_versions(db: Database) -> None:
    """The applicant registry keeps history: what a case showed stays what it was filed with.

    Filing used to overwrite the registry entry, so an older case showed whatever name a later
    filing (or correction) for the same ID number declared. Now each declaration is kept as a
    sealed version and each case points at its own. There is no key at migration time, so an
    existing case gets, as its version, the registry record it shows now, copied sealed as it is
    (its associated data stays `applicant:<id>`, which is why such versions say `m015`).
    """
    _run(db, """
        CREATE TABLE applicant_versions (
            id TEXT PRIMARY KEY,
            applicant_id TEXT NOT NULL REFERENCES applicants(id),
            payload BLOB NOT NULL,              -- enc: the applicant's details and answers as declared
            source TEXT NOT NULL CHECK (source IN ('filed', 'corrected', 'update', 'm015')),
            created_at TEXT NOT NULL
        );
        CREATE INDEX applicant_versions_of ON applicant_versions(applicant_id);
        ALTER TABLE applications ADD COLUMN applicant_version TEXT REFERENCES applicant_versions(id);
        INSERT INTO applicant_versions (id, applicant_id, payload, source, created_at)
            SELECT 'm015-' || id, id, payload, 'm015', updated_at FROM applicants
            WHERE id IN (SELECT applicant_id FROM applications);
        UPDATE applications SET applicant_version = 'm015-' || applicant_id
            WHERE applicant_id IS NOT NULL
        """)


@migrations()
def m016_recovery_wrap(db: Database) -> None:
    """A forgotten PIN must not lose the store: the data key may also be wrapped by a recovery code.

    One row at most: the data key wrapped under a key derived from the recovery code (salt, KDF
    cost, AES-GCM blob, as the operators' PIN wraps), never the code or a hash of it. A new code
    replaces the row, so the old code opens nothing any more. Stores from before have no row
    until `village-agent recovery-code --new` makes one.
    """
    _run(db, """
        CREATE TABLE recovery_wrap (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            wrapped_key TEXT NOT NULL,          -- data key wrapped under the recovery code
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        )
        """)


@migrations()
def m017_audit_heads(db: Database) -> None:
    """The audit-chain heads each village device sent (`sync.audithead`), kept at the center.

    A village's own chain check uses a key the village holds, so whoever holds a PIN could
    rewrite its whole history unseen; the center keeps every new head, and a later one that
    does not extend the earlier is an alarm. Row numbers and hashes only: nothing personal.
    """
    _run(db, """
        CREATE TABLE audit_heads (
            id INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL,
            village_code TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            at TEXT NOT NULL DEFAULT '',        -- the village's clock at that row: shown, not trusted
            received_at TEXT NOT NULL,
            via TEXT NOT NULL DEFAULT 'http',
            verdict TEXT NOT NULL CHECK (verdict IN ('first', 'extends', 'behind', 'rewritten',
                                                     'gap'))
        );
        CREATE INDEX audit_heads_device ON audit_heads(device_id, id)
        """)


# The worklist's order: open cases first, among them 绿色通道 (priority) cases first, then by
# promised date, then number. The ORDER BY of center/console/cases.py repeats these expressions
# exactly, so SQLite walks the index and stops after one page instead of sorting every case.
WORKLIST_ORDER = (
    "CASE WHEN status IN ('submitted', 'received', 'accepted', 'correction_requested', 'forwarded')"
    " THEN 0 ELSE 1 END, priority DESC, COALESCE(due_date, '9999-12-31'), id"
)


@migrations()
def m018_priority(db: Database) -> None:
    """绿色通道: a case of an applicant flagged 老/弱/病/残/军 is marked, and sorts first.

    `applications.priority` is 1 for such a case, at the village (its lists show a badge) and at
    the centers (the worklist sorts on it). Only the mark is plain: the grounds (病 and 残 are
    health data) stay sealed in the `submitted` event's payload. The worklist's three indexes
    are rebuilt on the new order (WORKLIST_ORDER), so a page still costs a page.
    """
    _run(db, f"""
        ALTER TABLE applications ADD COLUMN priority INTEGER NOT NULL DEFAULT 0
            CHECK (priority IN (0, 1));
        DROP INDEX IF EXISTS applications_worklist;
        DROP INDEX IF EXISTS applications_village;
        DROP INDEX IF EXISTS applications_status_worklist;
        CREATE INDEX applications_worklist ON applications({WORKLIST_ORDER});
        CREATE INDEX applications_village ON applications(village_code, {WORKLIST_ORDER});
        CREATE INDEX applications_status_worklist ON applications(status, {WORKLIST_ORDER})
        """)


@migrations()
def m019_owed_materials(db: Database) -> None:
    """Materials an application still owes (容缺, 告知承诺), when each is due and when it came.

    Kept in a table of its own, at the village and at the center, so home, the lists, the
    worklist and the alarms find what is owed and overdue without opening every filed event.
    Only material codes, states and dates: nothing personal. Cases filed before this version
    have their owed materials in their sealed events only (no key here) and show none.
    """
    _run(db, """
        CREATE TABLE owed_materials (
            application_id TEXT NOT NULL REFERENCES applications(id),
            material TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('missing', 'commitment')),
            due_date TEXT NOT NULL,
            due_approximate INTEGER NOT NULL DEFAULT 0,
            supplied_on TEXT,
            PRIMARY KEY (application_id, material)
        );
        CREATE INDEX owed_open ON owed_materials(due_date) WHERE supplied_on IS NULL
        """)


@migrations()
def m020_audit_entries(db: Database) -> None:
    """Security-relevant audit rows (a PIN reset with the recovery code, ...) a village reported.

    Only hashes told the township that a village's chain grew; a recovery must be known
    upstream too. The head record carries those rows whole (`sync.audithead.SECURITY_ACTIONS`:
    operators' names and actions, no villager's data), each checked against the chain's hashes,
    and the center keeps them here, once each: the alarm of a recovery is raised once.
    """
    _run(db, """
        CREATE TABLE audit_entries (
            id INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL,
            village_code TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,                   -- the village's clock at that row: shown, not trusted
            operator TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',
            hash TEXT NOT NULL,
            received_at TEXT NOT NULL,
            UNIQUE (device_id, seq, at, action)
        );
        CREATE INDEX audit_entries_village ON audit_entries(village_code, id)
        """)


@migrations()
def m021_applicant_version_index(db: Database) -> None:
    """Cases by the declaration they were filed with: a name search and an applicant's history
    find their cases through an index instead of reading every application."""
    _run(db, "CREATE INDEX applications_by_version ON applications(applicant_version)")


@migrations()
def m022_supervision(db: Database) -> None:
    """电子监察, 好差评 follow-up, 投诉 and 统计: what a center keeps to supervise, count and report.

    Nothing personal in plain: codes, names of staff, days and counters. A complaint's words and
    a follow-up's notes are sealed (enc) or live in the case's sealed events. A village store
    carries the tables too (one schema) and leaves them empty.
    """
    _run(db, """
        CREATE TABLE case_facts (
            application_id TEXT PRIMARY KEY,
            source TEXT NOT NULL DEFAULT 'own' CHECK (source IN ('own', 'township')),
            township TEXT NOT NULL DEFAULT '',  -- code of the township the case belongs to
            village_code TEXT NOT NULL DEFAULT '',
            item_code TEXT NOT NULL DEFAULT '',
            window_code TEXT NOT NULL DEFAULT '',
            clerk TEXT NOT NULL DEFAULT '',     -- the clerk who answers for (or decided) it
            agent TEXT NOT NULL DEFAULT '',     -- '<village code>/<agent name>' who filed it
            instant INTEGER NOT NULL DEFAULT 0, -- 即办件 (time limit 0) rather than 承诺件
            status TEXT NOT NULL,
            received_on TEXT,                   -- the center's receipt day (the clock's start)
            due_on TEXT,                        -- promised day
            yellow_from TEXT,                   -- first day of its yellow card (N working days before due)
            red_from TEXT,                      -- first day past the promised day
            finished_on TEXT,                   -- 办结: completed or rejected
            late INTEGER NOT NULL DEFAULT 0,    -- was red once (sticky)
            rating INTEGER,                     -- 1 非常满意 .. 5 非常不满意
            rated_on TEXT,
            followup_closed INTEGER NOT NULL DEFAULT 0,  -- its bad rating's follow-up is closed
            blue_since TEXT,                    -- first day of its open follow-up or complaint
            version INTEGER NOT NULL DEFAULT 1, -- grows with each change (status records to the county)
            updated_at TEXT NOT NULL
        );
        CREATE INDEX case_facts_open ON case_facts(red_from) WHERE finished_on IS NULL;
        CREATE INDEX case_facts_yellow ON case_facts(yellow_from) WHERE finished_on IS NULL;
        CREATE INDEX case_facts_received ON case_facts(received_on);
        CREATE INDEX case_facts_finished ON case_facts(finished_on);
        CREATE INDEX case_facts_township ON case_facts(township, received_on);
        CREATE TABLE figure_counts (
            month TEXT NOT NULL,                -- YYYY-MM
            dim TEXT NOT NULL,                  -- all | township | village | item | window | clerk | agent
            key TEXT NOT NULL,                  -- '' for all
            counter TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (month, dim, key, counter)
        ) WITHOUT ROWID;
        CREATE TABLE followups (
            id INTEGER PRIMARY KEY,
            application_id TEXT NOT NULL,
            rating INTEGER NOT NULL,
            rated_on TEXT NOT NULL,
            opened_on TEXT NOT NULL,
            due_on TEXT NOT NULL,
            yellow_from TEXT NOT NULL,
            red_from TEXT NOT NULL,
            window_code TEXT NOT NULL DEFAULT '',
            clerk TEXT NOT NULL DEFAULT '',
            verified_on TEXT,                   -- 核实
            rectified_on TEXT,                  -- 整改
            called_on TEXT,                     -- 回访
            call_result TEXT,                   -- satisfied | basically | unsatisfied | unreachable
            closed_on TEXT,
            UNIQUE (application_id, rated_on, rating)
        );
        CREATE INDEX followups_open ON followups(red_from) WHERE closed_on IS NULL;
        CREATE TABLE complaints (
            id TEXT PRIMARY KEY,
            application_id TEXT,                -- NULL: about a window, not a case
            window_code TEXT NOT NULL DEFAULT '',
            village_code TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL CHECK (source IN ('village', 'center')),
            received_on TEXT NOT NULL,
            due_on TEXT NOT NULL,
            yellow_from TEXT NOT NULL,
            red_from TEXT NOT NULL,
            clerk TEXT NOT NULL DEFAULT '',
            answered_on TEXT,
            body BLOB NOT NULL                  -- enc: the complaint's words and the answer
        );
        CREATE INDEX complaints_open ON complaints(red_from) WHERE answered_on IS NULL;
        CREATE TABLE cards (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL CHECK (subject IN ('case', 'followup', 'complaint')),
            subject_id TEXT NOT NULL,
            application_id TEXT,
            colour TEXT NOT NULL CHECK (colour IN ('yellow', 'red', 'blue')),
            raised_on TEXT NOT NULL,
            cleared_on TEXT,
            UNIQUE (subject, subject_id, colour, raised_on)
        );
        CREATE INDEX cards_open ON cards(colour) WHERE cleared_on IS NULL;
        CREATE TABLE status_out (
            application_id TEXT PRIMARY KEY,    -- a township's status records owed to its county
            version INTEGER NOT NULL,
            sent_version INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX status_out_pending ON status_out(application_id) WHERE version > sent_version
        """)


# The centers' listing (`service-center applications`, Session.list with priority_first): open
# 绿色通道 cases first, then newest first. storage/applications.py repeats it exactly, so SQLite
# walks the index and stops after a page.
LISTING_ORDER = (
    "CASE WHEN priority = 1 AND status IN ('submitted', 'received', 'accepted',"
    " 'correction_requested', 'forwarded') THEN 0 ELSE 1 END, created_at DESC, id DESC"
)


@migrations()
def m023_name_index(db: Database) -> None:
    """Reads that cost a page, not the store: a blind index of names, and an index per ORDER BY.

    `applicant_versions.name_index` is the HMAC of the declared name, normalised, under the
    store's blind-index key (as `applicants.id_index` is of the ID number), so a name search
    looks up an index instead of opening every applicant. There is no key at migration time:
    the column starts NULL and `applicants.index_names` fills it at the first unlock.
    The other indexes match the ORDER BYs the lists use, so a keyset page stops after its rows:
    the listing's (LISTING_ORDER), with a status first, newest first (created_at, then id: it
    replaces m001's created_at alone), and the worklist's "mine" (WORKLIST_ORDER after the clerk,
    and after clerk and window for a window's untaken cases: it replaces m013's clerk, window);
    and cases by applicant, for the ID-number search (found through the registry's blind index).
    """
    _run(db, f"""
        ALTER TABLE applicant_versions ADD COLUMN name_index TEXT;
        CREATE INDEX applicant_versions_name ON applicant_versions(name_index);
        CREATE INDEX applications_listing ON applications({LISTING_ORDER});
        CREATE INDEX applications_by_applicant ON applications(applicant_id);
        CREATE INDEX applications_status_listing ON applications(status, {LISTING_ORDER});
        DROP INDEX IF EXISTS applications_created;
        CREATE INDEX applications_created ON applications(created_at, id);
        DROP INDEX IF EXISTS applications_clerk;
        CREATE INDEX applications_clerk_worklist ON applications(clerk, {WORKLIST_ORDER});
        CREATE INDEX applications_desk_worklist ON applications(clerk, window_code, {WORKLIST_ORDER})
        """)


@migrations()
def m024_restore(db: Database) -> None:
    """A center put back from a backup (`service-center restore`) knows it, and recovers.

    Every restore is kept (`restores`: when, from a copy made when, the file put aside, the
    summary alarm kept up to date). For each village device it names the number to ask
    again from (`resend_from`: one past the highest held from it in the copy) and its
    village's downstream position in the copy (`queue_through`), and counts what comes
    back (`resent`) and how far the device held our queue past the copy (`ahead_by`).
    `downstream_floor` keeps a village's queue from reusing positions its devices hold.
    """
    _run(db, """
        CREATE TABLE restores (
            id INTEGER PRIMARY KEY,
            restored_at TEXT NOT NULL,
            backup_made_at TEXT NOT NULL,
            kept_as TEXT NOT NULL,              -- where the replaced store file was put aside
            seq_from INTEGER NOT NULL,          -- our own numbers start here after the restore
            alarm_id INTEGER                    -- the summary alarm, kept up to date
        );
        CREATE TABLE restore_devices (
            restore_id INTEGER NOT NULL REFERENCES restores(id),
            device_id TEXT NOT NULL,
            village_code TEXT NOT NULL,
            resend_from INTEGER NOT NULL,
            queue_through INTEGER NOT NULL,
            resent INTEGER NOT NULL DEFAULT 0,
            ahead_by INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (restore_id, device_id)
        );
        CREATE TABLE downstream_floor (
            village_code TEXT PRIMARY KEY,
            floor INTEGER NOT NULL              -- the queue's next position is above this
        )
        """)


@migrations()
def m027_recover(db: Database) -> None:
    """A restored county recovers from its townships too (center/recovery.py).

    `restore_devices` names township devices beside village devices (`role`), and counts the
    status records a township sent again after the restore (`statuses`).
    """
    _run(db, """
        ALTER TABLE restore_devices ADD COLUMN role TEXT NOT NULL DEFAULT 'village';
        ALTER TABLE restore_devices ADD COLUMN statuses INTEGER NOT NULL DEFAULT 0
        """)


# The foreign keys PostgreSQL lost when m008 and m013 rebuilt `operators`: on SQLite a foreign key
# is part of the referring table and names its target by name, so it outlived the rebuild; on
# PostgreSQL the DROP TABLE … CASCADE that the rebuild needs dropped them with the old table.
# (table, column, referenced table, referenced column); the constraint gets PostgreSQL's own name.
_OPERATOR_FKS = (
    ("applications", "operator_id", "operators", "id"),
    ("drafts", "operator_id", "operators", "id"),
)


@migrations()
def m028_operator_fks(db: Database) -> None:
    """PostgreSQL gets back the foreign keys into `operators` (a no-op on SQLite, which kept them).

    Plain `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` (what every PostgreSQL-derived server
    takes): it checks the rows already there, so a database migrated before gets them too, and an
    orphaned row (none can be written: operators are never deleted) would stop the migration
    instead of being kept unchecked.
    """
    if getattr(db, "backend", "sqlite") != "postgresql":
        return
    for table, column, target, key in _OPERATOR_FKS:
        db.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fkey"
                   f" FOREIGN KEY ({column}) REFERENCES {target}({key})")
