//! The App's actions: shortcuts, sidebar requests, and the composer's send and stop.

use std::time::Duration;

use crate::core::Command;

use super::super::composer::{Attached, Composer, ComposerAction, ComposerContext};
use super::super::dialogs::Dialog;
use super::super::shortcuts::{Shortcut, take_shortcuts};
use super::super::sidebar::{SidebarAction, neighbour};
use super::App;

impl App {
    /// Runs this frame's shortcuts (read before any widget could take the keys).
    pub(super) fn run_shortcuts(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let streaming = self.state.is_streaming();
        let escape_wanted =
            self.dialog.is_some() || self.settings_open || self.about_open || streaming;
        for shortcut in take_shortcuts(ctx, escape_wanted) {
            match shortcut {
                Shortcut::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
                Shortcut::NewChat => self.new_chat(commands),
                // Esc closes the topmost dialog first; only then stops the reply.
                Shortcut::Escape => {
                    if self.dialog.take().is_some() {
                    } else if self.settings_open {
                        self.settings_open = false;
                        self.form = None;
                    } else if self.about_open {
                        self.about_open = false;
                    } else if let Some(conversation) = self.state.current.filter(|_| streaming) {
                        commands.push(Command::Stop { conversation });
                    }
                }
                Shortcut::FocusComposer => self.focus_composer = true,
                Shortcut::NextConversation | Shortcut::PreviousConversation => {
                    let step = if shortcut == Shortcut::NextConversation {
                        1
                    } else {
                        -1
                    };
                    if let Some(id) = neighbour(&self.state, step) {
                        commands.push(Command::OpenConversation { id });
                    }
                }
                Shortcut::OpenSettings => self.settings_open = true,
                Shortcut::Paste => ctx.send_viewport_cmd(egui::ViewportCommand::RequestPaste),
                Shortcut::Copy => ctx.send_viewport_cmd(egui::ViewportCommand::RequestCopy),
                Shortcut::Cut => ctx.send_viewport_cmd(egui::ViewportCommand::RequestCut),
            }
        }
    }

    pub(super) fn new_chat(&mut self, commands: &mut Vec<Command>) {
        commands.push(Command::NewConversation);
        self.welcome_dismissed = true;
        self.focus_composer = true;
    }

    pub(super) fn sidebar_action(&mut self, action: SidebarAction, commands: &mut Vec<Command>) {
        match action {
            SidebarAction::NewChat => self.new_chat(commands),
            SidebarAction::OpenSettings => self.settings_open = true,
            SidebarAction::OpenAbout => self.about_open = true,
            SidebarAction::Delete(id, title) => {
                self.dialog = Some(Dialog::DeleteConversation { id, title });
            }
            SidebarAction::Rename(id, title) => self.dialog = Some(Dialog::Rename { id, title }),
        }
    }

    /// Seconds the streaming reply has been silent, once past the notice threshold.
    pub(super) fn silent_secs(&self, ctx: &egui::Context) -> Option<u64> {
        let since = self.state.stream_activity_at?.elapsed();
        if since >= self.silence_notice_after {
            // The count goes up once a second.
            ctx.request_repaint_after(Duration::from_millis(500));
            Some(since.as_secs())
        } else {
            ctx.request_repaint_after(self.silence_notice_after.saturating_sub(since));
            None
        }
    }

    /// The Attach… button; the files chosen in its dialog become attachments like dropped ones.
    fn attach_button_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let s = self.strings();
        let chosen = self.attach_dialog.take_chosen();
        commands.extend(crate::ui::attachments_ui::attach_commands(chosen));
        let open = self.attach_dialog.is_open();
        let button = ui
            .add_enabled(!open, egui::Button::new(s.attach_button))
            .on_hover_text(s.attach_hint);
        if button.clicked()
            && let Err(message) = self.attach_dialog.open(ui.ctx())
        {
            self.state.errors.push(message);
        }
    }

    pub(super) fn composer_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let s = self.strings();
        if std::mem::take(&mut self.focus_composer) {
            ui.memory_mut(|m| m.request_focus(Composer::text_id()));
        }
        let streaming = self.state.is_streaming();
        // Capture and Attach… share one row above the chips.
        ui.horizontal(|ui| {
            self.capture.button_ui(ui, s, &self.state.capture);
            self.attach_button_ui(ui, commands);
        });
        crate::ui::attachments_ui::chips_ui(ui, s, &mut self.state.attachments, commands);
        // What the model picker will send to decides whether images can go as images.
        let sees_images = self.model_picker.choice(&self.state).is_some_and(|choice| {
            self.state
                .providers
                .iter()
                .find(|p| p.config.name == choice.provider)
                .is_some_and(|p| {
                    let mut config = p.config.clone();
                    config.model = choice.model;
                    crate::vision::sees_images(&config)
                })
        });
        let context = ComposerContext {
            attachments: if self.state.attachments.items.is_empty() {
                Attached::None
            } else if self.state.attachments.reading() {
                Attached::Reading
            } else {
                Attached::Read
            },
            streaming,
            sees_images,
            can_send: self.state.active_provider.is_some(),
            silent_secs: if streaming {
                self.silent_secs(ui.ctx())
            } else {
                None
            },
        };
        let action = self.composer.ui(ui, s, context);
        if self.composer.show_prompt() && !self.state.attachments.items.is_empty() {
            let mode = if sees_images {
                self.composer.image_mode()
            } else {
                crate::domain::ImageMode::TextNoVision
            };
            let preview = crate::ui::attachments_ui::PromptPreview {
                templates: &self.state.prompt_templates,
                question: self.composer.draft(),
                attachments: &self.state.attachments,
                mode,
            };
            preview.ui(ui, s);
        }
        match action {
            Some(ComposerAction::Send(text)) => {
                self.conversation.jump_to_latest();
                commands.push(Command::Send {
                    conversation: self.state.current,
                    text,
                    options: crate::core::SendOptions {
                        attachments: self.state.attachments.outgoing(),
                        image_mode: Some(self.composer.image_mode()),
                        ..self.model_picker.send_options(&self.state)
                    },
                });
            }
            Some(ComposerAction::Stop) => {
                if let Some(conversation) = self.state.current {
                    commands.push(Command::Stop { conversation });
                }
            }
            None => {}
        }
    }
}
