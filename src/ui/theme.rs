//! Colours and spacing: the only place the window's look is decided.
//!
//! Two palettes, dark and light, in which every text colour reads on every background at
//! WCAG AA (contrast ≥ 4.5:1, checked by a test). The window follows the system's theme
//! unless Settings pins one ([`ThemeChoice`]).

use egui::{Color32, CornerRadius, Margin, Stroke, Visuals};

use crate::config::ThemeChoice;

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

/// Space between Markdown blocks (paragraphs, lists, tables, code).
pub const MD_BLOCK_GAP: f32 = 8.0;
/// Width of the marker column of a list item (grows for long numbers).
pub const MD_LIST_INDENT: f32 = 22.0;
/// Padding inside a table cell.
pub const MD_CELL_PAD: f32 = 6.0;
/// Width of a block quote's bar and the gap after it.
pub const MD_QUOTE_BAR: f32 = 3.0;
/// Inner margin of a code block.
pub const MD_CODE_MARGIN: Margin = Margin::same(8);
/// Corner radius of a code block.
pub const MD_CODE_RADIUS: CornerRadius = CornerRadius::same(6);
/// Heading sizes relative to body text, H1 to H6.
pub const MD_HEADING_SCALE: [f32; 6] = [1.6, 1.35, 1.17, 1.05, 1.0, 1.0];

/// Every colour of one theme. Fields ending in `_text` are text; the rest are backgrounds or
/// lines, and every text colour meets 4.5:1 on every background.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    /// Whether this is the dark palette.
    pub dark: bool,
    /// Body text.
    pub text: Color32,
    /// Secondary text: model names, usage, block quotes, list markers.
    pub weak_text: Color32,
    /// Headings.
    pub heading_text: Color32,
    /// Links.
    pub link_text: Color32,
    /// Warnings and status notes.
    pub note_text: Color32,
    /// Errors.
    pub error_text: Color32,
    /// Code, inline and in blocks.
    pub code_text: Color32,
    /// The window behind the panels.
    pub panel_bg: Color32,
    /// Dialogs.
    pub window_bg: Color32,
    /// Text fields.
    pub field_bg: Color32,
    /// The assistant's bubbles and faint stripes.
    pub assistant_bubble: Color32,
    /// The user's bubbles.
    pub user_bubble: Color32,
    /// Code blocks and inline code.
    pub code_bg: Color32,
    /// A table's header row.
    pub table_header_bg: Color32,
    /// Every second body row of a table.
    pub table_stripe_bg: Color32,
    /// Buttons at rest.
    pub button_bg: Color32,
    /// Buttons under the pointer.
    pub button_hover_bg: Color32,
    /// Buttons being pressed.
    pub button_active_bg: Color32,
    /// Selected text and selected items (their text stays [`Self::text`]).
    pub selection_bg: Color32,
    /// Lines: bubble borders, table rules, the quote bar.
    pub line: Color32,
}

