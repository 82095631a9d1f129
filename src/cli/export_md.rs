//! A conversation as Markdown: a header saying it holds no key, then each message under a
//! heading naming who wrote it and when; images link to their files beside the `.md`, with
//! the text OCR read (as sent) in a collapsed block.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::export::{ExportImage, NO_KEYS};
use crate::llm::Role;
use crate::search::format_utc;
use crate::store::{ConversationRecord, MessageRecord};

/// Who wrote `message`, as a heading says it.
pub(super) fn author(message: &MessageRecord) -> String {
    match message.role {
        Role::User => "You".to_owned(),
        Role::Assistant | Role::System => match &message.model {
            Some(model) => format!("Assistant ({model})"),
            None => "Assistant".to_owned(),
        },
    }
}

/// The Markdown of `record`; images are `images_dir/<file>` relative to the `.md`.
pub(super) fn markdown(
    record: &ConversationRecord,
    images: &BTreeMap<String, ExportImage>,
    images_dir: &str,
) -> String {
    let mut out = format!(
        "<!-- Exported by ocrchat {}. {NO_KEYS} -->\n\n# {}\n",
        crate::VERSION,
        record.title
    );
    for message in &record.messages {
        write!(
            out,
            "\n## {} · {} UTC\n\n",
            author(message),
            format_utc(message.created_at)
        )
        .ok();
        if !message.reasoning.is_empty() {
            write!(
                out,
                "<details><summary>Thinking</summary>\n\n{}\n\n</details>\n\n",
                message.reasoning
            )
            .ok();
        }
        for attachment in &message.attachments {
            let name = attachment.file_name.replace([']', '['], "");
            if let Some(image) = images.get(&attachment.content_hash) {
                writeln!(out, "![{name}]({images_dir}/{})\n", image.file_name).ok();
            } else {
                writeln!(out, "*[{name}]*\n").ok();
            }
            if !attachment.sent_text.is_empty() {
                let fence = fence_for(&attachment.sent_text);
                write!(
                    out,
                    "<details><summary>OCR text</summary>\n\n{fence}text\n{}\n{fence}\n\n</details>\n\n",
                    attachment.sent_text
                )
                .ok();
            }
        }
        out.push_str(&message.content);
        out.push('\n');
    }
    out
}

/// A code fence longer than any run of backticks in `text`, so the text cannot close it.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// A conversation as Markdown without image files (images are named): what "Copy as
/// Markdown" puts on the clipboard.
pub fn conversation_markdown(record: &ConversationRecord) -> String {
    markdown(record, &BTreeMap::new(), "")
}
