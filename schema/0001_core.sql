-- fairline's core schema: people and their identities, enquiries, measures,
-- number rules, contacts, API keys and the audit log.
--
-- Conventions: ids are INTEGER PRIMARY KEY (rowid aliases, cheapest to join);
-- dates a supervisor types are TEXT 'YYYY-MM-DD'; moments are TEXT RFC 3339
-- UTC, except contacts.at, which is INTEGER milliseconds since the epoch
-- because the per-call path range-scans it.

-- A customer known to the service. Personal data: see retention and erasure.
CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    reference   TEXT,               -- e.g. the case-system id
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- The numbers and addresses a person contacts us from. UNIQUE(kind, value)
-- makes "one number belongs to at most one person" a fact of the data, not
-- a check a race could slip past.
CREATE TABLE identities (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
    value       TEXT NOT NULL,      -- E.164 for phones, lower-case for email
    created_at  TEXT NOT NULL,
    UNIQUE (kind, value)
);
-- Listing a person's identities on their page.
CREATE INDEX identities_by_person ON identities(person_id);

-- One issue a person raised. "The same issue" means the same enquiry.
CREATE TABLE enquiries (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    reference   TEXT UNIQUE,
    topic       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    advisor     TEXT,
    opened_at   TEXT NOT NULL,
    closed_at   TEXT
);
-- The per-call path loads a caller's enquiries.
CREATE INDEX enquiries_by_person ON enquiries(person_id);

-- What a supervisor agreed with a person. Never deleted: ending a measure
-- sets ended_at, so complaints can be answered from the record.
CREATE TABLE measures (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    params      TEXT NOT NULL,      -- JSON: the kind's own fields
    on_breach   TEXT,               -- JSON {action, prompt}, or NULL for the default
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    notified_on TEXT,               -- NULL: not told in writing, so not enforced
    starts_on   TEXT NOT NULL,
    review_on   TEXT NOT NULL,
    ends_on     TEXT,
    set_by      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    ended_at    TEXT,
    ended_by    TEXT,
    end_reason  TEXT
);
-- The per-call path loads a caller's measures.
CREATE INDEX measures_by_person ON measures(person_id);

-- Block or allow entries for a number or a prefix (E.164 digits).
CREATE TABLE number_rules (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL,
    match_kind  TEXT NOT NULL CHECK (match_kind IN ('exact', 'prefix')),
    action      TEXT NOT NULL CHECK (action IN ('block', 'allow')),
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    expires_at  TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (number, match_kind)
);

-- Every contact attempt on any channel. Phone calls carry the PBX call id
-- (the idempotency key) and the decision; the outcome comes after the call.
CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,   -- ms since the epoch, UTC
    channel     TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'web', 'letter', 'in_person')),
    identity    TEXT,               -- E.164 or email; NULL when withheld
    person_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    enquiry_id  INTEGER REFERENCES enquiries(id) ON DELETE SET NULL,
    call_id     TEXT UNIQUE,        -- phone only; a retry finds its first answer here
    dialed      TEXT,
    urgent      INTEGER NOT NULL DEFAULT 0,
    action      TEXT,
    target      TEXT,
    prompt      TEXT,
    reason      TEXT,
    rules       TEXT,               -- JSON list of the rules that decided
    counted     INTEGER NOT NULL,   -- 1 if it uses up an agreed frequency
    recorded_by TEXT NOT NULL,
    advisor     TEXT,
    answered    INTEGER,
    duration_s  INTEGER,
    note        TEXT,
    outcome_at  TEXT
);
-- The per-call path counts a person's recent contacts; partial, because
-- unknown callers are never counted.
CREATE INDEX contacts_by_person_time ON contacts(person_id, at) WHERE person_id IS NOT NULL;
-- Retention deletes by age.
CREATE INDEX contacts_by_time ON contacts(at);

-- API keys. Only a SHA-256 of the key is kept; the key is shown once.
CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('pbx', 'advisor', 'supervisor', 'admin')),
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- Who changed what, when, with the record before and after. Append-only:
-- the triggers below refuse updates and deletes.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,      -- the key's name
    action      TEXT NOT NULL,      -- e.g. measure.create
    entity      TEXT NOT NULL,
    entity_id   INTEGER,
    person_id   INTEGER,            -- whose data it touched, for subject access
    before      TEXT,               -- JSON
    after       TEXT                -- JSON
);
CREATE INDEX audit_by_person ON audit_log(person_id) WHERE person_id IS NOT NULL;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
