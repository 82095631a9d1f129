//! The OCR worker pool: N named threads (default: the number of cores, at most 4), each owning
//! warm engines per language list that it reuses for every image; a bounded job queue;
//! cancellation; progress reports. Nothing here blocks the caller except [`OcrPool::submit`]
//! when the queue is full ([`OcrPool::try_submit`] never blocks) and [`OcrJobHandle::wait`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;
use std::time::Instant;

use image::DynamicImage;

use super::engine::OcrEngineFactory;
use super::preprocess::PreprocessOptions;
use super::queue::{CancelToken, Job, WorkQueue};
use super::worker::Worker;
use super::{LanguageSpec, OcrError};
use crate::domain::OcrResult;

/// The most workers a pool starts.
pub const MAX_WORKERS: usize = 4;

/// Where the image of a job comes from.
#[derive(Clone, Debug)]
pub enum OcrSource {
    /// A file, read by the worker (never by the caller's thread).
    File(PathBuf),
    /// The bytes of an image file already in memory.
    Bytes {
        /// A name for messages (the file name).
        name: String,
        /// The file's contents.
        bytes: Arc<[u8]>,
    },
    /// Decoded pixels (a pasted screenshot).
    Pixels {
        /// A name for messages ("pasted image").
        name: String,
        /// The pixels.
        image: Arc<DynamicImage>,
    },
}

impl OcrSource {
    /// The name messages use for this image.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Bytes { name, .. } | Self::Pixels { name, .. } => name.clone(),
        }
    }
}

/// One image to read, and in which languages.
#[derive(Clone, Debug)]
pub struct OcrRequest {
    /// The image.
    pub source: OcrSource,
    /// The languages, such as `chi_sim+eng`.
    pub languages: LanguageSpec,
}

/// How far a job has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OcrStage {
    /// A worker took it.
    Started,
    /// The image was decoded into this many pages.
    Decoded {
        /// Pages in the image.
        pages: usize,
    },
    /// `done` of `total` bands (over all pages) are read.
    Recognized {
        /// Bands read.
        done: usize,
        /// Bands in all.
        total: usize,
    },
    /// The result is ready in the handle.
    Finished,
}

/// A progress report of one job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OcrProgress {
    /// The job.
    pub job: u64,
    /// Its stage.
    pub stage: OcrStage,
}

/// Receives progress reports, on a worker thread: keep it short and never block in it
/// (for example `try_send` into a bounded channel and wake the reader).
pub type ProgressFn = Arc<dyn Fn(OcrProgress) + Send + Sync>;

/// How a pool is set up.
#[derive(Clone, Copy, Debug)]
pub struct OcrPoolConfig {
    /// Worker threads.
    pub workers: usize,
    /// Jobs that may wait in the queue.
    pub queue_capacity: usize,
    /// Language lists each worker keeps warm at most (least recently used goes first).
    pub warm_languages: usize,
    /// The preprocessing steps.
    pub preprocess: PreprocessOptions,
}

impl Default for OcrPoolConfig {
    fn default() -> Self {
        let workers = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .clamp(1, MAX_WORKERS);
        Self {
            workers,
            queue_capacity: 64,
            warm_languages: 3,
            // Bands cut at blank rows let several engines read one page, but cost accuracy
            // (mean CER 0.042 with two bands, 0.013 without, docs/BENCHMARKS.md), so a page
            // is cut only into its columns by default.
            preprocess: PreprocessOptions::default(),
        }
    }
}

/// State shared by the pool, its handles and its workers.
pub(super) struct Shared {
    pub queue: WorkQueue,
    pub factory: Arc<dyn OcrEngineFactory>,
    pub engines_started: AtomicUsize,
    pub config: OcrPoolConfig,
}

/// The pool. Dropping it stops the workers after their current task; queued jobs are answered
/// with [`OcrError::PoolStopped`].
pub struct OcrPool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    next_id: AtomicU64,
}

impl OcrPool {
    /// Starts `config.workers` threads named `ocrchat-ocr-N`.
    ///
    /// # Errors
    /// When the operating system cannot start a thread.
    pub fn start(
        factory: Arc<dyn OcrEngineFactory>,
        config: OcrPoolConfig,
    ) -> std::io::Result<Self> {
        let workers_count = config.workers.clamp(1, MAX_WORKERS);
        let shared = Arc::new(Shared {
            queue: WorkQueue::new(workers_count, config.queue_capacity.max(1)),
            factory,
            engines_started: AtomicUsize::new(0),
            config,
        });
        let mut workers = Vec::with_capacity(workers_count);
        for index in 0..workers_count {
            let worker = Worker::new(index, Arc::clone(&shared));
            let spawned = std::thread::Builder::new()
                .name(format!("ocrchat-ocr-{index}"))
                .spawn(move || worker.run());
            match spawned {
                Ok(handle) => workers.push(handle),
                Err(err) => {
                    let pool = Self {
                        shared,
                        workers,
                        next_id: AtomicU64::new(1),
                    };
                    drop(pool);
                    return Err(err);
                }
            }
        }
        Ok(Self {
            shared,
            workers,
            next_id: AtomicU64::new(1),
        })
    }

