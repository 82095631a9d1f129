//! The window's keyboard shortcuts, read in one place at the start of a frame (before any
//! widget sees the keys) and run by the app at the end of it.

use egui::{Key, Modifiers};

/// A shortcut the person pressed this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// Ctrl+Q: close the window the way its close button does (running replies are saved).
    Quit,
    /// Ctrl+N: a new chat.
    NewChat,
    /// Esc: close the open dialog, or else stop the reply streaming in the open conversation.
    Escape,
    /// Ctrl+L: put the cursor in the message box.
    FocusComposer,
    /// Ctrl+Tab: the next conversation in the history.
    NextConversation,
    /// Ctrl+Shift+Tab: the previous conversation in the history.
    PreviousConversation,
    /// Ctrl+,: open Settings.
    OpenSettings,
    /// Shift+Insert: paste from the system clipboard (egui-winit maps it on Windows only).
    Paste,
    /// Ctrl+Insert: copy the selection to the system clipboard.
    Copy,
    /// Shift+Delete: cut the selection to the system clipboard.
    Cut,
}

/// Takes this frame's shortcuts out of the input, so no widget also acts on them. Esc is
/// taken only when `escape_wanted` (a dialog is open or a reply streams); otherwise a text
/// field keeps its own use of it.
pub fn take_shortcuts(ctx: &egui::Context, escape_wanted: bool) -> Vec<Shortcut> {
    // Most specific first: `consume_key` ignores extra Shift, so Ctrl+Shift+Tab goes before
    // Ctrl+Tab.
    let table = [
        (
            Modifiers::COMMAND | Modifiers::SHIFT,
            Key::Tab,
            Shortcut::PreviousConversation,
        ),
        (Modifiers::COMMAND, Key::Tab, Shortcut::NextConversation),
        (Modifiers::COMMAND, Key::Q, Shortcut::Quit),
        (Modifiers::COMMAND, Key::N, Shortcut::NewChat),
        (Modifiers::COMMAND, Key::L, Shortcut::FocusComposer),
        (Modifiers::COMMAND, Key::Comma, Shortcut::OpenSettings),
        (Modifiers::SHIFT, Key::Insert, Shortcut::Paste),
        (Modifiers::COMMAND, Key::Insert, Shortcut::Copy),
        (Modifiers::SHIFT, Key::Delete, Shortcut::Cut),
    ];
    ctx.input_mut(|input| {
        let mut pressed: Vec<Shortcut> = table
            .iter()
            .filter(|(modifiers, key, _)| input.consume_key(*modifiers, *key))
            .map(|(_, _, shortcut)| *shortcut)
            .collect();
        if escape_wanted && input.consume_key(Modifiers::NONE, Key::Escape) {
            pressed.push(Shortcut::Escape);
        }
        pressed
    })
}
