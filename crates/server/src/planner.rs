//! `slotwise.v1.PlannerService`: adapts gRPC calls to the planner library and, for requests by
//! account, to the learned slot values of [`crate::learning`].

use std::time::Instant;

use chrono::{DateTime, Utc};
use prost::Message;
use rand::{RngExt, SeedableRng};
use slotwise_planner::{self as planner, PlanRequest};
use slotwise_proto::v1::{
    self, GetBestSlotsRequest, GetBestSlotsResponse, OptimizeScheduleRequest,
    OptimizeScheduleResponse, planner_service_server::PlannerService,
};
use slotwise_slots::{BestSlotsQuery, EvidenceLevel, Posterior, RankedSlot, SlotMode, best_slots};
use slotwise_store::NewSlotDecision;
use tonic::{Request, Response, Status};
use tracing::info;

use crate::auth::Tenant;
use crate::convert::{plan_request_from_proto, schedule_to_proto, timestamp, to_timestamp};
use crate::error::{FieldError, ServiceError, respond};
use crate::gate::deadline::Deadline;
use crate::learning::{AccountState, Learning, account_id};
use crate::limits::Limits;
use crate::metrics;
use crate::solve_pool::SolvePool;

/// Slot length of GetBestSlots when the request gives none.
const DEFAULT_SLOT_MINUTES: u32 = 15;

/// Solves schedules on a bounded pool of solve workers ([`SolvePool`]), so a long solve never
/// stalls the async workers that answer health checks and other calls, and a burst of solves
/// is refused rather than queued.
#[derive(Debug, Clone)]
pub struct PlannerApi {
    learning: Learning,
    limits: Limits,
    pool: SolvePool,
}

impl PlannerApi {
    /// A planner with the default limits and one solve worker per core.
    pub fn new(learning: Learning) -> Self {
        let limits = Limits::default();
        Self::with_limits(learning, limits, SolvePool::new(limits.solve_workers))
    }

    pub fn with_limits(learning: Learning, limits: Limits, pool: SolvePool) -> Self {
        Self {
            learning,
            limits,
            pool,
        }
    }

    pub fn solve_workers(&self) -> usize {
        self.pool.workers()
    }

    async fn optimize(
        &self,
        tenant: &Tenant,
        deadline: Option<Deadline>,
        request: OptimizeScheduleRequest,
    ) -> Result<OptimizeScheduleResponse, ServiceError> {
        // `plan` validates the request itself, so only the wire format and the service's own
        // limits are checked here.
        let mut plan_request = plan_request_from_proto(&request)?;
        check_exploration_share(request.exploration_share)?;
        self.check_limits(&mut plan_request, &request, deadline)?;
        if request.account_id.is_empty() {
            if request.exploration_share != 0.0 {
                return Err(FieldError::new("exploration_share", "needs an account_id").into());
            }
            let schedule = self
                .solve(plan_request, |request| planner::plan(&request))
                .await?;
            return Ok(schedule_to_proto(&schedule));
        }

        account_id("account_id", &request.account_id)?;
        let state = self
            .learning
            .account(tenant.as_str(), &request.account_id)
            .await?;
        let posterior = learned_heatmap(&self.learning, &state, &request, &mut plan_request)?;
        let mut response = if request.exploration_share > 0.0 {
            self.optimize_exploring(tenant, &request, plan_request, &state, &posterior)
                .await?
        } else {
            let schedule = self
                .solve(plan_request, |request| planner::plan(&request))
                .await?;
            schedule_to_proto(&schedule)
        };
        response.activity_version = state.activity.version.max(0) as u64;
        response.evidence_posts = state.evidence.len() as u64;
        Ok(response)
    }

