//! What of a conversation's history fits the model's context window (issue #9 §5): the
//! system prompt and the newest question always go; older turns (a question and its reply)
//! go newest first while their estimated tokens fit, and are dropped whole, never half a
//! turn. Pure functions over the engine's request history (`history_cache.rs`).

use crate::llm::{ChatMessage, Role};
use crate::store::{MessageId, NewAttachment};

/// Tokens reserved for the reply when neither the request nor the model's settings name a
/// maximum: a quarter of the window, at most 4,096 (a common default reply cap of servers).
const DEFAULT_REPLY_RESERVE: u32 = 4_096;

/// Tokens a message costs beyond its text: OpenAI's `num_tokens_from_messages` counts 3 per
/// message (role and separators) plus 3 priming the reply; ChatML-style templates of local
/// models cost about the same. Rounded up to 4.
const TOKENS_PER_MESSAGE: u32 = 4;

/// Estimated tokens of `text`, without a tokenizer. Based on the common BPE vocabularies
/// (tiktoken's cl100k/o200k, Qwen, Llama 3): English and other Latin-script text averages
/// about 4 characters per token (OpenAI's rule of thumb), while each CJK ideograph, kana or
/// Hangul syllable is about one token (often one, sometimes two for rare characters). So:
/// one token per CJK character plus one per 4 other characters, rounded up. The estimate
/// errs high for plain English and low for rare Hanzi; the reply's reserve absorbs that.
pub fn estimate_tokens(text: &str) -> u32 {
    let (mut cjk, mut other) = (0u32, 0u32);
    for c in text.chars() {
        if is_cjk(c) {
            cjk = cjk.saturating_add(1);
        } else {
            other = other.saturating_add(1);
        }
    }
    cjk.saturating_add(other.div_ceil(4))
}

/// Estimated tokens of one message of a request, its framing included.
pub fn message_tokens(message: &ChatMessage) -> u32 {
    estimate_tokens(&message.content).saturating_add(TOKENS_PER_MESSAGE)
}

/// True for CJK ideographs, kana, Hangul and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'      // Hiragana, Katakana
        | '\u{3400}'..='\u{4dbf}'    // CJK Extension A
        | '\u{4e00}'..='\u{9fff}'    // CJK Unified Ideographs
        | '\u{ac00}'..='\u{d7af}'    // Hangul syllables
        | '\u{f900}'..='\u{faff}'    // CJK Compatibility Ideographs
        | '\u{ff00}'..='\u{ffef}'    // Full-width forms
        | '\u{3000}'..='\u{303f}'    // CJK punctuation
        | '\u{20000}'..='\u{2fa1f}') // Extensions B–F, compatibility supplement
}

/// A context window as people write it: `32k` for 32,768 tokens, `128k` for 128,000 or
/// 131,072, `1500` where neither thousands nor 1,024s are whole.
pub fn window_label(tokens: u32) -> String {
    match tokens {
        0 => "0".into(),
        t if t % 1000 == 0 => format!("{}k", t / 1000),
        t if t % 1024 == 0 => format!("{}k", t / 1024),
        t => t.to_string(),
    }
}

/// Estimated tokens of one image sent as an image part. The providers count it by its size
/// after downscaling: OpenAI about 765 for a 1024-pixel image at high detail (85 + 170 per
/// 512-pixel tile), Anthropic width × height / 750 (about 1,600 at its 1,568-pixel cap, less
/// for a screenshot's usual shape), Ollama's models a few hundred to a thousand. One fixed
/// figure of ~1,000 keeps the cut simple; the reply's reserve absorbs the difference.
pub const IMAGE_TOKENS: u32 = 1_000;

/// One stored message as a request sends it, with its estimated size.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The stored message.
    pub id: MessageId,
    /// What the request carries for it: as stored in the request history kept, the prompt
    /// template filled once a request is made (`attachment_prompt.rs`).
    pub message: ChatMessage,
    /// Estimated tokens of `message` ([`message_tokens`]) and its attachments, computed
    /// once: as stored, each attachment's text and image (the most it could send); for a
    /// request, the filled template and [`IMAGE_TOKENS`] per image planned.
    pub tokens: u32,
    /// The attachments of a user message, in position order (empty for most messages).
    pub attachments: Vec<NewAttachment>,
}

impl HistoryEntry {
    /// The entry of stored message `id` sent as `message`, with no attachments.
    pub fn new(id: MessageId, message: ChatMessage) -> Self {
        Self::with_attachments(id, message, Vec::new())
    }

