//! Engine commands about providers: save (key to the keyring first), rename, remove,
//! choose the active one, and the `.env` import. Keyring calls run off the engine loop and
//! report back as [`KeyringDone`]; whether each provider has a key is remembered in memory
//! and in the config (`key_stored`), so a start reads no secret.

use std::path::PathBuf;

use super::engine::{Engine, Internal};
use super::event::{DotenvOffer, Event, KeyState, ProviderStatus};
use crate::llm::{ProviderConfig, secret_entry};
use crate::secrets;

/// The key and API secret typed for a provider being saved (each only when typed).
#[derive(Default)]
pub(super) struct TypedKeys {
    pub(super) key: Option<secrets::ApiKey>,
    pub(super) secret: Option<secrets::ApiKey>,
}

/// The `preset` of the provider imported from `.env`: the one provider `.env`'s key may go to.
pub(super) const DOTENV_PRESET: &str = ".env";

impl Engine {
    pub(super) async fn save_provider(
        &self,
        mut provider: ProviderConfig,
        keys: TypedKeys,
        previous_name: Option<String>,
    ) {
        let renamed_from = previous_name
            .clone()
            .filter(|old| *old != provider.name.trim());
        if self
            .check_new_provider(&mut provider, previous_name.as_deref())
            .await
        {
            self.start_key_save(provider, keys, renamed_from, None);
        }
    }

    /// Trims and validates a provider about to be saved (replacing `previous_name`, if any);
    /// tells the user and returns `false` when it cannot be saved.
    async fn check_new_provider(
        &self,
        provider: &mut ProviderConfig,
        previous_name: Option<&str>,
    ) -> bool {
        provider.name = provider.name.trim().to_owned();
        provider.base_url = provider.base_url.trim().to_owned();
        provider.model = provider.model.trim().to_owned();
        if let Err(message) = provider.validate() {
            self.events.emit(Event::Error(format!("{message}."))).await;
            return false;
        }
        let renaming_or_adding = previous_name != Some(provider.name.as_str());
        if renaming_or_adding && self.settings.provider(&provider.name).is_some() {
            // Saving under a name already taken would silently replace that provider.
            self.events
                .emit(Event::Error(format!(
                    "A provider named “{}” already exists. Choose another name.",
                    provider.name
                )))
                .await;
            return false;
        }
        true
    }

    /// Stores, moves or keeps the key (and the API secret, under its own entry) on the
    /// blocking pool; the rest of the save waits in
    /// [`Engine::on_keyring_done`], so a locked keyring's prompt never holds up the engine.
    fn start_key_save(
        &self,
        provider: ProviderConfig,
        keys: TypedKeys,
        renamed_from: Option<String>,
        dotenv_file: Option<PathBuf>,
    ) {
        let keyring = self.keyring.clone();
        let reports = self.internal_tx.clone();
        tokio::spawn(async move {
            let name = provider.name.clone();
            let old = renamed_from.clone();
            let result = off_thread(move || {
                let TypedKeys { key, secret } = keys;
                // The key under the provider's name, the secret under its secret entry.
                store_or_move(&keyring, key.as_ref(), old.as_deref(), &name)?;
                let old_secret = old.as_deref().map(secret_entry);
                store_or_move(
                    &keyring,
                    secret.as_ref(),
                    old_secret.as_deref(),
                    &secret_entry(&name),
                )
            })
            .await;
            let done = KeyringDone::Saved {
                provider: Box::new(provider),
                renamed_from,
                result,
                dotenv_file,
            };
            reports.send(Internal::Keyring(done)).await.ok();
        });
    }

    /// The end of a keyring job started by a command.
    pub(super) async fn on_keyring_done(&mut self, done: KeyringDone) {
        match done {
            KeyringDone::Checked => {
                // Remember what was found, so the next start reads no secret.
                let mut changed = false;
                for config in &mut self.settings.providers {
                    let found = presence_flag(self.keyring.known(&config.name));
                    if found.is_some() && found != config.key_stored {
                        config.key_stored = found;
                        changed = true;
                    }
                }
                if changed {
                    self.save_settings().await;
                }
                self.emit_providers().await;
            }
            KeyringDone::Removed { result: Ok(()) } => {}
            KeyringDone::Removed { result: Err(err) } => {
                self.events
                    .emit(Event::Error(format!(
                        "The provider was removed, but its key could not be deleted from the keyring. {err}"
                    )))
                    .await;
            }
            KeyringDone::Saved {
                result: Err(err), ..
            } => {
                self.events
                    .emit(Event::Error(format!("The key was not saved. {err}")))
                    .await;
            }
            KeyringDone::Saved {
                provider,
                renamed_from,
                result: Ok(()),
                dotenv_file,
            } => self.finish_save(*provider, renamed_from, dotenv_file).await,
        }
    }

