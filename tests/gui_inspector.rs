//! The OCR inspector (issue 11) in the real `App` with `egui_kittest`, on a real core and real
//! libtesseract: a fixture with known words is dropped and opened in the inspector; its boxes
//! are the OCR result's (read independently on a pool here), hovering a word highlights its
//! box, the low-confidence count follows the slider, a correction reaches the local server's
//! request, a dragged region is read and its text replaces the attachment's, the text is saved
//! as a `.txt`, and the sent attachment opens read-only with the text that was sent.

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
use ocrchat::domain::{OcrResult, OcrWord};
use ocrchat::ocr::{LanguageSpec, OcrPoolConfig, OcrRequest, OcrSource, tesseract_pool};
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use ocrchat::ui::attachments::OcrState;
use support::gui::{
    DroppedPath, app_with_provider, fill, step_until, type_question, wait_for_reply,
};
use support::{MockServer, Reply, sse_body};

const FIXTURE: &str = "chat_en.png";

/// Drops the fixture, waits for its OCR, and opens it in the inspector.
fn drop_and_inspect(harness: &mut Harness<'_, App>) {
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(fixture_path(FIXTURE))));
    step_until(harness, "the attachment is read", |app| {
        let items = &app.state().attachments.items;
        items.len() == 1 && matches!(items[0].ocr, OcrState::Read { .. })
    });
    harness
        .get_by_role_and_label(Role::Button, "Inspect…")
        .click();
    step_until(harness, "the inspector", |app| app.inspector().is_open());
    // The window is laid out once more after its first frame.
    harness.step();
}

/// The fixture read again, independently of the app, on a pool of this test.
fn independent_ocr(language: &str) -> OcrResult {
    let pool = tesseract_pool(OcrPoolConfig::default()).unwrap();
    let request = OcrRequest {
        source: OcrSource::File(fixture_path(FIXTURE)),
        languages: LanguageSpec::parse(language).unwrap(),
    };
    pool.submit(request, None).unwrap().wait().unwrap()
}

fn word_index(harness: &Harness<'_, App>, text: &str) -> usize {
    let doc = harness.state().inspector().doc().unwrap();
    doc.words
        .iter()
        .position(|w| w.text == text)
        .unwrap_or_else(|| panic!("no word {text:?} in {:?}", doc.text()))
}

/// A primary-button drag from `from` to `to` in a few moves.
fn drag(harness: &mut Harness<'_, App>, from: egui::Pos2, to: egui::Pos2) {
    harness.event(egui::Event::PointerMoved(from));
    harness.step();
    let button = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    harness.event(button(from, true));
    harness.step();
    for step in 1..=6 {
        let t = step as f32 / 6.0;
        harness.event(egui::Event::PointerMoved(from + (to - from) * t));
        harness.step();
    }
    harness.event(button(to, false));
    harness.step();
}

/// The low-confidence count follows the slider.
fn assert_low_count_follows_the_slider(harness: &mut Harness<'_, App>, words: &[&OcrWord]) {
    let confidences: Vec<f32> = words.iter().map(|w| w.confidence).collect();
    for threshold in [100.0_f32, 0.0, 90.0] {
        harness
            .get_by_role_and_label(Role::Slider, "Confidence threshold")
            .set_value_accesskit(f64::from(threshold));
        harness.step();
        harness.step();
        let want = confidences.iter().filter(|&&c| c < threshold).count();
        assert_eq!(
            harness.state().inspector().low_confidence(),
            Some((want, threshold))
        );
        harness.get_by_label(&format!("{want} words under {threshold:.0}%"));
    }
}

