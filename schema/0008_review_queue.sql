-- The review queue (issue 9, part 2): more kinds of flag, each with the
-- contacts behind it; flags dismissed as well as resolved; reviews of
-- measures. A flag still never changes a decision.

-- One review of a measure: what a supervisor decided on looking at it
-- again (continue to a new review date, change it, or end it). Kept with
-- the measure: CASCADE, so erasure and retention, which delete a
-- person's or an ended measure's row, take its reviews with it.
-- AUTOINCREMENT, as 0006 gave every table whose rows can be deleted: the
-- audit log names reviews (inside measure.review entries) by id.
CREATE TABLE measure_reviews (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    measure_id      INTEGER NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    reviewed_at     TEXT NOT NULL,
    reviewed_by     TEXT NOT NULL,  -- the key's name
    outcome         TEXT NOT NULL CHECK (outcome IN ('continue', 'change', 'end')),
    review_on       TEXT NOT NULL,  -- the review date the measure had when reviewed
    next_review_on  TEXT,           -- NULL when the review ended the measure
    note            TEXT NOT NULL CHECK (length(trim(note)) > 0),
    CHECK ((outcome = 'end') = (next_review_on IS NULL))
);
-- A measure's reviews, in order: GET /v1/measures/{id}/reviews, the last
-- review a PATCH counts its review bound from, and the cascade on delete.
CREATE INDEX measure_reviews_by_measure ON measure_reviews(measure_id, reviewed_at);

-- Flags, rebuilt (SQLite cannot change a CHECK in place; see 0006 for the
-- procedure). New here:
--   kind         four new kinds; measure_past_review becomes review_due
--                (due within days, or past), its old rows renamed;
--   enquiry_id   the enquiry a per-enquiry kind is about (several
--                advisors, scattergun): one open flag per enquiry;
--   review_on    for review_due, the review date it is about, so a
--                settled one is not raised again for the same date;
--   updated_at   when evidence was last added or the detail refreshed;
--   evidence_until  the newest evidence's time (ms, as contacts.at): after
--                a flag is settled, only contacts newer than this can
--                raise the kind again;
--   status       open, dismissed (nothing to act on) or resolved (acted
--                on); settled_at/settled_by/reason say when, who and why
--                (resolved_at/resolved_by/resolution before);
--   resolved_measure_id  the measure a supervisor agreed in response;
--   review_id    the review that settled a review_due flag.
CREATE TABLE flags_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id           INTEGER REFERENCES people(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN (
                            'urgent_call', 'urgent_under_measures', 'repeated_while_diverted',
                            'very_frequent_contact', 'weekly_contact', 'several_advisors',
                            'scattergun', 'review_due')),
    enquiry_id          INTEGER REFERENCES enquiries(id) ON DELETE SET NULL,
    measure_id          INTEGER REFERENCES measures(id) ON DELETE SET NULL,
    review_on           TEXT,
    contact_id          INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    detail              TEXT NOT NULL,      -- never a phone number or a name
    raised_at           TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    evidence_until      INTEGER,
    status              TEXT NOT NULL CHECK (status IN ('open', 'dismissed', 'resolved')),
    settled_at          TEXT,
    settled_by          TEXT,               -- the key's name
    reason              TEXT,
    resolved_measure_id INTEGER REFERENCES measures(id) ON DELETE SET NULL,
    review_id           INTEGER REFERENCES measure_reviews(id) ON DELETE SET NULL,
    CHECK ((status = 'open') = (settled_at IS NULL)),
    CHECK ((settled_at IS NULL) = (reason IS NULL))
);
-- Old flags keep their ids. A measure_past_review flag's review date is
-- the measure's own if it was raised after that date (it is about the
-- current date: resolved, it is not raised again for it), else a day
-- before it was raised (it was about an earlier date).
INSERT INTO flags_new (id, person_id, kind, measure_id, review_on, contact_id, detail, raised_at,
                       updated_at, evidence_until, status, settled_at, settled_by, reason)
    SELECT f.id, f.person_id,
           CASE f.kind WHEN 'measure_past_review' THEN 'review_due' ELSE f.kind END,
           f.measure_id,
           CASE WHEN f.kind = 'measure_past_review' THEN
               (SELECT CASE WHEN julianday(f.raised_at) >= julianday(m.review_on) THEN m.review_on
                            ELSE date(f.raised_at, '-1 day') END
                FROM measures m WHERE m.id = f.measure_id) END,
           f.contact_id, f.detail, f.raised_at, f.raised_at,
           (SELECT c.at FROM contacts c WHERE c.id = f.contact_id),
           CASE WHEN f.resolved_at IS NULL THEN 'open' ELSE 'resolved' END,
           f.resolved_at, f.resolved_by, f.resolution
    FROM flags f ORDER BY f.id;
