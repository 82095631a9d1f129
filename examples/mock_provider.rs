//! A local OpenAI-compatible server for trying ocrchat without an API key: it streams a
//! Markdown reply with Chinese text, slowly, so the streaming can be watched.
//!
//! `cargo run --example mock_provider -- 8787`, then add a "Custom OpenAI-compatible"
//! provider with base URL `http://127.0.0.1:8787/v1` and any model name.

#![expect(
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::print_stderr,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
#[path = "../tests/support/server.rs"]
mod server;

use std::time::Duration;

const REPLY: &[&str] = &[
    "## OCR 结果概要\n\n",
    "截图里是一份**发票**，",
    "主要内容如下：\n\n",
    "- 金额：¥1,280.00\n",
    "- 日期：2026-11-25\n",
    "- 购买方：示例科技有限公司\n\n",
    "| 项目 | 数量 | 单价 |\n|---|---|---|\n| 服务器租用 | 2 | 640.00 |\n\n",
    "```python\n",
    "total = 2 * 640.00\n",
    "print(f\"合计 {total:.2f}\")\n",
    "```\n\n",
    "如需核对，请**对照原件**。",
];

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8787);
    let gap = Duration::from_millis(
        std::env::var("MOCK_GAP_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(250),
    );
    let mut pieces: Vec<Vec<u8>> = REPLY
        .iter()
        .map(|token| server::sse_chunk(token).into_bytes())
        .collect();
    pieces.push(
        b"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"
            .to_vec(),
    );
    let server = server::MockServer::start_on(port, move |_, _| {
        server::Reply::sse_pieces(pieces.clone(), gap)
    });
    eprintln!("mock provider: base URL {}", server.base_url);
    loop {
        std::thread::sleep(Duration::from_hours(1));
    }
}
