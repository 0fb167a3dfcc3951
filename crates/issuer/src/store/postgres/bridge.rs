//! The bridge between the store's blocking trait methods and tokio-postgres: a dedicated thread
//! runs a current-thread tokio runtime that owns the connections; a call spawns its work there
//! and waits for the answer on a channel. A caller may be on any thread, inside another tokio
//! runtime or not (entering a second runtime from inside the first would panic), and waits
//! about one loopback round trip, as it would for a sled read from disk.

use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// The database thread and its runtime; stopped when dropped.
#[derive(Debug)]
pub(super) struct DbThread {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
}

/// The database thread stopped, or the work did not finish in time.
#[derive(Debug)]
pub(super) enum BridgeError {
    /// The thread is gone (the store is being dropped).
    Stopped,
    /// The work took longer than the store's timeout.
    TimedOut(Duration),
}

impl DbThread {
    /// Starts the thread.
    pub(super) fn start() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("civitas-postgres".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                runtime.shutdown_timeout(Duration::from_secs(5));
            })?;
        Ok(Self {
            handle,
            stop: Some(stop),
        })
    }

    /// Runs `work` on the database thread and waits for its answer, at most `timeout`.
    pub(super) fn run<T, F>(&self, timeout: Duration, work: F) -> Result<T, BridgeError>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let answer = tokio::time::timeout(timeout, work).await;
            let _ = tx.send(answer);
        });
        match rx.recv() {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err(BridgeError::TimedOut(timeout)),
            Err(_) => Err(BridgeError::Stopped),
        }
    }
}

impl Drop for DbThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
