//! Issue 9 §4: the controls people expect, driven through the real `App` with `egui_kittest`:
//! Enter saves the provider form, a validation error clears once the field is fixed, Esc
//! closes dialogs, conversations can be renamed, New chat works on the welcome screen, the
//! sidebar collapses, Ctrl+L / Ctrl+Tab / Ctrl+Shift+Tab / Ctrl+, and an error notice that
//! can be dismissed.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
mod support;

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::store::Store;
use ocrchat::ui::App;
use support::gui::{app_harness, fill, seed_conversation, seed_provider, step_until};
use support::{MockServer, Reply, TestEnv, sse_body};

fn composer_focused(harness: &Harness<'_, App>) -> bool {
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .is_focused()
}

fn welcome<'a>(name: &str, runtime: &tokio::runtime::Runtime) -> (TestEnv, Harness<'a, App>) {
    let env = TestEnv::new(name);
    let mut harness = app_harness(&env, runtime);
    step_until(&mut harness, "the provider list", |app| {
        app.state().providers_loaded
    });
    harness.get_by_label("Welcome to ocrchat");
    (env, harness)
}

#[test]
fn enter_saves_the_provider_form_and_the_composer_gets_the_cursor() {
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let runtime = support::runtime();
    let (_env, mut harness) = welcome("gui-enter-save", &runtime);
    harness.get_by_label("Ollama (local)").click();
    harness.run_steps(2);
    // A bad address is refused, and the error goes once the address is fixed.
    fill(&mut harness, Role::TextInput, "Base URL", "localhost:11434");
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    harness.get_by_label_contains("is not a web address");
    assert!(harness.state().state().providers.is_empty());
    fill(&mut harness, Role::TextInput, "Base URL", &server.base_url);
    assert!(
        harness
            .query_by_label_contains("is not a web address")
            .is_none(),
        "the error clears once the field is right"
    );
    harness
        .get_by_role_and_label(Role::TextInput, "Model")
        .focus();
    harness.step();
    harness.key_press(Key::Enter);
    step_until(&mut harness, "the saved provider", |app| {
        app.state().active_provider.is_some()
    });
    harness.run_steps(3);
    assert!(harness.query_by_label("Welcome to ocrchat").is_none());
    assert!(
        composer_focused(&harness),
        "ready to type the first question"
    );
}

#[test]
fn new_chat_on_the_welcome_screen_opens_a_chat_that_says_what_is_missing() {
    let runtime = support::runtime();
    let (_env, mut harness) = welcome("gui-welcome-new", &runtime);
    harness.get_by_label("New chat").click();
    harness.run_steps(3);
    assert!(harness.query_by_label("Welcome to ocrchat").is_none());
    assert!(composer_focused(&harness));
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .type_text("hello");
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    harness.get_by_label("Add a provider first: Settings… → Add provider");
    assert_eq!(harness.state().draft(), "hello");
    // Nothing in the window points to the command line.
    assert!(harness.query_by_label_contains("--base-url").is_none());
    assert!(harness.query_by_label_contains("CLI").is_none());
    // Once a provider is added, the hint's cause is gone and so is the hint.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Comma);
    harness.run_steps(2);
    harness.get_by_label("Ollama (local)").click();
    harness.run_steps(2);
    harness.get_by_label("Save provider").click();
    step_until(&mut harness, "the provider", |app| {
        app.state().active_provider.is_some()
    });
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label("Add a provider first: Settings… → Add provider")
            .is_none()
    );
    assert_eq!(harness.state().draft(), "hello");
}

#[test]
fn esc_closes_dialogs_and_ctrl_comma_opens_settings() {
    let runtime = support::runtime();
    let (_env, mut harness) = welcome("gui-esc-dialogs", &runtime);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Comma);
    harness.run_steps(2);
    harness.get_by_label("Providers");
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    assert!(
        harness.query_by_label("Providers").is_none(),
        "Settings closed"
    );
    harness.get_by_label("About…").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Version ");
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    assert!(
        harness.query_by_label_contains("Version ").is_none(),
        "About closed"
    );
}

