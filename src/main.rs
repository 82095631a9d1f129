//! Parses the command line, builds the one tokio runtime, and starts the window or a CLI
//! command.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ocrchat::cli::output::diagnostic;
use ocrchat::config::Paths;
use ocrchat::core::CoreOptions;

#[derive(Parser)]
#[command(name = "ocrchat", version = ocrchat::VERSION, about = "Ask an AI chat model about screenshots and documents")]
struct Cli {
    #[command(subcommand)]
    command: Option<CliCommand>,
}

#[derive(Subcommand)]
enum CliCommand {
    /// Ask one question; the reply streams to stdout.
    Ask(ocrchat::cli::AskArgs),
    /// Search the history; one matching message a line, best first.
    Search(ocrchat::cli::SearchArgs),
    /// Export conversations to Markdown, JSON or HTML (never with a key).
    Export(ocrchat::cli::ExportArgs),
    /// Import a JSON export, merging it with the history (nothing is added twice).
    Import(ocrchat::cli::ImportArgs),
    /// Manage ocrchat's data (`data delete-all --yes`).
    Data(ocrchat::cli::DataArgs),
    /// Manage saved providers: list, add, edit, remove, test.
    Providers(ocrchat::cli::ProvidersArgs),
    /// Read the text in image files (OCR) and print it.
    Ocr(ocrchat::cli::OcrArgs),
}

fn main() -> ExitCode {
    // libtesseract's OpenMP reads OMP_THREAD_LIMIT only at process start: re-run with it set.
    if let Some(err) = ocrchat::ocr::thread_limit::reexec_if_missing() {
        diagnostic(&format!(
            "could not restart with OMP_THREAD_LIMIT=1 ({err}); OCR will be slower."
        ));
    }
    let cli = Cli::parse();
    match cli.command {
        // `ocr` needs neither the settings paths nor the async runtime.
        Some(CliCommand::Ocr(args)) => {
            init_logging_stderr();
            ocrchat::cli::run_ocr(&args)
        }
        Some(CliCommand::Ask(args)) => with_core(|runtime, options| {
            init_logging_stderr();
            match runtime.block_on(ocrchat::cli::run_ask(args, options)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    diagnostic(&err.to_string());
                    // 128 + SIGINT, as shells report a program ended by Ctrl+C.
                    if err.is_interrupted() {
                        ExitCode::from(130)
                    } else {
                        ExitCode::FAILURE
                    }
                }
            }
        }),
        Some(CliCommand::Search(args)) => with_paths(|paths| {
            init_logging_stderr();
            exit_code(ocrchat::cli::run_search(&args, &paths))
        }),
        Some(CliCommand::Export(args)) => with_paths(|paths| {
            init_logging_stderr();
            exit_code(ocrchat::cli::run_export(&args, &paths))
        }),
        Some(CliCommand::Import(args)) => with_paths(|paths| {
            init_logging_stderr();
            exit_code(ocrchat::cli::run_import(&args, &paths))
        }),
        Some(CliCommand::Data(args)) => with_paths(|paths| {
            init_logging_stderr();
            exit_code(ocrchat::cli::run_data(&args, &paths))
        }),
        Some(CliCommand::Providers(args)) => with_core(|runtime, options| {
            init_logging_stderr();
            match runtime.block_on(ocrchat::cli::run_providers(args, options)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    diagnostic(&err.to_string());
                    ExitCode::FAILURE
                }
            }
        }),
        None => with_core(run_window),
    }
}

/// Runs `run` with the platform paths (settings, history), or says why there are none.
fn with_paths(run: impl FnOnce(Paths) -> ExitCode) -> ExitCode {
    let Some(paths) = Paths::platform() else {
        diagnostic("no home directory is known, so there is nowhere to keep settings. Set HOME.");
        return ExitCode::FAILURE;
    };
    run(paths)
}

/// Builds what the core needs (the platform paths and the one tokio runtime), runs `run`, then
/// ends the runtime.
fn with_core(run: impl FnOnce(&tokio::runtime::Runtime, CoreOptions) -> ExitCode) -> ExitCode {
    with_paths(|paths| with_runtime(paths, run))
}

fn with_runtime(
    paths: Paths,
    run: impl FnOnce(&tokio::runtime::Runtime, CoreOptions) -> ExitCode,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ocrchat-core")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            diagnostic(&format!("could not start the async runtime: {err}"));
            return ExitCode::FAILURE;
        }
    };
    let code = run(&runtime, CoreOptions::new(paths));
    // A keyring call stuck in an unanswered D-Bus request (a locked keyring whose prompt
    // nobody answers) must not keep the process alive once its reply was stopped.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    code
}

/// Success, or the error on stderr and failure.
fn exit_code<E: std::fmt::Display>(result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            diagnostic(&err.to_string());
            ExitCode::FAILURE
        }
    }
}

/// CLI logging: warnings by default, `RUST_LOG` to change; never on stdout (that is the reply).
fn init_logging_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // A second logger (never the case here) would be refused; logging is optional anyway.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init()
        .ok();
}

/// Window logging: started from a desktop, stderr goes nowhere, so log to a file in the data
/// dir (info and up; `RUST_LOG` to change). Falls back to stderr if the file cannot be opened.
#[cfg(feature = "gui")]
fn init_logging_file(path: &std::path::Path) {
    // 0600 in a 0700 folder; a FIFO or device in its place is refused, never waited on.
    let file = ocrchat::config::private_files::open_private_append(path);
    let Ok(file) = file else {
        init_logging_stderr();
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second logger (never the case here) would be refused; logging is optional anyway.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .ok();
    tracing::info!("ocrchat {} starting", ocrchat::VERSION);
}

#[cfg(feature = "gui")]
fn run_window(runtime: &tokio::runtime::Runtime, options: CoreOptions) -> ExitCode {
    init_logging_file(&options.paths.log_file());
    match ocrchat::ui::run(runtime.handle(), options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            diagnostic(&err.to_string());
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "gui"))]
fn run_window(_runtime: &tokio::runtime::Runtime, _options: CoreOptions) -> ExitCode {
    diagnostic(
        "this build has no window (built without the `gui` feature). Try `ocrchat ask --help`.",
    );
    ExitCode::FAILURE
}
