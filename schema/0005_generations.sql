-- Generations of what the per-call path keeps in memory (number rules, and
-- callers' identities, measures and enquiries): a counter per kind, moved by
-- triggers in the same transaction as any change to its tables, whichever
-- connection or process makes it. Screening reads the counters in its own
-- transaction and reloads what moved, so what it keeps is never stale.
CREATE TABLE generations (
    name       TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO generations (name, generation) VALUES ('number_rules', 0), ('callers', 0);

CREATE TRIGGER number_rules_insert_moves_number_rules AFTER INSERT ON number_rules BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'number_rules';
END;
CREATE TRIGGER number_rules_update_moves_number_rules AFTER UPDATE ON number_rules BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'number_rules';
END;
CREATE TRIGGER number_rules_delete_moves_number_rules AFTER DELETE ON number_rules BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'number_rules';
END;
CREATE TRIGGER people_insert_moves_callers AFTER INSERT ON people BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER people_update_moves_callers AFTER UPDATE ON people BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER people_delete_moves_callers AFTER DELETE ON people BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER identities_insert_moves_callers AFTER INSERT ON identities BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER identities_update_moves_callers AFTER UPDATE ON identities BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER identities_delete_moves_callers AFTER DELETE ON identities BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER measures_insert_moves_callers AFTER INSERT ON measures BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER measures_update_moves_callers AFTER UPDATE ON measures BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER measures_delete_moves_callers AFTER DELETE ON measures BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER enquiries_insert_moves_callers AFTER INSERT ON enquiries BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER enquiries_update_moves_callers AFTER UPDATE ON enquiries BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
CREATE TRIGGER enquiries_delete_moves_callers AFTER DELETE ON enquiries BEGIN
    UPDATE generations SET generation = generation + 1 WHERE name = 'callers';
END;
