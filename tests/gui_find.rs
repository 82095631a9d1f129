//! Finding inside a conversation with `egui_kittest` on the real `App`: a search result opens
//! its conversation scrolled to the message with the words marked in the rendered Markdown,
//! and F3 / n step through the occurrences; Ctrl+F opens the find bar, Enter, Shift+Enter, F3,
//! n and N step (wrapping), each scrolling its message into view; Esc closes it.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests fail loudly on a broken fixture"
)]

mod support;

use egui::accesskit::Role;
use egui::epaint::Shape;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::store::{MessageId, MessageStatus, NewMessage, Store};
use ocrchat::ui::App;
use support::TestEnv;
use support::gui::{app_harness, step_until};

/// One long conversation: fillers, a reply with "Needle" in Markdown at 3, "needle" again in
/// the question at 40, and 马铃薯 in the questions at 10, 30 and 50.
struct Long {
    reply: MessageId,
    forty: MessageId,
    potatoes: Vec<MessageId>,
}

fn long_conversation(env: &TestEnv) -> Long {
    let store = Store::open(&env.database()).unwrap();
    let id = store.create_conversation("long").unwrap();
    let mut long = Long {
        reply: MessageId(0),
        forty: MessageId(0),
        potatoes: Vec::new(),
    };
    for i in 0..60 {
        if i == 3 {
            let reply = store.add_message(id, &NewMessage::reply("p", "m")).unwrap();
            store
                .finish_reply(
                    reply.id,
                    "Some **bold** words and the Needle inside",
                    "",
                    MessageStatus::Complete,
                    None,
                )
                .unwrap();
            long.reply = reply.id;
            continue;
        }
        let text = match i {
            10 => "土豆也叫马铃薯 number ten".to_owned(),
            30 => "马铃薯 again at thirty".to_owned(),
            40 => "another needle at forty".to_owned(),
            50 => "fifty and 马铃薯".to_owned(),
            _ => format!("filler question {i}\n\nwith a second paragraph"),
        };
        let message = store.add_message(id, &NewMessage::question(&text)).unwrap();
        match i {
            10 | 30 | 50 => long.potatoes.push(message.id),
            40 => long.forty = message.id,
            _ => {}
        }
    }
    long
}

fn window(env: &TestEnv) -> (tokio::runtime::Runtime, Harness<'static, App>) {
    let runtime = support::runtime();
    let mut harness = app_harness(env, &runtime);
    step_until(&mut harness, "the history list", |app| {
        app.state().conversations.len() == 1
    });
    (runtime, harness)
}

/// The texts painted with the selection background in the last frame, lowercased.
fn marked(harness: &Harness<'_, App>) -> Vec<String> {
    fn walk(shape: &Shape, out: &mut Vec<String>) {
        match shape {
            Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, out)),
            Shape::Text(text) => {
                let job = &text.galley.job;
                for section in &job.sections {
                    if section.format.background != egui::Color32::TRANSPARENT
                        && section.format.background == harness_selection()
                    {
                        let range = section.byte_range.start.0..section.byte_range.end.0;
                        out.push(job.text[range].to_lowercase());
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &harness.output().shapes {
        walk(&clipped.shape, &mut out);
    }
    out
}

/// The selection background of the theme the tests run with (the dark or light palette).
fn harness_selection() -> egui::Color32 {
    SELECTION.with(std::cell::Cell::get)
}

thread_local! {
    static SELECTION: std::cell::Cell<egui::Color32> = const { std::cell::Cell::new(egui::Color32::TRANSPARENT) };
}

fn remember_selection(harness: &Harness<'_, App>) {
    let color = harness.ctx.global_style().visuals.selection.bg_fill;
    SELECTION.with(|c| c.set(color));
}

fn shown(harness: &Harness<'_, App>, text: &str) -> bool {
    harness.query_by_label_contains(text).is_some()
}

/// How many nodes show `text` (a search result and the message in view make two).
fn count(harness: &Harness<'_, App>, text: &str) -> usize {
    harness.query_all_by_label_contains(text).count()
}

fn settle(harness: &mut Harness<'_, App>) {
    for _ in 0..6 {
        harness.step();
    }
}

#[test]
fn a_search_result_opens_at_the_message_with_the_words_marked_and_f3_steps() {
    let env = TestEnv::new("find-from-search");
    let long = long_conversation(&env);
    let (_runtime, mut harness) = window(&env);
    remember_selection(&harness);

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    harness.step();
    harness
        .get_by_role_and_label(Role::TextInput, "Search")
        .type_text("needle");
    step_until(&mut harness, "two results", |app| {
        app.search_hits().len() == 2
    });
    let index = harness
        .state()
        .search_hits()
        .iter()
        .position(|h| h.message == Some(long.reply))
        .unwrap();
    for _ in 0..index {
        harness.key_press(egui::Key::ArrowDown);
        harness.step();
    }
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the conversation open", |app| {
        app.state().messages.len() == 60
    });
    settle(&mut harness);
    assert_eq!(
        harness.state().find_position(),
        Some(((1, 2), Some(long.reply))),
        "the find bar starts at the message found"
    );
    assert_eq!(count(&harness, "Needle inside"), 2, "the reply is in view");
    assert!(!shown(&harness, "filler question 59"), "not at the end");
    let marks = marked(&harness);
    assert!(
        marks.iter().any(|m| m == "needle"),
        "the match is marked in the rendered reply: {marks:?}"
    );

    // F3: the next occurrence, in the question at 40, scrolled into view and marked.
    harness.key_press(egui::Key::F3);
    settle(&mut harness);
    assert_eq!(
        harness.state().find_position(),
        Some(((2, 2), Some(long.forty)))
    );
    assert_eq!(count(&harness, "another needle at forty"), 2, "in view");
    assert!(marked(&harness).iter().any(|m| m == "needle"));
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F3);
    settle(&mut harness);
    assert_eq!(
        harness.state().find_position(),
        Some(((1, 2), Some(long.reply)))
    );
    assert_eq!(count(&harness, "Needle inside"), 2);
}

