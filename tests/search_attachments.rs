//! Attachments in the search index (a real SQLite file): the OCR text of an image, as it was
//! sent (after the user's edits), and its file name find the message they are on, Chinese
//! terms of one to four characters included; `has:image` finds messages with images; the
//! index rows come and go in the attachment rows' transaction, and with their conversation.

#![expect(
    clippy::print_stderr,
    clippy::unwrap_used,
    reason = "test helpers: a failed setup step should fail the test"
)]

#[path = "support/app_process.rs"]
mod app_process;

use ocrchat::domain::ImageMode;
use ocrchat::search::parse;
use ocrchat::store::{
    ConversationId, HitField, MessageId, NewAttachment, NewMessage, SearchHit, Store, StoreError,
};

fn attachment(file_name: &str, sent_text: &str) -> NewAttachment {
    NewAttachment {
        file_name: file_name.into(),
        content_hash: ocrchat::store::AttachmentFiles::hash_of(file_name.as_bytes()),
        byte_len: 3,
        width: 10,
        height: 10,
        sent_text: sent_text.into(),
        sent_as: ImageMode::Text,
        ocr: None,
    }
}

fn question(store: &Store, title: &str, text: &str) -> (ConversationId, MessageId) {
    let id = store.create_conversation(title).unwrap();
    let message = store.add_message(id, &NewMessage::question(text)).unwrap();
    (id, message.id)
}

fn find(store: &Store, query: &str) -> Vec<SearchHit> {
    store.search(&parse(query).unwrap(), 50).unwrap()
}

/// (message, field) of each hit, sorted.
fn found(store: &Store, query: &str) -> Vec<(i64, HitField)> {
    let mut hits: Vec<(i64, HitField)> = find(store, query)
        .iter()
        .map(|h| (h.message.map_or(-1, |m| m.0), h.field))
        .collect();
    hits.sort_unstable_by_key(|(m, f)| (*m, f.as_str()));
    hits
}

struct Scene {
    store: Store,
    receipt: (ConversationId, MessageId),
    screenshot: (ConversationId, MessageId),
    plain: (ConversationId, MessageId),
}

fn scene(path: &std::path::Path) -> Scene {
    let store = Store::open(path).unwrap();
    let receipt = question(&store, "报销", "帮我看看");
    store
        .add_attachments(
            receipt.1,
            &[attachment(
                "receipt_scan.png",
                "增值税专用发票\n发票代码 044031900111\n合同编号 HT-7788",
            )],
        )
        .unwrap();
    let screenshot = question(&store, "Error", "what does this mean?");
    store
        .add_attachments(
            screenshot.1,
            &[
                attachment("term.png", "panic: index out of bounds"),
                attachment("blank.png", ""),
            ],
        )
        .unwrap();
    let plain = question(&store, "Notes", "a question about 合同 without any image");
    Scene {
        store,
        receipt,
        screenshot,
        plain,
    }
}

