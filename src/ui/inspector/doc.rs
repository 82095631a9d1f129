//! The inspector's text as data, without egui: the words OCR read (whole image, then each
//! dragged region in reading order), each with its box and confidence, the separators between
//! them as OCR joined them, and the user's corrections. [`InspectorDoc::text`] is the text that
//! is sent; it equals the OCR text until a word is corrected or a region is read.

use crate::domain::{OcrBox, OcrResult};

/// One word as the inspector shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocWord {
    /// The text (corrected, if the user corrected it).
    pub text: String,
    /// Where it is, in the image's pixels.
    pub bbox: OcrBox,
    /// How sure OCR was, 0–100.
    pub confidence: f32,
    /// Which section it belongs to (0: the whole image; then the regions).
    pub section: usize,
}

/// One line: its words (indices into [`InspectorDoc::words`]) and the text around them.
#[derive(Debug, Clone, PartialEq)]
pub struct DocLine {
    /// The first word's index and how many follow.
    pub words: std::ops::Range<usize>,
    /// `gaps[i]` comes before word `i` of the line; the last entry after the last word.
    gaps: Vec<String>,
    /// What separates this line from the previous one ("", "\n" or "\n\n").
    pub break_before: &'static str,
}

/// Where a section's words came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Section {
    /// OCR of the whole image.
    Whole,
    /// A dragged region: read (`true`) or still being read.
    Region {
        /// The rectangle, in image pixels.
        rect: OcrBox,
        /// Whether its OCR has come back.
        read: bool,
    },
}

/// Whether the regions' text replaces the whole image's or is added after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegionMode {
    /// Only the regions' text is sent.
    #[default]
    Replace,
    /// The whole text, then the regions'.
    Add,
}

/// All the words and lines, by section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InspectorDoc {
    /// Every word of every section.
    pub words: Vec<DocWord>,
    /// `(section, its lines)`, sections in order: the whole image first, then regions in
    /// reading order.
    sections: Vec<(Section, Vec<DocLine>)>,
    /// How regions combine with the whole text.
    pub mode: RegionMode,
}

impl InspectorDoc {
    /// The doc of a whole-image OCR result.
    #[must_use]
    pub fn new(ocr: &OcrResult) -> Self {
        let mut doc = Self::default();
        let lines = doc.lines_of(ocr, 0);
        doc.sections.push((Section::Whole, lines));
        doc
    }

    fn lines_of(&mut self, ocr: &OcrResult, section: usize) -> Vec<DocLine> {
        let mut lines = Vec::new();
        let mut break_before = "";
        for page in &ocr.pages {
            for block in &page.blocks {
                if block.lines.is_empty() {
                    continue;
                }
                for line in &block.lines {
                    let start = self.words.len();
                    let mut gaps = Vec::with_capacity(line.words.len() + 1);
                    let mut rest = line.text.as_str();
                    for word in &line.words {
                        // The text between words as OCR joined them (a space, or none between
                        // CJK characters); a word the line does not spell gets a space.
                        match rest.find(&word.text) {
                            Some(at) => {
                                gaps.push(rest[..at].to_owned());
                                rest = &rest[at + word.text.len()..];
                            }
                            None => gaps.push(if gaps.is_empty() { "" } else { " " }.to_owned()),
                        }
                        self.words.push(DocWord {
                            text: word.text.clone(),
                            bbox: word.bbox,
                            confidence: word.confidence,
                            section,
                        });
                    }
                    gaps.push(rest.to_owned());
                    lines.push(DocLine {
                        words: start..self.words.len(),
                        gaps,
                        break_before,
                    });
                    break_before = "\n";
                }
                break_before = "\n\n";
            }
        }
        lines
    }

    /// Adds a region being read, kept in reading order (top to bottom, then left to right).
    pub fn add_region(&mut self, rect: OcrBox) {
        let at = self
            .sections
            .iter()
            .position(|(section, _)| match section {
                Section::Region { rect: other, .. } => {
                    (rect.top, rect.left) < (other.top, other.left)
                }
                Section::Whole => false,
            })
            .unwrap_or(self.sections.len());
        self.sections
            .insert(at, (Section::Region { rect, read: false }, Vec::new()));
    }

