//! The OCR inspector's core side (issue 11): the whole image of an attachment with its OCR
//! result, OCR of a dragged region (cut out, enlarged, read on the OCR pool), a re-read after
//! a quarter turn or in another language, and saving the text as a `.txt`. Every piece of
//! work (decoding, reading files, OCR, writing) runs on a blocking thread that reports back as
//! [`Internal::Inspected`]; the engine loop only routes.

use std::path::PathBuf;
use std::sync::Arc;

use super::attaching::{AttachmentId, Thumbnail, read_event};
use super::engine::{Engine, Internal};
use super::event::Event;
pub use super::inspect_image::InspectImage;
use super::inspect_image::{
    clamp_region, decode_first_page, map_region_result, png_bytes, region_for_ocr, rotate,
};
use crate::domain::{OcrBox, OcrResult};
use crate::ocr::{LanguageSpec, OcrPool, OcrRequest, OcrSource, TessData};
use crate::store::ConversationId;

/// Which attachment an inspector shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectTarget {
    /// One in the composer: editable.
    Composer(AttachmentId),
    /// One of a sent message: read-only.
    Sent {
        /// The conversation the message is in.
        conversation: ConversationId,
        /// The stored attachment's row id ([`super::SentAttachment::stored_id`]).
        stored_id: i64,
    },
}

/// What an inspector asks of the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InspectRequest {
    /// Opens an attachment: [`InspectorEvent::Opened`] carries its picture and OCR result.
    Open(InspectTarget),
    /// Reads only `region` of a composer attachment (image pixels), in `language`.
    Region {
        /// The attachment.
        id: AttachmentId,
        /// The dragged rectangle, in the image's pixels.
        region: OcrBox,
        /// The languages (`chi_sim+eng`).
        language: String,
    },
    /// Turns a composer attachment by `quarter_turns` × 90° clockwise and reads it again in
    /// `language`; the turned image replaces the attachment.
    Reread {
        /// The attachment.
        id: AttachmentId,
        /// Quarter turns clockwise (0–3).
        quarter_turns: u8,
        /// The languages.
        language: String,
    },
    /// Writes `text` to `path` (a `.txt`).
    SaveText {
        /// Where.
        path: PathBuf,
        /// What.
        text: String,
    },
}

/// An attachment opened in the inspector.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    /// Which attachment.
    pub target: InspectTarget,
    /// The name shown.
    pub file_name: String,
    /// The picture (boxes are in `full_width` × `full_height` pixels).
    pub image: InspectImage,
    /// What OCR read (empty when the image was never read).
    pub ocr: OcrResult,
    /// For a sent attachment: the exact text that went to the model.
    pub sent_text: Option<String>,
    /// The installed OCR languages to offer for a re-read.
    pub languages: Vec<String>,
    /// Where "Save as .txt" suggests writing.
    pub suggested_path: PathBuf,
}

/// What the core tells an inspector.
#[derive(Debug, Clone, PartialEq)]
pub enum InspectorEvent {
    /// An attachment is ready to inspect (also after a re-read replaced it).
    Opened(Box<Inspection>),
    /// A region's OCR finished; the boxes are in the whole image's pixels.
    RegionRead {
        /// The attachment.
        id: AttachmentId,
        /// The region as asked.
        region: OcrBox,
        /// What was read there, or why not.
        result: Result<Box<OcrResult>, String>,
    },
    /// A `.txt` was written (or not, and why).
    TextSaved {
        /// Where.
        path: PathBuf,
        /// `Err`: the cause and next step.
        result: Result<(), String>,
    },
    /// Opening or re-reading failed; the message names the cause and next step.
    Failed(String),
}

/// A blocking task's report to the engine.
pub(super) enum InspectReport {
    Event(InspectorEvent),
    /// A re-read finished: the attachment's bytes and OCR are replaced, then shown.
    Reread {
        id: AttachmentId,
        bytes: Arc<[u8]>,
        inspection: Box<Inspection>,
        thumbnail: Option<Thumbnail>,
    },
}

