//! The core's own messages in the interface language (issue #9 §4): why a question was not
//! taken, and the names the core gives things. Each is a kind with its parameters, written
//! out here in English and Chinese; errors of other modules have their own `text(lang)`
//! (`LlmError`, `StoreError`). The engine renders them in the language the front end set
//! with `Command::SetLanguage` (English until then, and for the CLI).

use crate::lang::Lang;

/// Why the core did not take a question (or a Retry, a Continue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Nothing typed and no image.
    EmptyQuestion,
    /// No provider is configured.
    NoProvider,
    /// `--provider NAME` names none of the configured ones.
    NoSuchProvider {
        /// The name asked for.
        name: String,
        /// The names configured.
        known: Vec<String>,
    },
    /// A reply is still streaming in the conversation.
    StillStreaming,
    /// There is no cut-off reply to continue.
    NothingToContinue,
}

impl Refusal {
    /// The message for a person reading `lang`, naming the next step.
    pub(super) fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Self::EmptyQuestion, Lang::En) => {
                "The question is empty. Type a question, then send it.".into()
            }
            (Self::EmptyQuestion, Lang::Zh) => "问题是空的。请先输入问题再发送。".into(),
            (Self::NoProvider, Lang::En) => "No provider is set up yet. Add one in Settings → Providers (or pass --base-url and --model to the CLI).".into(),
            (Self::NoProvider, Lang::Zh) => "还没有设置服务商。请在 设置 → 服务商 中添加一个。".into(),
            (Self::NoSuchProvider { name, known }, Lang::En) if known.is_empty() => {
                format!("There is no provider named “{name}”: none is configured yet.")
            }
            (Self::NoSuchProvider { name, known }, Lang::En) => format!(
                "There is no provider named “{name}”. Configured: {}.",
                known.join(", ")
            ),
            (Self::NoSuchProvider { name, known }, Lang::Zh) if known.is_empty() => {
                format!("没有名为“{name}”的服务商：还没有配置任何服务商。")
            }
            (Self::NoSuchProvider { name, known }, Lang::Zh) => {
                format!("没有名为“{name}”的服务商。已配置：{}。", known.join("、"))
            }
            (Self::StillStreaming, Lang::En) => "A reply is still streaming in this conversation. Press Stop first, or wait for it to finish.".into(),
            (Self::StillStreaming, Lang::Zh) => {
                "这个对话中的回复仍在生成。请先按停止，或等它完成。".into()
            }
            (Self::NothingToContinue, Lang::En) => {
                "There is no cut-off reply to continue here. Use Retry for a fresh reply.".into()
            }
            (Self::NothingToContinue, Lang::Zh) => {
                "这里没有被截断的回复可以继续。请用重试获得新的回复。".into()
            }
        }
    }
}

/// The name of an image pasted from the clipboard (it has no file name).
pub(super) fn pasted_image_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "pasted image",
        Lang::Zh => "粘贴的图片",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_in_both_languages() {
        let cases = [
            (
                Refusal::EmptyQuestion,
                "The question is empty",
                "问题是空的",
            ),
            (
                Refusal::NoProvider,
                "No provider is set up yet",
                "还没有设置服务商",
            ),
            (
                Refusal::StillStreaming,
                "A reply is still streaming",
                "回复仍在生成",
            ),
            (
                Refusal::NothingToContinue,
                "There is no cut-off reply",
                "没有被截断的回复",
            ),
            (
                Refusal::NoSuchProvider {
                    name: "x".into(),
                    known: vec!["a".into(), "b".into()],
                },
                "There is no provider named “x”. Configured: a, b.",
                "没有名为“x”的服务商。已配置：a、b。",
            ),
        ];
        for (refusal, en, zh) in cases {
            assert!(refusal.text(Lang::En).starts_with(en), "{refusal:?}");
            assert!(refusal.text(Lang::Zh).contains(zh), "{refusal:?}");
        }
        assert_eq!(pasted_image_name(Lang::Zh), "粘贴的图片");
    }
}
