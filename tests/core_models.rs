//! The model picker's core side (issue #12): a conversation remembers its provider and model
//! across restarts and can change model midway; each model's own max tokens and temperature
//! reach the request; model lists come from the provider; a reply past the provider's
//! in-flight limit is queued visibly and starts when a slot frees.

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

use ocrchat::config::Settings;
use ocrchat::core::{Command, Event};
use ocrchat::llm::{ModelSettings, ProviderConfig, Temperature};
use ocrchat::store::{ConversationId, ModelChoice};
use support::{Driver, MockServer, Reply, TestEnv, sse_body, sse_chunk};

fn seed(env: &TestEnv, provider: ProviderConfig) {
    let mut settings = Settings::default();
    settings.upsert(provider);
    settings.save(&env.paths.config_file()).unwrap();
}

fn opened(events: &[Event]) -> ConversationId {
    events
        .iter()
        .find_map(|e| match e {
            Event::ConversationOpened { id: Some(id), .. } => Some(*id),
            _ => None,
        })
        .expect("a conversation was opened")
}

/// The model each reply was stored with, as `MessageAdded` reported it.
fn reply_models(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::MessageAdded(m) if m.role == ocrchat::llm::Role::Assistant => m.model.clone(),
            _ => None,
        })
        .collect()
}

#[test]
fn a_conversation_remembers_its_model_changes_it_midway_and_uses_its_settings() {
    let server = MockServer::always(Reply::sse(sse_body(&["好"])));
    let env = TestEnv::new("core-models");
    let mut provider = ProviderConfig::new("Local", &server.base_url, "model-a");
    provider.models = vec![ModelSettings {
        name: "model-b".into(),
        max_tokens: Some(77),
        temperature: Some(Temperature::try_from(0.3).unwrap()),
        ..ModelSettings::default()
    }];
    seed(&env, provider);

    let mut driver = Driver::start(&env);
    // A new conversation starts with the active provider's model, and remembers it.
    let events = driver.ask(None, "first");
    let id = opened(&events);
    assert!(events.contains(&Event::ConversationModel {
        conversation: id,
        choice: ModelChoice {
            provider: "Local".into(),
            model: "model-a".into(),
        },
    }));
    assert_eq!(reply_models(&events), ["model-a"]);
    let first = server.requests()[0].json();
    assert_eq!(first["model"], "model-a");
    assert_eq!(first.get("temperature"), None);
    assert_eq!(first.get("max_tokens"), None);

    // Midway, the conversation changes model; the next question (naming none) goes to it,
    // with that model's max tokens and temperature.
    let choice = ModelChoice {
        provider: "Local".into(),
        model: "model-b".into(),
    };
    driver
        .core()
        .send(Command::ChooseModel {
            conversation: id,
            choice: choice.clone(),
        })
        .unwrap();
    driver.until(|e| matches!(e, Event::ConversationModel { choice: c, .. } if *c == choice));
    let events = driver.ask(Some(id), "second");
    assert_eq!(reply_models(&events), ["model-b"]);
    let second = server.requests()[1].json();
    assert_eq!(second["model"], "model-b");
    assert_eq!(second["max_tokens"], 77);
    assert_eq!(second["temperature"], 0.3);
    driver.shutdown();

    // After a restart, opening it says which model it asks, and Retry asks that one.
    let mut driver = Driver::start(&env);
    driver
        .core()
        .send(Command::OpenConversation { id })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::ConversationModel { .. }));
    assert!(events.contains(&Event::ConversationModel {
        conversation: id,
        choice: choice.clone(),
    }));
    driver
        .core()
        .send(Command::Retry { conversation: id })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::MessageFinished { .. }));
    assert_eq!(reply_models(&events), ["model-b"]);
    assert_eq!(server.requests()[2].json()["model"], "model-b");
    driver.shutdown();
}

#[test]
fn a_model_list_comes_from_the_provider_and_a_missing_one_says_why() {
    let server = MockServer::start(|_, request| {
        if request.method == "GET" && request.path == "/v1/models" {
            Reply::json(
                200,
                r#"{"object":"list","data":[{"id":"zeta","object":"model"},{"id":"alpha","object":"model"}]}"#,
            )
        } else {
            Reply::json(404, r#"{"error":{"message":"no such path"}}"#)
        }
    });
    let env = TestEnv::new("core-model-list");
    seed(
        &env,
        ProviderConfig::new("Local", &server.base_url, "alpha"),
    );
    let mut driver = Driver::start(&env);
    driver
        .core()
        .send(Command::ListModels {
            provider: "Local".into(),
        })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::Models { .. }));
    assert_eq!(
        events.last(),
        Some(&Event::Models {
            provider: "Local".into(),
            models: Ok(vec!["alpha".into(), "zeta".into()]),
        })
    );
    driver
        .core()
        .send(Command::ListModels {
            provider: "Gone".into(),
        })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::Models { .. }));
    let Some(Event::Models {
        models: Err(why), ..
    }) = events.last()
    else {
        panic!("no answer for a provider that does not exist");
    };
    assert!(why.contains("“Gone”"), "{why}");
    driver.shutdown();
}

#[test]
fn a_reply_past_the_in_flight_limit_is_queued_visibly_and_starts_when_a_slot_frees() {
    // Each reply: one token, then 400 ms until the rest.
    let server = MockServer::always(Reply::sse_pieces(
        vec![sse_chunk("a").into_bytes(), sse_body(&["b"]).into_bytes()],
        Duration::from_millis(400),
    ));
    let env = TestEnv::new("core-queued");
    let mut provider = ProviderConfig::new("Local", &server.base_url, "m");
    provider.max_in_flight = Some(1);
    seed(&env, provider);
    let mut driver = Driver::start(&env);
    driver.send_question(None, "one");
    let events = driver.until(|e| matches!(e, Event::Delta { .. }));
    let first = opened(&events);
    driver.send_question(None, "two");
    let events = driver.until(|e| matches!(e, Event::Queued { .. }));
    let Some(Event::Queued {
        conversation,
        in_flight,
        provider,
        message: queued,
    }) = events.last().cloned()
    else {
        unreachable!()
    };
    assert_ne!(conversation, first);
    assert_eq!((in_flight, provider.as_str()), (1, "Local"));
    assert_eq!(
        server.requests().len(),
        1,
        "nothing was sent for the queued one"
    );
    // The first finishes, then the queued one streams and finishes too.
    let mut finished = Vec::new();
    driver.until(|e| {
        if let Event::MessageFinished {
            message, status, ..
        } = e
        {
            finished.push((*message, *status));
        }
        finished.len() == 2
    });
    assert_eq!(
        finished[1],
        (queued, ocrchat::store::MessageStatus::Complete)
    );
    assert_eq!(server.requests().len(), 2);
    driver.shutdown();
}
