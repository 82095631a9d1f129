//! The inspector's toolbar: Fit / 100%, the confidence threshold and the count of words under
//! it, the region tool and how regions combine, turning and re-reading in another language,
//! copying and saving the text.

use super::Open;
use super::doc::RegionMode;
use crate::core::{Command, InspectRequest};
use crate::ui::strings::Strings;

impl Open {
    /// The toolbar; true when Close was pressed.
    pub(super) fn toolbar_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        commands: &mut Vec<Command>,
    ) -> bool {
        let mut close = false;
        ui.horizontal_wrapped(|ui| {
            close = ui.button(s.insp_close).clicked();
            if ui.button(s.insp_fit).clicked() {
                self.canvas.view.fit_pending = true;
            }
            if ui.button(s.insp_actual).clicked() {
                let ppp = ui.ctx().pixels_per_point();
                self.canvas.view.actual_size(self.canvas.rect, ppp);
            }
            ui.label(format!("{:.0}%", self.canvas.view.zoom * 100.0));
            ui.separator();
            let label = ui.label(s.insp_threshold);
            ui.add(egui::Slider::new(&mut self.threshold, 0.0..=100.0).suffix("%"))
                .labelled_by(label.id);
            let low = self.doc.low_confidence(self.threshold).count();
            let count = s
                .insp_low_count
                .replace("{n}", &low.to_string())
                .replace("{t}", &format!("{:.0}", self.threshold));
            ui.label(egui::RichText::new(count).strong());
        });
        ui.horizontal_wrapped(|ui| {
            if !self.read_only() {
                self.edit_tools_ui(ui, s, commands);
                ui.separator();
            }
            if ui.button(s.insp_copy).clicked() {
                let text = self.sent_text.clone().unwrap_or_else(|| self.doc.text());
                ui.ctx().copy_text(text);
            }
            let selected = self.selected.and_then(|w| self.doc.words.get(w));
            if ui
                .add_enabled(selected.is_some(), egui::Button::new(s.insp_copy_selection))
                .clicked()
                && let Some(word) = selected
            {
                ui.ctx().copy_text(word.text.clone());
            }
            ui.separator();
            let label = ui.label(s.insp_save_path);
            ui.add(egui::TextEdit::singleline(&mut self.save_path).desired_width(220.0))
                .labelled_by(label.id);
            if ui.button(s.insp_save).clicked() && !self.save_path.trim().is_empty() {
                let text = self.sent_text.clone().unwrap_or_else(|| self.doc.text());
                commands.push(Command::Inspect(InspectRequest::SaveText {
                    path: self.save_path.trim().into(),
                    text,
                }));
            }
        });
        close
    }

    fn edit_tools_ui(&mut self, ui: &mut egui::Ui, s: &Strings, commands: &mut Vec<Command>) {
        ui.toggle_value(&mut self.region_tool, s.insp_region_tool);
        ui.selectable_value(
            &mut self.doc.mode,
            RegionMode::Replace,
            s.insp_region_replace,
        );
        ui.selectable_value(&mut self.doc.mode, RegionMode::Add, s.insp_region_add);
        ui.separator();
        let Some(id) = self.composer_id() else {
            return;
        };
        let mut turns = None;
        if ui.button(s.insp_rotate_left).clicked() {
            turns = Some(3);
        }
        if ui.button(s.insp_rotate_right).clicked() {
            turns = Some(1);
        }
        let label = ui.label(s.insp_language);
        egui::ComboBox::from_id_salt("inspector_language")
            .selected_text(&self.language)
            .show_ui(ui, |ui| {
                for language in &self.languages {
                    ui.selectable_value(&mut self.language, language.clone(), language);
                }
            })
            .response
            .labelled_by(label.id);
        if ui.button(s.insp_reread).clicked() {
            turns = Some(0);
        }
        if self.reading {
            ui.spinner();
            ui.label(s.insp_reading);
        } else if let Some(quarter_turns) = turns {
            self.reading = true;
            commands.push(Command::Inspect(InspectRequest::Reread {
                id,
                quarter_turns,
                language: self.language.clone(),
            }));
        }
    }
}
