//! The settings file: providers (without keys) and which one is active.
//!
//! Saved atomically and durably (write and sync a temporary file, then rename) so a crash
//! mid-save never leaves a half-written config behind. Read only when it is a regular file of
//! at most [`MAX_SETTINGS_BYTES`], so a FIFO or a device in its place cannot hang start-up.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::private_files::{read_regular_file, write_private_atomic};
use crate::llm::ProviderConfig;

/// The largest settings file read (far above any real one).
pub const MAX_SETTINGS_BYTES: u64 = 1024 * 1024;

/// Everything in `config.toml`. API keys are deliberately absent: they live in the keyring.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The provider new questions go to.
    pub active_provider: Option<String>,
    /// The window's colour theme (before `providers`: TOML values precede tables).
    pub theme: ThemeChoice,
    /// The window's zoom (Ctrl +/−), once the person changed it.
    pub ui_zoom: Option<f32>,
    /// The OCR languages for new attachments (`chi_sim+eng`); `None`: `chi_sim+eng` when
    /// Chinese is installed, else `eng`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocr_language: Option<String>,
    /// The user's Chinese prompt template (`None`: the built-in one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_template_zh: Option<String>,
    /// The user's English prompt template (`None`: the built-in one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_template_en: Option<String>,
    /// Configured providers, in the order the user added them.
    #[serde(rename = "provider")]
    pub providers: Vec<ProviderConfig>,
    /// Screen-capture hotkeys and "capture and ask" questions.
    pub capture: super::CaptureSettings,
}

/// The window's colour theme: the system's, or one pinned in Settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    /// Always dark.
    Dark,
    /// Always light.
    Light,
}

/// Why the settings could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file exists but could not be read.
    #[error("Could not read the settings file {path}: {source}. Check its permissions.")]
    Read {
        /// The settings file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The path is not a regular file, or the file is too large to be settings.
    #[error(
        "The settings file {path} cannot be used: {source}. Replace it with a TOML file of at most 1 MiB, or move it away to start with fresh settings."
    )]
    Unusable {
        /// The settings file.
        path: PathBuf,
        /// What is wrong with it.
        source: std::io::Error,
    },
    /// The file is not valid TOML for our schema.
    #[error(
        "The settings file {path} is not valid: {message}. Fix it, or move it away to start with fresh settings."
    )]
    Parse {
        /// The settings file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// Writing failed.
    #[error(
        "Could not save the settings to {path}: {source}. Check free disk space and permissions."
    )]
    Write {
        /// The settings file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Settings {
    /// Reads the settings; a missing file is an empty configuration, not an error.
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let text = match read_regular_file(path, MAX_SETTINGS_BYTES) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source)
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
                ) =>
            {
                return Err(SettingsError::Unusable {
                    path: path.to_path_buf(),
                    source,
                });
            }
            Err(source) => {
                return Err(SettingsError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|err| SettingsError::Parse {
            path: path.to_path_buf(),
            message: err.message().to_owned(),
        })
    }

    /// Writes the settings atomically and durably, readable only by this user.
    pub fn save(&self, path: &Path) -> Result<(), SettingsError> {
        let write_err = |source| SettingsError::Write {
            path: path.to_path_buf(),
            source,
        };
        let text = toml::to_string_pretty(self)
            .map_err(|err| write_err(std::io::Error::other(err.to_string())))?;
        write_private_atomic(path, text.as_bytes()).map_err(write_err)
    }

    /// The provider with this name.
    pub fn provider(&self, name: &str) -> Option<&ProviderConfig> {
        self.providers.iter().find(|p| p.name == name)
    }

    /// The active provider, or the first one when none is marked active.
    pub fn active(&self) -> Option<&ProviderConfig> {
        self.active_provider
            .as_deref()
            .and_then(|name| self.provider(name))
            .or_else(|| self.providers.first())
    }

    /// Adds the provider, or replaces the one with the same name.
    pub fn upsert(&mut self, provider: ProviderConfig) {
        match self.providers.iter_mut().find(|p| p.name == provider.name) {
            Some(existing) => *existing = provider,
            None => self.providers.push(provider),
        }
    }

    /// Removes the provider with this name; returns whether one was removed. When it was the
    /// active one, the first remaining provider becomes active.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.providers.len();
        self.providers.retain(|p| p.name != name);
        if self.active_provider.as_deref() == Some(name) {
            self.active_provider = self.providers.first().map(|p| p.name.clone());
        }
        before != self.providers.len()
    }

    /// Renames a provider in place (keeping its position and whether it is active).
    pub fn rename(&mut self, old: &str, new: &str) {
        if let Some(provider) = self.providers.iter_mut().find(|p| p.name == old) {
            new.clone_into(&mut provider.name);
        }
        if self.active_provider.as_deref() == Some(old) {
            self.active_provider = Some(new.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        assert_eq!(Settings::load(&path).unwrap(), Settings::default());
        let mut settings = Settings::default();
        settings.upsert(ProviderConfig::new("Local", "http://127.0.0.1:1/v1", "m"));
        settings.active_provider = Some("Local".into());
        settings.save(&path).unwrap();
        assert_eq!(Settings::load(&path).unwrap(), settings);
    }

    #[test]
    fn rename_keeps_place_and_removing_the_active_one_picks_the_next() {
        let mut settings = Settings::default();
        for name in ["A", "B", "C"] {
            settings.upsert(ProviderConfig::new(name, "http://127.0.0.1:1/v1", "m"));
        }
        settings.active_provider = Some("B".into());
        settings.rename("B", "B2");
        let names: Vec<_> = settings.providers.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["A", "B2", "C"]);
        assert_eq!(settings.active_provider.as_deref(), Some("B2"));
        assert!(settings.remove("B2"));
        assert_eq!(settings.active_provider.as_deref(), Some("A"));
        assert!(!settings.remove("missing"));
    }

    #[test]
    fn invalid_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "provider = 3").unwrap();
        let err = Settings::load(&path).unwrap_err().to_string();
        assert!(err.contains("config.toml"), "{err}");
        assert!(err.contains("not valid"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_device_is_refused_at_once_and_saves_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.toml");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let zero = dir.path().join("zero.toml");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        for path in [&fifo, &zero] {
            let err = Settings::load(path).unwrap_err();
            assert!(matches!(err, SettingsError::Unusable { .. }), "{err}");
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
        let path = dir.path().join("new/config.toml");
        Settings::default().save(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }
}