impl Palette {
    /// Every text colour with its name (for the contrast test and its message).
    pub fn texts(&self) -> [(&'static str, Color32); 7] {
        [
            ("text", self.text),
            ("weak_text", self.weak_text),
            ("heading_text", self.heading_text),
            ("link_text", self.link_text),
            ("note_text", self.note_text),
            ("error_text", self.error_text),
            ("code_text", self.code_text),
        ]
    }

    /// Every background text may sit on, with its name.
    pub fn backgrounds(&self) -> [(&'static str, Color32); 12] {
        [
            ("panel_bg", self.panel_bg),
            ("window_bg", self.window_bg),
            ("field_bg", self.field_bg),
            ("assistant_bubble", self.assistant_bubble),
            ("user_bubble", self.user_bubble),
            ("code_bg", self.code_bg),
            ("table_header_bg", self.table_header_bg),
            ("table_stripe_bg", self.table_stripe_bg),
            ("button_bg", self.button_bg),
            ("button_hover_bg", self.button_hover_bg),
            ("button_active_bg", self.button_active_bg),
            ("selection_bg", self.selection_bg),
        ]
    }
}

/// The dark palette.
pub const DARK: Palette = Palette {
    dark: true,
    text: Color32::from_rgb(0xDD, 0xDD, 0xDD),
    weak_text: Color32::from_rgb(0xAE, 0xAE, 0xAE),
    heading_text: Color32::from_rgb(0xF2, 0xF2, 0xF2),
    link_text: Color32::from_rgb(0x8A, 0xC2, 0xFF),
    note_text: Color32::from_rgb(0xF0, 0xC0, 0x60),
    error_text: Color32::from_rgb(0xFF, 0x9C, 0x9C),
    code_text: Color32::from_rgb(0xDD, 0xDD, 0xDD),
    panel_bg: Color32::from_rgb(0x1B, 0x1B, 0x1B),
    window_bg: Color32::from_rgb(0x1F, 0x1F, 0x1F),
    field_bg: Color32::from_rgb(0x10, 0x10, 0x10),
    assistant_bubble: Color32::from_rgb(0x24, 0x24, 0x24),
    user_bubble: Color32::from_rgb(0x22, 0x30, 0x44),
    code_bg: Color32::from_rgb(0x14, 0x14, 0x14),
    table_header_bg: Color32::from_rgb(0x2E, 0x33, 0x3B),
    table_stripe_bg: Color32::from_rgb(0x2A, 0x2A, 0x2A),
    button_bg: Color32::from_rgb(0x36, 0x36, 0x36),
    button_hover_bg: Color32::from_rgb(0x40, 0x40, 0x40),
    button_active_bg: Color32::from_rgb(0x30, 0x30, 0x30),
    selection_bg: Color32::from_rgb(0x1A, 0x3A, 0x55),
    line: Color32::from_rgb(0x48, 0x48, 0x48),
};

/// The light palette.
pub const LIGHT: Palette = Palette {
    dark: false,
    text: Color32::from_rgb(0x1E, 0x1E, 0x1E),
    weak_text: Color32::from_rgb(0x55, 0x55, 0x55),
    heading_text: Color32::from_rgb(0x0C, 0x0C, 0x0C),
    link_text: Color32::from_rgb(0x0A, 0x50, 0xB4),
    note_text: Color32::from_rgb(0x78, 0x4A, 0x00),
    error_text: Color32::from_rgb(0xA8, 0x1A, 0x1A),
    code_text: Color32::from_rgb(0x1E, 0x1E, 0x1E),
    panel_bg: Color32::from_rgb(0xF7, 0xF7, 0xF7),
    window_bg: Color32::from_rgb(0xFA, 0xFA, 0xFA),
    field_bg: Color32::from_rgb(0xFF, 0xFF, 0xFF),
    assistant_bubble: Color32::from_rgb(0xFF, 0xFF, 0xFF),
    user_bubble: Color32::from_rgb(0xE3, 0xED, 0xFA),
    code_bg: Color32::from_rgb(0xF0, 0xF0, 0xF2),
    table_header_bg: Color32::from_rgb(0xE4, 0xE8, 0xEE),
    table_stripe_bg: Color32::from_rgb(0xF3, 0xF3, 0xF3),
    button_bg: Color32::from_rgb(0xE4, 0xE4, 0xE4),
    button_hover_bg: Color32::from_rgb(0xD8, 0xD8, 0xD8),
    button_active_bg: Color32::from_rgb(0xD2, 0xD2, 0xD2),
    selection_bg: Color32::from_rgb(0xCF, 0xE3, 0xF7),
    line: Color32::from_rgb(0xC8, 0xC8, 0xC8),
};

/// The palette the visuals belong to.
pub fn palette(visuals: &Visuals) -> &'static Palette {
    if visuals.dark_mode { &DARK } else { &LIGHT }
}

/// egui visuals built from a palette: every text and fill egui draws comes from it.
pub fn visuals(palette: &Palette) -> Visuals {
    let mut v = if palette.dark {
        Visuals::dark()
    } else {
        Visuals::light()
    };
    v.override_text_color = None;
    v.weak_text_color = Some(palette.weak_text);
    v.hyperlink_color = palette.link_text;
    v.warn_fg_color = palette.note_text;
    v.error_fg_color = palette.error_text;
    v.panel_fill = palette.panel_bg;
    v.window_fill = palette.window_bg;
    v.faint_bg_color = palette.assistant_bubble;
    v.extreme_bg_color = palette.field_bg;
    v.text_edit_bg_color = Some(palette.field_bg);
    v.code_bg_color = palette.code_bg;
    v.selection.bg_fill = palette.selection_bg;
    v.selection.stroke.color = palette.text;
    let w = &mut v.widgets;
    w.noninteractive.fg_stroke.color = palette.text;
    w.noninteractive.bg_stroke.color = palette.line;
    for (state, fill) in [
        (&mut w.inactive, palette.button_bg),
        (&mut w.hovered, palette.button_hover_bg),
        (&mut w.active, palette.button_active_bg),
        (&mut w.open, palette.button_bg),
    ] {
        state.fg_stroke.color = palette.text;
        state.bg_fill = fill;
        state.weak_bg_fill = fill;
    }
    v
}

/// Installs both themes' visuals and applies the user's choice.
pub fn apply(ctx: &egui::Context, choice: ThemeChoice) {
    ctx.set_visuals_of(egui::Theme::Dark, visuals(&DARK));
    ctx.set_visuals_of(egui::Theme::Light, visuals(&LIGHT));
    ctx.set_theme(match choice {
        ThemeChoice::System => egui::ThemePreference::System,
        ThemeChoice::Dark => egui::ThemePreference::Dark,
        ThemeChoice::Light => egui::ThemePreference::Light,
    });
}

/// The bubble fill of the user's messages.
pub fn user_bubble(visuals: &Visuals) -> Color32 {
    palette(visuals).user_bubble
}

/// The bubble fill of the assistant's messages.
pub fn assistant_bubble(visuals: &Visuals) -> Color32 {
    palette(visuals).assistant_bubble
}

/// The stroke of a bubble.
pub fn bubble_stroke(visuals: &Visuals) -> Stroke {
    Stroke::new(1.0, palette(visuals).line)
}

/// Text colour of an error note.
pub fn error_text(visuals: &Visuals) -> Color32 {
    palette(visuals).error_text
}

/// Text colour of a warning or status note.
pub fn note_text(visuals: &Visuals) -> Color32 {
    palette(visuals).note_text
}

/// Text colour of secondary text.
pub fn weak_text(visuals: &Visuals) -> Color32 {
    palette(visuals).weak_text
}

/// The OCR inspector's box for a word: stroke and translucent fill, from red (0%) to green
/// (100%); a word under the threshold (`low`) gets a strong orange stroke and fill.
#[must_use]
pub fn ocr_word_box(confidence: f32, low: bool) -> (Stroke, Color32) {
    if low {
        let orange = Color32::from_rgb(255, 140, 0);
        return (Stroke::new(2.0, orange), orange.gamma_multiply(0.30));
    }
    let t = (confidence / 100.0).clamp(0.0, 1.0);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "0–255"
    )]
    let color = Color32::from_rgb((220.0 * (1.0 - t)) as u8, (180.0 * t + 40.0) as u8, 60);
    (Stroke::new(1.0, color), color.gamma_multiply(0.12))
}

