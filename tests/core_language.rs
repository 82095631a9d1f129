//! Issue 9 §4: with the Chinese interface, the core's messages are Chinese too: a refused
//! question, an unreachable server, a rejected key, a 404, each through the real core
//! after `Command::SetLanguage`, and English without it.

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

use ocrchat::config::Settings;
use ocrchat::core::{AttachmentEvent, Command, Event, PastedImage};
use ocrchat::lang::Lang;
use ocrchat::llm::ProviderConfig;
use support::{Driver, MockServer, Reply, TestEnv};

fn seed(env: &TestEnv, base_url: &str) {
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("本地", base_url, "m"));
    settings.save(&env.paths.config_file()).unwrap();
}

/// The error a question to this server ends with, in `lang`.
fn reply_error(base_url: &str, lang: Option<Lang>) -> String {
    let env = TestEnv::new("lang");
    seed(&env, base_url);
    let mut driver = Driver::start(&env);
    if let Some(lang) = lang {
        driver.core().send(Command::SetLanguage { lang }).unwrap();
    }
    let events = driver.ask(None, "你好");
    driver.shutdown();
    events
        .iter()
        .find_map(|e| match e {
            Event::MessageFinished { error, .. } => error.clone(),
            _ => None,
        })
        .expect("the reply failed")
}

#[test]
fn a_refused_question_is_chinese_with_the_chinese_interface() {
    let env = TestEnv::new("lang-refused");
    let mut driver = Driver::start(&env);
    driver
        .core()
        .send(Command::SetLanguage { lang: Lang::Zh })
        .unwrap();
    driver.send_question(None, "hi");
    assert_eq!(
        driver.next_error(),
        "还没有设置服务商。请在 设置 → 服务商 中添加一个。"
    );
    driver.send_question(None, "  ");
    assert_eq!(driver.next_error(), "问题是空的。请先输入问题再发送。");
    driver.shutdown();
}

#[test]
fn server_errors_are_chinese_with_the_chinese_interface_and_english_without() {
    let (_, closed) = support::closed_port_url();
    let unreachable = reply_error(&closed, Some(Lang::Zh));
    assert!(
        unreachable.starts_with("无法连接 127.0.0.1:"),
        "{unreachable}"
    );
    assert!(
        unreachable.ends_with("请检查 设置 → 服务商 中的基础 URL 和网络连接。"),
        "{unreachable}"
    );
    let english = reply_error(&closed, None);
    assert!(
        english.starts_with("Could not reach 127.0.0.1:"),
        "{english}"
    );

    let rejected = MockServer::always(Reply::json(401, r#"{"error":{"message":"bad key"}}"#));
    let zh = reply_error(&rejected.base_url, Some(Lang::Zh));
    assert!(zh.starts_with("服务器拒绝了 API 密钥（401）"), "{zh}");
    assert!(zh.contains("检查“本地”的密钥"), "{zh}");

    let missing = MockServer::always(Reply::json(404, r#"{"error":{"message":"no such model"}}"#));
    let zh = reply_error(&missing.base_url, Some(Lang::Zh));
    assert!(zh.contains("回答 404 未找到"), "{zh}");
}

#[test]
fn a_pasted_image_is_named_in_the_interface_language() {
    let env = TestEnv::new("lang-paste");
    let mut driver = Driver::start(&env);
    let mut names = Vec::new();
    for lang in [Lang::En, Lang::Zh] {
        driver.core().send(Command::SetLanguage { lang }).unwrap();
        let image = PastedImage::Rgba {
            width: 2,
            height: 2,
            pixels: vec![255; 16],
        };
        driver.core().send(Command::AttachImage { image }).unwrap();
        let events =
            driver.until(|e| matches!(e, Event::Attachment(AttachmentEvent::Added { .. })));
        let Some(Event::Attachment(AttachmentEvent::Added { file_name, .. })) = events.last()
        else {
            unreachable!()
        };
        names.push(file_name.clone());
    }
    assert_eq!(names, ["pasted image", "粘贴的图片"]);
    driver.shutdown();
}
