//! The history sidebar: New chat, the conversation list (a spinner marks conversations whose
//! reply is streaming), Settings and About.

use crate::core::Command;
use crate::store::{ConversationId, ConversationSummary};

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
    let bottom_height = 64.0;
    let list_height = (ui.available_height() - bottom_height).max(40.0);
    if state.conversations.is_empty() {
        ui.label(egui::RichText::new(s.no_conversations).weak());
        ui.add_space(list_height - 20.0);
    } else {
        let row_height = ui.spacing().interact_size.y + 4.0;
        egui::ScrollArea::vertical()
            .id_salt("history")
            .max_height(list_height)
            .auto_shrink([false, true])
            .show_rows(ui, row_height, state.conversations.len(), |ui, rows| {
                for conversation in &state.conversations[rows] {
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
                egui::Button::selectable(selected, conversation.title.as_str()).truncate(),
            )
            .on_hover_text(&conversation.title);
        if response.clicked() && !selected {
            commands.push(Command::OpenConversation {
                id: conversation.id,
            });
        }
        response.context_menu(|ui| {
            if ui.button(s.rename_conversation).clicked() {
                action = Some(SidebarAction::Rename(
                    conversation.id,
                    conversation.title.clone(),
                ));
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
