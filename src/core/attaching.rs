//! Attachments in the core: an image attached in the composer (a dropped or chosen file, or
//! pasted image data) is read at once on the OCR pool, never on the engine task: a blocking
//! task reads the bytes and waits for the pool, and reports back as [`Internal::Attachment`].
//! The bytes stay in memory until the question is sent; then they are copied into the data
//! dir under their hash and the rows written with the question (so an attachment removed or
//! never sent leaves no file). The prompt template puts the (user-edited) text into the
//! request.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use super::attachment_events::{
    AttachmentEvent, AttachmentId, OutgoingAttachment, PastedImage, SentAttachment, Thumbnail,
};
pub(super) use super::attachment_prompt::{history_entry, request_history};
use super::engine::{Engine, Internal};
use super::event::Event;
use crate::domain::{ImageMode, OcrResult};
use crate::ocr::{
    OcrError, OcrJobCanceller, OcrPool, OcrPoolConfig, OcrRequest, OcrSource, OcrStage,
    tesseract_pool,
};
use crate::store::{AttachmentFiles, MAX_ATTACHMENT_BYTES, MessageId, NewAttachment};

/// An image read by OCR: its bytes, the result, and a thumbnail.
pub(super) type ReadImage = (Arc<[u8]>, OcrResult, Option<Thumbnail>);

/// What the OCR task reports to the engine.
pub(super) enum AttachmentReport {
    Queued {
        id: AttachmentId,
        canceller: OcrJobCanceller,
    },
    Progress {
        id: AttachmentId,
        done: usize,
        total: usize,
    },
    Sent {
        message: MessageId,
        items: Vec<SentAttachment>,
    },
    Done {
        id: AttachmentId,
        result: Result<ReadImage, String>,
    },
}

/// An attachment read and ready to send.
pub(super) struct ReadyAttachment {
    pub(super) row: NewAttachment,
    pub(super) bytes: Arc<[u8]>,
}

enum State {
    Reading(Option<OcrJobCanceller>),
    Ready(Arc<[u8]>, Box<OcrResult>),
}

struct Item {
    file_name: String,
    state: State,
}

/// The engine's attachments: the composer's items and the OCR pool (started on first use).
#[derive(Default)]
pub(super) struct Attaching {
    files: Option<AttachmentFiles>,
    pool: Option<Arc<OcrPool>>,
    next: u64,
    items: HashMap<AttachmentId, Item>,
    images: super::attach_images::ImageCache,
}

impl Attaching {
    /// Attachment files are kept in `files` (none: history in memory, nothing written).
    pub(super) fn new(files: Option<AttachmentFiles>) -> Self {
        Self {
            files,
            ..Self::default()
        }
    }

    /// Where attachment files are kept.
    pub(super) fn files(&self) -> Option<&AttachmentFiles> {
        self.files.as_ref()
    }

    /// A read attachment's name, bytes and OCR result (for the inspector).
    pub(super) fn ready(&self, id: AttachmentId) -> Option<(String, Arc<[u8]>, OcrResult)> {
        match self.items.get(&id) {
            Some(Item {
                file_name,
                state: State::Ready(bytes, ocr),
            }) => Some((file_name.clone(), Arc::clone(bytes), (**ocr).clone())),
            _ => None,
        }
    }

    /// Replaces a read attachment's image and OCR (a re-read in the inspector); false when it
    /// is gone or not read.
    pub(super) fn replace_ready(
        &mut self,
        id: AttachmentId,
        bytes: Arc<[u8]>,
        ocr: OcrResult,
    ) -> bool {
        match self.items.get_mut(&id) {
            Some(item) if matches!(item.state, State::Ready(..)) => {
                item.state = State::Ready(bytes, Box::new(ocr));
                true
            }
            _ => false,
        }
    }

    /// The prepared images the reply tasks share.
    pub(super) fn image_cache(&self) -> super::attach_images::ImageCache {
        self.images.clone()
    }
}

