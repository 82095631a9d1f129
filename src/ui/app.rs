//! The `eframe::App`: drains core events in `logic`, draws panels from [`UiState`] in `ui`,
//! and sends the commands the panels produced at the end of the frame.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::ThemeChoice;
use crate::core::{Command, CoreHandle, Event, SendOptions};

use super::composer::{Composer, ComposerAction};
use super::conversation::ConversationView;
use super::providers::{ProviderForm, provider_list_ui};
use super::search::SearchPanel;
use super::sidebar::{SidebarAction, sidebar_ui};
use super::state::UiState;
use super::strings::{Lang, Strings};
use super::{fonts, theme};

/// The most time one frame spends applying core events; the rest waits for the next frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);
/// Set by the start-up benchmark: a file the first frame creates.
const FIRST_FRAME_ENV: &str = "OCRCHAT_FIRST_FRAME_FILE";
/// Delay before repainting after the core wakes us: a burst of tokens becomes one repaint.
const REPAINT_DELAY: Duration = Duration::from_millis(10);

/// The window.
pub struct App {
    core: Option<CoreHandle>,
    state: UiState,
    lang: Lang,
    composer: Composer,
    conversation: ConversationView,
    /// The history search atop the sidebar (Ctrl+K).
    search: SearchPanel,
    /// The provider form on the welcome screen or in Settings.
    form: Option<ProviderForm>,
    settings_open: bool,
    about_open: bool,
    cjk_font_loaded: bool,
    /// The theme the window shows, to notice when Settings changes it.
    theme_shown: ThemeChoice,
    /// Benchmarks set `OCRCHAT_FIRST_FRAME_FILE`; the first frame writes it (start-up time).
    first_frame_file: Option<std::path::PathBuf>,
}

impl App {
    /// Builds the app with the interface language taken from the environment.
    pub fn new(cc: &eframe::CreationContext<'_>, core: CoreHandle) -> Self {
        Self::with_lang(cc, core, Lang::from_env())
    }

    /// Builds the app in a given language (tests pin English).
    pub fn with_lang(cc: &eframe::CreationContext<'_>, core: CoreHandle, lang: Lang) -> Self {
        let ctx = cc.egui_ctx.clone();
        let cjk_font_loaded = fonts::install_cjk_font(&ctx);
        theme::apply(&ctx, ThemeChoice::System);
        let repaint_ctx = ctx.clone();
        core.set_waker(Arc::new(move || {
            repaint_ctx.request_repaint_after(REPAINT_DELAY);
        }));
        // Events may have arrived before the waker was set.
        ctx.request_repaint();
        Self {
            core: Some(core),
            state: UiState::default(),
            lang,
            composer: Composer::default(),
            conversation: ConversationView::default(),
            search: SearchPanel::default(),
            form: None,
            settings_open: false,
            about_open: false,
            cjk_font_loaded,
            theme_shown: ThemeChoice::System,
            first_frame_file: std::env::var_os(FIRST_FRAME_ENV).map(Into::into),
        }
    }

    /// What the window shows (tests read it back).
    pub fn state(&self) -> &UiState {
        &self.state
    }

    /// The search results shown (tests read them back).
    pub fn search_hits(&self) -> &[crate::store::SearchHit] {
        self.search.hits()
    }

    /// The composer's draft (tests read it back).
    pub fn draft(&self) -> &str {
        self.composer.draft()
    }

