//! Attachments through the core, as the window and the CLI drive it: an attached file is read
//! by OCR at once (events: added, read, or failed with a specific message), the question is
//! sent with the user-edited text inside the prompt template (the local server's request shows
//! it), a message may carry images with no text typed, a removed attachment is not sent, and
//! after a restart the history still holds the image and its text.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::too_many_lines,
    clippy::unwrap_used,
    reason = "tests fail loudly on a broken fixture; the shared support module's helpers"
)]

mod ocr_support;
mod support;

use ocr_support::{fixture_path, rerun_with_thread_limit};
use ocrchat::config::Settings;
use ocrchat::core::{
    AttachmentEvent, AttachmentId, Command, Event, OutgoingAttachment, PastedImage, SendOptions,
};
use ocrchat::llm::ProviderConfig;
use ocrchat::store::{AttachmentFiles, Store};
use support::{Driver, MockServer, Reply, TestEnv, sse_body};

fn seed(env: &TestEnv, server: &MockServer) {
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.save(&env.paths.config_file()).unwrap();
}

/// The attachment events up to this attachment's `Read` or `Failed`.
fn attachment_outcome(driver: &mut Driver) -> (AttachmentId, AttachmentEvent) {
    let mut id = None;
    loop {
        if let Event::Attachment(event) = driver.next() {
            match &event {
                AttachmentEvent::Added { id: added, .. } => id = Some(*added),
                AttachmentEvent::Read { id: read, .. }
                | AttachmentEvent::Failed { id: read, .. } => {
                    assert_eq!(Some(*read), id, "the outcome of the attachment just added");
                    return (*read, event);
                }
                AttachmentEvent::Progress { .. } | AttachmentEvent::Sent { .. } => {}
            }
        }
    }
}

fn attach(driver: &mut Driver, path: std::path::PathBuf) -> (AttachmentId, AttachmentEvent) {
    driver.core().send(Command::Attach { path }).unwrap();
    attachment_outcome(driver)
}

fn send(driver: &mut Driver, text: &str, attachments: Vec<OutgoingAttachment>) {
    let options = SendOptions {
        attachments,
        ..SendOptions::default()
    };
    driver
        .core()
        .send(Command::Send {
            conversation: None,
            text: text.into(),
            options,
        })
        .unwrap();
    driver.until(|e| matches!(e, Event::MessageFinished { .. }));
}

