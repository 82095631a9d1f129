//! The fault corpus: the real `ocrchat ask` binary against a local server that misbehaves in
//! every way we know of. Each case must end (the test kills a run that outlives its bound and
//! fails), exit non-zero unless the reply was fine, never panic, and say on stderr in one
//! clear line what went wrong. Waits are shortened through the documented environment
//! variables so no case takes long.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::too_many_lines,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
mod support;

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ocrchat::config::Settings;
use ocrchat::llm::ProviderConfig;
use support::{MockServer, Reply, sse_body, sse_chunk};

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    /// The highest resident set size seen while it ran, in KiB.
    peak_rss_kib: u64,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Exit 1, no panic, every stderr line starts with `ocrchat:` (retry notes, then the
    /// error), and the last one contains `needle`.
    fn assert_failed_with(&self, needle: &str) {
        assert_eq!(self.code, Some(1), "stderr: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(
            self.stderr.lines().all(|l| l.starts_with("ocrchat: ")),
            "{}",
            self.stderr
        );
        let last = self.stderr.lines().last().unwrap_or_default();
        assert!(
            last.contains(needle),
            "wanted {needle:?} in {}",
            self.stderr
        );
    }
}

/// The most any case may take before it counts as a hang.
const HANG_BOUND: Duration = Duration::from_mins(1);

/// Runs `ocrchat ask` in `dir` with XDG dirs under it, short waits, and `env` on top.
fn ask(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ocrchat"));
    command
        .arg("ask")
        .args(args)
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("OCRCHAT_RESPONSE_HEAD_TIMEOUT_SECS", "1")
        .env("OCRCHAT_FIRST_TOKEN_TIMEOUT_SECS", "1")
        .env("OCRCHAT_IDLE_TIMEOUT_SECS", "1")
        .env("OCRCHAT_REPLY_TIMEOUT_SECS", "5")
        .env_remove("OCRCHAT_API_KEY")
        .env_remove("RUST_LOG")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::Builder::new()
        .name("stdout".into())
        .spawn(move || {
            let mut bytes = Vec::new();
            stdout.read_to_end(&mut bytes).ok();
            bytes
        })
        .unwrap();
    let err_reader = std::thread::Builder::new()
        .name("stderr".into())
        .spawn(move || {
            let mut text = String::new();
            stderr.read_to_string(&mut text).ok();
            text
        })
        .unwrap();
    let started = Instant::now();
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        peak_rss_kib = peak_rss_kib.max(high_water_mark_kib(child.id()));
        if started.elapsed() > HANG_BOUND {
            child.kill().ok();
            child.wait().ok();
            panic!("ocrchat ask {args:?} hung (killed after {HANG_BOUND:?})");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
        peak_rss_kib,
    }
}

/// `VmHWM` of a running process (0 once it is gone).
fn high_water_mark_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// `ocrchat ask --base-url <server> --model m <question>`.
fn ask_server(dir: &Path, server: &MockServer, env: &[(&str, &str)]) -> Run {
    ask(
        dir,
        &["--base-url", &server.base_url, "--model", "m", "question"],
        env,
    )
}

fn run_reply(reply: Reply) -> (Run, MockServer) {
    let server = MockServer::always(reply);
    let dir = tempfile::tempdir().unwrap();
    (ask_server(dir.path(), &server, &[]), server)
}