/// Reads a file the user attached: a regular file of bounded size.
fn read_file(path: &std::path::Path, name: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path)
        .map_err(|err| format!("Could not read {name}: {err}. Check that the file exists."))?;
    if !meta.is_file() {
        return Err(format!("{name} is not a file. Attach an image file."));
    }
    if meta.len() > MAX_ATTACHMENT_BYTES {
        return Err(format!(
            "{name} is larger than {} MB. Attach a smaller image.",
            MAX_ATTACHMENT_BYTES / (1024 * 1024)
        ));
    }
    std::fs::read(path).map_err(|err| format!("Could not read {name}: {err}."))
}

/// Encodes pasted data as the bytes to keep: encoded images as they are, pixels as PNG.
fn pasted_bytes(image: PastedImage) -> Result<Vec<u8>, String> {
    match image {
        PastedImage::Encoded(bytes) => Ok(bytes),
        PastedImage::Rgba {
            width,
            height,
            pixels,
        } => {
            let buffer = image::RgbaImage::from_raw(width, height, pixels).ok_or_else(|| {
                format!("The pasted image data does not match its size ({width}×{height}).")
            })?;
            let mut png = std::io::Cursor::new(Vec::new());
            buffer
                .write_to(&mut png, image::ImageFormat::Png)
                .map_err(|err| format!("The pasted image could not be kept: {err}."))?;
            Ok(png.into_inner())
        }
    }
}

impl Engine {
    /// `Command::Attach`: reads the file off the engine task and starts OCR.
    pub(super) async fn attach_file(&mut self, path: PathBuf) {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let source_name = name.clone();
        self.attach(name, move || read_file(&path, &source_name))
            .await;
    }

    /// `Command::AttachImage`: pasted image data.
    pub(super) async fn attach_pasted(&mut self, image: PastedImage) {
        let name = super::localized::pasted_image_name(self.lang);
        self.attach(name.into(), move || pasted_bytes(image)).await;
    }

    async fn attach(
        &mut self,
        file_name: String,
        bytes: impl FnOnce() -> Result<Vec<u8>, String> + Send + 'static,
    ) {
        self.attaching.next += 1;
        let id = AttachmentId(self.attaching.next);
        self.attaching.items.insert(
            id,
            Item {
                file_name: file_name.clone(),
                state: State::Reading(None),
            },
        );
        let added = AttachmentEvent::Added {
            id,
            file_name: file_name.clone(),
        };
        self.events.emit(Event::Attachment(added)).await;
        let pool = match self.ocr_pool() {
            Ok(pool) => pool,
            Err(message) => return self.attachment_failed(id, message).await,
        };
        let reports = self.internal_tx.clone();
        let chosen = self.settings.ocr_language.clone();
        tokio::task::spawn_blocking(move || {
            let job = (id, chosen.as_deref(), &*pool, &reports);
            let result = read_attachment(job, &file_name, bytes);
            let done = AttachmentReport::Done { id, result };
            reports.blocking_send(Internal::Attachment(done)).ok();
        });
    }

    pub(super) fn ocr_pool(&mut self) -> Result<Arc<OcrPool>, String> {
        if let Some(pool) = &self.attaching.pool {
            return Ok(Arc::clone(pool));
        }
        let pool = tesseract_pool(OcrPoolConfig::default())
            .map(Arc::new)
            .map_err(|err| format!("Could not start the OCR workers: {err}."))?;
        self.attaching.pool = Some(Arc::clone(&pool));
        Ok(pool)
    }

    async fn attachment_failed(&mut self, id: AttachmentId, message: String) {
        self.attaching.items.remove(&id);
        let failed = AttachmentEvent::Failed { id, message };
        self.events.emit(Event::Attachment(failed)).await;
    }

    /// `Command::RemoveAttachment`: forgets it and cancels its OCR job.
    pub(super) fn remove_attachment(&mut self, id: AttachmentId) {
        if let Some(Item {
            state: State::Reading(Some(canceller)),
            ..
        }) = self.attaching.items.remove(&id)
        {
            canceller.cancel();
        }
    }

