//! End-to-end: audience data, learned best slots and exploration inside a plan, through a real
//! tonic client against `slotwise serve` on a free port.

#![allow(clippy::unwrap_used)]

mod support;

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use chrono_tz::Europe::London;
use slotwise_proto::v1::{
    EvidenceLevel, GetAudienceActivityRequest, GetBestSlotsRequest, GetBestSlotsResponse,
    PutAudienceActivityRequest, ReportPostPerformanceRequest, SlotMode, SolveStatus,
    audience_service_client::AudienceServiceClient, planner_service_client::PlannerServiceClient,
};
use support::{ServerProcess, example};
use tonic::{Code, transport::Channel};

type Audience = AudienceServiceClient<Channel>;
type Planner = PlannerServiceClient<Channel>;

async fn clients(server: &ServerProcess) -> (Audience, Planner) {
    let channel = Channel::from_shared(server.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    (
        AudienceServiceClient::new(channel.clone()),
        PlannerServiceClient::new(channel),
    )
}

fn timestamp(instant: DateTime<Utc>) -> pbjson_types::Timestamp {
    pbjson_types::Timestamp {
        seconds: instant.timestamp(),
        nanos: 0,
    }
}

/// A heatmap that believes in lunch: 12:00 every day is the peak, the rest of the day is
/// middling and the night is quiet.
fn lunch_heatmap() -> Vec<f64> {
    (0..168)
        .map(|hour| match hour % 24 {
            12 => 1.0,
            11 | 13 => 0.7,
            8..=22 => 0.4,
            _ => 0.1,
        })
        .collect()
}

async fn put_bakery(audience: &mut Audience) {
    audience
        .put_audience_activity(PutAudienceActivityRequest {
            account_id: "bakery".into(),
            time_zone: "Europe/London".into(),
            hourly_activity: lunch_heatmap(),
            metric: 0,
        })
        .await
        .unwrap();
}

/// A post of `days_ago` days at `hour`:00 London time with `engagements` likes.
fn post(id: &str, days_ago: i64, hour: u32, engagements: u64) -> ReportPostPerformanceRequest {
    let day = (Utc::now() - Duration::days(days_ago)).with_timezone(&London);
    let local = London
        .with_ymd_and_hms(day.year(), day.month(), day.day(), hour, 0, 0)
        .earliest()
        .unwrap();
    ReportPostPerformanceRequest {
        account_id: "bakery".into(),
        post_id: id.into(),
        posted_at: Some(timestamp(local.with_timezone(&Utc))),
        pillar_id: "product-spotlight".into(),
        format_id: "quick-15s".into(),
        views: engagements * 12,
        likes: engagements,
        ..Default::default()
    }
}

fn next_week() -> GetBestSlotsRequest {
    let now = Utc::now();
    GetBestSlotsRequest {
        account_id: "bakery".into(),
        window_start: Some(timestamp(now)),
        window_end: Some(timestamp(now + Duration::days(14))),
        count: 5,
        min_gap_minutes: 180,
        ..Default::default()
    }
}

async fn best_slots(planner: &mut Planner, request: GetBestSlotsRequest) -> GetBestSlotsResponse {
    planner.get_best_slots(request).await.unwrap().into_inner()
}

fn local_hour(slot: &slotwise_proto::v1::BestSlot) -> u32 {
    let start = slot.start_time.unwrap();
    DateTime::from_timestamp(start.seconds, 0)
        .unwrap()
        .with_timezone(&London)
        .hour()
}

#[tokio::test]
async fn activity_is_versioned_and_bad_values_are_named() {
    let server = ServerProcess::start();
    let (mut audience, _) = clients(&server).await;
    put_bakery(&mut audience).await;
    put_bakery(&mut audience).await;

    let latest = audience
        .get_audience_activity(GetAudienceActivityRequest {
            account_id: "bakery".into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(latest.version, 2);
    assert_eq!(latest.hourly_activity, lunch_heatmap());

    let mut not_a_number = lunch_heatmap();
    not_a_number[30] = f64::NAN;
    let refusals = [
        ("hourly_activity[30]", "Europe/London", not_a_number),
        (
            "hourly_activity must have 168",
            "Europe/London",
            vec![1.0; 24],
        ),
        ("time_zone", "Europe/Londinium", lunch_heatmap()),
    ];
    for (field, zone, values) in refusals {
        let status = audience
            .put_audience_activity(PutAudienceActivityRequest {
                account_id: "bakery".into(),
                time_zone: zone.into(),
                hourly_activity: values,
                metric: 0,
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}");
        assert!(status.message().starts_with(field), "{}", status.message());
    }
    let missing = audience
        .get_audience_activity(GetAudienceActivityRequest {
            account_id: "gym".into(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test]
async fn post_performance_is_counted_once_per_post() {
    let server = ServerProcess::start();
    let (mut audience, _) = clients(&server).await;
    put_bakery(&mut audience).await;

    let first = audience
        .report_post_performance(post("p1", 3, 19, 90))
        .await;
    let again = audience
        .report_post_performance(post("p1", 3, 19, 90))
        .await;
    let changed = audience
        .report_post_performance(post("p1", 3, 19, 91))
        .await;
    let mut with_unknown_decision = post("p2", 2, 19, 90);
    with_unknown_decision.decision_id = "slot_nothing".into();
    let unknown_decision = audience
        .report_post_performance(with_unknown_decision)
        .await;
    let mut other_account = post("p3", 2, 19, 90);
    other_account.account_id = "gym".into();
    let unknown_account = audience.report_post_performance(other_account).await;

    assert!(!first.unwrap().into_inner().already_recorded);
    let again = again.unwrap().into_inner();
    assert!(again.already_recorded);
    assert_eq!(again.account_posts, 1);
    assert_eq!(changed.unwrap_err().code(), Code::AlreadyExists);
    assert_eq!(unknown_decision.unwrap_err().code(), Code::NotFound);
    assert_eq!(unknown_account.unwrap_err().code(), Code::NotFound);
}

#[tokio::test]
async fn best_slots_follow_the_evidence_away_from_a_wrong_heatmap() {
    let server = ServerProcess::start();
    let (mut audience, mut planner) = clients(&server).await;
    put_bakery(&mut audience).await;

    let before = best_slots(&mut planner, next_week()).await;
    assert_eq!(
        local_hour(&before.slots[0]),
        12,
        "the heatmap alone says lunch"
    );
    assert!(
        before
            .slots
            .iter()
            .all(|slot| slot.evidence() == EvidenceLevel::PriorOnly)
    );
    assert_eq!(before.ranking, "posterior mean");

    // Four weeks of posts: evenings do well, lunches poorly.
    for day in 1..=28 {
        let (hour, engagements) = if day % 2 == 0 { (20, 400) } else { (12, 40) };
        audience
            .report_post_performance(post(&format!("p{day}"), day, hour, engagements))
            .await
            .unwrap();
    }
    let after = best_slots(&mut planner, next_week()).await;

    assert_eq!(after.evidence_posts, 28);
    assert_eq!(local_hour(&after.slots[0]), 20, "{:#?}", after.slots[0]);
    let top = &after.slots[0];
    assert_ne!(top.evidence(), EvidenceLevel::PriorOnly);
    assert!(top.low <= top.expected_value && top.expected_value <= top.high);
    assert!(
        top.expected_value > top.stated_value,
        "evidence lifted the evening"
    );
    for pair in after.slots.windows(2) {
        let apart = pair[1].start_time.unwrap().seconds - pair[0].start_time.unwrap().seconds;
        assert!(apart.abs() >= 180 * 60, "slots keep the gap");
    }
}

#[tokio::test]
async fn explore_ranks_by_a_seeded_draw() {
    let server = ServerProcess::start();
    let (mut audience, mut planner) = clients(&server).await;
    put_bakery(&mut audience).await;
    audience
        .report_post_performance(post("p1", 2, 20, 300))
        .await
        .unwrap();

    let explore = |seed| GetBestSlotsRequest {
        mode: SlotMode::Explore as i32,
        seed,
        ..next_week()
    };
    let first = best_slots(&mut planner, explore(7)).await;
    let again = best_slots(&mut planner, explore(7)).await;
    let fresh = best_slots(&mut planner, explore(0)).await;

    assert_eq!(first, again, "the same seed ranks alike");
    assert_eq!(first.ranking, "posterior draw (Thompson sampling)");
    assert_eq!(first.seed, 7);
    assert_ne!(fresh.seed, 0, "a fresh seed is drawn and returned");
    let bad = planner
        .get_best_slots(GetBestSlotsRequest {
            count: 0,
            ..next_week()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().contains("count"), "{}", bad.message());
}

#[tokio::test]
async fn a_plan_by_account_explores_and_its_posts_report_back() {
    let server = ServerProcess::start();
    let (mut audience, mut planner) = clients(&server).await;
    put_bakery(&mut audience).await;
    let mut request = example("bakery");
    request.heatmap.clear();
    request.account_id = "bakery".into();
    request.exploration_share = 0.3;
    request.exploration_seed = 11;

    let response = planner
        .optimize_schedule(request.clone())
        .await
        .unwrap()
        .into_inner();

    assert_ne!(response.status(), SolveStatus::Infeasible);
    assert_eq!(response.activity_version, 1);
    assert_eq!(response.exploration_seed, 11);
    let exploratory: Vec<_> = response.posts.iter().filter(|p| p.exploratory).collect();
    assert!(!exploratory.is_empty(), "a share of the posts explores");
    assert!(
        exploratory
            .iter()
            .all(|p| p.decision_id.starts_with("slot_"))
    );
    let mut report = post("explored-1", 1, 12, 50);
    report.decision_id = exploratory[0].decision_id.clone();
    audience.report_post_performance(report).await.unwrap();

    request.heatmap = lunch_heatmap();
    let both = planner.optimize_schedule(request).await.unwrap_err();
    assert_eq!(both.code(), Code::InvalidArgument);
    assert!(both.message().starts_with("heatmap"), "{}", both.message());
}

#[tokio::test]
async fn audience_data_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let database = data.path().join("slotwise.db");
    let server = ServerProcess::start_with_database(&database);
    let (mut audience, _) = clients(&server).await;
    put_bakery(&mut audience).await;
    audience
        .report_post_performance(post("p1", 2, 20, 300))
        .await
        .unwrap();
    server.kill();

    let server = ServerProcess::start_with_database(&database);
    let (mut audience, mut planner) = clients(&server).await;
    let again = audience
        .report_post_performance(post("p1", 2, 20, 300))
        .await
        .unwrap()
        .into_inner();
    let slots = best_slots(&mut planner, next_week()).await;

    assert!(again.already_recorded, "the post was kept across the kill");
    assert_eq!(slots.evidence_posts, 1);
}
