-- When each staff account last signed in, for the users page and
-- `fairline users list`: an admin tidying accounts needs to see which
-- ones nobody uses any more, and the audit log (every `user.sign_in`) is
-- the wrong place to work that out from. NULL: never signed in (or not
-- since this migration). Set with the start of each session; no index,
-- as nothing looks accounts up by it.
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;
