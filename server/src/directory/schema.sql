-- The directory (danh bạ): provinces, their policies, units, departments, people and
-- roles; accounts, enrolment codes, devices and their Automerge actors; and the log of
-- changes the running server follows (docs/access.md). Times are milliseconds since the
-- Unix epoch. Secrets are stored only as hashes.
CREATE TABLE provinces (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- The snapshot's version: increases with every change a device would see.
    version INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE province_policies (
    province TEXT NOT NULL REFERENCES provinces (code),
    year_from INTEGER NOT NULL,
    year_to INTEGER,
    -- A validated shared::policy::Policy as JSON.
    policy TEXT NOT NULL,
    PRIMARY KEY (province, year_from)
) STRICT;

CREATE TABLE units (
    province TEXT NOT NULL REFERENCES provinces (code),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent TEXT,
    PRIMARY KEY (province, id)
) STRICT;

CREATE TABLE departments (
    province TEXT NOT NULL REFERENCES provinces (code),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (province, id)
) STRICT;

CREATE TABLE people (
    code TEXT PRIMARY KEY,
    province TEXT NOT NULL REFERENCES provinces (code),
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    department TEXT,
    job TEXT NOT NULL,
    office_since INTEGER,
    -- 0 once a later import no longer lists the person: kept (their documents and
    -- devices stay attributed) but refused everywhere.
    active INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX people_by_province ON people (province);

CREATE TABLE person_roles (
    person TEXT NOT NULL REFERENCES people (code),
    -- The CSV form: `cadre`, `department-head:BTC`.
    role TEXT NOT NULL,
    PRIMARY KEY (person, role)
) STRICT;

CREATE TABLE accounts (
    person TEXT PRIMARY KEY REFERENCES people (code),
    -- NULL for a person who only enrols with codes.
    username TEXT UNIQUE,
    -- argon2id PHC string; NULL until a password is set.
    password_hash TEXT,
    disabled_at INTEGER,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE enrolment_codes (
    -- SHA-256 of the normalised code.
    code_hash BLOB PRIMARY KEY,
    person TEXT NOT NULL REFERENCES people (code),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
) STRICT;

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL REFERENCES people (code),
    label TEXT NOT NULL,
    -- Ed25519, 32 bytes.
    public_key BLOB NOT NULL,
    -- SHA-256 of the token as sent.
    token_hash BLOB NOT NULL UNIQUE,
    enrolled_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen INTEGER,
    revoked_at INTEGER
) STRICT;
CREATE INDEX devices_by_person ON devices (person);

CREATE TABLE device_actors (
    -- Automerge actor id, lower-case hex: registered once, to one device.
    actor TEXT PRIMARY KEY,
    device TEXT NOT NULL REFERENCES devices (id)
) STRICT;
CREATE INDEX device_actors_by_device ON device_actors (device);

-- Every change, whoever made it (the server or `dicoso admin` in another process): the
-- server follows this log to rebuild snapshots and tell live connections.
CREATE TABLE directory_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    province TEXT NOT NULL,
    -- import, policy, enrol, renew, revoke, account-create, account-disable,
    -- account-enable, password-reset, enrol-code, person-inactive, province-create
    kind TEXT NOT NULL,
    -- A person code or device id; never a secret.
    subject TEXT NOT NULL,
    -- Who did it: an admin's person code, `cli`, or the subject itself.
    by TEXT NOT NULL
) STRICT;

-- Small facts about the deployment, e.g. which province `dicoso admin demo` created.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
