//! `ocrchat export`: conversations to Markdown (one file each, images beside it in `images/`),
//! to one JSON file with every stored field (images beside it, named in its `images` map; the
//! file `ocrchat import` reads), or to self-contained HTML pages (images inline). The history
//! holds no API key, so neither does an export; each file says so.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Paths;
use crate::config::private_files::{create_private_dir, write_private_atomic};
use crate::store::{AttachmentFiles, ConversationId, ConversationRecord, Store};

/// What every export file says about keys.
pub(super) const NO_KEYS: &str =
    "This export contains no API keys: ocrchat never stores them in the history.";

/// The `format` of a JSON export.
pub(super) const JSON_FORMAT: &str = "ocrchat-export";
/// The `version` of the JSON export this build writes and reads.
pub(super) const JSON_VERSION: u32 = 2;
/// The folder beside an export that holds its images.
const IMAGES: &str = "images";

/// The export's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One Markdown file per conversation, images in `images/` beside it.
    Md,
    /// One JSON file with every stored field (what `ocrchat import` reads), images beside it.
    Json,
    /// One self-contained HTML page per conversation (images inline, no scripts).
    Html,
}

/// The arguments of `ocrchat export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
    pub format: ExportFormat,
    /// Export only this conversation (repeatable); all of them without it.
    #[arg(long = "conversation", value_name = "ID")]
    pub conversations: Vec<i64>,
    /// The folder to write into (created if needed, private to you).
    #[arg(long)]
    pub out: PathBuf,
}

/// What went wrong, as one line for stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ExportFailed(pub String);

/// A JSON export file.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct JsonExport {
    /// Always [`JSON_FORMAT`].
    pub format: String,
    /// [`JSON_VERSION`] when written by this build.
    pub version: u32,
    /// [`NO_KEYS`].
    #[serde(default)]
    pub note: String,
    /// The ocrchat that wrote it.
    #[serde(default)]
    pub ocrchat_version: String,
    /// Every exported conversation.
    pub conversations: Vec<ConversationRecord>,
    /// Each image's hash → its file, relative to the JSON file.
    #[serde(default)]
    pub images: BTreeMap<String, String>,
}

/// An image of the export, read from the history's attachment files.
pub(super) struct ExportImage {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Its file name in the export: `<hash>.<ext>`.
    pub file_name: String,
    /// Its MIME type (`image/png`).
    pub mime: &'static str,
}

/// Writes the export and prints the path of each file written, one a line.
pub fn run_export(args: &ExportArgs, paths: &Paths) -> Result<(), ExportFailed> {
    let written = export(args, paths)?;
    let mut out = std::io::stdout().lock();
    for file in written {
        // The files are written; a closed stdout (`| head`) loses only this list.
        if writeln!(out, "{}", file.display()).is_err() {
            break;
        }
    }
    Ok(())
}

fn export(args: &ExportArgs, paths: &Paths) -> Result<Vec<PathBuf>, ExportFailed> {
    let path = paths.database_file();
    if !path.exists() {
        return Err(ExportFailed(format!(
            "There is no history to export yet ({} does not exist).",
            path.display()
        )));
    }
    let store = Store::open(&path).map_err(|err| ExportFailed(err.to_string()))?;
    let conversations = chosen(&store, &args.conversations)?;
    let images = read_images(&AttachmentFiles::beside(&path), &conversations)?;
    create_private_dir(&args.out).map_err(|err| write_failed(&args.out, &err))?;
    let mut written = Vec::new();
    match args.format {
        ExportFormat::Json => {
            write_images(&args.out, &images, &mut written)?;
            let file = args.out.join("ocrchat-export.json");
            write(&file, json_export(conversations, &images).as_bytes())?;
            written.push(file);
        }
        ExportFormat::Md => {
            write_images(&args.out, &images, &mut written)?;
            for record in &conversations {
                let file = args.out.join(format!("conversation-{}.md", record.id));
                let text = super::export_md::markdown(record, &images, IMAGES);
                write(&file, text.as_bytes())?;
                written.push(file);
            }
        }
        ExportFormat::Html => {
            for record in &conversations {
                let file = args.out.join(format!("conversation-{}.html", record.id));
                write(&file, super::export_html::html(record, &images).as_bytes())?;
                written.push(file);
            }
        }
    }
    Ok(written)
}

/// The conversations asked for (all when `ids` is empty), most recently changed first.
fn chosen(store: &Store, ids: &[i64]) -> Result<Vec<ConversationRecord>, ExportFailed> {
    let failed = |err: crate::store::StoreError| ExportFailed(err.to_string());
    let ids: Vec<ConversationId> = if ids.is_empty() {
        let all = store.list_conversations().map_err(failed)?;
        all.into_iter().map(|c| c.id).collect()
    } else {
        ids.iter().map(|id| ConversationId(*id)).collect()
    };
    let mut records = Vec::new();
    for id in ids {
        let record = store
            .conversation_record(id)
            .map_err(failed)?
            .ok_or_else(|| {
                ExportFailed(format!(
                    "There is no conversation {}; `ocrchat search` shows conversation ids.",
                    id.0
                ))
            })?;
        records.push(record);
    }
    Ok(records)
}

/// Every image the conversations use, by hash.
fn read_images(
    files: &AttachmentFiles,
    conversations: &[ConversationRecord],
) -> Result<BTreeMap<String, ExportImage>, ExportFailed> {
    let mut images = BTreeMap::new();
    for attachment in ConversationRecord::distinct_images(conversations) {
        let hash = &attachment.content_hash;
        let bytes = files.read(hash).map_err(|err| {
            ExportFailed(format!(
                "The image \"{}\" ({hash}) could not be read from {}: {err}. The history is \
                 missing that file; export the other conversations with --conversation.",
                attachment.file_name,
                files.dir().display()
            ))
        })?;
        let format = image::guess_format(&bytes).ok();
        let extension = format
            .and_then(|f| f.extensions_str().first().copied())
            .unwrap_or("bin");
        let mime = format.map_or("application/octet-stream", |f| f.to_mime_type());
        images.insert(
            hash.clone(),
            ExportImage {
                bytes,
                file_name: format!("{hash}.{extension}"),
                mime,
            },
        );
    }
    Ok(images)
}

fn write_images(
    out: &Path,
    images: &BTreeMap<String, ExportImage>,
    written: &mut Vec<PathBuf>,
) -> Result<(), ExportFailed> {
    for image in images.values() {
        let file = out.join(IMAGES).join(&image.file_name);
        write(&file, &image.bytes)?;
        written.push(file);
    }
    Ok(())
}

fn json_export(
    conversations: Vec<ConversationRecord>,
    images: &BTreeMap<String, ExportImage>,
) -> String {
    let export = JsonExport {
        format: JSON_FORMAT.to_owned(),
        version: JSON_VERSION,
        note: NO_KEYS.to_owned(),
        ocrchat_version: crate::VERSION.to_owned(),
        conversations,
        images: images
            .iter()
            .map(|(hash, image)| (hash.clone(), format!("{IMAGES}/{}", image.file_name)))
            .collect(),
    };
    // Plain data with string keys: serialising it cannot fail.
    let text = serde_json::to_string_pretty(&export).unwrap_or_default();
    format!("{text}\n")
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportFailed> {
    write_private_atomic(path, bytes).map_err(|err| write_failed(path, &err))
}

fn write_failed(path: &Path, err: &std::io::Error) -> ExportFailed {
    ExportFailed(format!(
        "Could not write {}: {err}. Check that the folder is writable and the disk is not full.",
        path.display()
    ))
}
