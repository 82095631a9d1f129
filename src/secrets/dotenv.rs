//! Reads a development `.env` (`API_KEY`, `ENDPOINT`, `MODEL`) without touching the process
//! environment, so it can be offered for import into the keyring and config; and, once the
//! key is in the keyring, removes the plaintext `API_KEY` line on the user's word.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::ApiKey;

/// What a `.env` file offers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DotenvProvider {
    /// The file it was read from.
    pub path: PathBuf,
    /// `ENDPOINT`: an OpenAI-compatible base URL.
    pub endpoint: Option<String>,
    /// `MODEL`.
    pub model: Option<String>,
    /// `API_KEY`.
    pub api_key: Option<ApiKey>,
    /// `API_SECRET`: with a provider's token URL, exchanged with the key for a token.
    pub api_secret: Option<ApiKey>,
}

/// The largest `.env` read; a real one is a few lines.
pub const MAX_DOTENV_BYTES: u64 = 1024 * 1024;

impl DotenvProvider {
    /// Reads `path`; `None` when the file is missing, unreadable, not a regular file (a FIFO
    /// would block start-up), over `MAX_DOTENV_BYTES`, or offers none of the three.
    pub fn read(path: &Path) -> Option<Self> {
        let text = zeroize::Zeroizing::new(
            crate::config::private_files::read_regular_file(path, MAX_DOTENV_BYTES).ok()?,
        );
        let iter = dotenvy::from_read_iter(text.as_bytes());
        let mut found = Self {
            path: path.to_owned(),
            ..Self::default()
        };
        for item in iter {
            let Ok((name, value)) = item else {
                tracing::warn!("skipping an unparsable line in {}", path.display());
                continue;
            };
            let value = value.trim().to_owned();
            match name.as_str() {
                "API_KEY" => found.api_key = ApiKey::new(value),
                "API_SECRET" => found.api_secret = ApiKey::new(value),
                "ENDPOINT" if !value.is_empty() => found.endpoint = Some(value),
                "MODEL" if !value.is_empty() => found.model = Some(value),
                _ => {}
            }
        }
        let offers_something =
            found.api_key.is_some() || found.endpoint.is_some() || found.model.is_some();
        offers_something.then_some(found)
    }
}

/// Removes every `API_KEY=…` line from the `.env` at `path`, keeping every other line and the
/// file's permissions; written to a temporary file beside it, synced, then renamed over it.
/// Returns how many lines were removed. Blocking (disk).
///
/// # Errors
/// When the file cannot be read or written; it is then left as it was.
pub fn remove_key_line(path: &Path) -> std::io::Result<usize> {
    let text = zeroize::Zeroizing::new(crate::config::private_files::read_regular_file(
        path,
        MAX_DOTENV_BYTES,
    )?);
    let mut kept = zeroize::Zeroizing::new(String::with_capacity(text.len()));
    let mut removed = 0;
    for line in text.split_inclusive('\n') {
        let name = line.trim_start();
        let name = name.strip_prefix("export ").map_or(name, str::trim_start);
        let is_key = name
            .strip_prefix("API_KEY")
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if is_key {
            removed += 1;
        } else {
            kept.push_str(line);
        }
    }
    if removed == 0 {
        return Ok(0);
    }
    let mut temp_name = path.file_name().unwrap_or_default().to_owned();
    temp_name.push(".ocrchat-new");
    let temp_path = path.with_file_name(temp_name);
    let written = (|| {
        let mut temp = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)?;
        temp.set_permissions(std::fs::metadata(path)?.permissions())?;
        temp.write_all(kept.as_bytes())?;
        temp.sync_all()?;
        std::fs::rename(&temp_path, path)
    })();
    if written.is_err() {
        std::fs::remove_file(&temp_path).ok();
    }
    written.map(|()| removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_names_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "# dev\nAPI_KEY=sk-dot\nAPI_SECRET=s3cr3t\nENDPOINT=http://127.0.0.1:9/v1\nMODEL=\"qwen-plus\"\nOTHER=x\n",
        )
        .unwrap();
        let found = DotenvProvider::read(&path).unwrap();
        assert_eq!(found.api_key.unwrap().expose(), "sk-dot");
        assert_eq!(found.api_secret.unwrap().expose(), "s3cr3t");
        assert_eq!(found.endpoint.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(found.model.as_deref(), Some("qwen-plus"));
        assert!(
            std::env::var("API_KEY").is_err(),
            "must not set process env"
        );
        assert!(DotenvProvider::read(&dir.path().join("missing")).is_none());
    }

    #[test]
    #[cfg(unix)]
    fn a_fifo_or_a_device_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join(".env");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success(), "mkfifo");
        // Without the regular-file check this blocks forever waiting for a writer.
        assert!(
            DotenvProvider::read(&fifo).is_none(),
            "a FIFO offers nothing"
        );
        assert!(
            DotenvProvider::read(Path::new("/dev/zero")).is_none(),
            "a device offers nothing"
        );
        assert!(remove_key_line(&fifo).is_err(), "a FIFO is not rewritten");
    }

    #[test]
    fn removing_the_key_line_keeps_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        let text = "# dev\nAPI_KEY=sk-dot\nENDPOINT=http://h/v1\n  export API_KEY = \"sk-2\"\nAPI_KEY_NOTE=x\nMODEL=m";
        std::fs::write(&path, text).unwrap();
        assert_eq!(remove_key_line(&path).unwrap(), 2);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# dev\nENDPOINT=http://h/v1\nAPI_KEY_NOTE=x\nMODEL=m"
        );
        let found = DotenvProvider::read(&path).unwrap();
        assert!(found.api_key.is_none());
        assert_eq!(remove_key_line(&path).unwrap(), 0);
    }
}
