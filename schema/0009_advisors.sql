-- The advisors directory: the names enquiries and single point of contact
-- measures refer to, each with the target where that advisor takes calls.
-- A call about an open enquiry goes to its advisor's target, so the caller
-- does not have to explain again.
--
-- Enquiries and measures keep naming advisors by name (enquiries.advisor,
-- a single point of contact's params.advisor), as every reader already
-- shows them; a rename is carried to them by a trigger below, in the same
-- transaction, whichever connection or process makes it. Names are stored
-- in the directory's spelling, so those names match it exactly.
CREATE TABLE advisors (
    -- AUTOINCREMENT, as 0006 gave the other tables: the audit log names
    -- advisors by id, so an id is never given to another advisor.
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- One advisor per name whatever its case: "alex" and "Alex" in one
    -- directory would be one person entered twice.
    name        TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
    -- Where their calls go (a PBX-safe name, checked by the API); NULL:
    -- their calls go to the default target.
    target      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    -- Retired advisors are never deleted (enquiries and the audit log
    -- still name them); their calls go to the default target.
    retired_at  TEXT
);
-- UNIQUE's index on name is also how the caller cache finds, with a
-- caller's record, the advisors their enquiries and measures name: one
-- seek in it and one in a table of a page or two, and only when the
-- caller is not already cached.

-- A rename finds the advisor's enquiries here rather than reading every
-- enquiry while the writer, and every call behind it, waits.
CREATE INDEX enquiries_by_advisor ON enquiries(advisor) WHERE advisor IS NOT NULL;

-- Every name already on an enquiry or a single point of contact joins the
-- directory, without a target (their calls keep going where they went),
-- so nothing already stored names an advisor the directory lacks. Names
-- that differ only in case become one advisor, spelled as the first in
-- order; the enquiries and measures are then written in that spelling.
INSERT OR IGNORE INTO advisors (name, created_at, updated_at)
    SELECT name, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM (SELECT advisor AS name FROM enquiries
          WHERE advisor IS NOT NULL AND length(trim(advisor)) > 0
          UNION
          SELECT json_extract(params, '$.advisor') FROM measures
          WHERE kind = 'single_point_of_contact'
            AND length(trim(json_extract(params, '$.advisor'))) > 0)
    ORDER BY name COLLATE BINARY;
UPDATE enquiries SET advisor = (SELECT name FROM advisors WHERE name = enquiries.advisor)
    WHERE advisor IS NOT NULL
      AND advisor COLLATE BINARY IS NOT (SELECT name FROM advisors WHERE name = enquiries.advisor);
UPDATE measures
    SET params = json_set(params, '$.advisor',
                          (SELECT name FROM advisors
                           WHERE name = json_extract(measures.params, '$.advisor')))
    WHERE kind = 'single_point_of_contact'
      AND json_extract(params, '$.advisor') COLLATE BINARY IS NOT
          (SELECT name FROM advisors WHERE name = json_extract(measures.params, '$.advisor'));

-- A rename (even of case alone) is carried to every enquiry and single
-- point of contact that names the advisor, in the rename's transaction.
CREATE TRIGGER advisors_rename_carries_to_enquiries_and_measures
AFTER UPDATE OF name ON advisors
WHEN NEW.name IS NOT OLD.name COLLATE BINARY
BEGIN
    UPDATE enquiries SET advisor = NEW.name WHERE advisor = OLD.name COLLATE BINARY;
    UPDATE measures SET params = json_set(params, '$.advisor', NEW.name)
        WHERE kind = 'single_point_of_contact'
          AND json_extract(params, '$.advisor') = OLD.name COLLATE BINARY;
END;

-- The caller cache holds each caller's advisors' targets (schema 0005):
-- any change to the directory replaces the callers' version, so a new
-- target or a retirement decides the very next call.
CREATE TRIGGER advisors_insert_changes_callers AFTER INSERT ON advisors BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER advisors_update_changes_callers AFTER UPDATE ON advisors BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER advisors_delete_changes_callers AFTER DELETE ON advisors BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
