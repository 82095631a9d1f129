//! The `eframe::App`: drains core events in `logic`, draws panels from [`UiState`] in `ui`,
//! and sends the commands the panels produced at the end of the frame.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::ThemeChoice;
use crate::core::{Command, CoreHandle, Event};

use super::capture::CaptureUi;
use super::composer::Composer;
use super::conversation::ConversationView;
use super::dialogs::{Dialog, DialogOutcome};
use super::find::FindBar;
use super::links::keep_safe_links;
use super::providers::ProviderForm;
use super::search::SearchPanel;
use super::sidebar::{SidebarAction, sidebar_ui};
use super::state::UiState;
use super::strings::{Lang, Strings};
use super::{fonts, theme};

mod actions;
mod capture;
mod panels;

/// The most time one frame spends applying core events; the rest waits for the next frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);
/// Set by the start-up benchmark: a file the first frame creates.
const FIRST_FRAME_ENV: &str = "OCRCHAT_FIRST_FRAME_FILE";
/// Delay before repainting after the core wakes us: a burst of tokens becomes one repaint.
const REPAINT_DELAY: Duration = Duration::from_millis(10);
/// How long a streaming reply may stay silent before the window says so beside Stop.
pub const SILENCE_NOTICE_AFTER: Duration = Duration::from_secs(15);
/// The dismiss button of an error notice: a glyph egui's own fonts have (tested).
pub(super) const DISMISS_GLYPH: &str = "×";

