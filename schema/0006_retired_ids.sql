-- Ids are never given out twice. SQLite numbers a new row one past the
-- highest id in its table, so once the newest row is deleted (an erased
-- person's identities, enquiries, measures and flags; a contact or measure
-- past retention; a number rule removed) its id goes to the next row, and
-- the audit log, which names rows by id, would name two records with one
-- id. People already avoid this (erased_people, 0003); the tables below
-- get AUTOINCREMENT, which keeps the highest id a table has ever used in
-- sqlite_sequence and never numbers below it. Audit entries are never
-- deleted, so api_keys and audit_log do not need it.
--
-- AUTOINCREMENT can only be declared when a table is created, so each
-- table is rebuilt as SQLite documents (https://sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"): created under a new name,
-- filled in id order, the old one dropped, the new one renamed. The
-- migration runner turns foreign keys off around the transaction (a drop
-- would otherwise cascade) and runs foreign_key_check before committing.
-- Dropping a table drops its indexes and triggers, so they are made again
-- below, after the copy (building an index once is cheaper than keeping it
-- up row by row). Copying contacts reads and writes the whole table once:
-- on a database with millions of contacts this upgrade takes a while.

CREATE TABLE identities_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
    value       TEXT NOT NULL,      -- E.164 for phones, lower-case for email
    created_at  TEXT NOT NULL,
    UNIQUE (kind, value)
);
INSERT INTO identities_new (id, person_id, kind, value, created_at)
    SELECT id, person_id, kind, value, created_at FROM identities ORDER BY id;
DROP TABLE identities;
ALTER TABLE identities_new RENAME TO identities;

CREATE TABLE enquiries_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    reference   TEXT UNIQUE,
    topic       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    advisor     TEXT,
    opened_at   TEXT NOT NULL,
    closed_at   TEXT
);
INSERT INTO enquiries_new (id, person_id, reference, topic, status, advisor, opened_at, closed_at)
    SELECT id, person_id, reference, topic, status, advisor, opened_at, closed_at
    FROM enquiries ORDER BY id;
DROP TABLE enquiries;
ALTER TABLE enquiries_new RENAME TO enquiries;

CREATE TABLE measures_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO measures_new (id, person_id, kind, params, on_breach, reason, notified_on, starts_on,
                          review_on, ends_on, set_by, created_at, updated_at, ended_at, ended_by,
                          end_reason)
    SELECT id, person_id, kind, params, on_breach, reason, notified_on, starts_on,
           review_on, ends_on, set_by, created_at, updated_at, ended_at, ended_by, end_reason
    FROM measures ORDER BY id;
DROP TABLE measures;
ALTER TABLE measures_new RENAME TO measures;

CREATE TABLE number_rules_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    number      TEXT NOT NULL,
    match_kind  TEXT NOT NULL CHECK (match_kind IN ('exact', 'prefix')),
    action      TEXT NOT NULL CHECK (action IN ('block', 'allow')),
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    expires_at  TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (number, match_kind)
);
INSERT INTO number_rules_new (id, number, match_kind, action, reason, expires_at, created_by,
                              created_at)
    SELECT id, number, match_kind, action, reason, expires_at, created_by, created_at
    FROM number_rules ORDER BY id;
DROP TABLE number_rules;
ALTER TABLE number_rules_new RENAME TO number_rules;

CREATE TABLE contacts_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO contacts_new (id, at, channel, identity, person_id, enquiry_id, call_id, dialed, urgent,
                          action, target, prompt, reason, rules, counted, recorded_by, advisor,
                          answered, duration_s, note, outcome_at)
    SELECT id, at, channel, identity, person_id, enquiry_id, call_id, dialed, urgent,
           action, target, prompt, reason, rules, counted, recorded_by, advisor,
           answered, duration_s, note, outcome_at
    FROM contacts ORDER BY id;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;

CREATE TABLE flags_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    contact_id  INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    measure_id  INTEGER REFERENCES measures(id) ON DELETE SET NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('urgent_call', 'repeated_while_diverted',
                                              'very_frequent_contact', 'measure_past_review')),
    detail      TEXT NOT NULL,      -- never a phone number or a name
    raised_at   TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,               -- the key's name
    resolution  TEXT,
    CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);
