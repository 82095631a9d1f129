//! Shared test support: a scripted HTTP/1.1 server on 127.0.0.1 that speaks the providers'
//! wire formats byte for byte, temporary app directories, and `step_until` for GUI tests.
#![allow(dead_code, unused_imports)] // Each test binary uses a different part of this module.

pub mod driver;
#[cfg(feature = "gui")]
pub mod gui;
pub mod server;
pub mod window;
pub mod x11;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ocrchat::config::Paths;
use ocrchat::core::{CoreOptions, HistoryLocation};
use ocrchat::llm::RetryPolicy;

pub use driver::Driver;
pub use server::{MockServer, Reply, sse_body, sse_chunk};

/// Temporary config/data directories and core options pointing at them, with a keyring
/// service name no other test uses.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub paths: Paths,
    pub keyring_service: String,
}

impl TestEnv {
    pub fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let keyring_service = format!("ocrchat-test-{name}-{}", std::process::id());
        Self {
            dir,
            paths,
            keyring_service,
        }
    }

    pub fn options(&self) -> CoreOptions {
        CoreOptions {
            paths: self.paths.clone(),
            history: HistoryLocation::DataDir,
            keyring_service: self.keyring_service.clone(),
            dotenv_path: None,
            retry: RetryPolicy {
                base_delay: Duration::from_millis(20),
                ..RetryPolicy::default()
            },
        }
    }

    pub fn database(&self) -> PathBuf {
        self.paths.database_file()
    }
}

/// A multi-threaded runtime for the core, as `main` builds it.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Calls `step` until `done` holds; panics naming `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut step: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    loop {
        if step() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends a signal ("INT", "TERM") to a child process, as a terminal or a logout would.
pub fn send_signal(child: &std::process::Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {}", child.id());
}

/// A base URL on 127.0.0.1 where nothing listens (the port was free a moment ago).
pub fn closed_port_url() -> (u16, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    (port, format!("http://127.0.0.1:{port}/v1"))
}

/// Fails with the command to run when no Secret Service was started for the tests.
pub fn require_secret_service() {
    assert!(
        std::env::var_os("OCRCHAT_TEST_SECRET_SERVICE").is_some(),
        "this test needs a real Secret Service: run it through `make test` or scripts/with-keyring.sh"
    );
}

/// Deletes the test's keyring entries at the end of a test, even when it fails.
pub struct KeyringCleanup {
    pub service: String,
    pub names: Vec<String>,
}

impl Drop for KeyringCleanup {
    fn drop(&mut self) {
        let store = ocrchat::secrets::KeyringStore::new(self.service.clone());
        for name in &self.names {
            let _ = store.delete(name);
        }
    }
}

/// The `q` quantile (0–1) of benchmark samples, by rank.
pub fn percentile(samples: &[f64], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank within a short sample"
    )]
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
