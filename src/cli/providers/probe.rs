//! The parts of `ocrchat providers` that talk to the provider or the keyring directly: the
//! test request, the model list, and the API secret's keyring entry.

use std::io::Write as _;

use super::ProvidersFailed;
use crate::llm::{ChatClient, ProviderConfig, StreamLimits, secret_entry};
use crate::secrets::{ApiKey, KeyringStore};

/// Stores `secret` under `new_name`'s secret entry, or moves the one under `old_name` there
/// (`new_name: None` deletes it).
pub(super) async fn move_secret(
    service: &str,
    old_name: Option<&str>,
    new_name: Option<&str>,
    secret: Option<ApiKey>,
) -> Result<(), ProvidersFailed> {
    if old_name == new_name && secret.is_none() {
        return Ok(());
    }
    let keyring = KeyringStore::new(service);
    let (old, new) = (old_name.map(secret_entry), new_name.map(secret_entry));
    let moved = tokio::task::spawn_blocking(move || {
        let secret = match (secret, &old) {
            (Some(secret), _) => Some(secret),
            (None, Some(old)) => keyring.get(old)?,
            (None, None) => None,
        };
        if let (Some(secret), Some(new)) = (&secret, &new) {
            keyring.set(new, secret)?;
        }
        match old {
            Some(old) if Some(&old) != new.as_ref() => keyring.delete(&old),
            _ => Ok(()),
        }
    })
    .await
    .map_err(|err| ProvidersFailed(format!("The keyring call failed: {err}.")))?;
    moved.map_err(|err| ProvidersFailed(format!("The API secret was not saved: {err}")))
}

pub(super) fn name_or_active(
    name: Option<String>,
    active: Option<String>,
) -> Result<String, ProvidersFailed> {
    name.or(active).ok_or_else(|| {
        ProvidersFailed("No provider is set up yet; add one with `ocrchat providers add`.".into())
    })
}

/// The provider's stored key and (with a token URL) secret, read on the blocking pool.
pub(super) async fn provider_keys(
    provider: &ProviderConfig,
    keyring_service: String,
) -> Result<(Option<ApiKey>, Option<ApiKey>), ProvidersFailed> {
    let keyring = KeyringStore::new(keyring_service);
    let name = provider.name.clone();
    let with_secret = provider.token_url.is_some();
    tokio::task::spawn_blocking(move || {
        let key = keyring.get(&name)?;
        let secret = if with_secret {
            keyring.get(&secret_entry(&name))?
        } else {
            None
        };
        Ok((key, secret))
    })
    .await
    .map_err(|err| ProvidersFailed(format!("The keyring lookup failed: {err}.")))?
    .map_err(|err: crate::secrets::SecretError| ProvidersFailed(err.to_string()))
}

fn client() -> Result<ChatClient, ProvidersFailed> {
    ChatClient::new(crate::llm::RetryPolicy::none(), StreamLimits::from_env())
        .map_err(|err| ProvidersFailed(err.to_string()))
}

pub(super) async fn list_models(
    provider: &ProviderConfig,
    key: Option<ApiKey>,
) -> Result<(), ProvidersFailed> {
    let names = client()?
        .list_models(provider, key.as_ref())
        .await
        .map_err(|err| ProvidersFailed(format!("“{}”: {err}", provider.name)))?;
    let mut out = std::io::stdout().lock();
    for name in names {
        if writeln!(out, "{}", crate::cli::output::for_stdout(&name)).is_err() {
            break;
        }
    }
    Ok(())
}

/// One tiny request: the first text (or the exact failure) decides.
pub(super) async fn test_provider(
    provider: ProviderConfig,
    (key, secret): (Option<ApiKey>, Option<ApiKey>),
) -> Result<(), ProvidersFailed> {
    client()?
        .test_connection(&provider, key.as_ref(), secret.as_ref())
        .await
        .map_err(|err| ProvidersFailed(format!("“{}” failed: {err}", provider.name)))?;
    let line = format!(
        "“{}” answered: {} at {} works.",
        provider.name,
        provider.model,
        provider.chat_url()
    );
    writeln!(
        std::io::stdout().lock(),
        "{}",
        crate::cli::output::for_stdout(&line)
    )
    .ok();
    Ok(())
}
