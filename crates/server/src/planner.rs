//! `slotwise.v1.PlannerService`: adapts gRPC calls to the planner library.

use std::time::Instant;

use slotwise_planner as planner;
use slotwise_proto::v1::{
    OptimizeScheduleRequest, OptimizeScheduleResponse, planner_service_server::PlannerService,
};
use tonic::{Request, Response, Status};
use tracing::{info, instrument, warn};

use crate::{
    convert::{plan_request_from_proto, schedule_to_proto},
    error::ServiceError,
};

/// Solves schedules on tokio's blocking pool, so a long solve never stalls the async workers
/// that answer health checks and other calls.
#[derive(Debug, Clone, Default)]
pub struct PlannerApi {}

impl PlannerApi {
    pub fn new() -> Self {
        Self {}
    }
}

#[tonic::async_trait]
impl PlannerService for PlannerApi {
    #[instrument(name = "OptimizeSchedule", skip_all)]
    async fn optimize_schedule(
        &self,
        request: Request<OptimizeScheduleRequest>,
    ) -> Result<Response<OptimizeScheduleResponse>, Status> {
        let started = Instant::now();
        let result = optimize(request.into_inner()).await;
        let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;

        match result {
            Ok(response) => {
                info!(
                    status = response.status().as_str_name(),
                    posts = response.posts.len(),
                    elapsed_ms,
                    "schedule solved"
                );
                Ok(Response::new(response))
            }
            Err(error) => {
                let status = Status::from(error);
                warn!(code = ?status.code(), message = status.message(), elapsed_ms,
                    "schedule refused");
                Err(status)
            }
        }
    }
}

async fn optimize(
    request: OptimizeScheduleRequest,
) -> Result<OptimizeScheduleResponse, ServiceError> {
    // `plan` validates the request itself, so only the wire format is checked here.
    let plan_request = plan_request_from_proto(&request)?;

    let schedule = tokio::task::spawn_blocking(move || planner::plan(&plan_request))
        .await
        .map_err(|join_error| ServiceError::SolveTask(join_error.to_string()))??;
    Ok(schedule_to_proto(&schedule))
}
