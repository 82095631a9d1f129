//! Issue 9 §1 end to end: the real binary in a real window under Xvfb, with the system
//! clipboard served by xclip as another program would. A key copied elsewhere is pasted
//! (Ctrl+V) into the API-key field of the welcome form and a server address (Shift+Insert)
//! into its Base URL; Enter saves it; a question pasted into the composer is sent with that
//! key; Copy on the reply puts it where `xclip -o` reads it. Links in a reply open in the
//! system browser (`$BROWSER`, a script here), `https` yes, `file:` no.

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

use support::x11::{
    clipboard, focus_window, set_clipboard, spawn_app, start_xvfb, xdg_config, xdotool,
};
use support::{MockServer, Reply, TestEnv, sse_body, wait_until};

const WAIT: Duration = Duration::from_secs(30);
const REPLY: &[&str] = &["剪贴板", " works: **yes**"];

#[test]
fn paste_a_key_and_a_question_from_the_clipboard_and_copy_the_reply_back() {
    support::require_secret_service();
    let server = MockServer::always(Reply::sse(sse_body(REPLY)));
    let env = TestEnv::new("e2e-clipboard");
    let (_xvfb, display) = start_xvfb();
    let mut app = spawn_app(&env, &display, &[]);
    focus_window(&display);
    let key = |combo: &str| {
        xdotool(&display, &["key", "--delay", "60", combo]);
        std::thread::sleep(Duration::from_millis(150));
    };

    // The welcome form opens with the cursor in the API-key field (the preset fills the rest)
    // once the core has reported that no provider exists.
    std::thread::sleep(Duration::from_millis(500));
    set_clipboard(&display, "sk-pasted-from-clipboard");
    key("ctrl+v");
    // Back to Base URL (past Model), replace it with the address on the clipboard.
    key("shift+Tab");
    key("shift+Tab");
    key("ctrl+a");
    set_clipboard(&display, &server.base_url);
    key("shift+Insert");
    // Enter saves the provider; the key goes to the keyring.
    key("Return");
    let config_file = xdg_config(&env).join("ocrchat/config.toml");
    wait_until("the saved provider", WAIT, || {
        std::fs::read_to_string(&config_file).is_ok_and(|c| c.contains(&server.base_url))
    });

    // The composer has the cursor now; paste a question and send it.
    std::thread::sleep(Duration::from_millis(300));
    set_clipboard(&display, "来自剪贴板的问题");
    key("ctrl+v");
    key("Return");
    wait_until("the request", WAIT, || !server.requests().is_empty());
    let request = &server.requests()[0];
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk-pasted-from-clipboard")
    );
    assert_eq!(request.json()["messages"][0]["content"], "来自剪贴板的问题");

    // Copy on the reply: Tab from the (empty) composer reaches the reply's Copy button.
    std::thread::sleep(Duration::from_millis(500));
    set_clipboard(&display, "not yet copied");
    key("Tab");
    key("space");
    wait_until("the reply on the system clipboard", WAIT, || {
        clipboard(&display).as_deref() == Some(REPLY.concat().as_str())
    });

    key("ctrl+q");
    wait_until("the app to exit", WAIT, || {
        app.0.try_wait().unwrap().is_some()
    });
}

#[test]
fn a_link_in_a_reply_opens_in_the_system_browser_and_a_file_link_does_not() {
    let reply = "Read [the file](file:///etc/passwd) or [the site](https://example.com/e2e).";
    let server = MockServer::always(Reply::sse(sse_body(&[reply])));
    let env = TestEnv::new("e2e-links");
    let mut settings = ocrchat::config::Settings::default();
    settings.upsert(ocrchat::llm::ProviderConfig::new(
        "Local",
        &server.base_url,
        "m",
    ));
    settings
        .save(&xdg_config(&env).join("ocrchat/config.toml"))
        .unwrap();
    // The system browser is a script that writes down what it was asked to open.
    let opened = env.dir.path().join("opened.txt");
    let browser = env.dir.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" >> '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let (_xvfb, display) = start_xvfb();
    let browser_env = browser.display().to_string();
    let _app = spawn_app(&env, &display, &[("BROWSER", browser_env.as_str())]);
    let (x, y, w, h) = focus_window(&display);
    let key = |combo: &str| {
        xdotool(&display, &["key", "--delay", "60", combo]);
        std::thread::sleep(Duration::from_millis(200));
    };
    // Click into the composer (bottom of the window, right of the sidebar) and ask.
    let (cx, cy) = (x + w / 2 + 100, y + h - 40);
    xdotool(
        &display,
        &["mousemove", &cx.to_string(), &cy.to_string(), "click", "1"],
    );
    xdotool(&display, &["type", "--delay", "15", "links please"]);
    key("Return");
    wait_until("the request", WAIT, || !server.requests().is_empty());
    std::thread::sleep(Duration::from_millis(500));
    // Tab from the composer reaches the reply's links in order; Return activates them.
    key("Tab");
    key("Return");
    key("Tab");
    key("Return");
    wait_until("the browser to be asked", WAIT, || opened.exists());
    std::thread::sleep(Duration::from_millis(500));
    let asked = std::fs::read_to_string(&opened).unwrap();
    assert_eq!(
        asked, "https://example.com/e2e\n",
        "only the web link opened"
    );
}
