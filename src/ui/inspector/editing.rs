//! Editing in the inspector: the text panel beside the image, correcting the selected word
//! (the composer attachment's text follows), and Tab / Shift+Tab through low-confidence words.

use super::{Open, text_ui};
use crate::ui::attachments::ComposerAttachments;
use crate::ui::strings::Strings;

impl Open {
    /// The words, the correction field and (read-only) the text that was sent.
    pub(super) fn side_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        attachments: &mut ComposerAttachments,
    ) -> text_ui::TextOutput {
        let out = text_ui::words_ui(
            ui,
            s,
            &text_ui::TextFrame {
                doc: &self.doc,
                threshold: self.threshold,
                selected: self.selected,
                highlight: self.hovered,
                scroll_to_selected: std::mem::take(&mut self.scroll_to_selected),
            },
        );
        ui.separator();
        if let Some(sent) = &self.sent_text {
            ui.label(egui::RichText::new(s.insp_read_only).strong());
            let label = ui.label(s.insp_sent_text);
            egui::ScrollArea::vertical()
                .id_salt("inspector_sent_text")
                .show(ui, |ui| {
                    ui.add(egui::Label::new(sent).selectable(true))
                        .labelled_by(label.id);
                });
            return out;
        }
        if let Some(selected) = self.selected {
            self.correction_ui(ui, s, selected, attachments);
        }
        ui.label(
            egui::RichText::new(s.insp_step_hint).color(crate::ui::theme::weak_text(ui.visuals())),
        );
        out
    }

    fn correction_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        selected: usize,
        attachments: &mut ComposerAttachments,
    ) {
        let mut apply = false;
        ui.horizontal(|ui| {
            let label = ui.label(s.insp_correction);
            let field = ui
                .add(egui::TextEdit::singleline(&mut self.correction).desired_width(160.0))
                .labelled_by(label.id);
            if std::mem::take(&mut self.focus_correction) {
                field.request_focus();
            }
            apply = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            apply |= ui.button(s.insp_apply).clicked();
        });
        let Some(word) = self.doc.words.get(selected) else {
            return;
        };
        if apply && self.correction.trim() != word.text && !self.correction.trim().is_empty() {
            let before = self.doc.text();
            let old = word.text.clone();
            self.doc.correct(selected, &self.correction);
            let new = self.doc.words[selected].text.clone();
            self.sync_composer(attachments, &before, Some((&old, &new)));
        }
    }

    pub(super) fn select(&mut self, word: Option<usize>, scroll_text: bool) {
        self.selected = word;
        if let Some(word) = word.and_then(|w| self.doc.words.get(w)) {
            self.correction.clone_from(&word.text);
            self.scroll_to_selected = scroll_text;
        }
    }

    /// Tab / Shift+Tab select the next / previous low-confidence word and show its box.
    pub(super) fn step_keys(&mut self, ctx: &egui::Context) {
        // Shift+Tab first: a plain-Tab match ignores Shift.
        let (previous, next) = ctx.input_mut(|i| {
            let previous = i.consume_key(egui::Modifiers::SHIFT, egui::Key::Tab);
            (
                previous,
                i.consume_key(egui::Modifiers::NONE, egui::Key::Tab),
            )
        });
        if !(next || previous) {
            return;
        }
        let word = self.doc.step_low(self.threshold, self.selected, previous);
        self.select(word, true);
        self.focus_correction = word.is_some() && !self.read_only();
        if let Some(b) = word.map(|w| self.doc.words[w].bbox) {
            let centre = egui::pos2(
                b.left as f32 + b.width as f32 / 2.0,
                b.top as f32 + b.height as f32 / 2.0,
            );
            let rect = self.canvas.rect;
            if !self.canvas.view.visible(rect).contains(centre) {
                self.canvas.view.origin = centre - rect.size() / 2.0 / self.canvas.view.zoom;
            }
        }
    }

    /// The composer attachment's text follows the doc: replaced whole when it still matches
    /// the doc's text before the change, else (the person edited it in the composer) only the
    /// corrected word's first occurrence.
    pub(super) fn sync_composer(
        &self,
        attachments: &mut ComposerAttachments,
        before: &str,
        word: Option<(&str, &str)>,
    ) {
        let Some(id) = self.composer_id() else {
            return;
        };
        let Some(item) = attachments.items.iter_mut().find(|i| i.id == id) else {
            return;
        };
        match word {
            Some((old, new)) if item.text != before => {
                item.text = item.text.replacen(old, new, 1);
            }
            _ => item.text = self.doc.text(),
        }
    }
}
