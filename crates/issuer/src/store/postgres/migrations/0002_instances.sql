-- civitas registry schema, version 2: several issuer instances on one database (SPEC.md §21.9).

-- The audit chain's head. Every transaction that writes the registry locks this row (SELECT …
-- FOR UPDATE) for its audit entries, count and commit, after its other writes: the
-- transactions of all instances take their turn, and the audit entries of each are linked
-- after the entries of the one before.
CREATE TABLE civitas_chain (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      bigint NOT NULL CHECK (seq >= 0),
    hash     text NOT NULL
);
INSERT INTO civitas_chain (seq, hash)
SELECT coalesce(max(seq), 0),
       coalesce((SELECT entry::jsonb ->> 'hash' FROM civitas_audit ORDER BY seq DESC LIMIT 1),
                repeat('0', 64))
FROM civitas_audit;

-- A record is changed only from the revision the change was decided on.
ALTER TABLE civitas_credentials ADD COLUMN revision bigint NOT NULL DEFAULT 0;

-- The holder-bound copies issued as SD-JWT VCs, found without reading every record (when an
-- instance opens, and those other instances issued since, every few moments).
CREATE INDEX civitas_credentials_sd_jwt ON civitas_credentials (issued_at)
    WHERE (record::jsonb ->> 'sdJwt') = 'true';

-- What the publisher compares: a list's version, and the version last published.
ALTER TABLE civitas_status_lists ADD COLUMN version bigint NOT NULL DEFAULT 0;
UPDATE civitas_status_lists SET version = (list::jsonb ->> 'version')::bigint;

-- `mark` grows with every publication: each instance asks for what was published after the
-- mark it has seen.
CREATE SEQUENCE civitas_published_mark;
ALTER TABLE civitas_published_lists
    ADD COLUMN version bigint NOT NULL DEFAULT 0,
    ADD COLUMN mark bigint NOT NULL DEFAULT 0;
UPDATE civitas_published_lists
    SET version = (list::jsonb ->> 'version')::bigint, mark = nextval('civitas_published_mark');
CREATE INDEX civitas_published_lists_mark ON civitas_published_lists (mark);

-- Allocator leases are taken by compare-and-swap on the generation.
ALTER TABLE civitas_allocators ADD COLUMN generation bigint NOT NULL DEFAULT 0;
UPDATE civitas_allocators SET generation = (state::jsonb ->> 'generation')::bigint;

-- Console sessions (SPEC.md §20.2), so that every instance knows the sessions of the others:
-- under the SHA-256 of the session id.
CREATE TABLE civitas_console_sessions (
    hash       text PRIMARY KEY,
    session    text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX civitas_console_sessions_expires_at ON civitas_console_sessions (expires_at);
