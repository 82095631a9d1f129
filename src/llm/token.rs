//! API key + API secret exchanged for an access token, OAuth2 client-credentials style:
//! `POST {token_url}` with `grant_type=client_credentials`, `client_id` (the key) and
//! `client_secret` (the secret) as a form, answered by `{"access_token", "expires_in"}`. The
//! token is cached in memory per provider until shortly before it expires; a 401 on a
//! request refreshes it once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::LlmError;
use super::error::error_detail;
use super::http::{may_carry_key, read_limited, send_within};
use super::limits::{MAX_ERROR_BODY_BYTES, StreamLimits};
use crate::secrets::ApiKey;

/// The keyring entry that holds a provider's API secret (its key is under its name).
pub fn secret_entry(provider: &str) -> String {
    format!("{provider} (API secret)")
}

/// A token is refreshed this long before the server said it expires.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// Tokens by provider name and token URL, shared by every stream of one client.
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    tokens: Arc<tokio::sync::Mutex<HashMap<String, (ApiKey, Instant)>>>,
}

/// What a stream needs to get a token.
#[derive(Debug, Clone)]
pub struct TokenSource {
    /// The shared cache.
    pub cache: TokenCache,
    /// The token endpoint.
    pub url: String,
    /// The API key (`client_id`).
    pub key: ApiKey,
    /// The API secret (`client_secret`).
    pub secret: ApiKey,
    /// The cache entry's name.
    pub cache_key: String,
}

impl TokenSource {
    /// A token valid for a while yet: the cached one, or a new one (also when `refresh`).
    ///
    /// # Errors
    /// The token endpoint failed or answered without a token, in words.
    pub async fn token(
        &self,
        http: &reqwest::Client,
        limits: &StreamLimits,
        refresh: bool,
    ) -> Result<ApiKey, LlmError> {
        // Held across the request: concurrent streams wait for one refresh, not many.
        let mut tokens = self.cache.tokens.lock().await;
        if !refresh
            && let Some((token, expires)) = tokens.get(&self.cache_key)
            && Instant::now() + REFRESH_MARGIN < *expires
        {
            return Ok(token.clone());
        }
        let (token, lifetime) = self.fetch(http, limits).await?;
        tokens.insert(
            self.cache_key.clone(),
            (token.clone(), Instant::now() + lifetime),
        );
        Ok(token)
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        limits: &StreamLimits,
    ) -> Result<(ApiKey, Duration), LlmError> {
        let Ok(url) = reqwest::Url::parse(&self.url) else {
            return Err(LlmError::InvalidUrl(self.url.clone()));
        };
        if !may_carry_key(&url) {
            return Err(LlmError::Rejected {
                status: 0,
                detail: format!(
                    "the token URL {} is plain http:// to another computer, so the key and secret were not sent; use https://",
                    self.url
                ),
            });
        }
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.key.expose()),
            ("client_secret", self.secret.expose()),
        ];
        let request = http.post(url).form(&form);
        let response = send_within(request, &self.url, limits.response_head).await?;
        let status = response.status().as_u16();
        let deadline = Instant::now() + limits.idle;
        let body = read_limited(response, MAX_ERROR_BODY_BYTES, deadline).await;
        let token_error = |detail: String| LlmError::Rejected {
            status,
            detail: format!(
                "the token endpoint {} refused the key and secret: {detail}; check both in Settings → Providers",
                self.url
            ),
        };
        if !(200..300).contains(&status) {
            return Err(token_error(error_detail(&body)));
        }
        let value: serde_json::Value =
            serde_json::from_str(&body).map_err(|_not_json| token_error(error_detail(&body)))?;
        let token = value
            .get("access_token")
            .and_then(|t| t.as_str())
            .and_then(ApiKey::new)
            .ok_or_else(|| token_error("its answer has no access_token".into()))?;
        // A missing or odd lifetime: use the token for this request only.
        let lifetime = value
            .get("expires_in")
            .and_then(serde_json::Value::as_u64)
            .map_or(Duration::ZERO, Duration::from_secs);
        Ok((token, lifetime))
    }
}
