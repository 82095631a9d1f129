//! ocrchat: ask an AI chat model about screenshots and documents, natively.
//!
//! The crate is a UI-agnostic core ([`core`]) that the egui window ([`ui`], behind the default
//! `gui` feature) and the command line ([`cli`]) both drive through commands and events.
//!
//! # Failure handling overview
//! - Every error a user can meet is a typed error whose `Display` names the cause and the
//!   next step (for example [`llm::LlmError`]); the window shows it, the CLI prints it on
//!   stderr and exits non-zero.
//! - A reply is never lost: it is written to SQLite while it streams, kept when the user
//!   stops it or the connection breaks, and marked interrupted if the app ends mid-reply.
//! - Requests are retried only before any reply text arrives (no double-billed generations).
//! - API keys live in the OS keyring and travel only inside [`secrets::ApiKey`], which never
//!   prints its value.

#[cfg(feature = "gui")]
pub mod capture;
pub mod cli;
pub mod config;
pub mod core;
pub mod domain;
pub mod lang;
pub mod llm;
pub mod ocr;
pub mod prompt;
pub mod search;
pub mod secrets;
pub mod store;
#[cfg(feature = "gui")]
pub mod ui;
pub mod vision;

/// The version and commit shown in the About box and `--version`.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("OCRCHAT_COMMIT"), ")");
