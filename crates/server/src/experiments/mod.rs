//! `slotwise.v1.ExperimentService`: bandit experiments whose every acknowledged write is durable.
//!
//! The store is the source of truth; each experiment's bandit state lives in memory as a cache
//! rebuilt by replaying the store's history the first time the experiment is touched after a
//! start. A write is applied to the cache only after the store acknowledged it, so the cache
//! never holds what a crash could lose.
//!
//! With a store that several replicas share, another replica's writes reach this cache when it
//! is replayed again: a cached experiment older than the configured staleness is replayed on
//! its next use, and GetExperiment and StopExperiment always replay, so what they return counts
//! every write acknowledged before the call. ChooseArm may decide on a state up to that
//! staleness old, which only delays how soon it follows the latest outcomes.
//!
//! Decisions and outcomes only add to per-arm counts and sufficient statistics, so concurrent
//! calls may apply them to the cache in a slightly different order than the store committed
//! them: counts are then identical after a replay, and posterior parameters agree to within the
//! rounding of a floating-point sum taken in another order.

pub mod convert;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use slotwise_bandit::{Event, Experiment, Outcome};
use slotwise_proto::v1::{
    self, ChooseArmRequest, ChooseArmResponse, CreateExperimentRequest, GetExperimentRequest,
    ListExperimentsRequest, ListExperimentsResponse, ReportOutcomeRequest, ReportOutcomeResponse,
    ReportOutcomesRequest, ReportOutcomesResponse, StopExperimentRequest,
    experiment_service_server::ExperimentService,
};
use slotwise_store::{
    self as store, DecisionRecorded, ExperimentStore, HistoryEvent, NewDecision, NewExperiment,
    NewOutcome, OutcomeRecorded, StoreError,
};
use tonic::{Request, Response, Status};
use tracing::debug;

use crate::auth::Tenant;
use crate::error::{FieldError, ServiceError, respond};
use crate::limits::Limits;
use crate::metrics;
use convert::{StoredConfig, config_from_create, experiment_to_proto, kind_name, unix_seconds};

/// The most outcomes one ReportOutcomes call may carry, unless `limits.max_outcomes_per_batch`
/// says otherwise.
pub const MAX_OUTCOMES_PER_BATCH: usize = 10_000;

/// One experiment as the service holds it between calls.
#[derive(Debug)]
struct LiveExperiment {
    record: store::Experiment,
    config: StoredConfig,
    bandit: Experiment,
    /// When the history was read (or the experiment created): the age of what it knows.
    loaded_at: Instant,
    /// A call is replaying the experiment to refresh this state; others keep using it.
    refreshing: bool,
}

type Shared<T> = Arc<Mutex<T>>;

/// Marks a cached experiment as being refreshed while it lives.
struct Refreshing<'a>(&'a Shared<LiveExperiment>);

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        lock(self.0).refreshing = false;
    }
}

/// Serves experiments from a store, caching each experiment's bandit state in memory.
#[derive(Debug, Clone)]
pub struct ExperimentsApi {
    store: Arc<dyn ExperimentStore>,
    live: Shared<HashMap<(String, String), Shared<LiveExperiment>>>,
    limits: Limits,
    /// With a shared store, how old a cached experiment may be before it is replayed again;
    /// `None` when this process is the store's only writer.
    staleness: Option<Duration>,
}

impl ExperimentsApi {
    /// Experiments of `store`, with the default limits.
    pub fn new(store: Arc<dyn ExperimentStore>) -> Self {
        Self::with_limits(store, Limits::default())
    }

    pub fn with_limits(store: Arc<dyn ExperimentStore>, limits: Limits) -> Self {
        Self {
            store,
            live: Arc::default(),
            limits,
            staleness: None,
        }
    }

    /// Serves from a store that other processes write to as well (see the module
    /// documentation): cached experiments are replayed once they are older than `staleness`.
    pub fn shared(mut self, staleness: Duration) -> Self {
        self.staleness = Some(staleness);
        self
    }

