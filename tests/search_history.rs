//! Searching a generated history (a real SQLite file) through the store and through the
//! `ocrchat search` binary: English, Chinese terms of one to four characters, mixed terms,
//! punctuation, phrases, exclusions and filters; deleted conversations are gone from it.

#![expect(
    clippy::print_stderr,
    clippy::unwrap_used,
    reason = "tests and benchmarks fail loudly on a broken fixture"
)]

#[path = "support/app_process.rs"]
mod app_process;

use std::path::Path;

use ocrchat::llm::Role;
use ocrchat::search::parse;
use ocrchat::store::{ConversationId, HitField, MessageStatus, NewMessage, SearchHit, Store};

struct History {
    store: Store,
    invoice: ConversationId,
    fapiao: ConversationId,
    shipping: ConversationId,
    departure: ConversationId,
}

fn reply(store: &Store, conversation: ConversationId, who: (&str, &str), text: &str, why: &str) {
    let message = store
        .add_message(conversation, &NewMessage::reply(who.0, who.1))
        .unwrap();
    store
        .finish_reply(message.id, text, why, MessageStatus::Complete, None)
        .unwrap();
}

fn conversation(store: &Store, title: &str, question: &str) -> ConversationId {
    let id = store.create_conversation(title).unwrap();
    store
        .add_message(id, &NewMessage::question(question))
        .unwrap();
    id
}

fn history(path: &Path) -> History {
    let store = Store::open(path).unwrap();
    let invoice = conversation(
        &store,
        "Invoice questions",
        "Where is invoice 2026-0042 from ACME?",
    );
    reply(
        &store,
        invoice,
        ("openai", "gpt-4o"),
        "The invoice 2026 total is $1,200 (C++ & co.).",
        "checking the ledger",
    );
    let fapiao = conversation(&store, "发票报销", "这张发票的合同编号是多少？");
    reply(
        &store,
        fapiao,
        ("deepseek", "deepseek-chat"),
        "合同编号是 HT-2025-001，发票金额 500 元。",
        "",
    );
    let shipping = conversation(&store, "Misc", "draft notes on shipping");
    reply(
        &store,
        shipping,
        ("openai", "gpt-4o-mini"),
        "The shipping desk said \"quoted words\" yesterday, 100% sure_thing.",
        "",
    );
    let departure = conversation(&store, "Trip", "我们明天出发");
    // Filler that matches none of the terms below.
    for i in 0..40 {
        let id = conversation(
            &store,
            &format!("filler {i}"),
            &format!("weather report number {i}"),
        );
        reply(&store, id, ("openai", "gpt-4o"), "sunny, 20 degrees", "");
    }
    History {
        store,
        invoice,
        fapiao,
        shipping,
        departure,
    }
}

fn find(store: &Store, query: &str) -> Vec<SearchHit> {
    store.search(&parse(query).unwrap(), 50).unwrap()
}

