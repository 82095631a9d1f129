//! The provider's model list, for the model picker and `ocrchat providers models`:
//! `GET {base}/models` (OpenAI-compatible), `GET {base}/v1/models` (Anthropic), `GET
//! {base}/api/tags` (Ollama). The plain REST protocol has none: its model is typed.

use reqwest::header;

use super::error::{KeyUse, error_detail};
use super::http::{may_carry_key, read_limited, send_within};
use super::limits::MAX_WHOLE_BODY_BYTES;
use super::wire::Wire;
use super::{ChatClient, LlmError, ProviderConfig};
use crate::secrets::ApiKey;

impl ChatClient {
    /// The model names the provider lists, sorted.
    ///
    /// # Errors
    /// The style has no list, or the request failed, in words.
    pub async fn list_models(
        &self,
        provider: &ProviderConfig,
        key: Option<&ApiKey>,
    ) -> Result<Vec<String>, LlmError> {
        let Some(url) = provider.models_url() else {
            return Err(LlmError::Rejected {
                status: 0,
                detail: "this API style has no model list; type the model name".into(),
            });
        };
        let wire = Wire::new(provider.api);
        let mut request = self.http.get(&url);
        for (name, value) in wire.fixed_headers() {
            request = request.header(name, value);
        }
        let sendable = reqwest::Url::parse(&url).is_ok_and(|u| may_carry_key(&u));
        let key_use = match key {
            Some(key) if sendable => {
                let headers = wire.key_headers(key.expose()).unwrap_or_default();
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                KeyUse::Sent
            }
            Some(_) => KeyUse::WithheldOverHttp,
            None => KeyUse::NoneStored,
        };
        let limits = self.limits.with_overrides(&provider.timeouts);
        let response = send_within(request, &url, limits.response_head).await?;
        let status = response.status().as_u16();
        let json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let deadline = tokio::time::Instant::now() + limits.idle;
        let body = read_limited(response, MAX_WHOLE_BODY_BYTES, deadline).await;
        let secrets: Vec<&str> = key.iter().map(|k| k.expose()).collect();
        let detail = || crate::secrets::redact(&error_detail(&body), &secrets);
        match status {
            200..=299 => {}
            401 | 403 => {
                return Err(LlmError::Unauthorized {
                    status,
                    provider: provider.name.clone(),
                    key: key_use,
                    detail: detail(),
                });
            }
            _ => {
                return Err(LlmError::Rejected {
                    status,
                    detail: detail(),
                });
            }
        }
        let value: serde_json::Value = serde_json::from_str(&body)
            .ok()
            .filter(|_| json || body.trim_start().starts_with('{'))
            .ok_or_else(|| LlmError::Rejected {
                status,
                detail: format!("the model list is not JSON: {}", detail()),
            })?;
        let mut names = model_names(&value);
        names.sort();
        names.dedup();
        Ok(names)
    }
}

/// `data[].id` (OpenAI, Anthropic) or `models[].name` (Ollama).
fn model_names(value: &serde_json::Value) -> Vec<String> {
    let list = |field: &str, name: &str| -> Vec<String> {
        value
            .get(field)
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
            .filter_map(|m| m.get(name).and_then(|n| n.as_str()).map(str::to_owned))
            .collect()
    };
    let mut names = list("data", "id");
    names.extend(list("models", "name"));
    names
}
