//! Engine commands about providers: save (key to the keyring first), rename, remove,
//! choose the active one, and the `.env` import.

use super::engine::Engine;
use super::event::{DotenvOffer, Event, KeyState, ProviderStatus};
use crate::llm::ProviderConfig;
use crate::secrets;

/// The `preset` of the provider imported from `.env`: the one provider `.env`'s key may go to.
pub(super) const DOTENV_PRESET: &str = ".env";

impl Engine {
    pub(super) async fn save_provider(
        &mut self,
        mut provider: ProviderConfig,
        api_key: Option<secrets::ApiKey>,
        previous_name: Option<String>,
    ) {
        provider.name = provider.name.trim().to_owned();
        provider.base_url = provider.base_url.trim().to_owned();
        provider.model = provider.model.trim().to_owned();
        if let Err(message) = provider.validate() {
            self.events.emit(Event::Error(format!("{message}."))).await;
            return;
        }
        let adding = previous_name.is_none();
        let renamed_from = previous_name.filter(|old| *old != provider.name);
        let taken = self.settings.provider(&provider.name).is_some();
        if taken && (adding || renamed_from.is_some()) {
            // Saving under a name already taken would silently replace that provider.
            self.events
                .emit(Event::Error(format!(
                    "A provider named “{}” already exists. Choose another name.",
                    provider.name
                )))
                .await;
            return;
        }
        let keyring = self.keyring.clone();
        let name = provider.name.clone();
        let old = renamed_from.clone();
        let key_result = off_thread(move || {
            let moved = match &old {
                Some(old) => keyring.get(old)?,
                None => None,
            };
            if let Some(key) = api_key.as_ref().or(moved.as_ref()) {
                keyring.set(&name, key)?;
            }
            if let Some(old) = &old {
                keyring.delete(old)?;
            }
            Ok(())
        })
        .await;
        if let Err(err) = key_result {
            self.events
                .emit(Event::Error(format!("The key was not saved. {err}")))
                .await;
            return;
        }
        if let Some(old) = &renamed_from {
            self.settings.rename(old, &provider.name);
        }
        let name = provider.name.clone();
        self.settings.upsert(provider);
        if self.settings.active_provider.is_none() {
            self.settings.active_provider = Some(name.clone());
        }
        if self.save_settings().await {
            self.events.emit(Event::ProviderSaved { name }).await;
        }
        self.emit_providers().await;
        let offer = self.dotenv_offer();
        self.events.emit(Event::DotenvOffer(offer)).await;
    }

    pub(super) async fn remove_provider(&mut self, name: String) {
        if !self.settings.remove(&name) {
            return;
        }
        let keyring = self.keyring.clone();
        let key_name = name.clone();
        if let Err(err) = off_thread(move || keyring.delete(&key_name)).await {
            self.events
                .emit(Event::Error(format!(
                    "The provider was removed, but its key could not be deleted from the keyring. {err}"
                )))
                .await;
        }
        self.save_settings().await;
        self.emit_providers().await;
    }

    pub(super) async fn import_dotenv(&mut self, name: String) {
        let Some(found) = self.dotenv.clone() else {
            return;
        };
        let Some(model) = found.model.clone() else {
            self.events
                .emit(Event::Error(
                    "The .env file has no MODEL. Add MODEL=… to it, or add the provider in Settings → Providers.".into(),
                ))
                .await;
            return;
        };
        let endpoint = found
            .endpoint
            .clone()
            .unwrap_or_else(|| "https://api.openai.com/v1".into());
        let mut provider = ProviderConfig::new(name.trim(), endpoint, model);
        provider.preset = Some(DOTENV_PRESET.into());
        let saved_name = provider.name.clone();
        self.save_provider(provider, found.api_key.clone(), None)
            .await;
        let key_in_keyring = found.api_key.is_some()
            && self.settings.provider(&saved_name).is_some()
            && self.keyring.known_has_key(&saved_name) == Some(true);
        if key_in_keyring {
            // The key is safe in the keyring, but its plaintext copy is still on disk.
            self.events
                .emit(Event::DotenvKeyLeft(Some(found.path.clone())))
                .await;
        }
    }

