//! The provider form (welcome screen and Settings) and the provider list.

use crate::core::{Command, KeyState, ProviderStatus};
use crate::llm::{ApiStyle, PRESETS, Preset, ProviderConfig};
use crate::secrets::ApiKey;

use super::model_settings_form::ModelSettingsForm;
use super::strings::Strings;
use super::theme;

/// The form's UI-local state: what the user is typing.
#[derive(Debug, Clone)]
pub struct ProviderForm {
    preset: &'static Preset,
    name: String,
    base_url: String,
    model: String,
    api_key: String,
    stream_usage: bool,
    api: ApiStyle,
    /// The provider being edited (its name before this edit).
    editing: Option<String>,
    key_stored: bool,
    error: Option<String>,
    /// Sent and waiting for the core to confirm.
    pub pending: Option<String>,
    /// Put the cursor in the first field to type (the key, when the preset needs one) when
    /// the form is next drawn.
    focus_pending: bool,
    /// Where "Test connection" stands.
    test: ConnectionTest,
    /// The saved provider being edited, so fields the form does not show are kept.
    base: Option<ProviderConfig>,
    /// Per-model settings (vision, context window, max tokens, temperature).
    model_settings: ModelSettingsForm,
    /// Key + secret mode: where the key and secret are exchanged for a token.
    token_url: String,
    /// The API secret as typed (goes to the keyring only).
    api_secret: String,
}

/// Where a form's "Test connection" stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ConnectionTest {
    /// Not asked.
    Idle,
    /// Sent; waiting for the answer.
    Waiting,
    /// What the request did, or why it failed.
    Answered(Result<String, String>),
}

impl Default for ProviderForm {
    fn default() -> Self {
        Self::from_preset(&PRESETS[0])
    }
}

impl ProviderForm {
    /// A new provider from a preset.
    pub fn from_preset(preset: &'static Preset) -> Self {
        Self {
            preset,
            name: preset.label.to_owned(),
            base_url: preset.base_url.to_owned(),
            model: preset.model.to_owned(),
            api_key: String::new(),
            stream_usage: preset.stream_usage,
            api: preset.api,
            editing: None,
            key_stored: false,
            error: None,
            pending: None,
            test: ConnectionTest::Idle,
            focus_pending: true,
            base: None,
            model_settings: ModelSettingsForm::default(),
            token_url: String::new(),
            api_secret: String::new(),
        }
    }

    /// Editing an existing provider.
    pub fn edit(status: &ProviderStatus) -> Self {
        let config = &status.config;
        let preset = config
            .preset
            .as_deref()
            .and_then(Preset::find)
            .unwrap_or(&PRESETS[PRESETS.len() - 1]);
        Self {
            preset,
            name: config.name.clone(),
            base_url: config.base_url.clone(),
            model: config.model.clone(),
            api_key: String::new(),
            stream_usage: config.stream_usage,
            api: config.api,
            editing: Some(config.name.clone()),
            key_stored: status.key == KeyState::Stored,
            error: None,
            pending: None,
            test: ConnectionTest::Idle,
            focus_pending: true,
            base: Some(config.clone()),
            model_settings: ModelSettingsForm::from_settings(&config.models),
            token_url: config.token_url.clone().unwrap_or_default(),
            api_secret: String::new(),
        }
    }

