//! The request history of the conversations in use, kept in the engine (issue #9 §5), so a
//! question does not read and convert the whole history from SQLite again.
//!
//! A conversation's history is loaded when it is opened (or on its first question, as the
//! CLI asks), then kept current by the engine: a question is appended when it is stored, a
//! reply when its stream ends (a Continue's reply is replaced in place), and the whole entry
//! goes when the conversation is deleted. Only the conversation open in the window and those
//! with a reply streaming are kept; the others are dropped when another one is opened, so
//! memory does not grow with the number of conversations visited.

use super::context_window::HistoryEntry;
use crate::store::ConversationId;

/// The most conversations kept at once, whatever is in use (a bound for a CLI or a script
/// that asks in many conversations without opening any).
const MAX_CONVERSATIONS: usize = 8;

/// The estimated tokens kept of one conversation, newest first: 262,144 (256k), more than
/// the 128k and 200k windows of the large hosted models, about 1 MB of Latin text. Older
/// messages need not stay in memory (a 20,000-message chat of ~1.9 KB each would otherwise
/// keep ~38 MB here besides the window's copy); a model with a larger window reloads the
/// whole history when all that is kept fits (`Engine::request_for`).
pub(super) const KEPT_TOKENS: u64 = 262_144;

/// Request histories by conversation, most recently used last.
#[derive(Debug, Default)]
pub(super) struct HistoryCache {
    conversations: Vec<(ConversationId, Kept)>,
}

/// One conversation's request history.
#[derive(Debug)]
struct Kept {
    /// Oldest first.
    entries: Vec<HistoryEntry>,
    /// Whether it starts at the conversation's first message.
    complete: bool,
}

/// Drops the oldest entries of `kept` beyond [`KEPT_TOKENS`].
fn trim(kept: &mut Kept) {
    let mut tokens = 0u64;
    let start = kept
        .entries
        .iter()
        .rposition(|e| {
            tokens += u64::from(e.tokens);
            tokens > KEPT_TOKENS
        })
        .map_or(0, |over| over + 1);
    if start > 0 {
        kept.entries.drain(..start);
        kept.complete = false;
    }
}

impl HistoryCache {
    /// The history of `id`, if kept (it becomes the most recently used).
    pub(super) fn get(&mut self, id: ConversationId) -> Option<&[HistoryEntry]> {
        let index = self.conversations.iter().position(|(c, _)| *c == id)?;
        let kept = self.conversations.remove(index);
        self.conversations.push(kept);
        self.conversations.last().map(|(_, k)| k.entries.as_slice())
    }