    async fn finish_save(
        &mut self,
        mut provider: ProviderConfig,
        renamed_from: Option<String>,
        dotenv_file: Option<PathBuf>,
    ) {
        let before = renamed_from.as_deref().unwrap_or(&provider.name);
        let flag_before = self.settings.provider(before).and_then(|p| p.key_stored);
        provider.key_stored = presence_flag(self.keyring.known(&provider.name)).or(flag_before);
        if let Some(old) = &renamed_from {
            self.settings.rename(old, &provider.name);
        }
        let name = provider.name.clone();
        self.settings.upsert(provider);
        if self.settings.active_provider.is_none() {
            self.settings.active_provider = Some(name.clone());
        }
        let saved = self.save_settings().await;
        if saved {
            self.events
                .emit(Event::ProviderSaved { name: name.clone() })
                .await;
        }
        self.emit_providers().await;
        let offer = self.dotenv_offer();
        self.events.emit(Event::DotenvOffer(offer)).await;
        let key_in_keyring = self.keyring.known(&name) == Some(secrets::KeyPresence::Stored);
        if let Some(path) = dotenv_file.filter(|_| saved && key_in_keyring) {
            // The key is safe in the keyring, but its plaintext copy is still on disk.
            self.events.emit(Event::DotenvKeyLeft(Some(path))).await;
        }
    }

    pub(super) async fn remove_provider(&mut self, name: String) {
        if !self.settings.remove(&name) {
            return;
        }
        let keyring = self.keyring.clone();
        let reports = self.internal_tx.clone();
        tokio::spawn(async move {
            let result = off_thread(move || {
                keyring.delete(&secret_entry(&name))?;
                keyring.delete(&name)
            })
            .await;
            let done = KeyringDone::Removed { result };
            reports.send(Internal::Keyring(done)).await.ok();
        });
        self.save_settings().await;
        self.emit_providers().await;
    }

    pub(super) async fn import_dotenv(&self, name: String) {
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
        let dotenv_file = found.api_key.is_some().then(|| found.path.clone());
        if self.check_new_provider(&mut provider, None).await {
            let keys = TypedKeys {
                key: found.api_key.clone(),
                secret: None,
            };
            self.start_key_save(provider, keys, None, dotenv_file);
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
    pub(super) async fn save_settings(&self) -> bool {
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

    /// Emits the providers with what is known of their keys. Entries not read yet show as
    /// checking; they are read once on the blocking pool and the list is emitted again.
    pub(super) async fn emit_providers(&self) {
        let mut unknown = Vec::new();
        let providers = self
            .settings
            .providers
            .iter()
            .map(|config| {
                let remembered = config.key_stored.map(|stored| {
                    if stored {
                        KeyState::Stored
                    } else {
                        KeyState::Missing
                    }
                });
                let key = self
                    .keyring
                    .known(&config.name)
                    .map(KeyState::from)
                    .or(remembered)
                    .unwrap_or_else(|| {
                        unknown.push(config.name.clone());
                        KeyState::Checking
                    });
                ProviderStatus {
                    config: config.clone(),
                    key,
                }
            })
            .collect();
        if !unknown.is_empty() {
            let keyring = self.keyring.clone();
            let reports = self.internal_tx.clone();
            tokio::spawn(async move {
                let checked = tokio::task::spawn_blocking(move || {
                    for name in unknown {
                        keyring.check(&name);
                    }
                })
                .await;
                if checked.is_ok() {
                    reports
                        .send(Internal::Keyring(KeyringDone::Checked))
                        .await
                        .ok();
                }
            });
        }
        let active = self.settings.active().map(|p| p.name.clone());
        self.events
            .emit(Event::Providers { providers, active })
            .await;
    }
}

/// The end of a keyring job run off the engine loop, reported back to it.
pub(super) enum KeyringDone {
    /// Unknown entries were read; the provider list can be shown again.
    Checked,
    /// A provider's key was stored or moved (or that failed).
    Saved {
        /// Boxed: a config is large beside the other variants.
        provider: Box<ProviderConfig>,
        renamed_from: Option<String>,
        result: Result<(), secrets::SecretError>,
        /// The `.env` whose key was imported, to offer removing its plaintext line.
        dotenv_file: Option<PathBuf>,
    },
    /// A removed provider's key was deleted (or that failed).
    Removed {
        result: Result<(), secrets::SecretError>,
    },
}

/// The config's `key_stored` for what the keyring store learnt (`None`: nothing certain).
fn presence_flag(presence: Option<secrets::KeyPresence>) -> Option<bool> {
    match presence? {
        secrets::KeyPresence::Stored => Some(true),
        secrets::KeyPresence::Missing => Some(false),
        secrets::KeyPresence::Unavailable(_) => None,
    }
}

/// Stores `typed` under `entry`, or moves what `old` holds there (a rename); blocking.
fn store_or_move(
    keyring: &secrets::KeyringStore,
    typed: Option<&secrets::ApiKey>,
    old: Option<&str>,
    entry: &str,
) -> Result<(), secrets::SecretError> {
    let moved = match old {
        Some(old) if typed.is_none() => keyring.get(old)?,
        _ => None,
    };
    if let Some(value) = typed.or(moved.as_ref()) {
        keyring.set(entry, value)?;
    }
    if let Some(old) = old {
        keyring.delete(old)?;
    }
    Ok(())
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