impl Engine {
    /// `Command::Inspect`.
    pub(super) async fn inspect(&mut self, request: InspectRequest) {
        match request {
            InspectRequest::Open(InspectTarget::Composer(id)) => {
                let Some((name, bytes, ocr)) = self.attaching.ready(id) else {
                    return self.inspect_failed(NOT_READY).await;
                };
                self.spawn_inspect(move || {
                    let inspection = inspection(InspectTarget::Composer(id), name, &bytes, ocr)?;
                    Ok(InspectReport::Event(InspectorEvent::Opened(inspection)))
                });
            }
            InspectRequest::Open(
                target @ InspectTarget::Sent {
                    conversation,
                    stored_id,
                },
            ) => self.inspect_sent(target, conversation, stored_id).await,
            InspectRequest::Region {
                id,
                region,
                language,
            } => {
                let Some((name, bytes, pool)) = self.ready_with_pool(id).await else {
                    return;
                };
                self.spawn_inspect(move || {
                    let result = read_region(&pool, &name, &bytes, region, &language).map(Box::new);
                    Ok(InspectReport::Event(InspectorEvent::RegionRead {
                        id,
                        region,
                        result,
                    }))
                });
            }
            InspectRequest::Reread {
                id,
                quarter_turns,
                language,
            } => {
                let Some((name, bytes, pool)) = self.ready_with_pool(id).await else {
                    return;
                };
                self.spawn_inspect(move || {
                    reread(&pool, id, name, &bytes, quarter_turns, &language)
                });
            }
            InspectRequest::SaveText { path, text } => self.spawn_inspect(move || {
                let result = std::fs::write(&path, text).map_err(|err| {
                    format!(
                        "Could not save {}: {err}. Choose another folder or file name.",
                        path.display()
                    )
                });
                Ok(InspectReport::Event(InspectorEvent::TextSaved {
                    path,
                    result,
                }))
            }),
        }
    }

    /// A read composer attachment and the OCR pool, or `None` once the failure is shown.
    async fn ready_with_pool(
        &mut self,
        id: AttachmentId,
    ) -> Option<(String, Arc<[u8]>, Arc<OcrPool>)> {
        let Some((name, bytes, _)) = self.attaching.ready(id) else {
            self.inspect_failed(NOT_READY).await;
            return None;
        };
        match self.ocr_pool() {
            Ok(pool) => Some((name, bytes, pool)),
            Err(message) => {
                self.inspect_failed(&message).await;
                None
            }
        }
    }

    async fn inspect_sent(&self, target: InspectTarget, conversation: ConversationId, id: i64) {
        let rows = self
            .store
            .call(move |s| s.attachments_in(conversation))
            .await;
        let row = match rows {
            Ok(rows) => rows.into_iter().find(|row| row.id == id),
            Err(err) => return self.inspect_failed(&err.to_string()).await,
        };
        let Some(row) = row else {
            return self
                .inspect_failed("This attachment is no longer in the history.")
                .await;
        };
        let files = self.attaching.files().cloned();
        self.spawn_inspect(move || {
            let row = row.attachment;
            let bytes = files
                .as_ref()
                .and_then(|f| f.read(&row.content_hash).ok())
                .ok_or_else(|| {
                    format!(
                        "The image file of {} is gone from the data folder; its text is still in \
                         the conversation.",
                        row.file_name
                    )
                })?;
            let mut inspection =
                inspection(target, row.file_name, &bytes, row.ocr.unwrap_or_default())?;
            inspection.sent_text = Some(row.sent_text);
            Ok(InspectReport::Event(InspectorEvent::Opened(inspection)))
        });
    }

    fn spawn_inspect(&self, work: impl FnOnce() -> Result<InspectReport, String> + Send + 'static) {
        let reports = self.internal_tx.clone();
        tokio::task::spawn_blocking(move || {
            let report = work()
                .unwrap_or_else(|message| InspectReport::Event(InspectorEvent::Failed(message)));
            reports.blocking_send(Internal::Inspected(report)).ok();
        });
    }

    async fn inspect_failed(&self, message: &str) {
        let failed = InspectorEvent::Failed(message.to_owned());
        self.events.emit(Event::Inspector(failed)).await;
    }

    /// A blocking task finished.
    pub(super) async fn on_inspect_report(&mut self, report: InspectReport) {
        match report {
            InspectReport::Event(event) => self.events.emit(Event::Inspector(event)).await,
            InspectReport::Reread {
                id,
                bytes,
                inspection,
                thumbnail,
            } => {
                let ocr = inspection.ocr.clone();
                let read = read_event(id, &inspection.file_name, &ocr, thumbnail);
                if !self.attaching.replace_ready(id, bytes, ocr) {
                    return self.inspect_failed(NOT_READY).await;
                }
                self.events.emit(Event::Attachment(read)).await;
                let opened = InspectorEvent::Opened(inspection);
                self.events.emit(Event::Inspector(opened)).await;
            }
        }
    }
}

