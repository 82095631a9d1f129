//! The conversation: the messages of the open chat, replies rendered as Markdown as they
//! stream, with reasoning folded away and a note on how each reply ended.

use crate::core::Command;
use crate::llm::Role;
use crate::store::{ConversationId, Message, MessageId, MessageStatus};

use super::markdown::{MarkdownCache, markdown_ui};
use super::row_heights::RowHeights;
use super::state::UiState;
use super::strings::Strings;
use super::theme;

/// The conversation panel's UI-local state.
#[derive(Default)]
pub struct ConversationView {
    markdown: MarkdownCache,
    /// Heights of messages as last drawn, so only the visible ones are laid out each frame.
    heights: RowHeights<MessageId>,
    shown: Option<ConversationId>,
    /// Scratch list of message ids, reused across frames.
    ids: Vec<MessageId>,
    /// A message to scroll to once its conversation is shown (a search result).
    scroll_target: Option<(ConversationId, MessageId)>,
}

impl ConversationView {
    /// Scrolls to `message` once `conversation` is shown (`None`: its end, as usual).
    pub fn scroll_to(&mut self, conversation: ConversationId, message: Option<MessageId>) {
        self.scroll_target = message.map(|m| (conversation, m));
    }

    /// Draws the open conversation; a Retry press becomes a command in `commands`.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        state: &UiState,
        commands: &mut Vec<Command>,
    ) {
        if state.messages.is_empty() {
            ui.centered_and_justified(|ui| {
                ui.label(egui::RichText::new(s.empty_chat).color(theme::weak_text(ui.visuals())));
            });
            return;
        }
        if self.shown != state.current {
            self.shown = state.current;
            self.heights.clear();
        }
        self.ids.clear();
        self.ids.extend(state.messages.iter().map(|m| m.id));
        let width = ui.available_width().min(theme::MESSAGE_MAX_WIDTH);
        let target = self
            .scroll_target
            .filter(|(conversation, _)| state.current == Some(*conversation))
            .and_then(|(_, message)| self.ids.iter().position(|id| *id == message));
        let mut area = egui::ScrollArea::vertical()
            .id_salt(("conversation", state.current))
            .auto_shrink(false);
        if let Some(index) = target {
            self.scroll_target = None;
            self.heights.set_width(width);
            let top = self
                .heights
                .top_of(&self.ids, theme::MESSAGE_GAP, index, |i| {
                    estimate_height(&state.messages[i], width)
                });
            area = area.vertical_scroll_offset(top);
        } else {
            area = area.stick_to_bottom(true);
        }
        area.show_viewport(ui, |ui, viewport| {
            let width = ui.available_width().min(theme::MESSAGE_MAX_WIDTH);
            self.heights.set_width(width);
            let plan = self.heights.plan(
                &self.ids,
                theme::MESSAGE_GAP,
                (viewport.min.y, viewport.max.y),
                |index| estimate_height(&state.messages[index], width),
            );
            ui.vertical_centered(|ui| {
                ui.set_max_width(width);
                ui.add_space(plan.space_before);
                for message in &state.messages[plan.visible.clone()] {
                    let top = ui.cursor().top();
                    self.message_ui(ui, s, state, message, commands);
                    self.heights.record(message.id, ui.cursor().top() - top);
                    ui.add_space(theme::MESSAGE_GAP);
                }
                ui.add_space(plan.space_after);
            });
        });
    }

    fn message_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        state: &UiState,
        message: &Message,
        commands: &mut Vec<Command>,
    ) {
        let visuals = ui.visuals().clone();
        let (fill, who) = match message.role {
            Role::User => (theme::user_bubble(&visuals), s.you),
            Role::Assistant | Role::System => (theme::assistant_bubble(&visuals), s.assistant),
        };
        egui::Frame::new()
            .fill(fill)
            .stroke(theme::bubble_stroke(&visuals))
            .corner_radius(theme::BUBBLE_RADIUS)
            .inner_margin(theme::BUBBLE_MARGIN)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                    ui.horizontal(|ui| {
                        ui.strong(who);
                        if let Some(model) = &message.model {
                            ui.label(
                                egui::RichText::new(model)
                                    .small()
                                    .color(theme::weak_text(&visuals)),
                            );
                        }
                    });
                    if !message.reasoning.is_empty() {
                        egui::CollapsingHeader::new(s.thinking)
                            .id_salt(("thinking", message.id))
                            .default_open(false)
                            .show(ui, |ui| {
                                ui.label(
                                    egui::RichText::new(&message.reasoning)
                                        .color(theme::weak_text(&visuals)),
                                );
                            });
                    }
                    match message.role {
                        Role::User => {
                            ui.add(egui::Label::new(&message.content).selectable(true));
                        }
                        Role::Assistant | Role::System => {
                            markdown_ui(ui, &mut self.markdown, message.id, &message.content, s);
                        }
                    }
                    status_ui(ui, s, state, message);
                    let finished = message.status != MessageStatus::Streaming;
                    if message.role == Role::Assistant && finished {
                        let is_last = state.messages.last().map(|m| m.id) == Some(message.id);
                        ui.horizontal(|ui| {
                            if !message.content.is_empty()
                                && ui.small_button(s.copy).on_hover_text(s.copy_hint).clicked()
                            {
                                ui.ctx().copy_text(message.content.clone());
                            }
                            if is_last
                                && ui
                                    .small_button(s.retry_button)
                                    .on_hover_text(s.retry_hint)
                                    .clicked()
                            {
                                commands.push(Command::Retry {
                                    conversation: message.conversation,
                                });
                            }
                        });
                    }
                });
            });
    }
}

