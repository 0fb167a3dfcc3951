//! Every statement the PostgreSQL store runs, prepared once per connection ([`Prepared`]).
//! Queries are checked by the server when a connection is opened, not at build time: building
//! civitas never needs a database.

use tokio_postgres::{Client, Statement};

/// One statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Q {
    PutMeta,
    ChainHead,
    PutChain,
    PutCredentials,
    PutTexts,
    InsertSources,
    UpdateSources,
    PutSourceVersions,
    ListsForUpdate,
    AddCounter,
    PutStatusList,
    PutStatusLists,
    PutAuditEntries,
    PutKeys,
    PutTokens,
    PutCounter,
    PutPublished,
    PutAllocator,
    SwapAllocator,
    Meta,
    Credential,
    Text,
    Source,
    SourceVersion,
    CredentialsFrom,
    CredentialsAfter,
    Counter,
    StatusLists,
    StatusList,
    Unpublished,
    PublishedSince,
    SdJwtCopies,
    Published,
    Allocator,
    Audit,
    AuditHead,
    Keys,
    Token,
    Tokens,
    PutCode,
    Code,
    SwapCode,
    PutExchangeToken,
    ExchangeToken,
    SwapExchangeToken,
    PutNonce,
    TakeNonce,
    PutOffer,
    Offer,
    PutSession,
    Session,
    RemoveSession,
    PurgeSessions,
}

impl Q {
    /// Every statement, in the order of [`Prepared`]'s array.
    pub(super) const ALL: [Q; 53] = [
        Q::PutMeta,
        Q::ChainHead,
        Q::PutChain,
        Q::PutCredentials,
        Q::PutTexts,
        Q::InsertSources,
        Q::UpdateSources,
        Q::PutSourceVersions,
        Q::ListsForUpdate,
        Q::AddCounter,
        Q::PutStatusList,
        Q::PutStatusLists,
        Q::PutAuditEntries,
        Q::PutKeys,
        Q::PutTokens,
        Q::PutCounter,
        Q::PutPublished,
        Q::PutAllocator,
        Q::SwapAllocator,
        Q::Meta,
        Q::Credential,
        Q::Text,
        Q::Source,
        Q::SourceVersion,
        Q::CredentialsFrom,
        Q::CredentialsAfter,
        Q::Counter,
        Q::StatusLists,
        Q::StatusList,
        Q::Unpublished,
        Q::PublishedSince,
        Q::SdJwtCopies,
        Q::Published,
        Q::Allocator,
        Q::Audit,
        Q::AuditHead,
        Q::Keys,
        Q::Token,
        Q::Tokens,
        Q::PutCode,
        Q::Code,
        Q::SwapCode,
        Q::PutExchangeToken,
        Q::ExchangeToken,
        Q::SwapExchangeToken,
        Q::PutNonce,
        Q::TakeNonce,
        Q::PutOffer,
        Q::Offer,
        Q::PutSession,
        Q::Session,
        Q::RemoveSession,
        Q::PurgeSessions,
    ];

