-- Call-history lookups (GET /v1/contacts): every filter answers its first
-- page from an index, newest first, at ten million contacts. Each index
-- ends in `at` (and so, implicitly, in the row id): the lookup reads its
-- rows in the order it returns them, `at` then id, and stops after a page.
--
-- Every index on contacts is one more insert for every screened call, so
-- each one below covers only the rows its filter is for wherever the
-- common case (a phone call, routed, with no advisor yet) needs no entry.
-- Filters that the common case does match (channel=phone, action=route)
-- read contacts_by_time newest first: most rows match, so a page is found
-- after reading little more than a page.
--
-- The lookups say the partial conditions below in their own WHERE clause
-- (src/store/history.rs), since SQLite uses a partial index only for a
-- query whose terms imply its condition in a form it can see.

-- `phone` and `email`: the number or address a contact came from, whether
-- or not it belongs to a person on record (the number behind a nuisance
-- call, a caller before they were known). The one index here that every
-- screened call with a number pays for; withheld callers are left out.
-- A person's own contacts are contacts_by_person_time (0002); this is not
-- folded into it because an unknown caller has no person.
CREATE INDEX contacts_by_identity ON contacts(identity, at) WHERE identity IS NOT NULL;

-- `channel` other than phone: emails, web forms, letters and visits, a
-- small share of contacts. Screened calls never enter it.
CREATE INDEX contacts_by_channel ON contacts(channel, at) WHERE channel <> 'phone';

-- `action` other than route: announced, diverted and blocked calls. Routed
-- calls (most of them) and other channels (no action) never enter it.
CREATE INDEX contacts_by_action ON contacts(action, at) WHERE action <> 'route';

-- `advisor`: set by a call's outcome or never, so a call pays for it when
-- its outcome names an advisor, not when it is screened.
CREATE INDEX contacts_by_advisor ON contacts(advisor, at) WHERE advisor IS NOT NULL;

-- `enquiry`: replaces contacts_by_enquiry (0003), which existed for the
-- foreign key (deleting an enquiry sets enquiry_id NULL) and still serves
-- it with `at` (and `id`, the history's tie-break within a millisecond)
-- added, so the lookup needs no sort. The channel rides along for the
-- review queue's scattergun check (0008), which counts the channels an
-- enquiry came in on lately from the index alone. Still partial: most
-- calls name no enquiry. One index out, one in: no cost to screening.
DROP INDEX contacts_by_enquiry;
CREATE INDEX contacts_by_enquiry_time ON contacts(enquiry_id, at, id, channel)
    WHERE enquiry_id IS NOT NULL;

-- `person` uses contacts_by_person_time (0002), `from` and `to` alone
-- contacts_by_time (0001).
