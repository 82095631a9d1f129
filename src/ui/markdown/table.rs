//! A GFM table, laid out by hand: columns as wide as their widest cell (shrunk to fit), a bold
//! header row on its own background, striped body rows, cells aligned as the delimiter row says,
//! and exactly as tall as its rows (no space left below).

use std::sync::Arc;

use egui::{Galley, Rect, Stroke, Ui, pos2, vec2};

use super::blocks::{ColumnAlign, Inlines, Table};
use super::inline::{InlineJob, Tone, inline_job, links_ui};
use super::render::RenderCx;
use crate::ui::theme;

/// The narrowest a column is squeezed to when the table is wider than the message.
const MIN_COLUMN_WIDTH: f32 = 36.0;

/// Column widths (cell padding included) that fit `available`: natural widths when they fit,
/// else shrunk in proportion, never below [`MIN_COLUMN_WIDTH`].
pub fn column_widths(natural: &[f32], available: f32) -> Vec<f32> {
    let total: f32 = natural.iter().sum();
    if total <= available || total <= 0.0 {
        return natural.to_vec();
    }
    let scale = available / total;
    natural
        .iter()
        .map(|w| (w * scale).max(MIN_COLUMN_WIDTH))
        .collect()
}

/// The x offset of a cell's text of width `text_width` inside a column of `column_width`.
pub fn aligned_x(align: ColumnAlign, column_width: f32, text_width: f32) -> f32 {
    let free = (column_width - 2.0 * theme::MD_CELL_PAD - text_width).max(0.0);
    theme::MD_CELL_PAD
        + match align {
            ColumnAlign::Left => 0.0,
            ColumnAlign::Center => free * 0.5,
            ColumnAlign::Right => free,
        }
}

/// The inlines of a cell; a short row reads as empty cells.
fn cell(row: &[Inlines], column: usize) -> &Inlines {
    static EMPTY: Inlines = Inlines { spans: Vec::new() };
    row.get(column).unwrap_or(&EMPTY)
}

/// A laid-out cell: its galley and its links.
type Cell<'a> = (Arc<Galley>, &'a InlineJob);

/// Draws one table.
pub fn table_ui(ui: &mut Ui, cx: &RenderCx<'_>, id: egui::Id, table: &Table) {
    let columns = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.header.len(), table.alignments.len()])
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return;
    }
    let header_tone = Tone {
        bold: true,
        ..cx.body(cx.palette.heading_text)
    };
    let body_tone = cx.body(cx.palette.text);
    let jobs: Vec<Vec<InlineJob>> = std::iter::once((&table.header, header_tone))
        .chain(table.rows.iter().map(|r| (r, body_tone)))
        .map(|(row, tone)| {
            (0..columns)
                .map(|c| inline_job(cell(row, c), tone, cx.palette, cx.has_bold))
                .collect()
        })
        .collect();
    let (widths, galleys) = lay_out_cells(ui, &jobs, columns);
    let pad = 2.0 * theme::MD_CELL_PAD;
    let heights: Vec<f32> = galleys
        .iter()
        .map(|row| row.iter().map(|(g, _)| g.size().y).fold(0.0, f32::max) + pad)
        .collect();
    let size = vec2(widths.iter().sum(), heights.iter().sum());
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    paint_grid(ui, cx, rect, &widths, &heights);
    let mut y = rect.top();
    for (r, row) in galleys.iter().enumerate() {
        let mut x = rect.left();
        for (c, (galley, job)) in row.iter().enumerate() {
            let align = table.alignments.get(c).copied().unwrap_or_default();
            let origin = pos2(
                x + aligned_x(align, widths[c], galley.size().x),
                y + theme::MD_CELL_PAD,
            );
            let text_rect = Rect::from_min_size(origin, galley.size());
            ui.put(
                text_rect,
                egui::Label::new(Arc::clone(galley)).selectable(true),
            );
            links_ui(ui, id.with((r, c)), galley, origin, &job.links);
            x += widths[c];
        }
        y += heights[r];
    }
}

