//! [`PgStore`]: the registry in a PostgreSQL database (SPEC.md §21), selected by
//! `store = "postgres://…"` ([`StoreLocation::Postgres`](super::StoreLocation)).
//!
//! The schema is applied on open from the migrations embedded in the binary
//! (`migrations/*.sql`, recorded in `civitas_schema`), under an advisory lock so that instances
//! starting together apply each migration once. Values are the same JSON texts the sled
//! registry keeps, beside the columns PostgreSQL looks things up by.
//!
//! One [`WriteBatch`] is one transaction; `COMMIT` returns when the transaction is durable
//! (`synchronous_commit` as the server has it, `on` by default), so [`RegistryStore::flush`]
//! has nothing left to do. Three connections: the writer (transactions, one at a time, as the
//! issuer's single committer needs), the reader (lookups and single-statement
//! compare-and-swaps, pipelined) and the publisher lease's session. A connection that is lost
//! is opened again on the next call; what fails meanwhile answers
//! [`IssuerError::Unavailable`] (HTTP 503).
//!
//! Several issuer instances may use one database at once (SPEC.md §21.9): batches are applied
//! against what the transaction reads ([`batch`]), each transaction ending with its audit
//! entries and count under the audit chain's head (one chain), allocator leases are
//! compare-and-swapped, and the instance whose session holds the publisher's advisory lock
//! signs the lists whose stored version is ahead of the published one. PostgreSQL releases
//! that lock when the session ends, a killed process included: another instance takes it on its
//! next try (every [`LEAD_RETRY`](crate::status::LEAD_RETRY)).

/// Boxed query parameters.
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        vec![$(Box::new($p) as Box<dyn tokio_postgres::types::ToSql + Send + Sync>),*]
    };
}

mod batch;
mod bridge;
mod exchange;
mod queries;
mod sessions;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use civitas_status::{AllocatorState, StatusList, StatusPurpose};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row};

use super::{CredentialRecord, IssuerMeta, PublishedList, RegistryStore, WriteBatch};
use crate::audit::{AuditEntry, ChainHead};
use crate::error::{IssuerError, StoreError, UnavailableReason};
use crate::keystore::KeyRecord;
use crate::tokens::TokenRecord;
use bridge::{BridgeError, DbThread};
use queries::{Prepared, Q};

/// The migrations, in order: (version, SQL).
const MIGRATIONS: [(i32, &str); 2] = [
    (1, include_str!("migrations/0001_registry.sql")),
    (2, include_str!("migrations/0002_instances.sql")),
];

/// The advisory lock key taken while migrating (any instance), and the one the publishing
/// instance's session holds: `civitas` and `civitasP` as big-endian integers.
const MIGRATION_LOCK: i64 = 0x0063_6976_6974_6173;
const PUBLISHER_LOCK: i64 = 0x6369_7669_7461_7350;

/// How long one call may take before it fails as unavailable.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The name of the credential counter in `civitas_counters`.
const CREDENTIAL_COUNT: &str = "credentials";

/// A connection and its prepared statements.
struct Conn {
    client: Client,
    prepared: Prepared,
}

impl Conn {
    fn st(&self, q: Q) -> &tokio_postgres::Statement {
        self.prepared.get(q)
    }
}

/// What the database thread's tasks share.
struct Shared {
    config: tokio_postgres::Config,
    /// The URL without its password, for messages.
    url: String,
    reader: tokio::sync::Mutex<Option<Arc<Conn>>>,
    writer: tokio::sync::Mutex<Option<Conn>>,
    /// The publisher lease's session, and whether it holds the lease.
    lease: tokio::sync::Mutex<Option<(Client, bool)>>,
}

/// The database thread and the connections, shared by the registry store and its OpenID4VCI
/// exchange store.
#[derive(Clone)]
struct Db {
    shared: Arc<Shared>,
    thread: Arc<DbThread>,
    timeout: Duration,
}

/// The registry in a PostgreSQL database.
pub struct PgStore {
    db: Db,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.db.shared.url)
            .finish_non_exhaustive()
    }
}

fn json<T: Serialize>(value: &T) -> Result<String, IssuerError> {
    serde_json::to_string(value).map_err(IssuerError::store)
}

