-- Records from outside: the systems that send them, every resource and version received,
-- the review queue for patients who cannot be matched safely, entry history and files.

-- A sending system (a hospital's EPR, a GP system, a pharmacy, a lab, the ambulance
-- service). Its bearer credential is kept only as a SHA-256.
CREATE TABLE sources (
    id               TEXT PRIMARY KEY,
    ods_code         TEXT NOT NULL,
    name             TEXT NOT NULL,
    credential_hash  TEXT NOT NULL UNIQUE,
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL
);

-- Patients who could not be matched to a person safely (invalid or missing NHS number,
-- a date of birth that disagrees, or a subject that cannot be identified). Everything
-- about them waits here until someone attaches them to the right person.
CREATE TABLE review_items (
    id            TEXT PRIMARY KEY,
    source_id     TEXT NOT NULL REFERENCES sources(id),
    -- The patient as the sender identified them: a Patient resource's id, or the
    -- reference that could not be resolved.
    patient_key   TEXT NOT NULL,
    reason        TEXT NOT NULL CHECK (reason IN ('invalid_nhs_number', 'no_nhs_number',
                      'birth_date_mismatch', 'partial_birth_date', 'unknown_patient',
                      'identity_changed')),
    nhs_number    TEXT,
    detail        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'attached')),
    person_id     TEXT REFERENCES persons(id),
    created_at    TEXT NOT NULL,
    resolved_at   TEXT
);
CREATE UNIQUE INDEX review_items_patient ON review_items(source_id, patient_key);

-- Every version of every resource received. (source, type, resource_id) names a resource:
-- the sender's id, or "sha256:<hash of its content>" when it sent none. The current
-- version is the one entries follow; older versions stay as history.
CREATE TABLE fhir_resources (
    row_id         TEXT PRIMARY KEY,
    logical_id     TEXT NOT NULL,
    source_id      TEXT NOT NULL REFERENCES sources(id),
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    -- The Bundle entry's fullUrl it arrived with, so urn:uuid references between held
    -- resources still resolve when they are attached later.
    full_url       TEXT,
    version        INTEGER NOT NULL,
    version_id     TEXT,
    content_hash   TEXT NOT NULL,
    is_current     INTEGER NOT NULL,
    person_id      TEXT REFERENCES persons(id),
    review_id      TEXT REFERENCES review_items(id),
    received_at    TEXT NOT NULL,
    body           TEXT NOT NULL
);
CREATE UNIQUE INDEX fhir_resources_current
    ON fhir_resources(source_id, resource_type, resource_id) WHERE is_current = 1;
CREATE INDEX fhir_resources_identity
    ON fhir_resources(source_id, resource_type, resource_id, version);
CREATE INDEX fhir_resources_logical ON fhir_resources(logical_id, version);
CREATE INDEX fhir_resources_review ON fhir_resources(review_id) WHERE review_id IS NOT NULL;
CREATE INDEX fhir_resources_full_url ON fhir_resources(source_id, full_url) WHERE full_url IS NOT NULL;

-- Identifiers of received resources, so conditional references
-- (Organization?identifier=system|value) resolve to what the same sender sent before.
CREATE TABLE fhir_identifiers (
    source_id      TEXT NOT NULL REFERENCES sources(id),
    resource_type  TEXT NOT NULL,
    system         TEXT NOT NULL,
    value          TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    PRIMARY KEY (source_id, resource_type, system, value)
);

-- Which received resource an entry came from (its logical id), and which of its entries
-- it is; source_ref is the two together, "<logical id>#<key>", and unique.
ALTER TABLE entries ADD COLUMN source_resource TEXT;
ALTER TABLE entries ADD COLUMN source_ref TEXT;
CREATE UNIQUE INDEX entries_source_ref ON entries(source_ref) WHERE source_ref IS NOT NULL;
CREATE INDEX entries_source_resource ON entries(source_resource) WHERE source_resource IS NOT NULL;

-- Earlier versions of entries: an update or retraction moves the old one here first.
CREATE TABLE entry_versions (
    entry_id       TEXT NOT NULL,
    version        INTEGER NOT NULL,
    person_id      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    ods_code       TEXT,
    source_system  TEXT,
    source_id      TEXT,
    author         TEXT,
    authored_at    TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    body           TEXT NOT NULL,
    superseded_at  TEXT NOT NULL,
    PRIMARY KEY (entry_id, version)
);

-- Files that came with documents (PDF letters). Served to the resident's home only.
CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES persons(id),
    -- The document entry it belongs to: a file is served only while that entry is current.
    entry_id      TEXT,
    content_type  TEXT NOT NULL,
    title         TEXT,
    size          INTEGER NOT NULL,
    data          BLOB NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX attachments_person ON attachments(person_id);