/// (conversation, role or field) of each hit, sorted, to compare without caring for rank.
fn found(store: &Store, query: &str) -> Vec<(i64, &'static str)> {
    let mut hits: Vec<(i64, &'static str)> = find(store, query)
        .iter()
        .map(|h| {
            let what = match (h.field, h.role) {
                (HitField::Title, _) => "title",
                (HitField::Reasoning, _) => "reasoning",
                (_, Some(Role::Assistant)) => "reply",
                _ => "question",
            };
            (h.conversation.0, what)
        })
        .collect();
    hits.sort_unstable();
    hits
}

#[test]
fn terms_phrases_exclusions_and_filters_find_exactly_their_messages() {
    let dir = tempfile::tempdir().unwrap();
    let h = history(&dir.path().join("h.sqlite3"));
    let s = &h.store;
    let (inv, fp, ship, dep) = (h.invoice.0, h.fapiao.0, h.shipping.0, h.departure.0);

    assert_eq!(
        found(s, "invoice"),
        [(inv, "question"), (inv, "reply"), (inv, "title")]
    );
    assert_eq!(found(s, "INVOICE"), found(s, "invoice"), "case-insensitive");
    // Chinese: one and two characters (LIKE), three and four (trigram index).
    assert_eq!(
        found(s, "发"),
        [
            (fp, "question"),
            (fp, "reply"),
            (fp, "title"),
            (dep, "question")
        ]
    );
    assert_eq!(
        found(s, "发票"),
        [(fp, "question"), (fp, "reply"), (fp, "title")]
    );
    assert_eq!(found(s, "合同编"), [(fp, "question"), (fp, "reply")]);
    assert_eq!(found(s, "合同编号"), [(fp, "question"), (fp, "reply")]);
    assert_eq!(found(s, "合同编号 发票"), [(fp, "question"), (fp, "reply")]);
    assert!(found(s, "合同编码").is_empty());
    // Mixed and punctuation.
    assert_eq!(
        found(s, "invoice 2026"),
        [(inv, "question"), (inv, "reply")]
    );
    assert!(found(s, "invoice 2027").is_empty());
    assert_eq!(found(s, "C++"), [(inv, "reply")]);
    assert_eq!(found(s, "$1,200"), [(inv, "reply")]);
    assert_eq!(found(s, "HT-2025-001"), [(fp, "reply")]);
    assert_eq!(found(s, "100%"), [(ship, "reply")]);
    assert!(found(s, "10%").is_empty(), "% is literal, not a wildcard");
    assert_eq!(found(s, "e_t"), [(ship, "reply")]);
    assert!(found(s, "r_d").is_empty(), "_ is literal, not a wildcard");
    // Phrases and exclusions.
    assert_eq!(found(s, "\"quoted words\""), [(ship, "reply")]);
    assert!(found(s, "\"words quoted\"").is_empty());
    assert_eq!(found(s, "shipping"), [(ship, "question"), (ship, "reply")]);
    assert_eq!(found(s, "shipping -draft"), [(ship, "reply")]);
    assert_eq!(found(s, "发票 -元"), [(fp, "question"), (fp, "title")]);
    // Reasoning is searched too.
    assert_eq!(found(s, "ledger"), [(inv, "reasoning")]);
    // Filters.
    assert_eq!(found(s, "合同编号 provider:DeepSeek"), [(fp, "reply")]);
    assert_eq!(found(s, "invoice model:gpt-4o"), [(inv, "reply")]);
    assert!(
        found(s, "invoice model:gpt-4").is_empty(),
        "models match exactly"
    );
    assert_eq!(find(s, "model:gpt-4o-mini").len(), 1);
    assert_eq!(found(s, "invoice after:2000-01-01").len(), 3);
    assert!(found(s, "invoice before:2000-01-01").is_empty());
    assert!(
        found(s, "invoice has:image").is_empty(),
        "no message here has an image (tests/search_attachments.rs has some)"
    );
    assert!(s.search_index_problems().unwrap().is_empty());
}

#[test]
fn ranking_snippets_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    let h = history(&dir.path().join("h.sqlite3"));
    let hits = find(&h.store, "weather");
    assert_eq!(hits.len(), 40);
    let limited = h.store.search(&parse("weather").unwrap(), 7).unwrap();
    assert_eq!(limited.len(), 7);
    // Short terms rank newest first.
    let short = h.store.search(&parse("er").unwrap(), 50).unwrap();
    assert!(short.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let hit = &find(&h.store, "合同编号")[0];
    assert_eq!(
        &hit.snippet.text[hit.snippet.highlights[0].clone()],
        "合同编号"
    );
    assert_eq!(hit.title, "发票报销");
}

#[test]
fn deleted_conversations_leave_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let h = history(&dir.path().join("h.sqlite3"));
    h.store.delete_conversation(h.fapiao).unwrap();
    assert!(found(&h.store, "发票").is_empty());
    assert!(found(&h.store, "合同编号").is_empty());
    assert_eq!(found(&h.store, "发"), [(h.departure.0, "question")]);
    assert!(h.store.search_index_problems().unwrap().is_empty());
}

#[test]
fn a_streaming_reply_is_indexed_when_it_ends_not_at_each_chunk() {
    let store = Store::in_memory().unwrap();
    let id = conversation(&store, "t", "q");
    let message = store.add_message(id, &NewMessage::reply("p", "m")).unwrap();
    store
        .append_reply(message.id, "zebra crossing", "")
        .unwrap();
    assert!(found(&store, "zebra").is_empty());
    assert!(store.search_index_problems().unwrap().is_empty());
    store
        .finish_reply(
            message.id,
            "zebra crossing here",
            "",
            MessageStatus::Stopped,
            None,
        )
        .unwrap();
    assert_eq!(found(&store, "zebra"), [(id.0, "reply")]);
    assert_eq!(found(&store, "ing her"), [(id.0, "reply")]);
}