/// The window.
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent window flags (open panels, pending focus), each set in one place"
)]
pub struct App {
    core: Option<CoreHandle>,
    state: UiState,
    lang: Lang,
    composer: Composer,
    conversation: ConversationView,
    /// The history search atop the sidebar (Ctrl+K).
    search: SearchPanel,
    /// The open conversation's provider and model, atop the chat.
    model_picker: super::model_picker::ModelPicker,
    /// The find bar atop the conversation (Ctrl+F, and a search result's words).
    find: FindBar,
    /// The OCR inspector window (issue 11).
    inspector: super::inspector::Inspector,
    /// The provider form on the welcome screen or in Settings.
    form: Option<ProviderForm>,
    settings_open: bool,
    about_open: bool,
    /// An open modal dialog (confirm a delete, rename).
    dialog: Option<Dialog>,
    sidebar_open: bool,
    /// "New chat" was pressed on the welcome screen: show the chat even without a provider.
    welcome_dismissed: bool,
    /// Whether the welcome screen showed last frame.
    showing_welcome: bool,
    /// Put the cursor in the composer when it is next drawn.
    focus_composer: bool,
    silence_notice_after: Duration,
    /// The zoom the core has saved (`None` until it reported the remembered one).
    saved_zoom: Option<f32>,
    cjk_font_loaded: bool,
    /// The theme the window shows, to notice when Settings changes it.
    theme_shown: ThemeChoice,
    /// Benchmarks set `OCRCHAT_FIRST_FRAME_FILE`; the first frame writes it (start-up time).
    first_frame_file: Option<std::path::PathBuf>,
    /// Screen capture: the button, the hotkeys and the freeze overlay.
    capture: CaptureUi,
    /// A "capture and ask" question waiting for its image to be read.
    pending_ask: Option<capture::PendingAsk>,
    /// The Attach… button's file dialog.
    attach_dialog: super::attachments_dialog::AttachDialog,
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
        // The core's messages (errors, refusals) in the window's language; a full queue at
        // start is impossible (it is the first command).
        core.send(crate::core::Command::SetLanguage { lang }).ok();
        Self {
            core: Some(core),
            state: UiState::default(),
            lang,
            composer: Composer::default(),
            conversation: ConversationView::default(),
            search: SearchPanel::default(),
            model_picker: super::model_picker::ModelPicker::default(),
            find: FindBar::default(),
            inspector: super::inspector::Inspector::default(),
            form: None,
            settings_open: false,
            about_open: false,
            dialog: None,
            sidebar_open: true,
            welcome_dismissed: false,
            showing_welcome: false,
            focus_composer: false,
            silence_notice_after: SILENCE_NOTICE_AFTER,
            saved_zoom: None,
            cjk_font_loaded,
            theme_shown: ThemeChoice::System,
            first_frame_file: std::env::var_os(FIRST_FRAME_ENV).map(Into::into),
            capture: CaptureUi::default(),
            pending_ask: None,
            attach_dialog: super::attachments_dialog::AttachDialog::new(
                super::attachments_dialog::system_picker(
                    lang.strings().attach_dialog_title,
                    lang.strings().attach_filter,
                ),
            ),
        }
    }

    /// Asks for files through `picker` instead of the system's dialog (tests choose files).
    #[must_use]
    pub fn with_file_picker(mut self, picker: super::attachments_dialog::FilePicker) -> Self {
        self.attach_dialog = super::attachments_dialog::AttachDialog::new(picker);
        self
    }

    /// What the window shows (tests read it back).
    pub fn state(&self) -> &UiState {
        &self.state
    }

    /// The search field, and below it its results or else the history list.
    fn sidebar_contents(
        &mut self,
        ui: &mut egui::Ui,
        s: &'static Strings,
        commands: &mut Vec<Command>,
    ) -> Option<SidebarAction> {
        ui.add_space(6.0);
        if let Some((id, message)) = self.search.ui(ui, s, commands) {
            commands.push(Command::OpenConversation { id });
            self.conversation.scroll_to(id, message);
            self.find.open_with(self.search.query(), message);
        }
        if self.search.is_active() {
            return None;
        }
        sidebar_ui(ui, s, &self.state, commands)
    }

    /// The open conversation under its find bar.
    fn chat_ui(&mut self, ui: &mut egui::Ui, s: &'static Strings, commands: &mut Vec<Command>) {
        self.dotenv_ui(ui, commands);
        if let Some(message) = self.find.ui(ui, s, &self.state)
            && let Some(open) = self.state.current
        {
            self.conversation.scroll_to(open, Some(message));
        }
        self.conversation.ui(ui, s, &self.state, commands);
    }

    /// The find bar: (current occurrence, how many) and the current one's message, when it
    /// is open (tests read it back).
    pub fn find_position(&self) -> Option<((usize, usize), Option<crate::store::MessageId>)> {
        self.find
            .is_open()
            .then(|| (self.find.position(), self.find.current_message()))
    }

    /// The OCR inspector (tests read it back).
    pub fn inspector(&self) -> &super::inspector::Inspector {
        &self.inspector
    }

    /// The search results shown (tests read them back).
    pub fn search_hits(&self) -> &[crate::store::SearchHit] {
        self.search.hits()
    }

    /// The composer's draft (tests read it back).
    pub fn draft(&self) -> &str {
        self.composer.draft()
    }

    /// The hint or refusal shown under the composer (tests read it back).
    pub fn composer_notice(&self) -> Option<&str> {
        self.composer.notice()
    }

    /// Whether the conversation showed its newest message when last drawn.
    pub fn is_at_latest(&self) -> bool {
        self.conversation.is_at_bottom()
    }

    /// Changes how long a streaming reply stays silent before the window says so (tests use
    /// a short one; the window waits 15 s).
    #[must_use]
    pub fn with_silence_notice_after(mut self, after: Duration) -> Self {
        self.silence_notice_after = after;
        self
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
            self.state.sent_attachments.upload(ctx);
            if start.elapsed() > DRAIN_BUDGET {
                ctx.request_repaint();
                break;
            }
        }
    }

    /// UI-side reactions to events: the composer clears only once its question is accepted
    /// (and keeps it with the reason when refused); the provider form closes once its save is
    /// confirmed, and shows a failed save's error itself. Returns whether the event was fully
    /// handled here.
    fn on_event(&mut self, event: &Event) -> bool {
        match event {
            Event::QuestionAccepted { .. } => {
                self.composer.accepted();
                self.state.attachments.accepted();
                self.conversation.jump_to_latest();
                true
            }
            Event::QuestionRefused { reason } => {
                self.composer.refused(reason);
                self.state.attachments.refused();
                true
            }
            Event::ProviderSaved { name }
                if self.form.as_ref().and_then(|f| f.pending.as_ref()) == Some(name) =>
            {
                self.form = None;
                // The first provider: the chat replaces the welcome screen, ready to type.
                self.focus_composer |= self.showing_welcome;
                true
            }
            Event::ProviderTested { name, outcome } => match self.form.as_mut() {
                Some(form) => {
                    form.tested(name, outcome);
                    true
                }
                None => false,
            },
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
            Event::Inspector(event) => {
                let event = event.clone();
                self.inspector.on_event(event, &mut self.state.attachments);
                true
            }
            _ => false,
        }
    }

    fn send_all(&mut self, commands: Vec<Command>) {
        let busy = self.strings().core_busy;
        for command in commands {
            let is_question = matches!(command, Command::Send { .. });
            let sent = self.core.as_ref().map(|core| core.send(command));
            if let Some(Err(_busy)) = sent {
                if is_question {
                    // Not taken: the composer keeps the text and says why.
                    self.composer.refused(busy);
                } else {
                    self.state.errors.push(busy.to_owned());
                }
            }
        }
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain_events(ctx);
        self.capture_logic(ctx);
        if let Some(remembered) = self.state.ui_zoom.take() {
            if let Some(zoom) = remembered {
                ctx.set_zoom_factor(zoom);
            }
            self.saved_zoom = Some(remembered.unwrap_or_else(|| ctx.zoom_factor()));
        }
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
        // from the history or pressed New chat: those stay usable without a provider.
        let welcome = self.state.providers_loaded
            && self.state.providers.is_empty()
            && self.state.messages.is_empty()
            && !self.welcome_dismissed;
        self.showing_welcome = welcome;
        self.run_shortcuts(&ctx, &mut commands);
        super::attachments_ui::take_dropped_and_pasted(&ctx, s, &mut commands);
        self.capture_frame(&ctx, s, &mut commands);
        if self.theme_shown != self.state.theme {
            self.theme_shown = self.state.theme;
            theme::apply(&ctx, self.theme_shown);
        }

        // Ctrl+K shows the sidebar, whose search field takes it.
        let mut sidebar_open =
            self.sidebar_open || ctx.input(|i| i.modifiers.command && i.key_pressed(egui::Key::K));
        let sidebar = egui::Panel::left("sidebar")
            .resizable(true)
            .default_size(theme::SIDEBAR_WIDTH)
            .show_collapsible(ui, &mut sidebar_open, |ui| {
                self.sidebar_contents(ui, s, &mut commands)
            });
        self.sidebar_open = sidebar_open;
        if let Some(action) = sidebar.and_then(|r| r.inner) {
            self.sidebar_action(action, &mut commands);
        }

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

        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.horizontal(|ui| {
                let toggle = if self.sidebar_open {
                    s.hide_sidebar
                } else {
                    s.show_sidebar
                };
                if ui.button(toggle).clicked() {
                    self.sidebar_open = !self.sidebar_open;
                }
                if !welcome {
                    self.model_picker.ui(ui, s, &self.state, &mut commands);
                }
            });
        });
        if !welcome {
            egui::Panel::bottom("composer").show(ui, |ui| {
                ui.add_space(6.0);
                self.composer_ui(ui, &mut commands);
                ui.add_space(6.0);
            });
        }

        egui::CentralPanel::default().show(ui, |ui| {
            if welcome {
                self.welcome_ui(ui, &mut commands);
            } else {
                self.chat_ui(ui, s, &mut commands);
            }
        });

        if self.settings_open {
            self.settings_window(&ctx, &mut commands);
        }
        if self.about_open {
            self.about_window(&ctx);
        }
        self.inspector
            .ui(&ctx, s, &mut self.state.attachments, &mut commands);
        if let Some(dialog) = self.dialog.as_mut() {
            match dialog.ui(&ctx, s) {
                DialogOutcome::Open => {}
                DialogOutcome::Cancelled => self.dialog = None,
                DialogOutcome::Done(command) => {
                    commands.push(command);
                    self.dialog = None;
                }
            }
        }
        keep_safe_links(&ctx);
        // Ctrl +/− (egui's own zoom keys) is remembered for the next start.
        let zoom = ctx.zoom_factor();
        if self
            .saved_zoom
            .is_some_and(|saved| (saved - zoom).abs() > 1e-3)
        {
            self.saved_zoom = Some(zoom);
            commands.push(Command::SetUiZoom { zoom });
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
pub(super) fn theme_switch_ui(
    ui: &mut egui::Ui,
    s: &Strings,
    current: ThemeChoice,
) -> Option<Command> {
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
