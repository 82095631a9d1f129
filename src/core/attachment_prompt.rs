//! The request text of a user message with images: the prompt template filled with its
//! question and its images' text (as the user left it).

use std::collections::HashMap;

use super::attaching::percent;
use crate::llm::Role;
use crate::prompt::{PromptAttachment, PromptContext, PromptTemplate};
use crate::store::{Message, MessageId, NewAttachment, StoredAttachment};

/// The history as the model sees it: each user message with attachments becomes the prompt
/// template filled with its question and its images' text.
pub(super) fn with_attachment_text(
    mut history: Vec<Message>,
    attachments: &[StoredAttachment],
) -> Result<Vec<Message>, String> {
    let mut by_message: HashMap<MessageId, Vec<&NewAttachment>> = HashMap::new();
    for stored in attachments {
        by_message
            .entry(stored.message)
            .or_default()
            .push(&stored.attachment);
    }
    for message in history.iter_mut().filter(|m| m.role == Role::User) {
        let Some(attached) = by_message.get(&message.id) else {
            continue;
        };
        // The template follows the language the user writes in: the question's, or with no
        // question, the images' text.
        let chinese = if message.content.trim().is_empty() {
            attached.iter().any(|a| has_cjk(&a.sent_text))
        } else {
            has_cjk(&message.content)
        };
        let template = PromptTemplate::default_for(if chinese { "zh" } else { "en" });
        let context = PromptContext {
            question: std::mem::take(&mut message.content),
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
        message.content = template.render(&context).map_err(|err| err.to_string())?;
    }
    Ok(history)
}

/// True when `text` has a CJK ideograph.
fn has_cjk(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}'))
}
