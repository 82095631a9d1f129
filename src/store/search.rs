//! Searching the history through the index that search_schema.rs keeps.
//!
//! Terms of three or more characters go to the FTS5 trigram index, ranked by bm25; terms of
//! one or two characters (which a trigram index cannot look up: `发`, `发票`) are matched with
//! `LIKE` over the indexed text, within the index's hits when there are longer terms, or over
//! every indexed text newest first (stopping at the limit) when there are not.

use rusqlite::types::Value;

use super::{ConversationId, MessageId, Store, StoreError};
use crate::llm::Role;
use crate::search::{Query, Snippet, snippet};

/// Where in the history a hit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitField {
    /// A conversation's title.
    Title,
    /// A message's text.
    Content,
    /// A reply's reasoning.
    Reasoning,
}

impl HitField {
    /// The name in the index (and in `--json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Content => "content",
            Self::Reasoning => "reasoning",
        }
    }

    fn parse(kind: &str) -> Self {
        match kind {
            "title" => Self::Title,
            "reasoning" => Self::Reasoning,
            _ => Self::Content,
        }
    }
}

/// One matching message (or conversation title).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its title.
    pub title: String,
    /// The message; `None` when the title matched.
    pub message: Option<MessageId>,
    /// Who wrote the message; `None` for a title.
    pub role: Option<Role>,
    /// What matched.
    pub field: HitField,
    /// Unix seconds the message (or conversation) was created.
    pub created_at: i64,
    /// The answering provider (replies).
    pub provider: Option<String>,
    /// The answering model (replies).
    pub model: Option<String>,
    /// The matching text around the first match, matches marked.
    pub snippet: Snippet,
}

/// Terms this many characters long or longer are looked up in the trigram index.
const TRIGRAM: usize = 3;

impl Store {
    /// The messages and titles matching `query`, best first (bm25 when a term is long enough
    /// for the index, newest first otherwise), at most `limit`, one per message.
    pub fn search(&self, query: &Query, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let (sql, params) = search_sql(query, limit);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| {
            let kind: String = row.get(0)?;
            let role: Option<String> = row.get(6)?;
            Ok((
                HitField::parse(&kind),
                ConversationId(row.get(1)?),
                row.get::<_, Option<i64>>(2)?.map(MessageId),
                row.get::<_, i64>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                role.as_deref().and_then(Role::parse),
                row.get::<_, Option<String>>(7)?,
                row.get::<_, Option<String>>(8)?,
            ))
        })?;
        let mut hits: Vec<SearchHit> = Vec::new();
        for row in rows {
            let (field, conversation, message, created_at, text, title, role, provider, model) =
                row?;
            // A message matching in its text and its reasoning is listed once, at its best.
            if hits
                .iter()
                .any(|h| h.conversation == conversation && h.message == message)
            {
                continue;
            }
            hits.push(SearchHit {
                conversation,
                title,
                message,
                role,
                field,
                created_at,
                provider,
                model,
                snippet: snippet(&text, &query.terms),
            });
            if hits.len() == limit {
                break;
            }
        }
        Ok(hits)
    }
}

impl Store {
    /// What is wrong with the search index, if anything: FTS5's own check of the index
    /// against `search_docs`, then every message text and title without its document, or a
    /// document whose source is gone. Empty when the index is in step with the history.
    pub fn search_index_problems(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        if let Err(err) = self.conn.execute(
            "INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)",
            [],
        ) {
            problems.push(format!(
                "the full-text index does not match its documents: {err}"
            ));
        }
        for (what, sql) in CONSISTENCY_CHECKS {
            let count: i64 = self.conn.query_row(sql, [], |row| row.get(0))?;
            if count > 0 {
                problems.push(format!("{count} {what}"));
            }
        }
        Ok(problems)
    }
}

/// Counts that are zero when `search_docs` holds exactly the history's searchable text.
const CONSISTENCY_CHECKS: [(&str, &str); 4] = [
    (
        "message texts are not indexed as they are",
        "SELECT count(*) FROM messages m WHERE m.content != '' AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.kind = 'content' AND d.source_id = m.id AND d.text = m.content)",
    ),
    (
        "reasonings are not indexed as they are",
        "SELECT count(*) FROM messages m WHERE m.reasoning != '' AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.kind = 'reasoning' AND d.source_id = m.id AND d.text = m.reasoning)",
    ),
    (
        "titles are not indexed as they are",
        "SELECT count(*) FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.kind = 'title' AND d.source_id = c.id AND d.text = c.title)",
    ),
    (
        "indexed texts belong to nothing or to something else",
        "SELECT count(*) FROM search_docs d WHERE CASE d.kind
             WHEN 'title' THEN NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = d.source_id AND c.title = d.text)
             WHEN 'content' THEN NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = d.source_id AND m.content = d.text)
             WHEN 'reasoning' THEN NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = d.source_id AND m.reasoning = d.text)
             ELSE 1 END",
    ),
];

/// The statement and its parameters for `query`.
fn search_sql(query: &Query, limit: usize) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = Vec::new();
    let mut conditions: Vec<&str> = Vec::new();
    let long: Vec<&String> = query
        .terms
        .iter()
        .filter(|t| t.chars().count() >= TRIGRAM)
        .collect();
    let (from, order) = if long.is_empty() {
        ("search_docs d", "d.created_at DESC, d.id DESC")
    } else {
        conditions.push("search_fts MATCH ?");
        params.push(Value::Text(fts_query(&long)));
        (
            "search_fts JOIN search_docs d ON d.id = search_fts.rowid",
            "bm25(search_fts), d.id DESC",
        )
    };
    for short in query.terms.iter().filter(|t| t.chars().count() < TRIGRAM) {
        conditions.push("d.text LIKE ? ESCAPE '\\'");
        params.push(Value::Text(like_pattern(short)));
    }
    for excluded in &query.excluded {
        conditions.push("d.text NOT LIKE ? ESCAPE '\\'");
        params.push(Value::Text(like_pattern(excluded)));
    }
    if let Some(provider) = &query.provider {
        conditions.push("m.provider = ? COLLATE NOCASE");
        params.push(Value::Text(provider.clone()));
    }
    if let Some(model) = &query.model {
        conditions.push("m.model = ? COLLATE NOCASE");
        params.push(Value::Text(model.clone()));
    }
    if let Some(before) = query.before {
        conditions.push("d.created_at < ?");
        params.push(Value::Integer(before));
    }
    if let Some(after) = query.after {
        conditions.push("d.created_at >= ?");
        params.push(Value::Integer(after));
    }
    if query.has_image {
        // TODO(#10): no attachments table yet, so no message has an image; match nothing.
        // When attachments land, test `EXISTS (SELECT 1 FROM attachments a WHERE a.message_id
        // = d.message_id AND a.kind = 'image')` here.
        conditions.push("0");
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    // A message can match twice (text and reasoning); fetch a few more than asked for.
    let fetch = limit.saturating_mul(2).saturating_add(8);
    params.push(Value::Integer(i64::try_from(fetch).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT d.kind, d.conversation_id, d.message_id, d.created_at, d.text, c.title,
                m.role, m.provider, m.model
         FROM {from}
         JOIN conversations c ON c.id = d.conversation_id
         LEFT JOIN messages m ON m.id = d.message_id
         {filter}
         ORDER BY {order}
         LIMIT ?"
    );
    (sql, params)
}

/// An FTS5 query matching every term as a substring: each a quoted string (trigram
/// tokenizer), quotes doubled, all required.
fn fts_query(terms: &[&String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `LIKE` pattern (escape `\`) matching `term` anywhere.
fn like_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
