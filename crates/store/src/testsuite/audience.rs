//! Conformance scenarios of [`AudienceStore`]: activity versions, post performance once per
//! post, decision ids that must exist, tenants that never see each other, values kept faithfully.

use std::sync::Arc;

use chrono::Duration;
use tokio::task::JoinSet;

use super::{OTHER_TENANT, TENANT, at, decision_for, posting_time_experiment};
use crate::{
    AudienceStore, DecisionRecorded, ExperimentStore, LearningMetric, NewAudienceActivity,
    NewPostPerformance, NewSlotDecision, PerformanceRecorded, StoreError,
};

/// An evening-peaking week of activity, slightly different per `variant`.
pub fn activity_for(account_id: &str, variant: f64) -> NewAudienceActivity {
    NewAudienceActivity {
        account_id: account_id.to_owned(),
        time_zone: "Europe/London".to_owned(),
        hourly_activity: (0..168)
            .map(|hour| ((hour % 24) as f64 / 23.0 + variant) / 3.0)
            .collect(),
        metric: LearningMetric::Engagements,
        updated_at: at(0),
    }
}

/// The performance of post `post_id`, posted `hours` after the scenarios' epoch.
pub fn performance_for(account_id: &str, post_id: &str, hours: i64) -> NewPostPerformance {
    NewPostPerformance {
        account_id: account_id.to_owned(),
        post_id: post_id.to_owned(),
        posted_at: at(0) + Duration::hours(hours),
        pillar_id: "educational".to_owned(),
        format_id: "quick-15s".to_owned(),
        views: 1_200,
        likes: 80,
        comments: 6,
        shares: 4,
        saves: 10,
        follows: 2,
        average_watch_seconds: Some(9.5),
        decision_id: None,
        reported_at: at(0) + Duration::hours(hours + 48),
    }
}

fn slot_decision_for(account_id: &str) -> NewSlotDecision {
    NewSlotDecision {
        account_id: account_id.to_owned(),
        slot_start: at(3_600 * 19),
        hour_of_week: 19,
        expected_value: 0.6,
        drawn_value: 0.9,
        decided_at: at(0),
    }
}

pub async fn activity_versions_read_back(store: &dyn AudienceStore) {
    let first = store
        .put_audience_activity(TENANT, activity_for("bakery", 0.0))
        .await
        .unwrap();
    let second = store
        .put_audience_activity(TENANT, activity_for("bakery", 0.25))
        .await
        .unwrap();

    assert_eq!((first.version, second.version), (1, 2));
    let latest = store
        .get_audience_activity(TENANT, "bakery", None)
        .await
        .unwrap();
    assert_eq!(latest, second, "the latest version reads back as stored");
    let earlier = store
        .get_audience_activity(TENANT, "bakery", Some(1))
        .await
        .unwrap();
    assert_eq!(
        earlier.hourly_activity,
        activity_for("bakery", 0.0).hourly_activity,
        "values read back bit for bit"
    );
    assert!(matches!(
        store.get_audience_activity(TENANT, "bakery", Some(3)).await,
        Err(StoreError::ActivityVersionNotFound { version: 3, .. })
    ));
    assert!(matches!(
        store.get_audience_activity(TENANT, "gym", None).await,
        Err(StoreError::AccountNotFound { .. })
    ));
}

pub async fn other_tenants_accounts_are_not_found(store: &dyn AudienceStore) {
    store
        .put_audience_activity(TENANT, activity_for("bakery", 0.0))
        .await
        .unwrap();
    store
        .record_post_performance(TENANT, performance_for("bakery", "post-1", 19))
        .await
        .unwrap();
    let decision = store
        .record_slot_decisions(TENANT, vec![slot_decision_for("bakery")])
        .await
        .unwrap()
        .remove(0);

    assert!(matches!(
        store
            .get_audience_activity(OTHER_TENANT, "bakery", None)
            .await,
        Err(StoreError::AccountNotFound { .. })
    ));
    assert!(matches!(
        store
            .record_post_performance(OTHER_TENANT, performance_for("bakery", "post-2", 20))
            .await,
        Err(StoreError::AccountNotFound { .. })
    ));
    let posts = store
        .list_post_performance(OTHER_TENANT, "bakery")
        .await
        .unwrap();
    assert!(posts.is_empty(), "another tenant sees no posts");
    assert!(matches!(
        store
            .get_slot_decision(OTHER_TENANT, &decision.decision_id)
            .await,
        Err(StoreError::DecisionNotFound { .. })
    ));
}

pub async fn post_performance_is_recorded_once(store: &dyn AudienceStore) {
    store
        .put_audience_activity(TENANT, activity_for("bakery", 0.0))
        .await
        .unwrap();
    let report = performance_for("bakery", "post-1", 19);

    let first = store.record_post_performance(TENANT, report.clone()).await;
    let again = store
        .record_post_performance(
            TENANT,
            NewPostPerformance {
                reported_at: report.reported_at + Duration::hours(1),
                ..report.clone()
            },
        )
        .await;
    let changed = store
        .record_post_performance(
            TENANT,
            NewPostPerformance {
                views: report.views + 1,
                ..report.clone()
            },
        )
        .await;

    assert_eq!(
        first.unwrap(),
        PerformanceRecorded::Inserted { account_posts: 1 }
    );
    assert_eq!(
        again.unwrap(),
        PerformanceRecorded::AlreadyRecorded { account_posts: 1 },
        "the same figures again are counted once"
    );
    assert!(matches!(
        changed,
        Err(StoreError::PerformanceConflict { .. })
    ));
    let posts = store.list_post_performance(TENANT, "bakery").await.unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].post, report, "the first report is kept as it was");
}

