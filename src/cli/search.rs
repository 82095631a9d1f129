//! `ocrchat search`: the history's matching messages, one line each, best first.

use std::io::Write as _;

use serde_json::json;

use super::output::for_stdout;
use crate::config::Paths;
use crate::search::format_utc;
use crate::store::{SearchHit, Store};

/// The arguments of `ocrchat search`.
#[derive(Debug, Clone, clap::Args)]
pub struct SearchArgs {
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// At most this many results.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub limit: u32,
    /// What to find: words, "quoted phrases", -excluded, provider:NAME, model:NAME,
    /// before:YYYY-MM-DD, after:YYYY-MM-DD, has:image.
    #[arg(required = true, allow_hyphen_values = true, trailing_var_arg = true)]
    pub query: Vec<String>,
}

/// What went wrong, as one line for stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SearchFailed(pub String);

/// Runs the search and prints the results; nothing (and success) when nothing matches.
pub fn run_search(args: &SearchArgs, paths: &Paths) -> Result<(), SearchFailed> {
    let text = args
        .query
        .iter()
        .map(|word| {
            // A shell word with a space was quoted: keep it one phrase.
            if word.contains(char::is_whitespace) && !word.contains('"') {
                format!("\"{word}\"")
            } else {
                word.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let query = crate::search::parse(&text).map_err(|err| SearchFailed(err.to_string()))?;
    let path = paths.database_file();
    if !path.exists() {
        // No history yet: nothing matches, and searching creates no file.
        return Ok(());
    }
    let store = Store::open(&path).map_err(|err| SearchFailed(err.to_string()))?;
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let hits = store
        .search(&query, limit)
        .map_err(|err| SearchFailed(format!("The search failed: {err}")))?;
    let mut out = std::io::stdout().lock();
    for hit in &hits {
        let line = if args.json {
            json_line(hit)
        } else {
            text_line(hit)
        };
        let written = writeln!(out, "{}", for_stdout(&line));
        if let Err(err) = written.and_then(|()| out.flush()) {
            // `ocrchat search … | head` closes the pipe early; that is not a failure.
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(SearchFailed(format!("Could not write the results: {err}")));
        }
    }
    Ok(())
}

/// Tab-separated: conversation id, title, message id (`-` for a title), date (UTC), role
/// (`title` for a title, `reasoning` for a reply's reasoning), snippet with `[`matches`]`.
fn text_line(hit: &SearchHit) -> String {
    let role = hit_role(hit);
    let message = hit
        .message
        .map_or_else(|| "-".to_owned(), |m| m.0.to_string());
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        hit.conversation.0,
        one_line(&hit.title),
        message,
        format_utc(hit.created_at),
        role,
        hit.snippet.marked("[", "]")
    )
}

fn json_line(hit: &SearchHit) -> String {
    json!({
        "conversation_id": hit.conversation.0,
        "conversation_title": hit.title,
        "message_id": hit.message.map(|m| m.0),
        "role": hit.role.map(crate::llm::Role::as_str),
        "field": hit.field.as_str(),
        "created_at": hit.created_at,
        "date": format_utc(hit.created_at),
        "provider": hit.provider,
        "model": hit.model,
        "snippet": hit.snippet.text,
        "highlights": hit.snippet.highlights.iter().map(|r| [r.start, r.end]).collect::<Vec<_>>(),
    })
    .to_string()
}

fn hit_role(hit: &SearchHit) -> &'static str {
    match (hit.field, hit.role) {
        (crate::store::HitField::Title, _) => "title",
        (crate::store::HitField::Reasoning, _) => "reasoning",
        (_, Some(role)) => role.as_str(),
        (_, None) => "message",
    }
}

/// `text` with tabs and line breaks as spaces, so a line stays one result.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
