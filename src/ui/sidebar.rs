//! The history sidebar: New chat, the conversation list (a spinner marks conversations whose
//! reply is streaming; shown by date range, newest or oldest first), Settings and About.
//! A double-click or F2 renames; the context menu renames, copies the open conversation as
//! Markdown or deletes.

use crate::core::Command;
use crate::store::{ConversationId, ConversationRecord, ConversationSummary, MessageRecord};

use super::state::UiState;
use super::strings::Strings;

/// What the sidebar asks for beyond core commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SidebarAction {
    /// Start a new chat (also leaves the welcome screen).
    NewChat,
    /// Open the Settings window.
    OpenSettings,
    /// Open the About window.
    OpenAbout,
    /// Ask before deleting this conversation.
    Delete(ConversationId, String),
    /// Open the rename dialog for this conversation.
    Rename(ConversationId, String),
}

/// Draws the sidebar; core commands go to `commands`.
pub fn sidebar_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    state: &UiState,
    commands: &mut Vec<Command>,
) -> Option<SidebarAction> {
    let mut action = None;
    ui.add_space(6.0);
    if ui
        .add_sized([ui.available_width(), 30.0], egui::Button::new(s.new_chat))
        .on_hover_text("Ctrl+N")
        .clicked()
    {
        action = Some(SidebarAction::NewChat);
    }
    ui.add_space(6.0);
    ui.label(egui::RichText::new(s.history).small().weak());
    let view = list_view_ui(ui, s);
    if let Some(open) = state.current
        && !ui.ctx().text_edit_focused()
        && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::F2))
        && let Some(summary) = state.conversations.iter().find(|c| c.id == open)
    {
        action = Some(SidebarAction::Rename(open, summary.title.clone()));
    }
    let bottom_height = 64.0;
    let list_height = (ui.available_height() - bottom_height).max(40.0);
    let shown = view.apply(&state.conversations, now_secs());
    if shown.is_empty() {
        let empty = if state.conversations.is_empty() {
            s.no_conversations
        } else {
            s.list_none_in_range
        };
        ui.label(egui::RichText::new(empty).weak());
        ui.add_space(list_height - 20.0);
    } else {
        let row_height = ui.spacing().interact_size.y + 4.0;
        egui::ScrollArea::vertical()
            .id_salt("history")
            .max_height(list_height)
            .auto_shrink([false, true])
            .show_rows(ui, row_height, shown.len(), |ui, rows| {
                for conversation in &shown[rows] {
                    if let Some(row) = row_ui(ui, s, state, conversation, row_height, commands) {
                        action = Some(row);
                    }
                }
            });
    }
    ui.with_layout(egui::Layout::bottom_up(egui::Align::Min), |ui| {
        ui.add_space(6.0);
        if ui.button(s.about).clicked() {
            action = Some(SidebarAction::OpenAbout);
        }
        if ui.button(s.settings).on_hover_text("Ctrl+,").clicked() {
            action = Some(SidebarAction::OpenSettings);
        }
    });
    action
}

/// One conversation: click opens it, the context menu renames or deletes it.
fn row_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    state: &UiState,
    conversation: &ConversationSummary,
    row_height: f32,
    commands: &mut Vec<Command>,
) -> Option<SidebarAction> {
    let mut action = None;
    let selected = state.current == Some(conversation.id);
    ui.horizontal(|ui| {
        if state.streaming.contains(&conversation.id) {
            ui.add(egui::Spinner::new().size(row_height * 0.5))
                .on_hover_text(s.streaming_here);
        }
        let response = ui
            .add_sized(
                [ui.available_width(), row_height - 4.0],
                egui::Button::selectable(selected, row_title(s, conversation)).truncate(),
            )
            .on_hover_text(format!("{}\n{}", conversation.title, s.rename_hint));
        if response.clicked() && !selected {
            commands.push(Command::OpenConversation {
                id: conversation.id,
            });
        }
        if response.double_clicked() {
            action = Some(SidebarAction::Rename(
                conversation.id,
                conversation.title.clone(),
            ));
        }
        response.context_menu(|ui| {
            if ui.button(s.rename_conversation).clicked() {
                action = Some(SidebarAction::Rename(
                    conversation.id,
                    conversation.title.clone(),
                ));
                ui.close();
            }
            let pin = if conversation.pinned { s.unpin } else { s.pin };
            if ui.button(pin).clicked() {
                commands.push(Command::PinConversation {
                    id: conversation.id,
                    pinned: !conversation.pinned,
                });
                ui.close();
            }
            if selected && ui.button(s.copy_markdown).clicked() {
                ui.ctx().copy_text(markdown_of(conversation, state));
                ui.close();
            }
            if ui.button(s.delete_conversation).clicked() {
                action = Some(SidebarAction::Delete(
                    conversation.id,
                    conversation.title.clone(),
                ));
                ui.close();
            }
        });
    });
    action
}

/// A row's text: the title, after a pin when pinned.
fn row_title(s: &Strings, conversation: &ConversationSummary) -> String {
    if conversation.pinned {
        format!("{} {}", s.pinned_mark, conversation.title)
    } else {
        conversation.title.clone()
    }
}

