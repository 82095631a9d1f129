//! Replies that read well: the real `App` (`egui_kittest`) shows a streamed Markdown reply with
//! headings, lists, task items, an aligned table, a code block, a bare URL and bold text, and
//! we read back what a person would see through the accessibility tree. The theme switch in
//! Settings is remembered in the settings file. The real binary under Xvfb shows the reply in
//! the dark and the light theme; the screenshots land in `$CARGO_TARGET_DIR/e2e/` for a person
//! to look at.

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

use std::time::Duration;

use egui::accesskit::{Role, Toggled};
use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT as _, Queryable as _};
use ocrchat::config::{Settings, ThemeChoice};
use ocrchat::core::CoreHandle;
use ocrchat::llm::ProviderConfig;
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use ocrchat::ui::strings::Lang;
use support::window::{
    app_dirs, click_composer, e2e_output, launch_app, screenshot, start_xvfb, window_geometry,
    xdotool,
};
use support::{MockServer, Reply, TestEnv, sse_body, wait_until};

const WAIT: Duration = Duration::from_secs(20);

/// The reply every test here streams.
pub const REPLY: &[&str] = &[
    "# Release notes\n\n",
    "## What changed\n\n",
    "1. Parsing is **cached** per message\n2. Tables align\n\n",
    "- a bullet\n- another bullet\n\n",
    "- [x] done task\n- [ ] open task\n\n",
    "| Fruit | Qty | Price |\n|:------|:---:|------:|\n",
    "| Apple | 3 | 12.00 |\n| Fig | 120 | 0.5 |\n\n",
    "```rust\nfn main() {\n    println!(\"hello\");\n}\n```\n\n",
    "> A quoted *note* with ~~old~~ text, still easy to read.\n\n",
    "Docs at https://example.com/docs. 这是**粗体**。\n\n",
    "```\nlet long = \"a line of code long enough to run past the right edge of the message column, so it scrolls sideways instead of running under a button\";\n```\n",
];

fn app_harness<'a>(env: &TestEnv, runtime: &tokio::runtime::Runtime) -> Harness<'a, App> {
    let core = CoreHandle::start(runtime.handle(), env.options()).unwrap();
    Harness::builder()
        .with_size([1100.0, 900.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En))
}

fn step_until(harness: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    wait_until(what, WAIT, || {
        harness.step();
        done(harness.state())
    });
    harness.step();
}

/// An app with a provider pointing at `server`, after it asked a question and the reply
/// finished streaming.
fn app_showing_the_reply<'a>(
    name: &str,
    server: &MockServer,
    runtime: &tokio::runtime::Runtime,
) -> (TestEnv, Harness<'a, App>) {
    let env = TestEnv::new(name);
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "test-model"));
    settings.active_provider = Some("Local".into());
    settings.save(&env.paths.config_file()).unwrap();
    let mut harness = app_harness(&env, runtime);
    step_until(&mut harness, "the provider list", |app| {
        app.state().active_provider.is_some()
    });
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .focus();
    harness.step();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .type_text("release notes please");
    harness.step();
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the reply to finish", |app| {
        app.state()
            .messages
            .get(1)
            .is_some_and(|m| m.status == MessageStatus::Complete)
    });
    harness.run_steps(3);
    (env, harness)
}

fn streaming_server() -> MockServer {
    MockServer::always(Reply::sse_pieces(
        sse_body(REPLY)
            .into_bytes()
            .chunks(40)
            .map(<[u8]>::to_vec)
            .collect(),
        Duration::from_millis(2),
    ))
}

