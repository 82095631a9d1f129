//! `ocrchat import FILE`: restores a JSON export (`ocrchat export --format json`) into the
//! history, merging with what is there: conversations already present take only the messages
//! they lack, so importing a file twice adds nothing.
//!
//! Everything is checked before anything is written: the file's format and version, every
//! record, and every image (present beside the file, inside its folder, with the bytes its
//! hash names). Then the images are saved and the rows written in one transaction; if that
//! fails, the images it added are removed again, so a failed import changes nothing.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use super::export::{JSON_FORMAT, JSON_VERSION, JsonExport};
use crate::config::Paths;
use crate::store::{AttachmentFiles, ImportCounts, MAX_ATTACHMENT_BYTES, Store};

/// The arguments of `ocrchat import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The JSON file `ocrchat export --format json` wrote (its `images/` folder beside it).
    pub file: PathBuf,
}

/// Why nothing was imported, as one line for stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ImportFailed(pub String);

/// Imports the file and prints what was added.
pub fn run_import(args: &ImportArgs, paths: &Paths) -> Result<(), ImportFailed> {
    let counts = import(&args.file, &paths.database_file())?;
    let line = format!(
        "Imported {} new conversations, {} messages and {} images from {}.",
        counts.conversations,
        counts.messages,
        counts.attachments,
        args.file.display()
    );
    // The import is done; a closed stdout loses only this line.
    writeln!(std::io::stdout().lock(), "{line}").ok();
    Ok(())
}

/// Imports the export `file` into the history at `database`.
pub fn import(file: &Path, database: &Path) -> Result<ImportCounts, ImportFailed> {
    let export = read_export(file)?;
    let base = file.parent().unwrap_or_else(|| Path::new("."));
    let images = read_images(&export, base)?;
    let store = Store::open(database).map_err(|err| ImportFailed(err.to_string()))?;
    let files = AttachmentFiles::beside(database);
    let mut added = Vec::new();
    for (hash, bytes) in &images {
        let present = files.path_of(hash).is_some_and(|p| p.is_file());
        files.save(bytes).map_err(|err| {
            ImportFailed(format!(
                "Could not save an image in {}: {err}. Nothing was imported; check that the \
                 disk is not full.",
                files.dir().display()
            ))
        })?;
        if !present {
            added.push(hash.clone());
        }
    }
    store
        .import_conversations(&export.conversations)
        .map_err(|err| {
            // Best effort: the rows were rolled back; the files only they used go too.
            files.remove(&added).ok();
            ImportFailed(format!("{err} Nothing was imported."))
        })
}

fn read_export(file: &Path) -> Result<JsonExport, ImportFailed> {
    let bad = |why: String| {
        ImportFailed(format!(
            "{} is not an ocrchat export: {why}. Nothing was imported; give the \
             ocrchat-export.json that `ocrchat export --format json` wrote.",
            file.display()
        ))
    };
    let meta = std::fs::metadata(file).map_err(|err| {
        ImportFailed(format!(
            "Could not read {}: {err}. Nothing was imported.",
            file.display()
        ))
    })?;
    if !meta.is_file() {
        return Err(bad("it is not a regular file".into()));
    }
    let text = std::fs::read_to_string(file).map_err(|err| bad(err.to_string()))?;
    let head: serde_json::Value =
        serde_json::from_str(&text).map_err(|err| bad(format!("it is not JSON ({err})")))?;
    if head.get("format").and_then(serde_json::Value::as_str) != Some(JSON_FORMAT) {
        return Err(bad(format!("it has no \"format\": \"{JSON_FORMAT}\"")));
    }
    let version = head.get("version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(JSON_VERSION)) {
        return Err(bad(format!(
            "it is version {}, and this ocrchat reads version {JSON_VERSION}; export it again \
             with this version",
            version.map_or_else(|| "unknown".to_owned(), |v| v.to_string())
        )));
    }
    let export: JsonExport = serde_json::from_value(head).map_err(|err| bad(format!("{err}")))?;
    if let Some(problem) = export
        .conversations
        .iter()
        .find_map(crate::store::ConversationRecord::problem)
    {
        return Err(bad(problem));
    }
    Ok(export)
}

/// Every image the export's attachments use, read from beside the file and checked against
/// its hash.
fn read_images(
    export: &JsonExport,
    base: &Path,
) -> Result<BTreeMap<String, Vec<u8>>, ImportFailed> {
    let mut images = BTreeMap::new();
    for attachment in crate::store::ConversationRecord::distinct_images(&export.conversations) {
        let hash = &attachment.content_hash;
        let missing = |why: &str| {
            ImportFailed(format!(
                "The image \"{}\" of the export {why}. Nothing was imported; keep the images \
                 folder beside the JSON file as the export wrote it.",
                attachment.file_name
            ))
        };
        let relative = export
            .images
            .get(hash)
            .ok_or_else(|| missing("is not listed in its \"images\""))?;
        let path = Path::new(relative);
        if !path
            .components()
            .all(|part| matches!(part, Component::Normal(_)))
        {
            return Err(missing(&format!(
                "has the path {relative}, outside the export's folder"
            )));
        }
        let full = base.join(path);
        let meta = std::fs::metadata(&full)
            .map_err(|err| missing(&format!("cannot be read at {} ({err})", full.display())))?;
        if !meta.is_file() || meta.len() > MAX_ATTACHMENT_BYTES {
            return Err(missing(&format!(
                "at {} is not an image file",
                full.display()
            )));
        }
        let bytes = std::fs::read(&full)
            .map_err(|err| missing(&format!("cannot be read at {} ({err})", full.display())))?;
        if AttachmentFiles::hash_of(&bytes) != *hash {
            return Err(missing(&format!(
                "at {} is not the image that was exported (its bytes changed)",
                full.display()
            )));
        }
        images.insert(hash.clone(), bytes);
    }
    Ok(images)
}
