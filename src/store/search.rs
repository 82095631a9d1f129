//! Searching the history through the index that `search_schema.rs` keeps.
//!
//! Terms of three or more characters go to the FTS5 trigram index, ranked by bm25. A trigram
//! index cannot look up a term of one or two characters (`发`, `发票`) directly, but every
//! occurrence of one begins an indexed trigram, so a short term that begins few trigrams
//! (a rare one) is looked up as any of them. A common one begins many; it is matched with
//! `LIKE` over the indexed texts, newest first, which finds a page of it quickly. Every short
//! term is also checked with `LIKE`, so a hit contains exactly what was typed.

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
    /// The OCR text of an image on the message, as it was sent.
    Ocr,
    /// The file name of an image on the message.
    FileName,
}

impl HitField {
    /// The name in the index (and in `--json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Content => "content",
            Self::Reasoning => "reasoning",
            Self::Ocr => "ocr",
            Self::FileName => "file_name",
        }
    }

    fn parse(kind: &str) -> Self {
        match kind {
            "title" => Self::Title,
            "reasoning" => Self::Reasoning,
            "ocr" => Self::Ocr,
            "file_name" => Self::FileName,
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
/// A short term beginning more indexed trigrams than this is matched by scanning instead.
const EXPANSION: usize = 64;
/// A term in more texts than this (by the index's counts) is common: it is checked with
/// `LIKE` rather than looked up, and alone it is found by scanning the newest texts.
const COMMON: i64 = 2000;
/// How many of the newest index matches bm25 ranks (see `search_sql`).
const RANKED: i64 = 300;

impl Store {
    /// The messages and titles matching `query`, best first (bm25 when a term is long enough
    /// for the index, newest first otherwise), at most `limit`, one per message.
    pub fn search(&self, query: &Query, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut expanded = Vec::new();
        for term in query.terms.iter().filter(|t| t.chars().count() < TRIGRAM) {
            match self.trigrams_beginning(term)? {
                // No trigram begins with it, so no text contains it.
                Some(trigrams) if trigrams.is_empty() => return Ok(Vec::new()),
                Some(trigrams) => expanded.push(trigrams),
                None => {}
            }
        }
        // A long term in few texts is looked up in the index; one in many is checked with
        // `LIKE` (on the index's hits, or scanning newest first when no term is rare).
        let mut rare = Vec::new();
        for term in query.terms.iter().filter(|t| t.chars().count() >= TRIGRAM) {
            match self.texts_with(term)? {
                0 => return Ok(Vec::new()),
                texts if texts <= COMMON => rare.push(term),
                _ => {}
            }
        }
        let (sql, params) = search_sql(query, &rare, &expanded, limit);
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
const CONSISTENCY_CHECKS: [(&str, &str); 6] = [
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
        "attachment texts are not indexed as they are",
        "SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.sent_text != '' AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.kind = 'ocr' AND d.source_id = a.id AND d.message_id = m.id AND d.conversation_id = m.conversation_id AND d.text = a.sent_text)",
    ),
    (
        "attachment file names are not indexed as they are",
        "SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.file_name != '' AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.kind = 'file_name' AND d.source_id = a.id AND d.message_id = m.id AND d.conversation_id = m.conversation_id AND d.text = a.file_name)",
    ),
    (
        "indexed texts belong to nothing or to something else",
        "SELECT count(*) FROM search_docs d WHERE CASE d.kind
             WHEN 'title' THEN NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = d.source_id AND c.title = d.text)
             WHEN 'content' THEN NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = d.source_id AND m.content = d.text)
             WHEN 'reasoning' THEN NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = d.source_id AND m.reasoning = d.text)
             WHEN 'ocr' THEN NOT EXISTS (SELECT 1 FROM attachments a WHERE a.id = d.source_id AND a.message_id = d.message_id AND a.sent_text = d.text)
             WHEN 'file_name' THEN NOT EXISTS (SELECT 1 FROM attachments a WHERE a.id = d.source_id AND a.message_id = d.message_id AND a.file_name = d.text)
             ELSE 1 END",
    ),
];

