//! `ocrchat providers list|add|edit|remove|test`: saved providers managed from the shell, so
//! setups can be scripted. Changes go through the core (the same validation, keyring and
//! atomic config save as the window). A key is read from stdin (`--key-stdin`), never taken
//! from an argument, where `ps` and shell history would show it.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::time::Duration;

use crate::core::{Command, CoreHandle, CoreOptions, Event, KeyState, ProviderStatus};
use crate::llm::{
    ApiStyle, ChatClient, ChatMessage, ChatRequest, ProviderConfig, Role, StreamEvent, StreamLimits,
};
use crate::secrets::{ApiKey, KeyringStore};

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
        ProvidersAction::List => print_list(&providers, active.as_deref()),
        ProvidersAction::Add {
            name,
            fields,
            active,
        } => {
            let mut config = ProviderConfig::new(name.clone(), "", "");
            let api_key = apply(&mut config, fields)?;
            save(core, config, api_key, None).await?;
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
            let api_key = apply(&mut config, fields)?;
            save(core, config, api_key, Some(name)).await
        }
        ProvidersAction::Remove { name } => {
            find(&name)?;
            send(core, Command::RemoveProvider { name })?;
            settled_providers(core).await.map(drop)
        }
        ProvidersAction::Test { name } => {
            let provider = find(&name_or_active(name, active)?)?;
            let key = provider_key(&provider, keyring_service).await?;
            test_provider(provider, key).await
        }
        ProvidersAction::Models { name } => {
            let provider = find(&name_or_active(name, active)?)?;
            let key = provider_key(&provider, keyring_service).await?;
            list_models(&provider, key).await
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
    api_key: Option<ApiKey>,
    previous_name: Option<String>,
) -> Result<(), ProvidersFailed> {
    let name = provider.name.trim().to_owned();
    send(
        core,
        Command::SaveProvider {
            provider,
            api_key,
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

/// Applies the options to `config`; returns the key read from stdin, if asked for.
fn apply(config: &mut ProviderConfig, fields: Fields) -> Result<Option<ApiKey>, ProvidersFailed> {
    let Fields {
        api_style,
        base_url,
        model,
        key_stdin,
    } = fields;
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
    if !key_stdin {
        return Ok(None);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("API key for “{}”: ", config.name);
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|err| ProvidersFailed(format!("Could not read the key from stdin: {err}.")))?;
    ApiKey::new(line.trim().to_owned())
        .map(Some)
        .ok_or_else(|| ProvidersFailed("stdin held no key; pipe the key in, one line.".into()))
}

fn print_list(providers: &[ProviderStatus], active: Option<&str>) -> Result<(), ProvidersFailed> {
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
    Ok(())
}

fn name_or_active(name: Option<String>, active: Option<String>) -> Result<String, ProvidersFailed> {
    name.or(active).ok_or_else(|| {
        ProvidersFailed("No provider is set up yet; add one with `ocrchat providers add`.".into())
    })
}

/// The provider's stored key, read on the blocking pool.
async fn provider_key(
    provider: &ProviderConfig,
    keyring_service: String,
) -> Result<Option<ApiKey>, ProvidersFailed> {
    let keyring = KeyringStore::new(keyring_service);
    let name = provider.name.clone();
    tokio::task::spawn_blocking(move || keyring.get(&name))
        .await
        .map_err(|err| ProvidersFailed(format!("The keyring lookup failed: {err}.")))?
        .map_err(|err| ProvidersFailed(err.to_string()))
}

fn client() -> Result<ChatClient, ProvidersFailed> {
    ChatClient::new(crate::llm::RetryPolicy::none(), StreamLimits::from_env())
        .map_err(|err| ProvidersFailed(err.to_string()))
}

async fn list_models(
    provider: &ProviderConfig,
    key: Option<ApiKey>,
) -> Result<(), ProvidersFailed> {
    let names = client()?
        .list_models(provider, key.as_ref())
        .await
        .map_err(|err| ProvidersFailed(format!("“{}”: {err}", provider.name)))?;
    let mut out = std::io::stdout().lock();
    for name in names {
        if writeln!(out, "{}", super::output::for_stdout(&name)).is_err() {
            break;
        }
    }
    Ok(())
}

/// One tiny request: the first text (or the exact failure) decides.
async fn test_provider(
    provider: ProviderConfig,
    key: Option<ApiKey>,
) -> Result<(), ProvidersFailed> {
    let client = client()?;
    let request = ChatRequest {
        model: provider.model.clone(),
        messages: vec![ChatMessage {
            role: Role::User,
            content: "Reply with the word OK.".into(),
        }],
        max_tokens: Some(16),
        stream_usage: false,
        session_id: None,
    };
    let mut stream = client.stream(&provider, key.as_ref(), &request);
    loop {
        match stream.next_event().await {
            Ok(Some(StreamEvent::Content(_) | StreamEvent::Reasoning(_)) | None) => break,
            Ok(Some(_)) => {}
            Err(err) => {
                return Err(ProvidersFailed(format!(
                    "“{}” failed: {err}",
                    provider.name
                )));
            }
        }
    }
    let line = format!(
        "“{}” answered: {} at {} works.",
        provider.name,
        provider.model,
        provider.chat_url()
    );
    writeln!(
        std::io::stdout().lock(),
        "{}",
        super::output::for_stdout(&line)
    )
    .ok();
    Ok(())
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
