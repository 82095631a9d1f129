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
