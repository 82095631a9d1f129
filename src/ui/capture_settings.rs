//! The Capture part of Settings and the composer's Capture button: the two global hotkeys
//! with whether each works (and why not), the "capture and ask" questions and which one the
//! hotkey sends. Edited in a form; Save becomes `Command::SetCapture`.

use crate::capture::{Hotkey, HotkeyStatus, Unavailable};
use crate::config::{ASK_PRESETS, CaptureSettings};
use crate::core::Command;

use super::capture::{CaptureUi, HotkeysState};
use super::strings::{CaptureStrings, Strings};
use super::theme;

impl CaptureUi {
    /// The Capture button and, beside it, why the last capture was refused or failed.
    pub fn button_ui(&mut self, ui: &mut egui::Ui, s: &Strings, settings: &CaptureSettings) {
        ui.horizontal(|ui| {
            let hint = s.capture.button_hint.replace("{hotkey}", &settings.hotkey);
            if ui
                .add_enabled(!self.is_open(), egui::Button::new(s.capture.button))
                .on_hover_text(hint)
                .clicked()
            {
                self.request(ui.ctx(), &s.capture, None);
            }
            if let Some(notice) = self.notice() {
                ui.colored_label(theme::error_text(ui.visuals()), notice);
            }
        });
    }

    /// The Capture section of Settings; Save returns the command that keeps the changes.
    pub fn settings_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        saved: &CaptureSettings,
    ) -> Option<Command> {
        let c = &s.capture;
        ui.strong(c.settings_title);
        let state = self.hotkeys_state().clone();
        if let Some(why) = unavailable(&state) {
            ui.colored_label(theme::note_text(ui.visuals()), why_text(c, why));
        }
        let mut form = self.settings_form.take();
        let edited = form.get_or_insert_with(|| saved.clone());
        edited.questions.resize(ASK_PRESETS, String::new());
        let (capture_status, ask_status) = match &state {
            HotkeysState::Bound { capture, ask } => (Some(capture), Some(ask)),
            _ => (None, None),
        };
        egui::Grid::new("capture_settings")
            .num_columns(3)
            .show(ui, |ui| {
                hotkey_row_ui(ui, c, c.hotkey, &mut edited.hotkey, capture_status, &state);
                hotkey_row_ui(
                    ui,
                    c,
                    c.ask_hotkey,
                    &mut edited.ask_hotkey,
                    ask_status,
                    &state,
                );
            });
        ui.label(c.questions);
        for index in 0..ASK_PRESETS {
            ui.horizontal(|ui| {
                let label = ui.label(c.question_label.replace("{n}", &(index + 1).to_string()));
                let default = c.default_questions[index];
                ui.add(
                    egui::TextEdit::singleline(&mut edited.questions[index])
                        .hint_text(default)
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
                ui.radio_value(&mut edited.ask_question, index, c.ask_uses);
            });
        }
        let changed = edited != saved;
        let save = ui.add_enabled(changed, egui::Button::new(c.save)).clicked();
        if save {
            return Some(Command::SetCapture {
                settings: edited.clone(),
            });
        }
        self.settings_form = form;
        None
    }
}

fn unavailable(state: &HotkeysState) -> Option<Unavailable> {
    match state {
        HotkeysState::Unavailable(why) => Some(*why),
        _ => None,
    }
}

fn why_text(c: &CaptureStrings, why: Unavailable) -> &'static str {
    match why {
        Unavailable::Wayland => c.unavailable_wayland,
        Unavailable::NoDisplay => c.unavailable_no_display,
    }
}

/// One hotkey: its label, the text field, and whether it works.
fn hotkey_row_ui(
    ui: &mut egui::Ui,
    c: &CaptureStrings,
    label: &str,
    text: &mut String,
    status: Option<&HotkeyStatus>,
    state: &HotkeysState,
) {
    let label = ui.label(label);
    ui.add(egui::TextEdit::singleline(text).desired_width(160.0))
        .labelled_by(label.id);
    let visuals = ui.visuals().clone();
    let (message, good) = match (Hotkey::parse(text), status, state) {
        (_, _, HotkeysState::Unavailable(_)) => (String::new(), true),
        (_, _, HotkeysState::Failed(reason)) => {
            (c.hotkey_failed.replace("{reason}", reason), false)
        }
        (Err(err), _, _) if !text.trim().is_empty() => (
            c.hotkey_invalid.replace("{reason}", &err.to_string()),
            false,
        ),
        (Err(_), _, _) | (_, Some(HotkeyStatus::Off), _) => (c.hotkey_off.to_owned(), true),
        (_, Some(HotkeyStatus::Active), _) => (c.hotkey_active.to_owned(), true),
        (_, Some(HotkeyStatus::Failed(reason)), _) => {
            (c.hotkey_failed.replace("{reason}", reason), false)
        }
        (Ok(_), None, _) => (c.hotkeys_waiting.to_owned(), true),
    };
    let colour = if good {
        theme::note_text(&visuals)
    } else {
        theme::error_text(&visuals)
    };
    ui.colored_label(colour, message);
    ui.end_row();
}
