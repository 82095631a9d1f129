//! Marks what the find bar looks for inside laid-out text: the terms are set on the context
//! for the frame ([`set_terms`]), and every paragraph galley the renderer builds (and each
//! user message) gets their occurrences painted with the selection colours.

use std::ops::Range;
use std::sync::Arc;

use egui::text::{ByteIndex, LayoutJob, LayoutSection};

/// Where the frame's terms live in the context's temporary data.
fn key() -> egui::Id {
    egui::Id::unique("find_highlight_terms")
}

/// Sets the terms to mark from now on (empty: none).
pub fn set_terms(ctx: &egui::Context, terms: &[String]) {
    let terms: Vec<String> = terms
        .iter()
        .map(|t| t.to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    ctx.data_mut(|d| {
        if terms.is_empty() {
            d.remove::<Arc<Vec<String>>>(key());
        } else {
            d.insert_temp(key(), Arc::new(terms));
        }
    });
}

/// The terms being marked.
fn terms(ctx: &egui::Context) -> Option<Arc<Vec<String>>> {
    ctx.data(|d| d.get_temp::<Arc<Vec<String>>>(key()))
}

/// Marks the occurrences of the context's terms in `job`.
pub fn mark_job(ctx: &egui::Context, visuals: &egui::Visuals, job: &mut LayoutJob) {
    let Some(terms) = terms(ctx) else {
        return;
    };
    let ranges = occurrences(&job.text, &terms);
    if ranges.is_empty() {
        return;
    }
    let (background, color) = (visuals.selection.bg_fill, visuals.strong_text_color());
    let mut sections = Vec::with_capacity(job.sections.len() + 2 * ranges.len());
    for section in job.sections.drain(..) {
        let mut at = section.byte_range.start.0;
        let end = section.byte_range.end.0;
        let mut first = true;
        let begin = at;
        for range in ranges.iter().filter(|r| r.start < end && r.end > begin) {
            let (start, stop) = (range.start.max(at), range.end.min(end));
            if start > at {
                sections.push(part(&section, at..start, first, None));
                first = false;
            }
            sections.push(part(
                &section,
                start..stop,
                first,
                Some((background, color)),
            ));
            first = false;
            at = stop;
        }
        if at < end || first {
            sections.push(part(&section, at..end, first, None));
        }
    }
    job.sections = sections;
}

/// A piece of `section`; only the first piece keeps its leading space.
fn part(
    section: &LayoutSection,
    byte_range: Range<usize>,
    first: bool,
    marked: Option<(egui::Color32, egui::Color32)>,
) -> LayoutSection {
    let mut format = section.format.clone();
    if let Some((background, color)) = marked {
        format.background = background;
        format.color = color;
    }
    LayoutSection {
        leading_space: if first { section.leading_space } else { 0.0 },
        byte_range: ByteIndex(byte_range.start)..ByteIndex(byte_range.end),
        format,
    }
}

/// `text` as a job in `ui`'s body style, its terms marked; `None` when nothing is marked (draw
/// it as usual).
pub fn marked_text(ui: &egui::Ui, text: &str) -> Option<LayoutJob> {
    let terms = terms(ui.ctx())?;
    if occurrences(text, &terms).is_empty() {
        return None;
    }
    let font = egui::TextStyle::Body.resolve(ui.style());
    let mut job = LayoutJob::simple(
        text.to_owned(),
        font,
        ui.visuals().text_color(),
        ui.available_width(),
    );
    mark_job(ui.ctx(), ui.visuals(), &mut job);
    Some(job)
}

/// The byte ranges of `text` where any of `terms` (lowercase) occurs, case-insensitively,
/// sorted and not overlapping.
pub fn occurrences(text: &str, terms: &[String]) -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> = Vec::new();
    for (start, _) in text.char_indices() {
        if found.last().is_some_and(|last| last.end > start) {
            continue;
        }
        if let Some(end) = terms.iter().find_map(|t| match_at(text, start, t)) {
            found.push(start..end);
        }
    }
    found
}

/// Counts the occurrences of `terms` (as typed) in `text`.
pub fn count(text: &str, terms: &[String]) -> usize {
    let lower: Vec<String> = terms.iter().map(|t| t.to_lowercase()).collect();
    occurrences(text, &lower).len()
}

/// Where a case-insensitive match of `term` (lowercase) starting at byte `start` ends.
fn match_at(text: &str, start: usize, term: &str) -> Option<usize> {
    let mut rest = text[start..].char_indices();
    let mut end = start;
    let mut wanted = term.chars().peekable();
    while wanted.peek().is_some() {
        let (offset, c) = rest.next()?;
        for lower in c.to_lowercase() {
            if wanted.next() != Some(lower) {
                return None;
            }
        }
        end = start + offset + c.len_utf8();
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurrences_are_case_insensitive_and_in_bytes() {
        let terms = vec!["needle".to_owned(), "发票".to_owned()];
        let text = "A Needle, 发票 and NEEDLE发票";
        let found: Vec<&str> = occurrences(text, &terms)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(found, ["Needle", "发票", "NEEDLE", "发票"]);
        assert_eq!(count("aaa", &["aa".to_owned()]), 1, "no overlaps");
        assert!(occurrences("needl", &terms).is_empty());
    }

    #[test]
    fn marking_splits_sections_at_the_matches() {
        let ctx = egui::Context::default();
        set_terms(&ctx, &["Needle".to_owned()]);
        let mut job = LayoutJob::default();
        let format = egui::TextFormat::default();
        job.append("the nee", 4.0, format.clone());
        job.append("dle here", 0.0, format);
        let visuals = egui::Visuals::dark();
        mark_job(&ctx, &visuals, &mut job);
        let marked: String = job
            .sections
            .iter()
            .filter(|s| s.format.background == visuals.selection.bg_fill)
            .map(|s| &job.text[s.byte_range.start.0..s.byte_range.end.0])
            .collect();
        assert_eq!(marked, "needle");
        assert!((job.sections[0].leading_space - 4.0).abs() < f32::EPSILON);
        let all: String = job
            .sections
            .iter()
            .map(|s| &job.text[s.byte_range.start.0..s.byte_range.end.0])
            .collect();
        assert_eq!(all, "the needle here");
        set_terms(&ctx, &[]);
        let mut plain = LayoutJob::simple_singleline(
            "needle".into(),
            egui::FontId::default(),
            egui::Color32::RED,
        );
        mark_job(&ctx, &visuals, &mut plain);
        assert_eq!(plain.sections.len(), 1, "no terms: nothing marked");
    }
}
