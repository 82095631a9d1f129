//! The request messages of a conversation's history: each stored message is kept as it is
//! with its attachments (`history_cache.rs`); at each request, a user message with images
//! becomes the prompt template filled with its question and its images' text (as the user
//! left it), and the images that go as images are planned.

use std::collections::{HashMap, HashSet};

use super::attach_images::{ImagePlan, ImageRef, MAX_IMAGES_PER_REQUEST, PreparedImages};
use super::attaching::percent;
use super::context_window::{HistoryEntry, IMAGE_TOKENS, RequestCut, cut_history, message_tokens};
use crate::domain::ImageMode;
use crate::llm::{ChatMessage, Role};
use crate::prompt::{PromptAttachment, PromptContext, PromptTemplates};
use crate::store::{Message, MessageId, NewAttachment, StoredAttachment};

/// The templates of the settings.
pub(super) fn prompt_templates(settings: &crate::config::Settings) -> PromptTemplates {
    PromptTemplates {
        zh: settings.prompt_template_zh.clone(),
        en: settings.prompt_template_en.clone(),
    }
}

/// The request history of a conversation, one entry per stored message (see
/// [`history_entry`]), newest first until `max_tokens` estimated tokens, returned oldest
/// first; `true` when nothing older was left out. Older messages are never copied, so a
/// long conversation costs only what a request could send.
pub(super) fn request_history(
    history: &[Message],
    attachments: &[StoredAttachment],
    max_tokens: u64,
) -> (Vec<HistoryEntry>, bool) {
    let mut by_message: HashMap<MessageId, Vec<NewAttachment>> = HashMap::new();
    for stored in attachments {
        by_message
            .entry(stored.message)
            .or_default()
            .push(stored.attachment.clone());
    }
    let mut entries = Vec::new();
    let mut tokens = 0u64;
    for message in history.iter().rev() {
        let attached = by_message.remove(&message.id).unwrap_or_default();
        let entry = history_entry(message, attached);
        tokens += u64::from(entry.tokens);
        if tokens > max_tokens {
            break;
        }
        entries.push(entry);
    }
    let complete = entries.len() == history.len();
    entries.reverse();
    (entries, complete)
}

/// The history entry of one stored message with its attachments (in position order), as
/// stored: the template is filled at request time ([`with_attachment_text`]), so a changed
/// template or model applies to the next request without reloading anything.
pub(super) fn history_entry(message: &Message, attached: Vec<NewAttachment>) -> HistoryEntry {
    let message_text = ChatMessage::text(message.role, message.content.clone());
    HistoryEntry::with_attachments(message.id, message_text, attached)
}

/// The history as the model sees it: each user message with attachments becomes the prompt
/// template filled with its question and its images' text, its estimated tokens counting
/// that text and each image planned. For a model that sees images (`sees_images`), the
/// images stored as sent as images (image, or both) are planned as image parts, the newest
/// [`MAX_IMAGES_PER_REQUEST`] of them; every other image goes as its text, so none is ever
/// left out. The plan names messages by id: the caller keeps the entries of those that fit
/// the context window.
pub(super) fn with_attachment_text(
    history: &[HistoryEntry],
    shape: &RequestShape,
) -> Result<(Vec<HistoryEntry>, ImagePlan), String> {
    let RequestShape {
        sees_images,
        templates,
    } = shape;
    // The newest images that may go as images, by message and position.
    let as_images: HashSet<(MessageId, usize)> = if *sees_images {
        history
            .iter()
            .rev()
            .filter(|e| e.message.role == Role::User)
            .flat_map(|e| {
                e.attachments
                    .iter()
                    .enumerate()
                    .rev()
                    .filter(|(_, a)| a.sent_as.sends_image())
                    .map(|(position, _)| (e.id, position))
            })
            .take(MAX_IMAGES_PER_REQUEST)
            .collect()
    } else {
        HashSet::new()
    };
    let mut plan = ImagePlan::new();
    let mut entries = Vec::with_capacity(history.len());
    for entry in history {
        if entry.message.role != Role::User || entry.attachments.is_empty() {
            entries.push(entry.clone());
            continue;
        }
        let mode = |position: usize, a: &NewAttachment| {
            if as_images.contains(&(entry.id, position)) {
                a.sent_as
            } else {
                // Not sent as an image this time: its text stands in for it.
                ImageMode::Text
            }
        };
        let images: Vec<ImageRef> = entry
            .attachments
            .iter()
            .enumerate()
            .filter(|(position, a)| mode(*position, a).sends_image())
            .map(|(_, a)| ImageRef {
                hash: a.content_hash.clone(),
                file_name: a.file_name.clone(),
            })
            .collect();
        let texts: Vec<&NewAttachment> = entry
            .attachments
            .iter()
            .enumerate()
            .filter(|(position, a)| mode(*position, a).sends_text())
            .map(|(_, a)| a)
            .collect();
        let content = fill_template(templates, entry.message.content.clone(), &texts)?;
        let message = ChatMessage::text(Role::User, content);
        let image_count = u32::try_from(images.len()).unwrap_or(u32::MAX);
        let tokens =
            message_tokens(&message).saturating_add(IMAGE_TOKENS.saturating_mul(image_count));
        entries.push(HistoryEntry {
            id: entry.id,
            message,
            tokens,
            attachments: entry.attachments.clone(),
        });
        if !images.is_empty() {
            plan.push((entry.id, images));
        }
    }
    Ok((entries, plan))
}