-- Keep the ids flags has used and retired (0006): dropping a table drops
-- its sqlite_sequence row, and the copy alone would start the sequence at
-- the highest id left.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'flags_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'flags_new');
UPDATE sqlite_sequence
SET seq = max(seq, coalesce((SELECT s.seq FROM sqlite_sequence s WHERE s.name = 'flags'), 0))
WHERE name = 'flags_new';
DROP TABLE flags;
ALTER TABLE flags_new RENAME TO flags;

-- The contacts behind each flag: what the queue lists for a supervisor to
-- look at. CASCADE both ways: evidence means nothing without its flag
-- (erasure deletes a person's flags), and a contact past retention is
-- gone from the evidence as from everywhere else.
CREATE TABLE flag_evidence (
    flag_id     INTEGER NOT NULL REFERENCES flags(id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (flag_id, contact_id)
) WITHOUT ROWID;
-- Deleting contacts (retention, 10,000 at a time) looks here for the
-- cascade; without it each deletion would read every row.
CREATE INDEX flag_evidence_by_contact ON flag_evidence(contact_id);
-- The contact that raised each old flag is its evidence.
INSERT INTO flag_evidence (flag_id, contact_id)
    SELECT id, contact_id FROM flags WHERE contact_id IS NOT NULL;

-- Raising a flag asks for the latest flag of a kind for a person (and
-- enquiry): open, it takes the new evidence; settled, its evidence_until
-- is the line new evidence must be past. status and evidence_until are in
-- the index so the per-call path answers from it alone. Erasure and
-- subject access find a person's flags here too.
CREATE INDEX flags_by_subject ON flags(person_id, kind, enquiry_id, id, status, evidence_until)
    WHERE person_id IS NOT NULL;
-- The review queue: open flags, oldest first.
CREATE INDEX flags_open ON flags(raised_at) WHERE status = 'open';
-- Retention deletes contacts, measures and reviews, and erasure deletes
-- enquiries, which sets these to NULL; without an index each deletion
-- would read every flag. flags_by_measure also finds a measure's
-- review_due flags when the queue is read and when it is reviewed.
CREATE INDEX flags_by_contact ON flags(contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX flags_by_measure ON flags(measure_id, kind) WHERE measure_id IS NOT NULL;
CREATE INDEX flags_by_enquiry ON flags(enquiry_id) WHERE enquiry_id IS NOT NULL;
CREATE INDEX flags_by_resolved_measure ON flags(resolved_measure_id)
    WHERE resolved_measure_id IS NOT NULL;
CREATE INDEX flags_by_review ON flags(review_id) WHERE review_id IS NOT NULL;
-- Retention purges settled flags by age.
CREATE INDEX flags_settled ON flags(settled_at) WHERE settled_at IS NOT NULL;

-- Scattergun is checked on the per-call path when a call names an
-- enquiry: how many channels the enquiry came in on lately, answered from
-- contacts_by_enquiry_time (enquiry_id, at, id, channel), made by 0007.
