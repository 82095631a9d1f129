//! Draws parsed blocks: paragraphs and headings as single galleys, lists with their markers on
//! the first line's baseline, block quotes with a bar. Code blocks and tables have their own
//! files.

use egui::{Color32, FontFamily, FontId, Id, Label, Sense, Stroke, Ui, vec2};

use super::blocks::{Block, Inlines, ListItem, Marker};
use super::inline::{Tone, inline_job, links_ui};
use super::{code, table};
use crate::ui::strings::Strings;
use crate::ui::theme::{self, Palette};

/// What every block needs to draw itself.
pub struct RenderCx<'a> {
    /// The theme's colours.
    pub palette: &'static Palette,
    /// Whether the bold font family is installed.
    pub has_bold: bool,
    /// Body text size in points.
    pub body_size: f32,
    /// The interface strings (code block buttons).
    pub strings: &'a Strings,
}

impl<'a> RenderCx<'a> {
    /// The context for drawing into `ui`.
    pub fn new(ui: &Ui, has_bold: bool, strings: &'a Strings) -> Self {
        Self {
            palette: theme::palette(ui.visuals()),
            has_bold,
            body_size: egui::TextStyle::Body.resolve(ui.style()).size,
            strings,
        }
    }

    /// The tone of body text in `color`.
    pub fn body(&self, color: Color32) -> Tone {
        Tone {
            size: self.body_size,
            color,
            bold: false,
        }
    }
}

/// Draws blocks top to bottom with a gap between them; `color` is the text colour (quotes use
/// a weaker one).
pub fn blocks_ui(ui: &mut Ui, cx: &RenderCx<'_>, id: Id, blocks: &[Block], color: Color32) {
    ui.spacing_mut().item_spacing.y = 0.0;
    for (index, block) in blocks.iter().enumerate() {
        if index > 0 {
            let gap = match block {
                Block::Heading { .. } => theme::MD_BLOCK_GAP * 1.75,
                _ => theme::MD_BLOCK_GAP,
            };
            ui.add_space(gap);
        }
        block_ui(ui, cx, id.with(index), block, color);
    }
}

fn block_ui(ui: &mut Ui, cx: &RenderCx<'_>, id: Id, block: &Block, color: Color32) {
    match block {
        Block::Paragraph(inlines) => text_ui(ui, cx, id, inlines, cx.body(color)),
        Block::Heading { level, text } => {
            let scale = theme::MD_HEADING_SCALE[usize::from(level.clamp(&1, &6) - 1)];
            let tone = Tone {
                size: cx.body_size * scale,
                color: cx.palette.heading_text,
                bold: true,
            };
            text_ui(ui, cx, id, text, tone);
        }
        Block::List(items) => list_ui(ui, cx, id, items, color, 0),
        Block::Code { language, code } => code::code_block_ui(ui, cx, id, language, code),
        Block::Table(t) => table::table_ui(ui, cx, id, t),
        Block::Quote(blocks) => quote_ui(ui, cx, id, blocks),
        Block::Rule => {
            let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), 9.0), Sense::hover());
            ui.painter().hline(
                rect.x_range(),
                rect.center().y,
                Stroke::new(1.0, cx.palette.line),
            );
        }
    }
}

/// One galley of styled text, selectable, with clickable links.
pub fn text_ui(ui: &mut Ui, cx: &RenderCx<'_>, id: Id, inlines: &Inlines, tone: Tone) {
    let mut inline = inline_job(inlines, tone, cx.palette, cx.has_bold);
    inline.job.wrap.max_width = ui.available_width();
    super::highlight::mark_job(ui.ctx(), ui.visuals(), &mut inline.job);
    let galley = ui.fonts_mut(|f| f.layout_job(inline.job));
    let response = ui.add(Label::new(galley.clone()).selectable(true));
    links_ui(ui, id, &galley, response.rect.min, &inline.links);
}

