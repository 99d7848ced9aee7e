-- Appeals and complaints about how the policy was applied to a person: the
-- ombudsmen's guidance and the policy ask that a senior member of staff who
-- was not involved in the original decision hears them. Kept with the
-- measure: CASCADE, so a measure past retention or an erased person takes
-- them along (and retention blanks the audit log's copies, as for measures).
CREATE TABLE appeals (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    measure_id      INTEGER NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    person_id       INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    received_on     TEXT NOT NULL,
    grounds         TEXT NOT NULL CHECK (length(trim(grounds)) > 0),
    channel         TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'web', 'letter', 'in_person')),
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      TEXT,
    outcome         TEXT CHECK (outcome IN ('upheld', 'changed', 'ended')),
    decision_reason TEXT,
    -- For `changed`: the audit entry of the change the decision points at.
    change_audit_id INTEGER,
    CHECK ((decided_at IS NULL) = (outcome IS NULL))
);
-- A measure's appeals, and the cascade when a measure is deleted.
CREATE INDEX appeals_by_measure ON appeals(measure_id);
-- A person's appeals (subject access, the cascade when a person is erased).
CREATE INDEX appeals_by_person ON appeals(person_id);
-- Appeals waiting for a decision, oldest first, for the review queue.
CREATE INDEX appeals_waiting ON appeals(received_on) WHERE decided_at IS NULL;
