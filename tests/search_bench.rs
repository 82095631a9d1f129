//! Search benchmark (ignored; run on purpose, see docs/BENCHMARKS.md):
//!
//! `cargo test --release --test search_bench -- --ignored --nocapture`
//!
//! Generates a mixed Chinese/English history (`OCRCHAT_BENCH_MESSAGES`, 100,000 by default,
//! about 2 KB each), then measures in the same run: p95 latency of `Store::search` for terms
//! of three or more characters (trigram index) and for one- and two-character Chinese terms
//! (LIKE fallback), each against a plain `LIKE '%term%'` scan of the messages; the index's
//! size as a fraction of the text; and the cost of adding a message with the index on and off.

#![expect(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "tests and benchmarks fail loudly on a broken fixture"
)]

use std::time::{Duration, Instant};

use ocrchat::search::parse;
use ocrchat::store::{MessageStatus, NewMessage, Store};

struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

const EN: &[&str] = &[
    "the",
    "invoice",
    "total",
    "payment",
    "screenshot",
    "table",
    "model",
    "answer",
    "question",
    "number",
    "contract",
    "shipping",
    "2026",
    "report",
    "error",
    "window",
    "value",
    "customer",
    "amount",
    "date",
    "line",
    "text",
    "image",
    "result",
    "because",
    "however",
    "server",
];
const ZH: &[&str] = &[
    "的",
    "发票",
    "合同编号",
    "金额",
    "我们",
    "明天",
    "出发",
    "报销",
    "识别",
    "文字",
    "截图",
    "模型",
    "问题",
    "回答",
    "表格",
    "数据",
    "客户",
    "日期",
    "付款",
    "公司",
    "地址",
    "电话",
    "这个",
    "那个",
    "因为",
    "所以",
    "已经",
    "没有",
];

fn message_text(rng: &mut Rng, bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 16);
    while text.len() < bytes {
        if rng.below(2) == 0 {
            text.push_str(EN[rng.below(EN.len())]);
            text.push(' ');
        } else {
            text.push_str(ZH[rng.below(ZH.len())]);
        }
        if rng.below(40) == 0 {
            text.push_str("。\n");
        }
    }
    text
}

fn generate(store: &Store, messages: usize, rng: &mut Rng) -> u64 {
    let mut text_bytes = 0u64;
    let per_conversation = 20;
    for batch in 0..messages.div_ceil(per_conversation) {
        store
            .atomic(|s| {
                let title = format!("对话 {batch} {}", message_text(rng, 20));
                text_bytes += title.len() as u64;
                let id = s.create_conversation(&title)?;
                for i in 0..per_conversation {
                    let size = 1000 + rng.below(2000);
                    let mut text = message_text(rng, size);
                    // Rare terms: in about one message in a thousand each.
                    match rng.below(1000) {
                        0 => text.push_str(" quasar"),
                        1 => text.push('鲸'),
                        2 => text.push_str("鲸鱼 quasar"),
                        _ => {}
                    }
                    text_bytes += text.len() as u64;
                    if i % 2 == 0 {
                        s.add_message(id, &NewMessage::question(&text))?;
                    } else {
                        let m = s.add_message(id, &NewMessage::reply("openai", "gpt-4o"))?;
                        s.finish_reply(m.id, &text, "", MessageStatus::Complete, None)?;
                    }
                }
                Ok(())
            })
            .unwrap();
    }
    text_bytes
}

fn p95(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[(samples.len() * 95).div_ceil(100).saturating_sub(1)]
}

/// CPU time of this thread (Linux: `/proc/thread-self/schedstat`, nanoseconds on a CPU); on
/// a machine shared with other work, wall time mostly measures waiting for a core. Zero
/// where the file is missing.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// p95 of wall time, mean CPU time (the per-thread CPU clock advances in scheduler ticks, so
/// only a total over many queries is exact), and the number of hits.
fn measure(
    terms: &[&str],
    runs: usize,
    mut run: impl FnMut(&str) -> usize,
) -> (Duration, Duration, usize) {
    let mut wall = Vec::new();
    let mut found = 0;
    let cpu_started = thread_cpu();
    for _ in 0..runs {
        for term in terms {
            let started = Instant::now();
            found += run(term);
            wall.push(started.elapsed());
        }
    }
    let cpu = thread_cpu().saturating_sub(cpu_started) / u32::try_from(wall.len()).unwrap();
    (p95(wall), cpu, found)
}

