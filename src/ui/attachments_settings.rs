//! Attachment settings in the Settings window: the OCR language of new attachments, chosen
//! from the installed tesseract languages (and Chinese with English when both are there).
//! A chosen language that is not installed says which Debian package provides it.

use crate::core::{Command, OcrLanguages};

use super::strings::Strings;
use super::theme;

/// The OCR language choice; a change becomes `Command::SetOcrLanguage` (the core saves it
/// and reports back, so the shown choice is always the saved one).
pub fn ocr_language_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    languages: Option<&OcrLanguages>,
) -> Option<Command> {
    let languages = languages?;
    let automatic = s
        .ocr_language_automatic
        .replace("{langs}", &languages.automatic);
    let mut chosen = languages.chosen.clone();
    ui.horizontal(|ui| {
        let label = ui.label(s.ocr_language);
        egui::ComboBox::from_id_salt("ocr_language")
            .selected_text(chosen.clone().unwrap_or_else(|| automatic.clone()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen, None, &automatic);
                for option in choices(&languages.installed) {
                    let text = option.clone();
                    ui.selectable_value(&mut chosen, Some(option), text);
                }
            })
            .response
            .on_hover_text(s.ocr_language_hint)
            .labelled_by(label.id);
    });
    if let Some(problem) = &languages.problem {
        ui.add(
            egui::Label::new(egui::RichText::new(problem).color(theme::error_text(ui.visuals())))
                .wrap(),
        );
    }
    (chosen != languages.chosen).then_some(Command::SetOcrLanguage { language: chosen })
}

/// The prompt templates, one per language, editable; Save checks and keeps one (the core
/// refuses a template with an error, naming the line), Reset goes back to the built-in one.
pub fn prompt_templates_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    templates: &crate::prompt::PromptTemplates,
) -> Option<Command> {
    let mut command = None;
    egui::CollapsingHeader::new(s.prompt_templates)
        .id_salt("prompt_templates")
        .show(ui, |ui| {
            for (language, title) in [("zh", s.template_zh), ("en", s.template_en)] {
                let saved = templates.source(language);
                // A new saved text (saved, reset) starts a fresh draft.
                let id = egui::Id::unique(("prompt_template", language, saved));
                let mut draft = ui.data_mut(|d| {
                    d.get_temp_mut_or_insert_with(id, || saved.to_owned())
                        .clone()
                });
                let label = ui.label(title);
                ui.add(
                    egui::TextEdit::multiline(&mut draft)
                        .code_editor()
                        .desired_rows(6)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
                ui.horizontal(|ui| {
                    let changed = draft != saved;
                    if ui
                        .add_enabled(changed, egui::Button::new(s.template_save))
                        .clicked()
                    {
                        command = Some(Command::SetPromptTemplate {
                            language: language.to_owned(),
                            source: Some(draft.clone()),
                        });
                    }
                    let custom = match language {
                        "zh" => templates.zh.is_some(),
                        _ => templates.en.is_some(),
                    };
                    if ui
                        .add_enabled(custom, egui::Button::new(s.template_reset))
                        .clicked()
                    {
                        // The saved text changes, and with it the draft's id: a fresh draft.
                        command = Some(Command::SetPromptTemplate {
                            language: language.to_owned(),
                            source: None,
                        });
                    }
                });
                ui.data_mut(|d| d.insert_temp(id, draft));
            }
        });
    command
}

/// The lists offered: `chi_sim+eng` when both are installed, then each installed language.
fn choices(installed: &[String]) -> Vec<String> {
    let has = |code: &str| installed.iter().any(|c| c == code);
    let both = (has("chi_sim") && has("eng")).then(|| "chi_sim+eng".to_owned());
    both.into_iter().chain(installed.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn chinese_with_english_is_offered_when_both_are_installed() {
        let installed = ["chi_sim".to_owned(), "eng".to_owned(), "fra".to_owned()];
        assert_eq!(
            super::choices(&installed),
            ["chi_sim+eng", "chi_sim", "eng", "fra"]
        );
        assert_eq!(super::choices(&installed[1..]), ["eng", "fra"]);
    }
}