    /// Draws the form; returns the command to send when the user saves.
    pub fn ui(&mut self, ui: &mut egui::Ui, s: &Strings) -> Option<Command> {
        let mut command = None;
        if self.editing.is_none() {
            ui.horizontal_wrapped(|ui| {
                ui.label(s.preset);
                for preset in PRESETS {
                    let selected = self.preset.label == preset.label;
                    if ui.selectable_label(selected, preset.label).clicked() && !selected {
                        *self = Self::from_preset(preset);
                    }
                }
            });
            ui.add_space(6.0);
        }
        let mut rows = RowOutcome::default();
        egui::Grid::new("provider_form")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                let name_row = text_row(ui, s.name, &mut self.name, false, "");
                rows += name_row.clone();
                rows += text_row(ui, s.base_url, &mut self.base_url, false, "https://…/v1");
                rows += text_row(ui, s.model, &mut self.model, false, "");
                let hint = if !self.preset.needs_key {
                    s.api_key_not_needed
                } else if self.key_stored {
                    s.api_key_hint_stored
                } else {
                    s.api_key_hint_new
                };
                let key_row = text_row(ui, s.api_key, &mut self.api_key, true, hint);
                if std::mem::take(&mut self.focus_pending) {
                    // The preset filled the rest: the key is usually all there is to type.
                    let first = if self.preset.needs_key {
                        &key_row
                    } else {
                        &name_row
                    };
                    if let Some(field) = &first.response {
                        field.request_focus();
                    }
                }
                rows += key_row;
                rows += text_row(
                    ui,
                    s.token_url,
                    &mut self.token_url,
                    false,
                    "https://…/token",
                );
                if !self.token_url.trim().is_empty() {
                    let hint = if self.editing.is_some() {
                        s.api_secret_hint_stored
                    } else {
                        s.api_secret_hint_new
                    };
                    rows += text_row(ui, s.api_secret, &mut self.api_secret, true, hint);
                }
            });
        rows.changed |= self.model_settings.ui(ui, s, self.model.trim());
        if rows.changed && self.error.is_some() {
            // The error goes once the fields are right (or names what is still wrong).
            self.error = self.config(s).and_then(|c| c.validate()).err();
        }
        if let Some(error) = &self.error {
            ui.colored_label(theme::error_text(ui.visuals()), error);
        }
        ui.add_space(6.0);
        let busy = self.pending.is_some();
        let clicked = ui
            .add_enabled(!busy, egui::Button::new(s.save_provider))
            .clicked();
        if (clicked || rows.submitted) && !busy {
            command = self.submit(s);
        }
        if busy {
            ui.spinner();
        }
        let testing = matches!(self.test, ConnectionTest::Waiting);
        if ui
            .add_enabled(!testing, egui::Button::new(s.test_connection))
            .on_hover_text(s.test_connection_hint)
            .clicked()
        {
            command = command.or_else(|| self.test_command(s));
        }
        match &self.test {
            ConnectionTest::Waiting => {
                ui.spinner();
            }
            ConnectionTest::Answered(Ok(what)) => {
                ui.label(format!("{} — {what}", s.test_ok));
            }
            ConnectionTest::Answered(Err(why)) => {
                ui.colored_label(theme::error_text(ui.visuals()), why);
            }
            ConnectionTest::Idle => {}
        }
        command
    }

    /// The settings as typed, ready to test; the key typed stays in the form.
    fn test_command(&mut self, s: &Strings) -> Option<Command> {
        let config = self.checked_config(s)?;
        self.test = ConnectionTest::Waiting;
        Some(Command::TestProvider {
            provider: config,
            api_key: ApiKey::new(self.api_key.clone()),
        })
    }

    /// Shows the answer to this form's Test connection.
    pub fn tested(&mut self, name: &str, outcome: &Result<String, String>) {
        if matches!(self.test, ConnectionTest::Waiting) && name == self.name.trim() {
            self.test = ConnectionTest::Answered(outcome.clone());
        }
    }

    /// The provider the fields describe, over the saved one when editing (its timeouts,
    /// limits and anything else the form does not show are kept); why not, when a per-model
    /// setting is wrong.
    fn config(&self, s: &Strings) -> Result<ProviderConfig, String> {
        let mut config = self
            .base
            .clone()
            .unwrap_or_else(|| ProviderConfig::new("", "", ""));
        self.name.trim().clone_into(&mut config.name);
        self.base_url.trim().clone_into(&mut config.base_url);
        self.model.trim().clone_into(&mut config.model);
        config.stream_usage = self.stream_usage;
        config.api = self.api;
        if config.preset.is_none() || self.base.is_none() {
            config.preset = Some(self.preset.label.to_owned());
        }
        config.token_url = Some(self.token_url.trim().to_owned()).filter(|u| !u.is_empty());
        config.models = self.model_settings.settings(s)?;
        Ok(config)
    }

    /// The provider the fields describe, once every field is right; otherwise the form
    /// shows what to fix.
    fn checked_config(&mut self, s: &Strings) -> Option<ProviderConfig> {
        match self.config(s).and_then(|c| c.validate().map(|()| c)) {
            Ok(config) => {
                self.error = None;
                Some(config)
            }
            Err(message) => {
                self.error = Some(message);
                None
            }
        }
    }

    fn submit(&mut self, s: &Strings) -> Option<Command> {
        let config = self.checked_config(s)?;
        self.pending = Some(config.name.clone());
        // The key and secret leave the text buffers at once; only the keyring keeps them.
        let api_key = ApiKey::new(std::mem::take(&mut self.api_key));
        let api_secret = ApiKey::new(std::mem::take(&mut self.api_secret))
            .filter(|_| config.token_url.is_some());
        Some(Command::SaveProvider {
            provider: config,
            api_key,
            api_secret,
            previous_name: self.editing.clone(),
        })
    }

    /// Shows an error from the core (the save failed) and lets the user try again.
    pub fn failed(&mut self, message: &str) {
        self.pending = None;
        self.error = Some(message.to_owned());
    }
}