fn parse<T: DeserializeOwned>(what: &'static str, text: &str) -> Result<T, IssuerError> {
    serde_json::from_str(text).map_err(|e| {
        IssuerError::Store(StoreError::Corrupt {
            what,
            reason: e.to_string(),
        })
    })
}

/// What the server or the driver said: for a server error its severity, SQLSTATE, message,
/// detail and hint (the driver's own `Display` says only "db error"), else the driver's error and
/// its cause.
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!(" hint: {hint}"));
        }
        return text;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// A database error as the issuer reports it: a lost or refused connection, or a server
/// shutting down, is [`IssuerError::Unavailable`] (503, try again); anything else is a store
/// failure naming the operation.
fn db_error(op: &'static str, e: tokio_postgres::Error) -> IssuerError {
    let lost = e.is_closed()
        || e.as_db_error().is_none()
        || e.code().is_some_and(|c| {
            let code = c.code();
            code.starts_with("08") || code.starts_with("57P")
        });
    let text = format!("{op}: {}", describe(&e));
    // two instances' transactions waiting on each other's rows (PostgreSQL ended one)
    if e.code()
        .is_some_and(|c| c.code() == "40P01" || c.code() == "40001")
    {
        return IssuerError::Unavailable(UnavailableReason::ConcurrentChange(text));
    }
    if lost {
        IssuerError::Unavailable(UnavailableReason::Database(text))
    } else {
        IssuerError::Store(StoreError::Backend(text))
    }
}

fn bridge_error(op: &'static str, e: BridgeError) -> IssuerError {
    IssuerError::Unavailable(UnavailableReason::Database(match e {
        BridgeError::Stopped => format!("{op}: the database thread has stopped"),
        BridgeError::TimedOut(t) => format!("{op}: no answer within {} s", t.as_secs()),
    }))
}

/// Parameters as the driver takes them.
fn refs(params: &[Box<dyn ToSql + Send + Sync>]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// A `u64` as PostgreSQL's `bigint`.
fn bigint(what: &'static str, n: u64) -> Result<i64, IssuerError> {
    i64::try_from(n)
        .map_err(|_| IssuerError::Store(StoreError::Backend(format!("{what} {n} is too large"))))
}

/// Opens a connection; its driver runs on the database thread.
async fn open_client(shared: &Shared) -> Result<Client, IssuerError> {
    let (client, connection) = shared.config.connect(NoTls).await.map_err(|e| {
        IssuerError::Store(StoreError::Connect {
            url: shared.url.clone(),
            reason: describe(&e),
        })
    })?;
    let url = shared.url.clone();
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(url = %url, error = %describe(&e), "registry database connection lost");
        }
    });
    Ok(client)
}

/// Opens a connection and prepares the statements (the schema must exist).
async fn connect(shared: &Shared) -> Result<Conn, IssuerError> {
    let client = open_client(shared).await?;
    let prepared = Prepared::on(&client)
        .await
        .map_err(|e| db_error("preparing statements", e))?;
    Ok(Conn { client, prepared })
}

