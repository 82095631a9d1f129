//! `ocrchat providers list|add|edit|remove|test|models`: saved providers managed from the
//! shell, so setups can be scripted; `--model-setting` sets a model's own settings. Changes go through the core (the same validation, keyring and
//! atomic config save as the window). A key is read from stdin (`--key-stdin`), never taken
//! from an argument, where `ps` and shell history would show it.

mod model_setting;
mod probe;

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::time::Duration;

use crate::core::{Command, CoreHandle, CoreOptions, Event, KeyState, ProviderStatus};
use crate::llm::{ApiStyle, ProviderConfig};
use crate::secrets::ApiKey;

/// The arguments of `ocrchat providers`.
#[derive(Debug, Clone, clap::Args)]
pub struct ProvidersArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: ProvidersAction,
}

/// One `providers` subcommand.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ProvidersAction {
    /// List saved providers (tab-separated: name, API style, base URL, model, key; `*` marks
    /// the active one).
    List,
    /// Save a new provider.
    Add {
        /// Its name (also its keyring entry's name).
        name: String,
        /// Its settings.
        #[command(flatten)]
        fields: Fields,
        /// Make it the provider new questions go to.
        #[arg(long)]
        active: bool,
    },
    /// Change a saved provider; only the options given change.
    Edit {
        /// Its current name.
        name: String,
        /// A new name.
        #[arg(long)]
        rename: Option<String>,
        /// The settings to change.
        #[command(flatten)]
        fields: Fields,
    },
    /// Remove a provider and its stored key.
    Remove {
        /// Its name.
        name: String,
    },
    /// Send one tiny request and report success or the exact failure.
    Test {
        /// Its name (default: the active provider).
        name: Option<String>,
    },
    /// List the models the provider offers, one per line.
    Models {
        /// Its name (default: the active provider).
        name: Option<String>,
    },
}

/// Provider settings given as options.
#[derive(Debug, Clone, clap::Args)]
pub struct Fields {
    /// openai (the default), anthropic, ollama, rest or websocket.
    #[arg(long, value_parser = ApiStyle::parse_cli)]
    pub api_style: Option<ApiStyle>,
    /// The base URL the provider documents (see `ocrchat ask --help`).
    #[arg(long)]
    pub base_url: Option<String>,
    /// The model name.
    #[arg(long)]
    pub model: Option<String>,
    /// Read the API key from stdin (one line; a prompt on a terminal).
    #[arg(long)]
    pub key_stdin: bool,
    /// Exchange the key and an API secret for an access token at this URL.
    #[arg(long)]
    pub token_url: Option<String>,
    /// Read the API secret from stdin (the line after the key; a prompt on a terminal).
    #[arg(long, requires = "token_url")]
    pub secret_stdin: bool,
    /// A model's own settings: MODEL:KEY=VALUE[,KEY=VALUE…] with vision=yes|no,
    /// context-window=N, max-tokens=N, temperature=0–2 (`default` unsets a key;
    /// MODEL:clear drops the model's settings). Repeatable.
    #[arg(long = "model-setting", value_name = "MODEL:KEY=VALUE,…")]
    pub model_settings: Vec<String>,
}

/// A key and a secret read from stdin, when asked for.
#[derive(Default)]
struct Typed {
    key: Option<ApiKey>,
    secret: Option<ApiKey>,
}

/// What went wrong, as one line for stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProvidersFailed(pub String);

/// Runs a `providers` subcommand.
///
/// # Errors
/// The message to print; the exit code is 1.
pub async fn run_providers(
    args: ProvidersArgs,
    options: CoreOptions,
) -> Result<(), ProvidersFailed> {
    let keyring_service = options.keyring_service.clone();
    let runtime = tokio::runtime::Handle::current();
    let mut core = CoreHandle::start(&runtime, options)
        .map_err(|err| ProvidersFailed(format!("Could not start: {err}")))?;
    let result = run_action(args.action, &mut core, keyring_service).await;
    let shutdown = tokio::task::spawn_blocking(move || core.shutdown(Duration::from_secs(5)));
    shutdown.await.ok();
    result
}

async fn run_action(
    action: ProvidersAction,
    core: &mut CoreHandle,
    keyring_service: String,
) -> Result<(), ProvidersFailed> {
    let (providers, active) = settled_providers(core).await?;
    let find = |name: &str| {
        providers
            .iter()
            .find(|p| p.config.name == name)
            .map(|p| p.config.clone())
            .ok_or_else(|| no_such_provider(name, &providers))
    };
    match action {
        ProvidersAction::List => {
            print_list(&providers, active.as_deref());
            Ok(())
        }
        ProvidersAction::Add {
            name,
            fields,
            active,
        } => {
            let mut config = ProviderConfig::new(name.clone(), "", "");
            let typed = apply(&mut config, fields)?;
            save(core, config, typed, None).await?;
            if active {
                send(core, Command::SetActiveProvider { name })?;
                settled_providers(core).await?;
            }
            Ok(())
        }
        ProvidersAction::Edit {
            name,
            rename,
            fields,
        } => {
            let mut config = find(&name)?;
            if let Some(new_name) = rename {
                config.name = new_name;
            }
            let typed = apply(&mut config, fields)?;
            save(core, config, typed, Some(name.clone())).await
        }
        ProvidersAction::Remove { name } => {
            find(&name)?;
            // The secret goes first and is awaited here; the core then deletes the key (and
            // finds no secret left), so the two never write the same entry at once.
            probe::move_secret(&keyring_service, Some(&name), None, None).await?;
            send(core, Command::RemoveProvider { name: name.clone() })?;
            settled_providers(core).await.map(drop)
        }
        ProvidersAction::Test { name } => {
            let provider = find(&probe::name_or_active(name, active)?)?;
            let keys = probe::provider_keys(&provider, keyring_service).await?;
            probe::test_provider(provider, keys).await
        }
        ProvidersAction::Models { name } => {
            let provider = find(&probe::name_or_active(name, active)?)?;
            let (key, _) = probe::provider_keys(&provider, keyring_service).await?;
            probe::list_models(&provider, key).await
        }
    }
}