    /// Refuses a horizon over the limits, and sets the solver's time limit from the request,
    /// the limits and the client's deadline.
    fn check_limits(
        &self,
        plan_request: &mut PlanRequest,
        request: &OptimizeScheduleRequest,
        deadline: Option<Deadline>,
    ) -> Result<(), ServiceError> {
        let horizon = &plan_request.horizon;
        self.limits
            .check_span("horizon", horizon.start, horizon.end, horizon.slot_minutes)?;

        let requested_ms = request
            .solver
            .as_ref()
            .map_or(0, |solver| u64::from(solver.time_limit_ms));
        // The solve must end before the gate answers DEADLINE_EXCEEDED for the call.
        let deadline = deadline.map(Deadline::reply_by);
        let time_limit = self
            .limits
            .solve_time_limit(requested_ms, deadline, Instant::now())?;
        plan_request.solver.time_limit_ms = time_limit.as_millis().max(1) as u64;
        Ok(())
    }

    /// Plans with a share of the posts placed by a posterior draw, and records a slot decision
    /// for each of them, so that their performance can be traced back.
    async fn optimize_exploring(
        &self,
        tenant: &Tenant,
        request: &OptimizeScheduleRequest,
        plan_request: PlanRequest,
        state: &AccountState,
        posterior: &Posterior,
    ) -> Result<OptimizeScheduleResponse, ServiceError> {
        let share = request.exploration_share;
        let seed = seed_or_fresh(request.exploration_seed);
        let draw = posterior.draw(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let values = plan_request.heatmap.clone();

        let exploring = self
            .solve(plan_request, move |request| {
                planner::plan_exploring(&request, &draw, share)
            })
            .await?;
        let now = Utc::now();
        let decisions: Vec<NewSlotDecision> = exploring
            .schedule
            .posts
            .iter()
            .zip(&exploring.explored)
            .filter_map(|(post, drawn)| {
                let drawn_value = (*drawn)?;
                let hour_of_week = slotwise_slots::hour_of_week(post.start_time, state.time_zone);
                Some(NewSlotDecision {
                    account_id: request.account_id.clone(),
                    slot_start: post.start_time,
                    hour_of_week: hour_of_week as u32,
                    expected_value: values[hour_of_week],
                    drawn_value,
                    decided_at: now,
                })
            })
            .collect();
        let mut recorded = self
            .learning
            .store()
            .record_slot_decisions(tenant.as_str(), decisions)
            .await?
            .into_iter();
        metrics::slot_decisions(recorded.len());

        let mut response = schedule_to_proto(&exploring.schedule);
        for (post, drawn) in response.posts.iter_mut().zip(&exploring.explored) {
            if drawn.is_some()
                && let Some(decision) = recorded.next()
            {
                post.exploratory = true;
                post.decision_id = decision.decision_id;
            }
        }
        response.exploration_seed = seed;
        Ok(response)
    }

    /// Runs a solve on a solve worker, and counts it by outcome.
    async fn solve<T: Solved + Send + 'static>(
        &self,
        request: PlanRequest,
        run: impl FnOnce(PlanRequest) -> Result<T, planner::PlanError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        let answer = self
            .pool
            .run(move || {
                let started = Instant::now();
                let answer = run(request);
                metrics::solve_finished(solve_outcome(&answer), started.elapsed());
                answer
            })
            .await??;
        Ok(answer)
    }

    async fn best_slots(
        &self,
        tenant: &Tenant,
        request: GetBestSlotsRequest,
    ) -> Result<GetBestSlotsResponse, ServiceError> {
        account_id("account_id", &request.account_id)?;
        let state = self
            .learning
            .account(tenant.as_str(), &request.account_id)
            .await?;
        let cacheable = request.mode() != v1::SlotMode::Explore || request.seed != 0;
        let request_bytes = request.encode_to_vec();
        if cacheable && let Some(answer) = self.learning.cached_answer(&state, &request_bytes) {
            return GetBestSlotsResponse::decode(answer.as_slice())
                .map_err(|error| ServiceError::Internal(error.to_string()));
        }

        let (query, seed) = best_slots_query(&request)?;
        self.limits.check_span(
            "window",
            query.window_start,
            query.window_end,
            query.slot_minutes,
        )?;
        let format_id = Some(request.format_id.as_str()).filter(|id| !id.is_empty());
        let posterior = self.learning.posterior(&state, format_id, Utc::now())?;
        let slots = best_slots(&posterior, &query)?;
        let response = best_slots_to_proto(&slots, &query, &state, &posterior, seed);
        if cacheable {
            self.learning
                .keep_answer(&state, request_bytes, response.encode_to_vec());
        }
        Ok(response)
    }
}

