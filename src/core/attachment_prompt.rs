//! The request message of a stored message: for a user message with images, the prompt
//! template filled with its question and its images' text (as the user left it).

use std::collections::HashMap;

use super::attaching::percent;
use super::context_window::HistoryEntry;
use crate::llm::{ChatMessage, Role};
use crate::prompt::{PromptAttachment, PromptContext, PromptTemplate};
use crate::store::{Message, MessageId, NewAttachment, StoredAttachment};

/// The history as the model sees it, one entry per stored message (see
/// [`request_message`]), newest first until `max_tokens` estimated tokens, returned oldest
/// first; `true` when nothing older was left out. Older messages are never converted, so a
/// long conversation costs only what a request could send.
pub(super) fn request_history(
    history: &[Message],
    attachments: &[StoredAttachment],
    max_tokens: u64,
) -> Result<(Vec<HistoryEntry>, bool), String> {
    let mut by_message: HashMap<MessageId, Vec<&NewAttachment>> = HashMap::new();
    for stored in attachments {
        by_message
            .entry(stored.message)
            .or_default()
            .push(&stored.attachment);
    }
    let mut entries = Vec::new();
    let mut tokens = 0u64;
    for message in history.iter().rev() {
        let attached = by_message.get(&message.id).map_or(&[][..], Vec::as_slice);
        let entry = HistoryEntry::new(message.id, request_message(message, attached)?);
        tokens += u64::from(entry.tokens);
        if tokens > max_tokens {
            break;
        }
        entries.push(entry);
    }
    let complete = entries.len() == history.len();
    entries.reverse();
    Ok((entries, complete))
}

/// The request message of one stored message and its attachments: a user message with
/// images becomes the prompt template filled with its question and its images' text (as the
/// user left it); any other message goes as it is.
pub(super) fn request_message(
    message: &Message,
    attached: &[&NewAttachment],
) -> Result<ChatMessage, String> {
    let (role, text) = (message.role, message.content.clone());
    if role != Role::User || attached.is_empty() {
        return Ok(ChatMessage {
            role,
            content: text,
        });
    }
    // The template follows the language the user writes in: the question's, or with no
    // question, the images' text.
    let chinese = if text.trim().is_empty() {
        attached.iter().any(|a| has_cjk(&a.sent_text))
    } else {
        has_cjk(&text)
    };
    let template = PromptTemplate::default_for(if chinese { "zh" } else { "en" });
    let context = PromptContext {
        question: text,
        attachments: attached
            .iter()
            .filter(|a| a.sent_as.sends_text())
            .map(|a| PromptAttachment {
                file_name: a.file_name.clone(),
                ocr_text: a.sent_text.clone(),
                lang: a
                    .ocr
                    .as_ref()
                    .map(|o| o.language.clone())
                    .unwrap_or_default(),
                confidence: a
                    .ocr
                    .as_ref()
                    .and_then(|o| o.mean_confidence)
                    .map(|c| u32::from(percent(c))),
            })
            .collect(),
    };
    let rendered = template.render(&context).map_err(|err| err.to_string())?;
    Ok(ChatMessage {
        role,
        content: rendered,
    })
}

/// True when `text` has a CJK ideograph.
fn has_cjk(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}'))
}
