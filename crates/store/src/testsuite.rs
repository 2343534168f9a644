//! The conformance suite every [`ExperimentStore`] backend must pass (and, in [`audience`],
//! every [`crate::AudienceStore`] backend).
//!
//! Each function is one scenario: it starts from an empty store, drives it only through the
//! trait, and panics with a message naming the broken rule. A backend's test file opens a fresh
//! store per scenario and calls the function (see `tests/sqlite.rs`).

// A failed store call is a failed scenario: panicking with its error is the report.
#![allow(clippy::unwrap_used)]

pub mod audience;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::{
    DEFAULT_TENANT, Decision, DecisionRecorded, Experiment, ExperimentStatus, ExperimentStore,
    HistoryEvent, NewDecision, NewExperiment, NewOutcome, OutcomeRecorded, StoreError,
};

/// The tenant most scenarios write as.
pub const TENANT: &str = DEFAULT_TENANT;

/// A second tenant that must never see the first one's rows.
pub const OTHER_TENANT: &str = "acme";

/// A fixed instant plus `seconds`, so scenarios never depend on the clock.
pub fn at(seconds: i64) -> DateTime<Utc> {
    let start = DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default();
    start + Duration::seconds(seconds)
}

/// A posting-time experiment with two arms and a Beta(1, 1) prior.
pub fn posting_time_experiment(name: &str) -> NewExperiment {
    NewExperiment {
        name: name.to_owned(),
        kind: "POSTING_TIME".to_owned(),
        config: json!({
            "arms": [{"id": "morning", "label": "07:00"}, {"id": "evening", "label": "19:00"}],
            "policy": {"thompson": {"burn_in": 5}},
            "reward_model": {"bernoulli": {"alpha": 1.0, "beta": 1.0}},
            "reward_window_seconds": 86_400
        }),
        created_at: at(0),
    }
}

pub fn decision_for(experiment_id: &str, arm_index: u32, request_id: Option<&str>) -> NewDecision {
    NewDecision {
        experiment_id: experiment_id.to_owned(),
        arm_index,
        propensity: 0.5,
        request_id: request_id.map(str::to_owned),
        decided_at: at(60),
    }
}

pub fn outcome_for(decision_id: &str, reward: f64) -> NewOutcome {
    NewOutcome {
        decision_id: decision_id.to_owned(),
        reward,
        is_default: false,
        reported_at: at(3_600),
    }
}

async fn create(store: &dyn ExperimentStore, tenant: &str, name: &str) -> Experiment {
    store
        .create_experiment(tenant, posting_time_experiment(name))
        .await
        .unwrap()
}

async fn decide(store: &dyn ExperimentStore, tenant: &str, decision: NewDecision) -> Decision {
    match store.record_decision(tenant, decision).await.unwrap() {
        DecisionRecorded::Inserted(decision) => decision,
        DecisionRecorded::Existing(decision) => panic!("expected a new decision, got {decision:?}"),
    }
}

/// An experiment reads back as created, and stopping it is durable and idempotent.
pub async fn created_experiments_read_back_and_stop(store: &dyn ExperimentStore) {
    let created = create(store, TENANT, "morning or evening").await;
    assert_eq!(created.status, ExperimentStatus::Running);
    assert_eq!(created.config, posting_time_experiment("").config);
    assert_eq!(
        store
            .get_experiment(TENANT, &created.experiment_id)
            .await
            .unwrap(),
        created
    );

    let stopped = store
        .stop_experiment(TENANT, &created.experiment_id, at(100))
        .await
        .unwrap();
    assert_eq!(stopped.status, ExperimentStatus::Stopped);
    assert_eq!(stopped.stopped_at, Some(at(100)));
    assert!(stopped.stopped_seq.is_some_and(|seq| seq > created.seq));
    assert_eq!(
        store
            .get_experiment(TENANT, &created.experiment_id)
            .await
            .unwrap(),
        stopped
    );

    let stopped_again = store
        .stop_experiment(TENANT, &created.experiment_id, at(200))
        .await
        .unwrap();
    assert_eq!(stopped_again, stopped, "a second stop must change nothing");

    let missing = store.get_experiment(TENANT, "exp_missing").await;
    assert!(
        matches!(missing, Err(StoreError::ExperimentNotFound { .. })),
        "{missing:?}"
    );
}