/// The open conversation as Markdown (images named, not attached).
fn markdown_of(conversation: &ConversationSummary, state: &UiState) -> String {
    let record = ConversationRecord {
        id: conversation.id.0,
        title: conversation.title.clone(),
        created_at: 0,
        updated_at: conversation.updated_at,
        pinned: conversation.pinned,
        messages: state
            .messages
            .iter()
            .map(|m| MessageRecord::of(m.clone(), Vec::new()))
            .collect(),
    };
    crate::cli::conversation_markdown(&record)
}

/// Which conversations the list shows, and in which order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListView {
    /// Only those changed within this many days (`None`: all).
    pub days: Option<i64>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
}

impl ListView {
    /// The conversations of `all` (newest first) this view shows, in its order, at `now`
    /// (unix seconds; "today" is the UTC day).
    pub fn apply<'a>(
        &self,
        all: &'a [ConversationSummary],
        now: i64,
    ) -> Vec<&'a ConversationSummary> {
        let since = self.days.map(|days| {
            let today = now - now.rem_euclid(86_400);
            today - (days - 1).max(0) * 86_400
        });
        let mut shown: Vec<&ConversationSummary> = all
            .iter()
            .filter(|c| since.is_none_or(|since| c.updated_at >= since))
            .collect();
        if self.oldest_first {
            // Pinned ones stay on top: reverse each group.
            let split = shown.iter().take_while(|c| c.pinned).count();
            shown[..split].reverse();
            shown[split..].reverse();
        }
        shown
    }
}

/// The range and order pickers above the list; the choice lives in the UI's memory.
fn list_view_ui(ui: &mut egui::Ui, s: &Strings) -> ListView {
    let id = egui::Id::unique("history_list_view");
    let mut view: ListView = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    let before = view;
    ui.horizontal(|ui| {
        let label = |days: Option<i64>| match days {
            None => s.list_all,
            Some(1) => s.list_today,
            Some(7) => s.list_week,
            Some(_) => s.list_month,
        };
        egui::ComboBox::from_label(s.list_show)
            .selected_text(label(view.days))
            .show_ui(ui, |ui| {
                for days in [None, Some(1), Some(7), Some(30)] {
                    ui.selectable_value(&mut view.days, days, label(days));
                }
            });
        let order = if view.oldest_first {
            s.list_oldest
        } else {
            s.list_newest
        };
        if ui.small_button(order).clicked() {
            view.oldest_first = !view.oldest_first;
        }
    });
    if view != before {
        ui.data_mut(|d| d.insert_temp(id, view));
    }
    view
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The conversation `step` places after (1) or before (-1) the open one in the list,
/// wrapping around; the first (or last) one when none is open.
pub fn neighbour(state: &UiState, step: isize) -> Option<ConversationId> {
    let list = &state.conversations;
    if list.is_empty() {
        return None;
    }
    let len = list.len().cast_signed();
    let index = match state
        .current
        .and_then(|id| list.iter().position(|c| c.id == id))
    {
        Some(index) => (index.cast_signed() + step).rem_euclid(len),
        None if step > 0 => 0,
        None => len - 1,
    };
    list.get(index.cast_unsigned()).map(|c| c.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: i64, updated_at: i64) -> ConversationSummary {
        ConversationSummary {
            id: ConversationId(id),
            title: format!("c{id}"),
            updated_at,
            pinned: false,
        }
    }

    #[test]
    fn ranges_count_whole_utc_days_and_the_order_flips() {
        let now = 40 * 86_400 + 3600;
        // Newest first, as the core lists them.
        let all = [
            summary(1, now - 60),
            summary(2, 40 * 86_400 - 1),
            summary(3, 34 * 86_400),
            summary(4, 33 * 86_400),
            summary(5, 10 * 86_400),
        ];
        let ids =
            |view: ListView| -> Vec<i64> { view.apply(&all, now).iter().map(|c| c.id.0).collect() };
        assert_eq!(ids(ListView::default()), [1, 2, 3, 4, 5]);
        let today = ListView {
            days: Some(1),
            oldest_first: false,
        };
        assert_eq!(ids(today), [1], "yesterday 23:59:59 is not today");
        let week = ListView {
            days: Some(7),
            oldest_first: false,
        };
        assert_eq!(ids(week), [1, 2, 3]);
        let oldest = ListView {
            days: Some(30),
            oldest_first: true,
        };
        assert_eq!(ids(oldest), [4, 3, 2, 1]);
        // Pinned ones stay on top in either order.
        let mut pinned = vec![summary(6, 1), summary(7, 0)];
        for c in &mut pinned {
            c.pinned = true;
        }
        pinned.extend(all.iter().cloned());
        let oldest_all = ListView {
            days: None,
            oldest_first: true,
        };
        let order: Vec<i64> = oldest_all
            .apply(&pinned, now)
            .iter()
            .map(|c| c.id.0)
            .collect();
        assert_eq!(order, [7, 6, 5, 4, 3, 2, 1]);
    }
}
