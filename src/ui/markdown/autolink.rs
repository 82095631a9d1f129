//! Bare URLs in text become links (GFM's "autolink literals", which `pulldown-cmark` does not
//! do): `http://`, `https://` and `mailto:` only, with trailing punctuation left out.

use super::blocks::{Inlines, SpanStyle};

const SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];

/// Appends `text` to `inlines`, turning each bare URL into a link span.
pub fn push_text_with_links(inlines: &mut Inlines, text: &str, style: SpanStyle) {
    let mut rest = text;
    while let Some((start, end)) = find_url(rest) {
        inlines.push(&rest[..start], style, None);
        let url = &rest[start..end];
        inlines.push(url, style, Some(url));
        rest = &rest[end..];
    }
    inlines.push(rest, style, None);
}

/// The byte range of the first bare URL in `text`.
fn find_url(text: &str) -> Option<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let start = SCHEMES
            .iter()
            .filter_map(|scheme| lower[from..].find(scheme).map(|i| (from + i, scheme.len())))
            .min_by_key(|(i, _)| *i);
        let (start, scheme_len) = start?;
        // A URL starts a word: not in the middle of `xhttps://`.
        let starts_word = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let end = start + url_len(&text[start..]);
        if starts_word && end > start + scheme_len {
            return Some((start, end));
        }
        from = start + scheme_len;
    }
}

/// How long the URL at the start of `text` is: up to white space, a non-ASCII character or `<`, without trailing
/// punctuation, and without a closing `)` that has no `(` in the URL.
fn url_len(text: &str) -> usize {
    let mut end = text
        .find(|c: char| c.is_whitespace() || !c.is_ascii() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(text.len());
    loop {
        let url = &text[..end];
        let Some(last) = url.chars().next_back() else {
            return 0;
        };
        let unbalanced_paren = last == ')' && url.matches(')').count() > url.matches('(').count();
        let trailing = matches!(
            last,
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~'
        );
        if unbalanced_paren || trailing {
            end -= last.len_utf8();
        } else {
            return end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(text: &str) -> Vec<(String, Option<String>)> {
        let mut inlines = Inlines::default();
        push_text_with_links(&mut inlines, text, SpanStyle::default());
        inlines
            .spans
            .into_iter()
            .map(|s| (s.text, s.link))
            .collect()
    }

    #[test]
    fn bare_urls_become_links_without_trailing_punctuation() {
        assert_eq!(
            links("see https://example.com/a?b=1. Then"),
            vec![
                ("see ".into(), None),
                (
                    "https://example.com/a?b=1".into(),
                    Some("https://example.com/a?b=1".into())
                ),
                (". Then".into(), None),
            ]
        );
        assert_eq!(
            links("(at http://x.org/wiki/A_(b))")[1].1.as_deref(),
            Some("http://x.org/wiki/A_(b)")
        );
        assert_eq!(
            links("mail mailto:a@b.c，谢谢")[1].1.as_deref(),
            Some("mailto:a@b.c")
        );
    }

    #[test]
    fn other_schemes_and_bare_prefixes_stay_text() {
        assert!(
            links("javascript:alert(1) file:///etc/passwd")
                .iter()
                .all(|(_, l)| l.is_none())
        );
        assert!(
            links("just https:// alone")
                .iter()
                .all(|(_, l)| l.is_none())
        );
        assert!(links("xhttps://evil.com").iter().all(|(_, l)| l.is_none()));
    }
}
