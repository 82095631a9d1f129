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