/// Zoomed in with the wheel, only the boxes in view are drawn; Fit shows them all again.
fn assert_only_boxes_in_view_are_drawn(harness: &mut Harness<'_, App>) {
    let total = harness.state().inspector().drawn_boxes().len();
    let canvas = harness.state().inspector().canvas_rect().unwrap();
    // Zoom in on a word: the point under the pointer stays, so it stays in view.
    let meeting = word_index(harness, "meeting");
    let doc = harness.state().inspector().doc().unwrap();
    let anchor = harness
        .state()
        .inspector()
        .screen_rect(doc.words[meeting].bbox);
    harness.hover_at(anchor.unwrap().center());
    for _ in 0..3 {
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, 120.0),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
            source: egui::MouseWheelSource::Wheel,
        });
        harness.step();
    }
    harness.run_steps(20);
    let drawn = harness.state().inspector().drawn_boxes();
    assert!(
        !drawn.is_empty() && drawn.len() < total,
        "{} of {total} drawn",
        drawn.len()
    );
    assert!(drawn.iter().all(|(_, r)| r.intersects(canvas)));
    harness.get_by_label("Fit").click();
    harness.step();
    harness.step();
    assert_eq!(harness.state().inspector().drawn_boxes().len(), total);
}

/// Every word of the OCR result, with its box, and one drawn box per word at its place.
fn assert_boxes_match(harness: &Harness<'_, App>, expected: &OcrResult) {
    let expected_words: Vec<&OcrWord> = expected.words().collect();
    let inspector = harness.state().inspector();
    let doc = inspector.doc().unwrap();
    assert!(expected_words.len() >= 20, "{}", expected.text);
    assert_eq!(
        doc.words.len(),
        expected_words.len(),
        "one word per OCR word"
    );
    for (shown, want) in doc.words.iter().zip(&expected_words) {
        assert_eq!((&shown.text, shown.bbox), (&want.text, want.bbox));
    }
    assert_eq!(
        doc.text(),
        expected.text,
        "the inspector's text is the OCR text"
    );
    let drawn = inspector.drawn_boxes();
    assert_eq!(
        drawn.len(),
        expected_words.len(),
        "the whole image fits: every box drawn"
    );
    for (index, rect) in drawn {
        let want = inspector.screen_rect(expected_words[*index].bbox).unwrap();
        assert!((rect.min - want.min).length() < 0.01 && (rect.max - want.max).length() < 0.01);
        assert!(
            inspector.canvas_rect().unwrap().contains_rect(*rect),
            "inside the canvas"
        );
    }
}