/// The template filled with `question` and the text of `attached`.
fn fill_template(
    templates: &PromptTemplates,
    question: String,
    attached: &[&NewAttachment],
) -> Result<String, String> {
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
    templates.render(&context).map_err(|err| err.to_string())
}

/// What shapes a request's user messages with images.
pub(super) struct RequestShape {
    /// The model sees images (and its API style carries them).
    pub(super) sees_images: bool,
    /// The prompt templates in use.
    pub(super) templates: PromptTemplates,
}

impl super::engine::Engine {
    /// `Command::SetPromptTemplate`: checks the template, saves it, reports the templates.
    /// The kept request histories hold no filled template, so the next request uses it.
    pub(super) async fn set_prompt_template(&mut self, language: &str, source: Option<String>) {
        use super::event::Event;
        let source = source.filter(|s| !s.trim().is_empty());
        if let Some(source) = &source
            && let Err(err) = crate::prompt::check_template(source)
        {
            return self.events.emit(Event::Error(err.to_string())).await;
        }
        let slot = if language.starts_with("zh") {
            &mut self.settings.prompt_template_zh
        } else {
            &mut self.settings.prompt_template_en
        };
        if *slot != source {
            *slot = source;
            self.save_settings().await;
        }
        let templates = prompt_templates(&self.settings);
        self.events.emit(Event::PromptTemplates(templates)).await;
    }

    /// The shape of requests to `provider`, with the templates of the settings.
    pub(super) fn request_shape(&self, provider: &crate::llm::ProviderConfig) -> RequestShape {
        RequestShape {
            sees_images: crate::vision::sees_images(provider),
            templates: prompt_templates(&self.settings),
        }
    }
}

/// The messages of a request, made in its reply's task (see `Engine::request_for`).
pub(super) type RequestMessages =
    std::pin::Pin<Box<dyn Future<Output = Result<Vec<ChatMessage>, String>> + Send>>;

/// The templates filled and the images planned over `history`, then cut to `budget`.
pub(super) fn planned_cut(
    history: &[HistoryEntry],
    shape: &RequestShape,
    system: Option<&str>,
    budget: u32,
    continuing: bool,
) -> Result<(ImagePlan, RequestCut), String> {
    let (history, plan) = with_attachment_text(history, shape)?;
    Ok((plan, cut_history(&history, system, budget, continuing)))
}

/// The messages of `cut`, each user message with its prepared images.
pub(super) fn with_images(cut: RequestCut, images: &PreparedImages) -> Vec<ChatMessage> {
    let RequestCut {
        mut messages, sent, ..
    } = cut;
    // The system message, if any, comes first and has no stored message.
    let first = messages.len().saturating_sub(sent.len());
    for (message, id) in messages[first..].iter_mut().zip(&sent) {
        if let Some(parts) = images.get(id) {
            message.images.clone_from(parts);
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ImageMode;
    use crate::prompt::PromptTemplates;

    fn image(hash: &str, sent_as: ImageMode) -> NewAttachment {
        NewAttachment {
            file_name: format!("{hash}.png"),
            content_hash: hash.into(),
            byte_len: 1,
            width: 1,
            height: 1,
            sent_text: format!("text of {hash}"),
            sent_as,
            ocr: None,
        }
    }

    fn entry(id: i64, role: Role, content: &str, attached: Vec<NewAttachment>) -> HistoryEntry {
        HistoryEntry::with_attachments(MessageId(id), ChatMessage::text(role, content), attached)
    }

    #[test]
    fn the_cut_counts_images_and_only_messages_sent_get_theirs() {
        let shape = RequestShape {
            sees_images: true,
            templates: PromptTemplates {
                zh: None,
                en: Some("MINE: {{ question }}".into()),
            },
        };
        let history = vec![
            entry(
                1,
                Role::User,
                "old question",
                vec![image("a", ImageMode::Both)],
            ),
            entry(2, Role::Assistant, "old answer", Vec::new()),
            entry(3, Role::User, "", vec![image("b", ImageMode::Image)]),
        ];
        // Everything fits: both images planned, the user's template used.
        let (plan, cut) = planned_cut(&history, &shape, None, 100_000, false).unwrap();
        assert_eq!(cut.first_sent, None);
        assert_eq!(cut.sent, [MessageId(1), MessageId(2), MessageId(3)]);
        assert_eq!(plan.len(), 2, "{plan:?}");
        assert!(cut.messages[0].content.starts_with("MINE: old question"));
        // The newest question costs its image's ~1,000 tokens: a window that holds the old
        // turn's text but not its image as well leaves it out, and its image with it.
        let (history_tokens, _) = with_attachment_text(&history, &shape).unwrap();
        assert!(
            history_tokens[2].tokens >= IMAGE_TOKENS,
            "the image is free"
        );
        let budget = history_tokens[2].tokens + IMAGE_TOKENS / 2;
        let (plan, cut) = planned_cut(&history, &shape, None, budget, false).unwrap();
        assert_eq!(cut.first_sent, Some(MessageId(3)));
        let sent_plan: Vec<MessageId> = plan
            .into_iter()
            .filter(|(m, _)| cut.sent.contains(m))
            .map(|(m, _)| m)
            .collect();
        assert_eq!(sent_plan, [MessageId(3)]);
        // An image-only question is not blank, and gets its prepared image.
        let part = crate::llm::ImagePart {
            media_type: "image/png",
            base64: "AAAA".into(),
            width: 1,
            height: 1,
        };
        let images = PreparedImages::from([(MessageId(3), vec![part])]);
        let messages = with_images(cut, &images);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].images.len(), 1);
    }
}
