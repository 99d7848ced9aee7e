-- Staff accounts for the pages under /ui: people sign in with a name and a
-- password (argon2id, PHC string); API keys stay for the PBX and scripts.
-- A user's name is the audit log's actor, as a key's name is, so the two
-- share one namespace (the triggers below): the appeal-independence rule
-- compares names, and one name must never stand for two principals.
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    role                TEXT NOT NULL CHECK (role IN ('advisor', 'supervisor', 'admin')),
    password_hash       TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled_at         TEXT,
    -- Failed sign-ins in a row; reset by a good one. At the limit the
    -- account is locked until `locked_until`.
    failed_sign_ins     INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT
);

CREATE TRIGGER users_name_not_a_key BEFORE INSERT ON users
WHEN EXISTS (SELECT 1 FROM api_keys WHERE name = NEW.name)
BEGIN
    SELECT RAISE(ABORT, 'name is taken by an API key');
END;

CREATE TRIGGER api_keys_name_not_a_user BEFORE INSERT ON api_keys
WHEN EXISTS (SELECT 1 FROM users WHERE name = NEW.name)
BEGIN
    SELECT RAISE(ABORT, 'name is taken by a staff account');
END;

-- Signed-in sessions. The cookie holds a random token; only its SHA-256 is
-- kept, so a copy of the database signs no one in. The CSRF token is tied
-- to the session and put in every form.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) WITHOUT ROWID;
-- Ending a user's sessions when the account is disabled or its password
-- reset, and the cascade when a user is deleted.
CREATE INDEX sessions_by_user ON sessions(user_id);
-- Sweeping sessions past their absolute expiry at sign-in.
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
