-- Complaints about the service (issue 10, section 3). The policy: "Raising
-- legitimate queries or criticisms of the service should not in itself
-- lead to someone being regarded as unreasonably persistent". A contact
-- marked as a complaint (`complaint: true` on a call's outcome or on
-- another channel's contact) never counts towards a frequency limit (its
-- `counted` is 0 while it is a complaint) nor towards a flag.
--
-- Added with a constant default and no CHECK, so SQLite neither rewrites
-- nor reads a row (a CHECK here is verified against every contact: 2 s a
-- million); only fairline writes it, from a bool, as with `urgent`.
ALTER TABLE contacts ADD COLUMN complaint INTEGER NOT NULL DEFAULT 0;

-- The flags' per-call counts (contacts today and in the last 7 days,
-- calls turned away today) read this index alone (0002); they now leave
-- complaints out, and a call turned away is told from a routed call that
-- became a complaint (both have `counted` 0) by this column, so it rides
-- along. Widened rather than joined by a second index, so recording a
-- call updates as many indexes as before, each entry one byte longer.
DROP INDEX contacts_by_person_time;
CREATE INDEX contacts_by_person_time ON contacts(person_id, at, channel, counted, complaint)
    WHERE person_id IS NOT NULL;

-- The scattergun check counts the channels an enquiry came in on lately
-- from this index alone (0007); it leaves complaints out too.
DROP INDEX contacts_by_enquiry_time;
CREATE INDEX contacts_by_enquiry_time ON contacts(enquiry_id, at, id, channel, complaint)
    WHERE enquiry_id IS NOT NULL;