/// Listing pages through a tenant's experiments oldest first, each exactly once.
pub async fn experiments_page_in_creation_order(store: &dyn ExperimentStore) {
    let mut created = Vec::new();
    for index in 0..7 {
        created.push(
            create(store, TENANT, &format!("format test {index}"))
                .await
                .experiment_id,
        );
    }

    let mut listed = Vec::new();
    let mut page_sizes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = store
            .list_experiments(TENANT, 3, token.as_deref())
            .await
            .unwrap();
        page_sizes.push(page.experiments.len());
        listed.extend(
            page.experiments
                .into_iter()
                .map(|experiment| experiment.experiment_id),
        );
        token = page.next_page_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(listed, created);
    assert_eq!(page_sizes, [3, 3, 1]);

    let everything = store.list_experiments(TENANT, 0, None).await.unwrap();
    assert_eq!(everything.experiments.len(), 7);
    assert_eq!(everything.next_page_token, None);

    let forged = store.list_experiments(TENANT, 3, Some("not a token")).await;
    assert!(
        matches!(forged, Err(StoreError::InvalidPageToken { .. })),
        "{forged:?}"
    );
}

/// What a restart loads: the running experiments of every tenant, and no stopped one.
pub async fn running_experiments_of_every_tenant_are_listed(store: &dyn ExperimentStore) {
    let running = create(store, TENANT, "running").await;
    let stopped = create(store, TENANT, "stopped").await;
    let other = create(store, OTHER_TENANT, "other tenant").await;
    store
        .stop_experiment(TENANT, &stopped.experiment_id, at(10))
        .await
        .unwrap();

    let listed = store.list_running_experiments().await.unwrap();

    let ids: Vec<_> = listed
        .iter()
        .map(|experiment| experiment.experiment_id.as_str())
        .collect();
    assert_eq!(
        ids,
        [running.experiment_id.as_str(), other.experiment_id.as_str()]
    );
    assert_eq!(listed[1].tenant, OTHER_TENANT);
}

/// Ids of another tenant answer exactly like missing ids, for every call that takes one.
pub async fn other_tenants_ids_are_not_found(store: &dyn ExperimentStore) {
    let experiment = create(store, TENANT, "private").await;
    let id = experiment.experiment_id.as_str();
    let decision = decide(store, TENANT, decision_for(id, 0, Some("request-1"))).await;

    let get = store.get_experiment(OTHER_TENANT, id).await;
    assert!(
        matches!(get, Err(StoreError::ExperimentNotFound { .. })),
        "get: {get:?}"
    );
    let stop = store.stop_experiment(OTHER_TENANT, id, at(5)).await;
    assert!(
        matches!(stop, Err(StoreError::ExperimentNotFound { .. })),
        "stop: {stop:?}"
    );
    let decide_other = store
        .record_decision(OTHER_TENANT, decision_for(id, 0, None))
        .await;
    assert!(
        matches!(decide_other, Err(StoreError::ExperimentNotFound { .. })),
        "decide: {decide_other:?}"
    );
    let read = store
        .get_decision(OTHER_TENANT, &decision.decision_id)
        .await;
    assert!(
        matches!(read, Err(StoreError::DecisionNotFound { .. })),
        "read: {read:?}"
    );
    let report = store
        .record_outcome(OTHER_TENANT, outcome_for(&decision.decision_id, 1.0))
        .await;
    assert!(
        matches!(report, Err(StoreError::DecisionNotFound { .. })),
        "report: {report:?}"
    );
    let expired = store
        .decisions_without_outcome_before(OTHER_TENANT, id, at(1_000))
        .await;
    assert!(
        matches!(expired, Err(StoreError::ExperimentNotFound { .. })),
        "expired: {expired:?}"
    );
    let history = store.load_history(OTHER_TENANT, id).await;
    assert!(
        matches!(history, Err(StoreError::ExperimentNotFound { .. })),
        "history: {history:?}"
    );
    let listed = store.list_experiments(OTHER_TENANT, 0, None).await.unwrap();
    assert!(listed.experiments.is_empty(), "listed: {listed:?}");

    let untouched = store.load_history(TENANT, id).await.unwrap();
    assert_eq!(untouched.experiment.status, ExperimentStatus::Running);
    assert_eq!(untouched.events, [HistoryEvent::Decision(decision)]);
}

