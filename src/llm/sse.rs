//! A byte-level Server-Sent Events decoder that follows the WHATWG HTML
//! "event stream interpretation" rules (section 9.2.5, "Parsing an event stream" and
//! "Interpreting an event stream").
//!
//! Why a decoder of our own rather than the `eventsource-stream` crate: version 0.2.3
//! slices `&string[1..]` when a stream opens with a UTF-8 BOM, which panics because the
//! BOM is three bytes long, and its parser waits for the byte after a CR to tell CRLF from
//! a lone CR, so an event whose closing blank line is a lone CR at the end of the data
//! received so far is held back, and lost if the stream then ends.
//!
//! [`SseDecoder`] takes raw network bytes split at arbitrary points (inside a UTF-8
//! character, between the CR and LF of a CRLF, inside the leading BOM), buffers only the
//! current unfinished line, and scans each byte once, so decoding stays linear in the size
//! of the stream however it is chunked.

use std::sync::Arc;

use super::limits::{MAX_EVENT_BYTES, MAX_LINE_BYTES};

/// The UTF-8 encoding of U+FEFF, skipped once at the very start of a stream.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// A stream broke one of the decoder's memory bounds; the stream must end here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SseOverflow {
    /// A line grew past the limit without a line end.
    #[error("the server sent a line longer than {limit} bytes")]
    Line {
        /// The limit in bytes.
        limit: usize,
    },
    /// An event's data grew past the limit without the blank line that ends it.
    #[error("the server sent an event larger than {limit} bytes")]
    Event {
        /// The limit in bytes.
        limit: usize,
    },
}

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; "message" when the stream gave none.
    pub event: String,
    /// The joined `data:` lines (joined with "\n", the final "\n" removed per spec).
    pub data: String,
    /// The last event ID buffer at dispatch time (persists across events per spec). Shared,
    /// not copied: every event after an `id:` line points at the one stored value.
    pub id: Arc<str>,
    /// A `retry:` value in milliseconds if this event block set one (only ASCII digits
    /// accepted; a value too large for `u64` saturates to `u64::MAX`).
    pub retry: Option<u64>,
}

/// Incremental Server-Sent Events decoder: feed it bytes as they arrive, collect events.
///
/// One decoder reads one stream. Call [`SseDecoder::finish`] when the stream ends. A line
/// or an event past its bound ([`MAX_LINE_BYTES`], [`MAX_EVENT_BYTES`] by default) makes
/// [`SseDecoder::feed`] fail, so memory stays bounded whatever the server sends.
#[derive(Debug)]
pub struct SseDecoder {
    /// Bytes of the current line whose terminator has not arrived yet.
    line: Vec<u8>,
    /// The last byte seen was a CR that ended a line: an LF right after it is part of
    /// the same line end (CRLF), even when it arrives in the next feed.
    pending_cr: bool,
    /// The start of the stream is behind us, so a BOM is no longer special.
    bom_done: bool,
    /// How many bytes of the BOM have matched at the very start of the stream so far.
    bom_matched: usize,
    /// How many lines have ended so far (events, comments, blank lines): progress that a
    /// trickle of bytes without line ends does not make.
    completed_lines: u64,
    /// The longest line buffered.
    max_line_bytes: usize,
    /// The event being assembled, and the last event ID.
    fields: Fields,
}

/// The spec's buffers: data, event type, last event ID, plus this block's retry value.
#[derive(Debug, Default)]
struct Fields {
    data: String,
    event_type: String,
    last_id: Arc<str>,
    retry: Option<u64>,
    /// The most data one event may carry.
    max_event_bytes: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::with_limits(MAX_LINE_BYTES, MAX_EVENT_BYTES)
    }
}

impl SseDecoder {
    /// Creates a decoder at the start of a stream, with the default bounds.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a decoder that fails on a line over `max_line_bytes` or an event whose data is
    /// over `max_event_bytes`.
    pub fn with_limits(max_line_bytes: usize, max_event_bytes: usize) -> Self {
        Self {
            line: Vec::new(),
            pending_cr: false,
            bom_done: false,
            bom_matched: 0,
            completed_lines: 0,
            max_line_bytes,
            fields: Fields {
                max_event_bytes,
                ..Fields::default()
            },
        }
    }

