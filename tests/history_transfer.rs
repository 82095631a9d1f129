//! Export and import through the real binary and real history files: a JSON export imported
//! into a fresh data dir exports again byte for byte the same (messages, models, statuses,
//! errors, reasoning, attachments with their OCR words and boxes, the image files); importing
//! twice adds nothing; a bad file exits 1 and changes nothing; Markdown links its images beside
//! it and HTML carries them inline; every export says it holds no key.

#![expect(
    clippy::print_stderr,
    clippy::unwrap_used,
    reason = "tests fail loudly on a broken fixture"
)]

#[path = "support/app_process.rs"]
mod app_process;

use std::path::{Path, PathBuf};
use std::process::Output;

use ocrchat::domain::{ImageMode, OcrBlock, OcrBox, OcrLine, OcrPage, OcrResult, OcrWord};
use ocrchat::store::{AttachmentFiles, MessageStatus, NewAttachment, NewMessage, Store};

fn png(shade: u8) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(5, 3, image::Rgb([shade, 200, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

fn ocr(words: &[(&str, u32)]) -> OcrResult {
    let words: Vec<OcrWord> = words
        .iter()
        .map(|(text, left)| OcrWord {
            text: (*text).into(),
            bbox: OcrBox {
                left: *left,
                top: 1,
                width: 2,
                height: 1,
            },
            confidence: 91.25,
        })
        .collect();
    let text: String = words.iter().map(|w| w.text.as_str()).collect();
    OcrResult {
        text: text.clone(),
        pages: vec![OcrPage {
            width: 5,
            height: 3,
            blocks: vec![OcrBlock {
                bbox: OcrBox::default(),
                lines: vec![OcrLine {
                    text,
                    bbox: OcrBox::default(),
                    words,
                }],
            }],
        }],
        language: "chi_sim+eng".into(),
        engine: "tesseract".into(),
        mean_confidence: Some(91.25),
        ..OcrResult::default()
    }
}

fn attachment(
    files: &AttachmentFiles,
    name: &str,
    bytes: &[u8],
    ocr: Option<OcrResult>,
) -> NewAttachment {
    NewAttachment {
        file_name: name.into(),
        content_hash: files.save(bytes).unwrap(),
        byte_len: bytes.len() as u64,
        width: 5,
        height: 3,
        sent_text: ocr
            .as_ref()
            .map_or_else(String::new, |o| format!("{} (edited)", o.text)),
        sent_as: if ocr.is_some() {
            ImageMode::Text
        } else {
            ImageMode::Image
        },
        ocr,
    }
}

/// Three conversations: one with two images, OCR and a truncated reply with reasoning; one with
/// a failed reply; one empty.
fn history(root: &Path) {
    let path = app_process::history(root);
    let store = Store::open(&path).unwrap();
    let files = AttachmentFiles::beside(&path);
    let first = store.create_conversation("发票 question").unwrap();
    let question = store
        .add_message(first, &NewMessage::question("合同编号是多少？ <b>bold</b>"))
        .unwrap();
    store
        .add_attachments(
            question.id,
            &[
                attachment(
                    &files,
                    "receipt.png",
                    &png(10),
                    Some(ocr(&[("增值税", 0), ("发票", 3)])),
                ),
                attachment(&files, "pasted image", &png(20), None),
            ],
        )
        .unwrap();
    let reply = store
        .add_message(first, &NewMessage::reply("deepseek", "deepseek-chat"))
        .unwrap();
    store
        .finish_reply(
            reply.id,
            "HT-001 **bold**",
            "想一想",
            MessageStatus::Truncated,
            None,
        )
        .unwrap();
    let second = store.create_conversation("other").unwrap();
    store
        .add_message(second, &NewMessage::question("second one"))
        .unwrap();
    let failed = store
        .add_message(second, &NewMessage::reply("openai", "gpt-4o"))
        .unwrap();
    store
        .finish_reply(
            failed.id,
            "partial",
            "",
            MessageStatus::Failed,
            Some("timed out"),
        )
        .unwrap();
    store.pin_conversation(second, true).unwrap();
    // Back to the first: its messages interleave with the second's ids.
    store
        .add_message(first, &NewMessage::question("and the date?"))
        .unwrap();
    store.create_conversation("empty").unwrap();
}

fn run(root: &Path, command: &str, args: &[&str]) -> Output {
    std::fs::create_dir_all(root).unwrap();
    app_process::subcommand(root, command)
        .args(args)
        .output()
        .unwrap()
}

fn export_json(root: &Path, out: &Path) -> PathBuf {
    let done = run(
        root,
        "export",
        &["--format", "json", "--out", out.to_str().unwrap()],
    );
    assert!(done.status.success(), "{done:?}");
    out.join("ocrchat-export.json")
}

fn import(root: &Path, file: &Path) -> Output {
    run(root, "import", &[file.to_str().unwrap()])
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_json_export_imported_into_a_fresh_history_exports_the_same_and_twice_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (first, fresh) = (dir.path().join("first"), dir.path().join("fresh"));
    history(&first);
    let one = export_json(&first, &dir.path().join("one"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&one).unwrap()).unwrap();
    assert!(json["note"].as_str().unwrap().contains("no API keys"));
    let question = &json["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == "发票 question")
        .unwrap()["messages"][0];
    let word = &question["attachments"][0]["ocr"]["pages"][0]["blocks"][0]["lines"][0]["words"][1];
    assert_eq!(word["text"], "发票");
    assert_eq!(word["box"]["left"], 3);
    let pinned: Vec<&serde_json::Value> = json["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["pinned"] == true)
        .map(|c| &c["title"])
        .collect();
    assert_eq!(pinned, ["other"]);
    assert_eq!(
        tree(&dir.path().join("one/images")).len(),
        2,
        "both images beside it"
    );

    let done = import(&fresh, &one);
    assert!(done.status.success(), "{done:?}");
    let said = String::from_utf8(done.stdout).unwrap();
    assert!(
        said.contains("3 new conversations, 5 messages and 2 images"),
        "{said}"
    );
    let two = export_json(&fresh, &dir.path().join("two"));
    assert_eq!(
        tree(&dir.path().join("one")),
        tree(&dir.path().join("two")),
        "the round trip is exact"
    );

    // Twice, and into the history it came from: nothing added.
    for root in [&fresh, &first] {
        let done = import(root, &two);
        assert!(done.status.success(), "{done:?}");
        let said = String::from_utf8(done.stdout).unwrap();
        assert!(
            said.contains("0 new conversations, 0 messages and 0 images"),
            "{said}"
        );
    }
    export_json(&fresh, &dir.path().join("three"));
    assert_eq!(
        tree(&dir.path().join("one")),
        tree(&dir.path().join("three"))
    );

    // The imported OCR text is searchable and the index is in step.
    let store = Store::open(&app_process::history(&fresh)).unwrap();
    let hits = store
        .search(&ocrchat::search::parse("增值税").unwrap(), 5)
        .unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(store.search_index_problems().unwrap().is_empty());
}

#[test]
fn an_import_merges_with_a_history_that_has_other_and_newer_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let (first, other) = (dir.path().join("first"), dir.path().join("other"));
    history(&first);
    let file = export_json(&first, &dir.path().join("out"));
    // Another history whose ids overlap the export's.
    {
        let store = Store::open(&app_process::history(&other)).unwrap();
        let mine = store.create_conversation("mine").unwrap();
        store
            .add_message(mine, &NewMessage::question("my own"))
            .unwrap();
    }
    // The first history goes on: a new message in a conversation the export has.
    {
        let store = Store::open(&app_process::history(&first)).unwrap();
        let listed = store.list_conversations().unwrap();
        let id = listed.iter().find(|c| c.title == "other").unwrap().id;
        store
            .add_message(id, &NewMessage::question("later question"))
            .unwrap();
    }
    assert!(import(&other, &file).status.success());
    let newer = export_json(&first, &dir.path().join("newer"));
    let done = import(&other, &newer);
    let said = String::from_utf8(done.stdout).unwrap();
    assert!(said.contains("0 new conversations, 1 messages"), "{said}");
    let store = Store::open(&app_process::history(&other)).unwrap();
    let listed = store.list_conversations().unwrap();
    assert_eq!(listed.len(), 4, "{listed:?}");
    let merged = listed.iter().find(|c| c.title == "other").unwrap().id;
    let texts: Vec<String> = store
        .messages(merged)
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(texts, ["second one", "partial", "later question"]);
    assert!(store.search_index_problems().unwrap().is_empty());
}

#[test]
fn a_bad_import_file_exits_1_with_a_clear_message_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (first, target) = (dir.path().join("first"), dir.path().join("target"));
    history(&first);
    history(&target);
    let file = export_json(&first, &dir.path().join("out"));
    let good = std::fs::read_to_string(&file).unwrap();
    let image = dir.path().join("out/images");
    let first_image = std::fs::read_dir(&image)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let data = dir.path().join("target/data");
    let before = tree(&data);

    let cases: Vec<(&str, String, &str)> = vec![
        ("not JSON", "{ nope".into(), "not JSON"),
        ("another program's JSON", "{\"a\": 1}".into(), "\"format\""),
        (
            "an older version",
            good.replacen("\"version\": 2", "\"version\": 1", 1),
            "version 1",
        ),
        (
            "an unknown status",
            good.replacen("\"status\": \"truncated\"", "\"status\": \"weird\"", 1),
            "weird",
        ),
        (
            "an image path outside the folder",
            good.replacen("\"images/", "\"../images/", 1),
            "outside",
        ),
    ];
    for (what, text, says) in cases {
        let bad = dir.path().join("out/bad.json");
        std::fs::write(&bad, text).unwrap();
        let done = import(&target, &bad);
        let err = String::from_utf8(done.stderr).unwrap();
        assert_eq!(done.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains(says) && err.contains("Nothing was imported"),
            "{what}: {err}"
        );
        assert_eq!(tree(&data), before, "{what} changed the history");
    }
    // An image whose bytes changed, then one that is gone.
    std::fs::write(&first_image, b"not the image").unwrap();
    let done = import(&target, &file);
    let err = String::from_utf8(done.stderr).unwrap();
    assert_eq!(done.status.code(), Some(1), "{err}");
    assert!(err.contains("bytes changed"), "{err}");
    std::fs::remove_file(&first_image).unwrap();
    let done = import(&target, &file);
    let err = String::from_utf8(done.stderr).unwrap();
    assert_eq!(done.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot be read"), "{err}");
    let done = import(&target, &dir.path().join("nowhere.json"));
    assert_eq!(done.status.code(), Some(1));
    assert_eq!(tree(&data), before, "nothing changed");
}

#[test]
fn markdown_links_images_beside_it_and_html_holds_them_inline_without_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    history(&root);
    let md = dir.path().join("md");
    assert!(
        run(&root, "export", &["--out", md.to_str().unwrap()])
            .status
            .success()
    );
    let images: Vec<PathBuf> = tree(&md.join("images"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(images.len(), 2);
    let page = tree(&md)
        .into_iter()
        .map(|(_, bytes)| String::from_utf8_lossy(&bytes).into_owned())
        .find(|text| text.contains("# 发票 question"))
        .unwrap();
    for image in &images {
        let link = format!("](images/{})", image.display());
        assert!(page.contains(&link), "{link} in {page}");
    }
    assert!(page.contains("![receipt.png](images/"), "{page}");
    assert!(
        page.contains("增值税发票 (edited)"),
        "the OCR text as sent: {page}"
    );
    assert!(page.contains("no API keys"), "{page}");

    let html_dir = dir.path().join("html");
    let done = run(
        &root,
        "export",
        &["--format", "html", "--out", html_dir.to_str().unwrap()],
    );
    assert!(done.status.success(), "{done:?}");
    assert!(!html_dir.join("images").exists(), "self-contained");
    let page = tree(&html_dir)
        .into_iter()
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .find(|text| text.contains("发票 question"))
        .unwrap();
    assert_eq!(
        page.matches("src=\"data:image/png;base64,").count(),
        2,
        "{page}"
    );
    assert!(page.contains("no API keys"), "{page}");
    assert!(
        page.contains("<strong>bold</strong>"),
        "Markdown rendered: {page}"
    );
    assert!(
        page.contains("&lt;b&gt;bold&lt;/b&gt;"),
        "HTML in a message is text: {page}"
    );
    assert!(
        !page.contains("<script") && !page.contains("src=\"http"),
        "{page}"
    );
    assert!(page.contains("增值税发票 (edited)"), "{page}");
}
