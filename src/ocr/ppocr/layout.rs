//! Reading order for PP-OCR's text boxes, which come without any layout: a recursive XY cut.
//! A region splits into columns at a vertical gutter when both sides are wide (a two-column
//! page; a narrow side label stays on its row), otherwise into bands at its widest horizontal
//! gap; what cannot be cut is one block whose boxes are grouped into rows by vertical overlap
//! and read left to right. Blocks come out top to bottom, and left to right within columns.
//! A tall vertical line is one box, so it stays in one piece.

use crate::domain::{OcrBlock, OcrBox, OcrLine, OcrWord};

/// One recognised text box: a line segment as the detector found it.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    /// The text the recogniser read.
    pub text: String,
    /// The axis-aligned box around the detected quadrilateral.
    pub bbox: OcrBox,
    /// Recognition confidence, 0–100.
    pub confidence: f32,
}

/// A gutter must be at least this share of the median box height to split columns.
const GUTTER_OF_HEIGHT: f32 = 0.6;
/// Each column must be at least this share of the region's width.
const MIN_COLUMN_SHARE: f32 = 0.25;
/// A horizontal gap must be at least this share of the median box height to split bands.
const BAND_GAP_OF_HEIGHT: f32 = 0.7;

/// Puts `boxes` in reading order as blocks of lines of words.
#[must_use]
pub fn reading_order(boxes: Vec<TextBox>) -> Vec<OcrBlock> {
    let boxes: Vec<TextBox> = boxes
        .into_iter()
        .filter(|b| !b.text.trim().is_empty() && b.bbox.width > 0 && b.bbox.height > 0)
        .collect();
    if boxes.is_empty() {
        return Vec::new();
    }
    let mut heights: Vec<u32> = boxes
        .iter()
        .map(|b| b.bbox.height.min(b.bbox.width))
        .collect();
    heights.sort_unstable();
    let median = heights[heights.len() / 2].max(1) as f32;
    let mut blocks = Vec::new();
    cut(boxes, median, &mut blocks);
    blocks
}

fn cut(boxes: Vec<TextBox>, median: f32, blocks: &mut Vec<OcrBlock>) {
    if boxes.len() > 1 {
        if let Some(at) = column_cut(&boxes, median) {
            let (left, right) = boxes.into_iter().partition(|b| b.bbox.left < at);
            cut(left, median, blocks);
            cut(right, median, blocks);
            return;
        }
        if let Some(at) = band_cut(&boxes, median) {
            let (top, bottom) = boxes.into_iter().partition(|b| b.bbox.top < at);
            cut(top, median, blocks);
            cut(bottom, median, blocks);
            return;
        }
    }
    blocks.push(block(boxes));
}

/// The free intervals between the boxes' projections on one axis, widest first, as
/// (gap width, where to cut).
fn gaps(mut spans: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    spans.sort_unstable();
    let mut found = Vec::new();
    let mut reach = spans.first().map_or(0, |span| span.1);
    for &(start, end) in spans.get(1..).unwrap_or_default() {
        if start > reach {
            found.push((start - reach, start));
        }
        reach = reach.max(end);
    }
    found.sort_unstable_by_key(|gap| std::cmp::Reverse(gap.0));
    found
}

fn column_cut(boxes: &[TextBox], median: f32) -> Option<u32> {
    let left = boxes.iter().map(|b| b.bbox.left).min()?;
    let right = boxes.iter().map(|b| b.bbox.left + b.bbox.width).max()?;
    let width = (right - left) as f32;
    let spans = boxes
        .iter()
        .map(|b| (b.bbox.left, b.bbox.left + b.bbox.width))
        .collect();
    gaps(spans).into_iter().find_map(|(gap, at)| {
        // The left side's text ends where its widest box ends, not at the gutter.
        let left_end = boxes
            .iter()
            .map(|b| b.bbox.left + b.bbox.width)
            .filter(|&end| end <= at)
            .max()
            .unwrap_or(left);
        let wide_sides = (left_end - left) as f32 >= MIN_COLUMN_SHARE * width
            && (right - at) as f32 >= MIN_COLUMN_SHARE * width;
        (gap as f32 >= GUTTER_OF_HEIGHT * median && wide_sides).then_some(at)
    })
}

