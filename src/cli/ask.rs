//! `ocrchat ask`: one question, the reply streamed to stdout as it arrives.

use std::io::Write as _;
use std::time::Duration;

use crate::core::{
    AttachmentEvent, AttachmentId, Command, CoreHandle, CoreOptions, Event, HistoryLocation,
    OutgoingAttachment, SendOptions,
};
use crate::domain::ImageMode;
use crate::llm::{ApiStyle, ProviderConfig};
use crate::store::{MessageId, MessageStatus};

/// The arguments of `ocrchat ask`.
#[derive(Debug, Clone, clap::Args)]
pub struct AskArgs {
    /// Use this configured provider instead of the active one.
    #[arg(long, conflicts_with = "base_url")]
    pub provider: Option<String>,
    /// A base URL to use without configuring a provider (needs --model): OpenAI-compatible
    /// `…/v1`, Anthropic `https://api.anthropic.com`, Ollama `http://localhost:11434`, or the
    /// REST gateway's endpoint such as `https://api.example.com/v1/chat`.
    #[arg(long, requires = "model")]
    pub base_url: Option<String>,
    /// The API the --base-url speaks: openai (the default), anthropic, ollama, rest or
    /// websocket.
    #[arg(long, requires = "base_url", value_parser = ApiStyle::parse_cli)]
    pub api_style: Option<ApiStyle>,
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
    /// An image to read (OCR) and ask about; repeat for several. Its text goes into the
    /// prompt template with the question.
    #[arg(long = "image", value_name = "FILE")]
    pub images: Vec<std::path::PathBuf>,
    /// How the images go to a model that can see them: text (the OCR text in the prompt
    /// template), image, or both (the default). A model that cannot see images always gets
    /// the text.
    #[arg(long, value_name = "MODE", requires = "images")]
    pub image_mode: Option<String>,
    /// The question (may be left out with --image).
    #[arg(required_unless_present = "images")]
    pub question: Vec<String>,
}

/// What went wrong, as one line for stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AskFailed(pub String);

impl AskFailed {
    /// How the message for Ctrl+C starts; `main` exits 130 for it, as shells expect.
    pub const INTERRUPTED: &'static str = "Interrupted.";

    /// Whether this is the Ctrl+C case.
    pub fn is_interrupted(&self) -> bool {
        self.0.starts_with(Self::INTERRUPTED)
    }
}

/// How long `ask` waits, once the reply has ended, for its final write and the core's
/// shutdown: long enough for one write to wait out another process's lock (5 s) behind an
/// earlier one. After that the reply counts as not saved.
const SAVE_TIMEOUT: Duration = Duration::from_secs(12);

/// How the reply ended, before the verdict on saving it.
enum Ending {
    /// The reply is complete (or cut by the token limit, noted on stderr).
    Done,
    /// The user pressed Ctrl+C; the partial reply was stopped.
    Interrupted,
    /// It failed with this message.
    Failed(String),
}

/// Runs `ask`: prints only the reply text to stdout, as it streams. A reply cut off by the
/// token limit still exits 0, with a note on stderr. A reply that could not be written to the
/// history is an error (exit 1), whatever was printed: the output never claims a save that
/// did not happen.
pub async fn run_ask(args: AskArgs, options: CoreOptions) -> Result<(), AskFailed> {
    // Error text can quote the server: no terminal control characters reach stderr.
    ask(args, options)
        .await
        .map_err(|err| AskFailed(super::output::for_stderr(&err.0).into_owned()))
}

