//! Provider presets offered on the welcome screen. Each is an OpenAI-compatible endpoint.

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
}

/// All presets, in the order shown.
pub const PRESETS: &[Preset] = &[
    Preset {
        label: "OpenAI",
        base_url: "https://api.openai.com/v1",
        model: "gpt-4o-mini",
        needs_key: true,
        stream_usage: true,
    },
    Preset {
        label: "DeepSeek",
        base_url: "https://api.deepseek.com/v1",
        model: "deepseek-chat",
        needs_key: true,
        stream_usage: true,
    },
    Preset {
        label: "Qwen (DashScope)",
        base_url: "https://dashscope.aliyuncs.com/compatible-mode/v1",
        model: "qwen-plus",
        needs_key: true,
        stream_usage: true,
    },
    Preset {
        label: "Moonshot / Kimi",
        base_url: "https://api.moonshot.cn/v1",
        model: "moonshot-v1-8k",
        needs_key: true,
        stream_usage: false,
    },
    Preset {
        label: "Zhipu GLM",
        base_url: "https://open.bigmodel.cn/api/paas/v4",
        model: "glm-4-flash",
        needs_key: true,
        stream_usage: false,
    },
    Preset {
        label: "Ollama (local)",
        base_url: "http://localhost:11434/v1",
        model: "llama3.2",
        needs_key: false,
        stream_usage: true,
    },
    Preset {
        label: "Custom OpenAI-compatible",
        base_url: "",
        model: "",
        needs_key: true,
        stream_usage: false,
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
    use super::PRESETS;
    use crate::llm::ProviderConfig;

    #[test]
    fn every_preset_but_custom_is_valid() {
        for preset in PRESETS.iter().filter(|p| !p.base_url.is_empty()) {
            ProviderConfig::new(preset.label, preset.base_url, preset.model)
                .validate()
                .unwrap();
        }
    }
}
