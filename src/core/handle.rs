//! `CoreHandle`: how a front end talks to the core. Commands go in over a bounded channel;
//! events come out over another, and a waker tells the window to repaint when one arrives.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::command::Command;
use super::engine::Engine;
use super::event::Event;
use super::store_worker::StoreWorker;
use crate::config::{Paths, Settings};
use crate::llm::{ChatClient, RetryPolicy, StreamLimits};
use crate::secrets::{DotenvProvider, KeyringStore};
use crate::store::AttachmentFiles;

/// Commands that may wait for the engine before `send` reports the core as busy.
const COMMAND_QUEUE: usize = 64;
/// Events that may wait for the front end before the engine waits too (backpressure).
const EVENT_QUEUE: usize = 4096;

/// Called after each event, from a core thread. The window passes one that requests a repaint.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Where the conversation history lives.
#[derive(Debug, Clone)]
pub enum HistoryLocation {
    /// The SQLite file in the data dir.
    DataDir,
    /// Memory only (the CLI's `--no-save`).
    Memory,
}

/// How to start the core.
#[derive(Debug, Clone)]
pub struct CoreOptions {
    /// Config and data directories.
    pub paths: Paths,
    /// Where history is kept.
    pub history: HistoryLocation,
    /// The keyring service name (tests use a unique one).
    pub keyring_service: String,
    /// A `.env` to read `API_KEY`/`ENDPOINT`/`MODEL` from, if present.
    pub dotenv_path: Option<PathBuf>,
    /// Retries before a reply starts.
    pub retry: RetryPolicy,
}

impl CoreOptions {
    /// The defaults for these paths: history on disk, the app's keyring service, `./.env`.
    pub fn new(paths: Paths) -> Self {
        Self {
            paths,
            history: HistoryLocation::DataDir,
            keyring_service: KeyringStore::DEFAULT_SERVICE.to_owned(),
            dotenv_path: Some(PathBuf::from(".env")),
            retry: RetryPolicy::default(),
        }
    }
}

/// Sends events to the front end and wakes it.
#[derive(Clone)]
pub(super) struct EventSink {
    tx: mpsc::Sender<Event>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl EventSink {
    /// A sink with no waker (engine tests).
    #[cfg(test)]
    pub(super) fn new(tx: mpsc::Sender<Event>) -> Self {
        Self {
            tx,
            waker: Arc::default(),
        }
    }

    pub(super) async fn emit(&self, event: Event) {
        if let Event::Error(message) = &event {
            tracing::info!("error shown to the user: {message}");
        }
        if self.tx.send(event).await.is_err() {
            return; // The front end is gone; nothing to wake.
        }
        let waker = self.waker.lock().ok().and_then(|w| w.clone());
        if let Some(wake) = waker {
            wake();
        }
    }
}

/// The command channel was full or the core has stopped.
#[derive(Debug, thiserror::Error)]
#[error("The core is busy or has stopped; try again in a moment.")]
pub struct CoreBusy;

/// A running core.
pub struct CoreHandle {
    commands: Option<mpsc::Sender<Command>>,
    events: mpsc::Receiver<Event>,
    waker: Arc<Mutex<Option<Waker>>>,
    stopped: std::sync::mpsc::Receiver<()>,
    /// Set by the engine as it stops when every reply is on disk.
    all_saved: Arc<AtomicBool>,
}

impl CoreHandle {
    /// Starts the core's tasks on `runtime`. Reads the settings and `.env` here (small files);
    /// the history database is opened on its own thread.
    pub fn start(runtime: &tokio::runtime::Handle, options: CoreOptions) -> std::io::Result<Self> {
        let (command_tx, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (event_tx, event_rx) = mpsc::channel(EVENT_QUEUE);
        let (stopped_tx, stopped_rx) = std::sync::mpsc::sync_channel(1);
        let waker: Arc<Mutex<Option<Waker>>> = Arc::default();
        let events = EventSink {
            tx: event_tx,
            waker: waker.clone(),
        };

        let settings_file = options.paths.config_file();
        let (settings, settings_path, settings_error) = match Settings::load(&settings_file) {
            Ok(settings) => (settings, Some(settings_file), None),
            Err(err) => (Settings::default(), None, Some(err.to_string())),
        };
        let dotenv = options
            .dotenv_path
            .as_deref()
            .and_then(DotenvProvider::read);
        let history_path = match options.history {
            HistoryLocation::DataDir => Some(options.paths.database_file()),
            HistoryLocation::Memory => None,
        };
        let attachment_files = history_path.as_deref().map(AttachmentFiles::beside);
        let (store, opened) = StoreWorker::start(history_path, Some(stopped_tx))?;
        let mut engine = Engine::new(
            settings,
            settings_path,
            KeyringStore::new(options.keyring_service),
            dotenv,
            ChatClient::new(options.retry, StreamLimits::from_env())
                .map_err(std::io::Error::other)?,
            store,
            events.clone(),
        );
        engine.attaching = super::attaching::Attaching::new(attachment_files);
        let all_saved = engine.all_saved_at_exit();
        runtime.spawn(async move {
            if let Some(message) = settings_error {
                events.emit(Event::Error(message)).await;
            }
            if let Ok(Some(err)) = opened.await {
                events
                    .emit(Event::Error(format!(
                        "{err} Conversations in this session will not be saved."
                    )))
                    .await;
            }
            engine.run(command_rx).await;
        });
        Ok(Self {
            commands: Some(command_tx),
            events: event_rx,
            waker,
            stopped: stopped_rx,
            all_saved,
        })
    }

    /// Sets the function called after each event (the window's repaint request).
    pub fn set_waker(&self, waker: Waker) {
        if let Ok(mut slot) = self.waker.lock() {
            *slot = Some(waker);
        }
    }

    /// Sends a command without waiting (safe on the UI thread).
    pub fn send(&self, command: Command) -> Result<(), CoreBusy> {
        self.commands
            .as_ref()
            .ok_or(CoreBusy)?
            .try_send(command)
            .map_err(|_full_or_closed| CoreBusy)
    }

    /// The next event if one is waiting (the UI thread's per-frame drain).
    pub fn try_recv(&mut self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// Waits for the next event (the CLI). `None` once the core has stopped.
    pub async fn recv(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// Stops the core: running replies are stopped and saved with their text so far. Waits up
    /// to `timeout` for the history to be written, and returns whether every reply is on disk
    /// (`false`: a write failed or did not finish in time). Call from outside the runtime's
    /// threads.
    pub fn shutdown(mut self, timeout: Duration) -> bool {
        self.commands = None;
        // Keep draining so an engine blocked on a full event queue can finish.
        let deadline = std::time::Instant::now() + timeout;
        loop {
            while self.events.try_recv().is_ok() {}
            match self.stopped.recv_timeout(Duration::from_millis(10)) {
                Ok(()) => return self.all_saved.load(Ordering::SeqCst),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return false,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if std::time::Instant::now() >= deadline {
                        return false;
                    }
                }
            }
        }
    }
}