    /// The history of `id`, if kept, without marking it used.
    pub(super) fn peek(&self, id: ConversationId) -> Option<&[HistoryEntry]> {
        self.conversations
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, k)| k.entries.as_slice())
    }

    /// Whether the kept history of `id` starts at its first message.
    pub(super) fn is_complete(&self, id: ConversationId) -> bool {
        self.conversations
            .iter()
            .any(|(c, k)| *c == id && k.complete)
    }

    /// Keeps `entries` (oldest first; `complete`: from the first message) as the history
    /// of `id`.
    pub(super) fn insert(
        &mut self,
        id: ConversationId,
        (entries, complete): (Vec<HistoryEntry>, bool),
    ) {
        self.remove(id);
        if self.conversations.len() >= MAX_CONVERSATIONS {
            self.conversations.remove(0);
        }
        self.conversations.push((id, Kept { entries, complete }));
    }

    /// Forgets `id` (deleted, or no longer in use).
    pub(super) fn remove(&mut self, id: ConversationId) {
        self.conversations.retain(|(c, _)| *c != id);
    }

    /// Keeps only the conversations for which `in_use` holds.
    pub(super) fn retain(&mut self, mut in_use: impl FnMut(ConversationId) -> bool) {
        self.conversations.retain(|(c, _)| in_use(*c));
    }

    /// Puts `entry` into the history of `id`, if kept: in id order, replacing the entry of
    /// the same message (a reply that was continued).
    pub(super) fn upsert(&mut self, id: ConversationId, entry: HistoryEntry) {
        let Some((_, kept)) = self.conversations.iter_mut().find(|(c, _)| *c == id) else {
            return;
        };
        let history = &mut kept.entries;
        // Almost always the newest message: look from the end.
        match history.iter().rposition(|e| e.id <= entry.id) {
            Some(i) if history[i].id == entry.id => history[i] = entry,
            Some(i) => history.insert(i + 1, entry),
            None => history.insert(0, entry),
        }
        // Trimmed now and then, never below what was loaded on purpose (a reload for a
        // larger window keeps everything).
        if history.len() % 64 == 0 && !kept.complete {
            trim(kept);
        }
    }

    /// Whether the history of `id` is kept (for tests and benches of the engine).
    #[cfg(test)]
    pub(super) fn contains(&self, id: ConversationId) -> bool {
        self.conversations.iter().any(|(c, _)| *c == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{ChatMessage, Role};
    use crate::store::MessageId;

    fn entry(id: i64, content: &str) -> HistoryEntry {
        HistoryEntry::new(MessageId(id), ChatMessage::text(Role::User, content))
    }

    fn ids(cache: &mut HistoryCache, id: ConversationId) -> Vec<i64> {
        cache
            .get(id)
            .unwrap_or_default()
            .iter()
            .map(|e| e.id.0)
            .collect()
    }

    #[test]
    fn upsert_keeps_id_order_and_replaces_a_continued_reply() {
        let c = ConversationId(1);
        let mut cache = HistoryCache::default();
        cache.insert(c, (vec![entry(1, "a"), entry(4, "b")], true));
        cache.upsert(c, entry(6, "c"));
        cache.upsert(c, entry(3, "between"));
        cache.upsert(c, entry(4, "b, continued"));
        assert_eq!(ids(&mut cache, c), [1, 3, 4, 6]);
        let continued = cache.get(c).unwrap()[2].message.content.clone();
        assert_eq!(continued, "b, continued");
        // A conversation not kept is not created by an upsert.
        cache.upsert(ConversationId(2), entry(9, "x"));
        assert!(
            !cache.contains(ConversationId(2)),
            "upsert created a history"
        );
    }

    #[test]
    fn memory_is_bounded_and_the_least_recently_used_goes_first() {
        let mut cache = HistoryCache::default();
        for i in 0..20 {
            cache.insert(ConversationId(i), (vec![entry(i, "q")], true));
            cache.get(ConversationId(0));
        }
        assert!(
            cache.contains(ConversationId(0)),
            "the one in use was dropped"
        );
        assert!(cache.contains(ConversationId(19)), "the newest was dropped");
        assert!(!cache.contains(ConversationId(5)), "an old one was kept");
        // A long history grown by replies keeps only what a request could send.
        cache.insert(ConversationId(19), (Vec::new(), false));
        for i in 0..640 {
            cache.upsert(ConversationId(19), entry(i, &"x".repeat(4_000)));
        }
        let kept = cache.get(ConversationId(19)).unwrap();
        let tokens: u64 = kept.iter().map(|e| u64::from(e.tokens)).sum();
        // Trimmed every 64 entries: at most 64 entries past the bound.
        assert!(tokens <= KEPT_TOKENS + 64 * 1_004, "{tokens}");
        assert!(kept.len() < 640, "nothing was trimmed");
        assert_eq!(
            kept.last().unwrap().id,
            MessageId(639),
            "the newest was dropped"
        );
        assert!(
            !cache.is_complete(ConversationId(19)),
            "trimmed but complete"
        );
        cache.retain(|c| c == ConversationId(19));
        assert!(
            !cache.contains(ConversationId(0)),
            "retain kept one not in use"
        );
        cache.remove(ConversationId(19));
        assert!(!cache.contains(ConversationId(19)), "remove kept it");
    }
}
