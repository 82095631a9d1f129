//! API keys: the keyring, the `.env` import, and the lookup order.
//!
//! **Invariant:** a key leaves this module only inside an [`ApiKey`], whose `Debug`/`Display`
//! print `***`; the only place that reads its value is the HTTP request header.

mod api_key;
mod dotenv;
mod keyring_store;

pub use api_key::ApiKey;
pub use dotenv::DotenvProvider;
pub use keyring_store::{KeyringStore, SecretError};

/// The environment variable the CLI and the window fall back to when the keyring has no key.
pub const API_KEY_ENV: &str = "OCRCHAT_API_KEY";

/// Where a resolved key came from (shown to the user; never the key itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The provider's keyring entry.
    Keyring,
    /// `OCRCHAT_API_KEY`.
    Environment,
    /// `API_KEY` in `.env`.
    Dotenv,
}

/// Resolves a provider's key in the documented order: its keyring entry, then
/// `OCRCHAT_API_KEY`, then `API_KEY` from `.env`. Blocking (keyring IPC).
///
/// A keyring that is unavailable is not fatal here: the fallbacks still apply, and the error is
/// returned alongside so the caller can explain a later 401.
pub fn resolve_key(
    store: &KeyringStore,
    provider: Option<&str>,
    dotenv: Option<&DotenvProvider>,
) -> (Option<(ApiKey, KeySource)>, Option<SecretError>) {
    let mut keyring_error = None;
    if let Some(name) = provider {
        match store.get(name) {
            Ok(Some(key)) => return (Some((key, KeySource::Keyring)), None),
            Ok(None) => {}
            Err(err) => keyring_error = Some(err),
        }
    }
    if let Some(key) = std::env::var(API_KEY_ENV).ok().and_then(ApiKey::new) {
        return (Some((key, KeySource::Environment)), keyring_error);
    }
    let from_dotenv = dotenv.and_then(|d| d.api_key.clone());
    (
        from_dotenv.map(|key| (key, KeySource::Dotenv)),
        keyring_error,
    )
}
