//! [`LlmError`] in the interface language: English is its `Display`; Chinese is written
//! here for every variant, with the same cause and next step. Texts that came from outside
//! (the server's own message, a URL, the transport's reason) are quoted as they are.

use super::error::{KeyUse, LlmError};
use crate::lang::Lang;

impl LlmError {
    /// The message for a person reading `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Zh => zh(self),
        }
    }
}

/// `：detail` when the server said something.
fn detail(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!("：{detail}")
    }
}

fn key_use(key: KeyUse) -> &'static str {
    match key {
        KeyUse::Sent => "",
        KeyUse::NoneStored => "（尚未为它保存密钥）",
        KeyUse::WithheldOverHttp => {
            "（密钥没有发送：基础 URL 是通往另一台计算机的明文 http://，请改用 https://）"
        }
    }
}

fn zh(err: &LlmError) -> String {
    match err {
        LlmError::Unauthorized {
            status,
            provider,
            key,
            detail: d,
        } => format!(
            "服务器拒绝了 API 密钥（{status}）{}。请打开 设置 → 服务商，检查“{provider}”的密钥{}。",
            detail(d),
            key_use(*key)
        ),
        LlmError::NotFound {
            url,
            model,
            detail: d,
        } => format!(
            "服务器对 {url} 回答 404 未找到{}。请检查基础 URL（通常以 /v1 结尾）和模型名称“{model}”。",
            detail(d)
        ),
        LlmError::RateLimited { detail: d } => format!(
            "服务商正在限制请求频率（429）{}。请稍等后重试，或检查套餐的配额。",
            detail(d)
        ),
        LlmError::Rejected { status, detail: d } => {
            format!("服务器拒绝了这个请求（{status}）{}。", detail(d))
        }
        LlmError::Server { status, detail: d } => {
            format!("服务商的服务器出错（{status}）{}。请稍后重试。", detail(d))
        }
        LlmError::Unreachable { host, reason } => {
            format!("无法连接 {host}：{reason}。请检查 设置 → 服务商 中的基础 URL 和网络连接。")
        }
        LlmError::ClosedWithoutAnswer { host, reason } => format!(
            "{host} 的服务器没有回答就关闭了连接（{reason}）。请重试；如果一直这样，请检查基础 URL（它是 HTTP API 而不是别的服务吗？）。"
        ),
        LlmError::NoAnswer { host, waited_secs } => format!(
            "{host} 的服务器接受了请求，但 {waited_secs} 秒内没有回答。请稍后重试；如果一直这样，请检查基础 URL（较慢的本地模型可能需要更长的 OCRCHAT_RESPONSE_HEAD_TIMEOUT_SECS）。"
        ),
        LlmError::Redirected { status, target } => format!(
            "服务器把请求重定向（{status}）到 {target}。ocrchat 不跟随重定向；如果那个地址是对的，请把它填入 设置 → 服务商 的基础 URL。"
        ),
        LlmError::Compressed { encoding } => format!(
            "服务器发来了 ocrchat 没有请求的 {encoding} 压缩回答（Content-Encoding: {encoding}）。可能是你和服务商之间的代理改写了它；请检查基础 URL 和代理设置。"
        ),
        LlmError::TimedOut(what) => {
            format!("回复超时：{what}。已收到的部分会保留；再次发送即可重试。")
        }
        LlmError::TooLarge(what) => format!(
            "回复已停止：{what}。已收到的部分会保留；服务器行为异常，请重试或检查基础 URL。"
        ),
        LlmError::InvalidUrl(url) => {
            format!("基础 URL“{url}”不是有效的网址。请在 设置 → 服务商 中修正。")
        }
        LlmError::NotAStream {
            content_type,
            snippet,
            expected,
        } => format!(
            "服务器没有以流的形式回答（{content_type}）：{snippet}。基础 URL 是 {expected} 吗？"
        ),
        LlmError::WaitTooLong {
            cause,
            wait_secs,
            until,
        } => format!(
            "{} 服务器要求等待 {wait_secs} 秒后再试，比 ocrchat 愿意等的更久；请在 {until} 之后重试。",
            zh(cause)
        ),
        LlmError::EmptyReply { reasoning_only } => format!(
            "模型返回了空回复{}。请重试，或检查模型名称。",
            if *reasoning_only {
                "（只有思考过程，没有回答）"
            } else {
                ""
            }
        ),
        LlmError::InStream(what) => format!("服务商在回复中途报告了错误：{what}"),
        LlmError::Interrupted(what) => {
            format!("连接在回复中途断开（{what}）。已收到的部分会保留；再次发送即可重试。")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_seen_errors_read_in_both_languages() {
        let unauthorized = LlmError::Unauthorized {
            status: 401,
            provider: "本地".into(),
            key: KeyUse::NoneStored,
            detail: "invalid key".into(),
        };
        assert!(
            unauthorized
                .text(Lang::En)
                .starts_with("The server rejected the API key (401)")
        );
        assert_eq!(
            unauthorized.text(Lang::Zh),
            "服务器拒绝了 API 密钥（401）：invalid key。请打开 设置 → 服务商，检查“本地”的密钥（尚未为它保存密钥）。"
        );
        let forbidden = LlmError::Unauthorized {
            status: 403,
            provider: "p".into(),
            key: KeyUse::Sent,
            detail: String::new(),
        };
        assert!(
            forbidden
                .text(Lang::Zh)
                .starts_with("服务器拒绝了 API 密钥（403）。")
        );
        let not_found = LlmError::NotFound {
            url: "http://h/v1/chat/completions".into(),
            model: "m".into(),
            detail: String::new(),
        };
        assert!(not_found.text(Lang::En).contains("404 Not Found"));
        assert!(not_found.text(Lang::Zh).contains("404 未找到"));
        let unreachable = LlmError::Unreachable {
            host: "127.0.0.1:9".into(),
            reason: "connection refused".into(),
        };
        assert!(
            unreachable
                .text(Lang::En)
                .starts_with("Could not reach 127.0.0.1:9")
        );
        assert!(
            unreachable
                .text(Lang::Zh)
                .starts_with("无法连接 127.0.0.1:9：connection refused。")
        );
        let no_answer = LlmError::NoAnswer {
            host: "h".into(),
            waited_secs: 10,
        };
        assert!(no_answer.text(Lang::Zh).contains("10 秒内没有回答"));
        let timed_out = LlmError::TimedOut("no data for 60 s".into());
        assert!(timed_out.text(Lang::En).starts_with("The reply timed out"));
        assert!(timed_out.text(Lang::Zh).starts_with("回复超时"));
        let wait = LlmError::WaitTooLong {
            cause: Box::new(LlmError::RateLimited {
                detail: String::new(),
            }),
            wait_secs: 120,
            until: "Wed, 02 Dec 2026 17:00:00 GMT".into(),
        };
        assert!(
            wait.text(Lang::Zh)
                .starts_with("服务商正在限制请求频率（429）")
        );
    }
}
