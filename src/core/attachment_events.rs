//! The attachment types front ends see: ids, pasted image data, what a Send carries, and the
//! events of an attachment in the composer (see `attaching.rs`).

use std::sync::Arc;

/// An attachment in the composer, numbered by the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttachmentId(pub u64);

/// Image data pasted from the clipboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PastedImage {
    /// An encoded image file (PNG, JPEG…), as `xclip -t image/png` serves it.
    Encoded(Vec<u8>),
    /// Raw pixels, 8-bit RGBA, row by row.
    Rgba {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width * height * 4` bytes.
        pixels: Vec<u8>,
    },
}

/// One attachment sent with a question: which one, and its text as the user left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingAttachment {
    /// The attachment.
    pub id: AttachmentId,
    /// The recognised text, possibly edited; this is what the template places in the prompt.
    pub text: String,
}

/// What happened to an attachment in the composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentEvent {
    /// Attached; OCR has started.
    Added {
        /// Its id, for progress, removal and sending.
        id: AttachmentId,
        /// The name shown (the file name, or "pasted image").
        file_name: String,
    },
    /// `done` of `total` parts of the image are read.
    Progress {
        /// Which one.
        id: AttachmentId,
        /// Parts read.
        done: usize,
        /// Parts in all.
        total: usize,
    },
    /// OCR finished. `text` may be empty: then `notice` says no text was found (the image can
    /// still be sent to a vision model).
    Read {
        /// Which one.
        id: AttachmentId,
        /// The recognised text.
        text: String,
        /// The languages used (`chi_sim+eng`).
        language: String,
        /// Mean word confidence in percent, when any word was found.
        confidence: Option<u8>,
        /// A small copy of the image for the composer.
        thumbnail: Option<Thumbnail>,
        /// "No text found in …", when the text is empty.
        notice: Option<String>,
    },
    /// The images a sent user message carries (after the message is shown, and for every
    /// such message when a conversation is opened).
    Sent {
        /// The user message.
        message: crate::store::MessageId,
        /// Its images, in order.
        items: Vec<SentAttachment>,
    },
    /// The image could not be read; the message names the cause (not an image, too large,
    /// truncated…). The attachment is gone.
    Failed {
        /// Which one.
        id: AttachmentId,
        /// What went wrong and what to do.
        message: String,
    },
}

/// The OCR languages new attachments are read in, and the choices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OcrLanguages {
    /// What the settings say (`None`: automatic).
    pub chosen: Option<String>,
    /// What automatic means here (`chi_sim+eng`, or `eng` without Chinese).
    pub automatic: String,
    /// The installed languages, sorted.
    pub installed: Vec<String>,
    /// Why the chosen languages cannot be used (not installed: names the Debian package).
    pub problem: Option<String>,
}

/// One image of a sent message, as the conversation shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentAttachment {
    /// The stored row's id (to open it in the inspector).
    pub stored_id: i64,
    /// The name shown.
    pub file_name: String,
    /// The text that went into the prompt.
    pub sent_text: String,
    /// The OCR languages, when it was read.
    pub language: Option<String>,
    /// Mean confidence in percent.
    pub confidence: Option<u8>,
    /// What went to the model.
    pub sent_as: crate::domain::ImageMode,
    /// A small copy (none when its file is gone).
    pub thumbnail: Option<Thumbnail>,
}

/// A small RGBA copy of an image (at most [`Thumbnail::MAX_SIDE`] pixels a side), made off the
/// UI thread so the window only uploads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes, unmultiplied RGBA.
    pub rgba: Arc<[u8]>,
}

impl Thumbnail {
    /// The longest side.
    pub const MAX_SIDE: u32 = 160;

    /// A thumbnail of an encoded image, or `None` if it does not decode.
    #[must_use]
    pub fn of(bytes: &[u8]) -> Option<Self> {
        let image = image::load_from_memory(bytes).ok()?;
        let small = image.thumbnail(Self::MAX_SIDE, Self::MAX_SIDE).to_rgba8();
        Some(Self {
            width: small.width(),
            height: small.height(),
            rgba: small.into_raw().into(),
        })
    }
}
