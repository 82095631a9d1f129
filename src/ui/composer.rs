//! The composer: a multi-line text field where Enter sends and Shift+Enter adds a line, and a
//! Send button that becomes Stop while a reply streams.
//!
//! A sent question stays in the field until the core confirms it (`QuestionAccepted`); a
//! refusal keeps it and shows why. Enter while a reply streams never sends (so two questions
//! are never merged into one): it shows a hint instead.

use egui::{Event, Key};

use super::strings::Strings;
use super::theme;
use crate::domain::ImageMode;

/// What the user asked for this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposerAction {
    /// Send this text.
    Send(String),
    /// Stop the streaming reply.
    Stop,
}

/// What the composer needs to know about the rest of the window this frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComposerContext {
    /// A reply streams in the open conversation: Send becomes Stop.
    pub streaming: bool,
    /// A provider is set up.
    pub can_send: bool,
    /// Seconds without any data from the model, once that is long enough to mention.
    pub silent_secs: Option<u64>,
    /// The images attached to the question.
    pub attachments: Attached,
    /// The model the question goes to can see images: the person picks how they are sent.
    pub sees_images: bool,
}

/// The composer's images, as far as sending is concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Attached {
    /// None.
    #[default]
    None,
    /// Some are still being read: their text is not known yet, so Send waits.
    Reading,
    /// All are read: a question may be sent with no text typed.
    Read,
}

/// The composer's UI-local state: the draft, a question waiting for the core, and a hint.
#[derive(Debug, Default)]
pub struct Composer {
    draft: String,
    /// Sent and not yet confirmed by the core.
    pending: Option<String>,
    /// Why the last question was not sent (cleared when the draft changes).
    notice: Option<String>,
    /// How images go to a vision model (kept from one message to the next).
    image_mode: ImageMode,
    /// The preview of the prompt is shown.
    show_prompt: bool,
}

impl Composer {
    /// The id of the text field (to give it focus).
    pub fn text_id() -> egui::Id {
        egui::Id::unique("composer_text")
    }

