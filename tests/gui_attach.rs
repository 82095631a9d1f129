//! Attaching in the real `App` with `egui_kittest`, on a real core and real libtesseract: a
//! file dropped onto the window is read, its text shown and edited, and the question sent; the
//! local server's request carries the edited text inside the prompt template. Pasted image
//! data (what egui delivers for Ctrl+V with an image on the clipboard) is read too.

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

use std::sync::Arc;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocr_support::{fixture_path, rerun_with_thread_limit};
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use ocrchat::ui::attachments::OcrState;
use support::gui::{
    DroppedPath, app_with_provider, fill, step_until, type_question, wait_for_reply,
};
use support::{MockServer, Reply, sse_body};

fn wait_until_read(harness: &mut Harness<'_, App>, count: usize) {
    step_until(harness, "the attachments are read", |app| {
        let items = &app.state().attachments.items;
        items.len() == count && items.iter().all(|i| matches!(i.ocr, OcrState::Read { .. }))
    });
}

fn first_line(stem: &str) -> String {
    let text = std::fs::read_to_string(fixture_path(&format!("{stem}.txt"))).unwrap();
    text.lines().next().unwrap().to_owned()
}

#[test]
fn a_dropped_file_is_read_edited_and_sent_inside_the_template() {
    if rerun_with_thread_limit("a_dropped_file_is_read_edited_and_sent_inside_the_template") {
        return;
    }
    let runtime = support::runtime();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (env, mut harness) = app_with_provider("gui-attach-drop", &server, &runtime);

    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(fixture_path("dark_en.png"))));
    wait_until_read(&mut harness, 1);
    let line = first_line("dark_en");
    let shown = harness.state().state().attachments.items[0].text.clone();
    assert!(shown.contains(&line), "OCR text {shown:?} has {line:?}");
    // The summary line says what was read.
    harness.get_by_label_contains("OCR text (");

    fill(
        &mut harness,
        Role::MultilineTextInput,
        "Recognised text",
        "EDITED TEXT FROM THE WINDOW",
    );
    type_question(&mut harness, "What does the screenshot say?");
    harness.key_press(egui::Key::Enter);
    wait_for_reply(&mut harness, MessageStatus::Complete);
    assert!(
        harness.state().state().attachments.items.is_empty(),
        "sent attachments leave the composer"
    );
    let request = server.requests()[0].json();
    let content = request["messages"][0]["content"].as_str().unwrap();
    assert!(content.contains("text extracted by OCR"), "{content}");
    assert!(content.contains("EDITED TEXT FROM THE WINDOW"), "{content}");
    assert!(
        !content.contains(&line),
        "the edit replaced the OCR text: {content}"
    );
    assert!(
        content.ends_with("What does the screenshot say?"),
        "{content}"
    );

    // The sent message shows its image and one line saying what was sent.
    step_until(&mut harness, "the sent message's image", |app| {
        let state = app.state();
        state
            .messages
            .first()
            .and_then(|m| state.sent_attachments.of(m.id))
            .is_some_and(|images| images.len() == 1 && images[0].texture.is_some())
    });
    // "OCR text (chi_sim+eng, 27 characters, 93% confidence)": the edited text's length.
    harness.get_by_label_contains("OCR text (");
    harness.get_by_label_contains("27 characters");
    drop(harness);

    // After a restart the conversation still shows the image and the text that was sent.
    let mut harness = support::gui::app_harness(&env, &runtime);
    step_until(&mut harness, "the conversation list", |app| {
        !app.state().conversations.is_empty()
    });
    harness
        .get_by_label("What does the screenshot say?")
        .click();
    step_until(&mut harness, "the reopened conversation's image", |app| {
        let state = app.state();
        state
            .messages
            .first()
            .and_then(|m| state.sent_attachments.of(m.id))
            .is_some_and(|images| {
                images[0].texture.is_some()
                    && images[0].item.sent_text == "EDITED TEXT FROM THE WINDOW"
            })
    });
    harness.get_by_label_contains("27 characters");
}

#[test]
fn pasted_image_data_is_read() {
    if rerun_with_thread_limit("pasted_image_data_is_read") {
        return;
    }
    let runtime = support::runtime();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (_env, mut harness) = app_with_provider("gui-attach-paste", &server, &runtime);
    let image = image::open(fixture_path("chat_en.png")).unwrap().to_rgba8();
    let size = [image.width() as usize, image.height() as usize];
    let pasted = egui::ColorImage::from_rgba_unmultiplied(size, image.as_raw());
    harness.event(egui::Event::PasteImage(Arc::new(pasted)));
    wait_until_read(&mut harness, 1);
    let item = &harness.state().state().attachments.items[0];
    assert_eq!(item.file_name, "pasted image");
    let line = first_line("chat_en");
    let first_word = line.split_whitespace().next().unwrap();
    assert!(
        item.text.contains(first_word),
        "{:?} has {first_word:?}",
        item.text
    );

    // Remove it: it leaves the composer.
    harness.get_by_label("Remove").click();
    step_until(&mut harness, "the attachment is removed", |app| {
        app.state().attachments.items.is_empty()
    });
}

#[test]
fn bad_files_dropped_on_the_window_say_what_is_wrong() {
    if rerun_with_thread_limit("bad_files_dropped_on_the_window_say_what_is_wrong") {
        return;
    }
    let runtime = support::runtime();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (env, mut harness) = app_with_provider("gui-attach-bad", &server, &runtime);
    let dir = env.dir.path();
    let good = std::fs::read(fixture_path("dark_en.png")).unwrap();
    let cases: [(&str, Vec<u8>); 3] = [
        ("empty.png", Vec::new()),
        ("notes.png", b"meeting notes, not a picture\n".to_vec()),
        ("cut.png", good[..good.len() / 2].to_vec()),
    ];
    for (name, bytes) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        harness
            .input_mut()
            .dropped_files
            .push(Arc::new(DroppedPath(path)));
        step_until(&mut harness, "the failure", |app| {
            let attachments = &app.state().attachments;
            attachments.items.is_empty()
                && attachments
                    .failure
                    .as_deref()
                    .is_some_and(|f| f.contains(name))
        });
        // The message is on screen, naming the file.
        harness.get_by_label_contains(name);
    }
    // A directory is not an image either.
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(dir.to_path_buf())));
    step_until(&mut harness, "the directory's failure", |app| {
        app.state()
            .attachments
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("is not a file"))
    });
}
