//! Colours and spacing: the only place the window's look is decided.

use egui::{Color32, CornerRadius, Margin, Stroke, Visuals};

/// Width of the history sidebar.
pub const SIDEBAR_WIDTH: f32 = 230.0;
/// The widest a message column grows, so long lines stay readable.
pub const MESSAGE_MAX_WIDTH: f32 = 820.0;
/// Space between messages.
pub const MESSAGE_GAP: f32 = 12.0;
/// Inner margin of a message bubble.
pub const BUBBLE_MARGIN: Margin = Margin::same(10);
/// Corner radius of a message bubble.
pub const BUBBLE_RADIUS: CornerRadius = CornerRadius::same(8);
/// Rows the composer shows before it scrolls.
pub const COMPOSER_ROWS: usize = 3;

/// The bubble fill of the user's messages.
pub fn user_bubble(visuals: &Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(38, 52, 74)
    } else {
        Color32::from_rgb(225, 236, 250)
    }
}

/// The bubble fill of the assistant's messages.
pub fn assistant_bubble(visuals: &Visuals) -> Color32 {
    visuals.faint_bg_color
}

/// The stroke of a bubble.
pub fn bubble_stroke(visuals: &Visuals) -> Stroke {
    visuals.widgets.noninteractive.bg_stroke
}

/// Text colour of an error note.
pub fn error_text(visuals: &Visuals) -> Color32 {
    visuals.error_fg_color
}

/// Text colour of a warning or status note.
pub fn note_text(visuals: &Visuals) -> Color32 {
    visuals.warn_fg_color
}

/// Text colour of secondary text.
pub fn weak_text(visuals: &Visuals) -> Color32 {
    visuals.weak_text_color()
}