/// A retried decision (same request id, same experiment) returns the first one unchanged.
pub async fn retried_decisions_return_the_first_decision(store: &dyn ExperimentStore) {
    let experiment = create(store, TENANT, "cta wording").await;
    let other_experiment = create(store, TENANT, "clip length").await;
    let id = experiment.experiment_id.as_str();

    let first = decide(store, TENANT, decision_for(id, 1, Some("request-7"))).await;
    assert_eq!(
        store
            .get_decision(TENANT, &first.decision_id)
            .await
            .unwrap(),
        first
    );
    let retry = store
        .record_decision(TENANT, decision_for(id, 0, Some("request-7")))
        .await;
    assert_eq!(retry.unwrap(), DecisionRecorded::Existing(first.clone()));

    let fresh = decide(store, TENANT, decision_for(id, 0, Some("request-8"))).await;
    assert_ne!(fresh.decision_id, first.decision_id);
    let elsewhere = decide(
        store,
        TENANT,
        decision_for(&other_experiment.experiment_id, 0, Some("request-7")),
    )
    .await;
    assert_ne!(elsewhere.decision_id, first.decision_id);
    let anonymous_a = decide(store, TENANT, decision_for(id, 0, None)).await;
    let anonymous_b = decide(store, TENANT, decision_for(id, 0, None)).await;
    assert_ne!(anonymous_a.decision_id, anonymous_b.decision_id);

    let missing = store
        .record_decision(TENANT, decision_for("exp_missing", 0, None))
        .await;
    assert!(
        matches!(missing, Err(StoreError::ExperimentNotFound { .. })),
        "{missing:?}"
    );
    let unknown = store.get_decision(TENANT, "dec_missing").await;
    assert!(
        matches!(unknown, Err(StoreError::DecisionNotFound { .. })),
        "{unknown:?}"
    );
    let decisions = store.load_history(TENANT, id).await.unwrap().events.len();
    assert_eq!(decisions, 4, "the retry must not add a decision");
}

/// The same reward again is already recorded, a different one conflicts, and an unknown
/// decision is not found.
pub async fn outcomes_are_recorded_once(store: &dyn ExperimentStore) {
    let experiment = create(store, TENANT, "talking head or montage").await;
    let decision = decide(
        store,
        TENANT,
        decision_for(&experiment.experiment_id, 1, None),
    )
    .await;

    let first = store
        .record_outcome(TENANT, outcome_for(&decision.decision_id, 0.25))
        .await;
    let OutcomeRecorded::Inserted(recorded) = first.unwrap() else {
        panic!("the first outcome must be inserted");
    };
    assert_eq!(recorded.arm_index, 1);
    assert_eq!(recorded.experiment_id, experiment.experiment_id);

    let mut again = outcome_for(&decision.decision_id, 0.25);
    again.reported_at = at(7_200);
    let repeated = store.record_outcome(TENANT, again).await.unwrap();
    assert_eq!(repeated, OutcomeRecorded::AlreadyRecorded(recorded.clone()));

    let different = store
        .record_outcome(TENANT, outcome_for(&decision.decision_id, 0.5))
        .await;
    assert!(
        matches!(
            different,
            Err(StoreError::OutcomeConflict { recorded_reward, reported_reward, .. })
                if recorded_reward == 0.25 && reported_reward == 0.5
        ),
        "{different:?}"
    );

    let unknown = store
        .record_outcome(TENANT, outcome_for("dec_missing", 1.0))
        .await;
    assert!(
        matches!(unknown, Err(StoreError::DecisionNotFound { .. })),
        "{unknown:?}"
    );

    let history = store
        .load_history(TENANT, &experiment.experiment_id)
        .await
        .unwrap();
    let outcomes = history
        .events
        .iter()
        .filter(|e| matches!(e, HistoryEvent::Outcome(_)));
    assert_eq!(outcomes.count(), 1);
}

