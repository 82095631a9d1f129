//! The App's panels and windows: error notices, the `.env` offer, the welcome screen,
//! Settings, About and the provider picker.

use crate::core::Command;

use super::super::providers::{ProviderForm, ProviderRowAction, provider_list_ui};
use super::super::state::UiState;
use super::super::theme;
use super::{App, DISMISS_GLYPH};
use crate::ui::dialogs::Dialog;

impl App {
    pub(super) fn errors_ui(&mut self, ui: &mut egui::Ui) {
        let s = self.strings();
        let mut dismissed = None;
        for (index, error) in self.state.errors.iter().enumerate() {
            ui.horizontal(|ui| {
                if ui
                    .small_button(DISMISS_GLYPH)
                    .on_hover_text(s.dismiss)
                    .clicked()
                {
                    dismissed = Some(index);
                }
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(error).color(theme::error_text(ui.visuals())),
                    )
                    .wrap(),
                );
            });
        }
        if let Some(index) = dismissed {
            self.state.errors.remove(index);
        }
    }

    pub(super) fn dotenv_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let s = self.strings();
        let Some(offer) = &self.state.dotenv_offer else {
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(s.dotenv_found);
            let endpoint = offer.endpoint.as_deref().unwrap_or(s.dotenv_no_endpoint);
            let model = offer.model.as_deref().unwrap_or(s.dotenv_no_model);
            let key = if offer.has_key {
                s.dotenv_has_key
            } else {
                s.dotenv_no_key
            };
            ui.monospace(format!("{endpoint} · {model} · {key}"));
            if ui.button(s.import).clicked() {
                commands.push(Command::ImportDotenv {
                    name: unique_name(&self.state, ".env"),
                });
            }
            if ui.button(s.dismiss).clicked() {
                commands.push(Command::DismissDotenv);
            }
        });
        ui.separator();
    }

    /// After a `.env` import: the plaintext key is still in the file; offer to remove it.
    pub(super) fn dotenv_key_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let s = self.strings();
        let Some(path) = &self.state.dotenv_key_left else {
            return;
        };
        let mut dismissed = false;
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(theme::note_text(ui.visuals()), s.dotenv_key_left);
            ui.monospace(path.display().to_string());
            if ui.button(s.remove_key_line).clicked() {
                commands.push(Command::RemoveDotenvKey);
            }
            dismissed = ui.button(s.dismiss).clicked();
        });
        if dismissed {
            self.state.dotenv_key_left = None;
        }
    }

    pub(super) fn welcome_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let s = self.strings();
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.add_space(24.0);
            ui.heading(s.welcome_title);
            ui.label(s.welcome_body);
            ui.add_space(12.0);
            self.dotenv_ui(ui, commands);
            let form = self.form.get_or_insert_with(ProviderForm::default);
            if let Some(command) = form.ui(ui, s) {
                commands.push(command);
            }
        });
    }

    pub(super) fn settings_window(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let s = self.strings();
        let mut open = self.settings_open;
        egui::Window::new(s.providers)
            .open(&mut open)
            .default_width(560.0)
            .collapsible(false)
            .show(ctx, |ui| {
                commands.extend(super::theme_switch_ui(ui, s, self.state.theme));
                let languages = self.state.ocr_languages.as_ref();
                commands.extend(crate::ui::attachments_settings::ocr_language_ui(
                    ui, s, languages,
                ));
                let templates = &self.state.prompt_templates;
                commands.extend(crate::ui::attachments_settings::prompt_templates_ui(
                    ui, s, templates,
                ));
                ui.separator();
                commands.extend(self.capture.settings_ui(ui, s, &self.state.capture));
                ui.separator();
                match provider_list_ui(
                    ui,
                    s,
                    &self.state.providers,
                    self.state.active_provider.as_deref(),
                ) {
                    Some(ProviderRowAction::Use(name)) => {
                        commands.push(Command::SetActiveProvider { name });
                    }
                    Some(ProviderRowAction::Edit(form)) => self.form = Some(*form),
                    Some(ProviderRowAction::Remove(name)) => {
                        self.dialog = Some(Dialog::RemoveProvider { name });
                    }
                    None => {}
                }
                ui.separator();
                match self.form.as_mut() {
                    Some(form) => {
                        if let Some(command) = form.ui(ui, s) {
                            commands.push(command);
                        }
                        if ui.button(s.cancel).clicked() {
                            self.form = None;
                        }
                    }
                    None => {
                        if ui.button(s.add_provider).clicked() {
                            self.form = Some(ProviderForm::default());
                        }
                    }
                }
            });
        self.settings_open = open;
    }

    pub(super) fn about_window(&mut self, ctx: &egui::Context) {
        let s = self.strings();
        egui::Window::new(s.about.trim_end_matches('…'))
            .open(&mut self.about_open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.heading("ocrchat");
                ui.label(s.version.replace("{version}", crate::VERSION));
                ui.label(s.about_body);
            });
    }
}

/// `base`, or `base 2`, `base 3`… — the first name no provider has.
fn unique_name(state: &UiState, base: &str) -> String {
    let taken = |name: &str| state.providers.iter().any(|p| p.config.name == name);
    if !taken(base) {
        return base.to_owned();
    }
    (2..=u32::MAX)
        .map(|n| format!("{base} {n}"))
        .find(|name| !taken(name))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::DISMISS_GLYPH;

    #[test]
    fn the_dismiss_glyph_is_in_eguis_own_fonts() {
        // Without a CJK font installed, egui's bundled fonts are all the window has.
        let ctx = egui::Context::default();
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        output.textures_delta.clear();
        let font = egui::FontId::proportional(12.0);
        let has = |glyph: &str| ctx.fonts_mut(|fonts| fonts.has_glyphs(&font, glyph));
        assert!(
            has(DISMISS_GLYPH),
            "{DISMISS_GLYPH:?} has no glyph in egui's default fonts"
        );
        assert!(
            !has("✕"),
            "the glyph used before (issue 9) is missing: the test can tell"
        );
    }
}