/// Applies the migrations this binary has and the database lacks, in one transaction under the
/// migration lock. A database migrated by a newer civitas is refused.
async fn migrate(client: &mut Client, url: &str) -> Result<(), IssuerError> {
    let op = "migrating the schema";
    let tx = client.transaction().await.map_err(|e| db_error(op, e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(|e| db_error(op, e))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS civitas_schema (\
             version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .map_err(|e| db_error(op, e))?;
    let row = tx
        .query_one("SELECT coalesce(max(version), 0) FROM civitas_schema", &[])
        .await
        .map_err(|e| db_error(op, e))?;
    let current: i32 = row.get(0);
    let latest = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if current > latest {
        return Err(IssuerError::Store(StoreError::SchemaTooNew {
            url: url.to_owned(),
            found: current,
            known: latest,
        }));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await.map_err(|e| db_error(op, e))?;
        tx.execute(
            "INSERT INTO civitas_schema (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(|e| db_error(op, e))?;
        tracing::info!(version, "registry schema migrated");
    }
    tx.commit().await.map_err(|e| db_error(op, e))
}

/// A connection that cannot be opened again while the issuer runs is a database that is
/// unavailable (503), not a broken store.
fn reconnect_error(e: IssuerError) -> IssuerError {
    match e {
        IssuerError::Store(StoreError::Connect { url, reason }) => IssuerError::Unavailable(
            UnavailableReason::Database(format!("cannot reach {url}: {reason}")),
        ),
        e => e,
    }
}

impl Shared {
    /// The writer connection, opened when there is none.
    async fn writer(&self) -> Result<tokio::sync::MutexGuard<'_, Option<Conn>>, IssuerError> {
        let mut slot = self.writer.lock().await;
        if slot.as_ref().is_none_or(|c| c.client.is_closed()) {
            *slot = None;
            *slot = Some(connect(self).await.map_err(reconnect_error)?);
        }
        Ok(slot)
    }

    /// Whether this instance holds the publisher lease, taking it when it is free.
    async fn lead(&self) -> Result<bool, IssuerError> {
        let op = "taking the publisher lease";
        let mut slot = self.lease.lock().await;
        if let Some((client, held)) = slot.as_ref()
            && !client.is_closed()
            && *held
        {
            return Ok(true);
        }
        if slot.as_ref().is_none_or(|(c, _)| c.is_closed()) {
            *slot = Some((open_client(self).await.map_err(reconnect_error)?, false));
        }
        let Some((client, held)) = slot.as_mut() else {
            return Ok(false);
        };
        *held = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&PUBLISHER_LOCK])
            .await
            .map_err(|e| db_error(op, e))?
            .get(0);
        Ok(*held)
    }

    /// Gives the publisher lease up, if this instance holds it.
    async fn release(&self) -> Result<(), IssuerError> {
        let mut slot = self.lease.lock().await;
        if let Some((client, held)) = slot.as_mut()
            && *held
            && !client.is_closed()
        {
            client
                .query_one("SELECT pg_advisory_unlock($1)", &[&PUBLISHER_LOCK])
                .await
                .map_err(|e| db_error("giving the publisher lease up", e))?;
            *held = false;
        }
        Ok(())
    }

    /// The reader connection, opened when there is none.
    async fn reader(&self) -> Result<Arc<Conn>, IssuerError> {
        let mut slot = self.reader.lock().await;
        if let Some(conn) = slot.as_ref().filter(|c| !c.client.is_closed()) {
            return Ok(conn.clone());
        }
        let conn = Arc::new(connect(self).await.map_err(reconnect_error)?);
        *slot = Some(conn.clone());
        Ok(conn)
    }
}

impl PgStore {
    /// Connects to the database at `url` (a `postgres://` URL; the password, when the URL has
    /// none, from `PGPASSWORD`), applies the migrations it lacks and takes the registry's
    /// connections. Other issuer instances may use the same database.
    pub fn connect(url: &str) -> Result<Self, IssuerError> {
        let shown = super::location::redact(url);
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            IssuerError::config(format!("store: `{shown}` is not a valid URL: {e}"))
        })?;
        if config.get_password().is_none()
            && let Ok(password) = std::env::var(super::location::PASSWORD_ENV)
        {
            config.password(password);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("civitas-issuer");
        }
        let thread = DbThread::start().map_err(|e| {
            IssuerError::Store(StoreError::Connect {
                url: shown.clone(),
                reason: format!("starting the database thread: {e}"),
            })
        })?;
        let db = Db {
            shared: Arc::new(Shared {
                config,
                url: shown,
                reader: tokio::sync::Mutex::new(None),
                writer: tokio::sync::Mutex::new(None),
                lease: tokio::sync::Mutex::new(None),
            }),
            thread: Arc::new(thread),
            timeout: DEFAULT_TIMEOUT,
        };
        db.call("opening the registry", |shared| async move {
            let mut client = open_client(&shared).await?;
            migrate(&mut client, &shared.url).await?;
            drop(client);
            drop(shared.writer().await?);
            Ok(())
        })?;
        Ok(Self { db })
    }

    /// The URL without its password.
    pub fn url(&self) -> &str {
        &self.db.shared.url
    }
}