/// A batch answers every item on its own, in order, and a bad item does not sink the others.
pub async fn outcome_batches_answer_each_item(store: &dyn ExperimentStore) {
    let experiment = create(store, TENANT, "batch").await;
    let id = experiment.experiment_id.as_str();
    let first = decide(store, TENANT, decision_for(id, 0, None)).await;
    let second = decide(store, TENANT, decision_for(id, 1, None)).await;
    store
        .record_outcome(TENANT, outcome_for(&first.decision_id, 1.0))
        .await
        .unwrap();

    let batch = vec![
        outcome_for(&first.decision_id, 1.0),
        outcome_for(&first.decision_id, 0.0),
        outcome_for("dec_missing", 1.0),
        outcome_for(&second.decision_id, 0.0),
        outcome_for(&second.decision_id, 0.0),
    ];
    let answers = store.record_outcomes(TENANT, batch).await.unwrap();

    assert_eq!(answers.len(), 5);
    assert!(
        matches!(answers[0], Ok(OutcomeRecorded::AlreadyRecorded(_))),
        "{:?}",
        answers[0]
    );
    assert!(
        matches!(answers[1], Err(StoreError::OutcomeConflict { .. })),
        "{:?}",
        answers[1]
    );
    assert!(
        matches!(answers[2], Err(StoreError::DecisionNotFound { .. })),
        "{:?}",
        answers[2]
    );
    assert!(
        matches!(answers[3], Ok(OutcomeRecorded::Inserted(_))),
        "{:?}",
        answers[3]
    );
    assert!(
        matches!(answers[4], Ok(OutcomeRecorded::AlreadyRecorded(_))),
        "{:?}",
        answers[4]
    );
    assert!(
        store
            .record_outcomes(TENANT, Vec::new())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Rewards and propensities that could not be read back faithfully are refused.
pub async fn unfaithful_values_are_rejected(store: &dyn ExperimentStore) {
    let experiment = create(store, TENANT, "values").await;
    let id = experiment.experiment_id.as_str();
    let decision = decide(store, TENANT, decision_for(id, 0, None)).await;

    for reward in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let answer = store
            .record_outcome(TENANT, outcome_for(&decision.decision_id, reward))
            .await;
        assert!(
            matches!(answer, Err(StoreError::InvalidValue { .. })),
            "{reward}: {answer:?}"
        );
    }
    for propensity in [f64::NAN, -0.1, 1.5] {
        let mut new = decision_for(id, 0, None);
        new.propensity = propensity;
        let answer = store.record_decision(TENANT, new).await;
        assert!(
            matches!(answer, Err(StoreError::InvalidValue { .. })),
            "{propensity}: {answer:?}"
        );
    }

    let recorded = store
        .record_outcome(TENANT, outcome_for(&decision.decision_id, -3.5))
        .await;
    assert!(
        matches!(recorded, Ok(OutcomeRecorded::Inserted(_))),
        "{recorded:?}"
    );
}

/// Expiry finds exactly the decisions made before the cutoff that have no outcome yet.
pub async fn decisions_without_outcome_are_found_by_cutoff(store: &dyn ExperimentStore) {
    let experiment = create(store, TENANT, "reward window").await;
    let id = experiment.experiment_id.as_str();
    let mut decisions = Vec::new();
    for minute in 0..4 {
        let mut new = decision_for(id, minute % 2, None);
        new.decided_at = at(i64::from(minute) * 60);
        decisions.push(decide(store, TENANT, new).await);
    }
    store
        .record_outcome(TENANT, outcome_for(&decisions[1].decision_id, 1.0))
        .await
        .unwrap();

    let expired = store
        .decisions_without_outcome_before(TENANT, id, at(150))
        .await
        .unwrap();
    assert_eq!(expired, [decisions[0].clone(), decisions[2].clone()]);

    let mut default_reward = outcome_for(&decisions[0].decision_id, 0.0);
    default_reward.is_default = true;
    store.record_outcome(TENANT, default_reward).await.unwrap();
    let expired = store
        .decisions_without_outcome_before(TENANT, id, at(1_000))
        .await
        .unwrap();
    assert_eq!(expired, [decisions[2].clone(), decisions[3].clone()]);

    let history = store.load_history(TENANT, id).await.unwrap();
    let defaults: Vec<_> = history
        .events
        .iter()
        .filter_map(|event| match event {
            HistoryEvent::Outcome(outcome) => Some(outcome.is_default),
            HistoryEvent::Decision(_) => None,
        })
        .collect();
    assert_eq!(defaults, [false, true]);
}

/// Many clients reporting to one arm at once: every outcome is counted exactly once.
///
/// 16 tasks each report 200 decisions, and every decision is also reported by the next task,
/// so each decision sees two racing reports of the same reward.
pub async fn concurrent_outcomes_to_one_arm_are_counted_once(store: Arc<dyn ExperimentStore>) {
    const TASKS: usize = 16;
    const PER_TASK: usize = 200;
    let experiment = create(store.as_ref(), TENANT, "one hot arm").await;
    let decision_ids = Arc::new(decide_many(&store, &experiment, TASKS * PER_TASK).await);

    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let (store, decision_ids) = (Arc::clone(&store), Arc::clone(&decision_ids));
        tasks.spawn(async move { report_share(store.as_ref(), &decision_ids, task, TASKS).await });
    }
    let mut inserted = 0;
    let mut repeated = 0;
    while let Some(counts) = tasks.join_next().await {
        let (task_inserted, task_repeated) = counts.unwrap();
        inserted += task_inserted;
        repeated += task_repeated;
    }

    assert_eq!(
        inserted,
        TASKS * PER_TASK,
        "every decision is inserted exactly once"
    );
    assert_eq!(
        repeated,
        TASKS * PER_TASK,
        "every second report is already recorded"
    );
    let history = store
        .load_history(TENANT, &experiment.experiment_id)
        .await
        .unwrap();
    let rewards: Vec<f64> = history
        .events
        .iter()
        .filter_map(|event| match event {
            HistoryEvent::Outcome(outcome) if outcome.arm_index == 0 => Some(outcome.reward),
            _ => None,
        })
        .collect();
    assert_eq!(rewards.len(), TASKS * PER_TASK);
    let expected_sum: f64 = (0..TASKS * PER_TASK).map(reward_of).sum();
    assert_eq!(rewards.iter().sum::<f64>(), expected_sum);
}