async fn ask(args: AskArgs, mut options: CoreOptions) -> Result<(), AskFailed> {
    // A bad mode is refused before anything starts.
    image_mode(&args)?;
    let no_save = args.no_save;
    if no_save {
        options.history = HistoryLocation::Memory;
    }
    let runtime = tokio::runtime::Handle::current();
    let mut core = CoreHandle::start(&runtime, options)
        .map_err(|err| AskFailed(format!("Could not start: {err}")))?;
    let outcome = stream_reply(&args, &mut core).await;
    // The reply has ended (or never started): wait for its final write, then stop the core,
    // all within one timeout.
    let deadline = tokio::time::Instant::now() + SAVE_TIMEOUT;
    let (ending, message) = match outcome {
        Ok(ended) => ended,
        Err(failed) => {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            tokio::task::spawn_blocking(move || core.shutdown(remaining))
                .await
                .ok();
            return Err(failed);
        }
    };
    let verdict = match message {
        Some(message) => tokio::time::timeout_at(deadline, save_verdict(&mut core, message))
            .await
            .unwrap_or_else(|_| {
                Some(format!(
                    "the write did not finish within {} s",
                    SAVE_TIMEOUT.as_secs()
                ))
            }),
        None => None,
    };
    let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
    let shutdown = tokio::task::spawn_blocking(move || core.shutdown(remaining));
    let closed_cleanly = shutdown.await.unwrap_or(false);
    let not_saved = verdict.or_else(|| {
        (message.is_some() && !closed_cleanly)
            .then(|| "the history was not closed cleanly".to_owned())
    });
    if message.is_none() && matches!(ending, Ending::Interrupted) {
        // Ctrl+C before a reply started: there is no reply to keep.
        return Err(AskFailed(AskFailed::INTERRUPTED.into()));
    }
    finish(&ending, not_saved, no_save)
}

/// The exit result from how the reply ended and whether it was saved (`not_saved: Some(why)`).
fn finish(ending: &Ending, not_saved: Option<String>, no_save: bool) -> Result<(), AskFailed> {
    let unsaved = not_saved.map(|why| {
        format!(
            "The reply could not be saved in the history: {}. Its text is in the output above.",
            why.trim_end_matches('.')
        )
    });
    match (ending, unsaved) {
        (Ending::Done, None) => Ok(()),
        (Ending::Done, Some(unsaved)) => Err(AskFailed(unsaved)),
        (Ending::Interrupted, unsaved) => {
            let rest = match unsaved {
                Some(unsaved) => format!(" {unsaved}"),
                None if no_save => String::new(),
                None => " The reply so far is saved in the history.".into(),
            };
            Err(AskFailed(format!("{}{rest}", AskFailed::INTERRUPTED)))
        }
        (Ending::Failed(message), None) => Err(AskFailed(message.clone())),
        (Ending::Failed(message), Some(unsaved)) => Err(AskFailed(format!("{message} {unsaved}"))),
    }
}

/// Waits for the final write of `message`: `None` when it is saved, else why not.
async fn save_verdict(core: &mut CoreHandle, message: MessageId) -> Option<String> {
    loop {
        match core.recv().await {
            Some(Event::SaveState {
                message: m, error, ..
            }) if m == message => return error,
            Some(_) => {}
            None => return Some("the core stopped before writing it".into()),
        }
    }
}

/// `--image-mode`, checked.
fn image_mode(args: &AskArgs) -> Result<Option<ImageMode>, AskFailed> {
    let Some(mode) = args.image_mode.as_deref() else {
        return Ok(None);
    };
    match mode.trim().to_ascii_lowercase().as_str() {
        "text" => Ok(Some(ImageMode::Text)),
        "image" => Ok(Some(ImageMode::Image)),
        "both" => Ok(Some(ImageMode::Both)),
        _ => Err(AskFailed(format!(
            "“{mode}” is not an image mode. Use --image-mode text, image or both."
        ))),
    }
}

/// The options for the question, and a `--model` override still to apply to a configured
/// provider.
fn send_options(args: &AskArgs) -> (SendOptions, Option<String>) {
    let mut send_options = SendOptions {
        provider_name: args.provider.clone(),
        system: args.system.clone(),
        max_tokens: args.max_tokens,
        image_mode: image_mode(args).ok().flatten(),
        ..SendOptions::default()
    };
    let mut model_override = args.model.clone();
    if let Some(base_url) = &args.base_url {
        let model = model_override.take().unwrap_or_default();
        let mut provider = ProviderConfig::new("command line", base_url, model);
        provider.stream_usage = false;
        provider.api = args.api_style.unwrap_or_default();
        send_options.adhoc_provider = Some(provider);
    }
    (send_options, model_override)
}

