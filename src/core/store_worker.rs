//! The thread that owns the SQLite connection. Jobs run in the order they are sent, and the
//! async engine never blocks on disk.

use std::path::PathBuf;

use tokio::sync::{mpsc, oneshot};

use crate::store::{Store, StoreError};

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// How many store jobs may wait before senders wait too.
const QUEUE: usize = 256;

/// Sends jobs to the store thread.
#[derive(Clone)]
pub struct StoreWorker {
    jobs: mpsc::Sender<Job>,
}

impl StoreWorker {
    /// Starts the thread. `path: None` keeps history in memory only. If the file cannot be
    /// opened, history is kept in memory and the error is returned for the user to see.
    pub fn start(
        path: Option<PathBuf>,
        done: Option<std::sync::mpsc::SyncSender<()>>,
    ) -> std::io::Result<(Self, oneshot::Receiver<Option<StoreError>>)> {
        let (jobs, mut rx) = mpsc::channel::<Job>(QUEUE);
        let (opened_tx, opened_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("ocrchat-store".into())
            .spawn(move || {
                let (mut store, error) = match path.as_deref().map(Store::open) {
                    None => (Store::in_memory(), None),
                    Some(Ok(store)) => (Ok(store), None),
                    Some(Err(err)) => (Store::in_memory(), Some(err)),
                };
                opened_tx.send(error).ok();
                if let Ok(store) = store.as_mut() {
                    while let Some(job) = rx.blocking_recv() {
                        job(store);
                    }
                }
                // Close the database (checkpointing the WAL) before reporting the shutdown as
                // done, so the files are complete once `CoreHandle::shutdown` returns.
                drop(store);
                if let Some(done) = done {
                    done.try_send(()).ok();
                }
            })?;
        Ok((Self { jobs }, opened_rx))
    }

    /// Runs `f` on the store thread and returns its result.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.submit(f).await?.await
    }

    /// Queues `f` behind the jobs already sent (waiting only for room in the queue) and
    /// returns a future of its result, so a caller can keep the order of its writes without
    /// waiting for them.
    pub async fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<impl Future<Output = Result<T, StoreError>> + Send + 'static, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |store| {
            tx.send(f(store)).ok();
        });
        if self.jobs.send(job).await.is_err() {
            return Err(StoreError::Closed);
        }
        Ok(async move { rx.await.unwrap_or(Err(StoreError::Closed)) })
    }
}