#[test]
fn ocr_text_and_file_names_find_their_message() {
    let dir = tempfile::tempdir().unwrap();
    let s = scene(&dir.path().join("h.sqlite3"));
    let (store, receipt, shot) = (&s.store, s.receipt.1.0, s.screenshot.1.0);

    // Chinese inside OCR text: one, two (LIKE / short lookup), three and four characters.
    assert_eq!(found(store, "税"), [(receipt, HitField::Ocr)]);
    assert_eq!(found(store, "发票"), [(receipt, HitField::Ocr)]);
    assert_eq!(found(store, "专用发"), [(receipt, HitField::Ocr)]);
    assert_eq!(found(store, "增值税专"), [(receipt, HitField::Ocr)]);
    assert_eq!(
        found(store, "合同"),
        [(receipt, HitField::Ocr), (s.plain.1.0, HitField::Content)],
        "a short term in a question and in OCR text"
    );
    assert_eq!(found(store, "合同编号 HT-7788"), [(receipt, HitField::Ocr)]);
    assert_eq!(found(store, "044031900111"), [(receipt, HitField::Ocr)]);
    // English OCR text, and a phrase.
    assert_eq!(found(store, "\"out of bounds\""), [(shot, HitField::Ocr)]);
    assert!(found(store, "\"bounds of out\"").is_empty());
    // File names.
    assert_eq!(
        found(store, "receipt_scan"),
        [(receipt, HitField::FileName)]
    );
    assert_eq!(found(store, "blank.png"), [(shot, HitField::FileName)]);
    // One hit per message, even when its text and its image both match.
    let hits = find(store, "png");
    assert_eq!(hits.len(), 2, "{hits:?}");
    // The snippet is of the OCR text, the match marked.
    let hit = &find(store, "发票代码")[0];
    assert_eq!(
        &hit.snippet.text[hit.snippet.highlights[0].clone()],
        "发票代码"
    );
    assert_eq!(hit.title, "报销");
    assert_eq!(hit.conversation, s.receipt.0);
    assert!(store.search_index_problems().unwrap().is_empty());
}

#[test]
fn has_image_matches_messages_with_images() {
    let dir = tempfile::tempdir().unwrap();
    let s = scene(&dir.path().join("h.sqlite3"));
    let (store, receipt, shot) = (&s.store, s.receipt.1.0, s.screenshot.1.0);
    let mut messages: Vec<i64> = find(store, "has:image")
        .iter()
        .map(|h| h.message.unwrap().0)
        .collect();
    messages.sort_unstable();
    assert_eq!(messages, [receipt, shot]);
    assert_eq!(found(store, "合同 has:image"), [(receipt, HitField::Ocr)]);
    assert_eq!(found(store, "mean has:image"), [(shot, HitField::Content)]);
    assert!(
        found(store, "Notes has:image").is_empty(),
        "titles have no image"
    );
    assert!(found(store, "without has:image").is_empty());
}

#[test]
fn the_index_follows_the_attachment_rows_transaction_and_their_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let s = scene(&dir.path().join("h.sqlite3"));
    let store = &s.store;
    // Written and then rolled back: neither the rows nor the index keep anything.
    let failed: Result<(), StoreError> = store.atomic(|st| {
        st.add_attachments(
            s.plain.1,
            &[attachment("zebra.png", "zebra crossing 斑马线")],
        )?;
        assert_eq!(
            found(st, "斑马线").len(),
            1,
            "visible inside the transaction"
        );
        Err(StoreError::Closed)
    });
    assert!(failed.is_err());
    assert!(found(store, "斑马线").is_empty());
    assert!(found(store, "zebra").is_empty());
    assert!(store.search_index_problems().unwrap().is_empty());

    // Deleting a conversation takes its attachments' texts out of the index.
    store.delete_conversation(s.receipt.0).unwrap();
    assert!(found(store, "发票").is_empty());
    assert!(found(store, "receipt_scan").is_empty());
    assert_eq!(find(store, "has:image").len(), 1);
    assert!(store.search_index_problems().unwrap().is_empty());

    // Reopened: still in step.
    drop(s.store);
    let store = Store::open(&dir.path().join("h.sqlite3")).unwrap();
    assert_eq!(
        found(&store, "out of bounds"),
        [(s.screenshot.1.0, HitField::Ocr)]
    );
    assert!(store.search_index_problems().unwrap().is_empty());
}

#[test]
fn the_cli_names_ocr_hits() {
    let dir = tempfile::tempdir().unwrap();
    let s = scene(&app_process::history(dir.path()));
    let receipt = s.receipt;
    drop(s.store);
    let out = app_process::subcommand(dir.path(), "search")
        .args(["--json", "增值税"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    assert_eq!(line["field"], "ocr");
    assert_eq!(line["message_id"], receipt.1.0);
    assert_eq!(line["conversation_id"], receipt.0.0);
    assert_eq!(line["role"], "user");
}
