//! API keys: the keyring, the `.env` import, and the lookup order.
//!
//! **Invariant:** a key leaves this module only inside an [`ApiKey`], whose `Debug`/`Display`
//! print `***`; the only place that reads its value is the HTTP request header.

mod api_key;
mod dotenv;
mod keyring_store;
mod redact;

pub use api_key::ApiKey;
pub use dotenv::{DotenvProvider, remove_key_line};
pub use keyring_store::{KeyPresence, KeyringStore, SecretError};
pub use redact::{REDACTED, redact};

/// The environment variable with a key for ad-hoc requests (`ocrchat ask --base-url`).
pub const API_KEY_ENV: &str = "OCRCHAT_API_KEY";

/// The request a key is looked up for. Keys from the environment and `.env` go only where
/// the user pointed them, never to a saved provider that happens to have no keyring entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFor<'a> {
    /// A saved provider: its keyring entry; for the provider imported from `.env`
    /// (`from_dotenv`), `.env`'s `API_KEY` when the keyring has none.
    Saved {
        /// The provider's name (its keyring entry).
        name: &'a str,
        /// Whether it is the provider imported from `.env`.
        from_dotenv: bool,
    },
    /// A request to a base URL given on the command line: `OCRCHAT_API_KEY`, then `.env`'s
    /// `API_KEY`.
    AdHoc,
}

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

/// Resolves the key for `target` (see [`KeyFor`] for the order). Blocking (keyring IPC).
///
/// A keyring that is unavailable is not fatal here: the `.env` fallback still applies, and the
/// error is returned alongside so the caller can explain a later 401.
pub fn resolve_key(
    store: &KeyringStore,
    target: KeyFor<'_>,
    dotenv: Option<&DotenvProvider>,
) -> (Option<(ApiKey, KeySource)>, Option<SecretError>) {
    let from_dotenv = || {
        dotenv
            .and_then(|d| d.api_key.clone())
            .map(|key| (key, KeySource::Dotenv))
    };
    match target {
        KeyFor::Saved {
            name,
            from_dotenv: imported,
        } => {
            let (found, error) = match store.get(name) {
                Ok(found) => (found, None),
                Err(err) => (None, Some(err)),
            };
            match found {
                Some(key) => (Some((key, KeySource::Keyring)), None),
                None if imported => (from_dotenv(), error),
                None => (None, error),
            }
        }
        KeyFor::AdHoc => {
            let from_env = std::env::var(API_KEY_ENV)
                .ok()
                .and_then(ApiKey::new)
                .map(|key| (key, KeySource::Environment));
            (from_env.or_else(from_dotenv), None)
        }
    }
}