    /// The entry of stored message `id` as stored, with its attachments.
    pub fn with_attachments(
        id: MessageId,
        message: ChatMessage,
        attachments: Vec<NewAttachment>,
    ) -> Self {
        let tokens = attachments.iter().fold(message_tokens(&message), |sum, a| {
            let text = if a.sent_as.sends_text() {
                estimate_tokens(&a.sent_text)
            } else {
                0
            };
            let image = if a.sent_as.sends_image() {
                IMAGE_TOKENS
            } else {
                0
            };
            sum.saturating_add(text).saturating_add(image)
        });
        Self {
            id,
            message,
            tokens,
            attachments,
        }
    }

    /// Nothing to send: blank text and no attachment (an empty reply is a failure, not an
    /// answer; a message with images is not empty).
    fn is_blank(&self) -> bool {
        self.message.content.trim().is_empty() && self.attachments.is_empty()
    }
}

/// The tokens a request may spend on history: the window less the reply's maximum (or a
/// reserve when none is set).
pub fn history_budget(context_window: u32, reply_max_tokens: Option<u32>) -> u32 {
    let reserve = reply_max_tokens.unwrap_or_else(|| DEFAULT_REPLY_RESERVE.min(context_window / 4));
    context_window.saturating_sub(reserve)
}

/// The messages of one request and where its history starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCut {
    /// System message first (if any), then the history that fits, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The oldest stored message sent, when older ones were left out (`None`: all went).
    pub first_sent: Option<MessageId>,
    /// The stored message of each history message sent, in order (the system message has
    /// none): where a message's images go once they are prepared.
    pub sent: Vec<MessageId>,
}

/// Builds a request from `history` (oldest first) within `budget` tokens.
///
/// As before the cut: blank messages are never sent; of consecutive replies (a reply asked
/// again) only the newest counts; trailing replies are left out (the one being asked again)
/// unless `continuing`, where the newest reply is the cut-off text the model extends.
/// Then turns go newest first while they fit; the newest turn and `system` always go.
pub fn cut_history(
    history: &[HistoryEntry],
    system: Option<&str>,
    budget: u32,
    continuing: bool,
) -> RequestCut {
    let system = system
        .filter(|s| !s.trim().is_empty())
        .map(|s| ChatMessage::text(Role::System, s));
    let mut used = system.as_ref().map_or(0, message_tokens);
    // Chosen entries, newest first; `turn` is the turn being gathered (its reply first).
    let mut chosen: Vec<&HistoryEntry> = Vec::new();
    let mut turn: Vec<&HistoryEntry> = Vec::new();
    let mut seen_question = continuing;
    let mut first_sent = None;
    let mut cut = false;
    for entry in history.iter().rev() {
        if entry.is_blank() {
            continue;
        }
        let is_reply = entry.message.role == Role::Assistant;
        if is_reply && !seen_question {
            // Trailing replies: the one being asked again.
            continue;
        }
        seen_question = true;
        let newer_is_reply = turn
            .last()
            .or(chosen.last())
            .is_some_and(|e| e.message.role == Role::Assistant);
        if is_reply && newer_is_reply {
            // An older version of a reply that was asked again.
            continue;
        }
        turn.push(entry);
        if is_reply {
            continue;
        }
        // A question closes its turn.
        if !take_turn(&mut turn, &mut chosen, &mut used, budget) {
            cut = true;
            first_sent = chosen.last().map(|e| e.id);
            break;
        }
    }
    // A reply before any question (an unusual history) is a turn of its own.
    if !cut && !turn.is_empty() && !take_turn(&mut turn, &mut chosen, &mut used, budget) {
        first_sent = chosen.last().map(|e| e.id);
    }
    let messages = system
        .into_iter()
        .chain(chosen.iter().rev().map(|e| e.message.clone()))
        .collect();
    RequestCut {
        messages,
        first_sent,
        sent: chosen.iter().rev().map(|e| e.id).collect(),
    }
}

/// Moves `turn` into `chosen` if it fits in `budget` (the newest turn always does); false
/// when it does not fit.
fn take_turn<'a>(
    turn: &mut Vec<&'a HistoryEntry>,
    chosen: &mut Vec<&'a HistoryEntry>,
    used: &mut u32,
    budget: u32,
) -> bool {
    let cost = turn
        .iter()
        .fold(0u32, |sum, e| sum.saturating_add(e.tokens));
    let total = used.saturating_add(cost);
    if !chosen.is_empty() && total > budget {
        return false;
    }
    *used = total;
    chosen.append(turn);
    true
}

#[cfg(test)]
#[path = "context_window_tests.rs"]
mod tests;
