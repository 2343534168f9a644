//! The configuration of `slotwise serve`, from four layers: a flag (`--limits-max-slots`) over
//! its environment variable (`SLOTWISE_LIMITS_MAX_SLOTS`) over the TOML file of `--config` /
//! `SLOTWISE_CONFIG` (`[limits] max_slots`) over the default. clap reads the first two, serde
//! the file; [`resolve`] takes the first layer that gives a key and checks every value, so a
//! bad configuration stops the start with one line naming the key (exit code 2) instead of a
//! server that misbehaves later. `crates/server/CONFIG.md` documents every key.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use slotwise_server::ServeOptions;
use slotwise_server::auth::{ApiKeyError, ApiKeys};
use slotwise_server::limits::Limits;
use slotwise_server::tls::{TlsError, TlsFiles};
use thiserror::Error;

const DEFAULT_LISTEN: &str = "127.0.0.1:50051";

/// Longest drain accepted: an orchestrator kills a pod that takes longer anyway.
const MAX_DRAIN_TIMEOUT_SECS: u64 = 3600;

/// With a shared PostgreSQL store, how long another replica's write may go unseen by this
/// replica's caches, by default and at most.
const DEFAULT_SHARED_STALENESS_MS: u64 = 1000;
const MAX_SHARED_STALENESS_MS: u64 = 60_000;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

/// The flags of `slotwise serve`, each with its environment variable.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// TOML configuration file; flags and environment variables override its keys.
    #[arg(long, env = "SLOTWISE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// gRPC address; port 0 picks a free port (the log says which) [default: 127.0.0.1:50051].
    #[arg(long, env = "SLOTWISE_LISTEN", value_name = "ADDRESS")]
    pub listen: Option<SocketAddr>,
    /// Address of the Prometheus metrics (`GET /metrics`); none when unset.
    #[arg(long, env = "SLOTWISE_METRICS_LISTEN", value_name = "ADDRESS")]
    pub metrics_listen: Option<SocketAddr>,
    /// SQLite file of the store, created with its directory when missing
    /// [default: ./data/slotwise.db].
    #[arg(long, env = "SLOTWISE_DATABASE", value_name = "FILE")]
    pub database: Option<PathBuf>,
    /// postgres:// URL of a shared PostgreSQL store; takes the place of `database`.
    #[arg(
        long,
        hide_env_values = true,
        env = "SLOTWISE_DATABASE_URL",
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    /// With database_url, how long (ms) another replica's writes may go unseen by this one's
    /// caches [default: 1000].
    #[arg(long, env = "SLOTWISE_SHARED_STALENESS_MS", value_name = "MS")]
    pub shared_staleness_ms: Option<u64>,
    /// Seconds in-flight calls get to finish after SIGTERM [default: 10].
    #[arg(long, env = "SLOTWISE_DRAIN_TIMEOUT_SECS", value_name = "SECONDS")]
    pub drain_timeout_secs: Option<u64>,
    /// TOML file of `tenant = "<sha256 hex of the key>"` lines.
    #[arg(long, env = "SLOTWISE_API_KEYS_FILE", value_name = "FILE")]
    pub api_keys_file: Option<PathBuf>,
    /// Key hashes as `tenant:sha256hex,tenant2:sha256hex`.
    #[arg(
        long,
        hide_env_values = true,
        env = "SLOTWISE_API_KEYS",
        value_name = "TENANT:SHA256,..."
    )]
    pub api_keys: Option<String>,
    /// PEM certificate chain of the gRPC port; TLS is on when set.
    #[arg(long, env = "SLOTWISE_TLS_CERT_FILE", value_name = "FILE")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of the certificate.
    #[arg(long, env = "SLOTWISE_TLS_KEY_FILE", value_name = "FILE")]
    pub tls_key_file: Option<PathBuf>,
    /// PEM CA certificates; when set, clients must present a certificate they signed.
    #[arg(long, env = "SLOTWISE_TLS_CLIENT_CA_FILE", value_name = "FILE")]
    pub tls_client_ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The `[limits]` keys as flags.
