//! Which links the window opens in the system browser: `http`, `https` and `mailto` only.
//! A reply is text from a model; a `file:`, `javascript:` or custom-scheme link in it must not
//! start a program on the person's machine.

/// The schemes a link may have to be opened.
const OPENABLE_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Whether a link with this address may be opened in the system browser.
pub fn is_openable(url: &str) -> bool {
    let Some((scheme, rest)) = url.trim().split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && OPENABLE_SCHEMES
            .iter()
            .any(|allowed| scheme.eq_ignore_ascii_case(allowed))
}

/// Drops this frame's requests to open a link whose scheme is not allowed (the window's
/// integration opens the rest with the system browser).
pub fn keep_safe_links(ctx: &egui::Context) {
    ctx.output_mut(|output| {
        output.commands.retain(|command| match command {
            egui::OutputCommand::OpenUrl(open) => {
                let allowed = is_openable(&open.url);
                if !allowed {
                    tracing::warn!(url = %open.url, "not opening a link with this scheme");
                }
                allowed
            }
            _ => true,
        });
    });
}

#[cfg(test)]
mod tests {
    use super::is_openable;

    #[test]
    fn only_web_and_mail_links_open() {
        for url in [
            "https://example.com/a?b=c",
            "http://127.0.0.1:8080/",
            "HTTPS://EXAMPLE.COM",
            "mailto:someone@example.com",
        ] {
            assert!(is_openable(url), "{url}");
        }
        for url in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "ssh://host",
            "vscode://open",
            "/relative/path",
            "example.com",
            "https:",
            "",
        ] {
            assert!(!is_openable(url), "{url}");
        }
    }
}
