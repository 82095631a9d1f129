//! API keys in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager
//! on Windows). Every call is a blocking IPC round trip: call these from a blocking task,
//! never from the UI thread.

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

/// The keyring entries of one application (the "service" in keyring terms); one entry per
/// provider name.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// The service name the app uses.
    pub const DEFAULT_SERVICE: &'static str = "ocrchat";

    /// Entries under `service`; tests pass a unique one.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, provider: &str) -> Result<keyring::Entry, SecretError> {
        Ok(keyring::Entry::new(&self.service, provider)?)
    }

    /// The stored key, `None` when there is none.
    pub fn get(&self, provider: &str) -> Result<Option<ApiKey>, SecretError> {
        match self.entry(provider)?.get_password() {
            Ok(value) => Ok(ApiKey::new(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Stores or replaces the key.
    pub fn set(&self, provider: &str, key: &ApiKey) -> Result<(), SecretError> {
        Ok(self.entry(provider)?.set_password(key.expose())?)
    }

    /// Deletes the key; deleting a missing key is not an error.
    pub fn delete(&self, provider: &str) -> Result<(), SecretError> {
        match self.entry(provider)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}