#[derive(Debug, Clone, Default, Args)]
pub struct LimitArgs {
    /// Largest request message, in bytes [default: 4194304].
    #[arg(long, env = "SLOTWISE_LIMITS_MAX_REQUEST_BYTES", value_name = "BYTES")]
    pub limits_max_request_bytes: Option<usize>,
    /// Longest planning horizon or best-slots window, in days [default: 92].
    #[arg(long, env = "SLOTWISE_LIMITS_MAX_HORIZON_DAYS", value_name = "DAYS")]
    pub limits_max_horizon_days: Option<u32>,
    /// Most slots of a horizon, window or exported schedule [default: 9000].
    #[arg(long, env = "SLOTWISE_LIMITS_MAX_SLOTS", value_name = "SLOTS")]
    pub limits_max_slots: Option<u32>,
    /// Most arms of an experiment [default: 100].
    #[arg(long, env = "SLOTWISE_LIMITS_MAX_ARMS", value_name = "ARMS")]
    pub limits_max_arms: Option<u32>,
    /// Most outcomes of one ReportOutcomes call [default: 10000].
    #[arg(
        long,
        env = "SLOTWISE_LIMITS_MAX_OUTCOMES_PER_BATCH",
        value_name = "OUTCOMES"
    )]
    pub limits_max_outcomes_per_batch: Option<u32>,
    /// Longest solver time limit, whatever the request asks [default: 30000].
    #[arg(long, env = "SLOTWISE_LIMITS_MAX_SOLVE_MS", value_name = "MS")]
    pub limits_max_solve_ms: Option<u64>,
    /// Solver time limit of a request that gives none [default: 10000].
    #[arg(long, env = "SLOTWISE_LIMITS_DEFAULT_SOLVE_MS", value_name = "MS")]
    pub limits_default_solve_ms: Option<u64>,
    /// Solves run at once; 0 is one per core [default: 0].
    #[arg(long, env = "SLOTWISE_LIMITS_SOLVE_WORKERS", value_name = "WORKERS")]
    pub limits_solve_workers: Option<usize>,
}

/// The TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    metrics_listen: Option<SocketAddr>,
    database: Option<PathBuf>,
    database_url: Option<String>,
    shared_staleness_ms: Option<u64>,
    drain_timeout_secs: Option<u64>,
    api_keys_file: Option<PathBuf>,
    api_keys: Option<KeyTable>,
    log_format: Option<LogFormat>,
    #[serde(default)]
    tls: FileTls,
    #[serde(default)]
    limits: FileLimits,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTls {
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    client_ca_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    max_request_bytes: Option<usize>,
    max_horizon_days: Option<u32>,
    max_slots: Option<u32>,
    max_arms: Option<u32>,
    max_outcomes_per_batch: Option<u32>,
    max_solve_ms: Option<u64>,
    default_solve_ms: Option<u64>,
    solve_workers: Option<usize>,
}

/// `tenant = "hash"` or `tenant = ["hash", "next hash"]`, as in a key file.
type KeyTable = BTreeMap<String, KeyHashes>;

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KeyHashes {
    One(String),
    Several(Vec<String>),
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    Sqlite(PathBuf),
    Postgres(String),
}

/// A checked configuration, ready to serve.
#[derive(Debug)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub metrics_listen: Option<SocketAddr>,
    pub store: StoreLocation,
    pub log_format: LogFormat,
    pub options: ServeOptions,
}

/// Why a configuration was refused.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what} {} is not valid: {message}", path.display())]
    Parse {
        what: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error("{key} {message}")]
    Invalid { key: &'static str, message: String },
    #[error("{key}: {source}")]
    ApiKey {
        key: &'static str,
        source: ApiKeyError,
    },
    #[error(transparent)]
    Tls(#[from] TlsError),
}

impl ConfigError {
    fn invalid(key: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            key,
            message: message.into(),
        }
    }
}

/// Reads the file `args` names, if any, and resolves every key.
pub fn load(args: &ServeArgs, log_format: Option<LogFormat>) -> Result<ServeConfig, ConfigError> {
    let file = match &args.config {
        Some(path) => read_toml("the config file", path)?,
        None => FileConfig::default(),
    };
    resolve(args, log_format, file)
}

