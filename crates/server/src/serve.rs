//! Runs the gRPC server: the slotwise services behind the [gate](crate::gate), grpc.health.v1,
//! server reflection and, on a port of their own, the Prometheus metrics.
//!
//! Shutdown is ordered: health turns NOT_SERVING, then new API calls are refused with
//! UNAVAILABLE while the calls in flight finish (for at most `drain_timeout`), then the
//! connections are closed. Through the drain the port keeps accepting, so a client that
//! connects then is told UNAVAILABLE instead of having its connection reset or left hanging.

use std::{future::Future, sync::Arc, time::Duration};

use slotwise_proto::v1::{
    audience_service_server::AudienceServiceServer,
    experiment_service_server::ExperimentServiceServer, export_service_server::ExportServiceServer,
    planner_service_server::PlannerServiceServer,
};
use slotwise_slots::PriorConfig;
use slotwise_store::Store;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Server, ServerTlsConfig};
use tonic_health::ServingStatus;
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::server::HealthReporter;
use tracing::{info, warn};

use crate::{
    audience::AudienceApi,
    auth::ApiKeys,
    error::ServiceError,
    experiments::ExperimentsApi,
    export::ExportApi,
    gate::{GateLayer, drain::Drain, methods::Methods},
    learning::Learning,
    limits::Limits,
    metrics,
    planner::PlannerApi,
    solve_pool::SolvePool,
};

/// How often decisions past their reward window are closed.
const REWARD_WINDOW_SWEEP: Duration = Duration::from_secs(60);

/// Idle time before TCP keepalive probes, so connections to vanished clients are closed.
const TCP_KEEPALIVE: Duration = Duration::from_secs(60);

/// After the drain, how long open connections (an idle client, a health watch) get to close.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The services whose health is reported, "" being the whole server.
const HEALTH_SERVICES: &[&str] = &[
    "",
    <PlannerServiceServer<PlannerApi> as tonic::server::NamedService>::NAME,
    <ExperimentServiceServer<ExperimentsApi> as tonic::server::NamedService>::NAME,
    <ExportServiceServer<ExportApi> as tonic::server::NamedService>::NAME,
    <AudienceServiceServer<AudienceApi> as tonic::server::NamedService>::NAME,
];

#[derive(Debug, Error)]
pub enum ServeError {
    #[error("cannot build the reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("transport failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("cannot read the listener's address: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot set up the slot learner: {0}")]
    Learning(#[from] ServiceError),
    #[error("cannot register the metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("cannot read the served methods: {0}")]
    Methods(#[from] prost::DecodeError),
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// After shutdown is requested, in-flight calls get this long to finish before the
    /// remaining connections are closed.
    pub drain_timeout: Duration,
    pub limits: Limits,
    /// Empty: single-tenant, every call is the default tenant.
    pub api_keys: ApiKeys,
    /// TLS of the gRPC port, already checked ([`crate::tls::TlsFiles::load`]).
    pub tls: Option<ServerTlsConfig>,
    /// With a store that other replicas write to, how stale a cached experiment or account
    /// may be served; `None` when this process is the store's only writer.
    pub shared_staleness: Option<Duration>,
}

impl Default for ServeOptions {
    /// A 10 s drain, the default limits, no API keys, no TLS.
    fn default() -> Self {
        Self {
            drain_timeout: Duration::from_secs(10),
            limits: Limits::default(),
            api_keys: ApiKeys::default(),
            tls: None,
            shared_staleness: None,
        }
    }
}

/// The sockets the server answers on, bound by the caller.
#[derive(Debug)]
pub struct Listeners {
    pub grpc: TcpListener,
    /// `GET /metrics`, when metrics are served.
    pub metrics: Option<TcpListener>,
}

/// Serves every slotwise service until `shutdown` resolves, then drains (see the module
/// documentation) and returns.
pub async fn serve(
    listeners: Listeners,
    store: Arc<dyn Store>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    metrics::install()?;
    let (health, health_service) = tonic_health::server::health_reporter();
    report_health(&health, ServingStatus::Serving).await;
    warn_when_open(&options.api_keys);

    let services = Services::new(store, options.limits, options.shared_staleness)?;
    let sweeper = tokio::spawn(sweep_reward_windows(services.experiments.clone()));
    let metrics_server = listeners.metrics.map(serve_metrics).transpose()?;

    let drain = Drain::new();
    let gate = GateLayer::new(options.api_keys, Methods::served()?, drain.clone());
    let (close, closed) = oneshot::channel::<()>();
    let server = grpc_server(
        listeners.grpc,
        options.tls,
        gate,
        services,
        health_service,
        closed,
    )?;

    let drain_timeout = options.drain_timeout;
    let stopped = run_until_drained(server, shutdown, &health, &drain, drain_timeout, close).await;
    // Awaited, so the sweeper's hold on the store is gone when `serve` returns.
    sweeper.abort();
    let _ = sweeper.await;
    if let Some((stop_metrics, task)) = metrics_server {
        let _ = stop_metrics.send(());
        let _ = task.await;
    }
    info!("slotwise stopped");
    stopped
}

/// The slotwise services, sharing one store, one learner and one solve pool.
struct Services {
    planner: PlannerApi,
    audience: AudienceApi,
    experiments: ExperimentsApi,
    export: ExportApi,
    max_request_bytes: usize,
}

impl Services {
    fn new(
        store: Arc<dyn Store>,
        limits: Limits,
        shared_staleness: Option<Duration>,
    ) -> Result<Self, ServeError> {
        let prior = PriorConfig::default();
        let (learning, experiments) = match shared_staleness {
            None => (
                Learning::new(store.clone(), prior)?,
                ExperimentsApi::with_limits(store, limits),
            ),
            Some(staleness) => (
                Learning::shared(store.clone(), prior, staleness)?,
                ExperimentsApi::with_limits(store, limits).shared(staleness),
            ),
        };
        let pool = SolvePool::new(limits.solve_workers);
        Ok(Self {
            planner: PlannerApi::with_limits(learning.clone(), limits, pool),
            audience: AudienceApi::new(learning),
            experiments,
            export: ExportApi::with_limits(limits),
            max_request_bytes: limits.max_request_bytes,
        })
    }
}

/// The gRPC server on `listener`, every service behind the gate, until `closed` resolves.
fn grpc_server(
    listener: TcpListener,
    tls: Option<ServerTlsConfig>,
    gate: GateLayer,
    services: Services,
    health: HealthServer<impl Health>,
    closed: oneshot::Receiver<()>,
) -> Result<impl Future<Output = Result<(), tonic::transport::Error>>, ServeError> {
    let mut builder = Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls)?;
    }
    let address = listener.local_addr()?;
    let bytes = services.max_request_bytes;
    info!(%address, solve_workers = services.planner.solve_workers(), "slotwise listening");