fn search_cli(root: &Path, args: &[&str]) -> std::process::Output {
    app_process::subcommand(root, "search")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_cli_prints_one_line_per_message_and_nothing_when_nothing_matches() {
    let dir = tempfile::tempdir().unwrap();
    // No history yet: no output, success, and no file created.
    let out = search_cli(dir.path(), &["发票"]);
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    assert!(!app_process::history(dir.path()).exists());

    let h = history(&app_process::history(dir.path()));
    drop(h.store);
    let out = search_cli(dir.path(), &["合同编号", "provider:deepseek"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let fields: Vec<&str> = text.trim_end().split('\t').collect();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert_eq!(fields[0], h.fapiao.0.to_string());
    assert_eq!(fields[1], "发票报销");
    assert!(fields[2].parse::<i64>().is_ok(), "{text}");
    assert_eq!(fields[4], "assistant");
    assert!(fields[5].contains("[合同编号]"), "{text}");

    let out = search_cli(dir.path(), &["--json", "--limit", "2", "invoice", "-ACME"]);
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["conversation_id"] == h.invoice.0));
    assert!(
        lines
            .iter()
            .any(|l| l["field"] == "title" && l["message_id"].is_null())
    );

    let out = search_cli(dir.path(), &["no-such-thing-anywhere"]);
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");

    let out = search_cli(dir.path(), &["before:yesterday"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success() && err.contains("YYYY-MM-DD"), "{err}");
}

#[test]
fn short_terms_at_the_very_end_and_common_short_terms_are_found() {
    let store = Store::in_memory().unwrap();
    // A rare short term (looked up through the trigrams it begins), at the very end of a
    // text, and in another case.
    let end = conversation(&store, "t1", "the whale is 鲸");
    let upper = conversation(&store, "t2", "ends with QZ");
    assert_eq!(found(&store, "鲸"), [(end.0, "question")]);
    assert_eq!(found(&store, "qz"), [(upper.0, "question")]);
    assert_eq!(found(&store, "Qz 鲸"), []);
    // A common short term begins more trigrams than are looked up: it is scanned for instead,
    // with the same results.
    let many: String = ('\u{4e00}'..'\u{4e60}')
        .flat_map(|c| ['发', c, ' '])
        .collect();
    let common = conversation(&store, "t3", &many);
    let last = conversation(&store, "t4", "结尾是发");
    assert_eq!(
        found(&store, "发"),
        [(common.0, "question"), (last.0, "question")]
    );
    assert_eq!(found(&store, "是发"), [(last.0, "question")]);
    assert!(store.search_index_problems().unwrap().is_empty());
}

#[test]
fn terms_in_many_texts_are_scanned_for_newest_first_and_still_combine() {
    let store = Store::in_memory().unwrap();
    let id = store.create_conversation("many").unwrap();
    store
        .atomic(|s| {
            for i in 0..2100 {
                s.add_message(id, &NewMessage::question(&format!("Invoice line {i}")))?;
            }
            Ok(())
        })
        .unwrap();
    let special = store
        .add_message(id, &NewMessage::question("invoice special 发票"))
        .unwrap();
    store
        .add_message(id, &NewMessage::question("the newest invoice"))
        .unwrap();
    // Common alone: newest first.
    let hits = store.search(&parse("invoice").unwrap(), 5).unwrap();
    assert_eq!(hits.len(), 5);
    assert!(hits[0].snippet.text.contains("newest"), "{:?}", hits[0]);
    assert!(hits.windows(2).all(|w| w[0].message > w[1].message));
    // Common with rare: the rare term is looked up, the common one checked.
    let hits = store.search(&parse("invoice special").unwrap(), 5).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.message).collect::<Vec<_>>(),
        [Some(special.id)]
    );
    assert_eq!(
        store
            .search(&parse("INVOICE 发票").unwrap(), 5)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.search(&parse("line 2099").unwrap(), 5).unwrap().len(),
        1
    );
    let excluded = store.search(&parse("invoice -line").unwrap(), 5).unwrap();
    assert_eq!(excluded.len(), 2);
}
