//! Criterion benchmarks of the planner on the two calendars of `slotwise_planner::scenarios`:
//! (a) 28 days of hourly slots solved to proven optimality and (b) 91 days of 15-minute slots
//! solved to a relative gap of 0.1%.
//!
//! Groups: `planner-microlp` (the default build's backend); with `--features highs` also
//! `planner-highs` and `naive-highs`, the baseline model of `planner/naive.rs` with one binary
//! per slot x pillar x format. Every schedule is checked once before it is timed: a bench of a
//! wrong answer would be worse than none. `benches/run-planner.sh` runs them all and records the
//! medians.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use slotwise_planner::check::check_schedule;
use slotwise_planner::scenarios::{four_weeks_hourly, thirteen_weeks_quarter_hourly};
use slotwise_planner::{Backend, PlanRequest, Schedule, SolveStatus, SolverOptions, plan};

// A bench root resolves modules beside it, where cargo would take a file for another bench.
#[cfg(feature = "highs")]
#[path = "planner/naive.rs"]
mod naive;

/// Far above every target, so that a slow solve shows as slow rather than as a stopped one.
const TIME_LIMIT_MS: u64 = 60_000;

/// A scenario with the gap it is solved to.
struct Case {
    name: &'static str,
    request: PlanRequest,
    relative_gap: f64,
}

fn cases(backend: Backend) -> [Case; 2] {
    let solver = |relative_gap| SolverOptions {
        time_limit_ms: TIME_LIMIT_MS,
        relative_gap,
        backend,
    };
    let mut four_weeks = four_weeks_hourly();
    four_weeks.solver = solver(0.0);
    let mut thirteen_weeks = thirteen_weeks_quarter_hourly();
    thirteen_weeks.solver = solver(0.001);
    [
        Case {
            name: "a-28d-hourly-optimal",
            request: four_weeks,
            relative_gap: 0.0,
        },
        Case {
            name: "b-91d-15min-gap0.001",
            request: thirteen_weeks,
            relative_gap: 0.001,
        },
    ]
}

/// Plans once and stops the benchmark unless the schedule is valid and within its gap.
fn verified(case: &Case) -> Schedule {
    let schedule = match plan(&case.request) {
        Ok(schedule) => schedule,
        Err(error) => panic!("{}: plan failed: {error}", case.name),
    };
    let broken = check_schedule(&case.request, &schedule);
    assert!(broken.is_empty(), "{}: broken rules {broken:#?}", case.name);
    assert_ne!(
        schedule.status,
        SolveStatus::Infeasible,
        "{}: infeasible",
        case.name
    );
    if case.relative_gap == 0.0 {
        assert_eq!(
            schedule.status,
            SolveStatus::Optimal,
            "{}: not proven optimal",
            case.name
        );
    }
    assert!(
        schedule.gap <= case.relative_gap + 1e-9,
        "{}: gap {}",
        case.name,
        schedule.gap
    );
    eprintln!(
        "{}: {:?}, objective {:.6}, bound {:.6}, {} posts, {} variables, {} constraints, \
         {}/{} candidate slots",
        case.name,
        schedule.status,
        schedule.objective,
        schedule.best_bound,
        schedule.posts.len(),
        schedule.stats.variables,
        schedule.stats.constraints,
        schedule.stats.candidate_slots,
        schedule.stats.slots
    );
    schedule
}

fn bench_backend(c: &mut Criterion, group_name: &str, backend: Backend) {
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for case in cases(backend) {
        verified(&case);
        group.bench_function(case.name, |b| b.iter(|| plan(black_box(&case.request))));
    }
    group.finish();
}

fn microlp_backend(c: &mut Criterion) {
    bench_backend(c, "planner-microlp", Backend::Microlp);
}

#[cfg(feature = "highs")]
fn highs_backend(c: &mut Criterion) {
    bench_backend(c, "planner-highs", Backend::Highs);
}

/// The naive model on the same requests; its objective must match the planner's. Scenario (b)
/// takes the naive model minutes, too long for criterion's ten samples, so it is timed over
/// three plain runs and its median printed as `naive-highs/<case> median of 3 runs`.
#[cfg(feature = "highs")]
fn naive_baseline(c: &mut Criterion) {
    let mut group = c.benchmark_group("naive-highs");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for case in cases(Backend::Highs) {
        let gap = case.relative_gap as f32;
        let started = std::time::Instant::now();
        let outcome = match naive::solve(&case.request, gap) {
            Ok(outcome) => outcome,
            // The baseline is allowed to fail: that it finds nothing within its time limit is
            // the comparison.
            Err(error) => {
                eprintln!(
                    "naive-highs/{}: no schedule after {:.1} s: {error}",
                    case.name,
                    started.elapsed().as_secs_f64()
                );
                continue;
            }
        };
        let first_run = started.elapsed();
        let planned = verified(&case);
        eprintln!(
            "{}: naive objective {:.6} with {} posts, {} binaries, {} constraints, {:.3} s",
            case.name,
            outcome.objective,
            outcome.posts,
            outcome.binaries,
            outcome.constraints,
            first_run.as_secs_f64()
        );
        let tolerance = (case.relative_gap + 1e-6) * planned.best_bound.max(outcome.objective);
        assert!(
            (outcome.objective - planned.objective).abs() <= tolerance,
            "{}: naive objective {} against the planner's {}",
            case.name,
            outcome.objective,
            planned.objective
        );

        if first_run > Duration::from_secs(10) {
            time_plainly(&format!("naive-highs/{}", case.name), first_run, || {
                naive::solve(&case.request, gap)
            });
        } else {
            group.bench_function(case.name, |b| {
                b.iter(|| naive::solve(black_box(&case.request), gap))
            });
        }
    }
    group.finish();
}

/// Two more runs beside `first_run`; prints their median.
#[cfg(feature = "highs")]
fn time_plainly<T>(id: &str, first_run: Duration, mut run: impl FnMut() -> T) {
    let mut runs = vec![first_run];
    for _ in 0..2 {
        let started = std::time::Instant::now();
        black_box(run());
        runs.push(started.elapsed());
    }
    runs.sort();
    let seconds: Vec<String> = runs
        .iter()
        .map(|run| format!("{:.3}", run.as_secs_f64()))
        .collect();
    eprintln!(
        "{id} median of 3 runs: {:.3} s (runs {})",
        runs[1].as_secs_f64(),
        seconds.join(", ")
    );
}

#[cfg(feature = "highs")]
criterion_group!(benches, microlp_backend, highs_backend, naive_baseline);
#[cfg(not(feature = "highs"))]
criterion_group!(benches, microlp_backend);
criterion_main!(benches);
