//! The history sidebar: New chat, the conversation list, Settings and About.

use crate::core::Command;
use crate::store::ConversationId;

use super::state::UiState;
use super::strings::Strings;

/// What the sidebar asks for beyond core commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidebarAction {
    /// Open the Settings window.
    OpenSettings,
    /// Open the About window.
    OpenAbout,
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
        .clicked()
    {
        commands.push(Command::NewConversation);
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
                    let selected = state.current == Some(conversation.id);
                    let response = ui
                        .add_sized(
                            [ui.available_width(), row_height - 4.0],
                            egui::Button::selectable(selected, conversation.title.as_str())
                                .truncate(),
                        )
                        .on_hover_text(&conversation.title);
                    if response.clicked() && !selected {
                        commands.push(Command::OpenConversation {
                            id: conversation.id,
                        });
                    }
                    response.context_menu(|ui| {
                        if ui.button(s.delete_conversation).clicked() {
                            commands.push(delete(conversation.id));
                            ui.close();
                        }
                    });
                }
            });
    }
    ui.with_layout(egui::Layout::bottom_up(egui::Align::Min), |ui| {
        ui.add_space(6.0);
        if ui.button(s.about).clicked() {
            action = Some(SidebarAction::OpenAbout);
        }
        if ui.button(s.settings).clicked() {
            action = Some(SidebarAction::OpenSettings);
        }
    });
    action
}

fn delete(id: ConversationId) -> Command {
    Command::DeleteConversation { id }
}