pub async fn post_performance_lists_oldest_post_first(store: &dyn AudienceStore) {
    store
        .put_audience_activity(TENANT, activity_for("bakery", 0.0))
        .await
        .unwrap();
    for (post, hours) in [("late", 60), ("early", 10), ("middle", 30)] {
        store
            .record_post_performance(TENANT, performance_for("bakery", post, hours))
            .await
            .unwrap();
    }

    let posts = store.list_post_performance(TENANT, "bakery").await.unwrap();

    let order: Vec<&str> = posts.iter().map(|p| p.post.post_id.as_str()).collect();
    assert_eq!(order, ["early", "middle", "late"]);
}

/// Generic over a backend that stores experiments too: a post may name a bandit decision.
pub async fn decision_ids_must_exist<S>(store: &S)
where
    S: AudienceStore + ExperimentStore,
{
    store
        .put_audience_activity(TENANT, activity_for("bakery", 0.0))
        .await
        .unwrap();
    let slot = store
        .record_slot_decisions(TENANT, vec![slot_decision_for("bakery")])
        .await
        .unwrap()
        .remove(0);
    let experiment = store
        .create_experiment(TENANT, posting_time_experiment("morning or evening"))
        .await
        .unwrap();
    let DecisionRecorded::Inserted(bandit) = store
        .record_decision(TENANT, decision_for(&experiment.experiment_id, 1, None))
        .await
        .unwrap()
    else {
        panic!("a first decision is inserted");
    };

    let with = |post: &str, decision: &str| NewPostPerformance {
        decision_id: Some(decision.to_owned()),
        ..performance_for("bakery", post, 19)
    };
    let unknown = store
        .record_post_performance(TENANT, with("post-1", "slot_missing"))
        .await;
    let by_slot = store
        .record_post_performance(TENANT, with("post-2", &slot.decision_id))
        .await;
    let by_bandit = store
        .record_post_performance(TENANT, with("post-3", &bandit.decision_id))
        .await;

    assert!(matches!(unknown, Err(StoreError::DecisionNotFound { .. })));
    assert!(by_slot.is_ok(), "{by_slot:?}");
    assert!(by_bandit.is_ok(), "{by_bandit:?}");
    let read = store
        .get_slot_decision(TENANT, &slot.decision_id)
        .await
        .unwrap();
    assert_eq!(read, slot, "a slot decision reads back as stored");
}

pub async fn unfaithful_audience_values_are_rejected(store: &dyn AudienceStore) {
    let mut not_a_number = activity_for("bakery", 0.0);
    not_a_number.hourly_activity[5] = f64::NAN;
    let mut short = activity_for("bakery", 0.0);
    short.hourly_activity.pop();

    for activity in [not_a_number, short] {
        assert!(matches!(
            store.put_audience_activity(TENANT, activity).await,
            Err(StoreError::InvalidValue {
                field: "hourly_activity",
                ..
            })
        ));
    }
    store
        .put_audience_activity(TENANT, activity_for("bakery", 0.0))
        .await
        .unwrap();
    let huge = NewPostPerformance {
        views: u64::MAX,
        ..performance_for("bakery", "post-1", 19)
    };
    let negative = NewPostPerformance {
        average_watch_seconds: Some(-1.0),
        ..performance_for("bakery", "post-2", 19)
    };
    assert!(matches!(
        store.record_post_performance(TENANT, huge).await,
        Err(StoreError::InvalidValue { field: "views", .. })
    ));
    assert!(matches!(
        store.record_post_performance(TENANT, negative).await,
        Err(StoreError::InvalidValue {
            field: "average_watch_seconds",
            ..
        })
    ));
    assert!(
        store
            .list_post_performance(TENANT, "bakery")
            .await
            .unwrap()
            .is_empty()
    );
}

/// Many clients report at once, each post twice: every post is kept exactly once.
pub async fn concurrent_reports_are_counted_once(store: Arc<dyn AudienceStore>) {
    const POSTS: i64 = 200;
    store
        .put_audience_activity(TENANT, activity_for("bakery", 0.0))
        .await
        .unwrap();

    let mut reports = JoinSet::new();
    for _copy in 0..2 {
        for post in 0..POSTS {
            let store = store.clone();
            reports.spawn(async move {
                let report = performance_for("bakery", &format!("post-{post}"), post);
                store.record_post_performance(TENANT, report).await
            });
        }
    }
    let mut inserted = 0;
    while let Some(answer) = reports.join_next().await {
        if let PerformanceRecorded::Inserted { .. } = answer.unwrap().unwrap() {
            inserted += 1;
        }
    }

    assert_eq!(inserted, POSTS, "each post is inserted once");
    let posts = store.list_post_performance(TENANT, "bakery").await.unwrap();
    assert_eq!(posts.len() as i64, POSTS);
}
