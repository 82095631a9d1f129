//! The command line: the same core as the window, driven headless. One file per subcommand.

mod ask;

pub use ask::{AskArgs, run_ask};
