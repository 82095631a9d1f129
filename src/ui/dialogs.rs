//! Small modal dialogs: "are you sure?" before deleting a conversation or removing a
//! provider, and renaming a conversation. Enter confirms, Esc (handled by the app) cancels.

use crate::core::Command;
use crate::store::ConversationId;

use super::strings::Strings;
use super::theme;

/// A modal dialog that is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    /// Asks before deleting a conversation.
    DeleteConversation {
        /// Which one.
        id: ConversationId,
        /// Its title, to name it in the question.
        title: String,
    },
    /// Asks before removing a provider (and its key).
    RemoveProvider {
        /// Its name.
        name: String,
    },
    /// Renames a conversation.
    Rename {
        /// Which one.
        id: ConversationId,
        /// The new title being typed.
        title: String,
    },
}

/// What a dialog did this frame.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "lives for one frame; boxing the command would only add an allocation"
)]
pub enum DialogOutcome {
    /// Still open.
    Open,
    /// Closed without doing anything.
    Cancelled,
    /// Closed; send this command.
    Done(Command),
}

impl Dialog {
    /// Draws the dialog.
    pub fn ui(&mut self, ctx: &egui::Context, s: &Strings) -> DialogOutcome {
        let mut outcome = DialogOutcome::Open;
        egui::Modal::new(egui::Id::unique("dialog")).show(ctx, |ui| {
            ui.set_max_width(420.0);
            let enter = match self {
                Self::Rename { title, .. } => {
                    ui.heading(s.rename_title);
                    let label = ui.label(s.title_label);
                    let field = ui
                        .add(egui::TextEdit::singleline(title).desired_width(380.0))
                        .labelled_by(label.id);
                    if !field.has_focus() && !field.lost_focus() {
                        field.request_focus();
                    }
                    field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
                }
                Self::DeleteConversation { title, .. } => {
                    ui.heading(s.confirm_title);
                    let question = s.confirm_delete_conversation.replace("{name}", title);
                    ui.add(egui::Label::new(question).wrap());
                    ui.input(|i| i.key_pressed(egui::Key::Enter))
                }
                Self::RemoveProvider { name } => {
                    ui.heading(s.confirm_title);
                    let question = s.confirm_remove_provider.replace("{name}", name);
                    ui.add(egui::Label::new(question).wrap());
                    ui.input(|i| i.key_pressed(egui::Key::Enter))
                }
            };
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                let confirm = match self {
                    Self::Rename { .. } => egui::RichText::new(s.save),
                    // Destructive: in the error colour.
                    Self::DeleteConversation { .. } => {
                        egui::RichText::new(s.delete).color(theme::error_text(ui.visuals()))
                    }
                    Self::RemoveProvider { .. } => {
                        egui::RichText::new(s.remove).color(theme::error_text(ui.visuals()))
                    }
                };
                if ui.button(confirm).clicked() || enter {
                    outcome = self
                        .command()
                        .map_or(DialogOutcome::Cancelled, DialogOutcome::Done);
                }
                if ui.button(s.cancel).clicked() {
                    outcome = DialogOutcome::Cancelled;
                }
            });
        });
        outcome
    }

    /// The command the dialog stands for (`None`: nothing to do, e.g. an empty title).
    fn command(&self) -> Option<Command> {
        match self {
            Self::DeleteConversation { id, .. } => Some(Command::DeleteConversation { id: *id }),
            Self::RemoveProvider { name } => Some(Command::RemoveProvider { name: name.clone() }),
            Self::Rename { id, title } => {
                let title = title.trim();
                (!title.is_empty()).then(|| Command::RenameConversation {
                    id: *id,
                    title: title.to_owned(),
                })
            }
        }
    }
}