/// Column widths and each cell's galley: natural widths from unwrapped text; cells are laid
/// out again, wrapped, only when their column had to shrink.
fn lay_out_cells<'a>(
    ui: &Ui,
    jobs: &'a [Vec<InlineJob>],
    columns: usize,
) -> (Vec<f32>, Vec<Vec<Cell<'a>>>) {
    let pad = 2.0 * theme::MD_CELL_PAD;
    let mut natural = vec![MIN_COLUMN_WIDTH; columns];
    let unwrapped: Vec<Vec<Arc<Galley>>> = jobs
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(c, job)| {
                    let galley = ui.fonts_mut(|f| f.layout_job(job.job.clone()));
                    natural[c] = natural[c].max(galley.size().x.ceil() + pad);
                    galley
                })
                .collect()
        })
        .collect();
    let widths = column_widths(&natural, ui.available_width());
    let galleys = jobs
        .iter()
        .zip(unwrapped)
        .map(|(row, laid_out)| {
            row.iter()
                .zip(laid_out)
                .enumerate()
                .map(|(c, (job, galley))| {
                    if widths[c] >= natural[c] {
                        return (galley, job);
                    }
                    let mut wrapped = job.job.clone();
                    wrapped.wrap.max_width = widths[c] - pad;
                    (ui.fonts_mut(|f| f.layout_job(wrapped)), job)
                })
                .collect()
        })
        .collect();
    (widths, galleys)
}

/// The header background, stripes, rules and border of a table at `rect`.
fn paint_grid(ui: &Ui, cx: &RenderCx<'_>, rect: Rect, widths: &[f32], heights: &[f32]) {
    let p = cx.palette;
    let painter = ui.painter();
    let stroke = Stroke::new(1.0, p.line);
    let mut y = rect.top();
    for (r, height) in heights.iter().enumerate() {
        let row_rect = Rect::from_min_size(pos2(rect.left(), y), vec2(rect.width(), *height));
        if r == 0 {
            painter.rect_filled(row_rect, 0.0, p.table_header_bg);
        } else {
            if r % 2 == 0 {
                painter.rect_filled(row_rect, 0.0, p.table_stripe_bg);
            }
            // The header's lower rule is stronger, as in GitHub's tables.
            let width = if r == 1 { 1.5 } else { 1.0 };
            painter.hline(rect.x_range(), y, Stroke::new(width, p.line));
        }
        y += height;
    }
    let mut x = rect.left();
    for width in &widths[..widths.len().saturating_sub(1)] {
        x += width;
        painter.vline(x, rect.y_range(), stroke);
    }
    painter.rect_stroke(rect, 4.0, stroke, egui::StrokeKind::Inside);
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "layout of exact inputs gives exact values"
)]
mod tests {
    use super::*;

    #[test]
    fn columns_keep_natural_widths_when_they_fit_and_shrink_when_not() {
        assert_eq!(column_widths(&[50.0, 100.0], 400.0), vec![50.0, 100.0]);
        let shrunk = column_widths(&[100.0, 300.0], 200.0);
        assert_eq!(shrunk, vec![50.0, 150.0]);
        assert_eq!(column_widths(&[10.0, 990.0], 100.0)[0], MIN_COLUMN_WIDTH);
    }

    #[test]
    fn right_and_centre_alignment_move_the_text() {
        let pad = theme::MD_CELL_PAD;
        assert_eq!(aligned_x(ColumnAlign::Left, 100.0, 20.0), pad);
        assert_eq!(
            aligned_x(ColumnAlign::Right, 100.0, 20.0),
            100.0 - pad - 20.0
        );
        assert_eq!(
            aligned_x(ColumnAlign::Center, 100.0, 20.0),
            pad + (100.0 - 2.0 * pad - 20.0) / 2.0
        );
    }
}