fn resolve(
    args: &ServeArgs,
    log_format: Option<LogFormat>,
    file: FileConfig,
) -> Result<ServeConfig, ConfigError> {
    let listen = match args.listen.or(file.listen) {
        Some(listen) => listen,
        None => default_listen()?,
    };
    let metrics_listen = args.metrics_listen.or(file.metrics_listen);
    check_ports(listen, metrics_listen)?;

    let drain_timeout_secs = args
        .drain_timeout_secs
        .or(file.drain_timeout_secs)
        .unwrap_or(10);
    within(
        "drain_timeout_secs",
        drain_timeout_secs,
        0,
        MAX_DRAIN_TIMEOUT_SECS,
    )?;

    let store = store_location(args, file.database, file.database_url)?;
    let shared_staleness_ms = args
        .shared_staleness_ms
        .or(file.shared_staleness_ms)
        .unwrap_or(DEFAULT_SHARED_STALENESS_MS);
    within(
        "shared_staleness_ms",
        shared_staleness_ms,
        0,
        MAX_SHARED_STALENESS_MS,
    )?;
    // Only a PostgreSQL store is shared; a SQLite file has this process as its only writer.
    let shared_staleness = matches!(store, StoreLocation::Postgres(_))
        .then(|| Duration::from_millis(shared_staleness_ms));

    let options = ServeOptions {
        drain_timeout: Duration::from_secs(drain_timeout_secs),
        shared_staleness,
        limits: limits(&args.limits, &file.limits)?,
        api_keys: api_keys(args, file.api_keys_file.as_deref(), file.api_keys)?,
        tls: tls(args, &file.tls)?
            .map(|files| files.load())
            .transpose()?,
    };
    Ok(ServeConfig {
        listen,
        metrics_listen,
        store,
        log_format: log_format.or(file.log_format).unwrap_or_default(),
        options,
    })
}

fn default_listen() -> Result<SocketAddr, ConfigError> {
    DEFAULT_LISTEN
        .parse()
        .map_err(|_| ConfigError::invalid("listen", "has no valid default"))
}

fn check_ports(listen: SocketAddr, metrics_listen: Option<SocketAddr>) -> Result<(), ConfigError> {
    if metrics_listen == Some(listen) && listen.port() != 0 {
        let message = format!("must differ from listen, both are {listen}");
        return Err(ConfigError::invalid("metrics_listen", message));
    }
    Ok(())
}

fn store_location(
    args: &ServeArgs,
    database: Option<PathBuf>,
    database_url: Option<String>,
) -> Result<StoreLocation, ConfigError> {
    if let Some(url) = args.database_url.clone().or(database_url) {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            let message = "must be a postgres:// or postgresql:// URL";
            return Err(ConfigError::invalid("database_url", message));
        }
        return Ok(StoreLocation::Postgres(url));
    }
    let path = args.database.clone().or(database);
    let path = path.unwrap_or_else(|| PathBuf::from(slotwise_store::DEFAULT_DATABASE_PATH));
    if path.as_os_str().is_empty() {
        return Err(ConfigError::invalid("database", "must not be empty"));
    }
    Ok(StoreLocation::Sqlite(path))
}

fn limits(args: &LimitArgs, file: &FileLimits) -> Result<Limits, ConfigError> {
    let defaults = Limits::default();
    let limits = Limits {
        max_request_bytes: args
            .limits_max_request_bytes
            .or(file.max_request_bytes)
            .unwrap_or(defaults.max_request_bytes),
        max_horizon_days: args
            .limits_max_horizon_days
            .or(file.max_horizon_days)
            .unwrap_or(defaults.max_horizon_days),
        max_slots: args
            .limits_max_slots
            .or(file.max_slots)
            .unwrap_or(defaults.max_slots),
        max_arms: args
            .limits_max_arms
            .or(file.max_arms)
            .unwrap_or(defaults.max_arms),
        max_outcomes_per_batch: args
            .limits_max_outcomes_per_batch
            .or(file.max_outcomes_per_batch)
            .unwrap_or(defaults.max_outcomes_per_batch),
        max_solve_ms: args
            .limits_max_solve_ms
            .or(file.max_solve_ms)
            .unwrap_or(defaults.max_solve_ms),
        default_solve_ms: args
            .limits_default_solve_ms
            .or(file.default_solve_ms)
            .unwrap_or(defaults.default_solve_ms),
        solve_workers: args
            .limits_solve_workers
            .or(file.solve_workers)
            .unwrap_or(defaults.solve_workers),
    };
    check_limits(&limits)?;
    Ok(limits)
}

fn check_limits(limits: &Limits) -> Result<(), ConfigError> {
    let max_request_bytes = limits.max_request_bytes as u64;
    within(
        "limits.max_request_bytes",
        max_request_bytes,
        1024,
        64 * 1024 * 1024,
    )?;
    within(
        "limits.max_horizon_days",
        limits.max_horizon_days.into(),
        1,
        366,
    )?;
    within("limits.max_slots", limits.max_slots.into(), 1, 100_000)?;
    within("limits.max_arms", limits.max_arms.into(), 2, 10_000)?;
    within(
        "limits.max_outcomes_per_batch",
        limits.max_outcomes_per_batch.into(),
        1,
        1_000_000,
    )?;
    let max_time_limit_ms = slotwise_planner::validate::MAX_TIME_LIMIT_MS;
    within(
        "limits.max_solve_ms",
        limits.max_solve_ms,
        1,
        max_time_limit_ms,
    )?;
    within(
        "limits.default_solve_ms",
        limits.default_solve_ms,
        1,
        max_time_limit_ms,
    )?;
    if limits.default_solve_ms > limits.max_solve_ms {
        let message = format!(
            "must be at most limits.max_solve_ms = {}, got {}",
            limits.max_solve_ms, limits.default_solve_ms
        );
        return Err(ConfigError::invalid("limits.default_solve_ms", message));
    }
    within("limits.solve_workers", limits.solve_workers as u64, 0, 1024)
}

