//! The history list in the real `App` with `egui_kittest`: F2 opens the rename dialog, "Copy as Markdown" puts the open conversation on the clipboard, and the
//! list shows a date range (today, 7 or 30 days) newest or oldest first.

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
use egui::{Key, OutputCommand};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::ui::App;
use support::TestEnv;
use support::gui::{app_harness, seed_conversation, step_until};

fn window(env: &TestEnv, runtime: &tokio::runtime::Runtime) -> Harness<'static, App> {
    let mut harness = app_harness(env, runtime);
    step_until(&mut harness, "the history", |app| {
        app.state().conversations.len() == 3
    });
    harness
}

fn seed(env: &TestEnv) {
    for title in ["first", "second", "old one"] {
        seed_conversation(env, title, 2, |i| format!("{title} **message** {i}"));
    }
    // "old one" was last changed in 2001.
    let db = rusqlite::Connection::open(env.database()).unwrap();
    db.execute(
        "UPDATE conversations SET updated_at = 1000000000 WHERE title = 'old one'",
        [],
    )
    .unwrap();
}

fn rename_dialog_open(harness: &Harness<'_, App>) -> bool {
    harness.query_by_label("Rename conversation").is_some()
}

#[test]
fn double_click_and_f2_rename_and_copy_as_markdown() {
    let env = TestEnv::new("history-list-rename");
    seed(&env);
    let runtime = support::runtime();
    let mut harness = window(&env, &runtime);

    // Double-click is egui's own `double_clicked` on the row; kittest's clicks do not make
    // egui count a double click, so the keyboard way is what is driven here.
    harness
        .get_by_role_and_label(Role::Button, "second")
        .click();
    // F2 on the open conversation.
    step_until(&mut harness, "second open", |app| {
        app.state().messages.len() == 2
    });
    harness.key_press(Key::F2);
    harness.run_steps(2);
    assert!(
        rename_dialog_open(&harness),
        "F2 renames the open conversation"
    );
    assert_eq!(
        harness
            .get_by_role_and_label(Role::TextInput, "Title")
            .value()
            .as_deref(),
        Some("second")
    );
    harness.key_press(Key::Escape);
    harness.run_steps(2);

    // Copy as Markdown from the open conversation's menu.
    harness
        .get_by_role_and_label(Role::Button, "second")
        .click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Copy as Markdown").click();
    harness.step();
    let copied: Vec<&String> = harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            OutputCommand::CopyText(text) => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1, "{copied:?}");
    let text = copied[0];
    assert!(text.starts_with("<!-- Exported by ocrchat"), "{text}");
    assert!(text.contains("# second"), "{text}");
    assert!(text.contains("## You"), "{text}");
    assert!(
        text.contains("second **message** 0") && text.contains("second **message** 1"),
        "the Markdown as written: {text}"
    );
}

#[test]
fn a_pinned_conversation_stays_on_top_and_after_a_restart() {
    let env = TestEnv::new("history-list-pin");
    seed(&env);
    let runtime = support::runtime();
    let mut harness = window(&env, &runtime);
    assert_eq!(harness.state().state().conversations[0].title, "second");
    harness
        .get_by_role_and_label(Role::Button, "old one")
        .click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Pin to top").click();
    step_until(&mut harness, "the old one on top", |app| {
        let first = &app.state().conversations[0];
        first.title == "old one" && first.pinned
    });
    harness.get_by_role_and_label(Role::Button, "📌 old one");
    drop(harness);
    let store = ocrchat::store::Store::open(&env.database()).unwrap();
    let listed = store.list_conversations().unwrap();
    assert_eq!(listed[0].title, "old one", "pinned on disk");
    assert!(listed[0].pinned && !listed[1].pinned);
    store.pin_conversation(listed[0].id, false).unwrap();
    assert_eq!(store.list_conversations().unwrap()[0].title, "second");
}

#[test]
fn the_list_shows_a_date_range_newest_or_oldest_first() {
    let env = TestEnv::new("history-list-range");
    seed(&env);
    let runtime = support::runtime();
    let mut harness = window(&env, &runtime);
    let rows = |harness: &Harness<'_, App>| -> Vec<String> {
        ["first", "second", "old one"]
            .into_iter()
            .filter_map(|t| {
                harness
                    .query_by_role_and_label(Role::Button, t)
                    .map(|n| (n.rect().top() as i64, t.to_owned()))
            })
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_values()
            .collect()
    };
    assert_eq!(rows(&harness), ["second", "first", "old one"]);

    harness.get_by_label("Newest first").click();
    harness.run_steps(2);
    assert_eq!(rows(&harness), ["old one", "first", "second"]);
    harness.get_by_label("Oldest first").click();
    harness.run_steps(2);

    harness.get_by_label("Show").click();
    harness.run_steps(2);
    harness.get_by_label("Last 30 days").click();
    harness.run_steps(2);
    assert_eq!(rows(&harness), ["second", "first"], "2001 is out of range");
    harness.get_by_label("Show").click();
    harness.run_steps(2);
    harness.get_by_label("All dates").click();
    harness.run_steps(2);
    assert_eq!(rows(&harness), ["second", "first", "old one"]);
}
