//! The model picker's side of the core: each conversation remembers the provider and model it
//! asks (`store/conversation_model.rs`), a question without an explicit choice goes to them,
//! and provider model lists are fetched in a task of their own, never on the engine loop.

use super::asking::KeyLookup;
use super::command::SendOptions;
use super::engine::Engine;
use super::event::Event;
use crate::store::{ConversationId, ModelChoice};

impl Engine {
    /// Remembers the conversation's provider and model; the answer is the choice as stored.
    pub(super) async fn choose_model(&self, conversation: ConversationId, choice: ModelChoice) {
        let choice = ModelChoice {
            provider: choice.provider.trim().to_owned(),
            model: choice.model.trim().to_owned(),
        };
        if self.settings.provider(&choice.provider).is_none() || choice.model.is_empty() {
            let message = format!(
                "There is no provider named “{}”, or no model was given. Pick a provider from the list and type or pick a model.",
                choice.provider
            );
            return self.events.emit(Event::Error(message)).await;
        }
        let stored = choice.clone();
        match self
            .store
            .call(move |s| s.set_conversation_model(conversation, &stored))
            .await
        {
            Ok(()) => {
                self.events
                    .emit(Event::ConversationModel {
                        conversation,
                        choice,
                    })
                    .await;
            }
            Err(err) => self.events.emit(Event::Error(err.to_string())).await,
        }
    }

    /// Tells the front end which provider and model the conversation asks, when known.
    pub(super) async fn emit_conversation_model(&self, conversation: ConversationId) {
        if let Ok(Some(choice)) = self
            .store
            .call(move |s| s.conversation_model(conversation))
            .await
        {
            self.events
                .emit(Event::ConversationModel {
                    conversation,
                    choice,
                })
                .await;
        }
    }

    /// `options` with the conversation's remembered provider and model filled in, when the
    /// request names neither (the window's picker and the CLI's flags name them). A provider
    /// removed since falls back to the active one, with its own model.
    pub(super) async fn with_conversation_choice(
        &self,
        conversation: Option<ConversationId>,
        mut options: SendOptions,
    ) -> SendOptions {
        let explicit = options.adhoc_provider.is_some()
            || options.provider_name.is_some()
            || options.model.is_some();
        let Some(id) = conversation.filter(|_| !explicit) else {
            return options;
        };
        if let Ok(Some(choice)) = self.store.call(move |s| s.conversation_model(id)).await
            && self.settings.provider(&choice.provider).is_some()
        {
            options.provider_name = Some(choice.provider);
            options.model = Some(choice.model);
        }
        options
    }

    /// Fetches the provider's model list in a task of its own (the key from the keyring on
    /// the blocking pool); the answer is [`Event::Models`].
    pub(super) async fn list_models(&self, name: &str) {
        let Some(provider) = self.settings.provider(name).cloned() else {
            let models = Err(format!("There is no provider named “{name}”."));
            let provider = name.to_owned();
            return self.events.emit(Event::Models { provider, models }).await;
        };
        let lookup = KeyLookup {
            keyring: self.keyring.clone(),
            dotenv: self.dotenv.clone(),
            provider: provider.clone(),
            adhoc: false,
        };
        let (client, events) = (self.client.clone(), self.events.clone());
        tokio::spawn(async move {
            let (key, _secret) = lookup.run().await;
            let models = client
                .list_models(&provider, key.as_ref())
                .await
                .map_err(|err| err.to_string());
            events
                .emit(Event::Models {
                    provider: provider.name,
                    models,
                })
                .await;
        });
    }
}
