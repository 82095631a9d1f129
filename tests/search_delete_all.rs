//! `ocrchat data delete-all`: without `--yes` nothing goes; with it the data and config
//! folders are gone (history, search index, log, settings), and the keyring holds no entry
//! of a configured provider (the keyring part needs `scripts/with-keyring.sh`).

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::print_stderr,
    clippy::unwrap_used,
    reason = "tests fail loudly on a broken fixture"
)]

#[path = "support/app_process.rs"]
mod app_process;
mod support;

use std::path::Path;

use ocrchat::config::Settings;
use ocrchat::llm::ProviderConfig;
use ocrchat::secrets::{ApiKey, KeyringStore};
use ocrchat::store::{NewMessage, Store};
use support::{KeyringCleanup, TestEnv};

/// Every file left under `root`.
fn files_under(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

fn seed_history(root: &Path) {
    let store = Store::open(&app_process::history(root)).unwrap();
    let id = store.create_conversation("发票").unwrap();
    store
        .add_message(id, &NewMessage::question("合同编号"))
        .unwrap();
    std::fs::write(root.join("data/ocrchat/ocrchat.log"), "log line\n").unwrap();
    std::fs::create_dir_all(root.join("config/ocrchat")).unwrap();
    Settings::default()
        .save(&root.join("config/ocrchat/config.toml"))
        .unwrap();
}

#[test]
fn the_binary_deletes_nothing_without_yes_and_everything_with_it() {
    let dir = tempfile::tempdir().unwrap();
    seed_history(dir.path());
    let before = files_under(dir.path());
    let out = app_process::subcommand(dir.path(), "data")
        .arg("delete-all")
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("Nothing was deleted") && err.contains("--yes"),
        "{err}"
    );
    assert_eq!(files_under(dir.path()), before);

    let out = app_process::subcommand(dir.path(), "data")
        .args(["delete-all", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(files_under(dir.path()), Vec::<String>::new());
}

#[test]
fn delete_all_removes_the_keys_of_the_configured_providers() {
    support::require_secret_service();
    let env = TestEnv::new("delete-all");
    let _cleanup = KeyringCleanup {
        service: env.keyring_service.clone(),
        names: vec!["Local".into(), "Other".into()],
    };
    let keyring = KeyringStore::new(env.keyring_service.clone());
    let mut settings = Settings::default();
    for name in ["Local", "Other"] {
        settings.upsert(ProviderConfig::new(name, "http://127.0.0.1:9/v1", "m"));
        keyring
            .set(name, &ApiKey::new("sk-test-123").unwrap())
            .unwrap();
    }
    settings.save(&env.paths.config_file()).unwrap();
    drop(Store::open(&env.database()).unwrap());

    let deleted = ocrchat::cli::delete_all(&env.paths, &keyring).unwrap();
    assert!(
        deleted.iter().any(|d| d.contains("keyring entry of Local")),
        "{deleted:?}"
    );
    let fresh = KeyringStore::new(env.keyring_service.clone());
    assert!(fresh.get("Local").unwrap().is_none());
    assert!(fresh.get("Other").unwrap().is_none());
    assert_eq!(files_under(env.dir.path()), Vec::<String>::new());
}
