//! The benchmark scenarios as request files: `benches/scenarios/*.json` must be exactly what
//! `slotwise_planner::scenarios` builds, so that `slotwise plan` (and its peak memory, measured
//! by `benches/run-planner.sh`) runs the calendar the benchmarks time.
//!
//! `SLOTWISE_BLESS=1 cargo test --test scenario_files` rewrites the files after a change to the
//! scenarios.

#[path = "scenario_files/proto_json.rs"]
mod proto_json;

use std::path::PathBuf;

use slotwise_planner::PlanRequest;
use slotwise_planner::scenarios::{four_weeks_hourly, thirteen_weeks_quarter_hourly};
use slotwise_proto::v1::OptimizeScheduleRequest;
use slotwise_server::convert::plan_request_from_proto;

/// The scenarios with the solver settings their benchmarks use.
fn scenario_files() -> [(&'static str, PlanRequest); 2] {
    let mut four_weeks = four_weeks_hourly();
    four_weeks.solver.time_limit_ms = 60_000;
    let mut thirteen_weeks = thirteen_weeks_quarter_hourly();
    thirteen_weeks.solver.time_limit_ms = 60_000;
    thirteen_weeks.solver.relative_gap = 0.001;
    [
        ("a-28d-hourly.json", four_weeks),
        ("b-91d-15min.json", thirteen_weeks),
    ]
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("benches/scenarios")
        .join(name)
}

#[test]
fn scenario_files_are_what_the_scenarios_build() {
    let bless = std::env::var_os("SLOTWISE_BLESS").is_some();
    for (name, request) in scenario_files() {
        let expected = proto_json::plan_request_json(&request);
        if bless {
            let text = serde_json::to_string_pretty(&expected).unwrap() + "\n";
            std::fs::write(path(name), text).unwrap();
        }

        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path(name)).unwrap()).unwrap();
        assert_eq!(
            written, expected,
            "{name} is stale: rerun with SLOTWISE_BLESS=1"
        );
    }
}

#[test]
fn scenario_files_read_back_as_the_scenarios() {
    for (name, request) in scenario_files() {
        let text = std::fs::read_to_string(path(name)).unwrap();
        let proto: OptimizeScheduleRequest = serde_json::from_str(&text).unwrap();

        assert_eq!(plan_request_from_proto(&proto).unwrap(), request, "{name}");
    }
}
