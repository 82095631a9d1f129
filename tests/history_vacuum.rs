//! Deleting conversations gives the space back: when more than a quarter of the real history
//! file is free after a delete through the core, the store thread runs `VACUUM` and the file
//! on disk shrinks; what is left reads back whole and the search index stays in step.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests fail loudly on a broken fixture"
)]
mod support;

use std::time::Duration;

use ocrchat::core::{Command, Event};
use ocrchat::store::{NewMessage, Store};
use support::{Driver, TestEnv, wait_until};

#[test]
fn deleting_most_of_the_history_shrinks_the_file() {
    let env = TestEnv::new("vacuum");
    let (big, small) = {
        let store = Store::open(&env.database()).unwrap();
        let big = store.create_conversation("big").unwrap();
        let text = "发票 invoice line ".repeat(3000);
        for _ in 0..30 {
            store
                .add_message(big, &NewMessage::question(&text))
                .unwrap();
        }
        let small = store.create_conversation("small").unwrap();
        store
            .add_message(small, &NewMessage::question("keep me 合同编号"))
            .unwrap();
        (big, small)
    };
    let size = || std::fs::metadata(env.database()).unwrap().len();
    let before = size();
    assert!(before > 2_000_000, "the fixture is big: {before} bytes");

    let mut driver = Driver::start(&env);
    driver.until(|e| matches!(e, Event::Conversations(list) if list.len() == 2));
    driver
        .core()
        .send(Command::DeleteConversation { id: big })
        .unwrap();
    driver.until(|e| matches!(e, Event::ConversationDeleted { id } if *id == big));
    wait_until("the file to shrink", Duration::from_secs(20), || {
        size() < before / 4
    });
    driver.shutdown();

    let store = Store::open(&env.database()).unwrap();
    let messages = store.messages(small).unwrap();
    assert_eq!(messages[0].content, "keep me 合同编号");
    let hits = store
        .search(&ocrchat::search::parse("合同编号").unwrap(), 5)
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert!(store.search_index_problems().unwrap().is_empty());
    assert_eq!(store.page_counts().unwrap().1, 0, "no free pages left");
}
