//! The search field atop the sidebar (Ctrl+K focuses it): results as you type, from the store
//! thread through [`Command::Search`]; arrows move, Enter or a click opens the conversation
//! at the message.

use egui::text::{LayoutJob, TextFormat};

use crate::core::Command;
use crate::search::format_utc;
use crate::store::{ConversationId, MessageId, SearchHit};

use super::strings::Strings;
use super::theme;

/// How many results a search asks for.
const LIMIT: usize = 50;

/// The search field's UI-local state.
#[derive(Default)]
pub struct SearchPanel {
    query: String,
    /// The query the shown results (or error) answer; results for any other are dropped.
    sent: String,
    hits: Vec<SearchHit>,
    error: Option<String>,
    selected: usize,
}

/// A result the person chose: the conversation, and the message to scroll to.
pub type Chosen = (ConversationId, Option<MessageId>);

impl SearchPanel {
    /// Whether results replace the history list (something is typed).
    pub fn is_active(&self) -> bool {
        !self.query.trim().is_empty()
    }

    /// What is typed.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The results shown (tests read them).
    pub fn hits(&self) -> &[SearchHit] {
        &self.hits
    }

    /// Takes [`crate::core::Event::SearchResults`]; stale answers are dropped.
    pub fn on_results(&mut self, query: &str, hits: &Result<Vec<SearchHit>, String>) {
        if query != self.sent {
            return;
        }
        match hits {
            Ok(hits) => {
                self.hits.clone_from(hits);
                self.error = None;
            }
            Err(err) => {
                self.hits.clear();
                self.error = Some(err.clone());
            }
        }
        self.selected = 0;
    }

    /// Draws the field and, while something is typed, the results.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &Strings,
        commands: &mut Vec<Command>,
    ) -> Option<Chosen> {
        let id = egui::Id::unique("history_search");
        if ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::K)) {
            ui.memory_mut(|m| m.request_focus(id));
        }
        let focused = ui.memory(|m| m.has_focus(id));
        let (down, up, enter, escape) = if focused {
            ui.input_mut(|i| {
                (
                    i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown),
                    i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp),
                    i.consume_key(egui::Modifiers::NONE, egui::Key::Enter),
                    i.consume_key(egui::Modifiers::NONE, egui::Key::Escape),
                )
            })
        } else {
            (false, false, false, false)
        };
        let label = ui.label(egui::RichText::new(s.search).small().weak());
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut self.query)
                    .id(id)
                    .hint_text(s.search_hint)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        if escape {
            self.query.clear();
        }
        if response.changed() || escape {
            self.query_changed(commands);
        }
        if !self.is_active() {
            return None;
        }
        if down && self.selected + 1 < self.hits.len() {
            self.selected += 1;
        }
        if up {
            self.selected = self.selected.saturating_sub(1);
        }
        let mut chosen = if enter { self.chosen() } else { None };
        if let Some(error) = &self.error {
            ui.colored_label(theme::note_text(ui.visuals()), error);
        } else if self.hits.is_empty() && self.sent == self.query {
            ui.label(egui::RichText::new(s.search_nothing).weak());
        }
        egui::ScrollArea::vertical()
            .id_salt("search_results")
            .auto_shrink([false, true])
            .show(ui, |ui| {
                for (index, hit) in self.hits.iter().enumerate() {
                    let selected = index == self.selected;
                    let response = ui.add(egui::Button::selectable(selected, hit_text(ui, hit)));
                    if selected && (down || up) {
                        response.scroll_to_me(None);
                    }
                    if response.clicked() {
                        chosen = Some((hit.conversation, hit.message));
                    }
                }
            });
        chosen
    }

    fn chosen(&self) -> Option<Chosen> {
        self.hits
            .get(self.selected)
            .map(|hit| (hit.conversation, hit.message))
    }

    fn query_changed(&mut self, commands: &mut Vec<Command>) {
        self.selected = 0;
        if self.is_active() {
            self.sent.clone_from(&self.query);
            commands.push(Command::Search {
                query: self.query.clone(),
                limit: LIMIT,
            });
        } else {
            self.sent.clear();
            self.hits.clear();
            self.error = None;
        }
    }
}

/// Title, date and model on the first line; the snippet with its matches highlighted below.
fn hit_text(ui: &egui::Ui, hit: &SearchHit) -> LayoutJob {
    let visuals = ui.visuals();
    let body = egui::TextStyle::Body.resolve(ui.style());
    let small = egui::TextStyle::Small.resolve(ui.style());
    let plain = TextFormat::simple(body.clone(), visuals.text_color());
    let weak = TextFormat::simple(small, theme::weak_text(visuals));
    let marked = TextFormat {
        background: visuals.selection.bg_fill,
        color: visuals.strong_text_color(),
        ..TextFormat::simple(body, visuals.text_color())
    };
    let mut job = LayoutJob::default();
    job.append(&hit.title, 0.0, plain.clone());
    let mut meta = format!("  {}", format_utc(hit.created_at));
    if let Some(model) = &hit.model {
        meta.push_str("  ");
        meta.push_str(model);
    }
    meta.push('\n');
    job.append(&meta, 0.0, weak);
    let snippet = &hit.snippet;
    let mut at = 0;
    for range in &snippet.highlights {
        job.append(&snippet.text[at..range.start], 0.0, plain.clone());
        job.append(&snippet.text[range.clone()], 0.0, marked.clone());
        at = range.end;
    }
    job.append(&snippet.text[at..], 0.0, plain);
    job.wrap.max_width = ui.available_width();
    job
}