    /// Its SQL.
    pub(super) fn sql(self) -> &'static str {
        match self {
            Q::PutMeta => {
                "INSERT INTO civitas_meta (only_row, meta) VALUES (true, $1) \
                 ON CONFLICT (only_row) DO UPDATE SET meta = EXCLUDED.meta"
            }
            Q::ChainHead => "SELECT seq, hash FROM civitas_chain FOR UPDATE",
            Q::PutChain => "UPDATE civitas_chain SET seq = $1, hash = $2",
            // a record that exists changes only from the revision it was read at; one that
            // does not is added; the count says how many of the rows were written
            Q::PutCredentials => {
                "WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], \
                 $4::text[], $5::bigint[], $6::bigint[]) \
                 AS u(id, source_record_id, issued_at, record, revision, expected)), \
                 changed AS (UPDATE civitas_credentials c SET source_record_id = u.source_record_id, \
                 record = u.record, revision = u.revision FROM u \
                 WHERE c.id = u.id AND c.revision = u.expected RETURNING c.id), \
                 added AS (INSERT INTO civitas_credentials \
                 (id, source_record_id, issued_at, record, revision) \
                 SELECT u.id, u.source_record_id, u.issued_at, u.record, u.revision FROM u \
                 WHERE NOT EXISTS (SELECT 1 FROM civitas_credentials c WHERE c.id = u.id) \
                 ON CONFLICT (id) DO NOTHING RETURNING id) \
                 SELECT (SELECT count(*) FROM changed) + (SELECT count(*) FROM added)"
            }
            Q::PutTexts => {
                "INSERT INTO civitas_credential_texts (id, text) \
                 SELECT * FROM unnest($1::text[], $2::text[]) \
                 ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text"
            }
            Q::InsertSources => {
                "INSERT INTO civitas_sources (source_record_id, credential_id) \
                 SELECT * FROM unnest($1::text[], $2::text[]) \
                 ON CONFLICT (source_record_id) DO NOTHING"
            }
            Q::UpdateSources => {
                "UPDATE civitas_sources s SET credential_id = u.credential_id \
                 FROM unnest($1::text[], $2::text[], $3::text[]) \
                 AS u(source_record_id, credential_id, expected) \
                 WHERE s.source_record_id = u.source_record_id AND s.credential_id = u.expected"
            }
            Q::ListsForUpdate => {
                "SELECT list FROM civitas_status_lists WHERE url = ANY($1) ORDER BY url FOR UPDATE"
            }
            Q::AddCounter => {
                "INSERT INTO civitas_counters (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = civitas_counters.value + EXCLUDED.value"
            }
            Q::PutSourceVersions => {
                "INSERT INTO civitas_source_versions (source_record_id, version) \
                 SELECT * FROM unnest($1::text[], $2::text[]) \
                 ON CONFLICT (source_record_id) DO UPDATE SET version = EXCLUDED.version"
            }
            Q::PutStatusList => {
                "INSERT INTO civitas_status_lists (url, list, version) VALUES ($1, $2, $3) \
                 ON CONFLICT (url) DO NOTHING"
            }
            Q::PutAuditEntries => {
                "INSERT INTO civitas_audit (seq, entry) \
                 SELECT * FROM unnest($1::bigint[], $2::text[]) \
                 ON CONFLICT (seq) DO UPDATE SET entry = EXCLUDED.entry"
            }
            Q::PutKeys => {
                "INSERT INTO civitas_keys (number, key) \
                 SELECT * FROM unnest($1::bigint[], $2::text[]) \
                 ON CONFLICT (number) DO UPDATE SET key = EXCLUDED.key"
            }
            Q::PutTokens => {
                "INSERT INTO civitas_tokens (hash, token) \
                 SELECT * FROM unnest($1::text[], $2::text[]) \
                 ON CONFLICT (hash) DO UPDATE SET token = EXCLUDED.token"
            }
            Q::PutStatusLists => {
                "INSERT INTO civitas_status_lists (url, list, version) \
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) \
                 ON CONFLICT (url) DO UPDATE SET list = EXCLUDED.list, version = EXCLUDED.version"
            }
            Q::PutCounter => {
                "INSERT INTO civitas_counters (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
            }
            Q::PutPublished => {
                "INSERT INTO civitas_published_lists (url, list, version, mark) \
                 VALUES ($1, $2, $3, nextval('civitas_published_mark')) \
                 ON CONFLICT (url) DO UPDATE SET list = EXCLUDED.list, \
                 version = EXCLUDED.version, mark = EXCLUDED.mark \
                 WHERE civitas_published_lists.version <= EXCLUDED.version"
            }
            Q::PutAllocator => {
                "INSERT INTO civitas_allocators (purpose, state, generation) VALUES ($1, $2, $3) \
                 ON CONFLICT (purpose) DO UPDATE SET state = EXCLUDED.state, \
                 generation = EXCLUDED.generation"
            }
            Q::SwapAllocator => {
                "INSERT INTO civitas_allocators (purpose, state, generation) VALUES ($1, $2, $3) \
                 ON CONFLICT (purpose) DO UPDATE SET state = EXCLUDED.state, \
                 generation = EXCLUDED.generation WHERE civitas_allocators.generation = $4"
            }
            Q::Meta => "SELECT meta FROM civitas_meta",
            Q::Credential => "SELECT record FROM civitas_credentials WHERE id = $1",
            Q::Text => "SELECT text FROM civitas_credential_texts WHERE id = $1",
            Q::Source => "SELECT credential_id FROM civitas_sources WHERE source_record_id = $1",
            Q::SourceVersion => {
                "SELECT version FROM civitas_source_versions WHERE source_record_id = $1"
            }
            Q::CredentialsFrom => "SELECT record FROM civitas_credentials ORDER BY id LIMIT $1",
            Q::CredentialsAfter => {
                "SELECT record FROM civitas_credentials WHERE id > $1 ORDER BY id LIMIT $2"
            }
            Q::Counter => "SELECT value FROM civitas_counters WHERE name = $1",
            Q::StatusLists => "SELECT list FROM civitas_status_lists ORDER BY url",
            Q::StatusList => "SELECT list FROM civitas_status_lists WHERE url = $1",
            Q::Unpublished => {
                "SELECT s.url FROM civitas_status_lists s \
                 LEFT JOIN civitas_published_lists p ON p.url = s.url \
                 WHERE p.version IS NULL OR p.version < s.version ORDER BY s.url"
            }
            Q::PublishedSince => {
                "SELECT list, mark FROM civitas_published_lists WHERE mark > $1 ORDER BY mark"
            }
            Q::SdJwtCopies => {
                "SELECT record FROM civitas_credentials \
                 WHERE (record::jsonb ->> 'sdJwt') = 'true' AND issued_at >= $1 \
                 ORDER BY issued_at"
            }
            Q::Published => "SELECT list FROM civitas_published_lists WHERE url = $1",
            Q::Allocator => "SELECT state FROM civitas_allocators WHERE purpose = $1",
            Q::Audit => "SELECT entry FROM civitas_audit WHERE seq >= $1 ORDER BY seq LIMIT $2",
            Q::AuditHead => "SELECT entry FROM civitas_audit ORDER BY seq DESC LIMIT 1",
            Q::Keys => "SELECT key FROM civitas_keys ORDER BY number",
            Q::Token => "SELECT token FROM civitas_tokens WHERE hash = $1",
            Q::Tokens => "SELECT token FROM civitas_tokens ORDER BY hash",
            Q::PutCode => {
                "INSERT INTO civitas_oid4vci_codes (hash, record, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (hash) DO NOTHING"
            }
            Q::Code => "SELECT record FROM civitas_oid4vci_codes WHERE hash = $1",
            Q::SwapCode => {
                "UPDATE civitas_oid4vci_codes SET record = $3, expires_at = $4 \
                 WHERE hash = $1 AND record = $2"
            }
            Q::PutExchangeToken => {
                "INSERT INTO civitas_oid4vci_tokens (hash, record, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (hash) DO NOTHING"
            }
            Q::ExchangeToken => "SELECT record FROM civitas_oid4vci_tokens WHERE hash = $1",
            Q::SwapExchangeToken => {
                "UPDATE civitas_oid4vci_tokens SET record = $3, expires_at = $4 \
                 WHERE hash = $1 AND record = $2"
            }
            Q::PutNonce => {
                "INSERT INTO civitas_oid4vci_nonces (hash, expires_at) VALUES ($1, $2) \
                 ON CONFLICT (hash) DO NOTHING"
            }
            Q::TakeNonce => {
                "DELETE FROM civitas_oid4vci_nonces WHERE hash = $1 RETURNING expires_at"
            }
            Q::PutOffer => {
                "INSERT INTO civitas_oid4vci_offers (hash, offer, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (hash) DO NOTHING"
            }
            Q::Offer => "SELECT offer FROM civitas_oid4vci_offers WHERE hash = $1",
            Q::PutSession => {
                "INSERT INTO civitas_console_sessions (hash, session, expires_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING"
            }
            Q::Session => "SELECT session FROM civitas_console_sessions WHERE hash = $1",
            Q::RemoveSession => "DELETE FROM civitas_console_sessions WHERE hash = $1",
            Q::PurgeSessions => "DELETE FROM civitas_console_sessions WHERE expires_at <= $1",
        }
    }
}

