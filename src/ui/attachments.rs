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
                    item.ocr = OcrState::Read {
                        language,
                        confidence,
                        notice,
                    };
                }
            }
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