    pub(super) async fn on_attachment_report(&mut self, report: AttachmentReport) {
        match report {
            AttachmentReport::Queued { id, canceller } => match self.attaching.items.get_mut(&id) {
                Some(item) => item.state = State::Reading(Some(canceller)),
                // Removed while its bytes were being read.
                None => canceller.cancel(),
            },
            AttachmentReport::Progress { id, done, total } => {
                if self.attaching.items.contains_key(&id) {
                    let progress = AttachmentEvent::Progress { id, done, total };
                    self.events.emit(Event::Attachment(progress)).await;
                }
            }
            AttachmentReport::Sent { message, items } => {
                let sent = AttachmentEvent::Sent { message, items };
                self.events.emit(Event::Attachment(sent)).await;
            }
            AttachmentReport::Done { id, result } => {
                let Some(item) = self.attaching.items.get_mut(&id) else {
                    return;
                };
                match result {
                    Ok((bytes, ocr, thumbnail)) => {
                        let read = read_event(id, &item.file_name, &ocr, thumbnail);
                        item.state = State::Ready(bytes, Box::new(ocr));
                        self.events.emit(Event::Attachment(read)).await;
                    }
                    Err(message) => self.attachment_failed(id, message).await,
                }
            }
        }
    }

    /// Shows the images of the conversation's user messages (only `message`'s, if given):
    /// the rows are read on the store thread, the thumbnails made on a blocking thread.
    pub(super) async fn emit_sent_attachments(
        &self,
        conversation: crate::store::ConversationId,
        message: Option<MessageId>,
    ) {
        let stored = match self
            .store
            .call(move |s| s.attachments_in(conversation))
            .await
        {
            Ok(stored) => stored,
            Err(err) => return self.events.emit(Event::Error(err.to_string())).await,
        };
        let stored: Vec<_> = stored
            .into_iter()
            .filter(|a| message.is_none_or(|m| a.message == m))
            .collect();
        if stored.is_empty() {
            return;
        }
        let files = self.attaching.files.clone();
        let reports = self.internal_tx.clone();
        tokio::task::spawn_blocking(move || {
            let mut by_message: Vec<(MessageId, Vec<SentAttachment>)> = Vec::new();
            for a in stored {
                let row = a.attachment;
                let thumbnail = files
                    .as_ref()
                    .and_then(|f| f.read(&row.content_hash).ok())
                    .and_then(|bytes| Thumbnail::of(&bytes));
                let item = SentAttachment {
                    stored_id: a.id,
                    language: row.ocr.as_ref().map(|o| o.language.clone()),
                    confidence: row
                        .ocr
                        .as_ref()
                        .and_then(|o| o.mean_confidence)
                        .map(percent),
                    file_name: row.file_name,
                    sent_text: row.sent_text,
                    sent_as: row.sent_as,
                    thumbnail,
                };
                match by_message.last_mut() {
                    Some((m, items)) if *m == a.message => items.push(item),
                    _ => by_message.push((a.message, vec![item])),
                }
            }
            for (message, items) in by_message {
                let report = AttachmentReport::Sent { message, items };
                reports.blocking_send(Internal::Attachment(report)).ok();
            }
        });
    }

    /// Takes the attachments a question sends out of the composer's list, or says why not;
    /// each goes to the model `sent_as`.
    pub(super) fn take_ready(
        &mut self,
        outgoing: &[OutgoingAttachment],
        sent_as: ImageMode,
    ) -> Result<Vec<ReadyAttachment>, String> {
        for attachment in outgoing {
            match self.attaching.items.get(&attachment.id) {
                Some(Item {
                    state: State::Ready(..),
                    ..
                }) => {}
                Some(item) => {
                    return Err(format!(
                        "The text of {} is still being read. Wait a moment, or remove the image.",
                        item.file_name
                    ));
                }
                None => {
                    return Err("An attached image is no longer available. Attach it again.".into());
                }
            }
        }
        Ok(outgoing
            .iter()
            .filter_map(|attachment| {
                let item = self.attaching.items.remove(&attachment.id)?;
                let State::Ready(bytes, ocr) = item.state else {
                    return None;
                };
                let page = ocr.pages.first();
                let row = NewAttachment {
                    file_name: item.file_name,
                    content_hash: AttachmentFiles::hash_of(&bytes),
                    byte_len: bytes.len() as u64,
                    width: page.map_or(0, |p| p.width),
                    height: page.map_or(0, |p| p.height),
                    sent_text: attachment.text.clone(),
                    sent_as,
                    ocr: Some(*ocr),
                };
                Some(ReadyAttachment { row, bytes })
            })
            .collect())
    }
}

