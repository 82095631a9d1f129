//! A short excerpt of a matching text around its first match, with every match marked.

use std::ops::Range;

/// Characters kept before the first match.
const BEFORE: usize = 30;
/// Characters kept in all.
const LENGTH: usize = 120;

/// An excerpt on one line, and the byte ranges of `text` that matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The excerpt: line breaks become spaces; `…` marks a cut.
    pub text: String,
    /// Byte ranges of `text` to highlight, in order, not overlapping.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The excerpt with each match between `open` and `close` (the CLI uses `[`/`]`).
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8);
        let mut at = 0;
        for range in &self.highlights {
            out.push_str(&self.text[at..range.start]);
            out.push_str(open);
            out.push_str(&self.text[range.clone()]);
            out.push_str(close);
            at = range.end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// The excerpt of `text` around the first of `terms` found (ASCII case-insensitive), or its
/// start when none is.
pub fn snippet(text: &str, terms: &[String]) -> Snippet {
    let lower = text.to_ascii_lowercase();
    let mut matches: Vec<Range<usize>> = terms
        .iter()
        .filter(|t| !t.is_empty())
        .flat_map(|term| {
            let term = term.to_ascii_lowercase();
            lower
                .match_indices(&term)
                .map(|(at, m)| at..at + m.len())
                .collect::<Vec<_>>()
        })
        .collect();
    matches.sort_by_key(|r| (r.start, r.end));
    let first = matches.first().map_or(0, |r| r.start);
    let start = back_chars(text, first, BEFORE);
    let end = text[start..]
        .char_indices()
        .nth(LENGTH)
        .map_or(text.len(), |(i, _)| start + i);
    let prefix = if start > 0 { "…" } else { "" };
    let mut out = String::from(prefix);
    out.extend(
        text[start..end]
            .chars()
            .map(|c| if c.is_ascii_control() { ' ' } else { c }),
    );
    let shift = prefix.len();
    let mut highlights: Vec<Range<usize>> = Vec::new();
    for m in matches {
        if m.start < start || m.start >= end {
            continue;
        }
        let clipped = (m.start - start + shift)..(m.end.min(end) - start + shift);
        match highlights.last_mut() {
            Some(last) if clipped.start <= last.end => last.end = last.end.max(clipped.end),
            _ => highlights.push(clipped),
        }
    }
    if end < text.len() {
        out.push('…');
    }
    Snippet {
        text: out,
        highlights,
    }
}

/// The byte index `count` characters before `at` (or 0).
fn back_chars(text: &str, at: usize, count: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .nth(count.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn marks_every_match_case_insensitively_and_cuts_long_text() {
        let s = snippet(
            "An Invoice for 发票 and an invoice",
            &terms(&["invoice", "发票"]),
        );
        assert_eq!(
            s.marked("[", "]"),
            "An [Invoice] for [发票] and an [invoice]"
        );
        let long = format!("{}\n找到合同编号{}", "前".repeat(100), "后".repeat(200));
        let s = snippet(&long, &terms(&["合同编号"]));
        assert!(
            s.text.starts_with('…') && s.text.ends_with('…'),
            "{}",
            s.text
        );
        assert_eq!(s.text.chars().count(), LENGTH + 2);
        assert_eq!(&s.text[s.highlights[0].clone()], "合同编号");
        assert!(!s.text.contains('\n'));
        // Overlapping matches merge into one highlight.
        let s = snippet("aaaa", &terms(&["aaa", "aa"]));
        assert_eq!(s.marked("[", "]"), "[aaaa]");
        assert_eq!(snippet("plain", &[]).marked("[", "]"), "plain");
    }
}