    /// Removes the `API_KEY` line from `.env` (the user's answer to `DotenvKeyLeft`).
    pub(super) async fn remove_dotenv_key(&mut self) {
        let Some(path) = self.dotenv.as_ref().map(|d| d.path.clone()) else {
            return;
        };
        let file = path.clone();
        let removed = tokio::task::spawn_blocking(move || secrets::remove_key_line(&file)).await;
        match removed {
            Ok(Ok(_lines)) => {
                if let Some(dotenv) = &mut self.dotenv {
                    dotenv.api_key = None;
                }
                self.events.emit(Event::DotenvKeyLeft(None)).await;
            }
            Ok(Err(err)) => {
                let message = format!(
                    "Could not remove the API_KEY line from {} ({err}). Delete the line yourself; the key is already in the keyring.",
                    path.display()
                );
                self.events.emit(Event::Error(message)).await;
            }
            Err(err) => {
                let message = format!("Removing the key from .env failed: {err}");
                self.events.emit(Event::Error(message)).await;
            }
        }
    }

    /// The `.env` offer, unless it was dismissed or a provider already uses its endpoint.
    pub(super) fn dotenv_offer(&self) -> Option<DotenvOffer> {
        let found = self.dotenv.as_ref()?;
        let endpoint = found.endpoint.as_deref().map(|e| e.trim_end_matches('/'));
        let already = self.settings.providers.iter().any(|p| {
            Some(p.base_url.trim_end_matches('/')) == endpoint
                && found.model.as_deref().is_none_or(|m| m == p.model)
        });
        (!already).then(|| DotenvOffer {
            endpoint: found.endpoint.clone(),
            model: found.model.clone(),
            has_key: found.api_key.is_some(),
        })
    }

    /// Saves settings; reports and returns `false` on failure.
    pub(super) async fn save_settings(&mut self) -> bool {
        let Some(path) = self.settings_path.clone() else {
            self.events
                .emit(Event::Error(
                    "Settings are not saved because the settings file could not be read at start. Fix or move it, then restart ocrchat.".into(),
                ))
                .await;
            return false;
        };
        let settings = self.settings.clone();
        let result = tokio::task::spawn_blocking(move || settings.save(&path)).await;
        match result {
            Ok(Ok(())) => true,
            Ok(Err(err)) => {
                self.events.emit(Event::Error(err.to_string())).await;
                false
            }
            Err(err) => {
                self.events
                    .emit(Event::Error(format!("Saving settings failed: {err}")))
                    .await;
                false
            }
        }
    }

    pub(super) async fn emit_providers(&mut self) {
        let keyring = self.keyring.clone();
        let configs = self.settings.providers.clone();
        let providers = tokio::task::spawn_blocking(move || {
            configs
                .into_iter()
                .map(|config| {
                    // Read from the keyring once per run; later lists come from memory.
                    let key = match keyring.has_key(&config.name) {
                        Ok(true) => KeyState::Stored,
                        Ok(false) => KeyState::Missing,
                        Err(err) => KeyState::Unavailable(err.to_string()),
                    };
                    ProviderStatus { config, key }
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        let active = self.settings.active().map(|p| p.name.clone());
        self.events
            .emit(Event::Providers { providers, active })
            .await;
    }
}

/// Runs a keyring call (blocking D-Bus IPC) on the blocking pool; a task that could not run
/// reads as a keyring failure.
async fn off_thread<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, secrets::SecretError> + Send + 'static,
) -> Result<T, secrets::SecretError> {
    tokio::task::spawn_blocking(call)
        .await
        .unwrap_or_else(|err| Err(secrets::SecretError::Failed(err.to_string())))
}
