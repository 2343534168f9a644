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
use slotwise_store::{DEFAULT_TENANT, NewSlotDecision};
use tonic::{Request, Response, Status};
use tracing::{info, instrument, warn};

use crate::convert::{plan_request_from_proto, schedule_to_proto, timestamp, to_timestamp};
use crate::error::{FieldError, ServiceError, respond};
use crate::learning::{AccountState, Learning, account_id};

/// Slot length of GetBestSlots when the request gives none.
const DEFAULT_SLOT_MINUTES: u32 = 15;

/// Solves schedules on tokio's blocking pool, so a long solve never stalls the async workers
/// that answer health checks and other calls.
#[derive(Debug, Clone)]
pub struct PlannerApi {
    learning: Learning,
}

impl PlannerApi {
    pub fn new(learning: Learning) -> Self {
        Self { learning }
    }

    async fn optimize(
        &self,
        request: OptimizeScheduleRequest,
    ) -> Result<OptimizeScheduleResponse, ServiceError> {
        // `plan` validates the request itself, so only the wire format is checked here.
        let mut plan_request = plan_request_from_proto(&request)?;
        if request.account_id.is_empty() {
            if request.exploration_share != 0.0 {
                return Err(FieldError::new("exploration_share", "needs an account_id").into());
            }
            let schedule = solve(plan_request, |request| planner::plan(&request)).await?;
            return Ok(schedule_to_proto(&schedule));
        }

        let state = self
            .learning
            .account(DEFAULT_TENANT, &request.account_id)
            .await?;
        let posterior = learned_heatmap(&self.learning, &state, &request, &mut plan_request)?;
        let mut response = if request.exploration_share > 0.0 {
            self.optimize_exploring(&request, plan_request, &state, &posterior)
                .await?
        } else {
            let schedule = solve(plan_request, |request| planner::plan(&request)).await?;
            schedule_to_proto(&schedule)
        };
        response.activity_version = state.activity.version.max(0) as u64;
        response.evidence_posts = state.evidence.len() as u64;
        Ok(response)
    }

    /// Plans with a share of the posts placed by a posterior draw, and records a slot decision
    /// for each of them, so that their performance can be traced back.
    async fn optimize_exploring(
        &self,
        request: &OptimizeScheduleRequest,
        plan_request: PlanRequest,
        state: &AccountState,
        posterior: &Posterior,
    ) -> Result<OptimizeScheduleResponse, ServiceError> {
        let share = request.exploration_share;
        if !(0.0..=1.0).contains(&share) {
            return Err(FieldError::new("exploration_share", "must be in [0, 1]").into());
        }
        let seed = seed_or_fresh(request.exploration_seed);
        let draw = posterior.draw(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let values = plan_request.heatmap.clone();

        let exploring = solve(plan_request, move |request| {
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
            .record_slot_decisions(DEFAULT_TENANT, decisions)
            .await?
            .into_iter();

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

    async fn best_slots(
        &self,
        request: GetBestSlotsRequest,
    ) -> Result<GetBestSlotsResponse, ServiceError> {
        account_id("account_id", &request.account_id)?;
        let state = self
            .learning
            .account(DEFAULT_TENANT, &request.account_id)
            .await?;
        let cacheable = request.mode() != v1::SlotMode::Explore || request.seed != 0;
        let request_bytes = request.encode_to_vec();
        if cacheable && let Some(answer) = self.learning.cached_answer(&state, &request_bytes) {
            return GetBestSlotsResponse::decode(answer.as_slice())
                .map_err(|error| ServiceError::Internal(error.to_string()));
        }

        let (query, seed) = best_slots_query(&request)?;
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

/// Runs a solve on the blocking pool.
async fn solve<T: Send + 'static>(
    request: PlanRequest,
    run: impl FnOnce(PlanRequest) -> Result<T, planner::PlanError> + Send + 'static,
) -> Result<T, ServiceError> {
    let answer = tokio::task::spawn_blocking(move || run(request))
        .await
        .map_err(|join_error| ServiceError::SolveTask(join_error.to_string()))??;
    Ok(answer)
}

fn seed_or_fresh(seed: u64) -> u64 {
    match seed {
        0 => rand::rng().random_range(1..u64::MAX),
        seed => seed,
    }
}

fn best_slots_query(request: &GetBestSlotsRequest) -> Result<(BestSlotsQuery, u64), ServiceError> {
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
    #[instrument(name = "OptimizeSchedule", skip_all)]
    async fn optimize_schedule(
        &self,
        request: Request<OptimizeScheduleRequest>,
    ) -> Result<Response<OptimizeScheduleResponse>, Status> {
        let started = Instant::now();
        let result = self.optimize(request.into_inner()).await;
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

    #[instrument(name = "GetBestSlots", skip_all)]
    async fn get_best_slots(
        &self,
        request: Request<GetBestSlotsRequest>,
    ) -> Result<Response<GetBestSlotsResponse>, Status> {
        respond("GetBestSlots", self.best_slots(request.into_inner()).await)
    }
}
