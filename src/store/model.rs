//! The stored things: conversations and messages.

use serde::{Deserialize, Serialize};

use crate::llm::Role;

/// A conversation's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConversationId(pub i64);

/// A message's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MessageId(pub i64);

/// A conversation as the sidebar lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    /// Row id.
    pub id: ConversationId,
    /// The title (the start of the first question).
    pub title: String,
    /// Unix seconds of the last change.
    pub updated_at: i64,
    /// Pinned to the top of the list.
    pub pinned: bool,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageStatus {
    /// Finished normally (or a user message).
    Complete,
    /// Still arriving.
    Streaming,
    /// The user pressed Stop; the partial reply is kept.
    Stopped,
    /// The model hit its token limit (`finish_reason: length`).
    Truncated,
    /// The request failed; `error` says why, and any partial text is kept.
    Failed,
    /// The app ended while this was streaming.
    Interrupted,
}

impl MessageStatus {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Streaming => "streaming",
            Self::Stopped => "stopped",
            Self::Truncated => "truncated",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }

    /// Parses the database name; unknown values read as `Complete` so old rows still show.
    pub fn parse(s: &str) -> Self {
        match s {
            "streaming" => Self::Streaming,
            "stopped" => Self::Stopped,
            "truncated" => Self::Truncated,
            "failed" => Self::Failed,
            "interrupted" => Self::Interrupted,
            _ => Self::Complete,
        }
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Row id.
    pub id: MessageId,
    /// The conversation it belongs to.
    pub conversation: ConversationId,
    /// Who said it.
    pub role: Role,
    /// The text (Markdown for replies).
    pub content: String,
    /// The model's reasoning, if it streamed any.
    pub reasoning: String,
    /// Where it stands.
    pub status: MessageStatus,
    /// Why it failed, for `Failed`.
    pub error: Option<String>,
    /// The provider that answered (replies only).
    pub provider: Option<String>,
    /// The model that answered (replies only).
    pub model: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}
