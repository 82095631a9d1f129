//! Reads a development `.env` (`API_KEY`, `ENDPOINT`, `MODEL`) without touching the process
//! environment, so it can be offered for import into the keyring and config.

use std::path::Path;

use super::ApiKey;

/// What a `.env` file offers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DotenvProvider {
    /// `ENDPOINT`: an OpenAI-compatible base URL.
    pub endpoint: Option<String>,
    /// `MODEL`.
    pub model: Option<String>,
    /// `API_KEY`.
    pub api_key: Option<ApiKey>,
}

impl DotenvProvider {
    /// Reads `path`; `None` when the file is missing, unreadable or offers none of the three.
    pub fn read(path: &Path) -> Option<Self> {
        let iter = dotenvy::from_path_iter(path).ok()?;
        let mut found = Self::default();
        for item in iter {
            let Ok((name, value)) = item else {
                tracing::warn!("skipping an unparsable line in {}", path.display());
                continue;
            };
            let value = value.trim().to_owned();
            match name.as_str() {
                "API_KEY" => found.api_key = ApiKey::new(value),
                "ENDPOINT" if !value.is_empty() => found.endpoint = Some(value),
                "MODEL" if !value.is_empty() => found.model = Some(value),
                _ => {}
            }
        }
        (found != Self::default()).then_some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_names_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "# dev\nAPI_KEY=sk-dot\nENDPOINT=http://127.0.0.1:9/v1\nMODEL=\"qwen-plus\"\nOTHER=x\n",
        )
        .unwrap();
        let found = DotenvProvider::read(&path).unwrap();
        assert_eq!(found.api_key.unwrap().expose(), "sk-dot");
        assert_eq!(found.endpoint.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(found.model.as_deref(), Some("qwen-plus"));
        assert!(
            std::env::var("API_KEY").is_err(),
            "must not set process env"
        );
        assert!(DotenvProvider::read(&dir.path().join("missing")).is_none());
    }
}
