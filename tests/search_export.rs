//! `ocrchat export` as a user runs it: JSON with every stored field and Markdown per
//! conversation, both saying they hold no key; an unknown conversation id is a clear error.

#![expect(
    clippy::print_stderr,
    clippy::unwrap_used,
    reason = "tests and benchmarks fail loudly on a broken fixture"
)]

#[path = "support/app_process.rs"]
mod app_process;

use std::path::Path;
use std::process::Output;

use ocrchat::store::{MessageStatus, NewMessage, Store};

fn export(root: &Path, args: &[&str]) -> Output {
    app_process::subcommand(root, "export")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn json_and_markdown_exports_hold_every_message_and_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = {
        let store = Store::open(&app_process::history(dir.path())).unwrap();
        let first = store.create_conversation("发票 question").unwrap();
        store
            .add_message(first, &NewMessage::question("合同编号是多少？"))
            .unwrap();
        let reply = store
            .add_message(first, &NewMessage::reply("deepseek", "deepseek-chat"))
            .unwrap();
        store
            .finish_reply(reply.id, "HT-001", "想一想", MessageStatus::Truncated, None)
            .unwrap();
        let second = store.create_conversation("other").unwrap();
        store
            .add_message(second, &NewMessage::question("second one"))
            .unwrap();
        (first, second)
    };
    let out_dir = dir.path().join("out");
    let out = export(
        dir.path(),
        &["--format", "json", "--out", out_dir.to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    let file = out_dir.join("ocrchat-export.json");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        file.display().to_string()
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(json["note"].as_str().unwrap().contains("no API keys"));
    let conversations = json["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 2);
    let exported = conversations.iter().find(|c| c["id"] == first.0).unwrap();
    assert_eq!(exported["title"], "发票 question");
    let reply = &exported["messages"][1];
    assert_eq!(reply["content"], "HT-001");
    assert_eq!(reply["reasoning"], "想一想");
    assert_eq!(reply["status"], "truncated");
    assert_eq!(reply["model"], "deepseek-chat");
    assert_eq!(reply["provider"], "deepseek");

    let md_dir = dir.path().join("md");
    let out = export(
        dir.path(),
        &[
            "--out",
            md_dir.to_str().unwrap(),
            "--conversation",
            &first.0.to_string(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let md = std::fs::read_to_string(md_dir.join(format!("conversation-{}.md", first.0))).unwrap();
    assert!(
        md.contains("no API keys") && md.contains("# 发票 question"),
        "{md}"
    );
    assert!(
        md.contains("## Assistant (deepseek-chat)") && md.contains("HT-001"),
        "{md}"
    );
    assert!(
        !md_dir
            .join(format!("conversation-{}.md", second.0))
            .exists()
    );

    let out = export(
        dir.path(),
        &["--out", md_dir.to_str().unwrap(), "--conversation", "9999"],
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        !out.status.success() && err.contains("no conversation 9999"),
        "{err}"
    );
}