    fn strings(&self) -> &'static Strings {
        self.lang.strings()
    }

    /// Applies waiting core events within [`DRAIN_BUDGET`].
    fn drain_events(&mut self, ctx: &egui::Context) {
        let start = Instant::now();
        while let Some(event) = self.core.as_mut().and_then(CoreHandle::try_recv) {
            if !self.on_event(&event) {
                self.state.apply(event);
            }
            if start.elapsed() > DRAIN_BUDGET {
                ctx.request_repaint();
                break;
            }
        }
    }

    /// UI-side reactions to events: the provider form closes once its save is confirmed, and
    /// shows a failed save's error itself. Returns whether the event was fully handled here.
    fn on_event(&mut self, event: &Event) -> bool {
        match event {
            Event::ProviderSaved { name }
                if self.form.as_ref().and_then(|f| f.pending.as_ref()) == Some(name) =>
            {
                self.form = None;
                true
            }
            Event::Error(message) => match self.form.as_mut().filter(|f| f.pending.is_some()) {
                Some(form) => {
                    form.failed(message);
                    true
                }
                None => false,
            },
            Event::SearchResults { query, hits } => {
                self.search.on_results(query, hits);
                true
            }
            _ => false,
        }
    }

    fn send_all(&mut self, commands: Vec<Command>) {
        for command in commands {
            let sent = self.core.as_ref().map(|core| core.send(command));
            if let Some(Err(err)) = sent {
                self.state.errors.push(err.to_string());
            }
        }
    }

    fn errors_ui(&mut self, ui: &mut egui::Ui) {
        let s = self.strings();
        let mut dismissed = None;
        for (index, error) in self.state.errors.iter().enumerate() {
            ui.horizontal(|ui| {
                if ui.small_button("✕").on_hover_text(s.dismiss).clicked() {
                    dismissed = Some(index);
                }
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(error).color(theme::error_text(ui.visuals())),
                    )
                    .wrap(),
                );
            });
        }
        if let Some(index) = dismissed {
            self.state.errors.remove(index);
        }
    }

    fn dotenv_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let s = self.strings();
        let Some(offer) = &self.state.dotenv_offer else {
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(s.dotenv_found);
            let endpoint = offer.endpoint.as_deref().unwrap_or("(no ENDPOINT)");
            let model = offer.model.as_deref().unwrap_or("(no MODEL)");
            let key = if offer.has_key {
                "API_KEY ✓"
            } else {
                "no API_KEY"
            };
            ui.monospace(format!("{endpoint} · {model} · {key}"));
            if ui.button(s.import).clicked() {
                commands.push(Command::ImportDotenv {
                    name: unique_name(&self.state, ".env"),
                });
            }
            if ui.button(s.dismiss).clicked() {
                commands.push(Command::DismissDotenv);
            }
        });
        ui.separator();
    }

    /// After a `.env` import: the plaintext key is still in the file; offer to remove it.
    fn dotenv_key_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let s = self.strings();
        let Some(path) = &self.state.dotenv_key_left else {
            return;
        };
        let mut dismissed = false;
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(theme::note_text(ui.visuals()), s.dotenv_key_left);
            ui.monospace(path.display().to_string());
            if ui.button(s.remove_key_line).clicked() {
                commands.push(Command::RemoveDotenvKey);
            }
            dismissed = ui.button(s.dismiss).clicked();
        });
        if dismissed {
            self.state.dotenv_key_left = None;
        }
    }

    fn welcome_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let s = self.strings();
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.add_space(24.0);
            ui.heading(s.welcome_title);
            ui.label(s.welcome_body);
            ui.add_space(12.0);
            self.dotenv_ui(ui, commands);
            let form = self.form.get_or_insert_with(ProviderForm::default);
            if let Some(command) = form.ui(ui, s) {
                commands.push(command);
            }
        });
    }

    fn settings_window(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let s = self.strings();
        let mut open = self.settings_open;
        egui::Window::new(s.providers)
            .open(&mut open)
            .default_width(560.0)
            .collapsible(false)
            .show(ctx, |ui| {
                commands.extend(theme_switch_ui(ui, s, self.state.theme));
                ui.separator();
                let (command, form) = provider_list_ui(
                    ui,
                    s,
                    &self.state.providers,
                    self.state.active_provider.as_deref(),
                );
                commands.extend(command);
                if form.is_some() {
                    self.form = form;
                }
                ui.separator();
                match self.form.as_mut() {
                    Some(form) => {
                        if let Some(command) = form.ui(ui, s) {
                            commands.push(command);
                        }
                        if ui.button(s.cancel).clicked() {
                            self.form = None;
                        }
                    }
                    None => {
                        if ui.button(s.add_provider).clicked() {
                            self.form = Some(ProviderForm::default());
                        }
                    }
                }
            });
        self.settings_open = open;
    }

    fn about_window(&mut self, ctx: &egui::Context) {
        let s = self.strings();
        egui::Window::new(s.about.trim_end_matches('…'))
            .open(&mut self.about_open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.heading("ocrchat");
                ui.label(format!("Version {}", crate::VERSION));
                ui.label("Ask an AI chat model about screenshots and documents.");
            });
    }

    fn provider_picker_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let s = self.strings();
        let current = self.state.active_provider.clone().unwrap_or_default();
        let label = ui.label(s.provider_label);
        egui::ComboBox::from_id_salt("active_provider")
            .selected_text(&current)
            .show_ui(ui, |ui| {
                for provider in &self.state.providers {
                    let name = &provider.config.name;
                    let text = format!("{name} · {}", provider.config.model);
                    if ui.selectable_label(*name == current, text).clicked() && *name != current {
                        commands.push(Command::SetActiveProvider { name: name.clone() });
                    }
                }
            })
            .response
            .labelled_by(label.id);
    }
}

