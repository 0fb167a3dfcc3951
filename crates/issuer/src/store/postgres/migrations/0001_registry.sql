-- civitas registry schema, version 1 (SPEC.md §21.2). JSON values are stored as text, byte for
-- byte as civitas wrote them (as in the sled registry); the columns beside them are what
-- PostgreSQL looks things up by.

CREATE TABLE civitas_meta (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    meta     text NOT NULL
);

CREATE TABLE civitas_counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL CHECK (value >= 0)
);

CREATE TABLE civitas_credentials (
    id               text COLLATE "C" PRIMARY KEY,
    source_record_id text,
    issued_at        timestamptz NOT NULL,
    record           text NOT NULL
);
CREATE INDEX civitas_credentials_issued_at ON civitas_credentials (issued_at);

CREATE TABLE civitas_credential_texts (
    id   text COLLATE "C" PRIMARY KEY,
    text text NOT NULL
);

CREATE TABLE civitas_sources (
    source_record_id text PRIMARY KEY,
    credential_id    text COLLATE "C" NOT NULL
);

CREATE TABLE civitas_source_versions (
    source_record_id text PRIMARY KEY,
    version          text NOT NULL
);

CREATE TABLE civitas_status_lists (
    url  text PRIMARY KEY,
    list text NOT NULL
);

CREATE TABLE civitas_published_lists (
    url  text PRIMARY KEY,
    list text NOT NULL
);

CREATE TABLE civitas_allocators (
    purpose text PRIMARY KEY,
    state   text NOT NULL
);

CREATE TABLE civitas_audit (
    seq   bigint PRIMARY KEY CHECK (seq >= 0),
    entry text NOT NULL
);

CREATE TABLE civitas_keys (
    number bigint PRIMARY KEY,
    key    text NOT NULL
);

CREATE TABLE civitas_tokens (
    hash  text PRIMARY KEY,
    token text NOT NULL
);

CREATE TABLE civitas_oid4vci_codes (
    hash       bytea PRIMARY KEY,
    record     text NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE TABLE civitas_oid4vci_tokens (
    hash       bytea PRIMARY KEY,
    record     text NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE TABLE civitas_oid4vci_nonces (
    hash       bytea PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

CREATE TABLE civitas_oid4vci_offers (
    hash       bytea PRIMARY KEY,
    offer      text NOT NULL,
    expires_at timestamptz NOT NULL
);
