//! The command line: the same core as the window, driven headless. One file per subcommand.

mod ask;
mod data;
mod export;
mod export_html;
mod export_md;
mod import;
mod ocr;
pub mod output;
mod providers;
mod search;

pub use ask::{AskArgs, run_ask};
pub use data::{DataArgs, DataCommand, DataFailed, delete_all, run_data};
pub use export::{ExportArgs, ExportFailed, ExportFormat, run_export};
pub use export_md::conversation_markdown;
pub use import::{ImportArgs, ImportFailed, import, run_import};
pub use ocr::{OcrArgs, OcrFormat, run_ocr};
pub use providers::{ProvidersArgs, run_providers};
pub use search::{SearchArgs, SearchFailed, run_search};

/// Resolves when the process is asked to end: Ctrl+C (SIGINT) or, on Unix, SIGTERM. If the
/// signal handlers cannot be installed it never resolves (the default handling applies).
pub async fn end_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
