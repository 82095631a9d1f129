//! Replies rendered as Markdown by a small renderer of our own over `pulldown-cmark`.
//!
//! Why not `egui_commonmark`: its list markers sit above the text's baseline, H1 and H2 share a
//! size, tables have no header style or alignment, task items show a bullet and a checkbox, the
//! code copy icon covers long lines and bold is only a colour. Here a reply is parsed once into
//! view data ([`blocks::parse`], pure and testable without egui), cached per message, and
//! drawn with one galley per paragraph so mixed styles share a baseline.
//!
//! The one seam: [`markdown_ui`] with a [`MarkdownCache`] owned by the conversation view.

mod autolink;
pub mod blocks;
mod builder;
mod code;
pub mod highlight;
mod inline;
mod render;
mod table;

use std::collections::HashMap;
use std::hash::{BuildHasher as _, Hash};
use std::sync::Arc;

use blocks::Block;

use super::strings::Strings;

/// Entries kept before unused ones are dropped.
const CACHE_SOFT_LIMIT: usize = 2048;
/// An entry not drawn for this many passes is dropped when the cache is over its limit.
const CACHE_IDLE_PASSES: u64 = 120;

/// Parsed replies, keyed by message: a finished reply is parsed once; a streaming one again
/// only when its text changed.
#[derive(Default)]
pub struct MarkdownCache {
    entries: HashMap<egui::Id, Entry>,
    hasher: std::collections::hash_map::RandomState,
    parses: u64,
}

struct Entry {
    len: usize,
    hash: u64,
    blocks: Arc<Vec<Block>>,
    used_pass: u64,
}

impl MarkdownCache {
    /// How many times a text was parsed (tests check that drawing again does not reparse).
    pub fn parses(&self) -> u64 {
        self.parses
    }

    /// The blocks of `text` under `key`, parsed only when the text changed.
    fn blocks(&mut self, key: egui::Id, text: &str, pass: u64) -> Arc<Vec<Block>> {
        let hash = self.hasher.hash_one(text);
        if let Some(entry) = self.entries.get_mut(&key)
            && entry.len == text.len()
            && entry.hash == hash
        {
            entry.used_pass = pass;
            return Arc::clone(&entry.blocks);
        }
        if self.entries.len() >= CACHE_SOFT_LIMIT {
            self.entries
                .retain(|_, e| e.used_pass + CACHE_IDLE_PASSES >= pass);
        }
        self.parses += 1;
        let blocks = Arc::new(blocks::parse(text));
        self.entries.insert(
            key,
            Entry {
                len: text.len(),
                hash,
                blocks: Arc::clone(&blocks),
                used_pass: pass,
            },
        );
        blocks
    }
}

/// Draws `text` as Markdown. `key` names the message (its cache entry and the ids of its code
/// blocks); colours come from the theme of `ui`'s visuals.
pub fn markdown_ui(
    ui: &mut egui::Ui,
    cache: &mut MarkdownCache,
    key: impl Hash + std::fmt::Debug,
    text: &str,
    s: &Strings,
) {
    let id = egui::Id::unique(("markdown", key));
    let blocks = cache.blocks(id, text, ui.ctx().cumulative_pass_nr());
    let has_bold = ui.ctx().fonts(|f| {
        f.definitions()
            .families
            .contains_key(&super::fonts::bold_family())
    });
    let cx = render::RenderCx::new(ui, has_bold, s);
    ui.vertical(|ui| render::blocks_ui(ui, &cx, id, &blocks, cx.palette.text));
}

#[cfg(test)]
mod tests;
