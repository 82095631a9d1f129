//! The search index's tables (schema version 4), kept in step with the history by triggers.
//!
//! Everything searchable is a row of `search_docs`, keyed by `(kind, source_id)`: a message's
//! `content` and `reasoning` (keyed by message id) and a conversation's `title` (keyed by
//! conversation id), and, since schema version 7, an attachment's `ocr` text (the text as
//! sent, after the user's edits) and its `file_name` (keyed by attachment id, with the
//! message and conversation of the message it is on).
//! `search_fts` is an FTS5 `trigram` index over `search_docs.text` (external content: the
//! text is stored once, in `search_docs`). Terms of three or more characters are looked up
//! in it directly; a shorter term through `search_vocab`, the index's list of trigrams,
//! as the trigrams it begins (see store/search.rs).
//!
//! Triggers keep both in step inside the statement that changes a message or a conversation,
//! so the index commits or rolls back with it and cannot be out of step after a crash.
//! A streaming reply's row holds no text until it ends (its text is in `message_chunks`), so
//! it is indexed once, when [`Store::finish_reply`](super::Store::finish_reply) or the
//! interrupted-reply fold writes its text, never at each chunk.

/// Moves the schema from version 3 to 4: the index, filled from the existing history.
pub(super) const MIGRATION: &str = "
    CREATE TABLE search_docs (
        id               INTEGER PRIMARY KEY,
        kind             TEXT NOT NULL,
        source_id        INTEGER NOT NULL,
        conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        message_id       INTEGER,
        created_at       INTEGER NOT NULL,
        text             TEXT NOT NULL,
        -- What the index reads: the text and two line breaks, so that every occurrence of a
        -- one- or two-character term, even at the very end, begins a trigram.
        indexed          TEXT GENERATED ALWAYS AS (text || char(10, 10)) VIRTUAL,
        UNIQUE (kind, source_id)
    );
    CREATE INDEX search_docs_by_message ON search_docs(message_id);
    CREATE INDEX search_docs_by_conversation ON search_docs(conversation_id);
    CREATE INDEX search_docs_by_time ON search_docs(created_at DESC, id DESC);
    CREATE VIRTUAL TABLE search_fts USING fts5(
        indexed, content = 'search_docs', content_rowid = 'id', tokenize = 'trigram'
    );
    CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, row);
    CREATE TRIGGER search_docs_to_fts_insert AFTER INSERT ON search_docs BEGIN
        INSERT INTO search_fts (rowid, indexed) VALUES (new.id, new.indexed);
    END;
    CREATE TRIGGER search_docs_to_fts_delete AFTER DELETE ON search_docs BEGIN
        INSERT INTO search_fts (search_fts, rowid, indexed) VALUES ('delete', old.id, old.indexed);
    END;
    CREATE TRIGGER search_docs_to_fts_update AFTER UPDATE ON search_docs BEGIN
        INSERT INTO search_fts (search_fts, rowid, indexed) VALUES ('delete', old.id, old.indexed);
        INSERT INTO search_fts (rowid, indexed) VALUES (new.id, new.indexed);
    END;

    INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
        SELECT 'title', id, id, NULL, created_at, title FROM conversations;
    INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
        SELECT 'content', id, conversation_id, id, created_at, content FROM messages
        WHERE content != '';
    INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
        SELECT 'reasoning', id, conversation_id, id, created_at, reasoning FROM messages
        WHERE reasoning != '';

    CREATE TRIGGER messages_to_search_insert AFTER INSERT ON messages BEGIN
        INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
            SELECT 'content', new.id, new.conversation_id, new.id, new.created_at, new.content
            WHERE new.content != '';
        INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
            SELECT 'reasoning', new.id, new.conversation_id, new.id, new.created_at, new.reasoning
            WHERE new.reasoning != '';
    END;
    CREATE TRIGGER messages_to_search_update AFTER UPDATE OF content, reasoning ON messages BEGIN
        DELETE FROM search_docs WHERE message_id = old.id AND kind IN ('content', 'reasoning');
        INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
            SELECT 'content', new.id, new.conversation_id, new.id, new.created_at, new.content
            WHERE new.content != '';
        INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
            SELECT 'reasoning', new.id, new.conversation_id, new.id, new.created_at, new.reasoning
            WHERE new.reasoning != '';
    END;
    CREATE TRIGGER messages_to_search_delete AFTER DELETE ON messages BEGIN
        DELETE FROM search_docs WHERE message_id = old.id;
    END;
    CREATE TRIGGER conversations_to_search_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
            VALUES ('title', new.id, new.id, NULL, new.created_at, new.title);
    END;
    CREATE TRIGGER conversations_to_search_update AFTER UPDATE OF title ON conversations BEGIN
        UPDATE search_docs SET text = new.title WHERE kind = 'title' AND source_id = old.id;
    END;
    CREATE TRIGGER conversations_to_search_delete AFTER DELETE ON conversations BEGIN
        DELETE FROM search_docs WHERE conversation_id = old.id;
    END;
";

/// The statements that index the attachment row `new` (its OCR text as sent and its file
/// name, each when not empty), shared by the insert and update triggers.
macro_rules! index_new_attachment {
    () => {
        "INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
            SELECT 'ocr', new.id, m.conversation_id, m.id, m.created_at, new.sent_text
            FROM messages m WHERE m.id = new.message_id AND new.sent_text != '';
        INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
            SELECT 'file_name', new.id, m.conversation_id, m.id, m.created_at, new.file_name
            FROM messages m WHERE m.id = new.message_id AND new.file_name != '';"
    };
}

/// Moves the schema to the next version after the attachments table (5): attachment file
/// names and OCR text as sent join the index, filled from the existing attachments. Depends
/// only on migrations 4 and 5, so it can take any number after them.
pub(super) const ATTACHMENTS_MIGRATION: &str = concat!(
    "
    INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
        SELECT 'ocr', a.id, m.conversation_id, m.id, m.created_at, a.sent_text
        FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.sent_text != '';
    INSERT INTO search_docs (kind, source_id, conversation_id, message_id, created_at, text)
        SELECT 'file_name', a.id, m.conversation_id, m.id, m.created_at, a.file_name
        FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.file_name != '';
    CREATE TRIGGER attachments_to_search_insert AFTER INSERT ON attachments BEGIN
    ",
    index_new_attachment!(),
    "
    END;
    CREATE TRIGGER attachments_to_search_update AFTER UPDATE OF sent_text, file_name, message_id
        ON attachments BEGIN
        DELETE FROM search_docs WHERE kind IN ('ocr', 'file_name') AND source_id = old.id;
    ",
    index_new_attachment!(),
    "
    END;
    CREATE TRIGGER attachments_to_search_delete AFTER DELETE ON attachments BEGIN
        DELETE FROM search_docs WHERE kind IN ('ocr', 'file_name') AND source_id = old.id;
    END;
"
);
