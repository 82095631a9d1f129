//! When to try a failed request again, the way openai-python does: only before any reply text
//! has arrived (a retry after that would bill a second generation and duplicate text), at most
//! 3 attempts, backoff `min(0.5·2^n, 8)` s less up to 25% jitter, the server's
//! `retry-after-ms`, then `Retry-After` (seconds or an HTTP date) honoured up to 60 s, and
//! `x-should-retry: true|false` overriding the status.

use std::hash::{BuildHasher as _, Hasher as _};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// How often and how long to wait before retrying a request that failed before streaming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The wait before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// The longest computed wait.
    pub max_delay: Duration,
    /// The longest wait the server may ask for; a longer one is not taken and the user is
    /// told when to try again.
    pub max_retry_after: Duration,
    /// Take up to 25% off each computed wait, so many clients do not retry in step.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_mins(1),
            jitter: true,
        }
    }
}

/// What the server said about retrying, read from the response head.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryHint {
    /// `retry-after-ms`, else `Retry-After`.
    pub after: Option<Duration>,
    /// `x-should-retry: true|false`.
    pub should_retry: Option<bool>,
}

impl RetryHint {
    /// Reads the retry headers; garbage in any of them is ignored.
    pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let millis = text("retry-after-ms")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis);
        let after = millis.or_else(|| text("retry-after").and_then(|v| parse_retry_after(v, now)));
        let should_retry = match text("x-should-retry").map(str::trim) {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        };
        Self {
            after,
            should_retry,
        }
    }
}

/// The decision for one failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPlan {
    /// Wait this long, then send again.
    Wait(Duration),
    /// No attempt is left.
    GiveUp,
    /// The server asked for a wait longer than we take.
    TooLong(Duration),
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// This policy with `attempts` in total (at least one).
    #[must_use]
    pub fn with_attempts(self, attempts: u32) -> Self {
        Self {
            max_retries: attempts.saturating_sub(1),
            ..self
        }
    }

    /// Attempts in total.
    pub fn attempts(&self) -> u32 {
        self.max_retries.saturating_add(1)
    }

    /// The decision before retry number `attempt` (1-based).
    pub fn plan(&self, attempt: u32, retry_after: Option<Duration>) -> RetryPlan {
        if attempt == 0 || attempt > self.max_retries {
            return RetryPlan::GiveUp;
        }
        if let Some(wait) = retry_after {
            return if wait <= self.max_retry_after {
                RetryPlan::Wait(wait)
            } else {
                RetryPlan::TooLong(wait)
            };
        }
        let factor = 1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX);
        let delay = self.base_delay.saturating_mul(factor).min(self.max_delay);
        RetryPlan::Wait(if self.jitter {
            delay.mul_f64(jitter_factor(random_unit()))
        } else {
            delay
        })
    }

    /// The wait before retry number `attempt`, or `None` when none is taken.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match self.plan(attempt, retry_after) {
            RetryPlan::Wait(delay) => Some(delay),
            RetryPlan::GiveUp | RetryPlan::TooLong(_) => None,
        }
    }
}

/// openai-python's `1 - 0.25 * random()`, for `unit` in `[0, 1)`.
fn jitter_factor(unit: f64) -> f64 {
    1.0 - 0.25 * unit.clamp(0.0, 1.0)
}

/// A number in `[0, 1)` from the standard library's per-process random hasher keys.
fn random_unit() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    // 53 random bits make an evenly spread f64 in [0, 1).
    #[expect(clippy::cast_precision_loss, reason = "53 bits fit an f64 exactly")]
    let unit = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
    unit
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Garbage,
/// negative or fractional values give `None` (never a panic).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps_like_openai_python() {
        let policy = RetryPolicy {
            max_retries: 6,
            jitter: false,
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = (1..=7).map(|a| policy.delay(a, None)).collect();
        let ms = |m| Some(Duration::from_millis(m));
        assert_eq!(
            delays,
            vec![
                ms(500),
                ms(1000),
                ms(2000),
                ms(4000),
                ms(8000),
                ms(8000),
                None
            ]
        );
        assert_eq!(
            policy.plan(1, Some(Duration::from_mins(1))),
            RetryPlan::Wait(Duration::from_mins(1))
        );
        assert_eq!(
            policy.plan(1, Some(Duration::from_secs(61))),
            RetryPlan::TooLong(Duration::from_secs(61))
        );
        assert_eq!(RetryPolicy::none().plan(1, None), RetryPlan::GiveUp);
        assert_eq!(RetryPolicy::default().attempts(), 3);
        assert_eq!(RetryPolicy::default().with_attempts(5).max_retries, 4);
    }

    #[test]
    fn jitter_takes_off_at_most_a_quarter() {
        assert!((jitter_factor(0.0) - 1.0).abs() < f64::EPSILON);
        assert!((jitter_factor(0.999_999) - 0.75).abs() < 1e-5);
        for attempt in 1..=2 {
            for _ in 0..200 {
                let Some(delay) = RetryPolicy::default().delay(attempt, None) else {
                    panic!("attempt {attempt} has a retry");
                };
                let full = Duration::from_millis(500 * u64::from(attempt));
                assert!(delay <= full && delay >= full.mul_f64(0.75), "{delay:?}");
            }
        }
    }

    #[test]
    fn hints_from_headers() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().unwrap());
            }
            RetryHint::from_headers(&map, now)
        };
        let hint = headers(&[("retry-after-ms", "1500"), ("retry-after", "9")]);
        assert_eq!(hint.after, Some(Duration::from_millis(1500)));
        let hint = headers(&[("retry-after", "Wed, 21 Oct 2026 07:28:05 GMT")]);
        assert_eq!(hint.after, Some(Duration::from_secs(5)));
        let hint = headers(&[("x-should-retry", "false"), ("retry-after-ms", "x")]);
        assert_eq!(
            hint,
            RetryHint {
                after: None,
                should_retry: Some(false)
            }
        );
        assert_eq!(
            headers(&[("x-should-retry", "true")]).should_retry,
            Some(true)
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_mins(2)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in ["-1", "1.5", "soon", "", "99999999999999999999999"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }
}
