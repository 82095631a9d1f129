//! The provider form's per-model settings: for each model the user names, whether it sees
//! images, its context window, max tokens and temperature. Empty fields keep the model's
//! known defaults; the rows become `ProviderConfig::models` when the form is saved.

use crate::llm::{ModelSettings, Temperature};

use super::strings::Strings;

/// The rows as typed.
#[derive(Debug, Clone, Default)]
pub struct ModelSettingsForm {
    rows: Vec<ModelRow>,
}

/// One model's settings as typed (numbers stay text until saved).
#[derive(Debug, Clone, Default)]
struct ModelRow {
    name: String,
    vision: Option<bool>,
    context_window: String,
    max_tokens: String,
    temperature: String,
}

impl ModelSettingsForm {
    /// The rows of a saved provider.
    pub fn from_settings(models: &[ModelSettings]) -> Self {
        let text = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        Self {
            rows: models
                .iter()
                .map(|m| ModelRow {
                    name: m.name.clone(),
                    vision: m.vision,
                    context_window: text(m.context_window),
                    max_tokens: text(m.max_tokens),
                    temperature: m
                        .temperature
                        .map(|t| t.get().to_string())
                        .unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// The settings to save (rows with nothing set are left out).
    ///
    /// # Errors
    /// The field to fix, in words.
    pub fn settings(&self, s: &Strings) -> Result<Vec<ModelSettings>, String> {
        let mut out = Vec::new();
        for row in &self.rows {
            let name = row.name.trim();
            let count = |text: &str, field: &str| -> Result<Option<u32>, String> {
                let text = text.trim();
                if text.is_empty() {
                    return Ok(None);
                }
                text.parse::<u32>()
                    .ok()
                    .filter(|&n| n > 0)
                    .map(Some)
                    .ok_or_else(|| {
                        s.model_setting_not_a_count
                            .replace("{field}", field)
                            .replace("{model}", name)
                    })
            };
            let temperature = match row.temperature.trim() {
                "" => None,
                text => Some(
                    text.parse::<f32>()
                        .ok()
                        .and_then(|t| Temperature::try_from(t).ok())
                        .ok_or_else(|| s.model_setting_bad_temperature.replace("{model}", name))?,
                ),
            };
            let settings = ModelSettings {
                name: name.to_owned(),
                vision: row.vision,
                context_window: count(&row.context_window, s.context_window)?,
                max_tokens: count(&row.max_tokens, s.max_tokens)?,
                temperature,
            };
            if settings.is_empty() {
                continue;
            }
            if name.is_empty() {
                return Err(s.model_setting_no_name.to_owned());
            }
            out.push(settings);
        }
        Ok(out)
    }

    /// Draws the rows, their Remove buttons and "Add model" (a new row starts with
    /// `default_model`); returns whether anything changed.
    pub fn ui(&mut self, ui: &mut egui::Ui, s: &Strings, default_model: &str) -> bool {
        let mut changed = false;
        egui::CollapsingHeader::new(s.model_settings)
            .default_open(!self.rows.is_empty())
            .show(ui, |ui| {
                ui.label(egui::RichText::new(s.model_settings_hint).small());
                let mut remove = None;
                egui::Grid::new("model_settings")
                    .num_columns(6)
                    .spacing([8.0, 6.0])
                    .show(ui, |ui| {
                        let headers = [
                            ui.label(s.settings_model).id,
                            ui.label(s.vision).id,
                            ui.label(s.context_window).id,
                            ui.label(s.max_tokens).id,
                            ui.label(s.temperature).id,
                        ];
                        ui.end_row();
                        for (index, row) in self.rows.iter_mut().enumerate() {
                            changed |= row_ui(ui, s, index, row, headers);
                            if ui.small_button(s.remove_model).clicked() {
                                remove = Some(index);
                            }
                            ui.end_row();
                        }
                    });
                if let Some(index) = remove {
                    self.rows.remove(index);
                    changed = true;
                }
                if ui.button(s.add_model).clicked() {
                    let taken = self.rows.iter().any(|r| r.name.trim() == default_model);
                    self.rows.push(ModelRow {
                        name: if taken {
                            String::new()
                        } else {
                            default_model.to_owned()
                        },
                        ..ModelRow::default()
                    });
                    changed = true;
                }
            });
        changed
    }
}

/// One row's fields, each named by its column's header.
fn row_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    index: usize,
    row: &mut ModelRow,
    headers: [egui::Id; 5],
) -> bool {
    let field = |ui: &mut egui::Ui, text: &mut String, width: f32, header: egui::Id| {
        ui.add(egui::TextEdit::singleline(text).desired_width(width))
            .labelled_by(header)
            .changed()
    };
    let mut changed = field(ui, &mut row.name, 160.0, headers[0]);
    let shown = match row.vision {
        None => s.use_default,
        Some(true) => s.yes,
        Some(false) => s.no,
    };
    egui::ComboBox::from_id_salt(("model_vision", index))
        .selected_text(shown)
        .show_ui(ui, |ui| {
            for (value, text) in [
                (None, s.use_default),
                (Some(true), s.yes),
                (Some(false), s.no),
            ] {
                if ui.selectable_label(row.vision == value, text).clicked() {
                    changed |= row.vision != value;
                    row.vision = value;
                }
            }
        })
        .response
        .labelled_by(headers[1]);
    changed |= field(ui, &mut row.context_window, 80.0, headers[2]);
    changed |= field(ui, &mut row.max_tokens, 70.0, headers[3]);
    changed |= field(ui, &mut row.temperature, 50.0, headers[4]);
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::strings::Lang;

    #[test]
    fn typed_rows_become_settings_and_bad_numbers_name_the_field() {
        let s = Lang::En.strings();
        let mut form = ModelSettingsForm::default();
        form.rows.push(ModelRow {
            name: " gpt-4o ".into(),
            vision: Some(true),
            context_window: "128000".into(),
            max_tokens: "1024".into(),
            temperature: "0.7".into(),
        });
        form.rows.push(ModelRow {
            name: "untouched".into(),
            ..ModelRow::default()
        });
        let saved = form.settings(s).unwrap();
        assert_eq!(saved.len(), 1, "a row with nothing set is left out");
        assert_eq!(saved[0].name, "gpt-4o");
        assert_eq!(saved[0].vision, Some(true));
        assert_eq!(saved[0].context_window, Some(128_000));
        assert_eq!(saved[0].max_tokens, Some(1024));
        assert_eq!(saved[0].temperature.map(Temperature::get), Some(0.7));
        assert_eq!(
            ModelSettingsForm::from_settings(&saved)
                .settings(s)
                .unwrap(),
            saved
        );

        form.rows[0].temperature = "3".into();
        assert!(form.settings(s).unwrap_err().contains("between 0 and 2"));
        form.rows[0].temperature = String::new();
        form.rows[0].max_tokens = "lots".into();
        let err = form.settings(s).unwrap_err();
        assert!(
            err.contains("Max tokens") && err.contains("gpt-4o"),
            "{err}"
        );
    }
}
