//! End-to-end: `slotwise plan` on the example requests.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use slotwise_proto::v1::{OptimizeScheduleResponse, SolveStatus};

fn plan(example: &str, out: &std::path::Path) -> String {
    let request = format!("{}/examples/{example}.json", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_slotwise"))
        .args(["plan", &request, "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_bakery_calendar_is_printed_by_week_in_london_time() {
    let out = std::env::temp_dir().join(format!("slotwise-bakery-{}.json", std::process::id()));
    let calendar = plan("bakery", &out);

    assert!(calendar.starts_with("OPTIMAL"), "{calendar}");
    assert!(calendar.contains("Europe/London"), "{calendar}");
    for week in [
        "Week 2027-W09",
        "Week 2027-W10",
        "Week 2027-W11",
        "Week 2027-W12",
    ] {
        assert!(calendar.contains(week), "{week} missing from\n{calendar}");
    }

    let response: OptimizeScheduleResponse =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(response.status(), SolveStatus::Optimal);
    // Fresh Friday: every Friday of March 2027 carries a product post.
    for friday in ["2027-03-05", "2027-03-12", "2027-03-19", "2027-03-26"] {
        assert!(
            response
                .posts
                .iter()
                .any(|post| post.local_time.starts_with(friday) && post.pillar_id == "product"),
            "no product post on {friday}"
        );
    }
    std::fs::remove_file(out).unwrap();
}

#[test]
fn every_example_plans_from_the_command_line() {
    for example in ["fitness-studio", "skincare-launch"] {
        let out =
            std::env::temp_dir().join(format!("slotwise-{example}-{}.json", std::process::id()));
        let calendar = plan(example, &out);
        assert!(
            calendar.starts_with("OPTIMAL") || calendar.starts_with("FEASIBLE"),
            "{calendar}"
        );
        let response: OptimizeScheduleResponse =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert!(!response.posts.is_empty());
        std::fs::remove_file(out).unwrap();
    }
}