    /// Feeds bytes as they arrive from the network, split anywhere (including inside a UTF-8
    /// character or between the CR and LF of a CRLF). Appends every completed event to `out`.
    ///
    /// # Errors
    /// A line or an event past its bound; the events completed before it are in `out`, and
    /// the stream must not be fed further.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseOverflow> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut rest = self.skip_bom(bytes);
        if self.pending_cr && !rest.is_empty() {
            self.pending_cr = false;
            if let Some(after_lf) = rest.strip_prefix(b"\n") {
                rest = after_lf;
            }
        }
        while let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (line, terminator) = rest.split_at(end);
            let terminator_len = match terminator {
                [b'\r', b'\n', ..] => 2,
                [b'\r'] => {
                    // The LF of a CRLF may still be on its way in the next feed.
                    self.pending_cr = true;
                    1
                }
                _ => 1,
            };
            if self.line.len().saturating_add(line.len()) > self.max_line_bytes {
                return Err(self.overflow_line());
            }
            self.end_line(line, out)?;
            rest = terminator.get(terminator_len..).unwrap_or_default();
        }
        if self.line.len().saturating_add(rest.len()) > self.max_line_bytes {
            return Err(self.overflow_line());
        }
        self.line.extend_from_slice(rest);
        Ok(())
    }

    /// Drops the oversized line and reports it.
    fn overflow_line(&mut self) -> SseOverflow {
        self.line = Vec::new();
        SseOverflow::Line {
            limit: self.max_line_bytes,
        }
    }

    /// End of stream: per spec, an unfinished event (no blank line yet) and any unterminated
    /// final line are discarded. Resets the decoder (buffers, last event ID, BOM detection,
    /// the line count), keeping its bounds.
    pub fn finish(&mut self) {
        *self = Self::with_limits(self.max_line_bytes, self.fields.max_event_bytes);
    }

    /// How many lines have ended since the stream started: the client's measure of progress.
    pub fn completed_lines(&self) -> u64 {
        self.completed_lines
    }

    /// Drops a BOM at the very start of the stream, even when its bytes arrive in separate
    /// feeds, and returns the bytes left to parse.
    fn skip_bom<'a>(&mut self, mut bytes: &'a [u8]) -> &'a [u8] {
        while !self.bom_done {
            let Some((&byte, rest)) = bytes.split_first() else {
                break;
            };
            if BOM.get(self.bom_matched) == Some(&byte) {
                self.bom_matched += 1;
                self.bom_done = self.bom_matched == BOM.len();
                bytes = rest;
            } else {
                // Not a BOM after all: the bytes held back are ordinary line content.
                // None of them is a line terminator, so they simply start the first line.
                self.line
                    .extend_from_slice(BOM.get(..self.bom_matched).unwrap_or_default());
                self.bom_done = true;
            }
        }
        bytes
    }

    /// Handles one complete line: the buffered start of it plus `tail` from this feed.
    fn end_line(&mut self, tail: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseOverflow> {
        self.completed_lines += 1;
        if self.line.is_empty() {
            self.fields.process_line(tail, out)
        } else {
            self.line.extend_from_slice(tail);
            let result = self.fields.process_line(&self.line, out);
            self.line.clear();
            result
        }
    }
}

