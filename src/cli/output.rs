//! What the CLI prints: text from a server goes to a terminal only without control
//! characters, so a reply or an error message cannot clear the screen, retitle the window or
//! move the cursor. Output to a file or a pipe stays exactly what the server sent.

use std::borrow::Cow;
use std::io::IsTerminal as _;
use std::sync::OnceLock;

/// `text` without control characters other than newline and tab (C0, DEL and C1, which
/// includes the escape that starts every terminal escape sequence).
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    let is_unwanted = |c: char| c.is_control() && c != '\n' && c != '\t';
    if text.contains(is_unwanted) {
        Cow::Owned(text.chars().filter(|&c| !is_unwanted(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Reply text for stdout: stripped when stdout is a terminal, raw otherwise.
pub fn for_stdout(text: &str) -> Cow<'_, str> {
    static IS_TERMINAL: OnceLock<bool> = OnceLock::new();
    stripped_if(
        *IS_TERMINAL.get_or_init(|| std::io::stdout().is_terminal()),
        text,
    )
}

/// A message for stderr: stripped when stderr is a terminal, raw otherwise.
pub fn for_stderr(text: &str) -> Cow<'_, str> {
    static IS_TERMINAL: OnceLock<bool> = OnceLock::new();
    stripped_if(
        *IS_TERMINAL.get_or_init(|| std::io::stderr().is_terminal()),
        text,
    )
}

/// Prints one diagnostic line on stderr as `ocrchat: LINE`, without terminal control
/// characters when stderr is a terminal.
#[expect(
    clippy::print_stderr,
    reason = "the CLI's one way to write a diagnostic line"
)]
pub fn diagnostic(line: &str) {
    eprintln!("ocrchat: {}", for_stderr(line));
}

fn stripped_if(terminal: bool, text: &str) -> Cow<'_, str> {
    if terminal {
        strip_controls(text)
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::strip_controls;

    #[test]
    fn only_newline_and_tab_survive() {
        let hostile = "a\u{1b}[2J\u{1b}]0;pwned\u{7}b\r\n\tc\u{7f}\u{9b}31m你好\u{0}";
        assert_eq!(strip_controls(hostile), "a[2J]0;pwnedb\n\tc31m你好");
        assert!(matches!(
            strip_controls("plain 文本\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
