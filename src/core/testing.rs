//! "Test connection" from the provider form: one tiny request with the settings as typed
//! (and the key as typed, else the stored one), run in its own task so the engine never waits
//! on it; the answer comes back as [`Event::ProviderTested`].

use super::engine::Engine;
use super::event::Event;
use crate::llm::{ProviderConfig, secret_entry};
use crate::secrets::ApiKey;

impl Engine {
    pub(super) fn test_provider(&self, provider: ProviderConfig, api_key: Option<ApiKey>) {
        let (keyring, client, events) = (
            self.keyring.clone(),
            self.client.clone(),
            self.events.clone(),
        );
        tokio::spawn(async move {
            let name = provider.name.clone();
            let lookup = {
                let (provider, keyring) = (provider.clone(), keyring.clone());
                // Keyring IPC runs on the blocking pool; a locked keyring holds up this test only.
                tokio::task::spawn_blocking(move || {
                    let key = match api_key {
                        Some(key) => Some(key),
                        None => keyring.get(&provider.name).ok().flatten(),
                    };
                    let secret = provider
                        .token_url
                        .as_ref()
                        .and_then(|_| keyring.get(&secret_entry(&provider.name)).ok().flatten());
                    (key, secret)
                })
            };
            let (key, secret) = lookup.await.unwrap_or_default();
            let outcome = match provider.validate() {
                Err(message) => Err(format!("{message}.")),
                Ok(()) => client
                    .test_connection(&provider, key.as_ref(), secret.as_ref())
                    .await
                    .map(|()| format!("{} at {} answered.", provider.model, provider.chat_url()))
                    .map_err(|err| err.to_string()),
            };
            events.emit(Event::ProviderTested { name, outcome }).await;
        });
    }
}