impl Db {
    /// Runs `work` on the database thread.
    fn call<T, F, Fut>(&self, op: &'static str, work: F) -> Result<T, IssuerError>
    where
        T: Send + 'static,
        F: FnOnce(Arc<Shared>) -> Fut,
        Fut: std::future::Future<Output = Result<T, IssuerError>> + Send + 'static,
    {
        self.thread
            .run(self.timeout, work(self.shared.clone()))
            .map_err(|e| bridge_error(op, e))?
    }

    /// Runs the prepared query `q` on the reader connection and returns its rows.
    fn rows(&self, op: &'static str, q: Q, params: batch::Params) -> Result<Vec<Row>, IssuerError> {
        self.call(op, move |shared| async move {
            let conn = shared.reader().await?;
            let refs = refs(&params);
            conn.client
                .query(conn.st(q), &refs)
                .await
                .map_err(|e| db_error(op, e))
        })
    }

    /// The text of the first column of the single row `q` finds, if any.
    fn text(
        &self,
        op: &'static str,
        q: Q,
        params: batch::Params,
    ) -> Result<Option<String>, IssuerError> {
        Ok(self
            .rows(op, q, params)?
            .into_iter()
            .next()
            .map(|row| row.get::<_, String>(0)))
    }

    /// The JSON value of the single row `q` finds, if any.
    fn value<T: DeserializeOwned>(
        &self,
        what: &'static str,
        q: Q,
        params: batch::Params,
    ) -> Result<Option<T>, IssuerError> {
        self.text(what, q, params)?
            .map(|t| parse(what, &t))
            .transpose()
    }

    /// The JSON values of every row `q` finds.
    fn values<T: DeserializeOwned>(
        &self,
        what: &'static str,
        q: Q,
        params: batch::Params,
    ) -> Result<Vec<T>, IssuerError> {
        self.rows(what, q, params)?
            .iter()
            .map(|row| parse(what, &row.get::<_, String>(0)))
            .collect()
    }

    /// Runs the prepared statement `q` on the reader connection and returns how many rows it
    /// changed (single-statement compare-and-swap, insert-if-absent).
    fn change(&self, op: &'static str, q: Q, params: batch::Params) -> Result<u64, IssuerError> {
        self.call(op, move |shared| async move {
            let conn = shared.reader().await?;
            let refs = refs(&params);
            conn.client
                .execute(conn.st(q), &refs)
                .await
                .map_err(|e| db_error(op, e))
        })
    }

    /// Runs one statement outside a batch, on the writer connection.
    fn write_one(&self, op: &'static str, q: Q, params: batch::Params) -> Result<(), IssuerError> {
        self.call(op, move |shared| async move {
            let writer = shared.writer().await?;
            let conn = writer.as_ref().ok_or_else(|| {
                IssuerError::Unavailable(UnavailableReason::Database(format!(
                    "{op}: no connection"
                )))
            })?;
            let refs = refs(&params);
            conn.client
                .execute(conn.st(q), &refs)
                .await
                .map_err(|e| db_error(op, e))?;
            Ok(())
        })
    }
}

/// Runs `steps` in `tx`, sent at once (pipelined) and executed in order; a guarded step that
/// wrote fewer rows than it must means another instance wrote first: nothing is written
/// (dropping the transaction rolls it back).
async fn run_steps(
    tx: &tokio_postgres::Transaction<'_>,
    prepared: &Prepared,
    steps: &[batch::Step],
    op: &'static str,
) -> Result<(), IssuerError> {
    let runs = steps.iter().map(|step| {
        let refs = refs(&step.params);
        let statement = prepared.get(step.q);
        async move {
            if step.counted {
                let row = tx.query_one(statement, &refs).await?;
                Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
            } else {
                tx.execute(statement, &refs).await
            }
        }
    });
    let changed = futures_util::future::try_join_all(runs)
        .await
        .map_err(|e| db_error(op, e))?;
    for (step, rows) in steps.iter().zip(changed) {
        if let Some((expected, what)) = step.expect
            && rows != expected
        {
            return Err(IssuerError::Unavailable(
                UnavailableReason::ConcurrentChange(what.to_owned()),
            ));
        }
    }
    Ok(())
}

impl RegistryStore for PgStore {
    fn apply(&self, batch: WriteBatch) -> Result<(), IssuerError> {
        if batch.is_empty() {
            return Ok(());
        }
        let urls = batch::entry_lists(&batch);
        self.db.call("writing a batch", move |shared| async move {
            let op = "writing a batch";
            let mut writer = shared.writer().await?;
            let Some(Conn { client, prepared }) = writer.as_mut() else {
                return Err(IssuerError::Unavailable(UnavailableReason::Database(
                    format!("{op}: no connection"),
                )));
            };
            let tx = client.transaction().await.map_err(|e| db_error(op, e))?;
            let mut lists = HashMap::new();
            if !urls.is_empty() {
                for row in tx
                    .query(prepared.get(Q::ListsForUpdate), &[&urls])
                    .await
                    .map_err(|e| db_error(op, e))?
                {
                    let list: StatusList = parse("status list", &row.get::<_, String>(0))?;
                    lists.insert(list.url().to_owned(), list);
                }
            }
            let plan = batch::statements(batch, lists)?;
            // what needs no order between instances first, in parallel with theirs
            run_steps(&tx, prepared, &plan.steps, op).await?;
            // then the chain's head: the instances' transactions take their turn here, each
            // for its audit entries, count and commit only
            let row = tx
                .query_one(prepared.get(Q::ChainHead), &[])
                .await
                .map_err(|e| db_error(op, e))?;
            let mut head = ChainHead {
                seq: u64::try_from(row.get::<_, i64>(0)).map_err(|_| {
                    IssuerError::Store(StoreError::Corrupt {
                        what: "audit chain head",
                        reason: "a negative sequence number".into(),
                    })
                })?,
                hash: row.get(1),
            };
            let chained = plan.chained.steps(&mut head)?;
            run_steps(&tx, prepared, &chained, op).await?;
            tx.commit().await.map_err(|e| db_error(op, e))
        })
    }

