-- Erasure and retention (UK GDPR articles 5(1)(e) and 17): what the schema
-- needs so a person's data can go, and old records with it, without the
-- audit log keeping a copy of them.

-- The audit log stays append-only with one exception. An entry's copy of a
-- record (`before`, `after`) may be replaced by the marker {"erased":true}
-- once that record is erased or past retention: otherwise the log would
-- keep, for ever, exactly the names, numbers and notes the law says must
-- go. Who did what, when, to which row, stays. Every other update is still
-- refused, as is every delete (the trigger for deletes is unchanged).
-- Like the original, this guards against mistakes in code; anyone holding
-- the database file can do anything, which file permissions cover.
DROP TRIGGER audit_log_no_update;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (
        NEW.id IS OLD.id
    AND NEW.at IS OLD.at
    AND NEW.actor IS OLD.actor
    AND NEW.action IS OLD.action
    AND NEW.entity IS OLD.entity
    AND NEW.entity_id IS OLD.entity_id
    AND NEW.person_id IS OLD.person_id
    AND (NEW.before IS OLD.before OR (OLD.before IS NOT NULL AND NEW.before IS '{"erased":true}'))
    AND (NEW.after IS OLD.after OR (OLD.after IS NOT NULL AND NEW.after IS '{"erased":true}'))
)
-- (IS, never =: a NULL would make the condition NULL, and a trigger whose
-- WHEN is NULL does not fire, letting the update through.)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Purging a contact or a measure, or erasing a person's contacts, blanks
-- the entries about those rows; this finds them without reading the log.
CREATE INDEX audit_by_entity ON audit_log(entity, entity_id);

-- Deleting an enquiry sets contacts.enquiry_id to NULL (the foreign key),
-- which without an index reads every contact, holding the writer for
-- seconds on a large database. Partial: most calls name no enquiry, so
-- screening rarely pays for it.
CREATE INDEX contacts_by_enquiry ON contacts(enquiry_id) WHERE enquiry_id IS NOT NULL;

-- The ids of erased people. SQLite gives the highest id out again once its
-- row is deleted, and the audit log still names the erased person by that
-- id: a newcomer given it would inherit their trail (and see it in their
-- own subject access export). New people are numbered past these.
CREATE TABLE erased_people (
    id          INTEGER PRIMARY KEY,
    erased_at   TEXT NOT NULL
);
