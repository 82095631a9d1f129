//! The Markdown → view-data step as data, the cache, and what a frame of it costs.

use super::blocks::{Block, ColumnAlign, Marker, Span, parse};
use super::{MarkdownCache, markdown_ui};
use crate::ui::strings::Lang;

const SAMPLE: &str = "# Title\n\n## Sub\n\n1. one **bold**\n2. two\n\n- [x] done\n- [ ] open\n\n\
| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n```rust\nfn main() {}\n```\n\nSee https://example.com.\n";

fn spans(block: &Block) -> &[Span] {
    match block {
        Block::Paragraph(inlines) | Block::Heading { text: inlines, .. } => &inlines.spans,
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn a_reply_becomes_headings_lists_tasks_table_code_and_links() {
    let blocks = parse(SAMPLE);
    assert!(matches!(&blocks[0], Block::Heading { level: 1, text } if text.plain() == "Title"));
    assert!(matches!(&blocks[1], Block::Heading { level: 2, text } if text.plain() == "Sub"));
    let Block::List(items) = &blocks[2] else {
        panic!("{:?}", blocks[2])
    };
    assert_eq!(
        items.iter().map(|i| i.marker).collect::<Vec<_>>(),
        [Marker::Number(1), Marker::Number(2)]
    );
    let first = spans(&items[0].blocks[0]);
    assert!(first.iter().any(|s| s.text == "bold" && s.style.bold));
    let Block::List(tasks) = &blocks[3] else {
        panic!("{:?}", blocks[3])
    };
    // A task item is a checkbox, not a bullet plus a checkbox.
    assert_eq!(
        tasks.iter().map(|i| i.marker).collect::<Vec<_>>(),
        [Marker::Task(true), Marker::Task(false)]
    );
    assert_eq!(spans(&tasks[1].blocks[0])[0].text, "open");
    let Block::Table(table) = &blocks[4] else {
        panic!("{:?}", blocks[4])
    };
    assert_eq!(
        table.alignments,
        [ColumnAlign::Left, ColumnAlign::Center, ColumnAlign::Right]
    );
    assert_eq!(
        table
            .header
            .iter()
            .map(super::blocks::Inlines::plain)
            .collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    assert_eq!(table.rows.len(), 1);
    assert_eq!(
        blocks[5],
        Block::Code {
            language: "rust".into(),
            code: "fn main() {}".into()
        }
    );
    let link = spans(&blocks[6]).iter().find(|s| s.link.is_some()).unwrap();
    assert_eq!(
        (link.text.as_str(), link.link.as_deref()),
        ("https://example.com", Some("https://example.com"))
    );
}

#[test]
fn only_http_https_and_mailto_links_open() {
    let blocks =
        parse("[a](https://x.org) [b](javascript:alert(1)) [c](mailto:me@x.org) [d](file:///etc)");
    let links: Vec<_> = spans(&blocks[0])
        .iter()
        .filter_map(|s| s.link.clone())
        .collect();
    assert_eq!(links, ["https://x.org", "mailto:me@x.org"]);
}

#[test]
fn a_cut_off_streaming_reply_still_shows_what_arrived() {
    assert_eq!(
        parse("```py\nprint(1)\n"),
        [Block::Code {
            language: "py".into(),
            code: "print(1)".into()
        }]
    );
    let Block::List(items) = &parse("3. a\n4. b")[0] else {
        panic!()
    };
    assert_eq!(items[1].marker, Marker::Number(4));
    assert!(matches!(&parse("> quoted")[0], Block::Quote(inner) if inner.len() == 1));
}

#[test]
fn bold_spans_use_the_bold_face_links_are_underlined_and_code_is_monospace() {
    use super::inline::{Tone, inline_job};
    use crate::ui::theme::DARK;
    let blocks = parse("a **b** `c` https://d.org");
    let Block::Paragraph(inlines) = &blocks[0] else {
        panic!()
    };
    let tone = Tone {
        size: 14.0,
        color: DARK.text,
        bold: false,
    };
    let job = inline_job(inlines, tone, &DARK, true).job;
    let format_of = |needle: &str| {
        let start = job.text.find(needle).unwrap();
        &job.sections
            .iter()
            .find(|s| s.byte_range.contains(&egui::text::ByteIndex(start)))
            .unwrap()
            .format
    };
    assert_eq!(
        format_of("a").font_id.family,
        egui::FontFamily::Proportional
    );
    assert_eq!(
        format_of("b").font_id.family,
        crate::ui::fonts::bold_family()
    );
    assert_eq!(format_of("c").font_id.family, egui::FontFamily::Monospace);
    assert_eq!(format_of("c").background, DARK.code_bg);
    assert_eq!(format_of("https").color, DARK.link_text);
    assert!(format_of("https").underline.width > 0.0);
    // Without the bold family installed, bold falls back to the regular face (no panic).
    let job = inline_job(inlines, tone, &DARK, false).job;
    assert!(
        job.sections
            .iter()
            .all(|s| s.format.font_id.family != crate::ui::fonts::bold_family())
    );
}

/// Draws `texts` as replies in one frame of a headless context.
fn frame(ctx: &egui::Context, cache: &mut MarkdownCache, texts: &[String]) {
    run(ctx, |ui| {
        for (key, text) in texts.iter().enumerate() {
            markdown_ui(ui, cache, key, text, Lang::En.strings());
        }
    });
}

/// One headless pass; its texture updates are dropped (nothing renders them).
fn run(ctx: &egui::Context, draw: impl FnMut(&mut egui::Ui)) {
    let mut output = ctx.run_ui(egui::RawInput::default(), draw);
    output.textures_delta.clear();
}

#[test]
fn drawing_again_does_not_reparse_and_a_streaming_reply_reparses_only_itself() {
    let ctx = egui::Context::default();
    let mut cache = MarkdownCache::default();
    let mut texts = vec![SAMPLE.to_owned(), "- a\n- b".to_owned(), "plain".to_owned()];
    frame(&ctx, &mut cache, &texts);
    frame(&ctx, &mut cache, &texts);
    assert_eq!(cache.parses(), 3);
    texts[2].push_str(" and more");
    frame(&ctx, &mut cache, &texts);
    assert_eq!(cache.parses(), 4);
}

/// Per-frame cost of drawing a ~2 KB reply from the cache, by kind of block and for a dense
/// mix, and of parsing it (what a streaming reply pays per change). Figures, not assertions:
/// `cargo test --lib markdown::tests::cost -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement; run by hand"]
fn cost() {
    let rounds = 100u32;
    let time = |f: &mut dyn FnMut()| {
        f();
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            f();
        }
        start.elapsed() / rounds
    };
    let mixed = SAMPLE.repeat(1900 / SAMPLE.len() + 1);
    for (name, part) in [
        (
            "paragraphs",
            "Some *text* with **bold** and `code` here, long enough to wrap.\n\n",
        ),
        ("lists", "- a bullet\n- [x] task\n1. one\n\n"),
        ("tables", "| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n"),
        ("code", "```rust\nfn main() { let x = 1; }\n```\n\n"),
        ("mixed", mixed.as_str()),
    ] {
        let text = part.repeat(1900 / part.len() + 1);
        let blocks = parse(&text).len();
        let ctx = egui::Context::default();
        let mut cache = MarkdownCache::default();
        let draw = time(&mut || frame(&ctx, &mut cache, std::slice::from_ref(&text)));
        let empty = time(&mut || run(&ctx, |_| {}));
        let parsing = time(&mut || {
            std::hint::black_box(parse(&text));
        });
        eprintln!(
            "{name}: {} bytes, {blocks} blocks: frame {draw:?} (empty frame {empty:?}), parse {parsing:?}",
            text.len()
        );
    }
}
