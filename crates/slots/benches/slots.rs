//! Criterion benchmarks of what a scheduler's "add to queue" call pays for: fitting an account's
//! posterior to 16 weeks of 7 posts a week (target: well under 2 ms) and ranking the 1,344
//! quarter-hour slots of a 14-day window (target: well under 1 ms), by learned value and by a
//! Thompson draw. Also measured: the worst case of the fit, every post at an hour of its own,
//! one joint draw, and building the prior, which a service does once at start-up.
//!
//! Run: `cargo bench -p slotwise-slots --bench slots`.

use std::collections::HashSet;
use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use slotwise_slots::{
    BestSlotsQuery, FitInput, HOURS_PER_WEEK, PostEvidence, Posterior, Prior, PriorConfig,
    SlotMode, best_slots, hour_of_week,
};

const TIME_ZONE: Tz = chrono_tz::Europe::Berlin;
const WEEKS: i64 = 16;
const POSTS_PER_WEEK: i64 = 7;

/// Monday 2027-05-03 00:00 in Berlin, the instant the fit is made at.
fn now() -> DateTime<Utc> {
    TIME_ZONE
        .with_ymd_and_hms(2027, 5, 3, 0, 0, 0)
        .single()
        .map(|local| local.with_timezone(&Utc))
        .expect("midnight exists in Berlin")
}

/// Evening-heavy activity, quiet nights.
fn heatmap() -> Vec<f64> {
    (0..HOURS_PER_WEEK)
        .map(|hour| {
            let h = (hour % 24) as f64;
            0.05 + (-(h - 19.0).powi(2) / 18.0).exp() + 0.4 * (-(h - 12.5).powi(2) / 2.0).exp()
        })
        .collect()
}

/// One post a day for 16 weeks; `hour_of` picks its local hour from (week, day).
fn evidence(hour_of: impl Fn(i64, i64) -> i64) -> Vec<PostEvidence> {
    let first_day = now() - Duration::weeks(WEEKS);
    (0..WEEKS)
        .flat_map(|week| (0..POSTS_PER_WEEK).map(move |day| (week, day)))
        .map(|(week, day)| {
            let posted_at =
                first_day + Duration::days(week * 7 + day) + Duration::hours(hour_of(week, day));
            PostEvidence {
                posted_at,
                value: 400.0 + ((week * 37 + day * 101) % 23) as f64 * 150.0,
                format_id: None,
            }
        })
        .collect()
}

/// A scheduler-like account: posts at a dozen different times of day, 40-odd distinct hours
/// of the week.
fn typical_evidence() -> Vec<PostEvidence> {
    evidence(|week, day| 9 + (week * 5 + day * 3) % 13)
}

/// Every post at an hour of the week of its own: 112 observations to condition on.
fn scattered_evidence() -> Vec<PostEvidence> {
    evidence(|week, _| week % 16 + 6)
}

fn fit(prior: &Prior, heatmap: &[f64], evidence: &[PostEvidence]) -> Posterior {
    prior
        .fit(&FitInput {
            heatmap,
            time_zone: TIME_ZONE,
            evidence,
            now: now(),
            format_id: None,
        })
        .expect("valid input")
}

fn query(mode: SlotMode) -> BestSlotsQuery {
    BestSlotsQuery {
        window_start: now(),
        window_end: now() + Duration::days(14),
        slot_minutes: 15,
        count: 10,
        min_gap_minutes: 180,
        existing_posts: vec![now() + Duration::hours(43), now() + Duration::hours(115)],
        mode,
    }
}

fn bench_fit(c: &mut Criterion) {
    let prior = Prior::new(PriorConfig::default()).expect("default config");
    let heatmap = heatmap();
    let typical = typical_evidence();
    let scattered = scattered_evidence();
    eprintln!(
        "distinct hours: typical {}, scattered {}",
        distinct_hours(&typical),
        distinct_hours(&scattered),
    );

    c.bench_function("fit 16 weeks x 7 posts", |b| {
        b.iter(|| fit(&prior, black_box(&heatmap), black_box(&typical)))
    });
    c.bench_function("fit 16 weeks x 7 posts, 112 distinct hours", |b| {
        b.iter(|| fit(&prior, black_box(&heatmap), black_box(&scattered)))
    });
    c.bench_function("prior from config", |b| {
        b.iter(|| Prior::new(black_box(PriorConfig::default())))
    });
}

/// Hours of the week that hold at least one post: the size of the conditioning.
fn distinct_hours(evidence: &[PostEvidence]) -> usize {
    let hours: HashSet<usize> = evidence
        .iter()
        .map(|post| hour_of_week(post.posted_at, TIME_ZONE))
        .collect();
    hours.len()
}

fn bench_best_slots(c: &mut Criterion) {
    let prior = Prior::new(PriorConfig::default()).expect("default config");
    let posterior = fit(&prior, &heatmap(), &typical_evidence());
    let exploit = query(SlotMode::Exploit);
    let explore = query(SlotMode::Explore { seed: 7 });

    c.bench_function("best_slots 14 days x 15 min, exploit", |b| {
        b.iter(|| best_slots(black_box(&posterior), black_box(&exploit)))
    });
    c.bench_function("best_slots 14 days x 15 min, explore", |b| {
        b.iter(|| best_slots(black_box(&posterior), black_box(&explore)))
    });
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    c.bench_function("one joint draw of 168 values", |b| {
        b.iter(|| posterior.draw(&mut rng))
    });
}

criterion_group!(benches, bench_fit, bench_best_slots);
criterion_main!(benches);
