//! Provider presets offered on the welcome screen, each with the API style it speaks.

use super::ApiStyle;

/// A ready-made provider configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// Shown in the preset list and used as the default provider name.
    pub label: &'static str,
    /// The base URL, empty for "custom".
    pub base_url: &'static str,
    /// A sensible default model.
    pub model: &'static str,
    /// Whether the server needs an API key.
    pub needs_key: bool,
    /// Whether the server accepts `stream_options.include_usage`.
    pub stream_usage: bool,
    /// The wire format it speaks.
    pub api: ApiStyle,
}

/// All presets, in the order shown; "Custom" stays last (the form falls back to it).
pub const PRESETS: &[Preset] = &[
    Preset {
        label: "OpenAI",
        base_url: "https://api.openai.com/v1",
        model: "gpt-4o-mini",
        needs_key: true,
        stream_usage: true,
        api: ApiStyle::OpenAiCompatible,
    },
    Preset {
        label: "DeepSeek",
        base_url: "https://api.deepseek.com/v1",
        model: "deepseek-chat",
        needs_key: true,
        stream_usage: true,
        api: ApiStyle::OpenAiCompatible,
    },
    Preset {
        label: "Qwen (DashScope)",
        base_url: "https://dashscope.aliyuncs.com/compatible-mode/v1",
        model: "qwen-plus",
        needs_key: true,
        stream_usage: true,
        api: ApiStyle::OpenAiCompatible,
    },
    Preset {
        label: "Moonshot / Kimi",
        base_url: "https://api.moonshot.cn/v1",
        model: "moonshot-v1-8k",
        needs_key: true,
        stream_usage: false,
        api: ApiStyle::OpenAiCompatible,
    },
    Preset {
        label: "Zhipu GLM",
        base_url: "https://open.bigmodel.cn/api/paas/v4",
        model: "glm-4-flash",
        needs_key: true,
        stream_usage: false,
        api: ApiStyle::OpenAiCompatible,
    },
    Preset {
        label: "Ollama (local)",
        base_url: "http://localhost:11434/v1",
        model: "llama3.2",
        needs_key: false,
        stream_usage: true,
        api: ApiStyle::OpenAiCompatible,
    },
    Preset {
        label: "Anthropic",
        base_url: "https://api.anthropic.com",
        model: "claude-sonnet-4-5",
        needs_key: true,
        stream_usage: false,
        api: ApiStyle::Anthropic,
    },
    Preset {
        label: "Ollama (native API)",
        base_url: "http://localhost:11434",
        model: "llama3.2",
        needs_key: false,
        stream_usage: false,
        api: ApiStyle::Ollama,
    },
    Preset {
        label: "Custom OpenAI-compatible",
        base_url: "",
        model: "",
        needs_key: true,
        stream_usage: false,
        api: ApiStyle::OpenAiCompatible,
    },
];

impl Preset {
    /// The preset with this label.
    pub fn find(label: &str) -> Option<&'static Self> {
        PRESETS.iter().find(|p| p.label == label)
    }
}

#[cfg(test)]
mod tests {
    use super::{PRESETS, Preset};
    use crate::llm::ProviderConfig;

    #[test]
    fn every_preset_but_custom_is_valid() {
        for preset in PRESETS.iter().filter(|p| !p.base_url.is_empty()) {
            let mut config = ProviderConfig::new(preset.label, preset.base_url, preset.model);
            config.api = preset.api;
            config.validate().unwrap();
        }
        let custom = PRESETS.last().map(|p| p.label);
        assert_eq!(custom, Some("Custom OpenAI-compatible"));
        let anthropic = Preset::find("Anthropic").unwrap();
        let mut config = ProviderConfig::new("a", anthropic.base_url, anthropic.model);
        config.api = anthropic.api;
        assert_eq!(config.chat_url(), "https://api.anthropic.com/v1/messages");
    }
}