#[test]
fn inspector_boxes_hover_threshold_correction_and_read_only_sent_view() {
    if rerun_with_thread_limit("inspector_boxes_hover_threshold_correction_and_read_only_sent_view")
    {
        return;
    }
    let runtime = support::runtime();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (_env, mut harness) = app_with_provider("gui-inspector", &server, &runtime);
    drop_and_inspect(&mut harness);

    let OcrState::Read { language, .. } = harness.state().state().attachments.items[0].ocr.clone()
    else {
        unreachable!("read before the inspector opened")
    };
    let expected = independent_ocr(&language);
    let expected_words: Vec<&OcrWord> = expected.words().collect();
    assert_boxes_match(&harness, &expected);
    assert_only_boxes_in_view_are_drawn(&mut harness);

    // Hovering a word in the text highlights its box; hovering a box highlights its word.
    let projector = word_index(&harness, "projector");
    harness.get_by_label("projector").hover();
    harness.step();
    assert_eq!(harness.state().inspector().highlighted(), Some(projector));
    let meeting = word_index(&harness, "meeting");
    let centre = harness
        .state()
        .inspector()
        .screen_rect(harness.state().inspector().doc().unwrap().words[meeting].bbox)
        .unwrap()
        .center();
    harness.hover_at(centre);
    harness.step();
    assert_eq!(harness.state().inspector().highlighted(), Some(meeting));

    assert_low_count_follows_the_slider(&mut harness, &expected_words);

    // Clicking a box selects its word; a correction replaces it in the text that is sent.
    let slides = word_index(&harness, "slides?");
    let centre = harness
        .state()
        .inspector()
        .screen_rect(harness.state().inspector().doc().unwrap().words[slides].bbox)
        .unwrap()
        .center();
    harness.hover_at(centre);
    harness.step();
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos: centre,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        harness.step();
    }
    assert_eq!(harness.state().inspector().selected(), Some(slides));
    harness.step();
    fill(&mut harness, Role::TextInput, "Correction", "handouts?");
    harness.get_by_label("Apply").click();
    harness.step();
    let composer_text = harness.state().state().attachments.items[0].text.clone();
    assert!(
        composer_text.contains("printed handouts?"),
        "{composer_text}"
    );
    assert!(!composer_text.contains("slides"), "{composer_text}");

    harness.get_by_label("Close").click();
    harness.step();
    assert!(!harness.state().inspector().is_open());
    type_question(&mut harness, "What is broken?");
    harness.key_press(egui::Key::Enter);
    wait_for_reply(&mut harness, MessageStatus::Complete);
    let request = server.requests()[0].json();
    let content = request["messages"][0]["content"].as_str().unwrap();
    assert!(content.contains("printed handouts?"), "{content}");
    assert!(!content.contains("slides"), "{content}");

    // The sent attachment opens read-only: its boxes and the exact text that was sent.
    step_until(&mut harness, "the sent message's image", |app| {
        let state = app.state();
        state
            .messages
            .first()
            .and_then(|m| state.sent_attachments.of(m.id))
            .is_some_and(|images| images.len() == 1 && images[0].texture.is_some())
    });
    harness
        .get_by_role_and_label(Role::Button, "Inspect…")
        .click();
    step_until(&mut harness, "the read-only inspector", |app| {
        app.inspector().is_open() && app.inspector().is_read_only()
    });
    harness.step();
    let inspector = harness.state().inspector();
    assert_eq!(inspector.text().as_deref(), Some(composer_text.as_str()));
    assert_eq!(inspector.drawn_boxes().len(), expected_words.len());
    harness.get_by_label("Sent to the model, read-only");
    assert!(harness.query_by_label("Select region").is_none());
    assert!(harness.query_by_label("Correction").is_none());
    assert!(harness.query_by_label("Rotate right").is_none());
}

#[test]
fn a_dragged_region_is_read_and_replaces_the_text_which_saves_as_txt() {
    if rerun_with_thread_limit("a_dragged_region_is_read_and_replaces_the_text_which_saves_as_txt")
    {
        return;
    }
    let runtime = support::runtime();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (env, mut harness) = app_with_provider("gui-inspector-region", &server, &runtime);
    drop_and_inspect(&mut harness);

    // Drag around the last line only ("Please do, the projector is broken again.").
    let doc = harness.state().inspector().doc().unwrap();
    let last_line = doc.active_lines().last().unwrap().words.clone();
    let line_box = last_line
        .map(|w| doc.words[w].bbox)
        .reduce(ocrchat::domain::OcrBox::union)
        .unwrap();
    let rect = harness.state().inspector().screen_rect(line_box).unwrap();
    harness.get_by_label("Select region").click();
    harness.step();
    drag(
        &mut harness,
        rect.min - egui::vec2(6.0, 4.0),
        rect.max + egui::vec2(6.0, 4.0),
    );
    step_until(&mut harness, "the region's OCR", |app| {
        app.inspector()
            .doc()
            .is_some_and(|d| d.regions().count() == 1 && d.regions().all(|(_, read)| read))
    });
    let text = harness.state().state().attachments.items[0].text.clone();
    assert!(text.contains("projector is broken"), "{text}");
    assert!(!text.contains("meeting"), "only the region's text: {text}");
    assert_eq!(
        harness.state().inspector().text().as_deref(),
        Some(text.as_str())
    );
    // Each region word's box lies inside the dragged region, in the whole image's pixels.
    let doc = harness.state().inspector().doc().unwrap();
    let (region, _) = doc.regions().next().unwrap();
    for index in doc.active_words() {
        let b = doc.words[index].bbox;
        assert!(
            b.left + 2 >= region.left && b.left + b.width <= region.left + region.width + 2,
            "{b:?} in {region:?}"
        );
    }

    // Add instead of replace: the whole text, then the region's.
    harness.get_by_label("Regions add to the text").click();
    harness.step();
    let added = harness.state().state().attachments.items[0].text.clone();
    assert!(added.starts_with("Are we still meeting"), "{added}");
    assert!(added.ends_with(&text), "{added}");

    // Save as .txt: written by the core, off the UI thread.
    let path = env.dir.path().join("inspected.txt");
    fill(
        &mut harness,
        Role::TextInput,
        "File",
        path.to_str().unwrap(),
    );
    harness.get_by_label("Save as .txt").click();
    step_until(&mut harness, "the saved file", |app| {
        app.inspector().notice().is_some()
    });
    assert_eq!(std::fs::read_to_string(&path).unwrap(), added);
}

