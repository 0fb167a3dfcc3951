//! Console sessions in `civitas_console_sessions` ([`SessionStore`]).

use chrono::Utc;

use super::queries::Q;
use super::{Db, json};
use crate::error::IssuerError;
use crate::store::sessions::{SessionStore, StoredSession};

/// The console sessions of a PostgreSQL registry.
pub(super) struct PgSessions {
    pub(super) db: Db,
}

impl SessionStore for PgSessions {
    fn put_session(&self, key: &str, session: &StoredSession) -> Result<(), IssuerError> {
        self.db.change(
            "dropping expired console sessions",
            Q::PurgeSessions,
            params![Utc::now()],
        )?;
        self.db.change(
            "storing a console session",
            Q::PutSession,
            params![key.to_owned(), json(session)?, session.expires_at],
        )?;
        Ok(())
    }

    fn session(&self, key: &str) -> Result<Option<StoredSession>, IssuerError> {
        self.db
            .value("console session", Q::Session, params![key.to_owned()])
    }

    fn remove_session(&self, key: &str) -> Result<(), IssuerError> {
        self.db.change(
            "ending a console session",
            Q::RemoveSession,
            params![key.to_owned()],
        )?;
        Ok(())
    }
}
