//! Getting every reply onto disk (issue #8 §1). Text shown to the user is written within
//! [`FLUSH_AFTER`] by a timer in the engine loop, even while the stream pauses, and each
//! write appends only the new text. Writes run on the store thread; their results come back
//! as [`Internal::Saved`], and a failure is an event the front end shows ("not saved yet")
//! while the engine keeps the text in memory and writes it again every [`RETRY_AFTER`].
//!
//! The engine queues each write on the store thread itself, in its own order (only the
//! result is awaited elsewhere): a reply's final write (the whole text in one row) is queued
//! before `MessageFinished` is sent, so a follow-up question reads the finished reply. One
//! append per reply is in flight at a time, so each starts where the last one ended.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::engine::{Engine, Internal};
use super::event::Event;
use crate::store::{ConversationId, MessageId, MessageStatus, StoreError};

/// How long shown text may wait before it is written. With the write itself this keeps
/// shown text on disk within about 300 ms.
pub(super) const FLUSH_AFTER: Duration = Duration::from_millis(200);
/// How long after a failed write the next attempt is made.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// How long the engine keeps trying to write the replies of a closing app; the front end's
/// own shutdown timeout usually ends the wait first.
const SHUTDOWN_SAVE_LIMIT: Duration = Duration::from_secs(30);

/// Which write of a reply finished.
#[derive(Debug, Clone, Copy)]
pub(super) enum WriteKind {
    /// New text up to these byte lengths of content and reasoning.
    Append { content: usize, reasoning: usize },
    /// The whole text and the final status.
    Final,
}

/// How far a reply's text is on disk.
#[derive(Debug, Default)]
pub(super) struct SaveProgress {
    /// Bytes of content and reasoning on disk.
    written: (usize, usize),
    /// When the oldest text that no write covers was shown (`None`: nothing waits).
    unsaved_since: Option<Instant>,
    /// An append is on the store thread.
    appending: bool,
    /// A final write is on the store thread.
    finishing: bool,
    /// Why the last write failed; shown until a write succeeds.
    failed: Option<String>,
    /// No write before this, after a failure.
    retry_at: Option<Instant>,
}

impl SaveProgress {
    /// Progress for a reply whose first `written` bytes (content, reasoning) are on disk.
    pub(super) fn already_written(written: (usize, usize)) -> Self {
        Self {
            written,
            ..Self::default()
        }
    }

    /// New text was shown.
    pub(super) fn text_shown(&mut self) {
        self.unsaved_since.get_or_insert_with(Instant::now);
    }

    fn not_before(&self, at: Instant) -> Instant {
        self.retry_at.map_or(at, |retry| retry.max(at))
    }
}

/// A reply whose stream has ended, waiting for its final write to succeed.
pub(super) struct EndedReply {
    pub(super) conversation: ConversationId,
    pub(super) content: String,
    pub(super) reasoning: String,
    pub(super) status: MessageStatus,
    pub(super) error: Option<String>,
    pub(super) save: SaveProgress,
    /// Whether a failed final write was reported (once, so a front end waiting for the
    /// verdict hears it).
    failure_reported: bool,
}

impl EndedReply {
    pub(super) fn new(
        conversation: ConversationId,
        content: String,
        reasoning: String,
        status: MessageStatus,
        error: Option<String>,
        mut save: SaveProgress,
    ) -> Self {
        // The final write goes at once, even if an append failed a moment ago.
        save.retry_at = None;
        Self {
            conversation,
            content,
            reasoning,
            status,
            error,
            save,
            failure_reported: false,
        }
    }
}

impl Engine {
    /// Stops every stream, takes in the text they had already delivered (reports still in
    /// the queue), and writes every reply, waiting for the writes (and retrying failed ones)
    /// until all are on disk or [`SHUTDOWN_SAVE_LIMIT`] passes.
    pub(super) async fn shutdown(&mut self) {
        for reply in self.live.values() {
            reply.cancel.cancel();
        }
        let give_up = tokio::time::Instant::now() + SHUTDOWN_SAVE_LIMIT;
        // A stream that does not report its end within a second is saved as it stands.
        let streams_end = tokio::time::Instant::now() + Duration::from_secs(1);
        while !self.all_saved() {
            if tokio::time::Instant::now() >= streams_end {
                self.end_silent_streams();
            }
            let write_due = self.next_write_due();
            tokio::select! {
                report = self.internal_rx.recv() => match report {
                    Some(report) => self.on_report(report).await,
                    None => break,
                },
                () = sleep_until(write_due) => self.write_due().await,
                () = tokio::time::sleep_until(streams_end), if !self.live.is_empty() => {}
                () = tokio::time::sleep_until(give_up) => break,
            }
        }
        if !self.all_saved() {
            tracing::error!(
                "{} replies could not be saved before closing",
                self.live.len() + self.ended.len()
            );
        }
        self.all_saved_at_exit
            .store(self.all_saved(), Ordering::SeqCst);
    }