/// A share of the planned posts, so in [0, 1]; NaN is refused here, where the comparisons that
/// choose the plan's path would let it through.
fn check_exploration_share(share: f64) -> Result<(), FieldError> {
    if !(0.0..=1.0).contains(&share) {
        return Err(FieldError::new("exploration_share", "must be in [0, 1]"));
    }
    Ok(())
}

/// Fills `plan_request.heatmap` with the account's learned values.
fn learned_heatmap(
    learning: &Learning,
    state: &AccountState,
    request: &OptimizeScheduleRequest,
    plan_request: &mut PlanRequest,
) -> Result<std::sync::Arc<Posterior>, ServiceError> {
    if !request.heatmap.is_empty() {
        return Err(FieldError::new("heatmap", "must be empty when account_id is set").into());
    }
    let zone = &state.activity.time_zone;
    if plan_request.horizon.time_zone.is_empty() {
        plan_request.horizon.time_zone = zone.clone();
    } else if &plan_request.horizon.time_zone != zone {
        return Err(FieldError::new(
            "horizon.time_zone",
            format!("must be the account's time zone {zone:?}"),
        )
        .into());
    }

    let posterior = learning.posterior(state, None, Utc::now())?;
    plan_request.heatmap = posterior.values();
    Ok(posterior)
}

/// What a solve returns: a schedule, alone or with the posts a posterior draw placed.
trait Solved {
    fn schedule(&self) -> &planner::Schedule;
}

impl Solved for planner::Schedule {
    fn schedule(&self) -> &planner::Schedule {
        self
    }
}

impl Solved for planner::ExploringSchedule {
    fn schedule(&self) -> &planner::Schedule {
        &self.schedule
    }
}

/// The label a solve is counted under: its status, or what stopped it.
fn solve_outcome<T: Solved>(answer: &Result<T, planner::PlanError>) -> &'static str {
    match answer {
        Ok(solved) => match solved.schedule().status {
            planner::SolveStatus::Optimal => "optimal",
            planner::SolveStatus::Feasible => "feasible",
            planner::SolveStatus::Infeasible => "infeasible",
        },
        Err(planner::PlanError::InvalidArgument { .. }) => "invalid_argument",
        Err(planner::PlanError::BackendUnavailable(_)) => "backend_unavailable",
        Err(planner::PlanError::TimeLimitWithoutSolution { .. }) => "time_limit_without_solution",
        Err(planner::PlanError::SolverBreakdown(_)) => "solver_breakdown",
        Err(planner::PlanError::Solver(_)) => "solver_error",
    }
}

fn seed_or_fresh(seed: u64) -> u64 {
    match seed {
        0 => rand::rng().random_range(1..u64::MAX),
        seed => seed,
    }
}

