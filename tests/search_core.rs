//! `Command::Search` through the core, as the window sends it: the results arrive as
//! `Event::SearchResults` for the query as typed, and a bad query comes back as its error.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests and benchmarks fail loudly on a broken fixture"
)]

mod support;

use ocrchat::core::{Command, Event};
use ocrchat::store::{MessageStatus, NewMessage, Store};
use support::{Driver, TestEnv};

fn results(driver: &mut Driver, query: &str) -> Result<Vec<ocrchat::store::SearchHit>, String> {
    driver
        .core()
        .send(Command::Search {
            query: query.into(),
            limit: 20,
        })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::SearchResults { query: q, .. } if q == query));
    match events.last() {
        Some(Event::SearchResults { hits, .. }) => hits.clone(),
        _ => unreachable!(),
    }
}

#[test]
fn search_commands_answer_with_results_for_their_query() {
    let env = TestEnv::new("search-core");
    let (conversation, reply) = {
        let store = Store::open(&env.database()).unwrap();
        let id = store.create_conversation("发票").unwrap();
        store
            .add_message(id, &NewMessage::question("合同编号是多少"))
            .unwrap();
        let reply = store.add_message(id, &NewMessage::reply("p", "m")).unwrap();
        store
            .finish_reply(
                reply.id,
                "HT-001 合同编号",
                "",
                MessageStatus::Complete,
                None,
            )
            .unwrap();
        (id, reply.id)
    };
    let mut driver = Driver::start(&env);
    let hits = results(&mut driver, "合同编号 model:m").unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].conversation, conversation);
    assert_eq!(hits[0].message, Some(reply));
    assert_eq!(results(&mut driver, "编号").unwrap().len(), 2);
    assert_eq!(
        results(&mut driver, "发").unwrap()[0].field,
        ocrchat::store::HitField::Title
    );
    assert!(results(&mut driver, "nothing-here").unwrap().is_empty());
    let err = results(&mut driver, "after:soon").unwrap_err();
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    driver.shutdown();
}
