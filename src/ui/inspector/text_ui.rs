//! The inspector's text beside the image: the lines as read, one clickable word each (only the
//! lines in view are laid out), low-confidence words marked, the hovered or selected word
//! highlighted; below, the field that corrects the selected word.

use super::doc::InspectorDoc;
use crate::ui::strings::Strings;
use crate::ui::theme;

/// What the text panel did this frame.
#[derive(Debug, Default)]
pub struct TextOutput {
    /// The pointer is over this word.
    pub hovered_word: Option<usize>,
    /// This word was clicked.
    pub clicked_word: Option<usize>,
}

/// The inputs of one text-panel frame.
pub struct TextFrame<'a> {
    /// The words.
    pub doc: &'a InspectorDoc,
    /// Words under this confidence are marked.
    pub threshold: f32,
    /// The selected word.
    pub selected: Option<usize>,
    /// The highlighted word (hovered here or on the image).
    pub highlight: Option<usize>,
    /// Scroll the selected word into view.
    pub scroll_to_selected: bool,
}

/// Draws the lines; only those in view are laid out.
pub fn words_ui(ui: &mut egui::Ui, s: &Strings, frame: &TextFrame<'_>) -> TextOutput {
    let mut output = TextOutput::default();
    ui.label(egui::RichText::new(s.insp_words).strong());
    let lines: Vec<_> = frame.doc.active_lines().collect();
    let row_height = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
    let mut scroll = egui::ScrollArea::both()
        .id_salt("inspector_words")
        .auto_shrink([false, true])
        .max_height(ui.available_height() * 0.6);
    if frame.scroll_to_selected
        && let Some(selected) = frame.selected
        && let Some(row) = lines.iter().position(|l| l.words.contains(&selected))
    {
        scroll = scroll.vertical_scroll_offset((row as f32 * row_height - 40.0).max(0.0));
    }
    scroll.show_rows(
        ui,
        row_height - ui.spacing().item_spacing.y,
        lines.len(),
        |ui, rows| {
            for line in &lines[rows] {
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 2.0;
                    for index in line.words.clone() {
                        let word = &frame.doc.words[index];
                        let mut text = egui::RichText::new(&word.text);
                        if word.confidence < frame.threshold {
                            let (stroke, _) = theme::ocr_word_box(word.confidence, true);
                            text = text.underline().color(stroke.color);
                        }
                        let on = frame.selected == Some(index) || frame.highlight == Some(index);
                        let response = ui
                            .add(egui::Button::selectable(on, text))
                            .on_hover_text(format!("{:.0}%", word.confidence));
                        if response.hovered() {
                            output.hovered_word = Some(index);
                        }
                        if response.clicked() {
                            output.clicked_word = Some(index);
                        }
                    }
                });
            }
        },
    );
    output
}
