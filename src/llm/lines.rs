//! A bounded line splitter for NDJSON bodies (one JSON object per line, as Ollama streams):
//! bytes split anywhere in, complete lines out, memory bounded by the longest line allowed.

/// A line grew past the bound without a line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server sent a line longer than {limit} bytes")]
pub struct LineOverflow {
    /// The limit in bytes.
    pub limit: usize,
}

/// Splits a byte stream into lines (`\n` or `\r\n`); blank lines are skipped.
#[derive(Debug)]
pub struct LineDecoder {
    line: Vec<u8>,
    max_line_bytes: usize,
    completed_lines: u64,
}

impl LineDecoder {
    /// A decoder that fails on a line over `max_line_bytes`.
    pub fn new(max_line_bytes: usize) -> Self {
        Self {
            line: Vec::new(),
            max_line_bytes,
            completed_lines: 0,
        }
    }

    /// Feeds bytes; appends every completed, non-blank line to `out`.
    ///
    /// # Errors
    /// A line past the bound; the lines completed before it are in `out`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<String>) -> Result<(), LineOverflow> {
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            let (head, rest) = bytes.split_at(end);
            if self.line.len().saturating_add(head.len()) > self.max_line_bytes {
                return Err(self.overflow());
            }
            self.line.extend_from_slice(head);
            self.completed_lines += 1;
            self.push_line(out);
            bytes = rest.get(1..).unwrap_or_default();
        }
        if self.line.len().saturating_add(bytes.len()) > self.max_line_bytes {
            return Err(self.overflow());
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    /// End of body: a last line without a line end still counts.
    pub fn finish(&mut self, out: &mut Vec<String>) {
        self.push_line(out);
    }

    /// How many lines have ended: the client's measure of progress.
    pub fn completed_lines(&self) -> u64 {
        self.completed_lines
    }

    fn push_line(&mut self, out: &mut Vec<String>) {
        let line = String::from_utf8_lossy(&self.line);
        let line = line.trim_end_matches('\r').trim();
        if !line.is_empty() {
            out.push(line.to_owned());
        }
        self.line.clear();
    }

    fn overflow(&mut self) -> LineOverflow {
        self.line = Vec::new();
        LineOverflow {
            limit: self.max_line_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_anywhere_and_bounded() {
        let body = "{\"a\":\"你\"}\r\n\n{\"b\":2}";
        for cut in 0..=body.len() {
            let (left, right) = body.as_bytes().split_at(cut);
            let mut decoder = LineDecoder::new(64);
            let mut out = Vec::new();
            decoder.feed(left, &mut out).unwrap();
            decoder.feed(right, &mut out).unwrap();
            decoder.finish(&mut out);
            assert_eq!(out, ["{\"a\":\"你\"}", "{\"b\":2}"], "cut at {cut}");
        }
        let mut decoder = LineDecoder::new(4);
        let mut out = Vec::new();
        assert_eq!(
            decoder.feed(b"ab\nabcdef", &mut out),
            Err(LineOverflow { limit: 4 })
        );
        assert_eq!(out, ["ab"]);
    }
}