fn band_cut(boxes: &[TextBox], median: f32) -> Option<u32> {
    let spans = boxes
        .iter()
        .map(|b| (b.bbox.top, b.bbox.top + b.bbox.height))
        .collect();
    gaps(spans)
        .into_iter()
        .next()
        .filter(|&(gap, _)| gap as f32 >= BAND_GAP_OF_HEIGHT * median)
        .map(|(_, at)| at)
}

/// Rows by vertical overlap (a box joins the row whose vertical extent it overlaps by at least
/// half of the smaller height), each row left to right.
fn block(mut boxes: Vec<TextBox>) -> OcrBlock {
    boxes.sort_by_key(|b| (b.bbox.top + b.bbox.height / 2, b.bbox.left));
    let mut rows: Vec<(OcrBox, Vec<TextBox>)> = Vec::new();
    for text_box in boxes {
        let joins = rows.last().is_some_and(|(row, _)| {
            let top = row.top.max(text_box.bbox.top);
            let bottom = (row.top + row.height).min(text_box.bbox.top + text_box.bbox.height);
            bottom > top && 2 * (bottom - top) >= row.height.min(text_box.bbox.height)
        });
        match rows.last_mut() {
            Some((row, members)) if joins => {
                *row = row.union(text_box.bbox);
                members.push(text_box);
            }
            _ => rows.push((text_box.bbox, vec![text_box])),
        }
    }
    let lines: Vec<OcrLine> = rows
        .into_iter()
        .map(|(bbox, mut members)| {
            members.sort_by_key(|b| b.bbox.left);
            let words: Vec<OcrWord> = members.iter().flat_map(words_of).collect();
            let text = members
                .iter()
                .map(|b| b.text.trim())
                .collect::<Vec<_>>()
                .join(" ");
            OcrLine { text, bbox, words }
        })
        .collect();
    let bbox = lines
        .iter()
        .fold(OcrBox::default(), |all, line| all.union(line.bbox));
    OcrBlock { bbox, lines }
}

/// Whether `c` is written without spaces around it (CJK ideographs, kana, hangul, fullwidth
/// punctuation): each such character is its own word, like tesseract's output for Chinese.
fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// Splits one box's text into words (a CJK character each, other runs at spaces) and gives
/// each a share of the box's width by its character count (CJK counts double).
fn words_of(text_box: &TextBox) -> Vec<OcrWord> {
    let mut pieces: Vec<(String, u32, bool)> = Vec::new(); // (text, weight, is_space)
    for c in text_box.text.trim().chars() {
        let weight = if is_cjk(c) { 2 } else { 1 };
        let space = c.is_whitespace();
        match pieces.last_mut() {
            Some((piece, w, false)) if !space && !is_cjk(c) && !piece.chars().any(is_cjk) => {
                piece.push(c);
                *w += weight;
            }
            Some((_, w, true)) if space => *w += weight,
            _ => pieces.push((c.to_string(), weight, space)),
        }
    }
    let total: u32 = pieces.iter().map(|p| p.1).sum::<u32>().max(1);
    let OcrBox {
        left,
        top,
        width,
        height,
    } = text_box.bbox;
    let mut done = 0_u32;
    let mut words = Vec::new();
    for (piece, weight, space) in pieces {
        let start = left + (u64::from(width) * u64::from(done) / u64::from(total)) as u32;
        done += weight;
        let end = left + (u64::from(width) * u64::from(done) / u64::from(total)) as u32;
        if !space {
            words.push(OcrWord {
                text: piece,
                bbox: OcrBox {
                    left: start,
                    top,
                    width: (end - start).max(1),
                    height,
                },
                confidence: text_box.confidence,
            });
        }
    }
    words
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
