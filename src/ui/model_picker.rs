//! The model picker atop the chat: the provider and model the open conversation asks. The
//! model is typed freely or picked from the provider's list, which the core fetches (off the
//! engine loop) the first time the list is opened and the window keeps. In a conversation, a
//! change is remembered at once (`Command::ChooseModel`); in a new chat it starts as the
//! active provider's model and goes with the first question.

use crate::core::Command;
use crate::store::{ConversationId, ModelChoice};

use super::state::UiState;
use super::strings::Strings;
use super::theme;

/// The picker's UI-local state: the choice being shown and edited.
#[derive(Debug, Default)]
pub struct ModelPicker {
    /// The conversation (`Some(None)`: a new chat) and the core's choice the fields were
    /// last filled from; a change of either fills them again.
    synced: Option<(Option<ConversationId>, Option<ModelChoice>)>,
    provider: String,
    model: String,
    /// Providers whose model list was asked for (once each, until Refresh).
    asked: std::collections::HashSet<String>,
}

impl ModelPicker {
    /// The choice a question sends: `None` when the provider is not (or no longer) configured,
    /// so the core decides.
    pub fn choice(&self, state: &UiState) -> Option<ModelChoice> {
        let known = state
            .providers
            .iter()
            .any(|p| p.config.name == self.provider);
        (known && !self.model.trim().is_empty()).then(|| ModelChoice {
            provider: self.provider.clone(),
            model: self.model.trim().to_owned(),
        })
    }

    /// A question's options naming the picker's provider and model (none when
    /// [`ModelPicker::choice`] has none).
    pub fn send_options(&self, state: &UiState) -> crate::core::SendOptions {
        let choice = self.choice(state);
        crate::core::SendOptions {
            provider_name: choice.as_ref().map(|c| c.provider.clone()),
            model: choice.map(|c| c.model),
            ..crate::core::SendOptions::default()
        }
    }

    /// What the core says the open conversation asks; for a new chat, the active provider's
    /// model.
    fn reported(state: &UiState) -> Option<ModelChoice> {
        let stored = state
            .current
            .and_then(|id| state.conversation_models.get(&id).cloned());
        stored.or_else(|| {
            let active = state.active_provider.as_deref()?;
            let provider = state.providers.iter().find(|p| p.config.name == active)?;
            Some(ModelChoice {
                provider: provider.config.name.clone(),
                model: provider.config.model.clone(),
            })
        })
    }

    /// Fills the fields from the core's choice when the conversation or that choice changed.
    fn sync(&mut self, state: &UiState) {
        let reported = Self::reported(state);
        let now = (state.current, reported);
        if self.synced.as_ref() != Some(&now) {
            if let Some(choice) = &now.1 {
                self.provider.clone_from(&choice.provider);
                self.model.clone_from(&choice.model);
            }
            self.synced = Some(now);
        }
    }

    /// Draws the provider box, the model field and the model list.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        state: &UiState,
        commands: &mut Vec<Command>,
    ) {
        self.sync(state);
        let provider_before = self.provider.clone();
        let label = ui.label(s.provider_label);
        egui::ComboBox::from_id_salt("chat_provider")
            .selected_text(&self.provider)
            .show_ui(ui, |ui| {
                for provider in &state.providers {
                    let name = &provider.config.name;
                    let selected = *name == self.provider;
                    if ui.selectable_label(selected, name).clicked() && !selected {
                        self.provider.clone_from(name);
                        self.model.clone_from(&provider.config.model);
                    }
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label(s.chat_model);
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut self.model)
                    .hint_text(s.chat_model_hint)
                    .desired_width(180.0),
            )
            .labelled_by(label.id);
        let mut picked = false;
        egui::ComboBox::from_id_salt("chat_model_list")
            .selected_text(s.pick_model)
            .width(24.0)
            .show_ui(ui, |ui| {
                picked = self.model_list_ui(ui, s, state, commands);
            })
            .response
            .on_hover_text(s.pick_model_hint)
            // Named for screen readers (and tests) like the button it looks like.
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, s.pick_model));
        // A typed name counts once the field is left (Enter or a click elsewhere).
        let reported_model = self
            .synced
            .as_ref()
            .and_then(|(_, choice)| choice.as_ref())
            .map(|c| c.model.as_str());
        let typed = field.lost_focus() && Some(self.model.trim()) != reported_model;
        let provider_changed = self.provider != provider_before;
        if provider_changed || picked || typed {
            self.commit(state, provider_changed, commands);
        }
    }

    /// The provider's models to pick from (asked for the first time the list opens); returns
    /// whether one was picked.
    fn model_list_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        state: &UiState,
        commands: &mut Vec<Command>,
    ) -> bool {
        let provider = self.provider.clone();
        if self.asked.insert(provider.clone()) && !state.model_lists.contains_key(&provider) {
            commands.push(Command::ListModels {
                provider: provider.clone(),
            });
        }
        let mut picked = false;
        match state.model_lists.get(&provider) {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(s.models_loading);
                });
            }
            Some(Err(why)) => {
                ui.colored_label(
                    theme::error_text(ui.visuals()),
                    s.models_failed.replace("{why}", why),
                );
            }
            Some(Ok(models)) if models.is_empty() => {
                ui.label(s.models_none);
            }
            Some(Ok(models)) => {
                egui::ScrollArea::vertical()
                    .max_height(320.0)
                    .show(ui, |ui| {
                        for model in models {
                            let selected = *model == self.model;
                            if ui.selectable_label(selected, model).clicked() && !selected {
                                self.model.clone_from(model);
                                picked = true;
                            }
                        }
                    });
            }
        }
        if ui.button(s.refresh_models).clicked() {
            commands.push(Command::ListModels { provider });
        }
        picked
    }

    /// Tells the core: a conversation remembers the choice at once; in a new chat a provider
    /// change makes it the active one (new chats start there), and the model goes with the
    /// first question.
    fn commit(&self, state: &UiState, provider_changed: bool, commands: &mut Vec<Command>) {
        let Some(choice) = self.choice(state) else {
            return;
        };
        match state.current {
            Some(conversation) => commands.push(Command::ChooseModel {
                conversation,
                choice,
            }),
            None if provider_changed => commands.push(Command::SetActiveProvider {
                name: choice.provider,
            }),
            None => {}
        }
    }
}
