//! Redaction: removes secrets from a text before it is shown, logged or stored. Servers echo
//! keys back in error bodies ("Incorrect API key provided: sk-…"), so every error text from
//! outside goes through [`redact`].

/// What a redacted secret reads as.
pub const REDACTED: &str = "***";

/// The shortest secret replaced by value: shorter ones would blank out ordinary words.
const MIN_SECRET_CHARS: usize = 4;
/// The shortest `sk-…` token taken for a key even when it is not one we know.
const MIN_SK_TOKEN_CHARS: usize = 16;

/// `text` with every occurrence of each of `secrets`, every `Bearer <token>` and every
/// `sk-…` key-shaped token replaced by [`REDACTED`].
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        let secret = secret.trim();
        if secret.chars().count() >= MIN_SECRET_CHARS && out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    let out = redact_after(&out, "bearer ", 1);
    redact_after(&out, "sk-", MIN_SK_TOKEN_CHARS)
}

/// Replaces the token after each (ASCII case-insensitive) `prefix`, when it is at least
/// `min_chars` token characters long; the prefix itself is kept.
fn redact_after(text: &str, prefix: &str, min_chars: usize) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower.get(search..).and_then(|rest| rest.find(prefix)) {
        let token_start = search + found + prefix.len();
        let token_len = text
            .get(token_start..)
            .unwrap_or_default()
            .bytes()
            .take_while(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
            })
            .count();
        let token = text
            .get(token_start..token_start + token_len)
            .unwrap_or_default();
        if token_len >= min_chars && token != REDACTED {
            out.push_str(text.get(copied..token_start).unwrap_or_default());
            out.push_str(REDACTED);
            copied = token_start + token_len;
        }
        // The prefix is never empty and the token is ASCII, so this moves on, on a boundary.
        search = token_start + token_len;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_bearer_tokens_and_key_shapes_are_removed() {
        let key = "sk-proj-AbC123xyz987_secret";
        let body = format!(
            "Incorrect API key provided: {key}. Header was Authorization: Bearer {key}; bearer tok.en+/= here"
        );
        let clean = redact(&body, &[key]);
        assert!(!clean.contains("AbC123"), "{clean}");
        assert_eq!(
            clean,
            "Incorrect API key provided: ***. Header was Authorization: Bearer ***; bearer *** here"
        );
        // A key-shaped token we were not told about.
        assert_eq!(
            redact("key sk-0123456789abcdefXYZ rejected", &[]),
            "key sk-*** rejected"
        );
        // Ordinary text is left alone, including short "secrets" and a bare prefix.
        assert_eq!(redact("ask-me sk-1 Bearer", &["ab"]), "ask-me sk-1 Bearer");
        assert_eq!(redact("模型 sk-中文", &[]), "模型 sk-中文");
    }
}