/// Sends the question and prints the reply as it streams. Returns how it ended and which
/// message holds it (`None` when no reply was started).
async fn stream_reply(
    args: &AskArgs,
    core: &mut CoreHandle,
) -> Result<(Ending, Option<MessageId>), AskFailed> {
    let (send_options, mut model_override) = send_options(args);
    // The settings arrive with the first events; a --model override needs them.
    let mut sent = false;
    let mut attaching = false;
    let mut attached: Vec<(AttachmentId, Option<String>)> = Vec::new();
    let mut conversation = None;
    // The provider the question goes to, once known (for the note on images).
    let mut provider = send_options.adhoc_provider.clone();
    let mut stdout = std::io::stdout().lock();
    let mut ends_with_newline = true;
    let mut end = std::pin::pin!(super::end_requested());
    let mut stopping = false;
    loop {
        let event = tokio::select! {
            event = core.recv() => event,
            () = &mut end, if !stopping => {
                // Ctrl+C: stop the reply so what arrived is saved as stopped, then exit 130.
                stopping = true;
                match conversation {
                    Some(conversation) => {
                        core.send(Command::Stop { conversation }).ok();
                        continue;
                    }
                    None => return Ok((Ending::Interrupted, None)),
                }
            }
        };
        let Some(event) = event else {
            return Err(AskFailed("The core stopped unexpectedly.".into()));
        };
        if provider.is_none() {
            provider = provider_asked(&event, args, model_override.as_deref());
        }
        match event {
            Event::Providers { .. } if !sent && !attaching && !args.images.is_empty() => {
                attaching = true;
                for path in &args.images {
                    send_command(core, Command::Attach { path: path.clone() })?;
                }
            }
            Event::Attachment(event) => {
                let Some(attachments) = on_attachment(event, &mut attached)? else {
                    continue;
                };
                if attachments.len() == args.images.len() && !sent {
                    note_images_as_text(provider.as_ref(), send_options.image_mode);
                    let mut options = send_options.clone();
                    options.model = model_override.take();
                    options.attachments = attachments;
                    send_question(core, args, options)?;
                    sent = true;
                }
            }
            Event::Providers { .. } if !sent && !attaching => {
                let mut options = send_options.clone();
                options.model = model_override.take();
                send_question(core, args, options)?;
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
                    .write_all(super::output::for_stdout(&text).as_bytes())
                    .and_then(|()| stdout.flush())
                {
                    return Ok((Ending::Done, None));
                }
            }
            Event::Queued { .. } | Event::Retrying { .. } => note_wait(&event),
            Event::ContextCut { .. } => note_context_cut(&event),
            Event::MessageFinished {
                message,
                status,
                error,
                ..
            } => {
                if !ends_with_newline {
                    writeln!(stdout).ok();
                }
                let ending = ending_of(status, error, stopping);
                return Ok((ending, Some(message)));
            }
            Event::Error(message)
            | Event::Notice { message, .. }
            | Event::QuestionRefused { reason: message } => {
                return Err(AskFailed(message));
            }
            _ => {}
        }
    }
}

/// The configured provider the question goes to, from the provider list, with `--model`.
fn provider_asked(event: &Event, args: &AskArgs, model: Option<&str>) -> Option<ProviderConfig> {
    let Event::Providers {
        providers, active, ..
    } = event
    else {
        return None;
    };
    let name = args.provider.as_ref().or(active.as_ref());
    let mut provider = providers
        .iter()
        .find(|p| Some(&p.config.name) == name)
        .map(|p| p.config.clone())?;
    if let Some(model) = model {
        model.clone_into(&mut provider.model);
    }
    Some(provider)
}

/// One stderr line when images were asked for as images but the model cannot see them (the
/// core sends their OCR text; nothing is dropped silently).
fn note_images_as_text(provider: Option<&ProviderConfig>, mode: Option<ImageMode>) {
    let wanted_images = mode.is_none_or(ImageMode::sends_image);
    if wanted_images && !provider.is_some_and(crate::vision::sees_images) {
        let model = provider.map_or("the model", |p| p.model.as_str());
        super::output::diagnostic(&format!(
            "{model} cannot see images: they were sent as OCR text."
        ));
    }
}