    /// The number of worker threads.
    #[must_use]
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// How many engines the workers have started so far (each costs 60–150 ms).
    #[must_use]
    pub fn engines_started(&self) -> usize {
        self.shared.engines_started.load(Ordering::Relaxed)
    }

    /// Starts an engine for `languages` on every worker ahead of the first image. The returned
    /// channel gets one message per worker when its engine is ready (or failed).
    #[must_use]
    pub fn prewarm(&self, languages: &LanguageSpec) -> Receiver<Result<(), OcrError>> {
        let (reply, done) = mpsc::sync_channel(self.workers.len());
        self.shared.queue.push_warm(languages, &reply);
        done
    }

    /// Queues a job, waiting while the queue is full.
    ///
    /// # Errors
    /// [`OcrError::PoolStopped`] when the pool is shutting down.
    pub fn submit(
        &self,
        request: OcrRequest,
        progress: Option<ProgressFn>,
    ) -> Result<OcrJobHandle, OcrError> {
        self.enqueue(request, progress, true)
    }

    /// Queues a job without ever blocking.
    ///
    /// # Errors
    /// [`OcrError::QueueFull`] when the queue is full, [`OcrError::PoolStopped`] when stopping.
    pub fn try_submit(
        &self,
        request: OcrRequest,
        progress: Option<ProgressFn>,
    ) -> Result<OcrJobHandle, OcrError> {
        self.enqueue(request, progress, false)
    }

    fn enqueue(
        &self,
        request: OcrRequest,
        progress: Option<ProgressFn>,
        wait: bool,
    ) -> Result<OcrJobHandle, OcrError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (reply, result) = mpsc::sync_channel(1);
        let cancel = CancelToken::default();
        let name = request.source.name();
        let job = Job {
            id,
            request,
            cancel: cancel.clone(),
            progress,
            reply,
            submitted: Instant::now(),
        };
        self.shared.queue.push_job(job, wait)?;
        Ok(OcrJobHandle {
            id,
            name,
            cancel,
            result,
            shared: Arc::clone(&self.shared),
        })
    }
}

impl Drop for OcrPool {
    fn drop(&mut self) {
        for job in self.shared.queue.close() {
            let name = job.request.source.name();
            job.reply.try_send(Err(OcrError::PoolStopped { name })).ok();
        }
        for worker in self.workers.drain(..) {
            // A worker that panicked has already answered its job; nothing more to do.
            worker.join().ok();
        }
    }
}

/// Cancels one job, from any thread ([`OcrJobHandle::canceller`]).
#[derive(Clone)]
pub struct OcrJobCanceller {
    id: u64,
    name: String,
    cancel: CancelToken,
    shared: Arc<Shared>,
}

impl OcrJobCanceller {
    /// As [`OcrJobHandle::cancel`].
    pub fn cancel(&self) {
        self.cancel.cancel();
        if let Some(job) = self.shared.queue.remove_job(self.id) {
            job.reply
                .try_send(Err(OcrError::Cancelled {
                    name: self.name.clone(),
                }))
                .ok();
        }
    }
}

impl std::fmt::Debug for OcrJobCanceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcrJobCanceller")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The caller's side of one job: its result, and a way to cancel it.
pub struct OcrJobHandle {
    id: u64,
    name: String,
    cancel: CancelToken,
    result: Receiver<Result<OcrResult, OcrError>>,
    shared: Arc<Shared>,
}

impl OcrJobHandle {
    /// The job's id, as progress reports carry it.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Cancels the job: a queued job leaves the queue at once; a running one stops at its next
    /// step (between bands). Its result becomes [`OcrError::Cancelled`].
    pub fn cancel(&self) {
        self.canceller().cancel();
    }

    /// Cancels this job from another thread while this handle waits in [`Self::wait`].
    #[must_use]
    pub fn canceller(&self) -> OcrJobCanceller {
        OcrJobCanceller {
            id: self.id,
            name: self.name.clone(),
            cancel: self.cancel.clone(),
            shared: Arc::clone(&self.shared),
        }
    }

    /// Waits for the result.
    ///
    /// # Errors
    /// The job's error, or [`OcrError::PoolStopped`] if the pool ended first.
    pub fn wait(self) -> Result<OcrResult, OcrError> {
        self.result
            .recv()
            .unwrap_or(Err(OcrError::PoolStopped { name: self.name }))
    }

    /// The result if it is ready, without blocking.
    pub fn try_result(&self) -> Option<Result<OcrResult, OcrError>> {
        match self.result.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(OcrError::PoolStopped {
                name: self.name.clone(),
            })),
        }
    }
}