    let server = builder
        .layer(gate)
        .add_service(health.max_decoding_message_size(bytes))
        .add_service(reflection_v1()?)
        .add_service(reflection_v1alpha()?)
        .add_service(PlannerServiceServer::new(services.planner).max_decoding_message_size(bytes))
        .add_service(AudienceServiceServer::new(services.audience).max_decoding_message_size(bytes))
        .add_service(
            ExperimentServiceServer::new(services.experiments).max_decoding_message_size(bytes),
        )
        .add_service(ExportServiceServer::new(services.export).max_decoding_message_size(bytes))
        .serve_with_incoming_shutdown(incoming(listener), async {
            let _ = closed.await;
        });
    Ok(server)
}

/// Serves until `shutdown`, drains, then closes the connections.
async fn run_until_drained(
    server: impl Future<Output = Result<(), tonic::transport::Error>>,
    shutdown: impl Future<Output = ()>,
    health: &HealthReporter,
    drain: &Drain,
    drain_timeout: Duration,
    close: oneshot::Sender<()>,
) -> Result<(), ServeError> {
    tokio::pin!(server);
    tokio::select! {
        served = &mut server => return Ok(served?),
        () = shutdown => {}
    }

    info!(
        in_flight = drain.in_flight(),
        "shutdown requested: reporting NOT_SERVING and draining"
    );
    report_health(health, ServingStatus::NotServing).await;
    drain.start();
    tokio::select! {
        served = &mut server => return Ok(served?),
        drained = tokio::time::timeout(drain_timeout, drain.finished()) => {
            if drained.is_err() {
                warn!(drain_timeout_ms = drain_timeout.as_millis() as u64,
                    in_flight = drain.in_flight(),
                    "drain timed out: closing the connections of the calls still in flight");
            }
        }
    }

    let _ = close.send(());
    match tokio::time::timeout(CLOSE_GRACE, &mut server).await {
        Ok(served) => Ok(served?),
        Err(_) => {
            info!("connections still open after the drain are dropped");
            Ok(())
        }
    }
}

/// The accepted connections, without Nagle's algorithm: with it, an answer's last frame waits
/// for the client's delayed ACK of the first, 40 ms on Linux, on every call.
fn incoming(listener: TcpListener) -> TcpIncoming {
    TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .with_keepalive(Some(TCP_KEEPALIVE))
}

async fn report_health(health: &HealthReporter, status: ServingStatus) {
    for service in HEALTH_SERVICES {
        health.set_service_status(service, status).await;
    }
}

fn reflection_v1() -> Result<
    tonic_reflection::server::v1::ServerReflectionServer<
        impl tonic_reflection::server::v1::ServerReflection,
    >,
    ServeError,
> {
    Ok(tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(slotwise_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?)
}

fn reflection_v1alpha() -> Result<
    tonic_reflection::server::v1alpha::ServerReflectionServer<
        impl tonic_reflection::server::v1alpha::ServerReflection,
    >,
    ServeError,
> {
    Ok(tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(slotwise_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?)
}

fn warn_when_open(keys: &ApiKeys) {
    if keys.is_empty() {
        warn!(
            "no API keys are configured: every caller is the tenant \"default\"; \
             set api_keys_file or SLOTWISE_API_KEYS before exposing this port"
        );
    } else {
        info!(tenants = keys.tenants(), "API keys required");
    }
}

type MetricsServer = (oneshot::Sender<()>, tokio::task::JoinHandle<()>);

/// Serves `GET /metrics` on `listener` until told to stop.
fn serve_metrics(listener: TcpListener) -> Result<MetricsServer, ServeError> {
    let metrics_address = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let until_stopped = async {
            let _ = stopped.await;
        };
        if let Err(error) = metrics::serve_metrics(listener, until_stopped).await {
            warn!(%error, "the metrics server failed");
        }
    });
    info!(%metrics_address, "metrics listening");
    Ok((stop, task))
}

/// Closes expired decisions of every running experiment, once a [`REWARD_WINDOW_SWEEP`].
async fn sweep_reward_windows(experiments: ExperimentsApi) {
    let mut ticks = tokio::time::interval(REWARD_WINDOW_SWEEP);
    loop {
        ticks.tick().await;
        if let Err(error) = experiments.close_all_expired_decisions().await {
            warn!(%error, "closing decisions past their reward window failed");
        }
    }
}
