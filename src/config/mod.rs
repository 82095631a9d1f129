//! Settings and platform paths.

mod paths;
pub mod private_files;
mod settings;

pub use paths::Paths;
pub use settings::{MAX_SETTINGS_BYTES, Settings, SettingsError, ThemeChoice};
