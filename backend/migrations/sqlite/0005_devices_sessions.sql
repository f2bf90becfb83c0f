-- Enrolled tablets, and sessions with short-lived access tokens and rotating refresh
-- tokens. The `sessions` table of 0001 is no longer read: its tokens stop working when
-- this migration runs (they lived an hour at most), and it stays because migrations are
-- add-only.

-- A tablet a manager enrolled for the home. Only the SHA-256 of its secret is kept.
-- (Not the `devices` table of 0003: that one numbers each tablet's pushes.)
CREATE TABLE enrolled_devices (
    id            TEXT PRIMARY KEY,
    home_id       TEXT NOT NULL REFERENCES homes(id),
    name          TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    enrolled_at   TEXT NOT NULL,
    enrolled_by   TEXT NOT NULL REFERENCES staff(id),
    -- Written at most once a minute, from authenticated requests of sessions bound to it.
    last_contact  TEXT,
    revoked_at    TEXT
);
CREATE INDEX enrolled_devices_home ON enrolled_devices(home_id, enrolled_at);

-- One sign-in: lives until it is ended (sign-out, a reused refresh token), or is not
-- used for the idle time, or reaches its absolute end (`expires_at`).
CREATE TABLE auth_sessions (
    id            TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff(id),
    -- The tablet it was made on, when the sign-in named one.
    device_id     TEXT REFERENCES enrolled_devices(id),
    created_at    TEXT NOT NULL,
    -- Written at most once a minute (or the configured contact interval).
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    ended_at      TEXT,
    ended_reason  TEXT CHECK (ended_reason IN ('logout', 'reuse', 'expired')),
    -- Why it ended, when it did.
    CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);
CREATE INDEX auth_sessions_staff ON auth_sessions(staff_id);
CREATE INDEX auth_sessions_device ON auth_sessions(device_id);
CREATE INDEX auth_sessions_expiry ON auth_sessions(expires_at);

-- Tokens are kept only as their SHA-256. A refresh token that has been traded for a new
-- pair keeps its row with `replaced_at` set, so a second use is recognised as reuse.
CREATE TABLE session_tokens (
    token_hash   TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES auth_sessions(id),
    kind         TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    issued_at    TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    replaced_at  TEXT
);
CREATE INDEX session_tokens_session ON session_tokens(session_id);
