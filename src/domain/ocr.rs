//! What OCR read from one image: pages of blocks of lines of words, each word with its box
//! and confidence, plus the text, language, engine and timing. Boxes are in the pixels of the
//! image as the user sees it (after EXIF orientation), whatever scaling the engine used, so an
//! inspector can draw them over the picture directly.

use serde::{Deserialize, Serialize};

/// An axis-aligned rectangle in image pixels; `left`/`top` is the top-left corner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcrBox {
    /// Distance from the image's left edge.
    pub left: u32,
    /// Distance from the image's top edge.
    pub top: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl OcrBox {
    /// The smallest box holding both.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        if self.width == 0 || self.height == 0 {
            return other;
        }
        if other.width == 0 || other.height == 0 {
            return self;
        }
        let left = self.left.min(other.left);
        let top = self.top.min(other.top);
        let right = (self.left + self.width).max(other.left + other.width);
        let bottom = (self.top + self.height).max(other.top + other.height);
        Self {
            left,
            top,
            width: right - left,
            height: bottom - top,
        }
    }
}

/// One recognised word (for Chinese, usually one character).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OcrWord {
    /// The word's text.
    pub text: String,
    /// Where it is in the image.
    #[serde(rename = "box")]
    pub bbox: OcrBox,
    /// How sure the engine is, 0–100.
    pub confidence: f32,
}

/// One line of words, in reading order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OcrLine {
    /// The line's text as it goes into the prompt (CJK spaces removed).
    pub text: String,
    /// The box around all its words.
    #[serde(rename = "box")]
    pub bbox: OcrBox,
    /// Its words, left to right.
    pub words: Vec<OcrWord>,
}

/// A block (paragraph or region) of lines.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OcrBlock {
    /// The box around all its lines.
    #[serde(rename = "box")]
    pub bbox: OcrBox,
    /// Its lines, top to bottom.
    pub lines: Vec<OcrLine>,
}

/// One page of the image (a multi-page TIFF has several; everything else has one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OcrPage {
    /// Page width in pixels (after EXIF orientation).
    pub width: u32,
    /// Page height in pixels.
    pub height: u32,
    /// Blocks in reading order.
    pub blocks: Vec<OcrBlock>,
}

impl OcrPage {
    /// Every word on the page, in reading order.
    pub fn words(&self) -> impl Iterator<Item = &OcrWord> {
        self.blocks
            .iter()
            .flat_map(|block| &block.lines)
            .flat_map(|line| &line.words)
    }

    /// The page's text: lines joined by newlines, blocks by a blank line.
    #[must_use]
    pub fn text(&self) -> String {
        self.blocks
            .iter()
            .map(|block| {
                block
                    .lines
                    .iter()
                    .map(|line| line.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .filter(|block| !block.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// Where the time of one OCR job went, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcrTiming {
    /// Waiting in the pool's queue.
    pub queued_ms: u64,
    /// Reading and decoding the file.
    pub decode_ms: u64,
    /// Grayscale, inversion, scaling, band cutting.
    pub preprocess_ms: u64,
    /// The engine's recognition (wall time; bands may run in parallel).
    pub recognize_ms: u64,
    /// From the job's start on a worker to its result.
    pub total_ms: u64,
}

/// Everything OCR read from one image.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OcrResult {
    /// The text that goes into the prompt: pages joined by a blank line.
    pub text: String,
    /// The pages, each with its blocks, lines and words.
    pub pages: Vec<OcrPage>,
    /// The languages used, as the engine spells them (`chi_sim+eng`).
    pub language: String,
    /// Which engine read it (`tesseract`).
    pub engine: String,
    /// Mean word confidence, 0–100; `None` when no word was found.
    pub mean_confidence: Option<f32>,
    /// Where the time went.
    pub timing: OcrTiming,
}

impl OcrResult {
    /// True when no text was found (the image can still go to a vision model).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// Every word of every page, in reading order.
    pub fn words(&self) -> impl Iterator<Item = &OcrWord> {
        self.pages.iter().flat_map(OcrPage::words)
    }

    /// The mean confidence of `words`, or `None` when there are none.
    #[must_use]
    pub fn mean_of<'a>(words: impl Iterator<Item = &'a OcrWord>) -> Option<f32> {
        let (sum, count) = words.fold((0.0_f64, 0_u32), |(sum, count), word| {
            (sum + f64::from(word.confidence), count + 1)
        });
        (count > 0).then(|| (sum / f64::from(count)) as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, left: u32, confidence: f32) -> OcrWord {
        OcrWord {
            text: text.to_owned(),
            bbox: OcrBox {
                left,
                top: 0,
                width: 10,
                height: 10,
            },
            confidence,
        }
    }

    #[test]
    fn union_covers_both_boxes_and_ignores_empty_ones() {
        let a = OcrBox {
            left: 10,
            top: 20,
            width: 5,
            height: 5,
        };
        let b = OcrBox {
            left: 2,
            top: 30,
            width: 4,
            height: 10,
        };
        let both = a.union(b);
        assert_eq!(
            both,
            OcrBox {
                left: 2,
                top: 20,
                width: 13,
                height: 20
            },
            "union of two boxes"
        );
        assert_eq!(OcrBox::default().union(a), a, "an empty box adds nothing");
    }

    #[test]
    fn page_text_joins_lines_and_blocks_and_json_names_boxes_box() {
        let line = |text: &str| OcrLine {
            text: text.to_owned(),
            bbox: OcrBox::default(),
            words: vec![word(text, 0, 90.0)],
        };
        let page = OcrPage {
            width: 100,
            height: 100,
            blocks: vec![
                OcrBlock {
                    bbox: OcrBox::default(),
                    lines: vec![line("a"), line("b")],
                },
                OcrBlock {
                    bbox: OcrBox::default(),
                    lines: vec![line("c")],
                },
            ],
        };
        assert_eq!(
            page.text(),
            "a\nb\n\nc",
            "lines by newline, blocks by blank line"
        );
        assert_eq!(
            OcrResult::mean_of(page.words()),
            Some(90.0),
            "mean confidence"
        );
        let json = serde_json::to_string(&page.blocks[0].lines[0].words[0]).unwrap();
        assert!(json.contains("\"box\":{\"left\":0"), "{json}");
        let back: OcrWord = serde_json::from_str(&json).unwrap();
        assert_eq!(back.text, "a", "round trip");
    }

    #[test]
    fn mean_of_no_words_is_none() {
        assert_eq!(OcrResult::mean_of(std::iter::empty()), None, "no words");
    }
}
