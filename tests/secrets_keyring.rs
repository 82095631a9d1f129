//! API keys against a real Secret Service (gnome-keyring in a private D-Bus session, started
//! by scripts/with-keyring.sh), and a check that a key never reaches the config file, the
//! SQLite history or the logs.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::items_after_statements,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
mod support;

use std::sync::{Arc, Mutex};

use ocrchat::core::{Command, Event, KeyState, SendOptions};
use ocrchat::llm::ProviderConfig;
use ocrchat::secrets::{ApiKey, KeyFor, KeySource, KeyringStore, resolve_key};
use support::{Driver, KeyringCleanup, MockServer, Reply, TestEnv, sse_body};

/// A keyring service of this test's own, whose entries `names` are deleted at the end.
fn test_keyring(name: &str, names: &[&str]) -> (KeyringStore, KeyringCleanup) {
    support::require_secret_service();
    let service = format!("ocrchat-test-{name}-{}", std::process::id());
    let cleanup = KeyringCleanup {
        service: service.clone(),
        names: names.iter().map(|n| (*n).to_owned()).collect(),
    };
    (KeyringStore::new(service), cleanup)
}

#[test]
fn set_read_replace_and_delete_a_key() {
    let (store, _cleanup) = test_keyring("crud", &["OpenAI"]);
    assert_eq!(store.get("OpenAI").unwrap(), None);
    store
        .set("OpenAI", &ApiKey::new("sk-first").unwrap())
        .unwrap();
    assert_eq!(store.get("OpenAI").unwrap().unwrap().expose(), "sk-first");
    store
        .set("OpenAI", &ApiKey::new("sk-second").unwrap())
        .unwrap();
    assert_eq!(store.get("OpenAI").unwrap().unwrap().expose(), "sk-second");
    // Another provider's entry is separate.
    assert_eq!(store.get("DeepSeek").unwrap(), None);
    store.delete("OpenAI").unwrap();
    assert_eq!(store.get("OpenAI").unwrap(), None);
    store.delete("OpenAI").unwrap(); // Deleting again is fine.
}

#[test]
fn lookup_order_is_keyring_then_environment_then_dotenv() {
    let (store, _cleanup) = test_keyring("order", &["P"]);
    let dotenv = ocrchat::secrets::DotenvProvider {
        api_key: ApiKey::new("sk-dotenv"),
        ..Default::default()
    };
    assert!(std::env::var_os(ocrchat::secrets::API_KEY_ENV).is_none());
    let saved = KeyFor::Saved {
        name: "P",
        from_dotenv: false,
    };
    let imported = KeyFor::Saved {
        name: "P",
        from_dotenv: true,
    };
    // A saved provider with nothing in the keyring gets no key: .env's key is not for it…
    let (key, error) = resolve_key(&store, saved, Some(&dotenv));
    assert!(error.is_none());
    assert!(key.is_none());
    // …unless it is the provider imported from .env, or the request is ad hoc.
    for target in [imported, KeyFor::AdHoc] {
        let (key, _) = resolve_key(&store, target, Some(&dotenv));
        let (key, source) = key.unwrap();
        assert_eq!((key.expose(), source), ("sk-dotenv", KeySource::Dotenv));
    }
    // The keyring entry wins.
    store.set("P", &ApiKey::new("sk-keyring").unwrap()).unwrap();
    let (key, _) = resolve_key(&store, imported, Some(&dotenv));
    let (key, source) = key.unwrap();
    assert_eq!((key.expose(), source), ("sk-keyring", KeySource::Keyring));
    // An ad-hoc request never reads the keyring.
    let (key, _) = resolve_key(&store, KeyFor::AdHoc, None);
    assert!(key.is_none());
}

