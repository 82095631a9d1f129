//! The App's side of screen capture: a confirmed region becomes `Command::AttachImage`, the
//! composer takes the cursor, and a "capture and ask" question is sent as soon as the region
//! is read (Send waits for OCR, as the composer does).

use crate::core::{Command, SendOptions};

use super::App;
use crate::ui::strings::Strings;

/// A "capture and ask" question waiting for its image to be read.
pub(super) struct PendingAsk {
    question: String,
    /// How many attachments the composer holds once the captured one has arrived.
    attachments_expected: usize,
}

impl App {
    /// Shows the capture's overlay for this frame and sends what it produced.
    pub(super) fn capture_frame(
        &mut self,
        ctx: &egui::Context,
        s: &'static Strings,
        commands: &mut Vec<Command>,
    ) {
        if let Some(captured) = self.capture.ui(ctx, s) {
            commands.push(Command::AttachImage {
                image: captured.image,
            });
            self.focus_composer = true;
            if let Some(question) = captured.ask {
                self.pending_ask = Some(PendingAsk {
                    question,
                    attachments_expected: self.state.attachments.items.len() + 1,
                });
            }
        }
        let Some(ask) = &self.pending_ask else {
            return;
        };
        if self.state.active_provider.is_none() {
            self.pending_ask = None;
            self.composer_refused(s.no_provider_hint);
            return;
        }
        let ready = self.state.attachments.items.len() >= ask.attachments_expected
            && !self.state.attachments.reading()
            && !self.state.is_streaming();
        if let Some(ask) = self.pending_ask.take_if(|_| ready) {
            self.conversation.jump_to_latest();
            commands.push(Command::Send {
                conversation: self.state.current,
                text: ask.question,
                options: SendOptions {
                    attachments: self.state.attachments.outgoing(),
                    ..SendOptions::default()
                },
            });
        }
    }

    /// Hears the capture hotkeys and takes a finished grab (also while minimized).
    pub(super) fn capture_logic(&mut self, ctx: &egui::Context) {
        let s = self.strings();
        self.capture.logic(ctx, s, &self.state.capture);
    }

    /// Whether a capture is being grabbed or shown (tests read it back).
    pub fn capture_open(&self) -> bool {
        self.capture.is_open()
    }

    fn composer_refused(&mut self, reason: &str) {
        self.composer.refused(reason);
    }
}