/// Makes `count` decisions for arm 0 from 16 concurrent tasks.
async fn decide_many(
    store: &Arc<dyn ExperimentStore>,
    experiment: &Experiment,
    count: usize,
) -> Vec<String> {
    let mut tasks = JoinSet::new();
    for task in 0..16 {
        let (store, experiment_id) = (Arc::clone(store), experiment.experiment_id.clone());
        tasks.spawn(async move {
            let mut decision_ids = Vec::new();
            for _ in (task..count).step_by(16) {
                let decision = decision_for(&experiment_id, 0, None);
                decision_ids.push(decide(store.as_ref(), TENANT, decision).await.decision_id);
            }
            decision_ids
        });
    }

    let mut decision_ids = Vec::with_capacity(count);
    while let Some(task_ids) = tasks.join_next().await {
        decision_ids.extend(task_ids.unwrap());
    }
    decision_ids
}

/// Reports the outcomes of the task's own share and of the previous task's share, one call
/// each; returns how many were inserted and how many were already recorded.
async fn report_share(
    store: &dyn ExperimentStore,
    decision_ids: &[String],
    task: usize,
    tasks: usize,
) -> (usize, usize) {
    let per_task = decision_ids.len() / tasks;
    let previous = (task + tasks - 1) % tasks;
    let own = (task * per_task..(task + 1) * per_task).map(|index| (index, task));
    let borrowed = (previous * per_task..(previous + 1) * per_task).map(|index| (index, previous));

    let (mut inserted, mut repeated) = (0, 0);
    for (index, _) in own
        .zip(borrowed)
        .flat_map(|(own, borrowed)| [own, borrowed])
    {
        let outcome = outcome_for(&decision_ids[index], reward_of(index));
        match store.record_outcome(TENANT, outcome).await.unwrap() {
            OutcomeRecorded::Inserted(_) => inserted += 1,
            OutcomeRecorded::AlreadyRecorded(_) => repeated += 1,
        }
    }
    (inserted, repeated)
}

/// A reward per decision that makes the sum reveal a missing or doubled outcome.
fn reward_of(index: usize) -> f64 {
    (index % 7) as f64 + 0.5
}

