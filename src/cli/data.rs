//! `ocrchat data delete-all --yes`: the history (and with it the search index), the log, the
//! settings, and the keyring entry of every configured provider. Without `--yes` it only says
//! what would go.

use std::io::Write as _;
use std::path::Path;

use crate::config::{Paths, Settings};
use crate::secrets::KeyringStore;

/// The arguments of `ocrchat data`.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DataCommand,
}

/// `ocrchat data` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum DataCommand {
    /// Delete all of ocrchat's data: history, search index, log, settings and the keys of
    /// the configured providers in the keyring.
    DeleteAll {
        /// Really delete (without it, nothing is deleted).
        #[arg(long)]
        yes: bool,
    },
}

/// What went wrong, as one line for stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DataFailed(pub String);

/// Runs `ocrchat data …` with the app's own keyring service.
pub fn run_data(args: &DataArgs, paths: &Paths) -> Result<(), DataFailed> {
    let DataCommand::DeleteAll { yes } = args.command;
    let keyring = KeyringStore::new(KeyringStore::DEFAULT_SERVICE);
    let deleted = if yes {
        delete_all(paths, &keyring)?
    } else {
        return Err(DataFailed(format!(
            "Nothing was deleted. This would delete every conversation and the search index \
             ({}), the log, the settings ({}) and the keys of the configured providers in the \
             keyring. To go ahead, run `ocrchat data delete-all --yes` (close the ocrchat \
             window first).",
            paths.data_dir.display(),
            paths.config_dir.display()
        )));
    };
    let mut out = std::io::stdout().lock();
    for line in deleted {
        if writeln!(out, "deleted {line}").is_err() {
            break;
        }
    }
    Ok(())
}

/// Deletes the keyring entries of the providers in the settings, then the data and config
/// folders. Returns what it deleted; fails naming what it could not delete (what it could,
/// it did).
pub fn delete_all(paths: &Paths, keyring: &KeyringStore) -> Result<Vec<String>, DataFailed> {
    let mut deleted = Vec::new();
    let mut failed = Vec::new();
    match Settings::load(&paths.config_file()) {
        Ok(settings) => {
            for provider in &settings.providers {
                match keyring.delete(&provider.name) {
                    Ok(()) => deleted.push(format!("the keyring entry of {}", provider.name)),
                    Err(err) => failed.push(format!(
                        "the keyring entry of {} ({err}); delete it in your system's password manager",
                        provider.name
                    )),
                }
            }
        }
        Err(err) => failed.push(format!(
            "the keyring entries, because the settings naming them could not be read ({err})"
        )),
    }
    for dir in [&paths.data_dir, &paths.config_dir] {
        match remove_dir(dir) {
            Ok(true) => deleted.push(dir.display().to_string()),
            Ok(false) => {}
            Err(err) => failed.push(format!("{} ({err})", dir.display())),
        }
    }
    if failed.is_empty() {
        Ok(deleted)
    } else {
        Err(DataFailed(format!(
            "Could not delete {}. Everything else was deleted.",
            failed.join("; ")
        )))
    }
}

/// Removes `dir` and everything in it; `Ok(false)` when it did not exist.
fn remove_dir(dir: &Path) -> std::io::Result<bool> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}
