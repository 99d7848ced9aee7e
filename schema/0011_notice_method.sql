-- How a person was told in writing about a measure, recorded with the date
-- (`notified_on`) by POST /v1/measures/{id}/notice/sent: by post, by email,
-- a letter handed over in person, or read out by phone (for someone who
-- cannot read one). A complaint or an ombudsman asks how, not only when.
-- NULL for measures told before this was kept, and for measures not told.
ALTER TABLE measures ADD COLUMN notice_method TEXT
    CHECK (notice_method IN ('post', 'email', 'in_person', 'phone'));