    fn flush(&self) -> Result<(), IssuerError> {
        // every batch was durable when its COMMIT returned
        Ok(())
    }

    fn meta(&self) -> Result<Option<IssuerMeta>, IssuerError> {
        self.db.value("meta", Q::Meta, params![])
    }

    fn credential(&self, id: &str) -> Result<Option<CredentialRecord>, IssuerError> {
        self.db
            .value("credential", Q::Credential, params![id.to_owned()])
    }

    fn credential_text(&self, id: &str) -> Result<Option<String>, IssuerError> {
        self.db
            .text("credential text", Q::Text, params![id.to_owned()])
    }

    fn by_source(&self, source_record_id: &str) -> Result<Option<String>, IssuerError> {
        self.db.text(
            "source index",
            Q::Source,
            params![source_record_id.to_owned()],
        )
    }

    fn source_version(&self, source_record_id: &str) -> Result<Option<String>, IssuerError> {
        self.db.text(
            "source version",
            Q::SourceVersion,
            params![source_record_id.to_owned()],
        )
    }

    fn credentials(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<CredentialRecord>, IssuerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match after {
            Some(after) => self.db.values(
                "credential",
                Q::CredentialsAfter,
                params![after.to_owned(), limit],
            ),
            None => self
                .db
                .values("credential", Q::CredentialsFrom, params![limit]),
        }
    }

    fn credential_count(&self) -> Result<u64, IssuerError> {
        let rows = self.db.rows(
            "credential count",
            Q::Counter,
            params![CREDENTIAL_COUNT.to_owned()],
        )?;
        match rows.first() {
            Some(row) => u64::try_from(row.get::<_, i64>(0))
                .map_err(|_| IssuerError::Store(StoreError::CorruptCount)),
            None => Ok(0),
        }
    }

    fn status_lists(&self) -> Result<Vec<StatusList>, IssuerError> {
        self.db.values("status list", Q::StatusLists, params![])
    }

    fn put_status_list(&self, list: &StatusList) -> Result<(), IssuerError> {
        // a new list: the first one stored stays (its entries change one by one)
        self.db.write_one(
            "writing a status list",
            Q::PutStatusList,
            params![
                list.url().to_owned(),
                json(list)?,
                bigint("list version", list.version())?
            ],
        )
    }

    fn status_list(&self, url: &str) -> Result<Option<StatusList>, IssuerError> {
        self.db
            .value("status list", Q::StatusList, params![url.to_owned()])
    }