/// A first guess at a message's height before it has been drawn: a line per ~7 px of text
/// width, plus the bubble's header and margins.
fn estimate_height(message: &Message, width: f32) -> f32 {
    let chars_per_line = (width / 7.0).max(10.0);
    let lines: f32 = message
        .content
        .lines()
        .map(|line| {
            (line.chars().count() as f32 / chars_per_line)
                .ceil()
                .max(1.0)
        })
        .sum();
    48.0 + 18.0 * lines.max(1.0)
}

/// The line under a reply that says how it ended, or that it is still coming.
fn status_ui(ui: &mut egui::Ui, s: &Strings, state: &UiState, message: &Message) {
    let visuals = ui.visuals().clone();
    if let Some(why) = state.unsaved.get(&message.id) {
        let text = format!("{}: {why}", s.not_saved_note);
        ui.add(
            egui::Label::new(egui::RichText::new(text).color(theme::error_text(&visuals))).wrap(),
        );
    }
    match message.status {
        MessageStatus::Complete => {
            if let Some(usage) = state.usage.get(&message.id) {
                ui.label(
                    egui::RichText::new(format!(
                        "{} → {} tokens",
                        usage.prompt_tokens, usage.completion_tokens
                    ))
                    .small()
                    .color(theme::weak_text(&visuals)),
                );
            }
        }
        MessageStatus::Streaming => {
            ui.horizontal(|ui| {
                ui.spinner();
                if let Some(retry) = state.retries.get(&message.id) {
                    let secs = retry
                        .at
                        .saturating_duration_since(std::time::Instant::now())
                        .as_secs();
                    ui.label(
                        egui::RichText::new(format!(
                            "{} ({}) {secs} s: {}",
                            s.retrying, retry.attempt, retry.reason
                        ))
                        .color(theme::note_text(&visuals)),
                    );
                } else if message.content.is_empty() && message.reasoning.is_empty() {
                    ui.label(egui::RichText::new(s.waiting).color(theme::weak_text(&visuals)));
                }
            });
        }
        MessageStatus::Stopped => {
            ui.label(
                egui::RichText::new(s.stopped_note)
                    .italics()
                    .color(theme::note_text(&visuals)),
            );
        }
        MessageStatus::Truncated => {
            ui.label(
                egui::RichText::new(s.truncated_note)
                    .italics()
                    .color(theme::note_text(&visuals)),
            );
        }
        MessageStatus::Interrupted => {
            ui.label(
                egui::RichText::new(s.interrupted_note)
                    .italics()
                    .color(theme::note_text(&visuals)),
            );
        }
        MessageStatus::Failed => {
            let text = match &message.error {
                Some(error) => format!("{}. {error}", s.failed_note),
                None => s.failed_note.to_owned(),
            };
            ui.add(
                egui::Label::new(egui::RichText::new(text).color(theme::error_text(&visuals)))
                    .wrap(),
            );
        }
    }
}
