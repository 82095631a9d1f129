//! The find bar atop the open conversation: Ctrl+F opens it; every occurrence of what is typed
//! is marked in the messages (markdown/highlight.rs); Enter or F3 or `n` goes to the next,
//! Shift+Enter or Shift+F3 or `N` to the previous, scrolling to its message; Esc closes it.
//! Opening a search result fills it with the search's words, at the message found.

use egui::{Key, Modifiers};

use crate::store::{ConversationId, MessageId};

use super::markdown::highlight;
use super::state::UiState;
use super::strings::Strings;

/// What the occurrences were counted for: the words, the conversation, and its messages'
/// count and last length (a streaming reply grows).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Counted {
    query: String,
    conversation: Option<ConversationId>,
    messages: usize,
    last_len: usize,
}

/// The find bar's UI-local state.
#[derive(Default)]
pub struct FindBar {
    open: bool,
    query: String,
    focus: bool,
    /// One entry per occurrence, in reading order: the message it is in.
    hits: Vec<MessageId>,
    current: usize,
    counted: Option<Counted>,
    /// Opened from a search result: start at this message once it is shown.
    start_at: Option<MessageId>,
    /// Whether the field had the keys last frame (egui drops focus on Esc before we look).
    had_focus: bool,
}

/// A step the keys or buttons asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Next,
    Previous,
}

impl FindBar {
    /// Opens the bar looking for the words of a search (`query` in the search language),
    /// starting at `message`.
    pub fn open_with(&mut self, query: &str, message: Option<MessageId>) {
        self.open = true;
        query.clone_into(&mut self.query);
        self.start_at = message;
        self.counted = None;
    }

    /// Whether the bar is shown.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// The current occurrence (1-based) and how many there are (tests read it).
    pub fn position(&self) -> (usize, usize) {
        if self.hits.is_empty() {
            (0, 0)
        } else {
            (self.current + 1, self.hits.len())
        }
    }

    /// The message of the current occurrence.
    pub fn current_message(&self) -> Option<MessageId> {
        self.hits.get(self.current).copied()
    }

    /// Takes Ctrl+F, F3 and n/N; draws the bar when open; marks the words for this frame.
    /// Returns the message to scroll to when the current occurrence moved.
    pub fn ui(&mut self, ui: &mut egui::Ui, s: &Strings, state: &UiState) -> Option<MessageId> {
        let id = egui::Id::unique("find_bar_field");
        if ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::F)) {
            self.open = true;
            self.focus = true;
        }
        if !self.open {
            highlight::set_terms(ui.ctx(), &[]);
            return None;
        }
        let step = self.take_keys(ui, id);
        if !self.open {
            highlight::set_terms(ui.ctx(), &[]);
            return None;
        }
        let mut moved = self.recount(state);
        let response = ui.horizontal(|ui| self.bar_ui(ui, s, id)).inner;
        let step = step.or(response.step);
        if response.closed {
            self.open = false;
            highlight::set_terms(ui.ctx(), &[]);
            return None;
        }
        if response.changed {
            self.start_at = None;
            moved |= self.recount(state);
        }
        if let Some(step) = step
            && !self.hits.is_empty()
        {
            let total = self.hits.len();
            self.current = match step {
                Step::Next => (self.current + 1) % total,
                Step::Previous => (self.current + total - 1) % total,
            };
            moved = true;
        }
        highlight::set_terms(ui.ctx(), &terms_of(&self.query));
        if moved { self.current_message() } else { None }
    }

    /// The stepping keys: Enter/Shift+Enter/Esc in the field, F3/Shift+F3 anywhere, n/N when
    /// no text field takes keys.
    fn take_keys(&mut self, ui: &egui::Ui, id: egui::Id) -> Option<Step> {
        let focused = ui.memory(|m| m.has_focus(id));
        let typing = ui.ctx().text_edit_focused();
        ui.input_mut(|i| {
            // Shift first: `consume_key` ignores an extra Shift.
            let keys = [
                (focused, Modifiers::SHIFT, Key::Enter, Step::Previous),
                (focused, Modifiers::NONE, Key::Enter, Step::Next),
                (true, Modifiers::SHIFT, Key::F3, Step::Previous),
                (true, Modifiers::NONE, Key::F3, Step::Next),
                (!typing, Modifiers::SHIFT, Key::N, Step::Previous),
                (!typing, Modifiers::NONE, Key::N, Step::Next),
            ];
            if (focused || self.had_focus) && i.consume_key(Modifiers::NONE, Key::Escape) {
                self.open = false;
                return None;
            }
            keys.iter()
                .find(|(wanted, modifiers, key, _)| *wanted && i.consume_key(*modifiers, *key))
                .map(|(_, _, _, step)| *step)
        })
    }

    /// Counts the occurrences again when the words or the messages changed; true when the
    /// current occurrence moved to a new place.
    fn recount(&mut self, state: &UiState) -> bool {
        let counted = Counted {
            query: self.query.clone(),
            conversation: state.current,
            messages: state.messages.len(),
            last_len: state.messages.last().map_or(0, |m| m.content.len()),
        };
        if self.counted.as_ref() == Some(&counted) {
            return false;
        }
        let query_changed = self
            .counted
            .as_ref()
            .is_none_or(|c| c.query != counted.query || c.conversation != counted.conversation);
        self.counted = Some(counted);
        let terms = terms_of(&self.query);
        self.hits = state
            .messages
            .iter()
            .flat_map(|m| std::iter::repeat_n(m.id, highlight::count(&m.content, &terms)))
            .collect();
        if let Some(start) = self.start_at
            && let Some(index) = self.hits.iter().position(|m| *m == start)
        {
            self.start_at = None;
            self.current = index;
            return true;
        }
        if query_changed {
            self.current = 0;
            return !self.hits.is_empty();
        }
        self.current = self.current.min(self.hits.len().saturating_sub(1));
        false
    }

    fn bar_ui(&mut self, ui: &mut egui::Ui, s: &Strings, id: egui::Id) -> BarResponse {
        let mut out = BarResponse::default();
        let label = ui.label(egui::RichText::new(s.find).small().weak());
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut self.query)
                    .id(id)
                    .hint_text(s.find_hint)
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
        if self.focus {
            field.request_focus();
            self.focus = false;
        }
        self.had_focus = field.has_focus();
        out.changed = field.changed();
        let (at, total) = self.position();
        let count = if total == 0 {
            if self.query.trim().is_empty() {
                String::new()
            } else {
                s.find_none.to_owned()
            }
        } else {
            format!("{at} {} {total}", s.find_of)
        };
        ui.label(count);
        if ui
            .small_button("↑")
            .on_hover_text(s.find_previous)
            .clicked()
        {
            out.step = Some(Step::Previous);
        }
        if ui.small_button("↓").on_hover_text(s.find_next).clicked() {
            out.step = Some(Step::Next);
        }
        if ui
            .small_button(super::app::DISMISS_GLYPH)
            .on_hover_text(s.find_close)
            .clicked()
        {
            out.closed = true;
        }
        out
    }
}

#[derive(Default)]
struct BarResponse {
    changed: bool,
    step: Option<Step>,
    closed: bool,
}

/// The words to find: those of the search language (quotes keep a phrase; filters and
/// exclusions are not words to find), else what is typed.
fn terms_of(query: &str) -> Vec<String> {
    match crate::search::parse(query) {
        Ok(parsed) => parsed.terms,
        Err(_) if query.trim().is_empty() => Vec::new(),
        Err(_) => vec![query.trim().to_owned()],
    }
}