/// The OCR inspector's hovered or selected word, and a dragged region.
#[must_use]
pub fn ocr_highlight(visuals: &Visuals) -> (Stroke, Color32) {
    let color = visuals.selection.stroke.color;
    (
        Stroke::new(3.0, color),
        visuals.selection.bg_fill.gamma_multiply(0.35),
    )
}

/// WCAG 2 relative luminance of an sRGB colour (alpha ignored).
pub fn relative_luminance(color: Color32) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(color.r()) + 0.7152 * channel(color.g()) + 0.0722 * channel(color.b())
}

/// WCAG 2 contrast ratio of two colours, from 1 to 21.
pub fn contrast_ratio(a: Color32, b: Color32) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

/// `color` moved toward white (on dark `bg`) or black (on light `bg`) until it reads at
/// 4.5:1; used for syntax-highlighting colours that come from `egui_extras`. Remembered per
/// pair: code is highlighted every frame, with a handful of colours.
pub fn readable_on(color: Color32, bg: Color32) -> Color32 {
    thread_local! {
        static KNOWN: std::cell::RefCell<std::collections::HashMap<(Color32, Color32), Color32>> =
            std::cell::RefCell::default();
    }
    KNOWN.with_borrow_mut(|known| {
        if known.len() > 256 {
            known.clear();
        }
        *known
            .entry((color, bg))
            .or_insert_with(|| compute_readable_on(color, bg))
    })
}

