//! `ocrchat export`: conversations to Markdown (one file each) or to one JSON file with every
//! stored field. The history holds no API key, so neither does an export; each file says so.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::config::Paths;
use crate::config::private_files::{create_private_dir, write_private_atomic};
use crate::llm::Role;
use crate::search::format_utc;
use crate::store::{ConversationId, ConversationSummary, Message, Store};

/// What every export file says about keys.
const NO_KEYS: &str = "This export contains no API keys: ocrchat never stores them in the history.";

/// The export's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One Markdown file per conversation.
    Md,
    /// One JSON file with every conversation and every stored field of its messages.
    Json,
}

/// The arguments of `ocrchat export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
    pub format: ExportFormat,
    /// Export only this conversation (repeatable); all of them without it.
    #[arg(long = "conversation", value_name = "ID")]
    pub conversations: Vec<i64>,
    /// The folder to write into (created if needed, private to you).
    #[arg(long)]
    pub out: PathBuf,
}

/// What went wrong, as one line for stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ExportFailed(pub String);

/// Writes the export and prints the path of each file written, one a line.
pub fn run_export(args: &ExportArgs, paths: &Paths) -> Result<(), ExportFailed> {
    let written = export(args, paths)?;
    let mut out = std::io::stdout().lock();
    for file in written {
        // The files are written; a closed stdout (`| head`) loses only this list.
        if writeln!(out, "{}", file.display()).is_err() {
            break;
        }
    }
    Ok(())
}

fn export(args: &ExportArgs, paths: &Paths) -> Result<Vec<PathBuf>, ExportFailed> {
    let path = paths.database_file();
    if !path.exists() {
        return Err(ExportFailed(format!(
            "There is no history to export yet ({} does not exist).",
            path.display()
        )));
    }
    let store = Store::open(&path).map_err(|err| ExportFailed(err.to_string()))?;
    let all = store
        .list_conversations()
        .map_err(|err| ExportFailed(err.to_string()))?;
    let chosen: Vec<&ConversationSummary> =
        if args.conversations.is_empty() {
            all.iter().collect()
        } else {
            let mut chosen = Vec::new();
            for id in &args.conversations {
                let found = all.iter().find(|c| c.id == ConversationId(*id)).ok_or_else(|| {
                ExportFailed(format!(
                    "There is no conversation {id}; `ocrchat search` shows conversation ids."
                ))
            })?;
                chosen.push(found);
            }
            chosen
        };
    let mut conversations = Vec::new();
    for summary in chosen {
        let messages = store
            .messages(summary.id)
            .map_err(|err| ExportFailed(err.to_string()))?;
        conversations.push((summary, messages));
    }
    create_private_dir(&args.out).map_err(|err| write_failed(&args.out, &err))?;
    let mut written = Vec::new();
    match args.format {
        ExportFormat::Json => {
            let file = args.out.join("ocrchat-export.json");
            let text = json_export(&conversations);
            write_private_atomic(&file, text.as_bytes())
                .map_err(|err| write_failed(&file, &err))?;
            written.push(file);
        }
        ExportFormat::Md => {
            for (summary, messages) in &conversations {
                let file = args.out.join(format!("conversation-{}.md", summary.id.0));
                let text = markdown(summary, messages);
                write_private_atomic(&file, text.as_bytes())
                    .map_err(|err| write_failed(&file, &err))?;
                written.push(file);
            }
        }
    }
    Ok(written)
}

fn write_failed(path: &Path, err: &std::io::Error) -> ExportFailed {
    ExportFailed(format!(
        "Could not write {}: {err}. Check that the folder is writable and the disk is not full.",
        path.display()
    ))
}

fn json_export(conversations: &[(&ConversationSummary, Vec<Message>)]) -> String {
    let list: Vec<serde_json::Value> = conversations
        .iter()
        .map(|(summary, messages)| {
            json!({
                "id": summary.id.0,
                "title": summary.title,
                "updated_at": summary.updated_at,
                "messages": messages.iter().map(|m| json!({
                    "id": m.id.0,
                    "role": m.role.as_str(),
                    "content": m.content,
                    "reasoning": m.reasoning,
                    "status": m.status.as_str(),
                    "error": m.error,
                    "provider": m.provider,
                    "model": m.model,
                    "created_at": m.created_at,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let export = json!({
        "format": "ocrchat-export",
        "version": 1,
        "note": NO_KEYS,
        "ocrchat_version": crate::VERSION,
        "conversations": list,
    });
    format!("{export:#}\n")
}

fn markdown(summary: &ConversationSummary, messages: &[Message]) -> String {
    let mut out = format!(
        "<!-- Exported by ocrchat {}. {NO_KEYS} -->\n\n# {}\n",
        crate::VERSION,
        summary.title
    );
    for message in messages {
        let who = match message.role {
            Role::User => "You".to_owned(),
            Role::Assistant | Role::System => match &message.model {
                Some(model) => format!("Assistant ({model})"),
                None => "Assistant".to_owned(),
            },
        };
        write!(
            out,
            "\n## {who} · {} UTC\n\n",
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
        out.push_str(&message.content);
        out.push('\n');
    }
    out
}
