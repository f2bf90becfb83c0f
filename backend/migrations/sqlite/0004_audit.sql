-- The audit log: every view of a resident's record, served online or read offline on a
-- tablet. Append-only: triggers refuse any UPDATE or DELETE, so the server has no path
-- that changes history, and a mistaken statement in a maintenance session fails loudly.

CREATE TABLE audit_events (
    home_id         TEXT NOT NULL REFERENCES homes(id),
    -- Made by the tablet for offline views (its identity: a retry stores nothing new),
    -- by the server for online ones. Unique per home.
    id              TEXT NOT NULL,
    staff_id        TEXT NOT NULL REFERENCES staff(id),
    -- Copied, so the log still reads right if a username or role changes later.
    staff_username  TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('carer', 'senior', 'manager', 'admin')),
    person_id       TEXT NOT NULL REFERENCES persons(id),
    -- bedside_domain::audit::AuditPart, checked there: no CHECK here, so a new part needs
    -- no table rebuild (which the triggers would make awkward on purpose).
    part            TEXT NOT NULL,
    -- When the view happened (the tablet's clock for offline views).
    at              TEXT NOT NULL,
    -- The tablet's name for itself, when it sent one (device enrolment comes later).
    device          TEXT,
    -- The network address the request came from.
    address         TEXT,
    mode            TEXT NOT NULL CHECK (mode IN ('online', 'offline')),
    received_at     TEXT NOT NULL,
    PRIMARY KEY (home_id, id)
);
CREATE INDEX audit_events_home_at ON audit_events(home_id, at, id);
CREATE INDEX audit_events_person_at ON audit_events(person_id, at, id);
CREATE INDEX audit_events_staff_at ON audit_events(staff_id, at, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: an audit event cannot be changed');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: an audit event cannot be deleted');
END;
