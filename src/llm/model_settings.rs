//! Per-model settings: whether a model sees images, how much context it takes, and the
//! user's max tokens and temperature. Known model families have defaults (a vision flag and
//! a context window); what the user saved for a model in `config.toml` wins over them.

use serde::{Deserialize, Serialize};

/// Context window assumed for a model nobody knows anything about (tokens).
pub const DEFAULT_CONTEXT_WINDOW: u32 = 32_768;

/// A sampling temperature, 0 to 2 (checked when read, so it is never NaN).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f32", into = "f32")]
pub struct Temperature(f32);

// Never NaN (checked in `try_from`), so equality is total.
impl Eq for Temperature {}

impl Temperature {
    /// The value.
    pub fn get(self) -> f32 {
        self.0
    }

    /// The value as the shortest decimal that reads back as it (0.7, not 0.699999988…), for
    /// request bodies.
    pub fn as_f64(self) -> f64 {
        self.0
            .to_string()
            .parse()
            .unwrap_or_else(|_| f64::from(self.0))
    }
}

impl TryFrom<f32> for Temperature {
    type Error = String;

    fn try_from(value: f32) -> Result<Self, String> {
        if (0.0..=2.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(format!("temperature {value} is outside 0 to 2"))
        }
    }
}

impl From<Temperature> for f32 {
    fn from(t: Temperature) -> Self {
        t.0
    }
}

/// What the user set for one model of a provider; `None` fields fall back to the known
/// defaults ([`ModelProfile`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSettings {
    /// The model name, as sent in requests.
    pub name: String,
    /// It can see images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vision: Option<bool>,
    /// Its context window in tokens (used to cut long histories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u32>,
    /// Upper bound on a reply's tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<Temperature>,
}

impl ModelSettings {
    /// True when nothing is set beyond the name (such an entry is not worth saving).
    pub fn is_empty(&self) -> bool {
        self.vision.is_none()
            && self.context_window.is_none()
            && self.max_tokens.is_none()
            && self.temperature.is_none()
    }
}

/// What applies to one model: the user's settings over the known defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelProfile {
    /// It can see images: a message's images may go to it as image parts.
    pub vision: bool,
    /// Its context window in tokens.
    pub context_window: u32,
    /// Upper bound on a reply's tokens (`None`: the API's default).
    pub max_tokens: Option<u32>,
    /// Sampling temperature (`None`: the API's default).
    pub temperature: Option<Temperature>,
}

impl ModelProfile {
    /// The profile of `model` given the user's entry for it, if any.
    pub fn of(model: &str, settings: Option<&ModelSettings>) -> Self {
        let known = KnownModel::of(model);
        Self {
            vision: settings.and_then(|s| s.vision).unwrap_or(known.vision),
            context_window: settings
                .and_then(|s| s.context_window)
                .unwrap_or(known.context_window),
            max_tokens: settings.and_then(|s| s.max_tokens),
            temperature: settings.and_then(|s| s.temperature),
        }
    }
}

/// What is known of a model family from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KnownModel {
    vision: bool,
    context_window: u32,
}

/// Name fragments of known families (matched in order on the lowercased name after any
/// `vendor/` prefix), with whether they see images and their context window.
const KNOWN: &[(&str, bool, u32)] = &[
    // Vision variants of families that are otherwise text-only come first.
    ("qwen-vl", true, 32_768),
    ("qwen2-vl", true, 32_768),
    ("qwen2.5-vl", true, 128_000),
    ("qwen3-vl", true, 256_000),
    ("llama3.2-vision", true, 128_000),
    ("llama-3.2-11b-vision", true, 128_000),
    ("llama-3.2-90b-vision", true, 128_000),
    ("llava", true, 4_096),
    ("minicpm-v", true, 32_768),
    ("glm-4v", true, 8_192),
    ("glm-4.5v", true, 64_000),
    ("internvl", true, 32_768),
    ("pixtral", true, 128_000),
    ("gemma3", true, 128_000),
    ("gpt-4o", true, 128_000),
    ("gpt-4.1", true, 1_000_000),
    ("gpt-4-turbo", true, 128_000),
    ("gpt-5", true, 400_000),
    ("o1", true, 200_000),
    ("o3", true, 200_000),
    ("o4", true, 200_000),
    ("claude", true, 200_000),
    ("gemini", true, 1_000_000),
    ("gpt-3.5", false, 16_385),
    ("gpt-4", false, 8_192),
    ("deepseek", false, 64_000),
    ("qwen", false, 32_768),
    ("llama3", false, 8_192),
    ("mistral", false, 32_768),
    ("glm", false, 128_000),
    ("moonshot", false, 128_000),
    ("kimi", false, 128_000),
];

impl KnownModel {
    fn of(model: &str) -> Self {
        let lower = model.trim().to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        KNOWN
            .iter()
            .find(|(fragment, ..)| {
                name.starts_with(fragment) || name.contains(&format!("-{fragment}"))
            })
            .map_or(
                Self {
                    vision: false,
                    context_window: DEFAULT_CONTEXT_WINDOW,
                },
                |&(_, vision, context_window)| Self {
                    vision,
                    context_window,
                },
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_families_have_defaults_and_the_user_wins() {
        let gpt = ModelProfile::of("gpt-4o-mini", None);
        assert!(gpt.vision);
        assert_eq!(gpt.context_window, 128_000);
        assert!(!ModelProfile::of("gpt-3.5-turbo", None).vision);
        assert!(ModelProfile::of("Qwen/Qwen2.5-VL-7B-Instruct", None).vision);
        assert!(!ModelProfile::of("qwen2.5:7b", None).vision);
        assert!(ModelProfile::of("claude-sonnet-4-5", None).vision);
        assert!(ModelProfile::of("llama3.2-vision:11b", None).vision);
        assert!(!ModelProfile::of("deepseek-chat", None).vision);
        let unknown = ModelProfile::of("my-house-model", None);
        assert!(!unknown.vision);
        assert_eq!(unknown.context_window, DEFAULT_CONTEXT_WINDOW);

        let settings = ModelSettings {
            name: "my-house-model".into(),
            vision: Some(true),
            context_window: Some(8_000),
            max_tokens: Some(512),
            temperature: Some(Temperature::try_from(0.2).unwrap()),
        };
        let profile = ModelProfile::of("my-house-model", Some(&settings));
        assert!(profile.vision);
        assert_eq!(profile.context_window, 8_000);
        assert_eq!(profile.max_tokens, Some(512));
    }

    #[test]
    fn a_temperature_outside_0_to_2_or_nan_is_refused() {
        assert!(Temperature::try_from(f32::NAN).is_err());
        assert!(Temperature::try_from(2.5).is_err());
        assert!(Temperature::try_from(-0.1).is_err());
        assert_eq!(Temperature::try_from(0.7).map(Temperature::get), Ok(0.7));
    }
}
