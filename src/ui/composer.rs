//! The composer: a multi-line text field where Enter sends and Shift+Enter adds a line, and a
//! Send button that becomes Stop while a reply streams.

use egui::{Event, Key};

use super::strings::Strings;
use super::theme;

/// What the user asked for this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposerAction {
    /// Send this text.
    Send(String),
    /// Stop the streaming reply.
    Stop,
}

/// The composer's UI-local state: the draft.
#[derive(Debug, Default)]
pub struct Composer {
    draft: String,
}

impl Composer {
    /// The id of the text field (to give it focus).
    fn text_id() -> egui::Id {
        egui::Id::unique("composer_text")
    }

    /// Draws the composer. `streaming` turns Send into Stop; `can_send` is false when no
    /// provider is set up.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        streaming: bool,
        can_send: bool,
    ) -> Option<ComposerAction> {
        let text_id = Self::text_id();
        let has_focus = ui.memory(|m| m.has_focus(text_id));
        // Take a plain Enter before the text field sees it (it would insert a newline). Not
        // while an input method is composing: there Enter confirms the candidate.
        let enter_pressed = has_focus && ui.input_mut(take_plain_enter);
        let mut action = None;

        ui.horizontal(|ui| {
            let button_width = 72.0;
            let label = ui.label(s.message_input);
            // What is left after the label, minus the button and the gap before it.
            let field_width =
                (ui.available_width() - button_width - ui.spacing().item_spacing.x).max(120.0);
            ui.add(
                egui::TextEdit::multiline(&mut self.draft)
                    .id(text_id)
                    .hint_text(s.composer_hint)
                    .desired_rows(theme::COMPOSER_ROWS)
                    .desired_width(field_width),
            )
            .labelled_by(label.id);
            if streaming {
                if ui
                    .add_sized([button_width, 28.0], egui::Button::new(s.stop))
                    .on_hover_text(s.stop_hint)
                    .clicked()
                {
                    action = Some(ComposerAction::Stop);
                }
            } else {
                let ready = can_send && !self.draft.trim().is_empty();
                let clicked = ui
                    .add_enabled(
                        ready,
                        egui::Button::new(s.send).min_size([button_width, 28.0].into()),
                    )
                    .clicked();
                if (clicked || enter_pressed) && ready {
                    action = Some(ComposerAction::Send(std::mem::take(&mut self.draft)));
                }
            }
        });
        if matches!(action, Some(ComposerAction::Send(_))) {
            ui.memory_mut(|m| m.request_focus(text_id));
        }
        action
    }

    /// The current draft (tests read it back).
    pub fn draft(&self) -> &str {
        &self.draft
    }
}

/// Removes a plain Enter press (no Shift/Ctrl/Alt) from this frame's events.
fn take_plain_enter(input: &mut egui::InputState) -> bool {
    if input.events.iter().any(|e| matches!(e, Event::Ime(_))) {
        return false;
    }
    let before = input.events.len();
    input.events.retain(|e| {
        !matches!(e, Event::Key { key: Key::Enter, pressed: true, modifiers, .. }
            if !modifiers.shift && !modifiers.ctrl && !modifiers.alt && !modifiers.command)
    });
    input.events.len() != before
}