impl Store {
    /// How many indexed texts contain `term` (three or more characters), counted only up to
    /// [`COMMON`] + 1: the index yields its hits in order and stops there, so a term in every
    /// text costs no more than a rare one.
    fn texts_with(&self, term: &str) -> Result<i64, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH ?1 LIMIT ?2)",
        )?;
        let phrase = fts_query(&[&term.to_owned()], &[]);
        Ok(stmt.query_row(rusqlite::params![phrase, COMMON + 1], |row| row.get(0))?)
    }

    /// The indexed trigrams that begin with `term` (shorter than a trigram), or `None` when
    /// the term is common (its trigrams are in more than [`COMMON`] texts, or there are more
    /// than [`EXPANSION`] of them): scanning the newest texts finds a page of a common term
    /// sooner than a query of many long lists of hits.
    fn trigrams_beginning(&self, term: &str) -> Result<Option<Vec<String>>, StoreError> {
        let low = term.to_lowercase();
        let high = format!("{low}\u{10FFFF}");
        let mut stmt = self.conn.prepare_cached(
            "SELECT term, doc FROM search_vocab WHERE term >= ?1 AND term < ?2 LIMIT ?3",
        )?;
        let rows: Vec<(String, i64)> = stmt
            .query_map(rusqlite::params![low, high, EXPANSION + 1], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        let texts: i64 = rows.iter().map(|(_, doc)| doc).sum();
        Ok((rows.len() <= EXPANSION && texts <= COMMON)
            .then(|| rows.into_iter().map(|(trigram, _)| trigram).collect()))
    }
}

/// The statement and its parameters for `query`, with the trigrams each short term that
/// has few begins (`expanded`).
fn search_sql(
    query: &Query,
    long: &[&String],
    expanded: &[Vec<String>],
    limit: usize,
) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = Vec::new();
    let mut conditions: Vec<&str> = Vec::new();
    let fts = !long.is_empty() || !expanded.is_empty();
    let from = if fts {
        conditions.push("search_fts MATCH ?");
        params.push(Value::Text(fts_query(long, expanded)));
        "search_fts JOIN search_docs d ON d.id = search_fts.rowid"
    } else {
        "search_docs d"
    };
    for unindexed in query.terms.iter().filter(|t| !long.contains(t)) {
        conditions.push("d.text LIKE ? ESCAPE '\\'");
        params.push(Value::Text(like_pattern(unindexed)));
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
        // Every attachment is an image; a title has no message, so it never matches.
        conditions.push("EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = d.message_id)");
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    // A message can match twice (text and reasoning); fetch a few more than asked for.
    let fetch = i64::try_from(limit.saturating_mul(2).saturating_add(8)).unwrap_or(i64::MAX);
    // With the index: bm25 ranks the newest RANKED matches (FTS5 walks its hits newest
    // first and stops there), so a term in every message costs RANKED rows, not all of
    // them. Without: newest first, stopping at the limit.
    let (score, inner_order, inner_limit, order) = if fts {
        (
            "bm25(search_fts)",
            "search_fts.rowid DESC",
            RANKED,
            "hit.score, d.id DESC",
        )
    } else {
        (
            "0",
            "d.created_at DESC, d.id DESC",
            fetch,
            "d.created_at DESC, d.id DESC",
        )
    };
    params.push(Value::Integer(inner_limit));
    params.push(Value::Integer(fetch));
    let sql = format!(
        "SELECT d.kind, d.conversation_id, d.message_id, d.created_at, d.text, c.title,
                m.role, m.provider, m.model
         FROM (SELECT d.id AS doc, {score} AS score
               FROM {from} LEFT JOIN messages m ON m.id = d.message_id
               {filter}
               ORDER BY {inner_order} LIMIT ?) hit
         JOIN search_docs d ON d.id = hit.doc
         JOIN conversations c ON c.id = d.conversation_id
         LEFT JOIN messages m ON m.id = d.message_id
         ORDER BY {order}
         LIMIT ?"
    );
    (sql, params)
}

/// An FTS5 query requiring every long term (a quoted string: a substring, for the trigram
/// tokenizer) and, for each expanded short term, one of the trigrams it begins.
fn fts_query(terms: &[&String], expanded: &[Vec<String>]) -> String {
    let quoted = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    terms
        .iter()
        .map(|t| quoted(t))
        .chain(expanded.iter().map(|trigrams| {
            let any: Vec<String> = trigrams.iter().map(|t| quoted(t)).collect();
            format!("({})", any.join(" OR "))
        }))
        .collect::<Vec<_>>()
        .join(" AND ")
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