#[test]
fn ctrl_f_finds_in_the_open_conversation_and_steps_both_ways() {
    let env = TestEnv::new("find-ctrl-f");
    let long = long_conversation(&env);
    let (_runtime, mut harness) = window(&env);
    remember_selection(&harness);
    harness.get_by_label("long").click();
    step_until(&mut harness, "the conversation open", |app| {
        app.state().messages.len() == 60
    });
    assert_eq!(harness.state().find_position(), None, "closed at first");

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    harness.step();
    harness.step();
    let field = harness.get_by_role_and_label(Role::TextInput, "Find in chat");
    assert!(field.is_focused(), "Ctrl+F focuses the find field");
    field.type_text("马铃薯");
    settle(&mut harness);
    let at = |harness: &Harness<'_, App>| harness.state().find_position().unwrap();
    assert_eq!(at(&harness), ((1, 3), Some(long.potatoes[0])));
    assert!(shown(&harness, "土豆也叫马铃薯 number ten"));
    assert!(marked(&harness).iter().any(|m| m == "马铃薯"));
    harness.get_by_label("1 of 3");

    harness.key_press(egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(at(&harness), ((2, 3), Some(long.potatoes[1])));
    assert!(shown(&harness, "马铃薯 again at thirty"));
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(at(&harness), ((1, 3), Some(long.potatoes[0])));
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(at(&harness), ((3, 3), Some(long.potatoes[2])), "wraps back");
    assert!(shown(&harness, "fifty and 马铃薯"));
    harness.key_press(egui::Key::F3);
    settle(&mut harness);
    assert_eq!(at(&harness), ((1, 3), Some(long.potatoes[0])), "wraps on");

    // n and N once no text field has the keys.
    harness.get_by_label_contains("土豆也叫马铃薯").click();
    settle(&mut harness);
    assert!(!harness.ctx.text_edit_focused());
    harness.key_press(egui::Key::N);
    settle(&mut harness);
    assert_eq!(at(&harness), ((2, 3), Some(long.potatoes[1])));
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::N);
    settle(&mut harness);
    assert_eq!(at(&harness), ((1, 3), Some(long.potatoes[0])));

    // Nothing found, then Esc in the field closes the bar and the marks go.
    let field = harness.get_by_role_and_label(Role::TextInput, "Find in chat");
    field.focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_role_and_label(Role::TextInput, "Find in chat")
        .type_text("zzz");
    settle(&mut harness);
    assert_eq!(at(&harness), ((0, 0), None));
    harness.get_by_label("No matches");
    harness.key_press(egui::Key::Escape);
    settle(&mut harness);
    assert_eq!(harness.state().find_position(), None);
    assert!(marked(&harness).is_empty());
}