#[test]
#[ignore = "benchmark: minutes of work; run with --ignored --nocapture"]
fn search_latency_index_size_and_insert_cost() {
    let messages: usize = std::env::var("OCRCHAT_BENCH_MESSAGES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    // OCRCHAT_BENCH_KEEP=FILE keeps the generated history there, for a closer look.
    let path = std::env::var_os("OCRCHAT_BENCH_KEEP").map_or_else(
        || dir.path().join("bench.sqlite3"),
        std::path::PathBuf::from,
    );
    let store = Store::open(&path).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let text_bytes = generate(&store, messages, &mut rng);
    println!(
        "generated {messages} messages, {:.1} MB of text, in {:.1?}",
        text_bytes as f64 / 1e6,
        started.elapsed()
    );
    let raw = rusqlite::Connection::open(&path).unwrap();
    let baseline = |term: &str| -> usize {
        let mut stmt = raw
            .prepare_cached(
                "SELECT m.id FROM messages m WHERE m.content LIKE ?1 OR m.reasoning LIKE ?1
                 ORDER BY m.id DESC LIMIT 20",
            )
            .unwrap();
        stmt.query_map([format!("%{term}%")], |r| r.get::<_, i64>(0))
            .unwrap()
            .count()
    };
    let search = |term: &str| store.search(&parse(term).unwrap(), 20).unwrap().len();
    let runs = 15;
    let classes: [(&str, &[&str]); 4] = [
        (
            "3+ chars, common",
            &["invoice", "合同编号", "screenshot 2026"],
        ),
        ("3+ chars, rare", &["quasar", "鲸鱼 quasar", "no-such-term"]),
        ("1-2 chars zh, common", &["发", "发票", "报销"]),
        ("1-2 chars zh, rare", &["鲸", "鲸鱼", "龘"]),
    ];
    println!(
        "| terms | search p95 wall / mean CPU | LIKE scan p95 wall / mean CPU | ratio (p95 wall) | ratio (mean CPU) | hits (search / LIKE) |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, terms) in classes {
        let (ours, ours_cpu, ours_found) = measure(terms, runs, search);
        let (like, like_cpu, like_found) = measure(terms, runs, baseline);
        println!(
            "| {name}: {} | {ours:.1?} / {ours_cpu:.1?} | {like:.1?} / {like_cpu:.1?} | {:.3} | {:.3} | {ours_found} / {like_found} |",
            terms.join(", "),
            ours.as_secs_f64() / like.as_secs_f64(),
            ours_cpu.as_secs_f64() / like_cpu.as_secs_f64()
        );
    }
    let size = |sql: &str| -> i64 { raw.query_row(sql, [], |r| r.get(0)).unwrap() };
    let fts = size(
        "SELECT (SELECT coalesce(sum(length(block)), 0) FROM search_fts_data)
              + (SELECT count(*) * 16 FROM search_fts_idx)",
    );
    let docs = size("SELECT sum(length(CAST(text AS BLOB))) FROM search_docs");
    let file = std::fs::metadata(&path).unwrap().len();
    println!(
        "text {:.1} MB; trigram index {:.1} MB ({:.2}x the text); indexed copy of the text {:.1} MB ({:.2}x); file {:.1} MB",
        text_bytes as f64 / 1e6,
        fts as f64 / 1e6,
        fts as f64 / text_bytes as f64,
        docs as f64 / 1e6,
        docs as f64 / text_bytes as f64,
        file as f64 / 1e6
    );
    drop(raw);
    drop(store);
    insert_cost();
}

/// Adds the same 2,000 messages (one transaction each, as the app does) to a history with
/// the index and to one whose index triggers were dropped.
fn insert_cost() {
    let count = 2000;
    let mut per_message = Vec::new();
    for indexed in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("insert.sqlite3");
        let store = Store::open(&path).unwrap();
        if !indexed {
            rusqlite::Connection::open(&path)
                .unwrap()
                .execute_batch(
                    "DROP TRIGGER messages_to_search_insert; DROP TRIGGER messages_to_search_update;
                     DROP TRIGGER conversations_to_search_insert;",
                )
                .unwrap();
        }
        let mut rng = Rng(7);
        let texts: Vec<String> = (0..count).map(|_| message_text(&mut rng, 2000)).collect();
        let id = store.create_conversation("insert").unwrap();
        let started = Instant::now();
        for text in &texts {
            store.add_message(id, &NewMessage::question(text)).unwrap();
        }
        per_message.push(started.elapsed() / count);
    }
    println!(
        "insert per 2 KB message: index on {:.1?}, off {:.1?} (ratio {:.2})",
        per_message[0],
        per_message[1],
        per_message[0].as_secs_f64() / per_message[1].as_secs_f64()
    );
}