/// Ctrl+Q (Cmd+Q) closes the window the way the close button does, so running replies are
/// saved; Ctrl+N starts a new chat; Esc stops the reply streaming in the open conversation.
fn shortcuts(ctx: &egui::Context, state: &UiState, commands: &mut Vec<Command>) {
    let (quit, new_chat, stop) = ctx.input_mut(|i| {
        (
            i.consume_key(egui::Modifiers::COMMAND, egui::Key::Q),
            i.consume_key(egui::Modifiers::COMMAND, egui::Key::N),
            state.is_streaming() && i.consume_key(egui::Modifiers::NONE, egui::Key::Escape),
        )
    });
    if let Some(conversation) = state.current.filter(|_| stop) {
        commands.push(Command::Stop { conversation });
    }
    if quit {
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
    if new_chat {
        commands.push(Command::NewConversation);
    }
}

/// `base`, or `base 2`, `base 3`… — the first name no provider has.
fn unique_name(state: &UiState, base: &str) -> String {
    let taken = |name: &str| state.providers.iter().any(|p| p.config.name == name);
    if !taken(base) {
        return base.to_owned();
    }
    (2..=u32::MAX)
        .map(|n| format!("{base} {n}"))
        .find(|name| !taken(name))
        .unwrap_or_else(|| base.to_owned())
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain_events(ctx);
        if !self.state.retries.is_empty() {
            // The retry countdown changes once a second.
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let s = self.strings();
        let ctx = ui.ctx().clone();
        let mut commands = Vec::new();
        // With no provider the welcome screen shows, unless the person opened a conversation
        // from the history: that stays readable without a provider.
        let welcome = self.state.providers_loaded
            && self.state.providers.is_empty()
            && self.state.messages.is_empty();
        shortcuts(&ctx, &self.state, &mut commands);
        if self.theme_shown != self.state.theme {
            self.theme_shown = self.state.theme;
            theme::apply(&ctx, self.theme_shown);
        }

        egui::Panel::left("sidebar")
            .resizable(true)
            .default_size(theme::SIDEBAR_WIDTH)
            .show(ui, |ui| {
                ui.add_space(6.0);
                if let Some((id, message)) = self.search.ui(ui, s, &mut commands) {
                    commands.push(Command::OpenConversation { id });
                    self.conversation.scroll_to(id, message);
                }
                if self.search.is_active() {
                    return;
                }
                match sidebar_ui(ui, s, &self.state, &mut commands) {
                    Some(SidebarAction::OpenSettings) => self.settings_open = true,
                    Some(SidebarAction::OpenAbout) => self.about_open = true,
                    None => {}
                }
            });

        if !self.state.errors.is_empty()
            || !self.cjk_font_loaded
            || self.state.dotenv_key_left.is_some()
        {
            egui::Panel::top("notices").show(ui, |ui| {
                if !self.cjk_font_loaded {
                    ui.colored_label(theme::note_text(ui.visuals()), s.no_cjk_font);
                }
                self.dotenv_key_ui(ui, &mut commands);
                self.errors_ui(ui);
            });
        }

        if !welcome {
            egui::Panel::top("toolbar").show(ui, |ui| {
                ui.horizontal(|ui| self.provider_picker_ui(ui, &mut commands));
            });
            egui::Panel::bottom("composer").show(ui, |ui| {
                ui.add_space(6.0);
                let streaming = self.state.is_streaming();
                let can_send = self.state.active_provider.is_some();
                match self.composer.ui(ui, s, streaming, can_send) {
                    Some(ComposerAction::Send(text)) => commands.push(Command::Send {
                        conversation: self.state.current,
                        text,
                        options: SendOptions::default(),
                    }),
                    Some(ComposerAction::Stop) => {
                        if let Some(conversation) = self.state.current {
                            commands.push(Command::Stop { conversation });
                        }
                    }
                    None => {}
                }
                ui.add_space(6.0);
            });
        }

        egui::CentralPanel::default().show(ui, |ui| {
            if welcome {
                self.welcome_ui(ui, &mut commands);
            } else {
                self.dotenv_ui(ui, &mut commands);
                self.conversation.ui(ui, s, &self.state, &mut commands);
            }
        });

        if self.settings_open {
            self.settings_window(&ctx, &mut commands);
        }
        if self.about_open {
            self.about_window(&ctx);
        }
        self.send_all(commands);
        if let Some(path) = self.first_frame_file.take() {
            // Only under the start-up benchmark: one tiny write, once.
            std::fs::write(path, b"first frame\n").ok();
        }
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(core) = self.core.take() {
            // Running replies are stopped and saved with their text so far.
            core.shutdown(Duration::from_secs(3));
        }
    }
}

/// The theme switch in Settings: System, Dark or Light; a change becomes a command that the
/// core saves in the settings file and reports back.
fn theme_switch_ui(ui: &mut egui::Ui, s: &Strings, current: ThemeChoice) -> Option<Command> {
    let mut chosen = current;
    ui.horizontal(|ui| {
        ui.label(s.theme);
        for (choice, label) in [
            (ThemeChoice::System, s.theme_system),
            (ThemeChoice::Dark, s.theme_dark),
            (ThemeChoice::Light, s.theme_light),
        ] {
            ui.selectable_value(&mut chosen, choice, label);
        }
    });
    (chosen != current).then_some(Command::SetTheme { theme: chosen })
}