#[test]
fn an_attached_screenshot_is_read_edited_sent_in_the_template_and_kept() {
    if rerun_with_thread_limit(
        "an_attached_screenshot_is_read_edited_sent_in_the_template_and_kept",
    ) {
        return;
    }
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let env = TestEnv::new("attach-core");
    seed(&env, &server);
    // The original is a copy that is deleted after attaching: the history keeps its own.
    let original = env.dir.path().join("shot.png");
    std::fs::copy(fixture_path("dark_en.png"), &original).unwrap();

    let mut driver = Driver::start(&env);
    let (id, read) = attach(&mut driver, original.clone());
    let AttachmentEvent::Read {
        text,
        language,
        confidence,
        thumbnail,
        notice,
        ..
    } = read
    else {
        panic!("the screenshot was read: {read:?}");
    };
    let reference = std::fs::read_to_string(fixture_path("dark_en.txt")).unwrap();
    let first_line = reference.lines().next().unwrap();
    assert!(
        text.contains(first_line),
        "OCR text {text:?} has {first_line:?}"
    );
    assert!(language.contains("eng"), "{language}");
    assert!(confidence.is_some_and(|c| c > 50), "{confidence:?}");
    let thumbnail = thumbnail.expect("a thumbnail");
    assert!(
        thumbnail.width.max(thumbnail.height) <= 160,
        "{thumbnail:?}"
    );
    assert_eq!(
        thumbnail.rgba.len(),
        (thumbnail.width * thumbnail.height * 4) as usize
    );
    assert_eq!(notice, None);
    std::fs::remove_file(&original).unwrap();

    // A second image, removed before sending: it is not sent.
    let (removed, _) = attach(&mut driver, fixture_path("chat_en.png"));
    driver
        .core()
        .send(Command::RemoveAttachment { id: removed })
        .unwrap();

    let edited = format!("{first_line}\nEDITED BY THE USER");
    send(
        &mut driver,
        "What does it say?",
        vec![OutgoingAttachment {
            id,
            text: edited.clone(),
        }],
    );
    let request = server.requests()[0].json();
    let content = request["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        content.contains("text extracted by OCR"),
        "the template: {content}"
    );
    assert!(content.contains(&edited), "the edited text: {content}");
    assert!(
        content.contains("[Image 1: shot.png (language "),
        "{content}"
    );
    assert!(
        content.ends_with("What does it say?"),
        "the question last: {content}"
    );
    assert!(
        !content.contains("Image 2"),
        "the removed image is not sent: {content}"
    );

    // Images with no text typed.
    let (second, _) = attach(&mut driver, fixture_path("small_en.png"));
    send(
        &mut driver,
        "",
        vec![OutgoingAttachment {
            id: second,
            text: "only the image".into(),
        }],
    );
    let content = server.requests()[1].json()["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(content.contains("only the image"), "{content}");
    driver.shutdown();

    // After a restart the history holds the image bytes and the text that was sent.
    let store = Store::open(&env.database()).unwrap();
    let conversations = store.list_conversations().unwrap();
    assert_eq!(conversations.len(), 2);
    let first = conversations
        .iter()
        .find(|c| c.title != "small_en.png")
        .unwrap();
    let stored = store.attachments_in(first.id).unwrap();
    assert_eq!(stored.len(), 1, "only the image that was sent");
    let stored = &stored[0].attachment;
    assert_eq!(stored.file_name, "shot.png");
    assert_eq!(stored.sent_text, edited);
    assert!(
        stored.ocr.as_ref().unwrap().words().count() > 5,
        "words with boxes kept"
    );
    let files = AttachmentFiles::beside(&env.database());
    assert_eq!(
        files.read(&stored.content_hash).unwrap(),
        std::fs::read(fixture_path("dark_en.png")).unwrap(),
        "the image is in the data dir though the original is gone"
    );
    assert!(
        conversations.iter().any(|c| c.title == "small_en.png"),
        "an image-only question is titled after the image"
    );
}

#[test]
fn bad_input_fails_with_a_specific_message_and_blank_images_say_no_text() {
    if rerun_with_thread_limit(
        "bad_input_fails_with_a_specific_message_and_blank_images_say_no_text",
    ) {
        return;
    }
    let env = TestEnv::new("attach-bad");
    let dir = env.dir.path();
    std::fs::write(dir.join("empty.png"), b"").unwrap();
    std::fs::write(dir.join("notes.png"), "meeting notes, not a picture\n").unwrap();
    let good = std::fs::read(fixture_path("dark_en.png")).unwrap();
    std::fs::write(dir.join("cut.png"), &good[..good.len() / 2]).unwrap();
    let mut driver = Driver::start(&env);
    for (file, expected) in [
        ("missing.png", "missing.png"),
        ("empty.png", "empty.png"),
        ("notes.png", "notes.png"),
        ("cut.png", "cut.png"),
    ] {
        let (_, outcome) = attach(&mut driver, dir.join(file));
        let AttachmentEvent::Failed { message, .. } = outcome else {
            panic!("{file} must fail: {outcome:?}");
        };
        assert!(message.contains(expected), "{file}: {message}");
    }
    // A blank pasted image (raw pixels) is read and says no text was found.
    driver
        .core()
        .send(Command::AttachImage {
            image: PastedImage::Rgba {
                width: 64,
                height: 32,
                pixels: vec![255; 64 * 32 * 4],
            },
        })
        .unwrap();
    let (_, outcome) = attachment_outcome(&mut driver);
    let AttachmentEvent::Read { text, notice, .. } = outcome else {
        panic!("a blank image is read: {outcome:?}");
    };
    assert!(text.trim().is_empty());
    assert!(
        notice.is_some_and(|n| n.contains("No text")),
        "no text found"
    );
    // Pixels that do not match the size are refused.
    driver
        .core()
        .send(Command::AttachImage {
            image: PastedImage::Rgba {
                width: 64,
                height: 32,
                pixels: vec![0; 10],
            },
        })
        .unwrap();
    let (_, outcome) = attachment_outcome(&mut driver);
    assert!(
        matches!(&outcome, AttachmentEvent::Failed { message, .. } if message.contains("64×32")),
        "{outcome:?}"
    );
    driver.shutdown();
}
