//! A conversation as one self-contained HTML page: its own style sheet, images inline as
//! `data:` URLs, replies rendered from Markdown, no scripts and nothing fetched. HTML inside a
//! message is shown as text, and only `http`, `https` and `mailto` links are kept, so an
//! exported reply cannot run anything when the page is opened.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

use super::export::{ExportImage, NO_KEYS};
use super::export_md::author;
use crate::search::format_utc;
use crate::store::ConversationRecord;

const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:50rem;\
margin:2rem auto;padding:0 1rem;line-height:1.55;color:#1f2328;background:#fff}\
.note{color:#57606a;font-size:.9rem;border-bottom:1px solid #d0d7de;padding-bottom:.5rem}\
.message{border:1px solid #d0d7de;border-radius:8px;padding:.25rem 1rem;margin:1rem 0}\
.you{background:#f6f8fa}.who{font-weight:600;color:#57606a;font-size:.9rem}\
pre{background:#f6f8fa;padding:.75rem;overflow:auto;white-space:pre-wrap}\
img{max-width:100%;border:1px solid #d0d7de}table{border-collapse:collapse}\
td,th{border:1px solid #d0d7de;padding:.25rem .5rem}";

/// The page of `record`.
pub(super) fn html(record: &ConversationRecord, images: &BTreeMap<String, ExportImage>) -> String {
    let title = escape(&record.title);
    let mut out = format!(
        "<!DOCTYPE html>\n<!-- Exported by ocrchat {}. {NO_KEYS} -->\n<html><head>\
         <meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>\n\
         <h1>{title}</h1>\n<p class=\"note\">Exported by ocrchat {}. {NO_KEYS}</p>\n",
        crate::VERSION,
        crate::VERSION,
    );
    for message in &record.messages {
        let class = if message.role == crate::llm::Role::User {
            "message you"
        } else {
            "message"
        };
        writeln!(
            out,
            "<div class=\"{class}\"><p class=\"who\">{} · {} UTC</p>",
            escape(&author(message)),
            format_utc(message.created_at)
        )
        .ok();
        if !message.reasoning.is_empty() {
            writeln!(
                out,
                "<details><summary>Thinking</summary>{}</details>",
                markdown_html(&message.reasoning)
            )
            .ok();
        }
        for attachment in &message.attachments {
            if let Some(image) = images.get(&attachment.content_hash) {
                let data = base64::engine::general_purpose::STANDARD.encode(&image.bytes);
                writeln!(
                    out,
                    "<p><img alt=\"{}\" src=\"data:{};base64,{data}\"></p>",
                    escape(&attachment.file_name),
                    image.mime
                )
                .ok();
            }
            if !attachment.sent_text.is_empty() {
                writeln!(
                    out,
                    "<details><summary>OCR text</summary><pre>{}</pre></details>",
                    escape(&attachment.sent_text)
                )
                .ok();
            }
        }
        out.push_str(&markdown_html(&message.content));
        out.push_str("</div>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// `text` rendered from Markdown, with raw HTML as text and unsafe links dropped.
fn markdown_html(text: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(text, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        // An image would be fetched when the page opens: show it as a link instead.
        Event::Start(
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }
            | Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            },
        ) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::End(pulldown_cmark::TagEnd::Image) => Event::End(pulldown_cmark::TagEnd::Link),
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim_start().to_ascii_lowercase();
    if ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
    {
        url
    } else {
        CowStr::Borrowed("")
    }
}

/// `text` safe inside HTML text and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text_and_only_safe_links_stay() {
        let html = markdown_html(
            "<script>alert(1)</script>\n\n**bold** [a](javascript:alert(1)) [b](https://x.org) ![i](http://t/x.png)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(html.contains("href=\"https://x.org\""), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