/// On a blocking thread: the bytes, then OCR on the pool (waiting for it here).
fn read_attachment(
    (id, chosen, pool, reports): (
        AttachmentId,
        Option<&str>,
        &OcrPool,
        &tokio::sync::mpsc::Sender<Internal>,
    ),
    name: &str,
    bytes: impl FnOnce() -> Result<Vec<u8>, String>,
) -> Result<ReadImage, String> {
    let bytes: Arc<[u8]> = bytes()?.into();
    let languages = super::attach_languages::languages(chosen).map_err(|err| err.to_string())?;
    let request = OcrRequest {
        source: OcrSource::Bytes {
            name: name.to_owned(),
            bytes: Arc::clone(&bytes),
        },
        languages,
    };
    let progress_reports = reports.clone();
    let progress = Arc::new(move |p: crate::ocr::OcrProgress| {
        if let OcrStage::Recognized { done, total } = p.stage {
            let report = AttachmentReport::Progress { id, done, total };
            // Progress is optional: a full channel drops it, never blocks a worker.
            progress_reports.try_send(Internal::Attachment(report)).ok();
        }
    });
    let job = pool
        .submit(request, Some(progress))
        .map_err(|err| err.to_string())?;
    let queued = AttachmentReport::Queued {
        id,
        canceller: job.canceller(),
    };
    reports.blocking_send(Internal::Attachment(queued)).ok();
    let result = job.wait().map_err(|err| err.to_string())?;
    let thumbnail = Thumbnail::of(&bytes);
    Ok((bytes, result, thumbnail))
}

/// The event saying an attachment was read (a notice when no text was found).
pub(super) fn read_event(
    id: AttachmentId,
    file_name: &str,
    ocr: &OcrResult,
    thumbnail: Option<Thumbnail>,
) -> AttachmentEvent {
    let notice = ocr.is_empty().then(|| {
        OcrError::NoText {
            name: file_name.to_owned(),
        }
        .to_string()
    });
    AttachmentEvent::Read {
        id,
        text: ocr.text.clone(),
        language: ocr.language.clone(),
        confidence: ocr.mean_confidence.map(percent),
        thumbnail,
        notice,
    }
}

pub(super) fn percent(confidence: f32) -> u8 {
    // Confidence is 0–100 by contract; clamp whatever the engine says.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to 0–100 first"
    )]
    let value = confidence.clamp(0.0, 100.0).round() as u8;
    value
}

/// On the store thread, inside the question's transaction: copies each image into the data
/// dir under its hash (none when history is in memory) and writes the rows on `message`.
pub(super) fn save_attachments(
    store: &crate::store::Store,
    files: Option<&AttachmentFiles>,
    message: MessageId,
    attachments: &[ReadyAttachment],
) -> Result<(), crate::store::StoreError> {
    if attachments.is_empty() {
        return Ok(());
    }
    if let Some(files) = files {
        for attachment in attachments {
            files
                .save(&attachment.bytes)
                .map_err(|err| crate::store::StoreError::Query {
                    source: rusqlite::Error::ToSqlConversionFailure(Box::new(err)),
                })?;
        }
    }
    let rows: Vec<NewAttachment> = attachments.iter().map(|a| a.row.clone()).collect();
    store.add_attachments(message, &rows)
}
