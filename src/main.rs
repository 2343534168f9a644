//! The `slotwise` command: `serve` runs the gRPC server, `plan` solves a request file in process.

mod calendar;
mod export;

use std::{
    fs,
    io::{self, IsTerminal, Write},
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::Duration,
};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use slotwise_proto::v1::OptimizeScheduleRequest;
use slotwise_server::{
    ServeOptions,
    convert::{plan_request_from_proto, schedule_to_proto},
};
use slotwise_store::{SqliteStore, SqliteStoreConfig};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "slotwise",
    version,
    about = "Content-calendar optimisation engine"
)]
struct Cli {
    /// Log format.
    #[arg(
        long,
        global = true,
        env = "SLOTWISE_LOG_FORMAT",
        default_value = "human"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gRPC server until SIGTERM or Ctrl-C.
    Serve {
        /// Address to listen on; port 0 picks a free port (the log says which).
        #[arg(long, env = "SLOTWISE_LISTEN", default_value = "127.0.0.1:50051")]
        listen: SocketAddr,
        /// SQLite file of experiments; created with its directory when missing.
        #[arg(long, env = "SLOTWISE_DATABASE", default_value = slotwise_store::DEFAULT_DATABASE_PATH)]
        database: PathBuf,
        /// Seconds in-flight calls get to finish after SIGTERM.
        #[arg(long, env = "SLOTWISE_DRAIN_TIMEOUT_SECS", default_value_t = 10)]
        drain_timeout_secs: u64,
    },
    /// Solve an OptimizeScheduleRequest written as proto3 JSON and print the calendar.
    Plan {
        /// The request, in canonical proto3 JSON.
        request: PathBuf,
        /// Write the OptimizeScheduleResponse as proto3 JSON to this file.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        exports: export::ExportArgs,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.log_format);

    match cli.command {
        Command::Serve {
            listen,
            database,
            drain_timeout_secs,
        } => {
            let options = ServeOptions {
                drain_timeout: Duration::from_secs(drain_timeout_secs),
            };
            serve(listen, database, options)
        }
        Command::Plan {
            request,
            out,
            exports,
        } => plan(&request, out.as_deref(), &exports),
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

fn serve(listen: SocketAddr, database: PathBuf, options: ServeOptions) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = SqliteStore::open(SqliteStoreConfig::at(&database))
            .await
            .with_context(|| format!("cannot open the store at {}", database.display()))?;
        let store = Arc::new(store);
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let shutdown = shutdown_signal()?;

        slotwise_server::serve(listener, store.clone(), options, shutdown).await?;

        // Every acknowledged write is already committed; closing waits for the writer to finish.
        if let Ok(store) = Arc::try_unwrap(store) {
            store.close().await;
        }
        Ok(())
    })
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