/// The expired OpenID4VCI state, dropped at most once a minute: the statement of each table
/// whose rows expire.
pub(super) const PURGE_EXPIRED: [&str; 4] = [
    "DELETE FROM civitas_oid4vci_nonces WHERE expires_at <= $1",
    "DELETE FROM civitas_oid4vci_offers WHERE expires_at <= $1",
    "DELETE FROM civitas_oid4vci_codes WHERE expires_at <= $1",
    "DELETE FROM civitas_oid4vci_tokens WHERE expires_at <= $1",
];

/// The statements of one connection.
#[derive(Debug)]
pub(super) struct Prepared(Vec<Statement>);

impl Prepared {
    /// Prepares every statement on `client` (once per connection).
    pub(super) async fn on(client: &Client) -> Result<Self, tokio_postgres::Error> {
        let mut statements = Vec::with_capacity(Q::ALL.len());
        for q in Q::ALL {
            statements.push(client.prepare(q.sql()).await?);
        }
        Ok(Self(statements))
    }

    /// The statement `q`.
    pub(super) fn get(&self, q: Q) -> &Statement {
        // ALL lists every variant in declaration order, and `on` prepared them in that order
        &self.0[q as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::Q;

    #[test]
    fn every_statement_is_listed_in_declaration_order() {
        for (i, q) in Q::ALL.iter().enumerate() {
            assert_eq!(*q as usize, i, "{q:?}");
        }
    }
}