/// History comes back in commit order: outcomes follow their decisions, interleaved as they
/// were written, and outcomes after a stop are marked by `stopped_seq`.
pub async fn history_replays_in_commit_order(store: &dyn ExperimentStore) {
    let experiment = create(store, TENANT, "replay").await;
    let id = experiment.experiment_id.as_str();
    let d0 = decide(store, TENANT, decision_for(id, 0, None)).await;
    let d1 = decide(store, TENANT, decision_for(id, 1, None)).await;
    let o1 = store
        .record_outcome(TENANT, outcome_for(&d1.decision_id, 1.0))
        .await
        .unwrap();
    let d2 = decide(store, TENANT, decision_for(id, 0, None)).await;
    let o0 = store
        .record_outcome(TENANT, outcome_for(&d0.decision_id, 0.0))
        .await
        .unwrap();
    let stopped = store.stop_experiment(TENANT, id, at(7_000)).await.unwrap();
    let o2 = store
        .record_outcome(TENANT, outcome_for(&d2.decision_id, 1.0))
        .await
        .unwrap();

    let history = store.load_history(TENANT, id).await.unwrap();

    let expected = [
        HistoryEvent::Decision(d0),
        HistoryEvent::Decision(d1),
        HistoryEvent::Outcome(o1.outcome().clone()),
        HistoryEvent::Decision(d2),
        HistoryEvent::Outcome(o0.outcome().clone()),
        HistoryEvent::Outcome(o2.outcome().clone()),
    ];
    assert_eq!(history.events, expected);
    assert_eq!(history.experiment, stopped);
    let stopped_seq = stopped.stopped_seq.unwrap_or(i64::MAX);
    let learned = history
        .events
        .iter()
        .filter(|event| event.seq() < stopped_seq)
        .count();
    assert_eq!(learned, 5, "only the last outcome arrived after the stop");
}

/// A configuration reads back bit for bit, awkward floats and text included.
pub async fn configurations_read_back_exactly(store: &dyn ExperimentStore) {
    let mut new = posting_time_experiment("awkward values");
    new.config = json!({
        "priors": [0.1 + 0.2, 1e-300, 2.225_073_858_507_201_4e-308, f64::MAX, 5e-324, -0.0],
        "labels": ["Früh 🌅", "\"quoted\"", "line\nbreak"],
        "big": u64::MAX,
        "nested": {"empty": [], "null": null}
    });

    let created = store.create_experiment(TENANT, new.clone()).await.unwrap();
    let read = store
        .get_experiment(TENANT, &created.experiment_id)
        .await
        .unwrap();

    assert_eq!(read.config, new.config);
    let bits = |config: &Value| -> Vec<u64> {
        config["priors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .map(f64::to_bits)
            .collect()
    };
    assert_eq!(bits(&read.config), bits(&new.config));
}

/// Acknowledged writes are present after the store is dropped and opened again.
pub async fn writes_survive_reopening<F, Fut>(open: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Box<dyn ExperimentStore>>,
{
    let store = open().await;
    let experiment = create(store.as_ref(), TENANT, "durable").await;
    let id = experiment.experiment_id.clone();
    let decision = decide(
        store.as_ref(),
        TENANT,
        decision_for(&id, 1, Some("request-1")),
    )
    .await;
    let outcome = store
        .record_outcome(TENANT, outcome_for(&decision.decision_id, 1.0))
        .await;
    let outcome = outcome.unwrap().outcome().clone();
    let stopped = store.stop_experiment(TENANT, &id, at(9_000)).await.unwrap();
    drop(store);

    let reopened = open().await;
    let history = reopened.load_history(TENANT, &id).await.unwrap();

    assert_eq!(history.experiment, stopped);
    assert_eq!(
        history.events,
        [
            HistoryEvent::Decision(decision.clone()),
            HistoryEvent::Outcome(outcome)
        ]
    );
    let retry = reopened
        .record_decision(TENANT, decision_for(&id, 0, Some("request-1")))
        .await;
    assert_eq!(retry.unwrap(), DecisionRecorded::Existing(decision));
    let later = create(reopened.as_ref(), TENANT, "after reopen").await;
    assert!(
        later.seq > stopped.stopped_seq.unwrap_or(i64::MAX),
        "the clock must not go back"
    );
}
