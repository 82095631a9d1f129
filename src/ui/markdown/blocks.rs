//! Markdown → view data: a reply parsed once (with `pulldown-cmark`) into blocks and styled
//! spans that the renderer draws. Pure: no egui, so what a reply will show is testable as data.

use pulldown_cmark::{Options, Parser};

use super::builder::Builder;

/// One block of a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// `#` to `######`.
    Heading {
        /// 1 to 6.
        level: u8,
        /// Its text.
        text: Inlines,
    },
    /// A paragraph (also the text of a tight list item).
    Paragraph(Inlines),
    /// An ordered or unordered list.
    List(Vec<ListItem>),
    /// A fenced or indented code block.
    Code {
        /// The fence's language (`rust` in ```` ```rust ````), empty when none.
        language: String,
        /// The code, without the final newline.
        code: String,
    },
    /// A GFM table.
    Table(Table),
    /// A block quote.
    Quote(Vec<Self>),
    /// `---`.
    Rule,
}

/// One list item: its marker and its blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    /// What stands before it.
    pub marker: Marker,
    /// Its content.
    pub blocks: Vec<Block>,
}

/// What stands before a list item. A task item shows a checkbox instead of a bullet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// An unordered item.
    Bullet,
    /// An ordered item's number.
    Number(u64),
    /// A task item (`- [x]`), checked or not.
    Task(bool),
}

/// A table: header cells, body rows and each column's alignment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Per column, from the delimiter row (`:--`, `:-:`, `--:`).
    pub alignments: Vec<ColumnAlign>,
    /// The header row (drawn bold on its own background).
    pub header: Vec<Inlines>,
    /// The body rows.
    pub rows: Vec<Vec<Inlines>>,
}

/// How a column's cells are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColumnAlign {
    /// `---` or `:--`.
    #[default]
    Left,
    /// `:-:`.
    Center,
    /// `--:`.
    Right,
}

/// A run of styled text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Inlines {
    /// The spans in order.
    pub spans: Vec<Span>,
}

impl Inlines {
    /// The text without styles.
    pub fn plain(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// Appends text, merging it into the last span when the style and link match.
    pub fn push(&mut self, text: &str, style: SpanStyle, link: Option<&str>) {
        if text.is_empty() {
            return;
        }
        if let Some(last) = self.spans.last_mut()
            && last.style == style
            && last.link.as_deref() == link
        {
            last.text.push_str(text);
            return;
        }
        self.spans.push(Span {
            text: text.to_owned(),
            style,
            link: link.map(str::to_owned),
        });
    }
}

/// Styled text; `link` is set only for `http`, `https` and `mailto` targets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Span {
    /// The text.
    pub text: String,
    /// How it is drawn.
    pub style: SpanStyle,
    /// Where a click goes.
    pub link: Option<String>,
}

/// Inline styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent inline styles that combine freely, as in CommonMark"
)]
pub struct SpanStyle {
    /// `**bold**` (drawn with a bold face).
    pub bold: bool,
    /// `*italic*`.
    pub italic: bool,
    /// `~~struck~~`.
    pub strike: bool,
    /// `` `code` ``.
    pub code: bool,
}

/// Whether a link target may be opened: only `http`, `https` and `mailto`.
pub fn is_openable(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

/// Parses Markdown (`CommonMark` + GFM tables, task lists, strikethrough; bare URLs become
/// links) into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut builder = Builder::default();
    for event in Parser::new_ext(text, options) {
        builder.event(event);
    }
    builder.finish()
}