/// The provider list once every key's state is known (the first lists say "checking").
async fn settled_providers(
    core: &mut CoreHandle,
) -> Result<(Vec<ProviderStatus>, Option<String>), ProvidersFailed> {
    loop {
        match next_event(core).await? {
            Event::Providers { providers, active }
                if providers.iter().all(|p| p.key != KeyState::Checking) =>
            {
                return Ok((providers, active));
            }
            Event::Error(message) => return Err(ProvidersFailed(message)),
            _ => {}
        }
    }
}

async fn next_event(core: &mut CoreHandle) -> Result<Event, ProvidersFailed> {
    match tokio::time::timeout(Duration::from_secs(30), core.recv()).await {
        Ok(Some(event)) => Ok(event),
        Ok(None) => Err(ProvidersFailed("The core stopped unexpectedly.".into())),
        Err(_elapsed) => Err(ProvidersFailed(
            "The core did not answer within 30 s (is the keyring locked?).".into(),
        )),
    }
}

fn send(core: &CoreHandle, command: Command) -> Result<(), ProvidersFailed> {
    core.send(command)
        .map_err(|_busy| ProvidersFailed("The core is not accepting commands.".into()))
}

/// Saves and waits for the core's answer.
async fn save(
    core: &mut CoreHandle,
    provider: ProviderConfig,
    typed: Typed,
    previous_name: Option<String>,
) -> Result<(), ProvidersFailed> {
    let name = provider.name.trim().to_owned();
    // The core stores (or, on a rename, moves) the key and the API secret in one keyring job:
    // a second writer here raced it (gnome-keyring answered a search with a replaced item).
    send(
        core,
        Command::SaveProvider {
            provider,
            api_key: typed.key,
            api_secret: typed.secret,
            previous_name,
        },
    )?;
    loop {
        match next_event(core).await? {
            Event::ProviderSaved { name: saved } if saved == name => return Ok(()),
            Event::Error(message) => return Err(ProvidersFailed(message)),
            _ => {}
        }
    }
}

/// Applies the options to `config`; returns the key and secret read from stdin, if asked
/// for.
fn apply(config: &mut ProviderConfig, fields: Fields) -> Result<Typed, ProvidersFailed> {
    let Fields {
        api_style,
        base_url,
        model,
        key_stdin,
        token_url,
        secret_stdin,
        model_settings,
    } = fields;
    for spec in &model_settings {
        model_setting::apply_model_setting(&mut config.models, spec)
            .map_err(|m| ProvidersFailed(format!("{m}.")))?;
    }
    if let Some(url) = token_url {
        config.token_url = Some(url.trim().to_owned()).filter(|u| !u.is_empty());
    }
    if let Some(style) = api_style {
        config.api = style;
    }
    if let Some(base_url) = base_url {
        config.base_url = base_url;
    }
    if let Some(model) = model {
        config.model = model;
    }
    config
        .validate()
        .map_err(|m| ProvidersFailed(format!("{m}.")))?;
    let name = &config.name;
    Ok(Typed {
        key: key_stdin
            .then(|| read_secret_line(&format!("API key for “{name}”")))
            .transpose()?,
        secret: secret_stdin
            .then(|| read_secret_line(&format!("API secret for “{name}”")))
            .transpose()?,
    })
}

/// One line from stdin (a prompt on a terminal), as a secret.
#[expect(
    clippy::print_stderr,
    reason = "the prompt for a secret typed at a terminal"
)]
fn read_secret_line(what: &str) -> Result<ApiKey, ProvidersFailed> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{what}: ");
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|err| ProvidersFailed(format!("Could not read the {what} from stdin: {err}.")))?;
    ApiKey::new(line.trim().to_owned())
        .ok_or_else(|| ProvidersFailed(format!("stdin held no {what}; pipe it in, one line.")))
}

fn print_list(providers: &[ProviderStatus], active: Option<&str>) {
    let mut out = std::io::stdout().lock();
    for status in providers {
        let config = &status.config;
        let mark = if active == Some(config.name.as_str()) {
            "*"
        } else {
            " "
        };
        let key = match &status.key {
            KeyState::Stored => "key stored".to_owned(),
            KeyState::Missing => "no key".to_owned(),
            KeyState::Unavailable(why) => format!("keyring unavailable: {why}"),
            KeyState::Checking => "checking".to_owned(),
        };
        let line = format!(
            "{mark} {}\t{}\t{}\t{}\t{key}",
            config.name,
            config.api.cli_name(),
            config.base_url,
            config.model
        );
        // A closed pipe (`| head`) ends the listing quietly.
        if writeln!(out, "{}", super::output::for_stdout(&line)).is_err() {
            break;
        }
    }
}

fn no_such_provider(name: &str, providers: &[ProviderStatus]) -> ProvidersFailed {
    let known: Vec<&str> = providers.iter().map(|p| p.config.name.as_str()).collect();
    ProvidersFailed(if known.is_empty() {
        format!("There is no provider named “{name}”: none is configured yet.")
    } else {
        format!(
            "There is no provider named “{name}”. Configured: {}.",
            known.join(", ")
        )
    })
}