impl Fields {
    /// Interprets one line (without its terminator), dispatching on a blank line.
    fn process_line(&mut self, raw: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseOverflow> {
        // Decoding per complete line equals decoding the whole stream: terminators are
        // ASCII, so they never sit inside a multi-byte character.
        let line = String::from_utf8_lossy(raw);
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(()); // A comment.
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (&*line, ""),
        };
        match name {
            "event" => {
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            "data" => {
                if self.data.len().saturating_add(value.len()) >= self.max_event_bytes {
                    // `>=`: the data also takes the line's "\n".
                    self.data = String::new();
                    return Err(SseOverflow::Event {
                        limit: self.max_event_bytes,
                    });
                }
                self.data.push_str(value);
                self.data.push('\n');
            }
            // Stored once; every later event shares it.
            "id" if !value.contains('\0') && *self.last_id != *value => {
                self.last_id = Arc::from(value);
            }
            "retry" => {
                if let Some(ms) = parse_retry(value) {
                    self.retry = Some(ms);
                }
            }
            _ => {} // Unknown fields, and ids containing U+0000, are ignored.
        }
        Ok(())
    }

    /// The blank-line step: emits the event if there is data, then starts a new block.
    /// The last event ID is kept; the retry value belongs to the block and is cleared.
    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let retry = self.retry.take();
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        let event = match std::mem::take(&mut self.event_type) {
            event_type if event_type.is_empty() => "message".to_owned(),
            event_type => event_type,
        };
        out.push(SseEvent {
            event,
            data,
            id: Arc::clone(&self.last_id),
            retry,
        });
    }
}

