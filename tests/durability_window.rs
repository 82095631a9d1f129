//! Issue #8 §1 in the window: when the history cannot be written (a full disk: a small tmpfs
//! as the data directory), the reply says "Not saved yet" while the core keeps its text and
//! retries; once there is room, the note goes and the whole reply is on disk.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::print_stderr,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
#[path = "support/app_process.rs"]
mod app_process;
#[path = "support/paced_server.rs"]
mod paced_server;
mod support;

use std::io::Write as _;
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::config::Settings;
use ocrchat::core::CoreHandle;
use ocrchat::llm::ProviderConfig;
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use ocrchat::ui::strings::Lang;
use paced_server::{PacedServer, pieces};
use support::{TestEnv, wait_until};

fn step_until(
    harness: &mut Harness<'_, App>,
    what: &str,
    done: impl Fn(&Harness<'_, App>) -> bool,
) {
    wait_until(what, Duration::from_secs(30), || {
        harness.step();
        done(harness)
    });
}

/// Unmounts the tmpfs when the test ends, even when it fails.
struct Unmount<'a>(&'a std::path::Path);
impl Drop for Unmount<'_> {
    fn drop(&mut self) {
        std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0)
            .status()
            .ok();
    }
}

#[test]
fn a_reply_that_cannot_be_written_says_so_until_it_is() {
    let env = TestEnv::new("gui-unsaved");
    std::fs::create_dir_all(&env.paths.data_dir).unwrap();
    let mount = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=512k", "tmpfs"])
        .arg(&env.paths.data_dir)
        .output()
        .unwrap();
    if !mount.status.success() {
        eprintln!(
            "SKIPPED: this full-disk test mounts a tmpfs, which is not permitted here ({}). Run it as root (CI does).",
            String::from_utf8_lossy(&mount.stderr).trim()
        );
        return;
    }
    let _unmount = Unmount(&env.paths.data_dir);

    let mut script = pieces("a", 1, Duration::from_millis(50));
    let mut rest = pieces("b", 10, Duration::from_millis(50));
    rest[0].delay = Duration::from_millis(500);
    let mut end = pieces("c", 3, Duration::from_millis(50));
    end[0].delay = Duration::from_millis(2500);
    script.append(&mut rest);
    script.append(&mut end);
    let full: String = script.iter().map(|p| p.text.as_str()).collect();
    let server = PacedServer::start(script);
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.save(&env.paths.config_file()).unwrap();

    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), env.options()).unwrap();
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En));
    step_until(&mut harness, "the provider list", |h| {
        h.state().state().active_provider.is_some()
    });
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .focus();
    harness.step();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .type_text("q");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the first piece", |h| {
        h.state()
            .state()
            .messages
            .get(1)
            .is_some_and(|m| !m.content.is_empty())
    });
    // Fill the disk.
    let filler = env.paths.data_dir.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    while file.write_all(&[0u8; 4096]).is_ok() {}
    drop(file);
    step_until(&mut harness, "the not-saved note", |h| {
        h.query_by_label_contains("Not saved yet, retrying")
            .is_some()
    });
    std::fs::remove_file(&filler).unwrap();
    step_until(
        &mut harness,
        "the note to go once the text is written",
        |h| h.query_by_label_contains("Not saved yet").is_none(),
    );
    step_until(&mut harness, "the end of the reply", |h| {
        h.state()
            .state()
            .messages
            .get(1)
            .is_some_and(|m| m.status == MessageStatus::Complete)
    });
    wait_until("the final write", Duration::from_secs(30), || {
        harness.step();
        app_process::stored_replies(&env.database())[0].status == MessageStatus::Complete
    });
    assert!(harness.state().state().unsaved.is_empty());
    assert_eq!(
        app_process::stored_replies(&env.database())[0].content,
        full
    );
}