fn within(key: &'static str, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if !(min..=max).contains(&value) {
        let message = format!("must be between {min} and {max}, got {value}");
        return Err(ConfigError::invalid(key, message));
    }
    Ok(())
}

/// The keys of `api_keys` (flag, variable or file table) and of `api_keys_file`, together.
fn api_keys(
    args: &ServeArgs,
    file_keys_path: Option<&Path>,
    file_keys: Option<KeyTable>,
) -> Result<ApiKeys, ConfigError> {
    let mut entries: Vec<(String, String)> = match &args.api_keys {
        Some(list) => key_list(list)?,
        None => key_table_entries(file_keys.unwrap_or_default()),
    };
    if let Some(path) = args.api_keys_file.as_deref().or(file_keys_path) {
        let table: KeyTable = read_toml("the api keys file", path)?;
        entries.extend(key_table_entries(table));
    }

    let pairs = entries
        .iter()
        .map(|(tenant, hash)| (tenant.as_str(), hash.as_str()));
    ApiKeys::from_hashes(pairs).map_err(|source| ConfigError::ApiKey {
        key: "api_keys",
        source,
    })
}

/// `tenant:hash,tenant2:hash` as pairs.
fn key_list(list: &str) -> Result<Vec<(String, String)>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| match entry.split_once(':') {
            Some((tenant, hash)) => Ok((tenant.trim().to_owned(), hash.trim().to_owned())),
            None => Err(ConfigError::invalid(
                "api_keys",
                format!("entry {entry:?} must be tenant:sha256hex"),
            )),
        })
        .collect()
}

fn key_table_entries(table: KeyTable) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    for (tenant, hashes) in table {
        match hashes {
            KeyHashes::One(hash) => entries.push((tenant, hash)),
            KeyHashes::Several(hashes) => {
                entries.extend(hashes.into_iter().map(|hash| (tenant.clone(), hash)));
            }
        }
    }
    entries
}

fn tls(args: &ServeArgs, file: &FileTls) -> Result<Option<TlsFiles>, ConfigError> {
    let cert_file = args
        .tls_cert_file
        .clone()
        .or_else(|| file.cert_file.clone());
    let key_file = args.tls_key_file.clone().or_else(|| file.key_file.clone());
    let client_ca_file = args
        .tls_client_ca_file
        .clone()
        .or_else(|| file.client_ca_file.clone());

    match (cert_file, key_file) {
        (Some(cert_file), Some(key_file)) => Ok(Some(TlsFiles {
            cert_file,
            key_file,
            client_ca_file,
        })),
        (None, None) if client_ca_file.is_none() => Ok(None),
        (None, None) => Err(ConfigError::invalid(
            "tls.client_ca_file",
            "needs tls.cert_file and tls.key_file",
        )),
        (Some(_), None) => Err(ConfigError::invalid(
            "tls.key_file",
            "is needed with tls.cert_file",
        )),
        (None, Some(_)) => Err(ConfigError::invalid(
            "tls.cert_file",
            "is needed with tls.key_file",
        )),
    }
}

fn read_toml<T: serde::de::DeserializeOwned>(
    what: &'static str,
    path: &Path,
) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        what,
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::Parse {
        what,
        path: path.to_owned(),
        message: one_line(&error.to_string()),
    })
}

