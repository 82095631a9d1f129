//! Builds [`Block`]s from `pulldown-cmark` events: a stack of open quotes, lists and items,
//! the inline text being collected, and the styles and link in force.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Tag, TagEnd};

use super::autolink::push_text_with_links;
use super::blocks::{Block, ColumnAlign, Inlines, ListItem, Marker, SpanStyle, Table, is_openable};

/// An open container while parsing.
enum Open {
    Quote(Vec<Block>),
    List {
        next_number: Option<u64>,
        items: Vec<ListItem>,
    },
    Item(ListItem),
}

/// Where inline text currently goes.
enum InlineTarget {
    Paragraph,
    Heading(u8),
    Cell,
}

/// Whether text is inside a link, and whether its target may be opened.
#[derive(Default, Clone)]
enum LinkState {
    /// Outside any link (bare URLs become links).
    #[default]
    Outside,
    /// Inside a link whose target may not be opened: plain text.
    Blocked,
    /// Inside a link to this target.
    To(String),
}

/// Collects blocks while events arrive.
#[derive(Default)]
pub struct Builder {
    root: Vec<Block>,
    open: Vec<Open>,
    inline: Option<(InlineTarget, Inlines)>,
    style: SpanStyle,
    link: LinkState,
    code: Option<(String, String)>,
    table: Option<Table>,
    row: Vec<Inlines>,
    in_head: bool,
}

impl Builder {
    fn blocks(&mut self) -> &mut Vec<Block> {
        match self.open.last_mut() {
            Some(Open::Quote(blocks)) => blocks,
            Some(Open::Item(item)) => &mut item.blocks,
            // Text directly in a list (never produced by pulldown) goes to the root.
            Some(Open::List { .. }) | None => &mut self.root,
        }
    }

    fn push_block(&mut self, block: Block) {
        self.flush_inline();
        self.blocks().push(block);
    }

    /// Ends the implicit paragraph of a tight list item.
    fn flush_inline(&mut self) {
        if let Some((InlineTarget::Paragraph, inlines)) = self
            .inline
            .take_if(|(target, _)| matches!(target, InlineTarget::Paragraph))
            && !inlines.spans.is_empty()
        {
            self.blocks().push(Block::Paragraph(inlines));
        }
    }

    fn text(&mut self, text: &str) {
        if let Some((_, code)) = &mut self.code {
            code.push_str(text);
            return;
        }
        let style = self.style;
        let (_, inlines) = self
            .inline
            .get_or_insert_with(|| (InlineTarget::Paragraph, Inlines::default()));
        match &self.link {
            LinkState::To(url) => inlines.push(text, style, Some(url)),
            // Bare URLs become links, except in code.
            LinkState::Outside if !style.code => push_text_with_links(inlines, text, style),
            LinkState::Outside | LinkState::Blocked => inlines.push(text, style, None),
        }
    }

