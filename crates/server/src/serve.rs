//! Runs the gRPC server: the slotwise services, grpc.health.v1 and server reflection.

use std::{future::Future, sync::Arc, time::Duration};

use slotwise_proto::v1::{
    audience_service_server::AudienceServiceServer,
    experiment_service_server::ExperimentServiceServer, export_service_server::ExportServiceServer,
    planner_service_server::PlannerServiceServer,
};
use slotwise_slots::PriorConfig;
use slotwise_store::Store;
use thiserror::Error;
use tokio::{net::TcpListener, sync::Notify};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;
use tracing::{info, warn};

use crate::{
    audience::AudienceApi, error::ServiceError, experiments::ExperimentsApi, export::ExportApi,
    learning::Learning, planner::PlannerApi,
};

/// How often decisions past their reward window are closed.
const REWARD_WINDOW_SWEEP: Duration = Duration::from_secs(60);

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
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// After shutdown is requested, in-flight calls get this long to finish before the
    /// remaining connections are closed.
    pub drain_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            drain_timeout: Duration::from_secs(10),
        }
    }
}

/// Serves every slotwise service on `listener` until `shutdown` resolves. Health then reports
/// NOT_SERVING, new connections are refused, and in-flight calls get `drain_timeout` to finish.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<PlannerServiceServer<PlannerApi>>()
        .await;
    health_reporter
        .set_serving::<ExperimentServiceServer<ExperimentsApi>>()
        .await;
    health_reporter
        .set_serving::<ExportServiceServer<ExportApi>>()
        .await;
    health_reporter
        .set_serving::<AudienceServiceServer<AudienceApi>>()
        .await;

    let learning = Learning::new(store.clone(), PriorConfig::default())?;
    let experiments = ExperimentsApi::new(store);
    let sweeper = tokio::spawn(sweep_reward_windows(experiments.clone()));

    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(slotwise_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(slotwise_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let address = listener.local_addr()?;
    info!(%address, "slotwise listening");

    let drain_started = Arc::new(Notify::new());
    let draining = {
        let drain_started = drain_started.clone();
        async move {
            shutdown.await;
            info!("shutdown requested: reporting NOT_SERVING and draining");
            health_reporter
                .set_not_serving::<PlannerServiceServer<PlannerApi>>()
                .await;
            health_reporter
                .set_not_serving::<ExperimentServiceServer<ExperimentsApi>>()
                .await;
            health_reporter
                .set_not_serving::<ExportServiceServer<ExportApi>>()
                .await;
            health_reporter
                .set_not_serving::<AudienceServiceServer<AudienceApi>>()
                .await;
            drain_started.notify_one();
        }
    };

    let server = Server::builder()
        .add_service(health_service)
        .add_service(reflection)
        .add_service(reflection_v1alpha)
        .add_service(PlannerServiceServer::new(PlannerApi::new(learning.clone())))
        .add_service(AudienceServiceServer::new(AudienceApi::new(learning)))
        .add_service(ExperimentServiceServer::new(experiments))
        .add_service(ExportServiceServer::new(ExportApi::new()))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), draining);
    let drain_deadline = async {
        drain_started.notified().await;
        tokio::time::sleep(options.drain_timeout).await;
    };

    tokio::select! {
        served = server => served?,
        () = drain_deadline => {
            warn!(drain_timeout_ms = options.drain_timeout.as_millis() as u64,
                "drain timed out: closing the remaining connections");
        }
    }
    sweeper.abort();
    info!("slotwise stopped");
    Ok(())
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
