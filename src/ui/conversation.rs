//! The conversation: the messages of the open chat, replies rendered as Markdown as they
//! stream, with reasoning folded away and a note on how each reply ended.

use crate::core::{Command, can_continue};
use crate::llm::Role;
use crate::store::{ConversationId, Message, MessageId, MessageStatus};

use super::markdown::{MarkdownCache, markdown_ui};
use super::row_heights::RowHeights;
use super::state::UiState;
use super::strings::Strings;
use super::theme;

/// How many frames a jump to the newest message keeps scrolling until it is there.
const JUMP_FRAMES: u8 = 10;

/// The conversation panel's UI-local state.
#[derive(Default)]
pub struct ConversationView {
    markdown: MarkdownCache,
    /// Heights of messages (measured when drawn, else estimated), so only the visible ones
    /// are laid out each frame.
    heights: RowHeights<MessageId, TextSize>,
    /// The streaming reply's length when its size was last estimated.
    streaming_len: Option<(MessageId, usize)>,
    /// Frames left to keep scrolling to the newest message (a question was just sent; the
    /// messages below may still grow while their heights are measured).
    jump_frames: u8,
    /// Whether the view showed the newest message last frame.
    at_bottom: bool,
    /// A message to scroll to once its conversation is shown (a search result).
    scroll_target: Option<(ConversationId, MessageId)>,
}

impl ConversationView {
    /// Scrolls to the newest message on the next frame.
    pub fn jump_to_latest(&mut self) {
        self.jump_frames = JUMP_FRAMES;
    }

    /// Scrolls to `message` once `conversation` is shown (`None`: its end, as usual).
    pub fn scroll_to(&mut self, conversation: ConversationId, message: Option<MessageId>) {
        self.scroll_target = message.map(|m| (conversation, m));
    }

    /// Whether the view showed the newest message when last drawn.
    pub fn is_at_bottom(&self) -> bool {
        self.at_bottom
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
            self.at_bottom = true;
            ui.centered_and_justified(|ui| {
                ui.label(egui::RichText::new(s.empty_chat).color(theme::weak_text(ui.visuals())));
            });
            return;
        }
        let width = ui.available_width().min(theme::MESSAGE_MAX_WIDTH);
        self.sync_heights(&state.messages, width);
        // Follow the newest message while the view is at the bottom and the person is not
        // scrolling: egui's own stick-to-bottom compares float offsets for equality, which
        // fails at the offsets of a long conversation.
        let user_scrolls = ui.input(|i| {
            i.smooth_scroll_delta.y != 0.0
                || i.pointer.any_down()
                || i.events
                    .iter()
                    .any(|e| matches!(e, egui::Event::MouseWheel { .. }))
        });
        let target = self
            .scroll_target
            .filter(|(conversation, _)| state.current == Some(*conversation))
            .and_then(|(_, message)| state.messages.iter().position(|m| m.id == message));
        let mut area = egui::ScrollArea::vertical()
            .id_salt(("conversation", state.current))
            .auto_shrink(false);
        let jump = if let Some(index) = target {
            self.scroll_target = None;
            self.jump_frames = 0;
            area = area.vertical_scroll_offset(self.heights.top_of(index));
            false
        } else {
            area = area.stick_to_bottom(true);
            self.jump_frames > 0 || (self.at_bottom && !user_scrolls)
        };
        let output = area.show_viewport(ui, |ui, viewport| {
            let plan = self.heights.plan((viewport.min.y, viewport.max.y));
            ui.vertical_centered(|ui| {
                ui.set_max_width(width);
                ui.add_space(plan.space_before);
                for index in plan.visible.clone() {
                    let message = &state.messages[index];
                    let top = ui.cursor().top();
                    if let Some((_, window)) =
                        state.context_cut.filter(|(first, _)| *first == message.id)
                    {
                        context_cut_ui(ui, s, window);
                    }
                    self.message_ui(ui, s, state, message, commands);
                    self.heights.record(index, ui.cursor().top() - top);
                    ui.add_space(theme::MESSAGE_GAP);
                }
                ui.add_space(plan.space_after);
                if jump {
                    ui.scroll_to_cursor_animation(
                        Some(egui::Align::BOTTOM),
                        egui::style::ScrollAnimation::none(),
                    );
                }
            });
        });
        let hidden_below =
            output.content_size.y - (output.state.clamped_offset().y + output.inner_rect.height());
        let reached = hidden_below <= 2.0;
        self.jump_frames = if reached {
            0
        } else {
            ui.ctx().request_repaint();
            self.jump_frames.saturating_sub(1)
        };
        self.at_bottom = reached || self.jump_frames > 0;
        if !self.at_bottom {
            let size = egui::vec2(140.0, 28.0);
            let rect = egui::Rect::from_center_size(
                output.inner_rect.center_bottom() - egui::vec2(0.0, size.y),
                size,
            );
            if ui
                .put(rect, egui::Button::new(s.jump_to_latest))
                .on_hover_text(s.jump_to_latest)
                .clicked()
            {
                self.jump_frames = JUMP_FRAMES;
                ui.ctx().request_repaint();
            }
        }
    }

    /// Brings the height cache up to date: new messages are estimated once, the streaming
    /// reply again only when its text grew, and nothing else is read.
    fn sync_heights(&mut self, messages: &[Message], width: f32) {
        self.heights
            .set_layout(width, theme::MESSAGE_GAP, estimate_height);
        self.heights.sync(
            messages.len(),
            |i| messages[i].id,
            |i| TextSize::of(&messages[i]),
            estimate_height,
        );
        let streaming = messages
            .last()
            .filter(|m| m.status == MessageStatus::Streaming);
        let Some(last) = streaming else {
            self.streaming_len = None;
            return;
        };
        let len = last.content.len() + last.reasoning.len();
        if self.streaming_len != Some((last.id, len)) {
            self.streaming_len = Some((last.id, len));
            let index = messages.len() - 1;
            self.heights
                .update_hint(index, TextSize::of(last), estimate_height);
            self.heights.forget_measure(index, estimate_height);
        }
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
                            if let Some(images) = state.sent_attachments.of(message.id) {
                                super::attachments_ui::sent_ui(
                                    ui,
                                    s,
                                    images,
                                    message.conversation,
                                    commands,
                                );
                            }
                            let text: egui::WidgetText =
                                super::markdown::highlight::marked_text(ui, &message.content)
                                    .map_or_else(|| message.content.as_str().into(), Into::into);
                            ui.add(egui::Label::new(text).selectable(true));
                        }
                        Role::Assistant | Role::System => {
                            markdown_ui(ui, &mut self.markdown, message.id, &message.content, s);
                        }
                    }
                    status_ui(ui, s, state, message, commands);
                    let finished = message.status != MessageStatus::Streaming;
                    if message.role == Role::Assistant && finished {
                        // Retry needs a provider (without one the core could only refuse).
                        let is_last = state.messages.last().map(|m| m.id) == Some(message.id)
                            && state.active_provider.is_some();
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
                            if is_last
                                && can_continue(message)
                                && ui
                                    .small_button(s.continue_button)
                                    .on_hover_text(s.continue_hint)
                                    .clicked()
                            {
                                commands.push(Command::Continue {
                                    conversation: message.conversation,
                                });
                            }
                        });
                    }
                });
            });
    }
}

