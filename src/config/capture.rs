//! The screen-capture settings (issue 11): the two global hotkeys and the "capture and ask"
//! questions, kept as the user typed them (the window parses and binds the hotkeys).

use serde::{Deserialize, Serialize};

/// How many "capture and ask" questions there are.
pub const ASK_PRESETS: usize = 3;

/// `[capture]` in `config.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaptureSettings {
    /// Freezes the screen to choose a region to attach ("Ctrl+Alt+A"; empty: none).
    pub hotkey: String,
    /// Captures a region and sends it at once with the chosen question (empty: none).
    pub ask_hotkey: String,
    /// The "capture and ask" questions; an empty one is the default in the window's language.
    pub questions: Vec<String>,
    /// Which question the ask hotkey sends (an index into the questions).
    pub ask_question: usize,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        Self {
            hotkey: "Ctrl+Alt+A".into(),
            ask_hotkey: "Ctrl+Alt+Q".into(),
            questions: vec![String::new(); ASK_PRESETS],
            ask_question: 0,
        }
    }
}

impl CaptureSettings {
    /// The question at `index` as the user set it, or `None` to use the default.
    pub fn custom_question(&self, index: usize) -> Option<&str> {
        self.questions
            .get(index)
            .map(|q| q.trim())
            .filter(|q| !q.is_empty())
    }
}