/// Collects everything the app logs, at every level.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = Self;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[test]
fn a_key_never_reaches_config_history_or_logs() {
    support::require_secret_service();
    const SECRET: &str = "sk-never-on-disk-7f3a9c";
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    // Global, so the core's runtime threads log into the buffer too.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = MockServer::always(Reply::sse(sse_body(&["fine"])));
    let env = TestEnv::new("leak");
    let _cleanup = KeyringCleanup {
        service: env.keyring_service.clone(),
        names: vec!["Leak test".into()],
    };
    let mut driver = Driver::start(&env);
    driver
        .core()
        .send(Command::SaveProvider {
            provider: ProviderConfig::new("Leak test", &server.base_url, "m"),
            api_key: ApiKey::new(SECRET),
            api_secret: None,
            previous_name: None,
        })
        .unwrap();
    loop {
        if let Event::Providers { providers, .. } = driver.next()
            && providers.iter().any(|p| p.key == KeyState::Stored)
        {
            break;
        }
    }
    driver
        .core()
        .send(Command::Send {
            conversation: None,
            text: format!("is {SECRET} safe?").replace(SECRET, "the key"),
            options: SendOptions::default(),
        })
        .unwrap();
    let finished = driver.until(|e| matches!(e, Event::MessageFinished { .. }));
    assert!(
        matches!(
            finished.last(),
            Some(Event::MessageFinished { error: None, .. })
        ),
        "{finished:?}"
    );
    driver.shutdown();

    // The key was used…
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(&*format!("Bearer {SECRET}"))
    );
    // …and is nowhere on disk or in the logs.
    let mut files = vec![env.paths.config_file()];
    for entry in std::fs::read_dir(&env.paths.data_dir).unwrap() {
        files.push(entry.unwrap().path()); // history.sqlite3 and its -wal/-shm files
    }
    assert!(files.len() >= 2, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let found = bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes());
        assert!(!found, "the key is in {}", file.display());
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("command"), "logging was captured: {logs}");
    assert!(!logs.contains(SECRET), "the key is in the logs");
}