fn list_ui(
    ui: &mut Ui,
    cx: &RenderCx<'_>,
    id: Id,
    items: &[ListItem],
    color: Color32,
    depth: usize,
) {
    let font = FontId::new(cx.body_size, FontFamily::Proportional);
    let row_height = ui.fonts_mut(|f| f.row_height(&font));
    let bullet_y = bullet_center_y(ui, &font, row_height, color);
    let widest_number = items
        .iter()
        .filter_map(|item| match item.marker {
            Marker::Number(n) => Some(n.to_string().len()),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    #[expect(clippy::cast_precision_loss, reason = "a digit count")]
    let indent = theme::MD_LIST_INDENT.max(cx.body_size * 0.6 * (widest_number as f32 + 1.0) + 8.0);
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            ui.add_space(theme::MD_BLOCK_GAP * 0.5);
        }
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = 0.0;
            let (marker_rect, _) = ui.allocate_exact_size(vec2(indent, row_height), Sense::hover());
            let inner = ui.vertical(|ui| {
                ui.set_max_width(ui.available_width());
                item_blocks_ui(ui, cx, id.with(index), &item.blocks, color, depth);
            });
            let right = marker_rect.right() - 6.0;
            match item.marker {
                Marker::Number(n) => {
                    let galley =
                        ui.fonts_mut(|f| f.layout_no_wrap(format!("{n}."), font.clone(), color));
                    // Same font, same top as the item's first line: the same baseline.
                    let pos = egui::pos2(right - galley.size().x, marker_rect.top());
                    let rect = egui::Rect::from_min_size(pos, galley.size());
                    let number =
                        ui.interact(rect, inner.response.id.with("number"), Sense::hover());
                    number.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Label, true, galley.text())
                    });
                    ui.painter().galley(pos, galley, color);
                }
                Marker::Bullet => {
                    let center = egui::pos2(
                        right - cx.body_size * 0.16 - 2.0,
                        marker_rect.top() + bullet_y,
                    );
                    bullet_ui(ui, cx, center, color, depth);
                }
                Marker::Task(checked) => {
                    let label = item
                        .blocks
                        .first()
                        .map(|b| match b {
                            Block::Paragraph(inlines) => inlines.plain(),
                            _ => String::new(),
                        })
                        .unwrap_or_default();
                    checkbox_ui(
                        ui,
                        cx,
                        marker_rect,
                        right,
                        checked,
                        &label,
                        inner.response.id,
                    );
                }
            }
        });
    }
}

/// How far below a line's top the font centres its own "•", so painted bullets sit on the
/// text's line.
fn bullet_center_y(ui: &Ui, font: &FontId, row_height: f32, color: Color32) -> f32 {
    let galley = ui.fonts_mut(|f| f.layout_no_wrap("•".to_owned(), font.clone(), color));
    galley
        .rows
        .first()
        .map(|row| row.visuals.mesh_bounds.translate(row.pos.to_vec2()))
        .filter(egui::Rect::is_positive)
        .map_or(row_height * 0.5, |b| b.center().y)
}

/// A list bullet: filled at the top level, hollow when nested.
fn bullet_ui(ui: &Ui, cx: &RenderCx<'_>, center: egui::Pos2, color: Color32, depth: usize) {
    let radius = cx.body_size * 0.16;
    if depth == 0 {
        ui.painter().circle_filled(center, radius, color);
    } else {
        ui.painter()
            .circle_stroke(center, radius, Stroke::new(1.2, color));
    }
}

/// A read-only checkbox in a task item's marker column, accessible as a checkbox.
fn checkbox_ui(
    ui: &Ui,
    cx: &RenderCx<'_>,
    marker: egui::Rect,
    right: f32,
    checked: bool,
    label: &str,
    id: Id,
) {
    let side = (cx.body_size * 0.9).round();
    let rect = egui::Rect::from_center_size(
        egui::pos2(right - side * 0.5, marker.center().y),
        vec2(side, side),
    );
    let response = ui.interact(rect, id.with("task"), Sense::hover());
    response
        .widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, false, checked, label));
    let p = cx.palette;
    let painter = ui.painter();
    if checked {
        painter.rect_filled(rect, 3.0, p.link_text);
        let check = [
            egui::pos2(rect.left() + side * 0.22, rect.center().y),
            egui::pos2(rect.left() + side * 0.42, rect.bottom() - side * 0.25),
            egui::pos2(rect.right() - side * 0.2, rect.top() + side * 0.25),
        ];
        painter.line(check.to_vec(), Stroke::new(1.8, p.panel_bg));
    } else {
        painter.rect_stroke(
            rect,
            3.0,
            Stroke::new(1.3, p.weak_text),
            egui::StrokeKind::Inside,
        );
    }
}

/// An item's blocks; nested lists get the next bullet style.
fn item_blocks_ui(
    ui: &mut Ui,
    cx: &RenderCx<'_>,
    id: Id,
    blocks: &[Block],
    color: Color32,
    depth: usize,
) {
    ui.spacing_mut().item_spacing.y = 0.0;
    for (index, block) in blocks.iter().enumerate() {
        if index > 0 {
            ui.add_space(theme::MD_BLOCK_GAP * 0.5);
        }
        match block {
            Block::List(items) => list_ui(ui, cx, id.with(index), items, color, depth + 1),
            other => block_ui(ui, cx, id.with(index), other, color),
        }
    }
}

fn quote_ui(ui: &mut Ui, cx: &RenderCx<'_>, id: Id, blocks: &[Block]) {
    let response = egui::Frame::new()
        .inner_margin(egui::Margin {
            left: 12,
            right: 0,
            top: 2,
            bottom: 2,
        })
        .show(ui, |ui| blocks_ui(ui, cx, id, blocks, cx.palette.weak_text))
        .response;
    let rect = response.rect;
    ui.painter().vline(
        rect.left() + theme::MD_QUOTE_BAR * 0.5,
        rect.y_range(),
        Stroke::new(theme::MD_QUOTE_BAR, cx.palette.line),
    );
}
