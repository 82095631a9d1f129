//! Reading tesseract's TSV output into blocks, lines and words with boxes and confidences, and
//! joining words into line text without the spaces tesseract puts between CJK characters.

use crate::domain::{OcrBlock, OcrBox, OcrLine, OcrWord};

/// The TSV `level` of a word row.
const WORD_LEVEL: &str = "5";

/// Parses `get_tsv_text` output. Rows that are not well-formed words are skipped.
#[must_use]
pub fn parse_tsv(tsv: &str) -> Vec<OcrBlock> {
    let mut blocks: Vec<OcrBlock> = Vec::new();
    // (block, paragraph) and (block, paragraph, line) of the last word seen.
    let mut current: Option<((u32, u32), u32)> = None;
    for row in tsv.lines() {
        let fields: Vec<&str> = row.split('\t').collect();
        if fields.len() < 12 || fields[0] != WORD_LEVEL {
            continue;
        }
        let number = |i: usize| fields[i].trim().parse::<u32>().ok();
        let (Some(block), Some(par), Some(line)) = (number(2), number(3), number(4)) else {
            continue;
        };
        let (Some(left), Some(top), Some(width), Some(height)) =
            (number(6), number(7), number(8), number(9))
        else {
            continue;
        };
        let text = fields[11..].join("\t");
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let confidence = fields[10]
            .trim()
            .parse::<f32>()
            .unwrap_or(0.0)
            .clamp(0.0, 100.0);
        let word = OcrWord {
            text: text.to_owned(),
            bbox: OcrBox {
                left,
                top,
                width,
                height,
            },
            confidence,
        };
        let key = ((block, par), line);
        match current {
            Some(seen) if seen == key => {}
            Some((para, _)) if para == key.0 => {
                if let Some(block) = blocks.last_mut() {
                    block.lines.push(OcrLine::default());
                }
            }
            _ => blocks.push(OcrBlock {
                bbox: OcrBox::default(),
                lines: vec![OcrLine::default()],
            }),
        }
        current = Some(key);
        if let Some(line) = blocks.last_mut().and_then(|block| block.lines.last_mut()) {
            line.words.push(word);
        }
    }
    for block in &mut blocks {
        finish_block(block);
    }
    blocks
}

/// Fills in line text and the boxes of lines and the block from their words.
pub fn finish_block(block: &mut OcrBlock) {
    block.bbox = OcrBox::default();
    for line in &mut block.lines {
        line.text = join_words(line.words.iter().map(|word| word.text.as_str()));
        line.bbox = line
            .words
            .iter()
            .fold(OcrBox::default(), |acc, word| acc.union(word.bbox));
        block.bbox = block.bbox.union(line.bbox);
    }
}

/// Joins words with single spaces, except between two CJK characters, which Chinese and
/// Japanese do not separate (tesseract returns each Han character as its own word).
#[must_use]
pub fn join_words<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for word in words {
        if let (Some(before), Some(after)) = (out.chars().next_back(), word.chars().next())
            && !(is_cjk(before) && is_cjk(after))
        {
            out.push(' ');
        }
        out.push_str(word);
    }
    remove_cjk_spaces(&out)
}

/// Removes spaces that sit between two CJK characters inside one word list's text.
#[must_use]
pub fn remove_cjk_spaces(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = out.chars().next_back();
            let after = chars[i + 1..].iter().copied().find(|&c| c != ' ');
            if let (Some(before), Some(after)) = (before, after)
                && is_cjk(before)
                && is_cjk(after)
            {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Han characters, kana, CJK punctuation and full-width forms. Hangul is left out: Korean
/// separates words with spaces.
#[must_use]
pub fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x3000..=0x303F        // CJK symbols and punctuation
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF      // Extension A
        | 0x4E00..=0x9FFF      // Unified ideographs
        | 0xF900..=0xFAFF      // Compatibility ideographs
        | 0xFF00..=0xFFEF      // Full-width forms
        | 0x20000..=0x2FA1F    // Extensions B–F, compatibility supplement
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t640\t480\t-1\t
5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t96.5\tHello
5\t1\t1\t1\t1\t2\t70\t10\t60\t20\t91.0\tworld
5\t1\t1\t1\t2\t1\t10\t40\t20\t20\t88\t你
5\t1\t1\t1\t2\t2\t32\t40\t20\t20\t86\t好
5\t1\t2\t1\t1\t1\t10\t100\t40\t20\t50\t Bye
5\t1\t2\t1\t1\t2\t60\t100\t40\t20\t-1\t 
";

    #[test]
    fn tsv_becomes_blocks_lines_and_words_with_boxes() {
        let blocks = parse_tsv(TSV);
        assert_eq!(blocks.len(), 2, "two blocks");
        let first = &blocks[0];
        assert_eq!(first.lines.len(), 2, "two lines in the first block");
        assert_eq!(first.lines[0].text, "Hello world", "spaced latin words");
        assert_eq!(first.lines[1].text, "你好", "no space between CJK");
        assert_eq!(
            first.lines[0].bbox,
            OcrBox {
                left: 10,
                top: 10,
                width: 120,
                height: 20
            },
            "line box from words"
        );
        assert_eq!(
            first.bbox,
            OcrBox {
                left: 10,
                top: 10,
                width: 120,
                height: 50
            },
            "block box"
        );
        assert!(
            (first.lines[0].words[0].confidence - 96.5).abs() < 1e-3,
            "confidence"
        );
        assert_eq!(blocks[1].lines[0].words.len(), 1, "blank word skipped");
    }

    #[test]
    fn cjk_spaces_go_but_latin_spaces_stay() {
        assert_eq!(
            remove_cjk_spaces("请 根 据 上 述 内 容 。"),
            "请根据上述内容。",
            "all CJK"
        );
        assert_eq!(
            remove_cjk_spaces("使 用 Rust 开 发"),
            "使用 Rust 开发",
            "mixed keeps spaces next to latin"
        );
        assert_eq!(remove_cjk_spaces("a b"), "a b", "latin untouched");
        assert_eq!(
            join_words(["版", "本", "1.2"].into_iter()),
            "版本 1.2",
            "join"
        );
        assert_eq!(
            remove_cjk_spaces("안녕 하세요"),
            "안녕 하세요",
            "Korean keeps its spaces"
        );
    }
}
