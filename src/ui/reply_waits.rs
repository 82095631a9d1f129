//! What a reply that has not started streaming is waiting for, under its bubble: a retry with
//! a live countdown ("retrying in 3 s (attempt 2 of 3): the server is overloaded (503)"), a
//! free in-flight slot ("waiting: 4 requests to P in flight"), or simply the first token.
//! A retry or a queued reply can be cancelled, which stops the reply like Stop.

use std::time::Instant;

use crate::store::Message;

use super::state::{RetryNote, UiState};
use super::strings::Strings;
use super::theme;

/// Draws the note with a spinner; returns whether Cancel was pressed.
pub fn waiting_ui(ui: &mut egui::Ui, s: &Strings, state: &UiState, message: &Message) -> bool {
    let visuals = ui.visuals().clone();
    let note = if let Some(retry) = state.retries.get(&message.id) {
        Some(retry_text(s, retry, Instant::now()))
    } else {
        state.queued.get(&message.id).map(|(count, provider)| {
            s.queued_status
                .replace("{count}", &count.to_string())
                .replace("{provider}", provider)
        })
    };
    let mut cancelled = false;
    ui.horizontal_top(|ui| {
        ui.spinner();
        match note {
            Some(text) => {
                cancelled = ui
                    .small_button(s.cancel)
                    .on_hover_text(s.cancel_retry_hint)
                    .clicked();
                // Long server messages wrap inside the bubble.
                ui.add(
                    egui::Label::new(egui::RichText::new(text).color(theme::note_text(&visuals)))
                        .wrap(),
                );
            }
            None if message.content.is_empty() && message.reasoning.is_empty() => {
                ui.label(egui::RichText::new(s.waiting).color(theme::weak_text(&visuals)));
            }
            None => {}
        }
    });
    cancelled
}

/// "retrying in 3 s (attempt 2 of 3): …", the seconds left rounded up (a wait never reads 0 s
/// before it is over).
pub fn retry_text(s: &Strings, retry: &RetryNote, now: Instant) -> String {
    let left = retry.at.saturating_duration_since(now);
    let secs = left.as_millis().div_ceil(1000);
    s.retry_status
        .replace("{secs}", &secs.to_string())
        .replace("{attempt}", &retry.attempt.saturating_add(1).to_string())
        .replace("{attempts}", &retry.attempts.to_string())
        .replace("{reason}", &retry.reason)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_countdown_rounds_up_and_names_the_attempt_of_all() {
        let now = Instant::now();
        let retry = RetryNote {
            attempt: 1,
            attempts: 3,
            at: now + Duration::from_millis(2_400),
            reason: "the server is overloaded (503)".into(),
        };
        let s = super::super::strings::Lang::En.strings();
        assert_eq!(
            retry_text(s, &retry, now),
            "retrying in 3 s (attempt 2 of 3): the server is overloaded (503)"
        );
        assert_eq!(
            retry_text(s, &retry, now + Duration::from_secs(2)),
            "retrying in 1 s (attempt 2 of 3): the server is overloaded (503)"
        );
        assert!(retry_text(s, &retry, now + Duration::from_secs(9)).starts_with("retrying in 0 s"));
    }
}