#[test]
fn dotenv_is_offered_and_imported_into_the_keyring() {
    support::require_secret_service();
    let server = MockServer::always(Reply::sse(sse_body(&["imported"])));
    let env = TestEnv::new("dotenv");
    let dotenv = env.dir.path().join(".env");
    std::fs::write(
        &dotenv,
        format!(
            "API_KEY=sk-dotenv-import\nENDPOINT={}\nMODEL=qwen-plus\n",
            server.base_url
        ),
    )
    .unwrap();
    let _cleanup = KeyringCleanup {
        service: env.keyring_service.clone(),
        names: vec![".env".into()],
    };
    let mut options = env.options();
    options.dotenv_path = Some(dotenv.clone());
    let mut driver = Driver::with_options(options);
    let offer = loop {
        if let Event::DotenvOffer(Some(offer)) = driver.next() {
            break offer;
        }
    };
    assert_eq!(offer.model.as_deref(), Some("qwen-plus"));
    assert!(offer.has_key);
    driver
        .core()
        .send(Command::ImportDotenv {
            name: ".env".into(),
        })
        .unwrap();
    loop {
        match driver.next() {
            Event::ProviderSaved { name } => {
                assert_eq!(name, ".env");
                break;
            }
            Event::Error(message) => panic!("{message}"),
            _ => {}
        }
    }
    // Once imported, the offer is withdrawn and the key is in the keyring, not the config.
    loop {
        if let Event::DotenvOffer(offer) = driver.next() {
            assert_eq!(offer, None);
            break;
        }
    }
    let stored = KeyringStore::new(env.keyring_service.clone())
        .get(".env")
        .unwrap()
        .unwrap();
    assert_eq!(stored.expose(), "sk-dotenv-import");
    let config = std::fs::read_to_string(env.paths.config_file()).unwrap();
    assert!(
        config.contains("qwen-plus") && !config.contains("sk-dotenv-import"),
        "{config}"
    );
    // The user is told the plaintext key is still in .env, and can have the line removed.
    let left = loop {
        if let Event::DotenvKeyLeft(left) = driver.next() {
            break left;
        }
    };
    assert_eq!(left.as_deref(), Some(dotenv.as_path()));
    driver.core().send(Command::RemoveDotenvKey).unwrap();
    loop {
        match driver.next() {
            Event::DotenvKeyLeft(None) => break,
            Event::Error(message) => panic!("{message}"),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(&dotenv).unwrap();
    assert!(!text.contains("sk-dotenv-import"), "{text}");
    assert!(text.contains("MODEL=qwen-plus"), "{text}");
    driver.shutdown();
}

/// A core in `env` with one provider `name` at `server` whose key is in the keyring (deleted
/// when the returned cleanup drops).
fn keyed_provider(
    env: &TestEnv,
    server: &MockServer,
    name: &str,
    key: &str,
) -> (Driver, KeyringCleanup) {
    support::require_secret_service();
    let cleanup = KeyringCleanup {
        service: env.keyring_service.clone(),
        names: vec![name.to_owned()],
    };
    let mut driver = Driver::start(env);
    driver
        .core()
        .send(Command::SaveProvider {
            provider: ProviderConfig::new(name, &server.base_url, "configured"),
            api_key: ApiKey::new(key),
            api_secret: None,
            previous_name: None,
        })
        .unwrap();
    driver.until(|e| matches!(e, Event::ProviderSaved { .. }));
    (driver, cleanup)
}

#[test]
fn a_model_override_still_sends_the_providers_key() {
    let server = MockServer::always(Reply::sse(sse_body(&["overridden"])));
    let env = TestEnv::new("model-override");
    let (mut driver, _cleanup) = keyed_provider(&env, &server, "Keyed", "sk-keyed-override");
    driver
        .core()
        .send(Command::Send {
            conversation: None,
            text: "q".into(),
            options: SendOptions {
                model: Some("other-model".into()),
                ..SendOptions::default()
            },
        })
        .unwrap();
    let finished = driver.until(|e| matches!(e, Event::MessageFinished { .. }));
    assert!(
        matches!(
            finished.last(),
            Some(Event::MessageFinished { error: None, .. })
        ),
        "{finished:?}"
    );
    driver.shutdown();
    let request = &server.requests()[0];
    assert_eq!(request.json()["model"], "other-model");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk-keyed-override")
    );
}

#[test]
fn whether_a_provider_has_a_key_is_remembered_so_a_start_reads_no_secret() {
    let server = MockServer::always(Reply::sse(sse_body(&["x"])));
    let env = TestEnv::new("remembered");
    let (driver, _cleanup) = keyed_provider(&env, &server, "Remembered", "sk-remembered");
    driver.shutdown();
    let settings = ocrchat::config::Settings::load(&env.paths.config_file()).unwrap();
    assert_eq!(settings.providers[0].key_stored, Some(true));

    // The next start shows the key as stored at once, before any keyring read: its keyring
    // service here is one that holds nothing, so a read would have said "missing".
    let mut options = env.options();
    options.keyring_service = format!("{}-empty", env.keyring_service);
    let mut driver = Driver::with_options(options);
    let first = driver.until(|e| matches!(e, Event::Providers { .. }));
    let Some(Event::Providers { providers, .. }) = first.last() else {
        unreachable!()
    };
    assert_eq!(providers[0].key, KeyState::Stored);
    driver.shutdown();
}

#[test]
fn ask_with_model_uses_the_configured_providers_key() {
    // The real binary, in this test's private D-Bus session: its keyring service is the
    // app's own ("ocrchat"), so the entry is made there and removed at the end.
    support::require_secret_service();
    let server = MockServer::always(Reply::sse(sse_body(&["cli"])));
    let dir = tempfile::tempdir().unwrap();
    let name = format!("cli-model-{}", std::process::id());
    let _cleanup = KeyringCleanup {
        service: KeyringStore::DEFAULT_SERVICE.into(),
        names: vec![name.clone()],
    };
    KeyringStore::new(KeyringStore::DEFAULT_SERVICE)
        .set(&name, &ApiKey::new("sk-cli-model").unwrap())
        .unwrap();
    let mut settings = ocrchat::config::Settings::default();
    settings.upsert(ProviderConfig::new(&name, &server.base_url, "configured"));
    settings
        .save(&dir.path().join("config/ocrchat/config.toml"))
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ocrchat"))
        .args(["ask", "--model", "other-model", "q"])
        .current_dir(dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env_remove("OCRCHAT_API_KEY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let request = &server.requests()[0];
    assert_eq!(request.json()["model"], "other-model");
    assert_eq!(request.header("authorization"), Some("Bearer sk-cli-model"));
}
