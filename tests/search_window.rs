//! The window's history search with `egui_kittest`: Ctrl+K focuses the field, typing lists the
//! results (from the store thread), an arrow moves the selection, Enter opens the chosen
//! conversation.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests and benchmarks fail loudly on a broken fixture"
)]

mod support;

use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::core::CoreHandle;
use ocrchat::store::{MessageStatus, NewMessage, Store};
use ocrchat::ui::App;
use ocrchat::ui::strings::Lang;
use support::{TestEnv, wait_until};

const WAIT: Duration = Duration::from_secs(20);

fn step_until(harness: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    wait_until(what, WAIT, || {
        harness.step();
        done(harness.state())
    });
    harness.step();
}

#[test]
fn ctrl_k_type_arrow_enter_opens_the_chosen_conversation() {
    let env = TestEnv::new("search-window");
    let mut ids = Vec::new();
    {
        let store = Store::open(&env.database()).unwrap();
        for (title, question, answer) in [
            ("Older invoice", "invoice from March", "合同编号 A-1"),
            ("Newer invoice", "invoice from April", "合同编号 B-2"),
            ("Weather", "is it sunny", "yes"),
        ] {
            let id = store.create_conversation(title).unwrap();
            store
                .add_message(id, &NewMessage::question(question))
                .unwrap();
            let reply = store.add_message(id, &NewMessage::reply("p", "m")).unwrap();
            store
                .finish_reply(reply.id, answer, "", MessageStatus::Complete, None)
                .unwrap();
            ids.push((id, reply.id));
        }
    }
    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), env.options()).unwrap();
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En));
    step_until(&mut harness, "the history list", |app| {
        app.state().conversations.len() == 3
    });

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    harness.step();
    let field = harness.get_by_role_and_label(Role::TextInput, "Search");
    assert!(field.is_focused(), "Ctrl+K focuses the search field");
    field.type_text("合同编号");
    step_until(&mut harness, "two results", |app| {
        app.search_hits().len() == 2
    });
    // Both replies match equally; the list holds them in its order: open the second one.
    let second = harness.state().search_hits()[1].clone();
    assert!(
        ids.iter()
            .any(|(c, m)| *c == second.conversation && Some(*m) == second.message)
    );
    harness.key_press(egui::Key::ArrowDown);
    harness.step();
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the chosen conversation open", |app| {
        app.state().current == Some(second.conversation) && app.state().messages.len() == 2
    });
    assert!(
        harness.state().state().messages[1]
            .content
            .contains("合同编号")
    );
    // The other conversations are not what opened.
    let weather = ids[2].0;
    assert_ne!(harness.state().state().current, Some(weather));
}

#[test]
fn a_result_opens_its_long_conversation_scrolled_to_the_message() {
    let env = TestEnv::new("search-window-scroll");
    {
        let store = Store::open(&env.database()).unwrap();
        let id = store.create_conversation("long").unwrap();
        for i in 0..60 {
            let text = if i == 3 {
                "the needle question".to_owned()
            } else {
                format!("filler question {i}\n\nwith a second paragraph")
            };
            store.add_message(id, &NewMessage::question(&text)).unwrap();
        }
    }
    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), env.options()).unwrap();
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En));
    step_until(&mut harness, "the history list", |app| {
        app.state().conversations.len() == 1
    });
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    harness.step();
    harness
        .get_by_role_and_label(Role::TextInput, "Search")
        .type_text("needle");
    step_until(&mut harness, "one result", |app| {
        app.search_hits().len() == 1
    });
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the conversation open", |app| {
        app.state().messages.len() == 60
    });
    for _ in 0..5 {
        harness.step();
    }
    // Only rows in view are drawn: the needle is (in the conversation and in the result
    // list beside it), the last message is not.
    assert_eq!(
        harness
            .query_all_by_label_contains("the needle question")
            .count(),
        2,
        "the message found is in view"
    );
    assert!(
        harness
            .query_by_label_contains("filler question 59")
            .is_none(),
        "the view is not at the end"
    );
}
