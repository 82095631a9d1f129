//! A fenced code block: a header row with the language and a Copy code button (never over the
//! code), then the highlighted code, selectable, scrolling sideways when lines are long.

use std::sync::Arc;

use egui::{Galley, Id, TextBuffer, Ui};
use egui_extras::syntax_highlighting::{CodeTheme, highlight};

use super::render::RenderCx;
use crate::ui::theme;

/// Draws one code block.
pub fn code_block_ui(ui: &mut Ui, cx: &RenderCx<'_>, id: Id, language: &str, code: &str) {
    let p = cx.palette;
    egui::Frame::new()
        .fill(p.code_bg)
        .stroke(egui::Stroke::new(1.0, p.line))
        .corner_radius(theme::MD_CODE_RADIUS)
        .inner_margin(theme::MD_CODE_MARGIN)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.spacing_mut().item_spacing.y = 6.0;
            ui.horizontal(|ui| {
                let label = if language.is_empty() {
                    "text"
                } else {
                    language
                };
                ui.label(
                    egui::RichText::new(label)
                        .size(cx.body_size * 0.85)
                        .color(p.weak_text),
                );
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui
                        .small_button(cx.strings.copy_code)
                        .on_hover_text(cx.strings.copy_code_hint)
                        .clicked()
                    {
                        ui.ctx().copy_text(code.to_owned());
                    }
                });
            });
            egui::ScrollArea::horizontal()
                .id_salt(id.with("code"))
                .auto_shrink([false, true])
                .show(ui, |ui| code_text_ui(ui, cx, language, code));
        });
}

/// The code as a read-only, selectable text area with syntax colours that meet 4.5:1 on the
/// code background.
fn code_text_ui(ui: &mut Ui, cx: &RenderCx<'_>, language: &str, code: &str) {
    let code_bg = cx.palette.code_bg;
    let code_text = cx.palette.code_text;
    let size = cx.body_size * 0.92;
    let mut layouter = |ui: &Ui, text: &dyn TextBuffer, _wrap_width: f32| -> Arc<Galley> {
        let style = ui.style();
        let mut job = highlight(
            ui.ctx(),
            style,
            &CodeTheme::from_style(style),
            text.as_str(),
            language,
        );
        // One section is egui_extras' fallback for a language it does not know: plain text.
        let plain = job.sections.len() == 1;
        for section in &mut job.sections {
            section.format.color = if plain {
                code_text
            } else {
                theme::readable_on(section.format.color, code_bg)
            };
            section.format.font_id.size = size;
            section.format.background = egui::Color32::TRANSPARENT;
        }
        // Long lines scroll sideways instead of wrapping.
        job.wrap.max_width = f32::INFINITY;
        super::highlight::mark_job(ui.ctx(), ui.visuals(), &mut job);
        ui.fonts_mut(|f| f.layout_job(job))
    };
    let mut text = code;
    ui.add(
        egui::TextEdit::multiline(&mut text)
            .code_editor()
            .frame(egui::Frame::NONE)
            .margin(egui::Margin::ZERO)
            .background_color(egui::Color32::TRANSPARENT)
            .desired_rows(1)
            .desired_width(f32::INFINITY)
            .layouter(&mut layouter),
    );
}