#[test]
fn tab_steps_through_low_confidence_words_and_a_turn_or_language_reads_again() {
    if rerun_with_thread_limit(
        "tab_steps_through_low_confidence_words_and_a_turn_or_language_reads_again",
    ) {
        return;
    }
    let runtime = support::runtime();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (_env, mut harness) = app_with_provider("gui-inspector-turn", &server, &runtime);
    drop_and_inspect(&mut harness);
    let original = harness.state().state().attachments.items[0].text.clone();

    // Every word is under 100%: Tab selects the first, then the next; Shift+Tab goes back.
    harness
        .get_by_role_and_label(Role::Slider, "Confidence threshold")
        .set_value_accesskit(100.0);
    harness.step();
    harness.key_press(egui::Key::Tab);
    harness.step();
    assert_eq!(harness.state().inspector().selected(), Some(0));
    harness.key_press(egui::Key::Tab);
    harness.step();
    assert_eq!(harness.state().inspector().selected(), Some(1));
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Tab);
    harness.step();
    assert_eq!(harness.state().inspector().selected(), Some(0));
    let first = harness.state().inspector().doc().unwrap().words[0]
        .text
        .clone();
    harness.step();
    let field = harness.get_by_role_and_label(Role::TextInput, "Correction");
    assert!(field.is_focused(), "the correction field takes the word");
    assert_eq!(field.value().as_deref(), Some(first.as_str()));

    // A quarter turn right: the image is turned, read again, and replaces the attachment.
    let size = harness.state().inspector().image_size().unwrap();
    harness.get_by_label("Rotate right").click();
    step_until(&mut harness, "the turned image", |app| {
        app.inspector()
            .image_size()
            .is_some_and(|s| s == egui::vec2(size.y, size.x))
    });
    let turned = harness.state().state().attachments.items[0].text.clone();
    assert_ne!(turned, original, "sideways text reads differently");
    // And back: the same pixels read the same text.
    harness.step();
    harness.get_by_label("Rotate left").click();
    step_until(&mut harness, "the image turned back", |app| {
        app.inspector().image_size() == Some(size)
    });
    assert_eq!(harness.state().state().attachments.items[0].text, original);

    // Another language: read again in English only.
    harness.step();
    harness
        .get_by_role_and_label(Role::ComboBox, "OCR language")
        .click();
    harness.run_steps(2);
    harness.get_by_label("eng").click();
    harness.step();
    assert_eq!(harness.state().inspector().language(), Some("eng"));
    harness.get_by_label("Read again").click();
    step_until(&mut harness, "the English re-read", |app| {
        matches!(
            &app.state().attachments.items[0].ocr,
            OcrState::Read { language, .. } if language == "eng"
        )
    });
    let english = harness.state().state().attachments.items[0].text.clone();
    assert!(english.contains("projector is broken"), "{english}");
}
