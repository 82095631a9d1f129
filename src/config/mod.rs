//! Settings and platform paths.

mod capture;
mod paths;
pub mod private_files;
mod settings;

pub use capture::{ASK_PRESETS, CaptureSettings};
pub use paths::Paths;
pub use settings::{MAX_SETTINGS_BYTES, Settings, SettingsError, ThemeChoice};