#[test]
fn a_server_that_accepts_and_never_answers() {
    let (run, server) = run_reply(Reply::Silent);
    run.assert_failed_with("accepted the request but sent no answer within 1 s");
    assert!(!run.stderr.contains("Could not reach"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_response_head_that_never_ends() {
    let (run, _server) = run_reply(Reply::SlowHead {
        gap: Duration::from_millis(100),
    });
    run.assert_failed_with("sent no answer within 1 s");
}

#[test]
fn a_server_that_closes_without_answering() {
    let (run, server) = run_reply(Reply::Close);
    run.assert_failed_with("closed the connection without answering");
    assert!(!run.stderr.contains("Could not reach"), "{}", run.stderr);
    assert_eq!(
        server.requests().len(),
        3,
        "retried like any connection failure"
    );
}

#[test]
fn a_trickle_of_bytes_without_a_line_end() {
    let (run, _server) = run_reply(Reply::Endless {
        first: sse_chunk("kept ").into_bytes(),
        piece: b"x".to_vec(),
        gap: Duration::from_millis(100),
    });
    run.assert_failed_with("no complete line for 1 s");
    assert_eq!(run.stdout(), "kept \n");
}

#[test]
fn trickled_error_pages_and_bodies_end_too() {
    for (status, content_type, needle) in [
        (502, "text/html", "(502)"),
        (200, "application/json", "did not answer with a stream"),
        // Whitespace never shows what the body is: the idle limit ends it.
        (200, "text/plain", "no complete line for 1 s"),
    ] {
        let piece = if content_type == "text/plain" {
            " "
        } else {
            "<p>x"
        };
        let (run, _server) = run_reply(Reply::EndlessTyped {
            status,
            content_type: content_type.into(),
            piece: piece.as_bytes().to_vec(),
            gap: Duration::from_millis(20),
        });
        run.assert_failed_with(needle);
    }
}

#[test]
fn a_steady_trickle_of_events_ends_at_the_reply_limit() {
    let (run, _server) = run_reply(Reply::Endless {
        first: Vec::new(),
        piece: sse_chunk(".").into_bytes(),
        gap: Duration::from_millis(200),
    });
    run.assert_failed_with("it streamed for 5 s");
    assert!(run.stdout().starts_with('.'));
}

#[test]
fn an_endless_line_is_cut_at_16_mib_with_bounded_memory() {
    let (run, _server) = run_reply(Reply::Endless {
        first: format!("{}data: ", sse_chunk("before")).into_bytes(),
        piece: vec![b'x'; 256 * 1024],
        gap: Duration::ZERO,
    });
    run.assert_failed_with("a line longer than 16777216 bytes");
    assert_eq!(run.stdout(), "before\n");
    eprintln!("endless line: peak RSS {} KiB", run.peak_rss_kib);
    assert!(
        run.peak_rss_kib < 200 * 1024,
        "peak RSS {} KiB",
        run.peak_rss_kib
    );
}

#[test]
fn a_huge_event_id_is_kept_once() {
    let (run, _server) = run_reply(Reply::Endless {
        first: format!("id: {}\n", "i".repeat(4 * 1024 * 1024)).into_bytes(),
        piece: sse_chunk("").into_bytes(),
        gap: Duration::ZERO,
    });
    // Tens of thousands of events each pointing at the 4 MiB id: it ends at the reply limit
    // (empty deltas make an empty reply) with memory far below one copy per event.
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    eprintln!("4 MiB id: peak RSS {} KiB", run.peak_rss_kib);
    assert!(
        run.peak_rss_kib < 300 * 1024,
        "peak RSS {} KiB",
        run.peak_rss_kib
    );
}

#[test]
fn redirects_are_refused_and_sent_once() {
    let (run, server) = run_reply(Reply::redirect(302, "http://127.0.0.1:9/elsewhere"));
    run.assert_failed_with("redirected the request (302) to http://127.0.0.1:9/elsewhere");
    let (run, looping) = run_reply(Reply::redirect(301, "/v1/chat/completions"));
    run.assert_failed_with("(301)");
    assert_eq!(server.requests().len() + looping.requests().len(), 2);
}

#[test]
fn a_key_the_server_echoes_is_nowhere_on_screen_or_disk() {
    const KEY: &str = "sk-live-echo-9f86d081884c7d65";
    let server = MockServer::always(Reply::json(
        401,
        &format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#),
    ));
    let dir = tempfile::tempdir().unwrap();
    let run = ask_server(
        dir.path(),
        &server,
        &[("OCRCHAT_API_KEY", KEY), ("RUST_LOG", "trace")],
    );
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("Incorrect API key provided: ***"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(KEY), "{}", run.stderr);
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(&*format!("Bearer {KEY}"))
    );
    let mut scanned = 0;
    for root in ["data", "config", "cache"] {
        for file in files_under(&dir.path().join(root)) {
            scanned += 1;
            let bytes = std::fs::read(&file).unwrap();
            let found = bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes());
            assert!(!found, "the key is in {}", file.display());
        }
    }
    assert!(scanned >= 1, "the run stored its history");
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_key_is_not_sent_over_plain_http_to_another_computer() {
    // The server acts as an HTTP proxy, so a request to a remote http:// host reaches it.
    let server = MockServer::always(Reply::sse(sse_body(&["proxied"])));
    let proxy = server.base_url.trim_end_matches("/v1").to_owned();
    let dir = tempfile::tempdir().unwrap();
    let run = ask(
        dir.path(),
        &[
            "--base-url",
            "http://ocrchat-remote.test/v1",
            "--model",
            "m",
            "q",
        ],
        &[
            ("OCRCHAT_API_KEY", "sk-plain-http-never"),
            ("HTTP_PROXY", &proxy),
            ("NO_PROXY", ""),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout(), "proxied\n");
    let request = &server.requests()[0];
    assert_eq!(
        request.path,
        "http://ocrchat-remote.test/v1/chat/completions"
    );
    assert_eq!(request.header("authorization"), None);
}

#[test]
fn environment_and_dotenv_keys_never_go_to_a_saved_provider() {
    let server = MockServer::always(Reply::sse(sse_body(&["saved"])));
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Saved", &server.base_url, "m"));
    settings
        .save(&dir.path().join("config/ocrchat/config.toml"))
        .unwrap();
    std::fs::write(dir.path().join(".env"), "API_KEY=sk-dotenv-not-for-saved\n").unwrap();
    let run = ask(
        dir.path(),
        &["q"],
        &[
            ("OCRCHAT_API_KEY", "sk-env-not-for-saved"),
            // No keyring in this test: the keyring lookup fails or finds nothing.
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent"),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[test]
fn an_empty_question_is_refused_at_once() {
    let server = MockServer::always(Reply::sse(sse_body(&["never"])));
    let dir = tempfile::tempdir().unwrap();
    for question in ["", "   \n\t"] {
        let run = ask(
            dir.path(),
            &["--base-url", &server.base_url, "--model", "m", question],
            &[],
        );
        run.assert_failed_with("The question is empty");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn answers_are_exactly_what_the_server_said() {
    let finish =
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    let cases: Vec<(&str, Reply, Result<&str, &str>)> = vec![
        (
            "usage with null and -1",
            Reply::sse(format!(
                "{}data: {{\"choices\":[],\"usage\":{{\"prompt_tokens\":null,\"completion_tokens\":-1}}}}\n\n{finish}",
                sse_chunk("ok")
            )),
            Ok("ok\n"),
        ),
        (
            "an error event",
            Reply::sse(format!(
                "{}event: error\ndata: {{\"message\":\"Overloaded\"}}\n\n",
                sse_chunk("x")
            )),
            Err("The provider reported an error mid-reply: Overloaded"),
        ),
        (
            "an empty reply",
            Reply::sse(finish),
            Err("The model returned an empty reply"),
        ),
        (
            "reasoning only",
            Reply::sse(format!(
                "data: {{\"choices\":[{{\"delta\":{{\"reasoning_content\":\"hm\"}}}}]}}\n\n{finish}"
            )),
            Err("The model returned an empty reply (only its reasoning"),
        ),
        (
            "an event stream served as text/plain",
            Reply::typed(200, "text/plain", sse_body(&[&"長".repeat(40_000), "!"])),
            Ok(""),
        ),
        (
            "gzip not asked for",
            Reply::Raw {
                status: 200,
                headers: vec![("Content-Encoding".into(), "gzip".into())],
                body: vec![0x1f, 0x8b, 8, 0, 0, 0],
            },
            Err("gzip-compressed answer that ocrchat did not ask for"),
        ),
        (
            "two choices",
            Reply::sse(format!(
                "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"zero\"}}}},{{\"index\":1,\"delta\":{{\"content\":\"one\"}}}}]}}\n\n{finish}"
            )),
            Ok("zero\n"),
        ),
        (
            "a proxy's HTML 502",
            Reply::typed(
                502,
                "text/html",
                "<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>",
            ),
            Err("(502): an HTML page: “502 Bad Gateway”"),
        ),
        (
            "a login page served with 200",
            Reply::typed(
                200,
                "text/html",
                "<!DOCTYPE html><html><body>\n<h1>Please sign in</h1></body></html>",
            ),
            Err("an HTML page: “Please sign in”"),
        ),
        (
            "an empty 200",
            Reply::typed(200, "text/event-stream", ""),
            Err("The model returned an empty reply"),
        ),
        (
            "an empty 200 with no Content-Type",
            Reply::Raw { status: 200, headers: Vec::new(), body: Vec::new() },
            Err("did not answer with a stream (no Content-Type): an empty body."),
        ),
        (
            "JSON that is neither a completion nor an error",
            Reply::json(200, "{}"),
            Err("did not answer with a stream (application/json)"),
        ),
        (
            "bytes that are not UTF-8",
            Reply::sse(b"data: {\"choices\":[{\"delta\":{\"content\":\"\xff\xfeok\"}}]}\n\ndata: [DONE]\n\n".to_vec()),
            Ok("\u{fffd}\u{fffd}ok\n"),
        ),
        (
            "a wait longer than ocrchat accepts",
            Reply::Raw { status: 429, headers: vec![("Retry-After".into(), "86400".into())], body: b"slow down".to_vec() },
            Err("rate limiting requests (429): slow down"),
        ),
        (
            "a 400 with a JSON error",
            Reply::json(400, r#"{"error":{"message":"context too long"}}"#),
            Err("refused the request (400): context too long"),
        ),
        (
            "data that is not JSON",
            Reply::sse("data: {oops\n\n"),
            Err("not JSON"),
        ),
        (
            "a body cut mid-reply",
            Reply::Sse {
                pieces: vec![sse_chunk("half").into_bytes()],
                gap: Duration::ZERO,
                abort: true,
            },
            Err("The connection broke mid-reply"),
        ),
    ];
    for (name, reply, expected) in cases {
        let (run, _server) = run_reply(reply);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        match expected {
            Ok("") => {
                assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
                assert_eq!(
                    run.stdout(),
                    format!("{}!\n", "長".repeat(40_000)),
                    "{name}"
                );
            }
            Ok(stdout) => {
                assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
                assert_eq!(run.stdout(), stdout, "{name}");
            }
            Err(needle) => {
                assert!(run.stderr.contains(needle), "{name}: {}", run.stderr);
                run.assert_failed_with(needle);
                assert!(
                    !run.stderr.contains('<'),
                    "{name}: markup in {}",
                    run.stderr
                );
            }
        }
    }
}

#[test]
fn a_base_url_with_a_query_reaches_the_right_path() {
    let server = MockServer::always(Reply::sse(sse_body(&["azure"])));
    let dir = tempfile::tempdir().unwrap();
    let base = format!("{}?api-version=2024-10-21", server.base_url);
    let run = ask(dir.path(), &["--base-url", &base, "--model", "m", "q"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        server.requests()[0].path,
        "/v1/chat/completions?api-version=2024-10-21"
    );
}

#[test]
fn control_characters_reach_a_pipe_raw_but_never_a_terminal() {
    let hostile = "clear\u{1b}[2J\u{1b}]0;pwned\u{7} done\r";
    let server = MockServer::always(Reply::sse(sse_body(&[hostile])));
    let dir = tempfile::tempdir().unwrap();
    // A pipe gets the bytes exactly as sent.
    let run = ask_server(dir.path(), &server, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout(), format!("{hostile}\n"));
    // A terminal (a pseudo-terminal from `script`) gets them without control characters.
    let out = Command::new("script")
        .args([
            "-qec",
            r#""$OCRCHAT" ask --base-url "$URL" --model m q"#,
            "/dev/null",
        ])
        .current_dir(dir.path())
        .env("OCRCHAT", env!("CARGO_BIN_EXE_ocrchat"))
        .env("URL", &server.base_url)
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env_remove("OCRCHAT_API_KEY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("clear[2J]0;pwned done"), "{shown:?}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
}

/// The statuses of the stored messages, oldest first.
fn message_statuses(db: &Path) -> Vec<(String, String)> {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return Vec::new();
    };
    let Ok(mut query) = conn.prepare("SELECT role, status FROM messages ORDER BY id") else {
        return Vec::new();
    };
    query
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

#[test]
fn a_keyring_that_never_answers_holds_up_neither_stop_nor_exit() {
    // A "session bus" that accepts connections and never says a word: every keyring call
    // blocks, as behind a locked keyring's unanswered unlock prompt.
    let dir = tempfile::tempdir().unwrap();
    let bus = dir.path().join("bus.sock");
    let listener = std::os::unix::net::UnixListener::bind(&bus).unwrap();
    std::thread::Builder::new()
        .name("silent-bus".into())
        .spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                held.push(stream);
            }
        })
        .unwrap();
    let server = MockServer::always(Reply::sse(sse_body(&["never asked"])));
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Saved", &server.base_url, "m"));
    settings
        .save(&dir.path().join("config/ocrchat/config.toml"))
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocrchat"))
        .args(["ask", "q"])
        .current_dir(dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", bus.display()),
        )
        .env_remove("OCRCHAT_API_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The question and the reply's placeholder are stored although the key lookup hangs.
    let db = dir.path().join("data/ocrchat/history.sqlite3");
    support::wait_until("the question to be sent", HANG_BOUND, || {
        message_statuses(&db).len() == 2
    });
    support::send_signal(&child, "INT");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HANG_BOUND {
            child.kill().ok();
            panic!("ocrchat did not exit after Ctrl+C while the keyring hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        message_statuses(&db),
        [
            ("user".to_owned(), "complete".to_owned()),
            ("assistant".to_owned(), "stopped".to_owned())
        ]
    );
    assert!(server.requests().is_empty(), "stopped before it was sent");
}
