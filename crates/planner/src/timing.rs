//! A quick timing harness for the benchmark scenarios, run by hand:
//! `cargo test -p slotwise-planner --release timing -- --ignored --nocapture`.
//! It asserts nothing about speed; the criterion benches do the measuring.

use std::time::Instant;

use crate::scenarios::{four_weeks_hourly, thirteen_weeks_quarter_hourly};
use crate::{PlanRequest, plan};

fn time(label: &str, request: &PlanRequest, runs: usize) {
    let mut millis = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let schedule = plan(request).expect("plan");
        millis.push(started.elapsed().as_secs_f64() * 1000.0);
        last = Some(schedule);
    }
    millis.sort_by(f64::total_cmp);
    let schedule = last.expect("at least one run");
    eprintln!(
        "{label}: median {:.1} ms (min {:.1}, max {:.1}); status {:?}, objective {:.4}, bound {:.4}, \
         gap {:.5}, posts {}, variables {}, constraints {}, slots {}, candidate slots {}",
        millis[runs / 2],
        millis[0],
        millis[runs - 1],
        schedule.status,
        schedule.objective,
        schedule.best_bound,
        schedule.gap,
        schedule.posts.len(),
        schedule.stats.variables,
        schedule.stats.constraints,
        schedule.stats.slots,
        schedule.stats.candidate_slots,
    );
}

#[test]
#[ignore = "timing harness, run by hand in release mode"]
fn timing() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let backend = match std::env::var("BACKEND").as_deref() {
        Ok("highs") => crate::Backend::Highs,
        _ => crate::Backend::Microlp,
    };
    let strip = |mut r: PlanRequest| {
        let drop: String = std::env::var("DROP").unwrap_or_default();
        if drop.contains("series") {
            r.series.clear();
        }
        if drop.contains("campaign") {
            r.campaigns.clear();
        }
        if drop.contains("batch") {
            r.batches.clear();
        }
        if drop.contains("share") {
            r.pillars.iter_mut().for_each(|p| {
                p.min_share = None;
                p.max_share = None;
            });
            r.formats.iter_mut().for_each(|p| {
                p.min_share = None;
                p.max_share = None;
            });
        }
        if std::env::var("ELASTIC").is_ok() {
            r.allow_violations = true;
        }
        if std::env::var("CLASH").is_ok() {
            r.campaigns[0].min_posts = Some(7);
            r.campaigns[0].max_posts = None;
        }
        if drop.contains("week") {
            r.frequency.min_posts_per_week = None;
            r.frequency.max_posts_per_week = None;
        }
        r
    };
    let mut a = strip(four_weeks_hourly());
    a.solver.backend = backend;
    time("(a) 28 days hourly", &a, runs);
    let mut b = strip(thirteen_weeks_quarter_hourly());
    if std::env::var("SKIPB").is_ok() {
        return;
    }
    b.solver.relative_gap = 0.001;
    b.solver.backend = backend;
    time("(b) 91 days 15-minute, gap 0.1%", &b, runs);
}

#[test]
#[ignore = "model size report, run by hand"]
fn model_size() {
    for (label, request) in [
        ("a", four_weeks_hourly()),
        ("b", thirteen_weeks_quarter_hourly()),
    ] {
        let instance = crate::instance::Instance::new(&request).expect("instance");
        let model = crate::model::Model::build(&instance, false, crate::model::SeriesMode::Relaxed);
        let integers = model.vars.iter().filter(|v| v.integer).count();
        eprintln!(
            "{label}: grid slots {}, model slots {}, segments {}, types {}, candidate slots {}, \
             posts vars {}, episode vars {}, vars {} ({integers} integer), rows {}",
            instance.grid.slots.len(),
            instance.slots.len(),
            instance.segment_count,
            instance.types.len(),
            model.candidate.iter().filter(|c| **c).count(),
            model.assign.iter().map(Vec::len).sum::<usize>(),
            model.episodes.iter().map(Vec::len).sum::<usize>(),
            model.vars.len(),
            model.rows.len(),
        );
    }
}
