//! `ocrchat ask`: one question, the reply streamed to stdout as it arrives.

use std::io::Write as _;
use std::time::Duration;

use crate::core::{Command, CoreHandle, CoreOptions, Event, HistoryLocation, SendOptions};
use crate::llm::ProviderConfig;
use crate::store::MessageStatus;

/// The arguments of `ocrchat ask`.
#[derive(Debug, Clone, clap::Args)]
pub struct AskArgs {
    /// Use this configured provider instead of the active one.
    #[arg(long, conflicts_with = "base_url")]
    pub provider: Option<String>,
    /// An OpenAI-compatible base URL to use without configuring a provider (needs --model).
    #[arg(long, requires = "model")]
    pub base_url: Option<String>,
    /// The model name (with --base-url, or to override the provider's model).
    #[arg(long)]
    pub model: Option<String>,
    /// A system message sent before the question.
    #[arg(long)]
    pub system: Option<String>,
    /// Upper bound on the reply's tokens.
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Keep this question and its reply out of the conversation history.
    #[arg(long)]
    pub no_save: bool,
    /// The question.
    #[arg(required = true)]
    pub question: Vec<String>,
}

/// What went wrong, as one line for stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AskFailed(pub String);

impl AskFailed {
    /// How the message for Ctrl+C starts; `main` exits 130 for it, as shells expect.
    pub const INTERRUPTED: &'static str = "Interrupted.";

    fn interrupted(saved: bool) -> Self {
        let rest = if saved {
            " The reply so far is saved in the history."
        } else {
            ""
        };
        Self(format!("{}{rest}", Self::INTERRUPTED))
    }

    /// Whether this is the Ctrl+C case.
    pub fn is_interrupted(&self) -> bool {
        self.0.starts_with(Self::INTERRUPTED)
    }
}

/// Runs `ask`: prints only the reply text to stdout, as it streams. A reply cut off by the
/// token limit still exits 0, with a note on stderr.
pub async fn run_ask(args: AskArgs, mut options: CoreOptions) -> Result<(), AskFailed> {
    let no_save = args.no_save;
    if no_save {
        options.history = HistoryLocation::Memory;
    }
    let mut send_options = SendOptions {
        provider_name: args.provider.clone(),
        system: args.system.clone(),
        max_tokens: args.max_tokens,
        ..SendOptions::default()
    };
    let mut model_override = args.model.clone();
    if let Some(base_url) = &args.base_url {
        let model = model_override.take().unwrap_or_default();
        let mut provider = ProviderConfig::new("command line", base_url, model);
        provider.stream_usage = false;
        send_options.adhoc_provider = Some(provider);
    }
    let runtime = tokio::runtime::Handle::current();
    let mut core = CoreHandle::start(&runtime, options)
        .map_err(|err| AskFailed(format!("Could not start: {err}")))?;

    // The settings arrive with the first events; a --model override needs them.
    let mut sent = false;
    let mut conversation = None;
    let mut stdout = std::io::stdout().lock();
    let mut ends_with_newline = true;
    let mut end = std::pin::pin!(super::end_requested());
    let mut stopping = false;
    let result = loop {
        let event = tokio::select! {
            event = core.recv() => event,
            () = &mut end, if !stopping => {
                // Ctrl+C: stop the reply so what arrived is saved as stopped, then exit 130.
                stopping = true;
                match conversation {
                    Some(conversation) => {
                        let _ = core.send(Command::Stop { conversation });
                        continue;
                    }
                    None => break Err(AskFailed::interrupted(!no_save)),
                }
            }
        };
        let Some(event) = event else {
            break Err(AskFailed("The core stopped unexpectedly.".into()));
        };
        match event {
            Event::Providers { providers, active } if !sent => {
                let mut options = send_options.clone();
                if let Some(model) = model_override.take() {
                    let name = options.provider_name.clone().or(active);
                    let Some(status) = providers
                        .into_iter()
                        .find(|p| Some(&p.config.name) == name.as_ref())
                    else {
                        break Err(AskFailed("No provider is set up yet, so --model has nothing to apply to. Pass --base-url too, or add a provider in the window's Settings → Providers.".into()));
                    };
                    let mut provider = status.config;
                    provider.model = model;
                    options.provider_name = None;
                    options.adhoc_provider = Some(provider);
                }
                let command = Command::Send {
                    conversation: None,
                    text: args.question.join(" "),
                    options,
                };
                if core.send(command).is_err() {
                    break Err(AskFailed("The core is not accepting commands.".into()));
                }
                sent = true;
            }
            Event::ConversationOpened { id, .. } => conversation = id,
            Event::Delta {
                text,
                reasoning: false,
                ..
            } => {
                // Write each delta as it arrives; a closed pipe (`| head`) ends quietly.
                ends_with_newline = text.ends_with('\n');
                if let Err(_closed) = stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush())
                {
                    break Ok(());
                }
            }
            Event::Retrying {
                attempt,
                delay_millis,
                reason,
                ..
            } => {
                eprintln!(
                    "ocrchat: {reason} Retrying ({attempt}) in {:.1} s…",
                    ms_to_secs(delay_millis)
                );
            }
            Event::MessageFinished { status, error, .. } => {
                if !ends_with_newline {
                    let _ = writeln!(stdout);
                }
                break match status {
                    MessageStatus::Complete => Ok(()),
                    MessageStatus::Truncated => {
                        eprintln!(
                            "ocrchat: the reply was cut off by the token limit (finish_reason: length)."
                        );
                        Ok(())
                    }
                    MessageStatus::Failed => Err(AskFailed(
                        error.unwrap_or_else(|| "The request failed.".into()),
                    )),
                    MessageStatus::Stopped if stopping => Err(AskFailed::interrupted(!no_save)),
                    other => Err(AskFailed(format!(
                        "The reply ended early ({}).",
                        other.as_str()
                    ))),
                };
            }
            Event::Error(message) | Event::QuestionRefused { reason: message } => {
                break Err(AskFailed(message));
            }
            _ => {}
        }
    };
    drop(stdout);
    let shutdown = tokio::task::spawn_blocking(move || core.shutdown(Duration::from_secs(5)));
    let _ = shutdown.await;
    result
}

fn ms_to_secs(millis: u64) -> f64 {
    // Display only; precision loss is irrelevant here.
    #[allow(clippy::cast_precision_loss)]
    let secs = millis as f64 / 1000.0;
    secs
}