    fn shared(&self) -> bool {
        true
    }

    fn swap_allocator_state(
        &self,
        purpose: StatusPurpose,
        previous: u64,
        state: &AllocatorState,
    ) -> Result<bool, IssuerError> {
        let changed = self.db.change(
            "taking an allocator lease",
            Q::SwapAllocator,
            params![
                purpose.as_str().to_owned(),
                json(state)?,
                bigint("allocator generation", state.generation())?,
                bigint("allocator generation", previous)?
            ],
        )?;
        Ok(changed == 1)
    }

    fn lead_publishing(&self) -> Result<bool, IssuerError> {
        self.db
            .call("taking the publisher lease", |shared| async move {
                shared.lead().await
            })
    }

    fn release_publishing(&self) -> Result<(), IssuerError> {
        self.db
            .call("giving the publisher lease up", |shared| async move {
                shared.release().await
            })
    }

    fn unpublished_lists(&self) -> Result<Vec<String>, IssuerError> {
        Ok(self
            .db
            .rows("unpublished lists", Q::Unpublished, params![])?
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect())
    }

    fn published_since(&self, since: u64) -> Result<(Vec<PublishedList>, u64), IssuerError> {
        let from = bigint("publication mark", since)?;
        let mut mark = since;
        let mut lists = Vec::new();
        for row in self
            .db
            .rows("published lists", Q::PublishedSince, params![from])?
        {
            lists.push(parse("published list", &row.get::<_, String>(0))?);
            mark = mark.max(u64::try_from(row.get::<_, i64>(1)).unwrap_or(0));
        }
        Ok((lists, mark))
    }

    fn sd_jwt_copies(
        &self,
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<CredentialRecord>, IssuerError> {
        let since = since.unwrap_or(chrono::DateTime::UNIX_EPOCH);
        self.db.values("credential", Q::SdJwtCopies, params![since])
    }

    fn published(&self, url: &str) -> Result<Option<PublishedList>, IssuerError> {
        self.db
            .value("published list", Q::Published, params![url.to_owned()])
    }

    fn put_published(&self, list: &PublishedList) -> Result<(), IssuerError> {
        self.db.write_one(
            "writing a published list",
            Q::PutPublished,
            params![
                list.url.clone(),
                json(list)?,
                bigint("list version", list.version)?
            ],
        )
    }

    fn allocator_state(
        &self,
        purpose: StatusPurpose,
    ) -> Result<Option<AllocatorState>, IssuerError> {
        self.db.value(
            "allocator",
            Q::Allocator,
            params![purpose.as_str().to_owned()],
        )
    }

    fn put_allocator_state(
        &self,
        purpose: StatusPurpose,
        state: &AllocatorState,
    ) -> Result<(), IssuerError> {
        self.db.write_one(
            "writing an allocator lease",
            Q::PutAllocator,
            params![
                purpose.as_str().to_owned(),
                json(state)?,
                bigint("allocator generation", state.generation())?
            ],
        )
    }

    fn audit(&self, from: u64, limit: usize) -> Result<Vec<AuditEntry>, IssuerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // a `from` beyond bigint asks for entries that cannot exist
        let Ok(from) = i64::try_from(from) else {
            return Ok(Vec::new());
        };
        self.db.values("audit", Q::Audit, params![from, limit])
    }

    fn audit_head(&self) -> Result<Option<AuditEntry>, IssuerError> {
        self.db.value("audit", Q::AuditHead, params![])
    }

    fn keys(&self) -> Result<Vec<KeyRecord>, IssuerError> {
        self.db.values("key", Q::Keys, params![])
    }

    fn token(&self, hash: &str) -> Result<Option<TokenRecord>, IssuerError> {
        self.db.value("token", Q::Token, params![hash.to_owned()])
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, IssuerError> {
        self.db.values("token", Q::Tokens, params![])
    }

    fn session_store(&self) -> Option<Arc<dyn super::SessionStore>> {
        Some(Arc::new(sessions::PgSessions {
            db: self.db.clone(),
        }))
    }

    fn exchange_store(&self) -> Arc<dyn super::ExchangeStore> {
        Arc::new(exchange::PgExchange::new(self.db.clone()))
    }
}
