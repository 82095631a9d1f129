//! What an HTML page says, in one line: proxies and login walls answer API requests with
//! HTML, and the user should see its title, never its markup.

use super::error::snippet;

/// The title of an HTML page, or its first line of text, for a body that is HTML; `None`
/// for anything else. Markup is never shown to the user.
pub fn html_summary(body: &str) -> Option<String> {
    let start = body.trim_start_matches('\u{feff}').trim_start();
    let lower: String = start
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    let is_html = lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.starts_with("<head")
        || lower.starts_with("<body")
        || (lower.starts_with('<') && (lower.contains("<html") || lower.contains("<title")));
    if !is_html {
        return None;
    }
    let lower_body = start.to_ascii_lowercase();
    let title = lower_body.find("<title").and_then(|open| {
        let text_start = open + lower_body.get(open..)?.find('>')? + 1;
        let text_end = text_start + lower_body.get(text_start..)?.find("</title")?;
        start.get(text_start..text_end)
    });
    let text = match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(title) => title.to_owned(),
        None => first_text_line(start),
    };
    let text = snippet(&decode_entities(&text), 120);
    Some(if text.is_empty() {
        "an HTML page with no text".to_owned()
    } else {
        format!("an HTML page: “{text}”")
    })
}

/// The first non-empty line of the text outside tags (scripts and styles left out).
fn first_text_line(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(rest.get(..open).unwrap_or_default());
        let after = rest.get(open..).unwrap_or_default();
        let lower: String = after
            .chars()
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            after.to_ascii_lowercase().find("</script>").map(|i| i + 9)
        } else if lower.starts_with("<style") {
            after.to_ascii_lowercase().find("</style>").map(|i| i + 8)
        } else {
            after.find('>').map(|i| i + 1)
        };
        let Some(skip_to) = skip_to else { break };
        // Tags separate lines of text.
        text.push('\n');
        rest = after.get(skip_to..).unwrap_or_default();
    }
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default()
        .to_owned()
}

/// The few entities error pages use.
fn decode_entities(text: &str) -> String {
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_pages_show_title_or_first_text_never_markup() {
        let nginx = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>";
        assert_eq!(
            html_summary(nginx).unwrap(),
            "an HTML page: “502 Bad Gateway”"
        );
        let login = "<!DOCTYPE html><html><head><style>p{}</style><script>var a='<b>';</script></head><body>\n  <h2>Sign in &amp; continue</h2><p>SSO</p></body></html>";
        assert_eq!(
            html_summary(login).unwrap(),
            "an HTML page: “Sign in & continue”"
        );
        assert_eq!(html_summary(r#"{"error":"x"}"#), None);
        assert_eq!(html_summary("plain words"), None);
    }
}