    /// The experiment's state as cached, of any age; replayed from the store only when it is
    /// not cached. For what does not change after creation (the configuration) and for
    /// applying a write the store acknowledged.
    async fn cached(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<Shared<LiveExperiment>, ServiceError> {
        let key = (tenant.to_owned(), experiment_id.to_owned());
        let cached = lock(&self.live).get(&key).cloned();
        match cached {
            Some(live) => Ok(live),
            None => self.replayed(key).await,
        }
    }

    /// The experiment's state for a decision: the cached one, replayed again once it is older
    /// than the staleness of a shared store. One call replays while the others go on using
    /// the state it replaces.
    async fn live(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<Shared<LiveExperiment>, ServiceError> {
        let key = (tenant.to_owned(), experiment_id.to_owned());
        let cached = lock(&self.live).get(&key).cloned();
        let Some(current) = cached else {
            return self.replayed(key).await;
        };
        let Some(staleness) = self.staleness else {
            return Ok(current);
        };
        {
            let mut state = lock(&current);
            if state.refreshing || state.loaded_at.elapsed() <= staleness {
                drop(state);
                return Ok(current);
            }
            state.refreshing = true;
        }
        // Cleared however this ends, a failed read or a cancelled call included, so that the
        // next call past the staleness tries again.
        let _refreshing = Refreshing(&current);
        self.replayed(key).await
    }

    /// The experiment's live state, replayed now when other processes may have written to it,
    /// so that it counts every write acknowledged before this call.
    async fn fresh(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<Shared<LiveExperiment>, ServiceError> {
        match self.staleness {
            None => self.live(tenant, experiment_id).await,
            Some(_) => {
                self.replayed((tenant.to_owned(), experiment_id.to_owned()))
                    .await
            }
        }
    }

    /// Replays the experiment from the store into the cache.
    async fn replayed(
        &self,
        key: (String, String),
    ) -> Result<Shared<LiveExperiment>, ServiceError> {
        let read_at = Instant::now();
        let history = self.store.load_history(&key.0, &key.1).await?;
        let replayed = Arc::new(Mutex::new(replay(history, read_at)?));
        let mut live = lock(&self.live);
        match live.get(&key) {
            // Another call replayed it meanwhile from a read at least as recent: keep that one.
            Some(current) if lock(current).loaded_at >= lock(&replayed).loaded_at => {
                Ok(current.clone())
            }
            _ => {
                live.insert(key, replayed.clone());
                Ok(replayed)
            }
        }
    }

    async fn create(
        &self,
        tenant: &Tenant,
        request: CreateExperimentRequest,
    ) -> Result<v1::Experiment, ServiceError> {
        let max_arms = self.limits.max_arms;
        Limits::check_count("arms", request.arms.len(), "max_arms", max_arms)?;
        let config = config_from_create(&request)?;
        let bandit = Experiment::new(config.bandit.clone()).map_err(internal)?;
        let new_experiment = NewExperiment {
            name: request.name.clone(),
            kind: kind_name(request.kind()).to_owned(),
            config: serde_json::to_value(&config).map_err(internal)?,
            created_at: Utc::now(),
        };

        let record = self
            .store
            .create_experiment(tenant.as_str(), new_experiment)
            .await?;
        let live = LiveExperiment {
            record,
            config,
            bandit,
            loaded_at: Instant::now(),
            refreshing: false,
        };
        let message = live.to_proto();
        let key = (tenant.to_string(), live.record.experiment_id.clone());
        lock(&self.live).insert(key, Arc::new(Mutex::new(live)));
        Ok(message)
    }

    async fn get(
        &self,
        tenant: &Tenant,
        experiment_id: &str,
    ) -> Result<v1::Experiment, ServiceError> {
        required("experiment_id", experiment_id)?;
        self.close_expired_decisions(tenant.as_str(), experiment_id)
            .await?;

        let live = self.fresh(tenant.as_str(), experiment_id).await?;
        let message = lock(&live).to_proto();
        Ok(message)
    }

    async fn list(
        &self,
        tenant: &Tenant,
        request: ListExperimentsRequest,
    ) -> Result<ListExperimentsResponse, ServiceError> {
        let page_size = match request.page_size {
            0 => 20,
            size => size.min(100),
        };
        let token = (!request.page_token.is_empty()).then_some(request.page_token.as_str());
        let page = self
            .store
            .list_experiments(tenant.as_str(), page_size, token)
            .await?;

        let mut experiments = Vec::with_capacity(page.experiments.len());
        for record in page.experiments {
            let live = self.live(tenant.as_str(), &record.experiment_id).await?;
            experiments.push(lock(&live).to_proto());
        }
        Ok(ListExperimentsResponse {
            experiments,
            next_page_token: page.next_page_token.unwrap_or_default(),
        })
    }

    async fn choose(
        &self,
        tenant: &Tenant,
        request: ChooseArmRequest,
    ) -> Result<ChooseArmResponse, ServiceError> {
        required("experiment_id", &request.experiment_id)?;
        if !request.request_id.is_empty() {
            required("request_id", &request.request_id)?;
        }
        let live = self.live(tenant.as_str(), &request.experiment_id).await?;

        // Choosing does not change the state; the decision is applied once it is durable.
        let (decision, stopped) = {
            let live = lock(&live);
            (
                live.bandit.choose(&mut rand::rng()),
                live.bandit.is_stopped(),
            )
        };
        let new_decision = NewDecision {
            experiment_id: request.experiment_id.clone(),
            arm_index: u32::try_from(decision.arm_index).map_err(internal)?,
            propensity: decision.propensity,
            request_id: (!request.request_id.is_empty()).then(|| request.request_id.clone()),
            decided_at: Utc::now(),
        };
        let recorded = self
            .store
            .record_decision(tenant.as_str(), new_decision)
            .await?;

        let mut live = lock(&live);
        if let DecisionRecorded::Inserted(decision) = &recorded {
            live.bandit
                .record_decision(decision.arm_index as usize)
                .map_err(internal)?;
            metrics::bandit_decision(&live.record.kind);
        }
        let decision = recorded.decision();
        Ok(ChooseArmResponse {
            decision_id: decision.decision_id.clone(),
            arm_id: live.arm_id(decision.arm_index as usize),
            propensity: decision.propensity,
            stopped,
        })
    }

    async fn report(
        &self,
        tenant: &Tenant,
        request: ReportOutcomeRequest,
    ) -> Result<bool, ServiceError> {
        let (outcome, live) = self.checked_outcome(tenant, &request).await?;
        let recorded = self.store.record_outcome(tenant.as_str(), outcome).await?;
        learn(&live, &recorded)?;
        Ok(matches!(recorded, OutcomeRecorded::Inserted(_)))
    }

    /// Reports a batch: every valid outcome goes to the store in one call (one group commit),
    /// and each outcome gets its own result.
    async fn report_many(
        &self,
        tenant: &Tenant,
        request: ReportOutcomesRequest,
    ) -> Result<ReportOutcomesResponse, ServiceError> {
        let max = self.limits.max_outcomes_per_batch;
        Limits::check_count(
            "outcomes",
            request.outcomes.len(),
            "max_outcomes_per_batch",
            max,
        )?;

        let mut results = vec![None; request.outcomes.len()];
        let mut valid = Vec::new();
        for (index, outcome) in request.outcomes.iter().enumerate() {
            match self.checked_outcome(tenant, outcome).await {
                Ok((checked, live)) => valid.push(((index, live), checked)),
                Err(error) => {
                    let error = match error {
                        ServiceError::Field(field) => {
                            field.under(&format!("outcomes[{index}]")).into()
                        }
                        other => other,
                    };
                    results[index] = Some(outcome_result(Err(error)));
                }
            }
        }

        let (targets, outcomes): (Vec<_>, Vec<_>) = valid.into_iter().unzip();
        let recorded = self
            .store
            .record_outcomes(tenant.as_str(), outcomes)
            .await?;
        for ((index, live), result) in targets.into_iter().zip(recorded) {
            let result = match result {
                Ok(recorded) => learn(&live, &recorded)
                    .map(|()| matches!(recorded, OutcomeRecorded::Inserted(_))),
                Err(error) => Err(error.into()),
            };
            results[index] = Some(outcome_result(result));
        }
        Ok(ReportOutcomesResponse {
            results: results.into_iter().flatten().collect(),
        })
    }

    /// Checks one reported outcome against its decision's experiment before anything is stored.
    async fn checked_outcome(
        &self,
        tenant: &Tenant,
        request: &ReportOutcomeRequest,
    ) -> Result<(NewOutcome, Shared<LiveExperiment>), ServiceError> {
        required("decision_id", &request.decision_id)?;
        let observed_at = match &request.observed_at {
            Some(at) => {
                DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).unwrap_or(u32::MAX))
                    .ok_or_else(|| FieldError::new("observed_at", "is out of range"))?
            }
            None => Utc::now(),
        };

        let decision = self
            .store
            .get_decision(tenant.as_str(), &request.decision_id)
            .await?;
        let live = self
            .cached(tenant.as_str(), &decision.experiment_id)
            .await?;
        lock(&live)
            .config
            .bandit
            .reward_model
            .check_reward(request.reward)
            .map_err(|error| FieldError::new("reward", error.to_string()))?;

        let outcome = NewOutcome {
            decision_id: request.decision_id.clone(),
            reward: request.reward,
            is_default: false,
            reported_at: observed_at,
        };
        Ok((outcome, live))
    }

    async fn stop(
        &self,
        tenant: &Tenant,
        experiment_id: &str,
    ) -> Result<v1::Experiment, ServiceError> {
        required("experiment_id", experiment_id)?;
        let live = self.fresh(tenant.as_str(), experiment_id).await?;
        let record = self
            .store
            .stop_experiment(tenant.as_str(), experiment_id, Utc::now())
            .await?;

        let mut live = lock(&live);
        live.record = record;
        live.bandit.stop();
        Ok(live.to_proto())
    }

    /// Closes expired decisions of every running experiment of every tenant.
    pub async fn close_all_expired_decisions(&self) -> Result<usize, ServiceError> {
        let mut closed = 0;
        for experiment in self.store.list_running_experiments().await? {
            closed += self
                .close_expired_decisions(&experiment.tenant, &experiment.experiment_id)
                .await?;
        }
        Ok(closed)
    }

    /// Closes the decisions whose reward window has passed: with the experiment's default
    /// reward, or not at all when the window drops them.
    pub async fn close_expired_decisions(
        &self,
        tenant: &str,
        experiment_id: &str,
    ) -> Result<usize, ServiceError> {
        let live = self.cached(tenant, experiment_id).await?;
        let window = lock(&live).config.reward_window;
        let Some(window) = window else {
            return Ok(0);
        };
        let Some(default_reward) = window.default_reward else {
            return Ok(0);
        };

        let cutoff = Utc::now() - chrono::Duration::milliseconds((window.seconds * 1e3) as i64);
        let expired = self
            .store
            .decisions_without_outcome_before(tenant, experiment_id, cutoff)
            .await?;
        let outcomes: Vec<_> = expired
            .iter()
            .map(|decision| NewOutcome {
                decision_id: decision.decision_id.clone(),
                reward: default_reward,
                is_default: true,
                reported_at: Utc::now(),
            })
            .collect();
        let count = outcomes.len();
        for result in self.store.record_outcomes(tenant, outcomes).await? {
            match result {
                Ok(recorded) => {
                    learn(&live, &recorded)?;
                    metrics::bandit_outcome("defaulted");
                }
                // An outcome reported between the query and now wins; nothing is lost.
                Err(StoreError::OutcomeConflict { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        debug!(
            experiment_id,
            count, "closed decisions past their reward window"
        );
        Ok(count)
    }
}

impl LiveExperiment {
    fn to_proto(&self) -> v1::Experiment {
        experiment_to_proto(&self.record, &self.config, &self.bandit.summary())
    }

    fn arm_id(&self, arm_index: usize) -> String {
        self.config
            .bandit
            .arms
            .get(arm_index)
            .map(|arm| arm.id.clone())
            .unwrap_or_default()
    }
}

/// Rebuilds an experiment from its stored history, read at `read_at`.
fn replay(
    history: store::ExperimentHistory,
    read_at: Instant,
) -> Result<LiveExperiment, ServiceError> {
    let config: StoredConfig =
        serde_json::from_value(history.experiment.config.clone()).map_err(internal)?;
    let stopped_seq = history.experiment.stopped_seq;

    // Learning froze at the stop: outcomes committed after it are kept for the record only.
    let mut events = Vec::with_capacity(history.events.len() + 1);
    let mut stop_applied = false;
    for event in &history.events {
        if !stop_applied && stopped_seq.is_some_and(|stop| event.seq() > stop) {
            events.push(Event::Stop);
            stop_applied = true;
        }
        match event {
            HistoryEvent::Decision(decision) => {
                events.push(Event::Decision {
                    arm_index: decision.arm_index as usize,
                });
            }
            HistoryEvent::Outcome(outcome) if !stop_applied => {
                events.push(Event::Outcome(bandit_outcome(outcome)));
            }
            HistoryEvent::Outcome(_) => {}
        }
    }
    if stopped_seq.is_some() && !stop_applied {
        events.push(Event::Stop);
    }

    let bandit = Experiment::replay(config.bandit.clone(), events).map_err(internal)?;
    Ok(LiveExperiment {
        record: history.experiment,
        config,
        bandit,
        loaded_at: read_at,
        refreshing: false,
    })
}

/// Applies a newly stored outcome to the state its experiment had before the write: a state
/// replayed after the write already counts it.
fn learn(live: &Shared<LiveExperiment>, recorded: &OutcomeRecorded) -> Result<(), ServiceError> {
    let OutcomeRecorded::Inserted(outcome) = recorded else {
        return Ok(());
    };
    let mut live = lock(live);
    if live.bandit.is_stopped() {
        // Learning is frozen; the outcome is stored for the record.
        return Ok(());
    }
    live.bandit
        .record_outcome(bandit_outcome(outcome))
        .map_err(internal)
}

fn bandit_outcome(outcome: &store::Outcome) -> Outcome {
    Outcome {
        arm_index: outcome.arm_index as usize,
        reward: outcome.reward,
        observed_at: unix_seconds(outcome.reported_at),
    }
}

fn outcome_result(result: Result<bool, ServiceError>) -> v1::OutcomeResult {
    match result {
        Ok(recorded) => v1::OutcomeResult {
            code: tonic::Code::Ok as i32,
            message: String::new(),
            recorded,
        },
        Err(error) => {
            let status = Status::from(error);
            v1::OutcomeResult {
                code: status.code() as i32,
                message: status.message().to_owned(),
                recorded: false,
            }
        }
    }
}

/// A required id: not empty, and short enough to come back in an error message.
fn required(field: &str, value: &str) -> Result<(), FieldError> {
    crate::learning::account_id(field, value)
}

fn internal(error: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(error.to_string())
}

/// Locks a mutex; a panic while it was held poisons nothing we rely on, as every update is a
/// single call that either happened or did not.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[tonic::async_trait]
impl ExperimentService for ExperimentsApi {
    async fn create_experiment(
        &self,
        request: Request<CreateExperimentRequest>,
    ) -> Result<Response<v1::Experiment>, Status> {
        let tenant = Tenant::of(&request);
        respond(self.create(&tenant, request.into_inner()).await)
    }

    async fn get_experiment(
        &self,
        request: Request<GetExperimentRequest>,
    ) -> Result<Response<v1::Experiment>, Status> {
        let tenant = Tenant::of(&request);
        respond(self.get(&tenant, &request.into_inner().experiment_id).await)
    }

    async fn list_experiments(
        &self,
        request: Request<ListExperimentsRequest>,
    ) -> Result<Response<ListExperimentsResponse>, Status> {
        let tenant = Tenant::of(&request);
        respond(self.list(&tenant, request.into_inner()).await)
    }

    async fn choose_arm(
        &self,
        request: Request<ChooseArmRequest>,
    ) -> Result<Response<ChooseArmResponse>, Status> {
        let tenant = Tenant::of(&request);
        respond(self.choose(&tenant, request.into_inner()).await)
    }

    async fn report_outcome(
        &self,
        request: Request<ReportOutcomeRequest>,
    ) -> Result<Response<ReportOutcomeResponse>, Status> {
        let tenant = Tenant::of(&request);
        let result = self.report(&tenant, request.into_inner()).await;
        metrics::bandit_outcome(outcome_label(&result));
        respond(result.map(|recorded| ReportOutcomeResponse { recorded }))
    }

    async fn report_outcomes(
        &self,
        request: Request<ReportOutcomesRequest>,
    ) -> Result<Response<ReportOutcomesResponse>, Status> {
        let tenant = Tenant::of(&request);
        let result = self.report_many(&tenant, request.into_inner()).await;
        if let Ok(response) = &result {
            for outcome in &response.results {
                metrics::bandit_outcome(batch_outcome_label(outcome));
            }
        }
        respond(result)
    }

    async fn stop_experiment(
        &self,
        request: Request<StopExperimentRequest>,
    ) -> Result<Response<v1::Experiment>, Status> {
        let tenant = Tenant::of(&request);
        respond(
            self.stop(&tenant, &request.into_inner().experiment_id)
                .await,
        )
    }
}

/// How a reported outcome is counted in the metrics.
fn outcome_label(result: &Result<bool, ServiceError>) -> &'static str {
    match result {
        Ok(true) => "recorded",
        Ok(false) => "already_recorded",
        Err(_) => "refused",
    }
}

fn batch_outcome_label(result: &v1::OutcomeResult) -> &'static str {
    match (result.code == tonic::Code::Ok as i32, result.recorded) {
        (true, true) => "recorded",
        (true, false) => "already_recorded",
        (false, _) => "refused",
    }
}