#[test]
fn a_reply_shows_headings_lists_tasks_table_code_links_and_bold() {
    let server = streaming_server();
    let runtime = support::runtime();
    let (_env, mut harness) = app_showing_the_reply("md-reply", &server, &runtime);

    // H1 is larger than H2.
    let h1 = harness.get_by_label("Release notes").rect();
    let h2 = harness.get_by_label("What changed").rect();
    assert!(h1.height() > h2.height() + 3.0, "H1 {h1:?} vs H2 {h2:?}");

    // List numbers sit on their item's baseline: same top, same line height, same font.
    let number = harness.get_by_label("2.").rect();
    let item = harness.get_by_label("Tables align").rect();
    assert!(
        (number.top() - item.top()).abs() < 0.5,
        "{number:?} vs {item:?}"
    );
    assert!(
        (number.height() - item.height()).abs() < 0.5,
        "{number:?} vs {item:?}"
    );
    assert!(number.right() < item.left());

    // Task items are checkboxes (checked or not) named after their text.
    let done = harness.get_by_role_and_label(Role::CheckBox, "done task");
    assert_eq!(done.accesskit_node().toggled(), Some(Toggled::True));
    let open = harness.get_by_role_and_label(Role::CheckBox, "open task");
    assert_eq!(open.accesskit_node().toggled(), Some(Toggled::False));
    // The item's text stands right of its checkbox, with no bullet text in between.
    let open_text = harness.get(By::new().role(Role::Label).label("open task"));
    assert!(open.rect().right() <= open_text.rect().left());
    assert!(harness.query_by_label("•").is_none());

    // Table: the right-aligned column shares a right edge, the centred one a centre.
    let right = |label: &str| harness.get_by_label(label).rect().right();
    assert!((right("12.00") - right("0.5")).abs() < 1.0);
    assert!((right("Price") - right("0.5")).abs() < 1.0);
    let centre = |label: &str| harness.get_by_label(label).rect().center().x;
    assert!((centre("3") - centre("120")).abs() < 1.0);
    assert!((centre("Qty") - centre("120")).abs() < 1.0);
    // Left-aligned cells share a left edge.
    let left = |label: &str| harness.get_by_label(label).rect().left();
    assert!((left("Apple") - left("Fig")).abs() < 1.0);
    // No empty space below the table: the code block follows within a block gap.
    let table_bottom = harness.get_by_label("Fig").rect().bottom();
    let code_top = harness.get_by_label("rust").rect().top();
    assert!(
        code_top - table_bottom < 40.0,
        "space below the table: {}",
        code_top - table_bottom
    );

    // The code block: its language label, its code, a Copy code button that copies it.
    harness.get(
        By::new()
            .role(Role::MultilineTextInput)
            .value("fn main() {\n    println!(\"hello\");\n}"),
    );
    // The first of two code blocks; the second has no language and says "text".
    harness.get_by_label("text");
    harness
        .get_all_by_label("Copy code")
        .next()
        .unwrap()
        .click();
    harness.step();
    let copied = harness.output().platform_output.commands.iter().any(|c| {
        matches!(c, egui::OutputCommand::CopyText(t) if t == "fn main() {\n    println!(\"hello\");\n}")
    });
    assert!(copied, "{:?}", harness.output().platform_output.commands);
    // The copy button sits above the code, not over it.
    let code = harness
        .get(
            By::new()
                .role(Role::MultilineTextInput)
                .value("fn main() {\n    println!(\"hello\");\n}"),
        )
        .rect();
    let copy_button = harness.get_all_by_label("Copy code").next().unwrap().rect();
    assert!(copy_button.bottom() <= code.top());

    // The bare URL is a link, and clicking it asks to open it.
    let link = harness.get_by_role_and_label(Role::Link, "https://example.com/docs");
    link.click();
    harness.step();
    let opened = harness.output().platform_output.commands.iter().any(|c| {
        matches!(c, egui::OutputCommand::OpenUrl(open) if open.url == "https://example.com/docs")
    });
    assert!(opened, "{:?}", harness.output().platform_output.commands);

    // Bold text is drawn with a bold face: the bold family's first font is the bold file.
    let bold_first = harness.ctx.fonts(|f| {
        f.definitions()
            .families
            .get(&ocrchat::ui::fonts::bold_family())
            .and_then(|list| list.first().cloned())
    });
    assert_eq!(bold_first.as_deref(), Some("bold"));
}

#[test]
fn the_theme_switch_applies_at_once_and_is_remembered() {
    let server = streaming_server();
    let runtime = support::runtime();
    let env = TestEnv::new("md-theme");
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the provider list", |app| {
        app.state().providers_loaded
    });
    harness.get_by_label("Settings…").click();
    harness.run_steps(3);
    harness.get_by_label("Light").click();
    step_until(&mut harness, "the light theme", |app| {
        app.state().theme == ThemeChoice::Light
    });
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
    harness.get_by_label("Dark").click();
    step_until(&mut harness, "the dark theme", |app| {
        app.state().theme == ThemeChoice::Dark
    });
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
    drop(harness);
    drop(server);

    // After a restart the window starts dark again, from the settings file.
    let config = std::fs::read_to_string(env.paths.config_file()).unwrap();
    assert!(config.contains("theme = \"dark\""), "{config}");
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the saved theme", |app| {
        app.state().theme == ThemeChoice::Dark
    });
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
}

/// The real binary under its own Xvfb, with `theme` in its settings: asks a question, waits
/// for the reply to be saved, and takes a screenshot of the window.
fn real_window_screenshot(theme: ThemeChoice, file: &str) {
    let server = streaming_server();
    let env = TestEnv::new(file);
    let (xdg_config, xdg_data) = app_dirs(env.dir.path());
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "test-model"));
    settings.theme = theme;
    settings
        .save(&xdg_config.join("ocrchat/config.toml"))
        .unwrap();
    let db = xdg_data.join("ocrchat/history.sqlite3");
    let (_xvfb, display) = start_xvfb();
    let (_app, window) = launch_app(&display, env.dir.path());
    click_composer(&display, &window);
    xdotool(&display, &["type", "--delay", "10", "release notes please"]);
    xdotool(&display, &["key", "Return"]);
    wait_until("the reply to be saved", WAIT, || {
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|conn| {
                conn.query_row(
                    "SELECT status FROM messages WHERE role = 'assistant'",
                    [],
                    |row| row.get::<_, String>(0),
                )
            })
            .is_ok_and(|status| status == "complete")
    });
    // Scroll to the top of the reply so the headings are in view, then let it settle.
    let (x, y, w, _) = window_geometry(&display, &window);
    let (mx, my) = ((x + w / 2 + 100).to_string(), (y + 300).to_string());
    xdotool(&display, &["mousemove", &mx, &my]);
    for _ in 0..15 {
        xdotool(&display, &["click", "4"]);
    }
    std::thread::sleep(Duration::from_millis(600));
    screenshot(&display, &e2e_output(file));
}

#[test]
fn screenshots_of_the_real_window_in_dark_and_light() {
    real_window_screenshot(ThemeChoice::Dark, "markdown-dark.png");
    real_window_screenshot(ThemeChoice::Light, "markdown-light.png");
}
