//! `--model-setting MODEL:KEY=VALUE[,KEY=VALUE…]` (repeatable) for `ocrchat providers add|edit`:
//! a model's own settings, as the window's provider form sets them. Keys: `vision`
//! (`yes`/`no`), `context-window` and `max-tokens` (whole numbers above 0), `temperature`
//! (0 to 2); the value `default` unsets a key, and `MODEL:clear` drops the model's entry.
//! The model name may itself hold `:` (`qwen2.5:7b:temperature=0.2`).

use crate::llm::{ModelSettings, Temperature};

/// Applies one `--model-setting` to a provider's model list.
///
/// # Errors
/// What is wrong with the option, naming the part to fix.
pub(super) fn apply_model_setting(
    models: &mut Vec<ModelSettings>,
    spec: &str,
) -> Result<(), String> {
    let spec = spec.trim();
    let split_at = match spec.find('=') {
        Some(first_eq) => spec[..first_eq].rfind(':'),
        None => spec.rfind(':'),
    };
    let Some((name, settings)) = split_at.map(|at| (spec[..at].trim(), spec[at + 1..].trim()))
    else {
        return Err(format!(
            "--model-setting “{spec}” has no MODEL: part; write it as MODEL:max-tokens=1024,temperature=0.7"
        ));
    };
    if name.is_empty() {
        return Err(format!("--model-setting “{spec}” names no model"));
    }
    if settings == "clear" {
        models.retain(|m| m.name != name);
        return Ok(());
    }
    let mut entry = models
        .iter()
        .find(|m| m.name == name)
        .cloned()
        .unwrap_or_else(|| ModelSettings {
            name: name.to_owned(),
            ..ModelSettings::default()
        });
    for pair in settings.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .map(|(k, v)| (k.trim(), v.trim()))
            .ok_or_else(|| format!("“{pair}” in --model-setting is not KEY=VALUE"))?;
        set_key(&mut entry, key, value)?;
    }
    models.retain(|m| m.name != name);
    if !entry.is_empty() {
        models.push(entry);
    }
    Ok(())
}

fn set_key(entry: &mut ModelSettings, key: &str, value: &str) -> Result<(), String> {
    let unset = value == "default";
    let count = || {
        value.parse::<u32>().ok().filter(|&n| n > 0).ok_or_else(|| {
            format!("{key} must be a whole number above 0 or default, not “{value}”")
        })
    };
    match key {
        "vision" => {
            entry.vision = match value {
                "default" => None,
                "yes" | "true" => Some(true),
                "no" | "false" => Some(false),
                _ => return Err(format!("vision must be yes, no or default, not “{value}”")),
            }
        }
        "context-window" => entry.context_window = if unset { None } else { Some(count()?) },
        "max-tokens" => entry.max_tokens = if unset { None } else { Some(count()?) },
        "temperature" => {
            entry.temperature = if unset {
                None
            } else {
                let parsed = value.parse::<f32>().map_err(|_not_a_number| {
                    format!("temperature must be a number from 0 to 2 or default, not “{value}”")
                })?;
                Some(Temperature::try_from(parsed)?)
            }
        }
        _ => {
            return Err(format!(
                "unknown --model-setting key “{key}”; use vision, context-window, max-tokens or temperature"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_set_changed_unset_and_cleared() {
        let mut models = Vec::new();
        apply_model_setting(
            &mut models,
            "qwen2.5:7b:vision=no,context-window=32768,max-tokens=512,temperature=0.2",
        )
        .unwrap();
        assert_eq!(models.len(), 1);
        let entry = &models[0];
        assert_eq!(entry.name, "qwen2.5:7b");
        assert_eq!(entry.vision, Some(false));
        assert_eq!(entry.context_window, Some(32_768));
        assert_eq!(entry.max_tokens, Some(512));
        assert_eq!(entry.temperature.map(Temperature::get), Some(0.2));

        apply_model_setting(&mut models, "qwen2.5:7b:max-tokens=default").unwrap();
        assert_eq!(models[0].max_tokens, None);
        assert_eq!(models[0].context_window, Some(32_768), "other keys kept");
        apply_model_setting(&mut models, "qwen2.5:7b:clear").unwrap();
        assert!(models.is_empty());

        for bad in [
            "gpt-4o:temperature=3",
            "gpt-4o:max-tokens=0",
            "gpt-4o:vision=maybe",
            "gpt-4o:colour=red",
            "gpt-4o",
            ":temperature=1",
        ] {
            assert!(apply_model_setting(&mut models, bad).is_err(), "{bad}");
        }
        assert!(models.is_empty(), "a refused option changes nothing");
    }
}
