-- The per-call path reads a caller's recent contacts (when, which channel,
-- whether it counted) to apply agreed frequencies. With only (person_id, at)
-- in the index, each of those rows cost a look-up in the contacts table,
-- scattered across the file once it holds millions of contacts. Carrying the
-- two columns in the index makes the read an index-only range scan.
DROP INDEX contacts_by_person_time;
CREATE INDEX contacts_by_person_time ON contacts(person_id, at, channel, counted)
    WHERE person_id IS NOT NULL;
