-- Flags: what the review queue shows a supervisor (very frequent contact,
-- repeated calls while diverted, an urgent call, a measure past its
-- review). A flag asks a person to look; it never changes a decision.
CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    -- Whose concern it is; NULL for an urgent call from an unknown caller.
    -- CASCADE: a flag describes the person, so erasure takes it with them.
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    -- The call that raised it. SET NULL: contacts go at their own
    -- retention, and the flag still says what happened without them.
    contact_id  INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    -- The measure past its review: one open flag per measure needs to
    -- know which. SET NULL, as for contacts, so a purged measure never
    -- takes with it a flag whose audit entries would keep a copy.
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
-- The per-call path asks whether this person already has an open flag of
-- a kind raised today; erasure and subject access find a person's flags;
-- and deleting a person looks here for the cascade.
CREATE INDEX flags_by_person ON flags(person_id, kind, raised_at) WHERE person_id IS NOT NULL;
-- The review queue: open flags, newest first.
CREATE INDEX flags_open ON flags(raised_at) WHERE resolved_at IS NULL;
-- Retention deletes contacts and measures, which sets these to NULL;
-- without an index each deletion would read every flag.
CREATE INDEX flags_by_contact ON flags(contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX flags_by_measure ON flags(measure_id) WHERE measure_id IS NOT NULL;
-- Retention purges resolved flags by age.
CREATE INDEX flags_resolved ON flags(resolved_at) WHERE resolved_at IS NOT NULL;
