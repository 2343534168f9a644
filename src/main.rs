//! The `slotwise` command: `serve` runs the gRPC server, `plan` solves a request file in process.

mod calendar;
mod config;
mod export;

use std::{
    fs,
    io::{self, IsTerminal, Write},
    process::ExitCode,
    sync::Arc,
    time::Duration,
};

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::{LogFormat, ServeArgs, ServeConfig, StoreLocation};
use slotwise_proto::v1::OptimizeScheduleRequest;
use slotwise_server::{
    Listeners,
    convert::{plan_request_from_proto, schedule_to_proto},
};
use slotwise_store::{PostgresStore, PostgresStoreConfig, SqliteStore, SqliteStoreConfig, Store};
use tokio::net::TcpListener;
use tracing::info;
use tracing_subscriber::EnvFilter;

/// Exit code of a configuration that was refused, as for a bad command line.
const BAD_CONFIG: u8 = 2;

/// How long solves still running after the drain get before the process exits regardless.
const BLOCKING_SHUTDOWN: Duration = Duration::from_secs(2);

#[derive(Debug, Parser)]
#[command(
    name = "slotwise",
    version,
    about = "Content-calendar optimisation engine"
)]
struct Cli {
    /// Log format [default: human].
    #[arg(long, global = true, env = "SLOTWISE_LOG_FORMAT")]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gRPC server until SIGTERM or Ctrl-C.
    Serve(Box<ServeArgs>),
    /// Solve an OptimizeScheduleRequest written as proto3 JSON and print the calendar.
    Plan {
        /// The request, in canonical proto3 JSON.
        request: std::path::PathBuf,
        /// Write the OptimizeScheduleResponse as proto3 JSON to this file.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[command(flatten)]
        exports: export::ExportArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();

    match cli.command {
        Command::Serve(args) => serve_command(&args, cli.log_format),
        Command::Plan {
            request,
            out,
            exports,
        } => {
            init_tracing(cli.log_format.unwrap_or_default());
            exit_code(plan(&request, out.as_deref(), &exports))
        }
    }
}

/// Checks the configuration (a refusal exits with [`BAD_CONFIG`]), then serves.
fn serve_command(args: &ServeArgs, log_format: Option<LogFormat>) -> ExitCode {
    let config = match config::load(args, log_format) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(BAD_CONFIG);
        }
    };

    init_tracing(config.log_format);
    exit_code(serve(config))
}

fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_env("SLOTWISE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal());
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(serve_until_stopped(config));
    // A solve whose call is gone runs to its time limit; the process does not wait for it.
    runtime.shutdown_timeout(BLOCKING_SHUTDOWN);
    served
}

async fn serve_until_stopped(config: ServeConfig) -> anyhow::Result<()> {
    let store = OpenStore::open(&config.store).await?;
    let listeners = bind(&config).await?;
    let shutdown = shutdown_signal()?;

    slotwise_server::serve(listeners, store.shared(), config.options, shutdown).await?;

    store.close().await;
    Ok(())
}

async fn bind(config: &ServeConfig) -> anyhow::Result<Listeners> {
    let listen = config.listen;
    let grpc = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let metrics = match config.metrics_listen {
        Some(address) => Some(
            TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen for metrics on {address}"))?,
        ),
        None => None,
    };
    Ok(Listeners { grpc, metrics })
}

/// The store the configuration names, kept typed so that it can be closed after the drain.
enum OpenStore {
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PostgresStore>),
}

impl OpenStore {
    async fn open(location: &StoreLocation) -> anyhow::Result<Self> {
        match location {
            StoreLocation::Sqlite(path) => {
                let store = SqliteStore::open(SqliteStoreConfig::at(path))
                    .await
                    .with_context(|| format!("cannot open the store at {}", path.display()))?;
                Ok(Self::Sqlite(Arc::new(store)))
            }
            StoreLocation::Postgres(url) => {
                let store = PostgresStore::connect(PostgresStoreConfig::new(url.clone()))
                    .await
                    .context("cannot connect to the PostgreSQL store of database_url")?;
                Ok(Self::Postgres(Arc::new(store)))
            }
        }
    }

    fn shared(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(store) => store.clone(),
            Self::Postgres(store) => store.clone(),
        }
    }

    /// Waits for queued writes and closes the connections. Every acknowledged write is already
    /// committed; closing only makes the exit tidy.
    async fn close(self) {
        match self {
            Self::Sqlite(store) => match Arc::try_unwrap(store) {
                Ok(store) => store.close().await,
                Err(_) => info!(
                    "connections still open hold the store; it closes as the runtime drops them"
                ),
            },
            Self::Postgres(store) => store.close().await,
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};

    let mut terminate = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

fn plan(
    request_path: &std::path::Path,
    out: Option<&std::path::Path>,
    exports: &export::ExportArgs,
) -> anyhow::Result<()> {
    let text = fs::read_to_string(request_path)
        .with_context(|| format!("cannot read {}", request_path.display()))?;
    let request: OptimizeScheduleRequest = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not an OptimizeScheduleRequest",
            request_path.display()
        )
    })?;

    let plan_request = plan_request_from_proto(&request)?;
    let schedule = slotwise_planner::plan(&plan_request)?;
    let response = schedule_to_proto(&schedule);

    let mut stdout = io::stdout().lock();
    calendar::write_calendar(&mut stdout, &plan_request, &response)?;
    stdout.flush()?;

    if let Some(out) = out {
        let json = serde_json::to_string_pretty(&response)?;
        fs::write(out, json + "\n").with_context(|| format!("cannot write {}", out.display()))?;
    }
    export::write_exports(exports, request_path, &plan_request, &schedule)
}
