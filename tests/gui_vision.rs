//! The vision path in the real `App` (issue 10 §6), on a real core, real libtesseract and a
//! local server: a vision model gets each image as an image content part, downscaled to the
//! provider's limits, with the OCR text or without it as the composer's choice says, and
//! again on later turns; a text-only model gets the template text and no image part, and the
//! window says so. What was sent is shown under each message, also after a restart.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests fail loudly on a broken fixture"
)]
mod ocr_support;
mod support;

use base64::Engine as _;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocr_support::{fixture_path, rerun_with_thread_limit};
use ocrchat::config::Settings;
use ocrchat::llm::ProviderConfig;
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use ocrchat::ui::attachments::OcrState;
use support::gui::{app_configured, app_harness, drop_file, step_until, type_question};
use support::{MockServer, Reply, TestEnv, sse_body};

/// An app whose active provider at `server` asks `model`.
fn app_asking<'a>(
    name: &str,
    model: &str,
    server: &MockServer,
    runtime: &tokio::runtime::Runtime,
) -> (TestEnv, Harness<'a, App>) {
    let configure = |settings: &mut Settings| {
        settings.upsert(ProviderConfig::new("Local", &server.base_url, model));
    };
    app_configured(name, server, runtime, configure, |app| app)
}

fn drop_and_read(harness: &mut Harness<'_, App>, fixture: &str) {
    drop_file(harness, fixture_path(fixture));
    // A 1920×1080 page takes seconds in a debug build on a loaded machine.
    support::wait_until("the attachment is read", OCR_WAIT, || {
        harness.step();
        let items = &harness.state().state().attachments.items;
        items.len() == 1 && items.iter().all(|i| matches!(i.ocr, OcrState::Read { .. }))
    });
    harness.step();
}

const OCR_WAIT: std::time::Duration = std::time::Duration::from_mins(2);

fn send_and_wait(harness: &mut Harness<'_, App>, question: &str, replies: usize) {
    type_question(harness, question);
    harness.key_press(egui::Key::Enter);
    step_until(harness, "the reply", |app| {
        let messages = &app.state().messages;
        messages.len() == replies * 2
            && messages
                .last()
                .is_some_and(|m| m.status == MessageStatus::Complete)
    });
}

/// The images of one request message (`OpenAI` content parts), decoded.
fn images_of(message: &serde_json::Value) -> Vec<image::DynamicImage> {
    let Some(parts) = message["content"].as_array() else {
        return Vec::new();
    };
    parts
        .iter()
        .filter(|p| p["type"] == "image_url")
        .map(|p| {
            let url = p["image_url"]["url"].as_str().unwrap();
            let data = url.strip_prefix("data:image/png;base64,").unwrap();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap();
            image::load_from_memory(&bytes).unwrap()
        })
        .collect()
}

fn text_of(message: &serde_json::Value) -> String {
    message["content"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "text")
        .map(|p| p["text"].as_str().unwrap())
        .collect()
}

#[test]
fn a_vision_model_gets_the_image_downscaled_and_again_on_later_turns() {
    if rerun_with_thread_limit("a_vision_model_gets_the_image_downscaled_and_again_on_later_turns")
    {
        return;
    }
    let runtime = support::runtime();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (env, mut harness) = app_asking("gui-vision", "gpt-4o", &server, &runtime);

    // A 1920×1080 screenshot; the default choice is text and image.
    drop_and_read(&mut harness, "screen_en.png");
    harness.get_by_label("Image only");
    assert!(
        harness
            .query_by_label("This model cannot see images: they are sent as OCR text")
            .is_none()
    );
    send_and_wait(&mut harness, "What is on the screen?", 1);
    let first = server.requests()[0].json();
    let question = &first["messages"][0];
    let images = images_of(question);
    assert_eq!(images.len(), 1, "{question}");
    // OpenAI high detail: within 2048×2048, then the short side at most 768.
    let (w, h) = (images[0].width(), images[0].height());
    assert!(w.max(h) <= 2048 && w.min(h) <= 768, "{w}×{h}");
    assert_eq!((w, h), (1365, 768), "scaled only as far as needed");
    let text = text_of(question);
    assert!(text.contains("text extracted by OCR"), "{text}");
    assert!(text.ends_with("What is on the screen?"), "{text}");
    harness.get_by_label_contains("+ image");

    // A second image, image only: no OCR text; the first image goes again.
    drop_and_read(&mut harness, "dark_en.png");
    harness.get_by_label("Image only").click();
    harness.step();
    send_and_wait(&mut harness, "And this one?", 2);
    let second = server.requests()[1].json();
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{second}");
    assert_eq!(
        images_of(&messages[0]).len(),
        1,
        "the first image is re-sent"
    );
    assert_eq!(images_of(&messages[2]).len(), 1);
    assert_eq!(
        text_of(&messages[2]),
        "And this one?",
        "image only: no OCR text"
    );
    step_until(&mut harness, "the second message's line", |app| {
        let state = app.state();
        state
            .messages
            .get(2)
            .and_then(|m| state.sent_attachments.of(m.id))
            .is_some()
    });
    harness.get_by_label("image");
    drop(harness);

    // After a restart the lines still say what was sent.
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the conversation list", |app| {
        !app.state().conversations.is_empty()
    });
    harness.get_by_label("What is on the screen?").click();
    step_until(&mut harness, "both messages' images", |app| {
        let state = app.state();
        let shown = |i: usize| {
            state
                .messages
                .get(i)
                .and_then(|m| state.sent_attachments.of(m.id))
                .is_some()
        };
        shown(0) && shown(2)
    });
    harness.get_by_label_contains("+ image");
    harness.get_by_label("image");
}

#[test]
fn a_text_only_model_gets_the_ocr_text_and_the_window_says_so() {
    if rerun_with_thread_limit("a_text_only_model_gets_the_ocr_text_and_the_window_says_so") {
        return;
    }
    let runtime = support::runtime();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (_env, mut harness) = app_asking("gui-no-vision", "test-model", &server, &runtime);
    drop_and_read(&mut harness, "dark_en.png");
    harness.get_by_label("This model cannot see images: they are sent as OCR text");
    assert!(harness.query_by_label("Image only").is_none(), "no choice");
    send_and_wait(&mut harness, "What does it say?", 1);
    let request = server.requests()[0].json();
    let content = request["messages"][0]["content"].as_str().unwrap();
    assert!(content.contains("text extracted by OCR"), "{content}");
    let body = request.to_string();
    assert!(
        !body.contains("image_url") && !body.contains("data:image"),
        "{body}"
    );
    step_until(&mut harness, "the sent message's line", |app| {
        let state = app.state();
        state
            .messages
            .first()
            .and_then(|m| state.sent_attachments.of(m.id))
            .is_some()
    });
    harness.get_by_label_contains("sent as OCR text (the model cannot see images)");
}