    /// A region's OCR came back; false when no such region is waiting.
    pub fn region_read(&mut self, rect: OcrBox, ocr: &OcrResult) -> bool {
        let Some(index) = self
            .sections
            .iter()
            .position(|(s, _)| *s == Section::Region { rect, read: false })
        else {
            return false;
        };
        let lines = self.lines_of(ocr, index);
        self.renumber(index, lines);
        true
    }

    /// A region's OCR failed: it is dropped.
    pub fn region_failed(&mut self, rect: OcrBox) {
        self.sections
            .retain(|(s, _)| *s != Section::Region { rect, read: false });
        self.reindex_sections();
    }

    fn renumber(&mut self, index: usize, lines: Vec<DocLine>) {
        self.sections[index] = (
            Section::Region {
                rect: match self.sections[index].0 {
                    Section::Region { rect, .. } => rect,
                    Section::Whole => OcrBox::default(),
                },
                read: true,
            },
            lines,
        );
        self.reindex_sections();
    }

    /// Words carry their section's index; sections may have moved.
    fn reindex_sections(&mut self) {
        for (index, (_, lines)) in self.sections.iter().enumerate() {
            for line in lines {
                for word in &mut self.words[line.words.clone()] {
                    word.section = index;
                }
            }
        }
    }

    /// The regions, in reading order, and whether each is read.
    pub fn regions(&self) -> impl Iterator<Item = (OcrBox, bool)> + '_ {
        self.sections.iter().filter_map(|(s, _)| match s {
            Section::Region { rect, read } => Some((*rect, *read)),
            Section::Whole => None,
        })
    }

    fn is_active(&self, section: usize) -> bool {
        let has_regions = self.sections.len() > 1;
        !(section == 0 && has_regions && self.mode == RegionMode::Replace)
    }

    /// The lines whose text is sent, in order.
    pub fn active_lines(&self) -> impl Iterator<Item = &DocLine> + '_ {
        self.sections
            .iter()
            .enumerate()
            .filter(|(index, _)| self.is_active(*index))
            .flat_map(|(_, (_, lines))| lines)
    }

    /// Indices of the words whose text is sent (their boxes are drawn).
    pub fn active_words(&self) -> impl Iterator<Item = usize> + '_ {
        self.active_lines().flat_map(|line| line.words.clone())
    }

    /// One line's text.
    #[must_use]
    pub fn line_text(&self, line: &DocLine) -> String {
        let mut text = String::new();
        for (gap, word) in line.gaps.iter().zip(&self.words[line.words.clone()]) {
            text.push_str(gap);
            text.push_str(&word.text);
        }
        text.push_str(line.gaps.last().map_or("", String::as_str));
        text
    }

    /// The text that is sent: lines as read, blocks and sections apart by a blank line.
    #[must_use]
    pub fn text(&self) -> String {
        let mut text = String::new();
        let mut first_of_section = true;
        let mut section = None;
        for line in self.active_lines() {
            let line_section = line.words.clone().next().map(|w| self.words[w].section);
            if section.is_some() && line_section != section {
                first_of_section = true;
            }
            section = line_section.or(section);
            if !text.is_empty() {
                text.push_str(if first_of_section {
                    "\n\n"
                } else {
                    line.break_before
                });
            }
            first_of_section = false;
            text.push_str(&self.line_text(line));
        }
        text
    }

    /// Replaces word `index`'s text.
    pub fn correct(&mut self, index: usize, text: &str) {
        if let Some(word) = self.words.get_mut(index) {
            text.trim().clone_into(&mut word.text);
        }
    }

    /// The sent words under `threshold`% confidence, in reading order.
    pub fn low_confidence(&self, threshold: f32) -> impl Iterator<Item = usize> + '_ {
        self.active_words()
            .filter(move |&index| self.words[index].confidence < threshold)
    }

    /// The next (or previous) low-confidence word after `from`, wrapping around.
    #[must_use]
    pub fn step_low(&self, threshold: f32, from: Option<usize>, backwards: bool) -> Option<usize> {
        let low: Vec<usize> = self.low_confidence(threshold).collect();
        let position = from.and_then(|f| low.iter().position(|&w| w == f));
        match (position, backwards) {
            (None, false) => low.first().copied(),
            (None, true) => low.last().copied(),
            (Some(p), false) => low.get((p + 1) % low.len()).copied(),
            (Some(p), true) => low.get((p + low.len() - 1) % low.len()).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OcrBlock, OcrLine, OcrPage, OcrWord};

    fn word(text: &str, left: u32, top: u32, confidence: f32) -> OcrWord {
        OcrWord {
            text: text.to_owned(),
            bbox: OcrBox {
                left,
                top,
                width: 10,
                height: 10,
            },
            confidence,
        }
    }

    /// A line's text and its words with their confidences.
    type Line<'a> = (&'a str, &'a [(&'a str, f32)]);

    fn result(blocks: &[&[Line<'_>]]) -> OcrResult {
        let mut top = 0;
        let blocks = blocks
            .iter()
            .map(|lines| OcrBlock {
                bbox: OcrBox::default(),
                lines: lines
                    .iter()
                    .map(|(text, words)| {
                        top += 20;
                        OcrLine {
                            text: (*text).to_owned(),
                            bbox: OcrBox::default(),
                            words: words
                                .iter()
                                .zip(0..)
                                .map(|((w, c), i)| word(w, i * 20, top, *c))
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect();
        let page = OcrPage {
            width: 100,
            height: 100,
            blocks,
        };
        OcrResult {
            text: page.text(),
            pages: vec![page],
            ..OcrResult::default()
        }
    }

    #[test]
    fn text_is_the_ocr_text_and_a_correction_changes_one_word() {
        let ocr = result(&[
            &[
                ("Total: 12", &[("Total:", 95.0), ("12", 40.0)]),
                ("发票金额", &[("发票", 90.0), ("金额", 60.0)]),
            ],
            &[("end", &[("end", 99.0)])],
        ]);
        let mut doc = InspectorDoc::new(&ocr);
        assert_eq!(doc.text(), ocr.text, "as OCR joined it");
        assert_eq!(doc.text(), "Total: 12\n发票金额\n\nend", "lines and blocks");
        doc.correct(1, " 42 ");
        assert_eq!(
            doc.text(),
            "Total: 42\n发票金额\n\nend",
            "one word replaced"
        );
        let low: Vec<_> = doc.low_confidence(80.0).collect();
        assert_eq!(low, vec![1, 3], "under 80%");
        assert_eq!(doc.step_low(80.0, None, false), Some(1), "first");
        assert_eq!(doc.step_low(80.0, Some(1), false), Some(3), "next");
        assert_eq!(doc.step_low(80.0, Some(3), false), Some(1), "wraps");
        assert_eq!(doc.step_low(80.0, Some(1), true), Some(3), "back wraps");
        assert_eq!(doc.step_low(10.0, None, false), None, "none under 10%");
    }

    #[test]
    fn regions_keep_reading_order_and_replace_or_add() {
        let ocr = result(&[&[("whole page", &[("whole", 90.0), ("page", 90.0)])]]);
        let mut doc = InspectorDoc::new(&ocr);
        let lower = OcrBox {
            left: 0,
            top: 50,
            width: 40,
            height: 10,
        };
        let upper = OcrBox { top: 10, ..lower };
        doc.add_region(lower);
        doc.add_region(upper);
        assert_eq!(doc.text(), "", "nothing read yet replaces the text");
        let read = |text: &str| result(&[&[(text, &[(text, 90.0)])]]);
        assert!(doc.region_read(lower, &read("second")), "lower read");
        assert!(doc.region_read(upper, &read("first")), "upper read");
        assert!(!doc.region_read(upper, &read("again")), "read once");
        assert_eq!(
            doc.text(),
            "first\n\nsecond",
            "reading order, not arrival order"
        );
        doc.mode = RegionMode::Add;
        assert_eq!(doc.text(), "whole page\n\nfirst\n\nsecond", "added after");
        let regions: Vec<_> = doc.regions().collect();
        assert_eq!(regions, vec![(upper, true), (lower, true)], "in order");
        doc.add_region(OcrBox { top: 90, ..lower });
        doc.region_failed(OcrBox { top: 90, ..lower });
        assert_eq!(doc.regions().count(), 2, "a failed region is dropped");
        let sections: Vec<usize> = doc.active_words().map(|w| doc.words[w].section).collect();
        assert_eq!(sections, vec![0, 0, 1, 2], "words know their section");
    }
}