/// What a message's height estimate is made from, read once from its text.
#[derive(Debug, Clone, Copy, Default)]
struct TextSize {
    lines: u32,
    chars: u32,
}

impl TextSize {
    fn of(message: &Message) -> Self {
        let text = message.content.as_bytes();
        let count = |pred: fn(&u8) -> bool| {
            u32::try_from(text.iter().filter(|b| pred(b)).count()).unwrap_or(u32::MAX)
        };
        Self {
            lines: count(|b| *b == b'\n').saturating_add(1),
            // UTF-8: every byte that does not continue a character starts one.
            chars: count(|b| (*b & 0xC0) != 0x80),
        }
    }
}

/// A first guess at a message's height before it has been drawn: its lines, plus a line per
/// ~7 px of text width, plus the bubble's header and margins.
#[expect(clippy::trivially_copy_pass_by_ref)] // The shape `RowHeights` calls.
fn estimate_height(size: &TextSize, width: f32) -> f32 {
    let chars_per_line = (width / 7.0).max(10.0);
    #[expect(clippy::cast_precision_loss)] // An estimate; counts are far below 2^24.
    let lines = size.lines as f32 + (size.chars as f32 / chars_per_line).floor();
    48.0 + 18.0 * lines.max(1.0)
}

/// The marker above the oldest message sent: older ones did not fit the context window.
fn context_cut_ui(ui: &mut egui::Ui, s: &Strings, window_tokens: u32) {
    let text = s
        .context_cut
        .replace("{window}", &crate::core::window_label(window_tokens));
    ui.label(
        egui::RichText::new(text)
            .color(theme::weak_text(ui.visuals()))
            .small(),
    );
    ui.separator();
}

/// The line under a reply that says how it ended, or that it is still coming.
fn status_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    state: &UiState,
    message: &Message,
    commands: &mut Vec<Command>,
) {
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
                    egui::RichText::new(
                        s.tokens_used
                            .replace("{prompt}", &usage.prompt_tokens.to_string())
                            .replace("{completion}", &usage.completion_tokens.to_string()),
                    )
                    .small()
                    .color(theme::weak_text(&visuals)),
                );
            }
        }
        MessageStatus::Streaming => {
            if super::reply_waits::waiting_ui(ui, s, state, message) {
                commands.push(Command::Stop {
                    conversation: message.conversation,
                });
            }
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