    /// Takes in one parser event.
    pub fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => {
                let saved = self.style;
                self.style.code = true;
                self.text(&code);
                self.style = saved;
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.text("\n"),
            Event::Html(html) | Event::InlineHtml(html) => self.text(&html),
            Event::InlineMath(math) | Event::DisplayMath(math) => self.text(&math),
            Event::FootnoteReference(name) => self.text(&format!("[{name}]")),
            Event::Rule => self.push_block(Block::Rule),
            Event::TaskListMarker(checked) => {
                if let Some(Open::Item(item)) = self.open.last_mut() {
                    item.marker = Marker::Task(checked);
                }
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {
                self.flush_inline();
                self.inline = Some((InlineTarget::Paragraph, Inlines::default()));
            }
            Tag::Heading { level, .. } => {
                self.flush_inline();
                self.inline = Some((
                    InlineTarget::Heading(heading_level(level)),
                    Inlines::default(),
                ));
            }
            Tag::BlockQuote(_) => {
                self.flush_inline();
                self.open.push(Open::Quote(Vec::new()));
            }
            Tag::CodeBlock(kind) => {
                self.flush_inline();
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((language, String::new()));
            }
            Tag::List(start) => {
                self.flush_inline();
                self.open.push(Open::List {
                    next_number: start,
                    items: Vec::new(),
                });
            }
            Tag::Item => {
                self.flush_inline();
                let marker = match self.open.last_mut() {
                    Some(Open::List {
                        next_number: Some(n),
                        ..
                    }) => {
                        let marker = Marker::Number(*n);
                        *n = n.saturating_add(1);
                        marker
                    }
                    _ => Marker::Bullet,
                };
                self.open.push(Open::Item(ListItem {
                    marker,
                    blocks: Vec::new(),
                }));
            }
            Tag::Table(alignments) => {
                self.flush_inline();
                self.table = Some(Table {
                    alignments: alignments.into_iter().map(column_align).collect(),
                    ..Table::default()
                });
            }
            Tag::TableHead => self.in_head = true,
            Tag::TableRow => self.row.clear(),
            Tag::TableCell => self.inline = Some((InlineTarget::Cell, Inlines::default())),
            Tag::Emphasis => self.style.italic = true,
            Tag::Strong => self.style.bold = true,
            Tag::Strikethrough => self.style.strike = true,
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.link = if is_openable(&dest_url) {
                    LinkState::To(dest_url.to_string())
                } else {
                    LinkState::Blocked
                };
            }
            Tag::HtmlBlock
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Superscript
            | Tag::Subscript
            | Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.flush_inline(),
            TagEnd::Heading(_) => {
                if let Some((InlineTarget::Heading(level), text)) = self.inline.take() {
                    self.blocks().push(Block::Heading { level, text });
                }
            }
            TagEnd::BlockQuote(_) => {
                self.flush_inline();
                if let Some(Open::Quote(blocks)) = self.open.pop() {
                    self.push_block(Block::Quote(blocks));
                }
            }
            TagEnd::CodeBlock => {
                if let Some((language, mut code)) = self.code.take() {
                    if code.ends_with('\n') {
                        code.pop();
                    }
                    self.push_block(Block::Code { language, code });
                }
            }
            TagEnd::List(_) => {
                self.flush_inline();
                if let Some(Open::List { items, .. }) = self.open.pop() {
                    self.push_block(Block::List(items));
                }
            }
            TagEnd::Item => {
                self.flush_inline();
                if let Some(Open::Item(item)) = self.open.pop()
                    && let Some(Open::List { items, .. }) = self.open.last_mut()
                {
                    items.push(item);
                }
            }
            TagEnd::TableCell => {
                let cell = self
                    .inline
                    .take()
                    .map(|(_, inlines)| inlines)
                    .unwrap_or_default();
                self.row.push(cell);
            }
            TagEnd::TableHead => {
                self.in_head = false;
                if let Some(table) = &mut self.table {
                    table.header = std::mem::take(&mut self.row);
                }
            }
            TagEnd::TableRow => {
                if let Some(table) = &mut self.table {
                    table.rows.push(std::mem::take(&mut self.row));
                }
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    self.push_block(Block::Table(table));
                }
            }
            TagEnd::Emphasis => self.style.italic = false,
            TagEnd::Strong => self.style.bold = false,
            TagEnd::Strikethrough => self.style.strike = false,
            TagEnd::Link | TagEnd::Image => self.link = LinkState::Outside,
            _ => {}
        }
    }

    /// Closes whatever a cut-off (still streaming) reply left open.
    pub fn finish(mut self) -> Vec<Block> {
        self.flush_inline();
        if let Some((InlineTarget::Heading(level), text)) = self.inline.take() {
            self.blocks().push(Block::Heading { level, text });
        }
        if let Some((language, code)) = self.code.take() {
            self.push_block(Block::Code { language, code });
        }
        while let Some(open) = self.open.pop() {
            let block = match open {
                Open::Quote(blocks) => Block::Quote(blocks),
                Open::List { items, .. } => Block::List(items),
                Open::Item(item) => {
                    if let Some(Open::List { items, .. }) = self.open.last_mut() {
                        items.push(item);
                    }
                    continue;
                }
            };
            self.blocks().push(block);
        }
        self.root
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn column_align(alignment: Alignment) -> ColumnAlign {
    match alignment {
        Alignment::None | Alignment::Left => ColumnAlign::Left,
        Alignment::Center => ColumnAlign::Center,
        Alignment::Right => ColumnAlign::Right,
    }
}