    /// Treats every stream still live as stopped, with the text it has.
    fn end_silent_streams(&mut self) {
        for (message, reply) in std::mem::take(&mut self.live) {
            self.ended.insert(
                message,
                EndedReply::new(
                    reply.conversation,
                    reply.content,
                    reply.reasoning,
                    MessageStatus::Stopped,
                    None,
                    reply.save,
                ),
            );
        }
    }

    /// When the next write is due, if any reply waits for one.
    pub(super) fn next_write_due(&self) -> Option<Instant> {
        let live = self.live.values().filter_map(|r| {
            let save = &r.save;
            let since = save.unsaved_since.filter(|_| !save.appending)?;
            Some(save.not_before(since + FLUSH_AFTER))
        });
        let ended = self.ended.values().filter(|r| !r.save.finishing).map(|r| {
            // The final write goes at once, or at the retry time after a failure.
            r.save.retry_at.unwrap_or_else(Instant::now)
        });
        live.chain(ended).min()
    }

    /// Queues every write that is due.
    pub(super) async fn write_due(&mut self) {
        let now = Instant::now();
        let mut jobs = Vec::new();
        for (&message, reply) in &mut self.live {
            let save = &mut reply.save;
            let due = save
                .unsaved_since
                .is_some_and(|since| save.not_before(since + FLUSH_AFTER) <= now);
            if save.appending || !due {
                continue;
            }
            let (content, reasoning) = (reply.content.len(), reply.reasoning.len());
            // Text only grows, so what is written is a prefix and these are char boundaries.
            let new_content = reply.content.get(save.written.0..).unwrap_or_default();
            let new_reasoning = reply.reasoning.get(save.written.1..).unwrap_or_default();
            let job = Job::Append(new_content.to_owned(), new_reasoning.to_owned());
            save.appending = true;
            save.unsaved_since = None;
            jobs.push((message, WriteKind::Append { content, reasoning }, job));
        }
        for (&message, reply) in &mut self.ended {
            let save = &mut reply.save;
            if save.finishing || save.retry_at.is_some_and(|at| at > now) {
                continue;
            }
            save.finishing = true;
            jobs.push((
                message,
                WriteKind::Final,
                Job::Final {
                    content: reply.content.clone(),
                    reasoning: reply.reasoning.clone(),
                    status: reply.status,
                    error: reply.error.clone(),
                },
            ));
        }
        for (message, kind, job) in jobs {
            self.start_write(message, kind, job).await;
        }
    }

    /// Queues one write on the store thread; its result comes back as `Internal::Saved`. A
    /// task carries the result, so the store thread never waits for the engine's queue.
    async fn start_write(&self, message: MessageId, kind: WriteKind, job: Job) {
        let queued = self
            .store
            .submit(move |s| match job {
                Job::Append(content, reasoning) => s.append_reply(message, &content, &reasoning),
                Job::Final {
                    content,
                    reasoning,
                    status,
                    error,
                } => s.finish_reply(message, &content, &reasoning, status, error.as_deref()),
            })
            .await;
        let reports = self.internal_tx.clone();
        let lang = self.lang;
        tokio::spawn(async move {
            let result = match queued {
                Ok(result) => result.await,
                Err(err) => Err(err),
            };
            let error = result.err().map(|err: StoreError| err.text(lang));
            reports
                .send(Internal::Saved {
                    message,
                    kind,
                    error,
                })
                .await
                .ok();
        });
    }

    /// Keeps the token counts of `message` for later sessions (issue #9 §4). A failed write
    /// loses only the figures, so it is logged, not shown.
    pub(super) async fn save_usage(&self, message: MessageId, usage: crate::llm::Usage) {
        if let Ok(written) = self
            .store
            .submit(move |s| s.set_usage(message, usage))
            .await
        {
            tokio::spawn(async move {
                if let Err(err) = written.await {
                    tracing::warn!("the token counts of a reply were not saved: {err}");
                }
            });
        }
    }