const NOT_READY: &str = "This image is no longer in the composer, or its text is still being read. Try again once \
     it is read.";

/// Decodes the image and bundles what the inspector needs (on a blocking thread).
fn inspection(
    target: InspectTarget,
    file_name: String,
    bytes: &[u8],
    ocr: OcrResult,
) -> Result<Box<Inspection>, String> {
    let image = decode_first_page(&file_name, bytes).map_err(|err| err.to_string())?;
    let tessdata = TessData::locate();
    let mut languages = tessdata.installed();
    if languages.iter().any(|l| l == "chi_sim") && languages.iter().any(|l| l == "eng") {
        languages.insert(0, "chi_sim+eng".to_owned());
    }
    if !ocr.language.is_empty() && !languages.contains(&ocr.language) {
        languages.insert(0, ocr.language.clone());
    }
    let stem = std::path::Path::new(&file_name)
        .file_stem()
        .map_or_else(|| "ocr".to_owned(), |s| s.to_string_lossy().into_owned());
    let folder = directories::UserDirs::new().map_or_else(PathBuf::new, |dirs| {
        dirs.document_dir()
            .unwrap_or_else(|| dirs.home_dir())
            .to_path_buf()
    });
    Ok(Box::new(Inspection {
        target,
        file_name,
        image: InspectImage::of(&image),
        ocr,
        sent_text: None,
        languages,
        suggested_path: folder.join(format!("{stem}.txt")),
    }))
}

/// Cuts `region` out, enlarges it and reads it on the pool (waiting here, off the engine).
fn read_region(
    pool: &OcrPool,
    name: &str,
    bytes: &[u8],
    region: OcrBox,
    language: &str,
) -> Result<OcrResult, String> {
    let image = decode_first_page(name, bytes).map_err(|err| err.to_string())?;
    let region = clamp_region(region, image.width(), image.height())
        .ok_or_else(|| "The region is outside the image. Drag over the text.".to_owned())?;
    let (cut, scale) = region_for_ocr(&image, region);
    let mut result = ocr(pool, name, OcrSourceImage::Pixels(cut), language)?;
    map_region_result(&mut result, region, scale);
    Ok(result)
}

/// Turns the image and reads it again (on a blocking thread).
fn reread(
    pool: &OcrPool,
    id: AttachmentId,
    name: String,
    bytes: &[u8],
    quarter_turns: u8,
    language: &str,
) -> Result<InspectReport, String> {
    let bytes: Arc<[u8]> = if quarter_turns.is_multiple_of(4) {
        bytes.into()
    } else {
        let image = decode_first_page(&name, bytes).map_err(|err| err.to_string())?;
        png_bytes(&rotate(&image, quarter_turns))?.into()
    };
    let result = ocr(
        pool,
        &name,
        OcrSourceImage::Bytes(Arc::clone(&bytes)),
        language,
    )?;
    let thumbnail = Thumbnail::of(&bytes);
    let inspection = inspection(InspectTarget::Composer(id), name, &bytes, result)?;
    Ok(InspectReport::Reread {
        id,
        bytes,
        inspection,
        thumbnail,
    })
}

enum OcrSourceImage {
    Bytes(Arc<[u8]>),
    Pixels(image::DynamicImage),
}

fn ocr(
    pool: &OcrPool,
    name: &str,
    image: OcrSourceImage,
    language: &str,
) -> Result<OcrResult, String> {
    let languages = LanguageSpec::parse(language).map_err(|err| err.to_string())?;
    languages
        .check_installed(&TessData::locate())
        .map_err(|err| err.to_string())?;
    let name = name.to_owned();
    let source = match image {
        OcrSourceImage::Bytes(bytes) => OcrSource::Bytes { name, bytes },
        OcrSourceImage::Pixels(image) => OcrSource::Pixels {
            name,
            image: Arc::new(image),
        },
    };
    let job = pool
        .submit(OcrRequest { source, languages }, None)
        .map_err(|err| err.to_string())?;
    job.wait().map_err(|err| err.to_string())
}
