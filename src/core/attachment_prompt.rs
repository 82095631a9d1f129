//! The request text of a user message with images: the prompt template filled with its
//! question and its images' text (as the user left it), and which images go as images.

use std::collections::{HashMap, HashSet};

use super::attach_images::{ImagePlan, ImageRef, MAX_IMAGES_PER_REQUEST};
use super::attaching::percent;
use crate::domain::ImageMode;
use crate::llm::Role;
use crate::prompt::{PromptAttachment, PromptContext, PromptTemplates};
use crate::store::{Message, MessageId, NewAttachment, StoredAttachment};

/// The templates of the settings.
pub(super) fn prompt_templates(settings: &crate::config::Settings) -> PromptTemplates {
    PromptTemplates {
        zh: settings.prompt_template_zh.clone(),
        en: settings.prompt_template_en.clone(),
    }
}

/// The history as the model sees it: each user message with attachments becomes the prompt
/// template filled with its question and its images' text. For a model that sees images
/// (`sees_images`), the images stored as sent as images (image, or both) are planned as image
/// parts, the newest [`MAX_IMAGES_PER_REQUEST`] of them; every other image goes as its text,
/// so none is ever left out.
pub(super) fn with_attachment_text(
    mut history: Vec<Message>,
    attachments: &[StoredAttachment],
    shape: &RequestShape,
) -> Result<(Vec<Message>, ImagePlan), String> {
    let RequestShape {
        sees_images,
        templates,
    } = shape;
    let mut by_message: HashMap<MessageId, Vec<&StoredAttachment>> = HashMap::new();
    for stored in attachments {
        by_message.entry(stored.message).or_default().push(stored);
    }
    // The newest images that may go as images (rows are in message, then position order).
    let as_images: HashSet<i64> = if *sees_images {
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
        let question = std::mem::take(&mut message.content);
        message.content = fill_template(templates, question, &texts)?;
        if !images.is_empty() {
            plan.push((message.id, images));
        }
    }
    Ok((history, plan))
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