fn send_question(core: &CoreHandle, args: &AskArgs, options: SendOptions) -> Result<(), AskFailed> {
    let command = Command::Send {
        conversation: None,
        text: args.question.join(" "),
        options,
    };
    send_command(core, command)
}

fn send_command(core: &CoreHandle, command: Command) -> Result<(), AskFailed> {
    core.send(command)
        .map_err(|_busy| AskFailed("The core is not accepting commands.".into()))
}

/// Tracks the images being read. Returns every attachment with its text once all are read,
/// `None` while some are still being read, and fails on an image that cannot be read.
fn on_attachment(
    event: AttachmentEvent,
    attached: &mut Vec<(AttachmentId, Option<String>)>,
) -> Result<Option<Vec<OutgoingAttachment>>, AskFailed> {
    match event {
        AttachmentEvent::Added { id, .. } => attached.push((id, None)),
        AttachmentEvent::Read {
            id, text, notice, ..
        } => {
            if let Some(notice) = notice {
                super::output::diagnostic(&notice);
            }
            if let Some(slot) = attached.iter_mut().find(|(a, _)| *a == id) {
                slot.1 = Some(text);
            }
        }
        AttachmentEvent::Failed { message, .. } => return Err(AskFailed(message)),
        AttachmentEvent::Progress { .. } | AttachmentEvent::Sent { .. } => {}
    }
    let all_read = attached.iter().all(|(_, text)| text.is_some());
    Ok(all_read.then(|| {
        attached
            .iter()
            .map(|(id, text)| OutgoingAttachment {
                id: *id,
                text: text.clone().unwrap_or_default(),
            })
            .collect()
    }))
}

/// How a reply that ended with `status` ends the command.
fn ending_of(status: MessageStatus, error: Option<String>, stopping: bool) -> Ending {
    match status {
        MessageStatus::Complete => Ending::Done,
        MessageStatus::Truncated => {
            super::output::diagnostic(
                "the reply was cut off by the token limit (finish_reason: length).",
            );
            Ending::Done
        }
        MessageStatus::Failed => {
            Ending::Failed(error.unwrap_or_else(|| "The request failed.".into()))
        }
        MessageStatus::Stopped if stopping => Ending::Interrupted,
        other => Ending::Failed(format!("The reply ended early ({}).", other.as_str())),
    }
}

/// One stderr line while the reply waits: for a free slot, or to retry.
fn note_wait(event: &Event) {
    match event {
        Event::Queued {
            in_flight,
            provider,
            ..
        } => super::output::diagnostic(&format!(
            "waiting: {in_flight} requests to {provider} in flight"
        )),
        Event::Retrying {
            attempt,
            attempts,
            delay_millis,
            reason,
            ..
        } => super::output::diagnostic(&retry_line(*attempt, *attempts, *delay_millis, reason)),
        _ => {}
    }
}

/// One stderr line when older messages were left out of the request: they do not fit the
/// model's context window.
fn note_context_cut(event: &Event) {
    if let Event::ContextCut {
        first_sent: Some(_),
        context_window,
        ..
    } = event
    {
        super::output::diagnostic(&format!(
            "Earlier messages were not sent: they do not fit the model's {} context window.",
            crate::core::window_label(*context_window)
        ));
    }
}

/// "retrying in 3 s (attempt 2 of 3): the server is overloaded (503)", as the window says it.
fn retry_line(retry: u32, attempts: u32, delay_millis: u64, reason: &str) -> String {
    let secs = if delay_millis.is_multiple_of(1000) {
        (delay_millis / 1000).to_string()
    } else {
        format!("{:.1}", ms_to_secs(delay_millis))
    };
    let attempt = retry.saturating_add(1);
    format!("retrying in {secs} s (attempt {attempt} of {attempts}): {reason}")
}

fn ms_to_secs(millis: u64) -> f64 {
    // Display only; precision loss is irrelevant here.
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    let secs = millis as f64 / 1000.0;
    secs
}