    /// A write finished: record it, tell the front end when the saved state changed.
    pub(super) async fn on_saved(
        &mut self,
        message: MessageId,
        kind: WriteKind,
        error: Option<String>,
    ) {
        let retry_at = Instant::now() + RETRY_AFTER;
        if let Some(reply) = self.live.get_mut(&message) {
            let save = &mut reply.save;
            save.appending = false;
            let event = match (error, kind) {
                (None, WriteKind::Append { content, reasoning }) => {
                    save.written = (content, reasoning);
                    save.retry_at = None;
                    save.failed.take().map(|_| None)
                }
                (None, WriteKind::Final) => None,
                (Some(error), _) => {
                    // Shown to the user through the event; logged for the window's log file.
                    tracing::info!("saving a streaming reply failed: {error}");
                    save.unsaved_since.get_or_insert_with(Instant::now);
                    save.retry_at = Some(retry_at);
                    let changed = save.failed.as_ref() != Some(&error);
                    save.failed = Some(error.clone());
                    changed.then_some(Some(error))
                }
            };
            let conversation = reply.conversation;
            if let Some(error) = event {
                self.emit_save_state(conversation, message, error).await;
            }
        } else if let Some(reply) = self.ended.get_mut(&message) {
            let save = &mut reply.save;
            let conversation = reply.conversation;
            match (error, kind) {
                // An append that was in flight when the stream ended: the final write, queued
                // after it, decides.
                (_, WriteKind::Append { .. }) => save.appending = false,
                (None, WriteKind::Final) => {
                    save.finishing = false;
                    self.ended.remove(&message);
                    self.emit_save_state(conversation, message, None).await;
                }
                (Some(error), WriteKind::Final) => {
                    tracing::info!("saving a finished reply failed: {error}");
                    save.finishing = false;
                    save.retry_at = Some(retry_at);
                    let report = !reply.failure_reported || save.failed.as_ref() != Some(&error);
                    reply.failure_reported = true;
                    save.failed = Some(error.clone());
                    if report {
                        self.emit_save_state(conversation, message, Some(error))
                            .await;
                    }
                }
            }
        }
    }

    async fn emit_save_state(
        &self,
        conversation: ConversationId,
        message: MessageId,
        error: Option<String>,
    ) {
        self.events
            .emit(Event::SaveState {
                conversation,
                message,
                error,
            })
            .await;
    }

    /// Whether every reply is on disk, with no write in flight.
    pub(super) fn all_saved(&self) -> bool {
        self.live.is_empty() && self.ended.is_empty()
    }
}

/// Waits until `at`, or forever when there is nothing to wait for.
pub(super) async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// A write for the store thread.
enum Job {
    Append(String, String),
    Final {
        content: String,
        reasoning: String,
        status: MessageStatus,
        error: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc;
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::config::Settings;
    use crate::core::engine::LiveReply;
    use crate::core::handle::EventSink;
    use crate::core::store_worker::StoreWorker;
    use crate::llm::{ChatClient, RetryPolicy, StreamEvent};
    use crate::secrets::KeyringStore;
    use crate::store::NewMessage;

    #[tokio::test]
    async fn shutdown_takes_in_queued_stream_text_before_the_final_write() {
        let (store, _opened) = StoreWorker::start(None, None).unwrap();
        let (events_tx, mut events) = mpsc::channel(64);
        let mut engine = Engine::new(
            Settings::default(),
            None,
            KeyringStore::new("ocrchat-unit-test"),
            None,
            ChatClient::new(RetryPolicy::default(), crate::llm::StreamLimits::default()).unwrap(),
            store.clone(),
            EventSink::new(events_tx),
        );
        let (conversation, reply) = store
            .call(|s| {
                let id = s.create_conversation("t")?;
                Ok((id, s.add_message(id, &NewMessage::reply("p", "m"))?.id))
            })
            .await
            .unwrap();
        engine.live.insert(
            reply,
            LiveReply::new(conversation, CancellationToken::new()),
        );
        // Text the stream task had reported but the engine had not handled when it closed.
        for part in ["received ", "but not ", "yet shown"] {
            let event = StreamEvent::Content(part.into());
            engine
                .internal_tx
                .send(Internal::Stream {
                    message: reply,
                    event,
                })
                .await
                .unwrap();
        }
        let ended = Internal::Ended {
            message: reply,
            status: MessageStatus::Stopped,
            error: None,
        };
        engine.internal_tx.send(ended).await.unwrap();
        engine.shutdown().await;
        assert!(engine.all_saved());
        let stored = store.call(move |s| s.messages(conversation)).await.unwrap();
        assert_eq!(stored[0].content, "received but not yet shown");
        assert_eq!(stored[0].status, MessageStatus::Stopped);
        events.close();
    }
}