    /// Draws the composer.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        context: ComposerContext,
    ) -> Option<ComposerAction> {
        let text_id = Self::text_id();
        let has_focus = ui.memory(|m| m.has_focus(text_id));
        // Take a plain Enter before the text field sees it (it would insert a newline). Not
        // while an input method is composing: there Enter confirms the candidate.
        let enter_pressed = has_focus && ui.input_mut(take_plain_enter);
        let mut action = None;
        let mut changed = false;
        if context.attachments != Attached::None {
            self.image_mode_ui(ui, s, context.sees_images);
        }

        ui.horizontal(|ui| {
            let button_width = 72.0;
            let label = ui.label(s.message_input);
            // What is left after the label, minus the button and the gap before it.
            let field_width =
                (ui.available_width() - button_width - ui.spacing().item_spacing.x).max(120.0);
            changed = ui
                .add(
                    egui::TextEdit::multiline(&mut self.draft)
                        .id(text_id)
                        .hint_text(s.composer_hint)
                        .desired_rows(theme::COMPOSER_ROWS)
                        .desired_width(field_width),
                )
                .labelled_by(label.id)
                .changed();
            ui.vertical(|ui| {
                if context.streaming {
                    if ui
                        .add_sized([button_width, 28.0], egui::Button::new(s.stop))
                        .on_hover_text(s.stop_hint)
                        .clicked()
                    {
                        action = Some(ComposerAction::Stop);
                    }
                } else {
                    let has_text =
                        !self.draft.trim().is_empty() || context.attachments != Attached::None;
                    let reading = context.attachments == Attached::Reading;
                    let ready = context.can_send && has_text && self.pending.is_none() && !reading;
                    let clicked = ui
                        .add_enabled(
                            ready,
                            egui::Button::new(s.send).min_size([button_width, 28.0].into()),
                        )
                        .clicked();
                    if (clicked || enter_pressed) && ready {
                        self.pending = Some(self.draft.clone());
                        action = Some(ComposerAction::Send(self.draft.clone()));
                    } else if enter_pressed && has_text && !context.can_send {
                        self.notice = Some(s.no_provider_hint.to_owned());
                    } else if enter_pressed && has_text && reading {
                        self.notice = Some(s.reading_hint.to_owned());
                    }
                }
                if self.pending.is_some() {
                    ui.spinner();
                }
            });
        });
        if changed {
            self.notice = None;
        }
        if enter_pressed && context.streaming && !self.draft.trim().is_empty() {
            self.notice = Some(s.streaming_hint.to_owned());
        }
        let cause_gone = match self.notice.as_deref() {
            Some(hint) if hint == s.streaming_hint => !context.streaming,
            Some(hint) if hint == s.no_provider_hint => context.can_send,
            Some(hint) if hint == s.reading_hint => context.attachments != Attached::Reading,
            _ => false,
        };
        if cause_gone {
            self.notice = None;
        }
        let visuals = ui.visuals().clone();
        if let Some(secs) = context.silent_secs.filter(|_| context.streaming) {
            ui.add(
                egui::Label::new(
                    egui::RichText::new(s.silent_model.replace("{secs}", &secs.to_string()))
                        .color(theme::note_text(&visuals)),
                )
                .wrap(),
            );
        }
        if let Some(notice) = &self.notice {
            ui.add(
                egui::Label::new(egui::RichText::new(notice).color(theme::error_text(&visuals)))
                    .wrap(),
            );
        }
        if matches!(action, Some(ComposerAction::Send(_))) {
            ui.memory_mut(|m| m.request_focus(text_id));
        }
        action
    }

    /// How the images are to be sent to a vision model.
    pub fn image_mode(&self) -> ImageMode {
        self.image_mode
    }

    /// Whether the prompt preview is on.
    pub fn show_prompt(&self) -> bool {
        self.show_prompt
    }

    /// The choice of text, image or both; for a model that cannot see images, a note instead
    /// (an image is never dropped silently). And the prompt preview's toggle.
    fn image_mode_ui(&mut self, ui: &mut egui::Ui, s: &Strings, sees_images: bool) {
        ui.checkbox(&mut self.show_prompt, s.show_prompt);
        if !sees_images {
            let color = theme::note_text(ui.visuals());
            ui.label(egui::RichText::new(s.no_vision_note).color(color));
            return;
        }
        ui.horizontal(|ui| {
            ui.label(s.image_mode);
            for (mode, label) in [
                (ImageMode::Text, s.image_mode_text),
                (ImageMode::Image, s.image_mode_image),
                (ImageMode::Both, s.image_mode_both),
            ] {
                ui.selectable_value(&mut self.image_mode, mode, label);
            }
        });
    }

    /// The core stored the question: clear the field (unless it was edited meanwhile).
    pub fn accepted(&mut self) {
        if let Some(sent) = self.pending.take()
            && sent == self.draft
        {
            self.draft.clear();
        }
        self.notice = None;
    }

    /// The core refused the question: keep the text and say why.
    pub fn refused(&mut self, reason: &str) {
        self.pending = None;
        self.notice = Some(reason.to_owned());
    }

    /// The current draft (tests read it back).
    pub fn draft(&self) -> &str {
        &self.draft
    }

    /// The hint or refusal shown under the field, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
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

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;

    use super::{Attached, Composer, ComposerAction, ComposerContext};
    use crate::ui::strings::Lang;

    struct Fixture {
        composer: Composer,
        context: ComposerContext,
        actions: Vec<ComposerAction>,
    }

    fn harness(context: ComposerContext) -> Harness<'static, Fixture> {
        let fixture = Fixture {
            composer: Composer::default(),
            context,
            actions: Vec::new(),
        };
        Harness::new_ui_state(
            |ui, f: &mut Fixture| {
                let s = Lang::En.strings();
                if let Some(action) = f.composer.ui(ui, s, f.context) {
                    f.actions.push(action);
                }
            },
            fixture,
        )
    }

    /// Enter while an image is still being read sends nothing (its text is not known yet: a
    /// send then would carry an empty text), keeps the question and says why; once read,
    /// Enter sends.
    #[test]
    fn enter_waits_while_an_attached_image_is_being_read() {
        let mut harness = harness(ComposerContext {
            can_send: true,
            attachments: Attached::Reading,
            ..ComposerContext::default()
        });
        harness.get_by_label("Message").click();
        harness.run();
        harness
            .get_by_label("Message")
            .type_text("What does it say?");
        harness.run();
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert!(
            harness.state().actions.is_empty(),
            "nothing sent while reading"
        );
        assert_eq!(harness.state().composer.draft(), "What does it say?");
        let s = Lang::En.strings();
        assert_eq!(harness.state().composer.notice(), Some(s.reading_hint));

        harness.state_mut().context.attachments = Attached::Read;
        harness.run();
        assert_eq!(harness.state().composer.notice(), None, "the cause is gone");
        harness.key_press(egui::Key::Enter);
        // The pending question shows a spinner, which repaints for ever.
        harness.run_steps(2);
        assert_eq!(
            harness.state().actions,
            vec![ComposerAction::Send("What does it say?".into())]
        );
    }
}