#[test]
fn rename_a_conversation_and_switch_between_conversations_with_the_keyboard() {
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let env = TestEnv::new("gui-rename");
    seed_provider(&env, &server);
    for title in ["first", "second", "third"] {
        seed_conversation(&env, title, 2, |i| format!("{title} message {i}"));
    }
    let runtime = support::runtime();
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the history", |app| {
        app.state().conversations.len() == 3
    });
    let list: Vec<_> = harness
        .state()
        .state()
        .conversations
        .iter()
        .map(|c| c.id)
        .collect();

    // Ctrl+Tab opens the next conversation in the list, Ctrl+Shift+Tab the previous one.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Tab);
    step_until(&mut harness, "the first in the list", |app| {
        app.state().current == Some(list[0])
    });
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Tab);
    step_until(&mut harness, "the second in the list", |app| {
        app.state().current == Some(list[1])
    });
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Tab);
    step_until(&mut harness, "back to the first", |app| {
        app.state().current == Some(list[0])
    });
    // Ctrl+L puts the cursor in the message box.
    assert!(!composer_focused(&harness));
    harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
    harness.run_steps(2);
    assert!(composer_focused(&harness));

    // Rename from the context menu; Esc cancels, Enter saves.
    let rename = |harness: &mut Harness<'_, App>| {
        harness
            .get_by_role_and_label(Role::Button, "second")
            .click_secondary();
        harness.run_steps(2);
        harness.get_by_label("Rename…").click();
        harness.run_steps(2);
    };
    rename(&mut harness);
    harness.get_by_label("Rename conversation");
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    assert!(harness.query_by_label("Rename conversation").is_none());
    rename(&mut harness);
    fill(&mut harness, Role::TextInput, "Title", "改过的名字");
    harness.key_press(Key::Enter);
    step_until(&mut harness, "the new title", |app| {
        app.state()
            .conversations
            .iter()
            .any(|c| c.title == "改过的名字")
    });
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Button, "改过的名字");
    let store = Store::open(&env.database()).unwrap();
    let titles: Vec<String> = store
        .list_conversations()
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert!(titles.contains(&"改过的名字".to_owned()), "{titles:?}");
}

#[test]
fn the_sidebar_collapses_and_an_error_notice_can_be_dismissed() {
    let env = TestEnv::new("gui-sidebar");
    // An unreadable settings file: the core says so in the notice bar.
    std::fs::create_dir_all(env.paths.config_file().parent().unwrap()).unwrap();
    std::fs::write(env.paths.config_file(), "providers = [[[").unwrap();
    let runtime = support::runtime();
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the notice", |app| {
        !app.state().errors.is_empty()
    });
    harness.get_by_label("Hide the history").click();
    harness.run_steps(10);
    assert!(harness.query_by_label("New chat").is_none(), "collapsed");
    harness.get_by_label("Show the history").click();
    harness.run_steps(10);
    harness.get_by_label("New chat");

    harness.get_by_label("×").click();
    harness.run_steps(2);
    assert!(harness.state().state().errors.is_empty());
}

/// The links the window asked the system to open in the last frame.
fn opened_links(harness: &Harness<'_, App>) -> Vec<String> {
    harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::OpenUrl(open) => Some(open.url.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn links_in_replies_open_only_for_web_and_mail_addresses() {
    let reply = "看 [网站](https://example.com/ok)、[邮件](mailto:a@example.com) 和 [文件](file:///etc/passwd)";
    let server = MockServer::always(Reply::sse(sse_body(&[reply])));
    let runtime = support::runtime();
    let (_env, mut harness) = support::gui::app_with_provider("gui-links", &server, &runtime);
    support::gui::type_question(&mut harness, "links");
    harness.key_press(Key::Enter);
    support::gui::wait_for_reply(&mut harness, ocrchat::store::MessageStatus::Complete);
    for (label, expected) in [
        ("网站", Some("https://example.com/ok")),
        ("邮件", Some("mailto:a@example.com")),
    ] {
        harness.get_by_label(label).click();
        harness.step();
        let opened = opened_links(&harness);
        assert_eq!(
            opened,
            expected.into_iter().map(str::to_owned).collect::<Vec<_>>(),
            "{label}"
        );
        harness.step();
    }
    // A `file:` link is drawn as plain text: there is no link to click at all.
    assert!(
        harness.query_by_label("文件").is_none(),
        "a file: link must not become a link node"
    );
    assert!(opened_links(&harness).is_empty(), "nothing else was opened");
}

#[test]
fn the_font_size_chosen_with_ctrl_plus_is_remembered() {
    let env = TestEnv::new("gui-zoom");
    let runtime = support::runtime();
    let zoom = {
        let mut harness = app_harness(&env, &runtime);
        step_until(&mut harness, "the provider list", |app| {
            app.state().providers_loaded
        });
        harness.key_press_modifiers(Modifiers::COMMAND, Key::Plus);
        harness.key_press_modifiers(Modifiers::COMMAND, Key::Plus);
        harness.run_steps(2);
        let zoom = harness.ctx.zoom_factor();
        assert!(zoom > 1.05, "Ctrl+Plus zooms in: {zoom}");
        support::wait_until("the zoom to be saved", support::gui::WAIT, || {
            harness.step();
            ocrchat::config::Settings::load(&env.paths.config_file())
                .is_ok_and(|saved| saved.ui_zoom == Some(zoom))
        });
        zoom
    };
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the remembered zoom", |app| {
        app.state().providers_loaded
    });
    harness.run_steps(2);
    assert!(
        (harness.ctx.zoom_factor() - zoom).abs() < 1e-3,
        "{} != {zoom}",
        harness.ctx.zoom_factor()
    );
}
