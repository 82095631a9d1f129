//! The composer's attachments as the window knows them, built only from
//! [`AttachmentEvent`]s: each image with its OCR state, and its text as the user edits it.

use crate::core::{AttachmentEvent, AttachmentId, OutgoingAttachment, Thumbnail};

/// Where one attachment's OCR stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcrState {
    /// Being read: `done` of `total` parts (0 of 0 before the first report).
    Reading {
        /// Parts read.
        done: usize,
        /// Parts in all.
        total: usize,
    },
    /// Read.
    Read {
        /// The languages used.
        language: String,
        /// Mean confidence in percent.
        confidence: Option<u8>,
        /// "No text found in …", when nothing was read.
        notice: Option<String>,
    },
}

/// One attachment in the composer.
#[derive(Clone)]
pub struct ComposerAttachment {
    /// The core's id.
    pub id: AttachmentId,
    /// The name shown.
    pub file_name: String,
    /// OCR progress or result.
    pub ocr: OcrState,
    /// The recognised text, as the user edits it.
    pub text: String,
    /// The small copy, once read.
    pub thumbnail: Option<Thumbnail>,
    /// Its texture, uploaded on the first frame that draws it.
    pub texture: Option<egui::TextureHandle>,
}

impl std::fmt::Debug for ComposerAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComposerAttachment")
            .field("id", &self.id)
            .field("file_name", &self.file_name)
            .field("ocr", &self.ocr)
            .finish_non_exhaustive()
    }
}

/// The composer's attachments, in the order attached, and the last failure to show.
#[derive(Debug, Default)]
pub struct ComposerAttachments {
    /// The attachments.
    pub items: Vec<ComposerAttachment>,
    /// The last attachment that could not be read, and why.
    pub failure: Option<String>,
    /// Sent with the question the core has not confirmed yet.
    sent: Vec<AttachmentId>,
}

impl ComposerAttachments {
    /// Applies one core event.
    pub fn apply(&mut self, event: AttachmentEvent) {
        match event {
            AttachmentEvent::Added { id, file_name } => self.items.push(ComposerAttachment {
                id,
                file_name,
                ocr: OcrState::Reading { done: 0, total: 0 },
                text: String::new(),
                thumbnail: None,
                texture: None,
            }),
            AttachmentEvent::Progress { id, done, total } => {
                if let Some(item) = self.get_mut(id) {
                    item.ocr = OcrState::Reading { done, total };
                }
            }
            AttachmentEvent::Read {
                id,
                text,
                language,
                confidence,
                thumbnail,
                notice,
            } => {
                if let Some(item) = self.get_mut(id) {
                    item.text = text;
                    item.thumbnail = thumbnail;
                    // Read again after a turn in the inspector: the new thumbnail is uploaded.
                    item.texture = None;
                    item.ocr = OcrState::Read {
                        language,
                        confidence,
                        notice,
                    };
                }
            }
            // Sent messages' images are kept by `SentAttachments` (see `UiState::apply`).
            AttachmentEvent::Sent { .. } => {}
            AttachmentEvent::Failed { id, message } => {
                self.items.retain(|item| item.id != id);
                self.failure = Some(message);
            }
        }
    }

    fn get_mut(&mut self, id: AttachmentId) -> Option<&mut ComposerAttachment> {
        self.items.iter_mut().find(|item| item.id == id)
    }

    /// Removes one (the caller sends `Command::RemoveAttachment`).
    pub fn remove(&mut self, id: AttachmentId) {
        self.items.retain(|item| item.id != id);
    }

    /// What a Send carries: every attachment with its edited text. They leave the composer
    /// when the core accepts the question ([`Self::accepted`]).
    pub fn outgoing(&mut self) -> Vec<OutgoingAttachment> {
        self.sent = self.items.iter().map(|item| item.id).collect();
        self.items
            .iter()
            .map(|item| OutgoingAttachment {
                id: item.id,
                text: item.text.clone(),
            })
            .collect()
    }

    /// The question was stored: its attachments leave the composer.
    pub fn accepted(&mut self) {
        let sent = std::mem::take(&mut self.sent);
        self.items.retain(|item| !sent.contains(&item.id));
        self.failure = None;
    }

    /// The question was refused: the attachments stay.
    pub fn refused(&mut self) {
        self.sent.clear();
    }

    /// True while any attachment is still being read.
    #[must_use]
    pub fn reading(&self) -> bool {
        self.items
            .iter()
            .any(|item| matches!(item.ocr, OcrState::Reading { .. }))
    }
}

/// One image of a sent message, with its texture once uploaded.
#[derive(Clone)]
pub struct SentImage {
    /// What the core sent.
    pub item: crate::core::SentAttachment,
    /// Its texture.
    pub texture: Option<egui::TextureHandle>,
}

/// The images of the open conversation's user messages.
#[derive(Default)]
pub struct SentAttachments {
    by_message: std::collections::BTreeMap<crate::store::MessageId, Vec<SentImage>>,
}

impl std::fmt::Debug for SentAttachments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentAttachments")
            .field("messages", &self.by_message.len())
            .finish()
    }
}

impl SentAttachments {
    /// A message's images arrived.
    pub fn insert(
        &mut self,
        message: crate::store::MessageId,
        items: Vec<crate::core::SentAttachment>,
    ) {
        let images = items
            .into_iter()
            .map(|item| SentImage {
                item,
                texture: None,
            })
            .collect();
        self.by_message.insert(message, images);
    }

    /// Another conversation is shown.
    pub fn clear(&mut self) {
        self.by_message.clear();
    }

    /// A message's images.
    #[must_use]
    pub fn of(&self, message: crate::store::MessageId) -> Option<&[SentImage]> {
        self.by_message.get(&message).map(Vec::as_slice)
    }

    /// Uploads the thumbnails that have no texture yet (once each).
    pub fn upload(&mut self, ctx: &egui::Context) {
        for (message, images) in &mut self.by_message {
            for (i, image) in images.iter_mut().enumerate() {
                if image.texture.is_none()
                    && let Some(thumbnail) = &image.item.thumbnail
                {
                    let size = [thumbnail.width as usize, thumbnail.height as usize];
                    let pixels = egui::ColorImage::from_rgba_unmultiplied(size, &thumbnail.rgba);
                    image.texture = Some(ctx.load_texture(
                        format!("sent-{}-{i}", message.0),
                        pixels,
                        egui::TextureOptions::LINEAR,
                    ));
                }
            }
        }
    }
}
