//! The egui window. Draws [`state::UiState`] and sends [`crate::core::Command`]s; does no
//! I/O and holds no business logic.
//!
//! **Architecture invariant:** nothing in `ui/` touches the network, the disk (beyond
//! mapping a font at start) or the keyring; all of that happens in the core.

mod app;
pub mod attachments;
pub mod attachments_dialog;
mod attachments_settings;
mod attachments_ui;
mod capture;
mod capture_overlay;
mod capture_settings;
mod composer;
mod conversation;
mod dialogs;
mod find;
pub mod fonts;
pub mod inspector;
pub mod links;
pub mod markdown;
mod model_picker;
mod model_settings_form;
mod providers;
mod reply_waits;
mod row_heights;
mod search;
mod shortcuts;
mod sidebar;
pub mod state;
pub mod strings;
pub mod theme;

pub use app::App;

use crate::core::{CoreHandle, CoreOptions};

/// Why the window could not run.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// The core could not start.
    #[error("could not start: {0}")]
    Core(#[from] std::io::Error),
    /// No display server to open a window on.
    #[error(
        "no display was found (DISPLAY and WAYLAND_DISPLAY are not set). Start ocrchat from a desktop session, or use the command line: `ocrchat ask --help`"
    )]
    NoDisplay,
    /// No window could be opened (no display, no OpenGL).
    #[error(
        "could not open the window: {0}. Is a display available (DISPLAY or WAYLAND_DISPLAY)? For headless use, try `ocrchat ask`."
    )]
    Window(String),
}

/// Opens the window and runs until it is closed.
pub fn run(runtime: &tokio::runtime::Handle, options: CoreOptions) -> Result<(), UiError> {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    if cfg!(target_os = "linux") && !has_display {
        return Err(UiError::NoDisplay);
    }
    let core = CoreHandle::start(runtime, options)?;
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("ocrchat")
            .with_app_id("ocrchat")
            .with_inner_size([1100.0, 760.0])
            .with_min_inner_size([560.0, 400.0]),
        // The window is the whole app; egui's own memory (window positions) is not persisted.
        persist_window: false,
        ..Default::default()
    };
    let signals = runtime.clone();
    eframe::run_native(
        "ocrchat",
        native,
        Box::new(move |cc| {
            signals.spawn(close_on_signal(cc.egui_ctx.clone()));
            Ok(Box::new(App::new(cc, core)))
        }),
    )
    .map_err(|err| UiError::Window(err.to_string().trim_end_matches('.').to_owned()))
}

/// Closes the window the way its close button does when the process is asked to end
/// (Ctrl+C in a terminal, SIGTERM at logout), so replies in flight are saved as stopped.
async fn close_on_signal(ctx: egui::Context) {
    crate::cli::end_requested().await;
    tracing::info!("asked to end: closing the window");
    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    ctx.request_repaint();
}
