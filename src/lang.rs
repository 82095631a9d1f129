//! The interface language, shared by the window's string table (`ui/strings.rs`) and the
//! core's messages (`core/localized.rs`, `llm/error_text.rs`, `store/error_text.rs`), so
//! an error made in the core reaches a Chinese window in Chinese without the core knowing
//! egui. The window tells the core its language with `Command::SetLanguage`.

/// The language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// From `OCRCHAT_LANG`, else `LC_ALL`/`LC_MESSAGES`/`LANG` (`zh…` picks Chinese).
    pub fn from_env() -> Self {
        let value = ["OCRCHAT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
            .unwrap_or_default();
        if value.to_ascii_lowercase().starts_with("zh") {
            Self::Zh
        } else {
            Self::En
        }
    }
}
