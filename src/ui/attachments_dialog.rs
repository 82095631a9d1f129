//! The Attach… button's file dialog (several images at once, image filters). The dialog runs
//! on a thread of its own (`ocrchat-file-dialog`), so the window keeps drawing while it is
//! open; the chosen paths come back over a bounded channel and become `Command::Attach`, the
//! same seam as a dropped file (the core reads the files, never the UI).
//!
//! On Linux rfd asks the XDG desktop portal over D-Bus (libdbus, loaded at run time) and
//! falls back to zenity when no portal answers; with neither, nothing opens (rfd logs why)
//! and dropping or pasting still attach.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

/// The extensions the dialog's filter shows: the formats OCR reads.
pub const IMAGE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif", "PNG", "JPG", "JPEG",
];

/// Asks the person for files; `None` when cancelled. Runs on the dialog's thread.
pub type FilePicker = Arc<dyn Fn() -> Option<Vec<PathBuf>> + Send + Sync>;

/// The system's file dialog (rfd), titled `title`, filtering images under `filter_name`.
pub fn system_picker(title: &'static str, filter_name: &'static str) -> FilePicker {
    Arc::new(move || {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title(title)
            .add_filter(filter_name, IMAGE_EXTENSIONS);
        let files = pollster::block_on(dialog.pick_files())?;
        Some(files.iter().map(|f| f.path().to_path_buf()).collect())
    })
}

/// The dialog's state in the window: at most one open at a time.
pub struct AttachDialog {
    picker: FilePicker,
    waiting: Option<Receiver<Vec<PathBuf>>>,
}

impl std::fmt::Debug for AttachDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachDialog")
            .field("open", &self.is_open())
            .finish_non_exhaustive()
    }
}

impl AttachDialog {
    /// A dialog that asks through `picker`.
    pub fn new(picker: FilePicker) -> Self {
        Self {
            picker,
            waiting: None,
        }
    }

    /// True while the dialog is open.
    pub fn is_open(&self) -> bool {
        self.waiting.is_some()
    }

    /// Opens the dialog on its own thread; the window is woken when it closes.
    ///
    /// # Errors
    /// The thread could not be started (the message says so).
    pub fn open(&mut self, ctx: &egui::Context) -> Result<(), String> {
        if self.is_open() {
            return Ok(());
        }
        let (tx, rx) = sync_channel(1);
        let picker = Arc::clone(&self.picker);
        let ctx = ctx.clone();
        std::thread::Builder::new()
            .name("ocrchat-file-dialog".into())
            .spawn(move || {
                let chosen = picker().unwrap_or_default();
                tx.send(chosen).ok();
                ctx.request_repaint();
            })
            .map_err(|err| format!("The file dialog could not be opened: {err}. Drop the images on the window instead."))?;
        self.waiting = Some(rx);
        Ok(())
    }

    /// The files chosen since the last call (none while the dialog is open or was cancelled).
    pub fn take_chosen(&mut self) -> Vec<PathBuf> {
        let Some(rx) = &self.waiting else {
            return Vec::new();
        };
        match rx.try_recv() {
            Ok(paths) => {
                self.waiting = None;
                paths
            }
            Err(TryRecvError::Empty) => Vec::new(),
            Err(TryRecvError::Disconnected) => {
                self.waiting = None;
                Vec::new()
            }
        }
    }
}