/// What the form's text rows saw this frame.
#[derive(Debug, Default, Clone)]
struct RowOutcome {
    /// The last row's field.
    response: Option<egui::Response>,
    /// A field's text changed.
    changed: bool,
    /// Enter was pressed in a field: save.
    submitted: bool,
}

impl std::ops::AddAssign for RowOutcome {
    fn add_assign(&mut self, other: Self) {
        self.changed |= other.changed;
        self.submitted |= other.submitted;
        self.response = other.response;
    }
}

fn text_row(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut String,
    password: bool,
    hint: &str,
) -> RowOutcome {
    let label = ui.label(label);
    let response = ui
        .add(
            egui::TextEdit::singleline(value)
                .password(password)
                .hint_text(hint)
                .desired_width(360.0),
        )
        .labelled_by(label.id);
    ui.end_row();
    RowOutcome {
        changed: response.changed(),
        // A single-line field gives up focus on Enter.
        submitted: response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)),
        response: Some(response),
    }
}

/// What a row of the provider list asks for.
#[derive(Debug)]
pub enum ProviderRowAction {
    /// Make it the active provider.
    Use(String),
    /// Open the form on it.
    Edit(Box<ProviderForm>),
    /// Ask, then remove it.
    Remove(String),
}

/// One row per provider with Use / Edit / Remove; returns what was pressed.
pub fn provider_list_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    providers: &[ProviderStatus],
    active: Option<&str>,
) -> Option<ProviderRowAction> {
    let mut action = None;
    for status in providers {
        let name = &status.config.name;
        ui.horizontal(|ui| {
            let is_active = active == Some(name.as_str());
            ui.strong(name);
            ui.label(
                egui::RichText::new(&status.config.model).color(theme::weak_text(ui.visuals())),
            );
            let (key_text, color) = match &status.key {
                KeyState::Stored => (s.key_stored, theme::weak_text(ui.visuals())),
                KeyState::Missing => (s.key_missing, theme::note_text(ui.visuals())),
                KeyState::Checking => (s.key_checking, theme::weak_text(ui.visuals())),
                KeyState::Unavailable(_) => (s.key_unavailable, theme::error_text(ui.visuals())),
            };
            let key_label = ui.label(egui::RichText::new(key_text).color(color));
            if let KeyState::Unavailable(why) = &status.key {
                key_label.on_hover_text(why);
            }
            if is_active {
                ui.label(egui::RichText::new(s.active).italics());
            } else if ui.button(s.use_provider).on_hover_text(name).clicked() {
                action = Some(ProviderRowAction::Use(name.clone()));
            }
            if ui.button(s.edit).on_hover_text(name).clicked() {
                action = Some(ProviderRowAction::Edit(Box::new(ProviderForm::edit(
                    status,
                ))));
            }
            if ui.button(s.remove).on_hover_text(name).clicked() {
                action = Some(ProviderRowAction::Remove(name.clone()));
            }
        });
    }
    action
}
