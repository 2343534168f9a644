//! Server-side latency of GetBestSlots: the handler of `slotwise serve` called in process, on a
//! SQLite store in a temporary directory, for a 14-day window at 15-minute slots (1,344 slots),
//! an account with 16 weeks of 7 posts a week.
//!
//! Three cases, each timed call by call into a latency histogram (percentiles, which criterion
//! does not report):
//! - `cached`: the same request again, answered from the moka answer cache;
//! - `uncached`: a new request each call (the window moves by a minute), so the ranking runs
//!   on the account's cached posterior;
//! - `cold`: every cache of the account dropped before each call (a write to the account does
//!   exactly that), so the call reads the store, fits the posterior and ranks.
//!
//! Run with `cargo bench --bench best_slots`; it prints one line per case.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use hdrhistogram::Histogram;
use slotwise_proto::v1::{
    GetBestSlotsRequest, PutAudienceActivityRequest, ReportPostPerformanceRequest,
    audience_service_server::AudienceService, planner_service_server::PlannerService,
};
use slotwise_server::audience::AudienceApi;
use slotwise_server::learning::Learning;
use slotwise_server::planner::PlannerApi;
use slotwise_slots::PriorConfig;
use slotwise_store::{DEFAULT_TENANT, SqliteStore, SqliteStoreConfig};
use tonic::Request;

const CALLS: usize = 5_000;
const COLD_CALLS: usize = 500;

fn timestamp(instant: DateTime<Utc>) -> pbjson_types::Timestamp {
    pbjson_types::Timestamp {
        seconds: instant.timestamp(),
        nanos: 0,
    }
}

/// An evening-peaking heatmap with a lunch bump.
fn heatmap() -> Vec<f64> {
    (0..168)
        .map(|hour| match hour % 24 {
            19..=21 => 1.0,
            12 | 13 => 0.7,
            8..=18 => 0.4,
            _ => 0.08,
        })
        .collect()
}

async fn account_with_history(audience: &AudienceApi, now: DateTime<Utc>) {
    audience
        .put_audience_activity(Request::new(PutAudienceActivityRequest {
            account_id: "bakery".into(),
            time_zone: "Europe/London".into(),
            hourly_activity: heatmap(),
            metric: 0,
        }))
        .await
        .unwrap();
    for post in 0..16 * 7 {
        let posted_at = now - TimeDelta::days(112) + TimeDelta::hours(post * 24 + 7 + post % 13);
        audience
            .report_post_performance(Request::new(ReportPostPerformanceRequest {
                account_id: "bakery".into(),
                post_id: format!("post-{post}"),
                posted_at: Some(timestamp(posted_at)),
                format_id: "quick-15s".into(),
                views: 1_000 + 37 * (post as u64 % 17),
                likes: 60 + 3 * (post as u64 % 11),
                ..Default::default()
            }))
            .await
            .unwrap();
    }
}

fn request(now: DateTime<Utc>, shift_minutes: i64) -> GetBestSlotsRequest {
    let start = now + TimeDelta::minutes(shift_minutes);
    GetBestSlotsRequest {
        account_id: "bakery".into(),
        window_start: Some(timestamp(start)),
        window_end: Some(timestamp(start + TimeDelta::days(14))),
        count: 10,
        min_gap_minutes: 180,
        slot_minutes: 15,
        ..Default::default()
    }
}

fn report(case: &str, histogram: &Histogram<u64>) {
    let ms = |nanos: u64| nanos as f64 / 1e6;
    println!(
        "best_slots/{case}: calls {}, p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        histogram.len(),
        ms(histogram.value_at_quantile(0.50)),
        ms(histogram.value_at_quantile(0.90)),
        ms(histogram.value_at_quantile(0.99)),
        ms(histogram.max()),
    );
}

async fn time_calls(
    planner: &PlannerApi,
    calls: usize,
    mut before: impl FnMut(usize) -> GetBestSlotsRequest,
) -> Histogram<u64> {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 10_000_000_000, 3).unwrap();
    for call in 0..calls {
        let request = before(call);
        let started = Instant::now();
        let answer = planner.get_best_slots(Request::new(request)).await.unwrap();
        let elapsed = started.elapsed();
        assert_eq!(answer.get_ref().slots.len(), 10);
        histogram.record(elapsed.as_nanos() as u64).unwrap();
    }
    histogram
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let directory = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(SqliteStoreConfig::at(directory.path().join("bench.db")))
            .await
            .unwrap();
        let learning = Learning::new(Arc::new(store), PriorConfig::default()).unwrap();
        let audience = AudienceApi::new(learning.clone());
        let planner = PlannerApi::new(learning.clone());
        let now = Utc::now();
        account_with_history(&audience, now).await;

        // Warm up every path once.
        time_calls(&planner, 100, |call| request(now, call as i64)).await;

        let cached = time_calls(&planner, CALLS, |_| request(now, 0)).await;
        report("cached", &cached);

        let uncached = time_calls(&planner, CALLS, |call| request(now, 1_000 + call as i64)).await;
        report("uncached", &uncached);

        let cold = time_calls(&planner, COLD_CALLS, |call| {
            learning.account_changed(DEFAULT_TENANT, "bakery");
            request(now, 100_000 + call as i64)
        })
        .await;
        report("cold", &cold);
    });
    std::thread::sleep(Duration::from_millis(10));
}
