//! The search box's language: words and `"quoted phrases"` (all must appear, as substrings,
//! case-insensitive), `-word` or `-"phrase"` (must not appear), and the filters `provider:`,
//! `model:` (case-insensitive, exact; only replies have them), `before:YYYY-MM-DD` (earlier
//! than that day, UTC), `after:YYYY-MM-DD` (that day or later) and `has:image`. Any other
//! `word:` is an ordinary word (`10:30`, `https://…`).

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Texts that must all appear.
    pub terms: Vec<String>,
    /// Texts that must not appear.
    pub excluded: Vec<String>,
    /// `provider:` filter.
    pub provider: Option<String>,
    /// `model:` filter.
    pub model: Option<String>,
    /// `before:` as unix seconds: only messages created earlier.
    pub before: Option<i64>,
    /// `after:` as unix seconds: only messages created then or later.
    pub after: Option<i64>,
    /// `has:image`: only messages with an image attached.
    pub has_image: bool,
}

/// Why a query cannot run. The message says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Nothing to search for.
    #[error(
        "The search is empty: type a word, a \"quoted phrase\" or a filter such as model:NAME."
    )]
    Empty,
    /// A `before:`/`after:` value that is not a day.
    #[error("{key}:{value} is not a date: write it as YYYY-MM-DD, like {key}:2026-03-01.")]
    BadDate {
        /// `before` or `after`.
        key: &'static str,
        /// What was typed.
        value: String,
    },
    /// `has:` with something other than `image`.
    #[error("has:{0} is not known: the only one is has:image.")]
    UnknownHas(String),
    /// A filter with nothing after the colon.
    #[error("{0}: needs a value, like {0}:{1}.")]
    MissingValue(&'static str, &'static str),
}

/// Parses what the user typed.
pub fn parse(input: &str) -> Result<Query, QueryError> {
    let mut query = Query::default();
    let mut rest = input.trim_start();
    while !rest.is_empty() {
        let (excluded, body) = match rest.strip_prefix('-') {
            Some(after) if !after.is_empty() && !after.starts_with(char::is_whitespace) => {
                (true, after)
            }
            _ => (false, rest),
        };
        let (token, quoted, remaining) = next_token(body);
        rest = remaining.trim_start();
        if token.is_empty() {
            continue;
        }
        if !quoted && !excluded && apply_filter(&mut query, &token)? {
            continue;
        }
        if excluded {
            query.excluded.push(token);
        } else {
            query.terms.push(token);
        }
    }
    if query == Query::default() {
        return Err(QueryError::Empty);
    }
    Ok(query)
}

/// The next word or quoted phrase of `text`, whether it was quoted, and what follows. A
/// filter's quoted value (`model:"a b"`) stays one token, without its quotes.
fn next_token(text: &str) -> (String, bool, &str) {
    if let Some(inner) = text.strip_prefix('"') {
        // An unclosed quote runs to the end.
        let end = inner.find('"').unwrap_or(inner.len());
        let after = inner.get(end + 1..).unwrap_or("");
        return (inner[..end].to_owned(), true, after);
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    let word = &text[..end];
    if let Some(colon) = word.find(':')
        && text[colon + 1..].starts_with('"')
    {
        let inner = &text[colon + 2..];
        let close = inner.find('"').unwrap_or(inner.len());
        let token = format!("{}{}", &text[..=colon], &inner[..close]);
        return (token, false, inner.get(close + 1..).unwrap_or(""));
    }
    (word.to_owned(), false, &text[end..])
}

/// Applies `token` if it is a filter; `Ok(false)` if it is an ordinary word.
fn apply_filter(query: &mut Query, token: &str) -> Result<bool, QueryError> {
    let Some((key, value)) = token.split_once(':') else {
        return Ok(false);
    };
    let key = key.to_ascii_lowercase();
    let example = match key.as_str() {
        "provider" => "openai",
        "model" => "gpt-4o",
        "before" | "after" => "2026-03-01",
        "has" => "image",
        _ => return Ok(false),
    };
    if value.is_empty() {
        let key: &'static str = match key.as_str() {
            "provider" => "provider",
            "model" => "model",
            "before" => "before",
            "after" => "after",
            _ => "has",
        };
        return Err(QueryError::MissingValue(key, example));
    }
    match key.as_str() {
        "provider" => query.provider = Some(value.to_owned()),
        "model" => query.model = Some(value.to_owned()),
        "before" => query.before = Some(day(value, "before")?),
        "after" => query.after = Some(day(value, "after")?),
        _ if value.eq_ignore_ascii_case("image") => query.has_image = true,
        _ => return Err(QueryError::UnknownHas(value.to_owned())),
    }
    Ok(true)
}

fn day(value: &str, key: &'static str) -> Result<i64, QueryError> {
    super::parse_day(value).ok_or_else(|| QueryError::BadDate {
        key,
        value: value.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_exclusions_and_filters() {
        let q = parse(r#"invoice "合同 编号" -draft -"old copy" model:"gpt 4" provider:OpenAI after:2026-01-01 before:2026-02-01 has:image 10:30"#).unwrap();
        assert_eq!(q.terms, ["invoice", "合同 编号", "10:30"]);
        assert_eq!(q.excluded, ["draft", "old copy"]);
        assert_eq!(q.model.as_deref(), Some("gpt 4"));
        assert_eq!(q.provider.as_deref(), Some("OpenAI"));
        assert_eq!(q.after, Some(1_767_225_600));
        assert_eq!(q.before, Some(1_769_904_000));
        assert!(q.has_image);
    }

    #[test]
    fn odd_input_parses_or_says_what_to_type() {
        assert_eq!(parse("  ").unwrap_err(), QueryError::Empty);
        assert_eq!(parse("\"\"").unwrap_err(), QueryError::Empty);
        assert_eq!(parse("- a").unwrap().terms, ["-", "a"]);
        assert_eq!(
            parse("\"unclosed phrase").unwrap().terms,
            ["unclosed phrase"]
        );
        assert_eq!(parse("\"model:x\"").unwrap().terms, ["model:x"]);
        assert_eq!(parse("c++ e-mail").unwrap().terms, ["c++", "e-mail"]);
        let err = parse("before:2026-3-1").unwrap_err().to_string();
        assert!(
            err.contains("YYYY-MM-DD") && err.contains("before:2026-03-01"),
            "{err}"
        );
        assert!(
            parse("has:pdf")
                .unwrap_err()
                .to_string()
                .contains("has:image")
        );
        assert!(
            parse("model:")
                .unwrap_err()
                .to_string()
                .contains("model:gpt-4o")
        );
        assert_eq!(parse("发").unwrap().terms, ["发"]);
    }
}
