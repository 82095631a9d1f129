//! The pool's shared work queue: one mutex and two condition variables. Workers take, in
//! order, their own warm-up requests, then bands of pages other workers are reading (so one
//! page can use every core), then new jobs. Jobs are bounded; bands are bounded by the jobs in
//! progress times the bands per page.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use image::GrayImage;

use super::pool::{OcrProgress, OcrRequest, ProgressFn};
use super::{LanguageSpec, OcrError};
use crate::domain::{OcrBlock, OcrResult};

/// A flag shared by a job's handle and the workers reading it.
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// Asks the job to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether the job was asked to stop.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// One image to read.
pub(super) struct Job {
    pub id: u64,
    pub request: OcrRequest,
    pub cancel: CancelToken,
    pub progress: Option<ProgressFn>,
    pub reply: SyncSender<Result<OcrResult, OcrError>>,
    pub submitted: Instant,
}

impl Job {
    pub fn report(&self, progress: OcrProgress) {
        if let Some(report) = &self.progress {
            report(progress);
        }
    }
}

/// One horizontal band of a prepared page, read by whichever worker is free.
pub(super) struct BandTask {
    pub index: usize,
    pub name: Arc<str>,
    pub languages: LanguageSpec,
    pub image: GrayImage,
    pub ppi: u32,
    pub cancel: CancelToken,
    pub reply: SyncSender<(usize, Result<Vec<OcrBlock>, OcrError>)>,
}

/// What a worker takes next.
pub(super) enum Task {
    Warm(LanguageSpec, WarmReply),
    Band(BandTask),
    Job(Job),
}

/// Where a worker reports that its engine for a warm-up request is ready.
pub(super) type WarmReply = SyncSender<Result<(), OcrError>>;

struct State {
    warm: Vec<VecDeque<(LanguageSpec, WarmReply)>>,
    bands: VecDeque<BandTask>,
    jobs: VecDeque<Job>,
    closed: bool,
}

/// The queue shared by the pool and its workers.
pub(super) struct WorkQueue {
    state: Mutex<State>,
    /// Signalled when a task arrives or the queue closes.
    work: Condvar,
    /// Signalled when a job leaves the queue.
    space: Condvar,
    capacity: usize,
}

impl WorkQueue {
    pub fn new(workers: usize, capacity: usize) -> Self {
        Self {
            state: Mutex::new(State {
                warm: (0..workers).map(|_| VecDeque::new()).collect(),
                bands: VecDeque::new(),
                jobs: VecDeque::new(),
                closed: false,
            }),
            work: Condvar::new(),
            space: Condvar::new(),
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A worker that panicked while holding the lock left plain queues behind: keep going.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a job; with `wait`, blocks while the queue is full, else refuses.
    pub fn push_job(&self, job: Job, wait: bool) -> Result<(), OcrError> {
        let mut state = self.lock();
        while state.jobs.len() >= self.capacity && !state.closed {
            if !wait {
                let capacity = self.capacity;
                return Err(OcrError::QueueFull { capacity });
            }
            state = self
                .space
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        if state.closed {
            let name = job.request.source.name();
            return Err(OcrError::PoolStopped { name });
        }
        state.jobs.push_back(job);
        drop(state);
        self.work.notify_one();
        Ok(())
    }

    pub fn push_bands(&self, bands: impl IntoIterator<Item = BandTask>) {
        self.lock().bands.extend(bands);
        self.work.notify_all();
    }

    pub fn push_warm(&self, languages: &LanguageSpec, reply: &WarmReply) {
        let mut state = self.lock();
        for queue in &mut state.warm {
            queue.push_back((languages.clone(), reply.clone()));
        }
        drop(state);
        self.work.notify_all();
    }

    /// Takes a queued job out (it was cancelled before a worker started it).
    pub fn remove_job(&self, id: u64) -> Option<Job> {
        let mut state = self.lock();
        let index = state.jobs.iter().position(|job| job.id == id)?;
        let job = state.jobs.remove(index);
        drop(state);
        self.space.notify_one();
        job
    }

    /// The next task for worker `worker`; `None` once the queue is closed and drained.
    pub fn next(&self, worker: usize) -> Option<Task> {
        let mut state = self.lock();
        loop {
            if let Some((languages, reply)) =
                state.warm.get_mut(worker).and_then(VecDeque::pop_front)
            {
                return Some(Task::Warm(languages, reply));
            }
            if let Some(band) = state.bands.pop_front() {
                return Some(Task::Band(band));
            }
            if let Some(job) = state.jobs.pop_front() {
                drop(state);
                self.space.notify_one();
                return Some(Task::Job(job));
            }
            if state.closed {
                return None;
            }
            state = self
                .work
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// A waiting band, without blocking.
    pub fn try_band(&self) -> Option<BandTask> {
        self.lock().bands.pop_front()
    }

    /// Stops accepting work; queued jobs are handed back so they can be answered.
    pub fn close(&self) -> Vec<Job> {
        let mut state = self.lock();
        state.closed = true;
        let jobs = state.jobs.drain(..).collect();
        drop(state);
        self.work.notify_all();
        self.space.notify_all();
        jobs
    }
}
