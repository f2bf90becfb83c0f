-- Offline-first sync: each home's change log, the tablets that push to it, and every
-- mutation's stored outcome.

-- A home's log: its epoch (changes when the log starts again, telling tablets to take a
-- snapshot), the newest sequence number given out, and the oldest a tablet may pull from.
ALTER TABLE homes ADD COLUMN sync_epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE homes ADD COLUMN sync_head INTEGER NOT NULL DEFAULT 0;
ALTER TABLE homes ADD COLUMN sync_floor INTEGER NOT NULL DEFAULT 0;
UPDATE homes SET sync_epoch = lower(hex(randomblob(8))) WHERE sync_epoch = '';

-- One row per change, numbered inside the write that made it. Rows name what changed;
-- readers send its state as it is when they read (a later change sends it again).
CREATE TABLE changes (
    home_id     TEXT NOT NULL REFERENCES homes(id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('resident', 'resident_removed', 'entry')),
    person_id   TEXT NOT NULL,
    entry_id    TEXT,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (home_id, seq)
);

-- The SpO2 scale NEWS2 uses for a person: Scale 2 only when a clinician has set it.
ALTER TABLE persons ADD COLUMN spo2_scale TEXT NOT NULL DEFAULT 'scale1'
    CHECK (spo2_scale IN ('scale1', 'scale2'));

-- Tablets that push, with the device sequence number each is expected to send next.
CREATE TABLE devices (
    id             TEXT PRIMARY KEY,
    home_id        TEXT NOT NULL REFERENCES homes(id),
    next_seq       INTEGER NOT NULL,
    last_staff_id  TEXT REFERENCES staff(id),
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL
);

-- Every mutation received and what became of it, so a retry gets the same answer.
CREATE TABLE mutations (
    id           TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL REFERENCES devices(id),
    device_seq   INTEGER NOT NULL,
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    outcome      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    UNIQUE (device_id, device_seq)
);
