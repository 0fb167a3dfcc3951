//! Every statement the PostgreSQL store runs, prepared once per connection ([`Prepared`]).
//! Queries are checked by the server when a connection is opened, not at build time: building
//! civitas never needs a database.

use tokio_postgres::{Client, Statement};

/// One statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Q {
    PutMeta,
    PutCredentials,
    PutTexts,
    PutSources,
    PutSourceVersions,
    PutStatusList,
    PutStatusLists,
    PutAuditEntries,
    PutKeys,
    PutTokens,
    PutCounter,
    PutPublished,
    PutAllocator,
    Meta,
    Credential,
    Text,
    Source,
    SourceVersion,
    CredentialsFrom,
    CredentialsAfter,
    Counter,
    StatusLists,
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
}

impl Q {
    /// Every statement, in the order of [`Prepared`]'s array.
    pub(super) const ALL: [Q; 39] = [
        Q::PutMeta,
        Q::PutCredentials,
        Q::PutTexts,
        Q::PutSources,
        Q::PutSourceVersions,
        Q::PutStatusList,
        Q::PutStatusLists,
        Q::PutAuditEntries,
        Q::PutKeys,
        Q::PutTokens,
        Q::PutCounter,
        Q::PutPublished,
        Q::PutAllocator,
        Q::Meta,
        Q::Credential,
        Q::Text,
        Q::Source,
        Q::SourceVersion,
        Q::CredentialsFrom,
        Q::CredentialsAfter,
        Q::Counter,
        Q::StatusLists,
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
    ];

    /// Its SQL.
    pub(super) fn sql(self) -> &'static str {
        match self {
            Q::PutMeta => {
                "INSERT INTO civitas_meta (only_row, meta) VALUES (true, $1) \
                 ON CONFLICT (only_row) DO UPDATE SET meta = EXCLUDED.meta"
            }
            Q::PutCredentials => {
                "INSERT INTO civitas_credentials (id, source_record_id, issued_at, record) \
                 SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) \
                 ON CONFLICT (id) DO UPDATE SET \
                 source_record_id = EXCLUDED.source_record_id, record = EXCLUDED.record"
            }
            Q::PutTexts => {
                "INSERT INTO civitas_credential_texts (id, text) \
                 SELECT * FROM unnest($1::text[], $2::text[]) \
                 ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text"
            }
            Q::PutSources => {
                "INSERT INTO civitas_sources (source_record_id, credential_id) \
                 SELECT * FROM unnest($1::text[], $2::text[]) \
                 ON CONFLICT (source_record_id) DO UPDATE SET credential_id = EXCLUDED.credential_id"
            }
            Q::PutSourceVersions => {
                "INSERT INTO civitas_source_versions (source_record_id, version) \
                 SELECT * FROM unnest($1::text[], $2::text[]) \
                 ON CONFLICT (source_record_id) DO UPDATE SET version = EXCLUDED.version"
            }
            Q::PutStatusList => {
                "INSERT INTO civitas_status_lists (url, list) VALUES ($1, $2) \
                 ON CONFLICT (url) DO UPDATE SET list = EXCLUDED.list"
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
                "INSERT INTO civitas_status_lists (url, list) \
                 SELECT * FROM unnest($1::text[], $2::text[]) \
                 ON CONFLICT (url) DO UPDATE SET list = EXCLUDED.list"
            }
            Q::PutCounter => {
                "INSERT INTO civitas_counters (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
            }
            Q::PutPublished => {
                "INSERT INTO civitas_published_lists (url, list) VALUES ($1, $2) \
                 ON CONFLICT (url) DO UPDATE SET list = EXCLUDED.list"
            }
            Q::PutAllocator => {
                "INSERT INTO civitas_allocators (purpose, state) VALUES ($1, $2) \
                 ON CONFLICT (purpose) DO UPDATE SET state = EXCLUDED.state"
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
