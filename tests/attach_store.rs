//! Attachments in the real history file: the image bytes are copied into the data dir under
//! their content hash (0600 in a 0700 folder), the OCR result (text, words with boxes and
//! confidences, language, engine, mean confidence) is in SQLite on the user message and reads
//! back the same after the store is reopened, and deleting a conversation deletes the files no
//! other message uses.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed setup step should fail the test"
)]

mod ocr_support;

use ocr_support::{fixture_path, rerun_with_thread_limit};
use ocrchat::domain::{ImageMode, OcrResult};
use ocrchat::ocr::{LanguageSpec, OcrPoolConfig, OcrRequest, OcrSource, tesseract_pool};
use ocrchat::store::{AttachmentFiles, NewAttachment, NewMessage, Store};

fn read(file: &str) -> OcrResult {
    let pool = tesseract_pool(OcrPoolConfig::default()).unwrap();
    let request = OcrRequest {
        source: OcrSource::File(fixture_path(file)),
        languages: LanguageSpec::parse("eng").unwrap(),
    };
    pool.submit(request, None).unwrap().wait().unwrap()
}

fn attachment(files: &AttachmentFiles, file: &str, ocr: Option<OcrResult>) -> NewAttachment {
    let bytes = std::fs::read(fixture_path(file)).unwrap();
    let image = image::load_from_memory(&bytes).unwrap();
    NewAttachment {
        file_name: file.into(),
        content_hash: files.save(&bytes).unwrap(),
        byte_len: bytes.len() as u64,
        width: image.width(),
        height: image.height(),
        sent_text: ocr.as_ref().map_or_else(String::new, |o| o.text.clone()),
        sent_as: ImageMode::Text,
        ocr,
    }
}

#[test]
fn attachments_survive_a_restart_and_shared_files_outlive_one_conversation() {
    if rerun_with_thread_limit(
        "attachments_survive_a_restart_and_shared_files_outlive_one_conversation",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("data").join("history.db");
    let files = AttachmentFiles::beside(&history);
    let ocr = read("dark_en.png");
    assert!(
        ocr.words().count() > 5,
        "the fixture has words: {}",
        ocr.text
    );

    // Conversation A: the dark screenshot (with its OCR) and the chat one. B: the dark one again.
    let (a, b, dark, chat) = {
        let store = Store::open(&history).unwrap();
        let a = store.create_conversation("a").unwrap();
        let question = store.add_message(a, &NewMessage::question("")).unwrap();
        let mut dark = attachment(&files, "dark_en.png", Some(ocr.clone()));
        dark.sent_text = "edited by the user".into();
        let chat = attachment(&files, "chat_en.png", None);
        store
            .add_attachments(question.id, &[dark.clone(), chat.clone()])
            .unwrap();
        let b = store.create_conversation("b").unwrap();
        let other = store
            .add_message(b, &NewMessage::question("again"))
            .unwrap();
        store
            .add_attachments(other.id, &[attachment(&files, "dark_en.png", None)])
            .unwrap();
        (a, b, dark, chat)
    };
    assert_ne!(dark.content_hash, chat.content_hash);
    let dark_file = files.path_of(&dark.content_hash).unwrap();
    let chat_file = files.path_of(&chat.content_hash).unwrap();
    assert_eq!(
        std::fs::read(&dark_file).unwrap(),
        std::fs::read(fixture_path("dark_en.png")).unwrap(),
        "the bytes are a copy of the original"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dark_file), 0o600, "attachment files are private");
        assert_eq!(mode(files.dir()), 0o700, "the attachment folder is private");
    }

    // A restart: a new store on the same file reads everything back.
    let store = Store::open(&history).unwrap();
    let stored = store.attachments_in(a).unwrap();
    assert_eq!(stored.len(), 2, "both attachments of A, in order");
    assert_eq!(stored[0].attachment, dark, "the first reads back exactly");
    assert_eq!(stored[1].attachment, chat);
    let back = stored[0].attachment.ocr.as_ref().unwrap();
    assert_eq!(back.language, "eng");
    assert_eq!(back.engine, ocr.engine);
    assert_eq!(back.mean_confidence, ocr.mean_confidence);
    let (before, after): (Vec<_>, Vec<_>) = (ocr.words().collect(), back.words().collect());
    assert_eq!(before, after, "every word with its box and confidence");
    assert_eq!(stored[0].attachment.sent_text, "edited by the user");
    assert_eq!(
        files.read(&dark.content_hash).unwrap().len() as u64,
        dark.byte_len
    );

    // Deleting A removes the chat file (only A used it) and keeps the dark one (B uses it).
    store.delete_conversation_and_files(a, &files).unwrap();
    assert!(!chat_file.exists(), "a file only A used is deleted");
    assert!(dark_file.exists(), "a file B still uses is kept");
    assert!(store.attachments_in(a).unwrap().is_empty());
    assert_eq!(store.attachments_in(b).unwrap().len(), 1);
    store.delete_conversation_and_files(b, &files).unwrap();
    assert!(!dark_file.exists(), "the last user gone, the file goes");
}

#[test]
fn a_damaged_hash_never_names_a_file_outside_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let files = AttachmentFiles::new(dir.path().join("attachments"));
    assert!(files.path_of("../history.db").is_none());
    assert!(files.path_of(&"g".repeat(64)).is_none());
    assert!(files.read("../../etc/passwd").is_err());
    let hash = AttachmentFiles::hash_of(b"abc");
    assert_eq!(
        hash,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(files.path_of(&hash).is_some());
}