/// A `retry:` value counts only if it is non-empty and all ASCII digits (base ten).
fn parse_retry(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(value.bytes().fold(0u64, |ms, digit| {
        ms.saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `chunks` in order, then ends the stream.
    fn decode_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk, &mut out).unwrap();
        }
        decoder.finish();
        out
    }

    fn decode(stream: &[u8]) -> Vec<SseEvent> {
        decode_chunks([stream])
    }

    fn decode_bytewise(stream: &[u8]) -> Vec<SseEvent> {
        decode_chunks(stream.chunks(1))
    }

    /// An event with every field spelled out.
    fn event(event: &str, data: &str, id: &str, retry: Option<u64>) -> SseEvent {
        SseEvent {
            event: event.to_owned(),
            data: data.to_owned(),
            id: id.into(),
            retry,
        }
    }

    /// A plain "message" event with no id and no retry.
    fn msg(data: &str) -> SseEvent {
        event("message", data, "", None)
    }

    /// Checks the stream in one feed and one byte per feed.
    fn assert_decodes(stream: &[u8], expected: &[SseEvent]) {
        assert_eq!(decode(stream), expected, "one feed");
        assert_eq!(decode_bytewise(stream), expected, "one byte per feed");
    }

    // ---- web-platform-tests eventsource/format-* vectors ----
    // The WPT server script resources/message.py answers `message` followed by "\n\n"
    // (nothing with newline=none) and then one more "\n"; the inputs below include that.

    #[test]
    fn wpt_format_bom() {
        let stream = "\u{FEFF}data:1\n\n\u{FEFF}data:2\n\ndata:3\n\n\n";
        // The second BOM is not at the stream start: it makes the field name unknown.
        assert_decodes(stream.as_bytes(), &[msg("1"), msg("3")]);
    }

    #[test]
    fn wpt_format_bom_2() {
        let stream = "\u{FEFF}\u{FEFF}data:1\n\ndata:2\n\ndata:3\n\n\n";
        assert_decodes(stream.as_bytes(), &[msg("2"), msg("3")]);
    }

    #[test]
    fn wpt_format_comments() {
        let long = "x".repeat(2048);
        let stream =
            format!("data:1\r:\0\n:\r\ndata:2\n:{long}\rdata:3\n:data:fail\r:{long}\ndata:4\n\n");
        assert_decodes(stream.as_bytes(), &[msg("1\n2\n3\n4")]);
    }

    #[test]
    fn wpt_format_data_before_final_empty_line() {
        // The WPT test then checks lastEventId after a reconnection: browser behaviour, skipped.
        let stream = b"retry:1000\ndata:test1\n\nid:test\ndata:test2\n";
        assert_decodes(stream, &[event("message", "test1", "", Some(1000))]);
    }

    #[test]
    fn wpt_format_field_data() {
        let stream = b"data:\n\ndata\ndata\n\ndata:test\n\n\n";
        assert_decodes(stream, &[msg(""), msg("\n"), msg("test")]);
    }

    #[test]
    fn wpt_format_field_event() {
        let stream = b"event:test\ndata:x\n\ndata:x\n\n\n";
        assert_decodes(stream, &[event("test", "x", "", None), msg("x")]);
    }

    #[test]
    fn wpt_format_field_event_empty() {
        assert_decodes(b"event: \ndata:data\n\n\n", &[msg("data")]);
    }

    #[test]
    fn wpt_format_field_id() {
        // First response of resources/last-event-id.py; the reconnection that sends the
        // Last-Event-ID header back is browser behaviour, skipped.
        let stream = "id: \u{2026}\nretry: 200\ndata: hello\n\n";
        let expected = [event("message", "hello", "\u{2026}", Some(200))];
        assert_decodes(stream.as_bytes(), &expected);
    }

    #[test]
    fn wpt_format_field_id_2() {
        // Same first response as format-field-id; the two reconnections are browser
        // behaviour, skipped. Here the three-byte id character is also split over feeds.
        let stream = "id: \u{2026}\nretry: 200\ndata: hello\n\n".as_bytes();
        let expected = [event("message", "hello", "\u{2026}", Some(200))];
        for split in 0..=stream.len() {
            let (a, b) = stream.split_at(split);
            assert_eq!(decode_chunks([a, b]), expected, "split at {split}");
        }
    }

    #[test]
    fn wpt_format_field_id_3() {
        // resources/last-event-id2.py, types 1 (persists), 2 (changes and persists), 3 (resets).
        let persists = b"id: 1\ndata: 1\n\ndata:2\n\n";
        let expected = [
            event("message", "1", "1", None),
            event("message", "2", "1", None),
        ];
        assert_decodes(persists, &expected);

        let changes = b"id: 1\ndata: 1\n\nid: 2\ndata:2\n\ndata:3\n\n";
        let expected = [
            event("message", "1", "1", None),
            event("message", "2", "2", None),
            event("message", "3", "2", None),
        ];
        assert_decodes(changes, &expected);

        let resets = b"id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n";
        let expected = [event("message", "1", "1", None), msg("2"), msg("3")];
        assert_decodes(resets, &expected);
    }

    #[test]
    fn wpt_format_field_id_null() {
        // resources/last-event-id.py?idvalue=%00%00. An id containing U+0000 is ignored
        // (current spec and WPT; older WPT revisions expected "\0\0"). The reconnection
        // half of the test is browser behaviour, skipped.
        let stream = b"id: \0\0\nretry: 200\ndata: hello\n\n";
        assert_decodes(stream, &[event("message", "hello", "", Some(200))]);
    }

    #[test]
    fn wpt_format_field_parsing() {
        let stream = "data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\r\
                      data_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n";
        assert_decodes(stream.as_bytes(), &[msg("\0\n 2\n1\n3\n\n4")]);
    }

    #[test]
    fn wpt_format_field_retry() {
        // The WPT test times the reconnection (browser behaviour); the decoder part is
        // that "02000" is read in base ten.
        let stream = b"retry:02000\ndata:x\n\n\n";
        assert_decodes(stream, &[event("message", "x", "", Some(2000))]);
    }

    #[test]
    fn wpt_format_field_retry_bogus() {
        // Reconnection timing is browser behaviour; "1000x" must not replace 2000.
        let stream = b"retry:2000\nretry:1000x\ndata:x\n\n\n";
        assert_decodes(stream, &[event("message", "x", "", Some(2000))]);
    }

    #[test]
    fn wpt_format_field_retry_empty() {
        assert_decodes(b"retry\ndata:test\n\n\n", &[msg("test")]);
    }

    #[test]
    fn wpt_format_field_unknown() {
        let stream =
            b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n\n";
        assert_decodes(stream, &[msg("test\n\ntest")]);
    }

    #[test]
    fn wpt_format_leading_space() {
        let stream = b"data:\ttest\rdata: \ndata:test\n\n\n";
        assert_decodes(stream, &[msg("\ttest\n\ntest")]);
    }

    #[test]
    fn wpt_format_newlines() {
        let stream = b"data:test\r\ndata\ndata:test\r\n\r\n";
        assert_decodes(stream, &[msg("test\n\ntest")]);
    }

    #[test]
    fn wpt_format_null_character() {
        assert_decodes(b"data:\0\n\n\n\n\n", &[msg("\0")]);
    }

    #[test]
    fn wpt_format_utf_8() {
        // The response claims charset=windows-1252; event streams are always UTF-8.
        assert_decodes(b"data:ok\xE2\x80\xA6\n\n\n", &[msg("ok\u{2026}")]);
    }

    // format-mime-*: Content-Type checks belong to the HTTP layer, not the decoder; skipped.

    // ---- splitting the byte stream anywhere gives the same events ----

    /// Sample streams and what one feed of each decodes to.
    fn samples() -> Vec<(Vec<u8>, Vec<SseEvent>)> {
        vec![
            (
                "\u{FEFF}data: 你好，世界\r\n: note\r\nevent: greet\rid: 7\ndata: 🎉 two\n\n\
                 data: after\r\rdata: unfinished"
                    .into(),
                vec![
                    event("greet", "你好，世界\n🎉 two", "7", None),
                    event("message", "after", "7", None),
                ],
            ),
            (
                "\r\n\r\n:\rdata\nretry: 1500\ndata:x\r\n\r\nid: a\0b\ndata: y\n\n\
                 \u{FEFF}data: z\n\nevent: e\r\n\r\ndata:  sp\r\r"
                    .into(),
                vec![
                    event("message", "\nx", "", Some(1500)),
                    msg("y"),
                    msg(" sp"),
                ],
            ),
            (
                // A broken BOM, a truncated character, an emoji split by a CR line end.
                b"\xEF\xBBdata: a\n\ndata: \xE4\xBD\r\ndata: \xF0\x9F\r\x98\x80\n\nid\ndata:ok\n\r\n"
                    .to_vec(),
                vec![msg("\u{FFFD}\n\u{FFFD}"), msg("ok")],
            ),
            (
                "id: 1\ndata: 世\nretry: 12\r\n\r\ndata: 界\r\nid: 2\r\r\n\rdata: end\n\r".into(),
                vec![
                    event("message", "世", "1", Some(12)),
                    event("message", "界", "2", None),
                    event("message", "end", "2", None),
                ],
            ),
        ]
    }

    #[test]
    fn samples_decode_as_expected() {
        for (stream, expected) in samples() {
            assert_eq!(
                decode(&stream),
                expected,
                "{:?}",
                String::from_utf8_lossy(&stream)
            );
        }
    }

    #[test]
    fn byte_at_a_time_equals_one_feed() {
        for (stream, _) in samples() {
            assert_eq!(decode_bytewise(&stream), decode(&stream));
        }
    }

    #[test]
    fn every_three_piece_split_equals_one_feed() {
        for (stream, _) in samples() {
            assert!(stream.len() < 300, "keep the exhaustive test fast");
            let whole = decode(&stream);
            for i in 0..=stream.len() {
                for j in i..=stream.len() {
                    let pieces = [&stream[..i], &stream[i..j], &stream[j..]];
                    assert_eq!(decode_chunks(pieces), whole, "split at {i} and {j}");
                }
            }
        }
    }

    // ---- end of stream and line ends across feeds ----

    #[test]
    fn finish_discards_unfinished_event() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder
            .feed(
                b"data: done\n\ndata: partial\nevent: x\ndata: no blank line",
                &mut out,
            )
            .unwrap();
        assert_eq!(out, [msg("done")]);
        decoder.finish();
        // After finish the decoder starts a fresh stream: nothing of the old event is left.
        decoder.feed(b"\n\ndata: next\n\n", &mut out).unwrap();
        assert_eq!(out, [msg("done"), msg("next")]);
    }

    #[test]
    fn crlf_split_across_feeds_is_one_line_end() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder.feed(b"data: a\r", &mut out).unwrap();
        decoder.feed(b"\ndata: b\r", &mut out).unwrap();
        // Had the LF counted as a second line end, "a" would have been dispatched already.
        assert!(out.is_empty());
        decoder.feed(b"\n\r", &mut out).unwrap();
        assert_eq!(out, [msg("a\nb")]);
        decoder.feed(b"\n", &mut out).unwrap();
        decoder.finish();
        assert_eq!(out, [msg("a\nb")]);
    }

    #[test]
    fn lone_cr_dispatches_without_waiting_for_more_bytes() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        decoder.feed(b"data: a\r\r", &mut out).unwrap();
        assert_eq!(out, [msg("a")]);
    }

    #[test]
    fn bom_split_across_feeds_is_skipped() {
        let events = decode_chunks([&b"\xEF"[..], b"\xBB", b"\xBFdata: x\n\n"]);
        assert_eq!(events, [msg("x")]);
    }

    #[test]
    fn retry_too_large_saturates() {
        let events = decode(b"retry: 99999999999999999999999\ndata: x\n\n");
        assert_eq!(events, [event("message", "x", "", Some(u64::MAX))]);
    }

    #[test]
    fn retry_belongs_to_its_block() {
        let events = decode(b"retry: 5\n\ndata: a\n\nretry: 7\ndata: b\n\n");
        assert_eq!(events, [msg("a"), event("message", "b", "", Some(7))]);
    }

    // ---- memory bounds ----

    #[test]
    fn a_line_past_the_bound_fails_and_keeps_earlier_events() {
        let mut decoder = SseDecoder::with_limits(16, 64);
        let mut out = Vec::new();
        decoder.feed(b"data: ok\n\n", &mut out).unwrap();
        // No line end: the bound holds while the bytes arrive, not only at the line's end.
        decoder.feed(b"data: 0123456789", &mut out).unwrap();
        let err = decoder.feed(b"ab", &mut out).unwrap_err();
        assert_eq!(err, SseOverflow::Line { limit: 16 });
        assert_eq!(out, [msg("ok")]);
        // A long line that ends inside one feed is refused too.
        let mut decoder = SseDecoder::with_limits(16, 64);
        let err = decoder
            .feed(b"data: 0123456789abc\n", &mut out)
            .unwrap_err();
        assert_eq!(err, SseOverflow::Line { limit: 16 });
    }

    #[test]
    fn an_event_past_the_bound_fails() {
        let mut decoder = SseDecoder::with_limits(64, 20);
        let mut out = Vec::new();
        let err = decoder
            .feed(b"data: 0123456789\ndata: 0123456789\n", &mut out)
            .unwrap_err();
        assert_eq!(err, SseOverflow::Event { limit: 20 });
        assert!(out.is_empty());
    }

    #[test]
    fn the_last_event_id_is_stored_once() {
        let mut stream = format!("id: {}\n", "i".repeat(10_000));
        for _ in 0..1000 {
            stream.push_str("data: x\n\n");
        }
        let events = decode(stream.as_bytes());
        assert_eq!(events.len(), 1000);
        let first = &events[0].id;
        assert_eq!(first.len(), 10_000);
        assert!(
            events.iter().all(|e| Arc::ptr_eq(&e.id, first)),
            "one shared id"
        );
    }

    // ---- many small chunks ----

    #[test]
    fn ten_thousand_events_in_small_chunks() {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        for i in 0..10_000 {
            let chunk = format!("data: {i}\n\n");
            let (a, b) = chunk.as_bytes().split_at(3);
            decoder.feed(a, &mut out).unwrap();
            decoder.feed(b, &mut out).unwrap();
        }
        decoder.finish();
        assert_eq!(out.len(), 10_000);
        assert_eq!(out.last(), Some(&msg("9999")));
    }

    #[test]
    fn long_line_fed_byte_by_byte() {
        let mut stream = b"data: ".to_vec();
        stream.extend(std::iter::repeat_n(b'x', 100_000));
        stream.extend_from_slice(b"\n\n");
        let events = decode_bytewise(&stream);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data.len(), 100_000);
    }
}
