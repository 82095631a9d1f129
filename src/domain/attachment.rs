//! What an attached image became in a message: its OCR text, the image itself, or both.

use serde::{Deserialize, Serialize};

/// How an attachment is sent to the model. A text-only model always gets
/// [`ImageMode::TextNoVision`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageMode {
    /// The recognised text, placed by the prompt template.
    Text,
    /// The image as an image content part (vision models only).
    Image,
    /// Both the text and the image.
    #[default]
    Both,
    /// The recognised text, because the model cannot see images (the user had no choice;
    /// the message says so).
    TextNoVision,
}

impl ImageMode {
    /// The stored spelling (`text`, `image`, `both`, `text_no_vision`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Both => "both",
            Self::TextNoVision => "text_no_vision",
        }
    }

    /// Reads the stored spelling; anything unknown reads as `text` (what every model gets).
    /// The choices a person makes (`--image-mode`, the composer) are only the first three.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "image" => Self::Image,
            "both" => Self::Both,
            "text_no_vision" => Self::TextNoVision,
            _ => Self::Text,
        }
    }

    /// True when the OCR text goes into the prompt.
    #[must_use]
    pub fn sends_text(self) -> bool {
        matches!(self, Self::Text | Self::Both | Self::TextNoVision)
    }

    /// True when the image goes as an image content part.
    #[must_use]
    pub fn sends_image(self) -> bool {
        matches!(self, Self::Image | Self::Both)
    }
}