fn compute_readable_on(color: Color32, bg: Color32) -> Color32 {
    let target = if relative_luminance(bg) < 0.18 {
        Color32::WHITE
    } else {
        Color32::BLACK
    };
    let mut out = color;
    for step in 1..=10u8 {
        if contrast_ratio(out, bg) >= 4.5 {
            break;
        }
        out = color.lerp_to_gamma(target, f32::from(step) / 10.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_ratio_matches_known_values() {
        assert!((contrast_ratio(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 1e-9);
        // The colours issue 9 measured: #8C8C8C on #26344A is 3.7:1.
        let old = contrast_ratio(
            Color32::from_rgb(0x8C, 0x8C, 0x8C),
            Color32::from_rgb(0x26, 0x34, 0x4A),
        );
        assert!((old - 3.7).abs() < 0.05, "{old}");
    }

    #[test]
    fn every_text_colour_meets_wcag_aa_on_every_background_in_both_themes() {
        let mut failures = Vec::new();
        for palette in [&DARK, &LIGHT] {
            for (text_name, text) in palette.texts() {
                for (bg_name, bg) in palette.backgrounds() {
                    let ratio = contrast_ratio(text, bg);
                    if ratio < 4.5 {
                        failures.push(format!(
                            "{} {text_name} on {bg_name}: {ratio:.2}",
                            if palette.dark { "dark" } else { "light" }
                        ));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "below 4.5:1: {failures:#?}");
    }

    #[test]
    fn egui_visuals_use_only_palette_text_and_fills() {
        for palette in [&DARK, &LIGHT] {
            let v = visuals(palette);
            let texts = palette.texts().map(|(_, c)| c);
            let fills = palette.backgrounds().map(|(_, c)| c);
            for widget in [
                &v.widgets.noninteractive,
                &v.widgets.inactive,
                &v.widgets.hovered,
                &v.widgets.active,
                &v.widgets.open,
            ] {
                assert!(texts.contains(&widget.fg_stroke.color));
            }
            for fill in [
                v.panel_fill,
                v.window_fill,
                v.faint_bg_color,
                v.extreme_bg_color,
                v.code_bg_color,
                v.widgets.inactive.weak_bg_fill,
                v.widgets.hovered.weak_bg_fill,
                v.widgets.active.weak_bg_fill,
                v.selection.bg_fill,
            ] {
                assert!(fills.contains(&fill), "{fill:?}");
            }
            assert!(texts.contains(&v.text_color()));
            assert!(texts.contains(&v.selection.stroke.color));
            assert!(texts.contains(&v.weak_text_color()));
        }
    }

    #[test]
    fn readable_on_lifts_a_dim_colour_to_aa() {
        let dim = Color32::from_rgb(0x60, 0x60, 0x90);
        let lifted = readable_on(dim, DARK.code_bg);
        assert!(contrast_ratio(dim, DARK.code_bg) < 4.5);
        assert!(contrast_ratio(lifted, DARK.code_bg) >= 4.5);
    }
}