/// toml's multi-line report (position, the line in question, reason) as one line:
/// `TOML parse error at line 1, column 10, in `listen = "nowhere"`: invalid socket address`.
fn one_line(report: &str) -> String {
    let mut position = Vec::new();
    let mut excerpt = None;
    let mut reason = Vec::new();
    for line in report
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
    {
        match line.split_once(" | ") {
            Some((number, text)) if number.trim().parse::<u32>().is_ok() => excerpt = Some(text),
            _ if line.starts_with('|') => {}
            _ if position.is_empty() => position.push(line),
            _ => reason.push(line),
        }
    }
    let mut text = position.join("");
    if let Some(excerpt) = excerpt {
        text.push_str(&format!(", in `{}`", excerpt.trim()));
    }
    if !reason.is_empty() {
        text.push_str(": ");
        text.push_str(&reason.join(" "));
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn file(text: &str) -> FileConfig {
        toml::from_str(text).unwrap()
    }

    fn error(args: &ServeArgs, text: &str) -> String {
        resolve(args, None, file(text)).unwrap_err().to_string()
    }

    #[test]
    fn nothing_given_is_every_default() {
        let config = resolve(&ServeArgs::default(), None, FileConfig::default()).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.metrics_listen, None);
        assert_eq!(
            config.store,
            StoreLocation::Sqlite(PathBuf::from(slotwise_store::DEFAULT_DATABASE_PATH))
        );
        assert_eq!(config.log_format, LogFormat::Human);
        assert_eq!(config.options.drain_timeout, Duration::from_secs(10));
        assert_eq!(config.options.limits, Limits::default());
        assert!(config.options.api_keys.is_empty());
        assert!(config.options.tls.is_none());
    }

    #[test]
    fn only_a_shared_store_serves_from_caches_with_bounded_staleness() {
        let sqlite = resolve(
            &ServeArgs::default(),
            None,
            file("shared_staleness_ms = 250"),
        );
        assert_eq!(sqlite.unwrap().options.shared_staleness, None);

        let postgres = "database_url = \"postgres://db/slotwise\"\n";
        let config = resolve(&ServeArgs::default(), None, file(postgres)).unwrap();
        assert_eq!(
            config.options.shared_staleness,
            Some(Duration::from_millis(DEFAULT_SHARED_STALENESS_MS))
        );
        let args = ServeArgs {
            shared_staleness_ms: Some(250),
            ..ServeArgs::default()
        };
        let config = resolve(&args, None, file(postgres)).unwrap();
        assert_eq!(
            config.options.shared_staleness,
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            error(&ServeArgs::default(), "shared_staleness_ms = 600000"),
            "shared_staleness_ms must be between 0 and 60000, got 600000"
        );
    }

    #[test]
    fn a_flag_wins_over_the_file_and_the_file_over_the_default() {
        let text = "listen = \"0.0.0.0:7000\"\n[limits]\nmax_slots = 500\nmax_arms = 20\n";
        let mut args = ServeArgs::default();
        args.limits.limits_max_arms = Some(30);

        let config = resolve(&args, Some(LogFormat::Json), file(text)).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:7000");
        assert_eq!(config.options.limits.max_slots, 500);
        assert_eq!(config.options.limits.max_arms, 30);
        assert_eq!(config.options.limits.max_horizon_days, 92);
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn out_of_range_values_name_their_key() {
        let args = ServeArgs::default();
        assert_eq!(
            error(&args, "[limits]\nmax_horizon_days = 400"),
            "limits.max_horizon_days must be between 1 and 366, got 400"
        );
        assert_eq!(
            error(&args, "[limits]\ndefault_solve_ms = 40000"),
            "limits.default_solve_ms must be at most limits.max_solve_ms = 30000, got 40000"
        );
        assert_eq!(
            error(&args, "drain_timeout_secs = 7200"),
            "drain_timeout_secs must be between 0 and 3600, got 7200"
        );
        assert_eq!(
            error(&args, "database_url = \"mysql://db\""),
            "database_url must be a postgres:// or postgresql:// URL"
        );
        assert_eq!(
            error(&args, "[tls]\ncert_file = \"server.pem\""),
            "tls.key_file is needed with tls.cert_file"
        );
    }

    #[test]
    fn api_keys_come_from_the_list_and_the_file_table() {
        let hash = slotwise_server::auth::hash_key("k1");
        let other = slotwise_server::auth::hash_key("k2");
        let text = format!("[api_keys]\nbakery = \"{hash}\"\ngym = [\"{other}\"]\n");
        let config = resolve(&ServeArgs::default(), None, file(&text)).unwrap();
        assert_eq!(config.options.api_keys.tenants(), 2);

        let args = ServeArgs {
            api_keys: Some(format!("studio:{hash}")),
            ..ServeArgs::default()
        };
        let config = resolve(&args, None, file(&text)).unwrap();
        assert_eq!(config.options.api_keys.tenants(), 1);

        let args = ServeArgs {
            api_keys: Some("studio".to_owned()),
            ..ServeArgs::default()
        };
        assert_eq!(
            error(&args, ""),
            "api_keys entry \"studio\" must be tenant:sha256hex"
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let parsed: Result<FileConfig, _> = toml::from_str("[limits]\nmax_horizon = 3");
        let message = one_line(&parsed.unwrap_err().to_string());
        assert!(message.contains("unknown field `max_horizon`"), "{message}");
    }
}
