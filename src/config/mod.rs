//! Settings and platform paths.

mod paths;
mod settings;

pub use paths::Paths;
pub use settings::{Settings, SettingsError, ThemeChoice};
