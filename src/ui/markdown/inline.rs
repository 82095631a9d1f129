//! Styled spans → one egui `LayoutJob` per paragraph, so mixed bold, italic, code and link
//! text shares one baseline and wraps as one text. Links are hit-tested on the laid-out galley
//! and each gets an accessible link node.

use std::ops::Range;
use std::sync::Arc;

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontFamily, FontId, Galley, Pos2, Rect, Stroke};

use super::blocks::Inlines;
use crate::ui::fonts::bold_family;
use crate::ui::theme::Palette;

/// The base look of a run of text (a paragraph, a heading, a table cell).
#[derive(Debug, Clone, Copy)]
pub struct Tone {
    /// Font size in points.
    pub size: f32,
    /// Text colour of unstyled spans.
    pub color: Color32,
    /// Everything bold (headings, table headers).
    pub bold: bool,
}

/// A paragraph's layout job and where its links are (char ranges in the job's text).
pub struct InlineJob {
    /// The text with its formats.
    pub job: LayoutJob,
    /// Char range and target of each link.
    pub links: Vec<(Range<usize>, String)>,
}

/// Builds the layout job of `inlines`. `has_bold` says whether the bold family is installed.
pub fn inline_job(inlines: &Inlines, tone: Tone, palette: &Palette, has_bold: bool) -> InlineJob {
    let mut job = LayoutJob::default();
    let mut links = Vec::new();
    let mut chars = 0;
    for span in &inlines.spans {
        let bold = (tone.bold || span.style.bold) && has_bold;
        let font_id = if span.style.code {
            FontId::new(tone.size * 0.92, FontFamily::Monospace)
        } else if bold {
            FontId::new(tone.size, bold_family())
        } else {
            FontId::new(tone.size, FontFamily::Proportional)
        };
        let color = if span.link.is_some() {
            palette.link_text
        } else if span.style.code {
            palette.code_text
        } else {
            tone.color
        };
        let format = TextFormat {
            font_id,
            color,
            italics: span.style.italic,
            background: if span.style.code {
                palette.code_bg
            } else {
                Color32::TRANSPARENT
            },
            strikethrough: if span.style.strike {
                Stroke::new(1.0, color)
            } else {
                Stroke::NONE
            },
            underline: if span.link.is_some() {
                Stroke::new(1.0, color)
            } else {
                Stroke::NONE
            },
            ..TextFormat::default()
        };
        job.append(&span.text, 0.0, format);
        let len = span.text.chars().count();
        if let Some(url) = &span.link {
            links.push((chars..chars + len, url.clone()));
        }
        chars += len;
    }
    InlineJob { job, links }
}

/// The rectangles (one per row it spans) that a char range covers in a galley at `origin`.
pub fn char_range_rects(galley: &Galley, origin: Pos2, range: &Range<usize>) -> Vec<Rect> {
    let mut rects = Vec::new();
    let mut index = 0;
    for placed in &galley.rows {
        let mut row_rect: Option<Rect> = None;
        for glyph in &placed.row.glyphs {
            if range.contains(&index) {
                let min = origin + placed.pos.to_vec2() + egui::vec2(glyph.pos.x, 0.0);
                let rect =
                    Rect::from_min_size(min, egui::vec2(glyph.advance_width, placed.row.size.y));
                row_rect = Some(row_rect.map_or(rect, |r| r.union(rect)));
            }
            index += 1;
        }
        if placed.ends_with_newline {
            index += 1;
        }
        rects.extend(row_rect);
    }
    rects
}

/// Makes the links of a galley drawn at `origin` clickable (opening `http`, `https` and
/// `mailto` targets in the system browser) and accessible as link nodes.
pub fn links_ui(
    ui: &egui::Ui,
    id: egui::Id,
    galley: &Arc<Galley>,
    origin: Pos2,
    links: &[(Range<usize>, String)],
) {
    for (index, (range, url)) in links.iter().enumerate() {
        let rects = char_range_rects(galley, origin, range);
        let Some(first) = rects.first().copied() else {
            continue;
        };
        let text: String = galley
            .text()
            .chars()
            .skip(range.start)
            .take(range.len())
            .collect();
        let id = id.with(("link", index));
        let mut response = ui.interact(first, id, egui::Sense::click());
        for (row, rect) in rects.iter().enumerate().skip(1) {
            response = response.union(ui.interact(*rect, id.with(row), egui::Sense::click()));
        }
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Link, true, &text));
        let response = response.on_hover_cursor(egui::CursorIcon::PointingHand);
        let response = response.on_hover_text_at_pointer(url);
        if response.clicked() {
            ui.ctx().open_url(egui::OpenUrl::new_tab(url));
        }
    }
}