/// The query of a GetBestSlotsRequest and the seed it ranks with (0 when exploiting). Public for
/// the fuzz targets (crates/fuzz).
pub fn best_slots_query(
    request: &GetBestSlotsRequest,
) -> Result<(BestSlotsQuery, u64), ServiceError> {
    let window_start = timestamp("window_start", request.window_start.as_ref())?;
    let window_end = timestamp("window_end", request.window_end.as_ref())?;
    let existing_posts = request
        .existing_posts
        .iter()
        .enumerate()
        .map(|(i, post)| timestamp(&format!("existing_posts[{i}]"), Some(post)))
        .collect::<Result<Vec<DateTime<Utc>>, FieldError>>()?;
    if v1::SlotMode::try_from(request.mode).is_err() {
        return Err(FieldError::new("mode", format!("{} is not a SlotMode", request.mode)).into());
    }
    let (mode, seed) = match request.mode() {
        v1::SlotMode::Unspecified | v1::SlotMode::Exploit => (SlotMode::Exploit, 0),
        v1::SlotMode::Explore => {
            let seed = seed_or_fresh(request.seed);
            (SlotMode::Explore { seed }, seed)
        }
    };

    let query = BestSlotsQuery {
        window_start,
        window_end,
        slot_minutes: match request.slot_minutes {
            0 => DEFAULT_SLOT_MINUTES,
            minutes => minutes,
        },
        count: request.count as usize,
        min_gap_minutes: request.min_gap_minutes,
        existing_posts,
        mode,
    };
    Ok((query, seed))
}

fn best_slots_to_proto(
    slots: &[RankedSlot],
    query: &BestSlotsQuery,
    state: &AccountState,
    posterior: &Posterior,
    seed: u64,
) -> GetBestSlotsResponse {
    let exploring = matches!(query.mode, SlotMode::Explore { .. });
    GetBestSlotsResponse {
        slots: slots
            .iter()
            .map(|slot| best_slot_to_proto(slot, posterior))
            .collect(),
        mode: if exploring {
            v1::SlotMode::Explore
        } else {
            v1::SlotMode::Exploit
        } as i32,
        ranking: if exploring {
            "posterior draw (Thompson sampling)"
        } else {
            "posterior mean"
        }
        .to_owned(),
        activity_version: state.activity.version.max(0) as u64,
        evidence_posts: posterior.posts() as u64,
        seed,
    }
}

fn best_slot_to_proto(slot: &RankedSlot, posterior: &Posterior) -> v1::BestSlot {
    let hour = &posterior.hours()[slot.hour_of_week];
    v1::BestSlot {
        start_time: Some(to_timestamp(slot.start)),
        local_time: slot.local_time.to_rfc3339(),
        hour_of_week: slot.hour_of_week as u32,
        expected_value: slot.value,
        low: slot.interval.lower,
        high: slot.interval.upper,
        evidence: evidence_level(slot.evidence) as i32,
        evidence_posts: hour.effective_posts,
        stated_value: hour.heatmap,
        expected_metric: slot.expected_metric.unwrap_or(0.0),
        ranked_by: slot.drawn_value.unwrap_or(slot.value),
        exploratory: slot.exploratory,
    }
}

fn evidence_level(level: EvidenceLevel) -> v1::EvidenceLevel {
    match level {
        EvidenceLevel::PriorOnly => v1::EvidenceLevel::PriorOnly,
        EvidenceLevel::Thin => v1::EvidenceLevel::Thin,
        EvidenceLevel::Solid => v1::EvidenceLevel::Solid,
    }
}

#[tonic::async_trait]
impl PlannerService for PlannerApi {
    async fn optimize_schedule(
        &self,
        request: Request<OptimizeScheduleRequest>,
    ) -> Result<Response<OptimizeScheduleResponse>, Status> {
        let tenant = Tenant::of(&request);
        let deadline = request.extensions().get::<Deadline>().copied();
        let result = self.optimize(&tenant, deadline, request.into_inner()).await;

        if let Ok(response) = &result {
            info!(
                status = response.status().as_str_name(),
                posts = response.posts.len(),
                solve_ms = response.stats.as_ref().map_or(0.0, |stats| stats.solve_ms),
                "schedule solved"
            );
        }
        respond(result)
    }

    async fn get_best_slots(
        &self,
        request: Request<GetBestSlotsRequest>,
    ) -> Result<Response<GetBestSlotsResponse>, Status> {
        let tenant = Tenant::of(&request);
        respond(self.best_slots(&tenant, request.into_inner()).await)
    }
}
