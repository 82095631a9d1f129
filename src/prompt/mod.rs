//! Prompt templates: where the OCR text of a message's images goes in the prompt sent to a
//! text-only model. Templates are minijinja with `{{ question }}` and a loop over
//! `attachments` (`file_name`, `ocr_text`, `lang`, `confidence`). Two defaults ship in
//! `assets/prompts/` (Chinese and English); users may edit their own, so every syntax or
//! render error becomes a message that says where the problem is and what to do.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

/// The default Chinese template.
pub const DEFAULT_ZH: &str = include_str!("../../assets/prompts/zh.jinja");
/// The default English template.
pub const DEFAULT_EN: &str = include_str!("../../assets/prompts/en.jinja");

/// One image's OCR result as a template sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PromptAttachment {
    /// The image's file name (`shot.png`, or "pasted image").
    pub file_name: String,
    /// The recognised text (as the user edited it).
    pub ocr_text: String,
    /// The OCR languages (`chi_sim+eng`).
    pub lang: String,
    /// Mean word confidence in whole percent, `none` in templates when unknown.
    pub confidence: Option<u32>,
}

/// Everything a template can use.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PromptContext {
    /// What the user typed (may be empty: images alone).
    pub question: String,
    /// The message's images, in order.
    pub attachments: Vec<PromptAttachment>,
}

/// Why a template could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// The template does not parse.
    #[error(
        "The prompt template has a syntax error{at}: {detail}. Fix the template, or reset it to \
         the default."
    )]
    Syntax {
        /// " on line N", or empty.
        at: String,
        /// minijinja's description.
        detail: String,
    },
    /// The template parses but failed while rendering (an unknown variable, a bad filter).
    #[error(
        "The prompt template could not be filled in{at}: {detail}. It can use `question` and \
         `attachments` (each with `file_name`, `ocr_text`, `lang`, `confidence`)."
    )]
    Render {
        /// " on line N", or empty.
        at: String,
        /// minijinja's description.
        detail: String,
    },
}

/// A checked template, ready to render.
#[derive(Debug)]
pub struct PromptTemplate {
    env: Environment<'static>,
    source: String,
}

impl PromptTemplate {
    /// Checks `source` and keeps it.
    ///
    /// # Errors
    /// [`PromptError::Syntax`] naming the line.
    pub fn new(source: &str) -> Result<Self, PromptError> {
        let mut env = Environment::new();
        // A misspelt variable is an error, not silently empty text in the prompt.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.template_from_str(source)
            .map_err(|err| PromptError::Syntax {
                at: at_line(&err),
                detail: detail(&err),
            })?;
        Ok(Self {
            env,
            source: source.to_owned(),
        })
    }

    /// The built-in template for a Chinese (`zh`) or any other (English) interface.
    #[must_use]
    pub fn default_for(language: &str) -> Self {
        let source = if language.starts_with("zh") {
            DEFAULT_ZH
        } else {
            DEFAULT_EN
        };
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        Self {
            env,
            source: source.to_owned(),
        }
    }

    /// The template's text.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Fills the template in.
    ///
    /// # Errors
    /// [`PromptError::Render`] naming the line and the cause.
    pub fn render(&self, context: &PromptContext) -> Result<String, PromptError> {
        let to_error = |err: minijinja::Error| PromptError::Render {
            at: at_line(&err),
            detail: detail(&err),
        };
        let template = self.env.template_from_str(&self.source).map_err(to_error)?;
        let rendered = template.render(context).map_err(to_error)?;
        Ok(rendered.trim_end().to_owned())
    }
}

/// The templates in use: the user's own (saved in Settings) or the defaults, one per
/// language. A message written in Chinese (or, with no question, whose images' text is
/// Chinese) gets the Chinese one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PromptTemplates {
    /// The user's Chinese template (`None`: the default).
    pub zh: Option<String>,
    /// The user's English template (`None`: the default).
    pub en: Option<String>,
}

impl PromptTemplates {
    /// The source used for `language` (`zh…`: Chinese, anything else English).
    #[must_use]
    pub fn source(&self, language: &str) -> &str {
        if language.starts_with("zh") {
            self.zh.as_deref().unwrap_or(DEFAULT_ZH)
        } else {
            self.en.as_deref().unwrap_or(DEFAULT_EN)
        }
    }

    /// The prompt of one user message: the template of the language the user writes in,
    /// filled with `context`. The window's preview and the request use this one function.
    ///
    /// # Errors
    /// The template does not parse or fill in (the message names the line).
    pub fn render(&self, context: &PromptContext) -> Result<String, PromptError> {
        let chinese = if context.question.trim().is_empty() {
            context.attachments.iter().any(|a| has_cjk(&a.ocr_text))
        } else {
            has_cjk(&context.question)
        };
        let template = PromptTemplate::new(self.source(if chinese { "zh" } else { "en" }))?;
        template.render(context)
    }
}

/// Checks a template a user wrote: it must parse and fill in with a sample message.
///
/// # Errors
/// The problem and its line.
pub fn check_template(source: &str) -> Result<(), PromptError> {
    let sample = PromptContext {
        question: "?".to_owned(),
        attachments: vec![PromptAttachment {
            file_name: "shot.png".to_owned(),
            ocr_text: "text".to_owned(),
            lang: "eng".to_owned(),
            confidence: Some(90),
        }],
    };
    PromptTemplate::new(source)?.render(&sample).map(drop)
}

/// True when `text` has a CJK ideograph.
fn has_cjk(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}'))
}

fn at_line(err: &minijinja::Error) -> String {
    err.line()
        .map(|line| format!(" on line {line}"))
        .unwrap_or_default()
}

fn detail(err: &minijinja::Error) -> String {
    err.detail()
        .map_or_else(|| err.kind().to_string(), str::to_owned)
}

#[cfg(test)]
mod tests;
