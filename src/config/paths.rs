//! Where ocrchat keeps its files: the platform config dir (settings TOML) and data dir
//! (SQLite history, logs). On Linux these follow `XDG_CONFIG_HOME` / `XDG_DATA_HOME`, which
//! is also how tests point the app at temporary directories.

use std::path::{Path, PathBuf};

/// The directories ocrchat reads and writes.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Holds `config.toml`.
    pub config_dir: PathBuf,
    /// Holds `history.sqlite3` and `ocrchat.log`.
    pub data_dir: PathBuf,
}

impl Paths {
    /// The platform directories for the current user, or `None` when no home directory is known.
    pub fn platform() -> Option<Self> {
        let dirs = directories::ProjectDirs::from("", "", "ocrchat")?;
        Some(Self {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    /// Both directories under one root; used by tests and `--data-dir`-style overrides.
    pub fn under(root: &Path) -> Self {
        Self {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
        }
    }

    /// The settings file.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The conversation history database.
    pub fn database_file(&self) -> PathBuf {
        self.data_dir.join("history.sqlite3")
    }

    /// The log file the window writes (the CLI logs to stderr).
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("ocrchat.log")
    }
}
