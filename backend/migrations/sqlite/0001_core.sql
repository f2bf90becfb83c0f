-- Homes, staff and their sessions; people, residencies and the entries of their records.
-- Kept to SQL that PostgreSQL also accepts, so its migration can mirror this one.
-- Ids are UUID text; times are UTC RFC 3339 text with microseconds (so text order is
-- time order); dates are YYYY-MM-DD text.

CREATE TABLE homes (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE staff (
    id             TEXT PRIMARY KEY,
    home_id        TEXT NOT NULL REFERENCES homes(id),
    -- Stored lower-case: usernames are matched without regard to case.
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('carer', 'senior', 'manager', 'admin')),
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL
);
CREATE INDEX staff_home ON staff(home_id);

-- Bearer tokens are kept only as their SHA-256, so a copy of the database holds no
-- usable credential.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_staff ON sessions(staff_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE persons (
    id           TEXT PRIMARY KEY,
    nhs_number   TEXT NOT NULL UNIQUE,
    given        TEXT NOT NULL,
    family       TEXT NOT NULL,
    preferred    TEXT,
    birth_date   TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    gp_practice  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- A residency is the home's legitimate relationship with a person: staff see a record
-- only while one links them. Ended residencies stay, for the history.
CREATE TABLE residencies (
    id           TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES persons(id),
    home_id      TEXT NOT NULL REFERENCES homes(id),
    room         TEXT NOT NULL,
    admitted_on  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('in_home', 'in_hospital', 'on_leave', 'left', 'died')),
    ended_on     TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
-- A person lives in one home at a time.
CREATE UNIQUE INDEX residencies_one_current ON residencies(person_id) WHERE ended_on IS NULL;
CREATE INDEX residencies_home ON residencies(home_id, ended_on);

-- The current version of each entry. The body is the JSON of bedside_domain's EntryBody;
-- the columns beside it are what queries filter on.
CREATE TABLE entries (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES persons(id),
    kind           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('current', 'entered_in_error')),
    organisation   TEXT NOT NULL,
    ods_code       TEXT,
    source_system  TEXT,
    source_id      TEXT,
    author         TEXT,
    authored_at    TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    body           TEXT NOT NULL
);
CREATE INDEX entries_person ON entries(person_id, kind);
