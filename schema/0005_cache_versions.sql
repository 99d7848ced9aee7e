-- Versions of what the per-call path keeps in memory (number rules, and
-- callers' identities, measures and enquiries): a token per kind, replaced
-- by triggers in the same transaction as any change to its tables,
-- whichever connection or process makes it. Screening reads the tokens in
-- its own transaction and reloads what changed, so what it keeps is never
-- stale.
--
-- A random token, not a counter: a transaction rolled back after screening
-- read its changes would let a counter come back to a value the cache has
-- already seen with other contents.
CREATE TABLE cache_versions (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO cache_versions (name, version) VALUES ('number_rules', random()), ('callers', random());

CREATE TRIGGER number_rules_insert_changes_number_rules AFTER INSERT ON number_rules BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'number_rules';
END;
CREATE TRIGGER number_rules_update_changes_number_rules AFTER UPDATE ON number_rules BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'number_rules';
END;
CREATE TRIGGER number_rules_delete_changes_number_rules AFTER DELETE ON number_rules BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'number_rules';
END;
CREATE TRIGGER people_insert_changes_callers AFTER INSERT ON people BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER people_update_changes_callers AFTER UPDATE ON people BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
END;
CREATE TRIGGER people_delete_changes_callers AFTER DELETE ON people BEGIN
    UPDATE cache_versions SET version = random() WHERE name = 'callers';
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
