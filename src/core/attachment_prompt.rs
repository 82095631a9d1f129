//! The request text of a user message with images: the prompt template filled with its
//! question and its images' text (as the user left it), and which images go as images.

use std::collections::{HashMap, HashSet};

use super::attach_images::{ImagePlan, ImageRef, MAX_IMAGES_PER_REQUEST};
use super::attaching::percent;
use crate::domain::ImageMode;
use crate::llm::Role;
use crate::prompt::{PromptAttachment, PromptContext, PromptTemplate};
use crate::store::{Message, MessageId, NewAttachment, StoredAttachment};

/// The history as the model sees it: each user message with attachments becomes the prompt
/// template filled with its question and its images' text. For a model that sees images
/// (`sees_images`), the images stored as sent as images (image, or both) are planned as image
/// parts, the newest [`MAX_IMAGES_PER_REQUEST`] of them; every other image goes as its text,
/// so none is ever left out.
pub(super) fn with_attachment_text(
    mut history: Vec<Message>,
    attachments: &[StoredAttachment],
    sees_images: bool,
) -> Result<(Vec<Message>, ImagePlan), String> {
    let mut by_message: HashMap<MessageId, Vec<&StoredAttachment>> = HashMap::new();
    for stored in attachments {
        by_message.entry(stored.message).or_default().push(stored);
    }
    // The newest images that may go as images (rows are in message, then position order).
    let as_images: HashSet<i64> = if sees_images {
        attachments
            .iter()
            .rev()
            .filter(|a| a.attachment.sent_as.sends_image())
            .take(MAX_IMAGES_PER_REQUEST)
            .map(|a| a.id)
            .collect()
    } else {
        HashSet::new()
    };
    let mut plan = ImagePlan::new();
    for message in history.iter_mut().filter(|m| m.role == Role::User) {
        let Some(attached) = by_message.get(&message.id) else {
            continue;
        };
        let mode = |a: &StoredAttachment| {
            if as_images.contains(&a.id) {
                a.attachment.sent_as
            } else {
                // Not sent as an image this time: its text stands in for it.
                ImageMode::Text
            }
        };
        let images: Vec<ImageRef> = attached
            .iter()
            .filter(|a| mode(a).sends_image())
            .map(|a| ImageRef {
                hash: a.attachment.content_hash.clone(),
                file_name: a.attachment.file_name.clone(),
            })
            .collect();
        let texts: Vec<&NewAttachment> = attached
            .iter()
            .filter(|a| mode(a).sends_text())
            .map(|a| &a.attachment)
            .collect();
        message.content = fill_template(std::mem::take(&mut message.content), &texts)?;
        if !images.is_empty() {
            plan.push((message.id, images));
        }
    }
    Ok((history, plan))
}

/// The template filled with `question` and the text of `attached`.
fn fill_template(question: String, attached: &[&NewAttachment]) -> Result<String, String> {
    // The template follows the language the user writes in: the question's, or with no
    // question, the images' text.
    let chinese = if question.trim().is_empty() {
        attached.iter().any(|a| has_cjk(&a.sent_text))
    } else {
        has_cjk(&question)
    };
    let template = PromptTemplate::default_for(if chinese { "zh" } else { "en" });
    let context = PromptContext {
        question,
        attachments: attached
            .iter()
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
    template.render(&context).map_err(|err| err.to_string())
}

/// True when `text` has a CJK ideograph.
fn has_cjk(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}'))
}
