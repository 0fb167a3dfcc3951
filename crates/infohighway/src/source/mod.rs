//! Where records come from. [`Ingest`](crate::Ingest) runs any [`Source`]: export files
//! ([`file::FileSource`], CSV or JSON Lines) and InfoHighway e-service feeds
//! ([`infohighway::FeedSource`]) are the two civitas ships; a source of another kind (a message
//! queue, another registry's API) implements [`Source`] and goes through the same pipeline,
//! with the same mapping, batching, report, versions and checkpoints.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::checkpoint::{Checkpoint, CheckpointFile};
use crate::error::IngestError;
use crate::ingest::{Item, Position, map_record, unreadable};
use crate::mapping::Mapping;

pub mod file;
pub mod infohighway;

/// A source of registry records, read by [`Ingest::run`](crate::Ingest::run) on a task of its
/// own while the pipeline issues what it has sent.
#[async_trait::async_trait]
pub trait Source: Send + 'static {
    /// How the report and the logs name this source (`file exports/births.csv`,
    /// `infohighway https://…/feed`).
    fn label(&self) -> String;

    /// Where the pipeline saves the checkpoints this source sends ([`Emitter::checkpoint`]),
    /// each only once every record before it is acknowledged or reported. `None` (the
    /// default): the source does not resume; its checkpoints are ignored.
    fn checkpoint_file(&self) -> Option<CheckpointFile> {
        None
    }

    /// Reads the records and sends them to `out`, in order, until the source ends, fails
    /// ([`Emitter::fail`]), or `out` is closed (the pipeline stopped: return promptly).
    async fn read(self: Box<Self>, out: Emitter);
}

/// What a [`Source`] sends its records through. Each call returns `false` once the pipeline
/// no longer listens (it stopped on an error); the source then stops reading.
pub struct Emitter {
    pub(crate) tx: mpsc::Sender<Item>,
    pub(crate) mapping: Arc<Mapping>,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter")
            .field("closed", &self.tx.is_closed())
            .finish_non_exhaustive()
    }
}

impl Emitter {
    /// One record, at `position` (how the report names where it was read: `line 12`,
    /// `page 3 (cursor 40), item 7`). It is mapped here; a record that is not a JSON object,
    /// or that the mapping refuses, is rejected in the report with its position.
    pub async fn record(&self, position: impl Into<String>, record: &serde_json::Value) -> bool {
        let position = position.into();
        let item = if record.is_object() {
            map_record(&self.mapping, position, record)
        } else {
            unreadable(position, "the record is not a JSON object".into())
        };
        self.tx.send(item).await.is_ok()
    }

    /// Something at `position` that could not be read as a record: rejected in the report
    /// (stage `parse`) with `reason`.
    pub async fn malformed(&self, position: impl Into<String>, reason: impl Into<String>) -> bool {
        self.tx
            .send(unreadable(position.into(), reason.into()))
            .await
            .is_ok()
    }

    /// How far the source is, for the progress display.
    pub async fn position(&self, position: Position) -> bool {
        self.tx.send(Item::Position(position)).await.is_ok()
    }

    /// Where to resume: saved to [`Source::checkpoint_file`] once every record sent before it
    /// is acknowledged by the issuer or reported.
    pub async fn checkpoint(&self, checkpoint: Checkpoint) -> bool {
        self.tx.send(Item::Checkpoint(checkpoint)).await.is_ok()
    }

    /// A message for the operator (a retry, a poll), shown by the progress display.
    pub async fn notice(&self, message: impl Into<String>) -> bool {
        self.tx.send(Item::Notice(message.into())).await.is_ok()
    }

    /// The source cannot go on: the run ends with `error` once what was sent before it is
    /// issued.
    pub async fn fail(&self, error: IngestError) {
        let _ = self.tx.send(Item::Fatal(error)).await;
    }

    /// Whether the pipeline has stopped listening.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}
