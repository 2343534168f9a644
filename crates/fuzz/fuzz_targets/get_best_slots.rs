//! A GetBestSlotsRequest from arbitrary bytes goes through what PlannerService does with it:
//! the account id check, the query conversion, then the ranking of the window's slots, which
//! validates the query first. The account is one with no posts yet (its posterior is the stated
//! heatmap), in a zone that changes its clocks, so windows across a change are ranked too.
#![no_main]

use std::sync::LazyLock;

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use slotwise_proto::v1::GetBestSlotsRequest;
use slotwise_server::{learning::account_id, planner::best_slots_query};
use slotwise_slots::{FitInput, Posterior, Prior, PriorConfig, best_slots};

/// Fitted once: a fit costs more than a whole query, and it does not depend on the input.
static POSTERIOR: LazyLock<Posterior> = LazyLock::new(|| {
    // An evening-heavy week, so that rankings are not all ties.
    let heatmap: Vec<f64> = (0..168)
        .map(|hour| 1.0 + f64::from(hour % 24) / 4.0)
        .collect();
    let prior = Prior::new(PriorConfig::default()).expect("the default prior is valid");
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
        .single()
        .expect("a valid instant");
    let input = FitInput {
        heatmap: &heatmap,
        time_zone: chrono_tz::Europe::London,
        evidence: &[],
        now,
        format_id: None,
    };
    prior
        .fit(&input)
        .expect("a posterior without evidence fits")
});

fuzz_target!(|data: &[u8]| {
    let Ok(request) = GetBestSlotsRequest::decode(data) else {
        return;
    };
    if account_id("account_id", &request.account_id).is_err() {
        return;
    }
    let Ok((query, _seed)) = best_slots_query(&request) else {
        return;
    };
    let _ = best_slots(&POSTERIOR, &query);
});