INSERT INTO flags_new (id, person_id, contact_id, measure_id, kind, detail, raised_at, resolved_at,
                       resolved_by, resolution)
    SELECT id, person_id, contact_id, measure_id, kind, detail, raised_at, resolved_at,
           resolved_by, resolution
    FROM flags ORDER BY id;
DROP TABLE flags;
ALTER TABLE flags_new RENAME TO flags;

-- Ids freed before this upgrade are retired too: the copies above start
-- each sequence at the highest id left in the table, and the audit log
-- still names rows deleted since, so each sequence starts past those.
INSERT INTO sqlite_sequence (name, seq)
    SELECT t.name, 0 FROM (SELECT 'identities' AS name UNION ALL SELECT 'enquiries'
                           UNION ALL SELECT 'measures' UNION ALL SELECT 'number_rules'
                           UNION ALL SELECT 'contacts' UNION ALL SELECT 'flags') AS t
    WHERE t.name NOT IN (SELECT name FROM sqlite_sequence);
UPDATE sqlite_sequence
SET seq = max(seq, coalesce((SELECT max(entity_id) FROM audit_log
                             WHERE entity = CASE sqlite_sequence.name
                                 WHEN 'identities' THEN 'identity'
                                 WHEN 'enquiries' THEN 'enquiry'
                                 WHEN 'measures' THEN 'measure'
                                 WHEN 'number_rules' THEN 'number_rule'
                                 WHEN 'contacts' THEN 'contact'
                                 WHEN 'flags' THEN 'flag' END), 0))
WHERE name IN ('identities', 'enquiries', 'measures', 'number_rules', 'contacts', 'flags');

-- The indexes, as 0001 to 0004 made them (contacts_by_person_time as 0002
-- left it); each says there why it exists.
CREATE INDEX identities_by_person ON identities(person_id);
CREATE INDEX enquiries_by_person ON enquiries(person_id);
CREATE INDEX measures_by_person ON measures(person_id);
CREATE INDEX contacts_by_person_time ON contacts(person_id, at, channel, counted)
    WHERE person_id IS NOT NULL;
CREATE INDEX contacts_by_time ON contacts(at);
CREATE INDEX contacts_by_enquiry ON contacts(enquiry_id) WHERE enquiry_id IS NOT NULL;
CREATE INDEX flags_by_person ON flags(person_id, kind, raised_at) WHERE person_id IS NOT NULL;
CREATE INDEX flags_open ON flags(raised_at) WHERE resolved_at IS NULL;
CREATE INDEX flags_by_contact ON flags(contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX flags_by_measure ON flags(measure_id) WHERE measure_id IS NOT NULL;
CREATE INDEX flags_resolved ON flags(resolved_at) WHERE resolved_at IS NOT NULL;

-- The caller cache's triggers on the rebuilt tables, as 0005 made them:
-- without them screening would keep deciding on stale rules and records.
CREATE TRIGGER number_rules_insert_changes_number_rules AFTER INSERT ON number_rules BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'number_rules';
END;
CREATE TRIGGER number_rules_update_changes_number_rules AFTER UPDATE ON number_rules BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'number_rules';
END;
CREATE TRIGGER number_rules_delete_changes_number_rules AFTER DELETE ON number_rules BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'number_rules';
END;
CREATE TRIGGER identities_insert_changes_callers AFTER INSERT ON identities BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER identities_update_changes_callers AFTER UPDATE ON identities BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER identities_delete_changes_callers AFTER DELETE ON identities BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER measures_insert_changes_callers AFTER INSERT ON measures BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER measures_update_changes_callers AFTER UPDATE ON measures BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER measures_delete_changes_callers AFTER DELETE ON measures BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER enquiries_insert_changes_callers AFTER INSERT ON enquiries BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER enquiries_update_changes_callers AFTER UPDATE ON enquiries BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER enquiries_delete_changes_callers AFTER DELETE ON enquiries BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;

-- The rebuilt tables hold what they held, but a server still running on
-- this file reloads them rather than trust what it kept.
UPDATE cache_versions SET version = random();
