//! API keys in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager
//! on Windows). Every call is a blocking IPC round trip: call these from a blocking task,
//! never from the UI thread.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::ApiKey;

/// Why the keyring could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No Secret Service answered, or it refused access (locked, no D-Bus session).
    #[error(
        "The system keyring is not available ({0}). Start a Secret Service such as gnome-keyring and unlock it, or set OCRCHAT_API_KEY for this session."
    )]
    Unavailable(String),
    /// Any other keyring failure.
    #[error("The system keyring failed: {0}")]
    Failed(String),
}

impl From<keyring::Error> for SecretError {
    fn from(err: keyring::Error) -> Self {
        match err {
            keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
                Self::Unavailable(inner.to_string())
            }
            other => Self::Failed(other.to_string()),
        }
    }
}

/// What a store knows about one provider's entry (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPresence {
    /// The entry holds a key.
    Stored,
    /// There is no entry.
    Missing,
    /// The keyring could not be asked; the text says why.
    Unavailable(String),
}

/// The keyring entries of one application (the "service" in keyring terms); one entry per
/// provider name. Remembers which entries hold a key (never the keys), so showing the
/// provider list reads each secret at most once per run, not after every change.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
    presence: Arc<Mutex<HashMap<String, KeyPresence>>>,
}

impl KeyringStore {
    /// The service name the app uses.
    pub const DEFAULT_SERVICE: &'static str = "ocrchat";

    /// Entries under `service`; tests pass a unique one.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            presence: Arc::default(),
        }
    }

    fn remember(&self, provider: &str, presence: KeyPresence) {
        self.presence
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(provider.to_owned(), presence);
    }

    /// What this store last learnt about the provider's entry, if anything (never blocks).
    pub fn known(&self, provider: &str) -> Option<KeyPresence> {
        self.presence
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(provider)
            .cloned()
    }

    /// Reads the entry once (blocking) and remembers whether it holds a key.
    pub fn check(&self, provider: &str) -> KeyPresence {
        match self.get(provider) {
            Ok(Some(_)) => KeyPresence::Stored,
            Ok(None) => KeyPresence::Missing,
            Err(err) => {
                let presence = KeyPresence::Unavailable(err.to_string());
                self.remember(provider, presence.clone());
                presence
            }
        }
    }

    fn entry(&self, provider: &str) -> Result<keyring::Entry, SecretError> {
        Ok(keyring::Entry::new(&self.service, provider)?)
    }

    /// The stored key, `None` when there is none.
    pub fn get(&self, provider: &str) -> Result<Option<ApiKey>, SecretError> {
        let key = match self.entry(provider)?.get_password() {
            Ok(value) => ApiKey::new(zeroize::Zeroizing::new(value).as_str()),
            Err(keyring::Error::NoEntry) => None,
            Err(err) => return Err(err.into()),
        };
        let presence = if key.is_some() {
            KeyPresence::Stored
        } else {
            KeyPresence::Missing
        };
        self.remember(provider, presence);
        Ok(key)
    }

    /// Stores or replaces the key.
    pub fn set(&self, provider: &str, key: &ApiKey) -> Result<(), SecretError> {
        let entry = self.entry(provider)?;
        // keyring searches for the item, then writes to it: an item deleted in between (by
        // another process of ours, or gnome-keyring answering the search with an item it is
        // dropping) fails with "No such interface …Secret.Item". A fresh search then
        // creates the item, so try again a few times before giving up.
        let mut tries = 0;
        loop {
            match entry.set_password(key.expose()) {
                Err(keyring::Error::PlatformFailure(err))
                    if tries < 3 && err.to_string().contains("Secret.Item") =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                result => break result?,
            }
        }
        self.remember(provider, KeyPresence::Stored);
        Ok(())
    }

    /// Deletes the key; deleting a missing key is not an error.
    pub fn delete(&self, provider: &str) -> Result<(), SecretError> {
        match self.entry(provider)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => {
                self.remember(provider, KeyPresence::Missing);
                Ok(())
            }
            Err(err) => Err(err.into()),
        }
    }
}
