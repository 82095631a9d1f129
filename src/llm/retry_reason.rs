//! Why a request is about to be sent again, in a few words: the line the window and the CLI
//! show as "retrying in 3 s (attempt 2 of 3): the server is overloaded (503)" (issue #12).

use super::LlmError;

impl LlmError {
    /// The cause of a retry in a few lowercase words, with the server's own message after a
    /// colon when it sent one. Errors that are never retried read as their whole message.
    pub fn retry_reason(&self) -> String {
        let with_detail = |words: String, detail: &str| {
            if detail.trim().is_empty() {
                words
            } else {
                format!("{words}: {}", detail.trim())
            }
        };
        match self {
            Self::Server { status, detail } => {
                let words = match status {
                    503 | 529 => "the server is overloaded",
                    502 => "the gateway got a bad answer from the server",
                    504 => "the gateway timed out waiting for the server",
                    408 => "the server timed out waiting for the request",
                    _ => "the server had an error",
                };
                with_detail(format!("{words} ({status})"), detail)
            }
            Self::RateLimited { detail } => with_detail(
                "the provider is rate limiting requests (429)".into(),
                detail,
            ),
            Self::Rejected {
                status: 409,
                detail,
            } => with_detail("the server reported a conflict (409)".into(), detail),
            Self::Unreachable { host, reason } => format!("could not reach {host}: {reason}"),
            Self::ClosedWithoutAnswer { host, reason } => {
                format!("{host} closed the connection without answering ({reason})")
            }
            Self::NoAnswer { host, waited_secs } => {
                format!("{host} sent no answer within {waited_secs} s")
            }
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LlmError;

    #[test]
    fn reasons_are_short_and_keep_the_servers_words() {
        let server = |status, detail: &str| LlmError::Server {
            status,
            detail: detail.into(),
        };
        assert_eq!(
            server(503, "").retry_reason(),
            "the server is overloaded (503)"
        );
        assert_eq!(
            server(529, "Overloaded").retry_reason(),
            "the server is overloaded (529): Overloaded"
        );
        assert_eq!(
            server(500, "").retry_reason(),
            "the server had an error (500)"
        );
        let limited = LlmError::RateLimited {
            detail: "slow down".into(),
        };
        assert_eq!(
            limited.retry_reason(),
            "the provider is rate limiting requests (429): slow down"
        );
    }
}
