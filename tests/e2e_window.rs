//! End to end: the real binary in a real window under Xvfb. xdotool types a question and
//! presses Enter; the reply streams from a server on 127.0.0.1; Ctrl+Q closes the window
//! mid-reply and the text so far must be in the history, marked stopped. A screenshot taken
//! mid-stream is left in the target directory for a person to look at.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    clippy::used_underscore_binding,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ocrchat::config::Settings;
use ocrchat::llm::ProviderConfig;
use support::window::{
    Reaper, app_dirs, click_composer, e2e_output, launch_app, screenshot, start_xvfb, xdotool,
};
use support::{MockServer, Reply, TestEnv, sse_chunk, wait_until};

const WAIT: Duration = Duration::from_secs(30);

/// The reply's (content, status) from the history file, read without writing to it.
fn saved_reply(db: &Path) -> Option<(String, String)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()?;
    conn.query_row(
        // A streaming reply's text is its row's plus its appended chunks (store/replies.rs).
        "SELECT m.content || coalesce((SELECT group_concat(c.text, '' ORDER BY c.id)
             FROM message_chunks c WHERE c.message_id = m.id AND c.reasoning = 0), ''), m.status
         FROM messages m WHERE m.role = 'assistant' ORDER BY m.id DESC LIMIT 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .ok()
}

/// Everything a window test keeps alive: Xvfb, the app, the server, the directories.
struct Running {
    _xvfb: Reaper,
    display: String,
    app: Reaper,
    server: MockServer,
    db: PathBuf,
    full_reply_len: usize,
    _env: TestEnv,
}

/// Starts the real app under its own Xvfb, types a question with xdotool, presses Enter, and
/// returns once part of the streaming reply is saved (with a screenshot taken at that point).
fn window_mid_reply(name: &str) -> Running {
    let mut tokens = vec![
        "## 发票摘要\n\n".to_owned(),
        "- 金额：**¥1,280.00**\n".to_owned(),
    ];
    tokens.extend((0..400).map(|i| format!("- 第 {i} 行\n")));
    let pieces = tokens.iter().map(|t| sse_chunk(t).into_bytes()).collect();
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::from_millis(25)));
    let env = TestEnv::new(name);
    // The binary uses the platform dirs: $XDG_CONFIG_HOME/ocrchat and $XDG_DATA_HOME/ocrchat.
    let (xdg_config, xdg_data) = app_dirs(env.dir.path());
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings
        .save(&xdg_config.join("ocrchat/config.toml"))
        .unwrap();
    let db = xdg_data.join("ocrchat/history.sqlite3");

    let (_xvfb, display) = start_xvfb();
    let (app, window) = launch_app(&display, env.dir.path());
    click_composer(&display, &window);
    xdotool(
        &display,
        &["type", "--delay", "15", "hello from a real window"],
    );
    xdotool(&display, &["key", "Return"]);

    wait_until("the request to reach the server", WAIT, || {
        !server.requests().is_empty()
    });
    assert_eq!(
        server.requests()[0].json()["messages"][0]["content"],
        "hello from a real window"
    );
    wait_until("part of the reply to be saved", WAIT, || {
        saved_reply(&db).is_some_and(|(content, _)| content.contains("第 10 行"))
    });
    screenshot(&display, &e2e_output(&format!("{name}-midstream.png")));
    Running {
        _xvfb,
        display,
        app,
        server,
        db,
        full_reply_len: tokens.concat().len(),
        _env: env,
    }
}

#[test]
fn type_in_the_real_window_stream_a_reply_and_close_mid_reply() {
    // Keep the whole fixture bound: a field left out of a pattern would be dropped at once.
    let mut running = window_mid_reply("e2e-quit");
    let Running {
        display,
        app,
        server,
        db,
        full_reply_len,
        ..
    } = &mut running;

    // Ctrl+Q mid-reply: the window closes the way its close button does.
    xdotool(display, &["key", "ctrl+q"]);
    wait_until("the app to exit", WAIT, || {
        app.0.try_wait().unwrap().is_some()
    });
    assert!(app.0.try_wait().unwrap().unwrap().success());
    let (content, status) = saved_reply(db).unwrap();
    assert_eq!(status, "stopped", "closing mid-reply keeps it as stopped");
    assert!(
        content.starts_with("## 发票摘要\n\n- 金额：**¥1,280.00**\n- 第 0 行\n"),
        "{content}"
    );
    assert!(
        content.len() < *full_reply_len,
        "the reply was still streaming"
    );
    wait_until("the server to see the connection closed", WAIT, || {
        server.client_hung_up()
    });
}

#[test]
fn sigterm_mid_reply_closes_the_window_and_keeps_the_reply() {
    let mut running = window_mid_reply("e2e-sigterm");
    let Running {
        app,
        server,
        db,
        full_reply_len,
        ..
    } = &mut running;
    support::send_signal(&app.0, "TERM");
    wait_until("the app to exit", WAIT, || {
        app.0.try_wait().unwrap().is_some()
    });
    assert!(app.0.try_wait().unwrap().unwrap().success(), "a clean exit");
    let (content, status) = saved_reply(db).unwrap();
    assert_eq!(status, "stopped");
    assert!(
        content.contains("第 10 行") && content.len() < *full_reply_len,
        "{content}"
    );
    wait_until("the server to see the connection closed", WAIT, || {
        server.client_hung_up()
    });
}
