//! The composer's attachments as the window knows them, built only from
//! [`AttachmentEvent`]s: each image with its OCR state, and its text as the user edits it.

use std::sync::Arc;

use crate::core::{AttachmentEvent, AttachmentId, OutgoingAttachment};

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
#[derive(Debug, Clone)]
pub struct ComposerAttachment {
    /// The core's id.
    pub id: AttachmentId,
    /// The name shown.
    pub file_name: String,
    /// OCR progress or result.
    pub ocr: OcrState,
    /// The recognised text, as the user edits it.
    pub text: String,
    /// The image bytes, once read (for the thumbnail).
    pub image: Option<Arc<[u8]>>,
}

/// The composer's attachments, in the order attached, and the last failure to show.
#[derive(Debug, Default)]
pub struct ComposerAttachments {
    /// The attachments.
    pub items: Vec<ComposerAttachment>,
    /// The last attachment that could not be read, and why.
    pub failure: Option<String>,
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
                image: None,
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
                image,
                notice,
            } => {
                if let Some(item) = self.get_mut(id) {
                    item.text = text;
                    item.image = Some(image);
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

    /// What a Send carries: every attachment with its edited text.
    #[must_use]
    pub fn outgoing(&self) -> Vec<OutgoingAttachment> {
        self.items
            .iter()
            .map(|item| OutgoingAttachment {
                id: item.id,
                text: item.text.clone(),
            })
            .collect()
    }

    /// True while any attachment is still being read.
    #[must_use]
    pub fn reading(&self) -> bool {
        self.items
            .iter()
            .any(|item| matches!(item.ocr, OcrState::Reading { .. }))
    }
}
