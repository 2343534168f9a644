//! Properties of the fitted posterior: the prior is the heatmap, evidence moves the right
//! hours by the right amounts, decay and more evidence act as they should, the conditioning
//! matches an independent computation and the draws have the posterior's moments.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use nalgebra::{Cholesky, DMatrix, DVector};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

use crate::conditioning::Conditioning;
use crate::evidence::aggregate;
use crate::heatmap::StatedHeatmap;
use crate::prior::NUGGET;
use crate::week::{HOURS_PER_WEEK, circular_distance};
use crate::{EvidenceLevel, FitInput, PostEvidence, Posterior, Prior, PriorConfig};

/// Monday 2026-06-01 00:00 UTC; the tests' accounts are in UTC unless they say otherwise.
fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
}

/// Wednesday 18:00.
const WEDNESDAY_EVENING: usize = 2 * 24 + 18;

fn fixed_noise() -> PriorConfig {
    PriorConfig {
        refine_noise: false,
        ..PriorConfig::default()
    }
}

/// The default prior and one with the noise fixed at 0.6, built once: a debug build takes a
/// tenth of a second to factorise the prior covariance.
static DEFAULT_PRIOR: LazyLock<Prior> =
    LazyLock::new(|| Prior::new(PriorConfig::default()).unwrap());
static FIXED_NOISE_PRIOR: LazyLock<Prior> = LazyLock::new(|| Prior::new(fixed_noise()).unwrap());

fn fit(prior: &Prior, heatmap: &[f64], evidence: &[PostEvidence]) -> Posterior {
    prior
        .fit(&FitInput {
            heatmap,
            time_zone: chrono_tz::UTC,
            evidence,
            now: monday() + Duration::weeks(1),
            format_id: None,
        })
        .unwrap()
}

/// A post at `hour` of the week before [`monday`] + 1 week, `weeks_back` weeks earlier.
fn post_at(hour: usize, weeks_back: i64, value: f64) -> PostEvidence {
    PostEvidence {
        posted_at: monday() + Duration::hours(hour as i64) - Duration::weeks(weeks_back),
        value,
        format_id: None,
    }
}

/// Quiet nights, busy evenings: a realistic shape with no zeros.
fn evening_heatmap() -> Vec<f64> {
    (0..HOURS_PER_WEEK)
        .map(|hour| {
            let h = (hour % 24) as f64;
            0.1 + (-(h - 19.0).powi(2) / 18.0).exp()
        })
        .collect()
}

fn log_lift(posterior: &Posterior, hour: usize) -> f64 {
    posterior.hours()[hour].lift.ln()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn without_evidence_the_values_are_the_heatmap(
        heatmap in prop::collection::vec(0.05f64..100.0, HOURS_PER_WEEK),
    ) {
        let posterior = fit(&DEFAULT_PRIOR, &heatmap, &[]);

        let floor = 0.01 * heatmap.iter().sum::<f64>() / HOURS_PER_WEEK as f64;
        for (hour, estimate) in posterior.hours().iter().enumerate() {
            let floored = heatmap[hour].max(floor);
            prop_assert!((estimate.value - floored).abs() <= 1e-12 * floored);
            prop_assert_eq!(estimate.heatmap, heatmap[hour]);
            prop_assert_eq!(estimate.evidence, EvidenceLevel::PriorOnly);
            prop_assert_eq!(estimate.expected_metric, None);
            prop_assert!(estimate.interval.lower < estimate.value);
            prop_assert!(estimate.value < estimate.interval.upper);
        }
    }

    #[test]
    fn intervals_hold_the_value_and_shrink_with_more_evidence(
        hour in 0usize..HOURS_PER_WEEK,
        value in 0.0f64..1e6,
        posts in 1usize..12,
    ) {
        let few: Vec<PostEvidence> = (0..posts).map(|k| post_at(hour, k as i64, value)).collect();
        let more: Vec<PostEvidence> =
            (0..2 * posts).map(|k| post_at(hour, k as i64 % 6, value)).collect();
        let heatmap = evening_heatmap();
        let few = fit(&FIXED_NOISE_PRIOR, &heatmap, &few);
        let more = fit(&FIXED_NOISE_PRIOR, &heatmap, &more);

        for posterior in [&few, &more] {
            for estimate in posterior.hours() {
                prop_assert!(estimate.interval.lower <= estimate.value);
                prop_assert!(estimate.value <= estimate.interval.upper);
            }
        }
        let width = |p: &Posterior| {
            let interval = p.hours()[hour].interval;
            (interval.upper / interval.lower).ln()
        };
        prop_assert!(width(&more) < width(&few));
    }
}

#[test]
fn evidence_at_one_hour_moves_it_and_its_neighbours_but_not_the_far_side() {
    let heatmap = vec![1.0; HOURS_PER_WEEK];
    let mut evidence: Vec<PostEvidence> = (0..6)
        .map(|week| post_at(WEDNESDAY_EVENING, week, 20_000.0))
        .collect();
    // Ordinary posts at 18:00 on the other days pin the level, so the evening's surplus is its
    // own; they lie symmetrically around it and 12 hours or more from the far side.
    for days in [1, 2, 3] {
        for hour in [
            WEDNESDAY_EVENING + 168 - 24 * days,
            WEDNESDAY_EVENING + 24 * days,
        ] {
            let hour = hour % HOURS_PER_WEEK;
            evidence.extend([post_at(hour, 1, 1_000.0), post_at(hour, 2, 1_000.0)]);
        }
    }
    let posterior = fit(&FIXED_NOISE_PRIOR, &heatmap, &evidence);

    let lift = |offset: isize| log_lift(&posterior, WEDNESDAY_EVENING.wrapping_add_signed(offset));
    assert!(lift(0) > 0.5, "the evening itself rises: {}", lift(0));
    assert!(lift(0) > lift(1) && lift(1) > lift(2) && lift(2) > lift(3));
    assert!(
        (lift(-1) - lift(1)).abs() < 0.05,
        "both neighbours rise alike"
    );
    assert!(lift(1) > 0.3);
    let far_side = WEDNESDAY_EVENING + HOURS_PER_WEEK / 2;
    assert!(log_lift(&posterior, far_side).abs() < 1e-9);
    assert_eq!(
        posterior.hours()[WEDNESDAY_EVENING].evidence,
        EvidenceLevel::Solid
    );
    assert_eq!(
        posterior.hours()[far_side].evidence,
        EvidenceLevel::PriorOnly
    );
}

#[test]
fn the_same_evidence_a_half_life_older_moves_the_posterior_less() {
    let heatmap = evening_heatmap();
    let recent: Vec<PostEvidence> = (0..4)
        .map(|_| post_at(WEDNESDAY_EVENING, 0, 50_000.0))
        .collect();
    let older: Vec<PostEvidence> = (0..4)
        .map(|_| post_at(WEDNESDAY_EVENING, 4, 50_000.0))
        .collect();

    let recent = fit(&FIXED_NOISE_PRIOR, &heatmap, &recent);
    let older = fit(&FIXED_NOISE_PRIOR, &heatmap, &older);

    let (recent_hour, older_hour) = (
        recent.hours()[WEDNESDAY_EVENING],
        older.hours()[WEDNESDAY_EVENING],
    );
    assert!(recent_hour.lift > older_hour.lift && older_hour.lift > 1.0);
    assert!((recent_hour.effective_posts - 2.0 * older_hour.effective_posts).abs() < 1e-9);
    let width = |interval: crate::Interval| interval.upper / interval.lower;
    assert!(width(recent_hour.interval) < width(older_hour.interval));
}

/// Posts at one hour observe f = m + rho_h only: f's prior is N(m0, s_m^2 + tau_h^2) and its
/// posterior the textbook conjugate update with weighted observations; rho_h gets the share
/// tau_h^2 / (s_m^2 + tau_h^2) of f's move, and an hour g the share K(g, h) / (s_m^2 + tau_h^2).
#[test]
fn posts_at_one_hour_give_the_conjugate_gaussian_posterior() {
    let config = fixed_noise();
    let heatmap = evening_heatmap();
    let hour = WEDNESDAY_EVENING;
    let weeks_back = [0i64, 1, 2, 5, 9];
    let values = [800.0, 1_500.0, 3_000.0, 650.0, 2_200.0];
    let evidence: Vec<PostEvidence> = weeks_back
        .iter()
        .zip(values)
        .map(|(&back, value)| post_at(hour, back, value))
        .collect();
    let posterior = fit(&FIXED_NOISE_PRIOR, &heatmap, &evidence);

    let mean_heatmap = heatmap.iter().sum::<f64>() / HOURS_PER_WEEK as f64;
    let log_a = (heatmap[hour] / mean_heatmap).ln();
    let noise = config.noise_sd.powi(2);
    let (m0, level_variance) = (config.level_prior_mean, config.level_prior_sd.powi(2));
    let lift_variance = config.lift_sd.powi(2) * (1.0 + NUGGET);
    let prior_variance = level_variance + lift_variance;
    let (mut precision, mut weighted) = (1.0 / prior_variance, m0 / prior_variance);
    let now = monday() + Duration::weeks(1);
    for post in &evidence {
        let age_days = (now - post.posted_at).as_seconds_f64() / 86_400.0;
        let weight = 0.5f64.powf(age_days / config.half_life_days);
        precision += weight / noise;
        weighted += weight * (post.value.ln_1p() - log_a) / noise;
    }
    let (f_mean, f_variance) = (weighted / precision, 1.0 / precision);
    let share = lift_variance / prior_variance;
    let lift_mean = share * (f_mean - m0);
    let lift_sd = (lift_variance - share * lift_variance + share * share * f_variance).sqrt();

    let estimate = posterior.hours()[hour];
    assert!((estimate.lift.ln() - lift_mean).abs() < 1e-9);
    let upper = heatmap[hour] * (lift_mean + 1.959_963_984_540_054 * lift_sd).exp();
    assert!((estimate.interval.upper - upper).abs() < 1e-9 * upper);
    let neighbour_share = config.lift_sd.powi(2) * (-0.5f64 / 1.5 / 1.5).exp() / prior_variance;
    assert!((log_lift(&posterior, hour + 1) - neighbour_share * (f_mean - m0)).abs() < 1e-9);
    let expected = (f_mean + log_a + (f_variance + noise) / 2.0).exp() - 1.0;
    let reported = estimate.expected_metric.unwrap();
    assert!((reported - expected).abs() < 1e-9 * expected);
}

/// The covariance form against the precision form, computed here independently with a dense
/// 169 x 169 inverse of the prior covariance.
#[test]
fn the_conditioning_matches_the_precision_form() {
    let prior = &*FIXED_NOISE_PRIOR;
    let heatmap = StatedHeatmap::new(&evening_heatmap(), 0.01).unwrap();
    let evidence: Vec<PostEvidence> = (0..40)
        .map(|k| {
            post_at(
                (k * 37) % HOURS_PER_WEEK,
                k as i64 % 5,
                200.0 + 97.0 * k as f64,
            )
        })
        .collect();
    let now = monday() + Duration::weeks(1);
    let hourly = aggregate(&evidence, &heatmap, chrono_tz::UTC, now, 28.0, None).unwrap();
    let moments = Conditioning::new(prior, &hourly, 0.6).unwrap().moments();

    let n = HOURS_PER_WEEK + 1;
    let config = &prior.config;
    let prior_covariance = DMatrix::from_fn(n, n, |i, j| match (i, j) {
        (HOURS_PER_WEEK, HOURS_PER_WEEK) => config.level_prior_sd.powi(2),
        (HOURS_PER_WEEK, _) | (_, HOURS_PER_WEEK) => 0.0,
        _ => prior.kernel.between(i, j),
    });
    let prior_precision = Cholesky::new(prior_covariance).unwrap().inverse();
    let mut precision = prior_precision.clone();
    let mut prior_mean = DVector::zeros(n);
    prior_mean[HOURS_PER_WEEK] = config.level_prior_mean;
    let mut information = &prior_precision * prior_mean;
    for observed in &hourly.observed {
        let scale = observed.weight / 0.36;
        for i in [observed.hour, HOURS_PER_WEEK] {
            information[i] += scale * observed.mean;
            for j in [observed.hour, HOURS_PER_WEEK] {
                precision[(i, j)] += scale;
            }
        }
    }
    let posterior_covariance = Cholesky::new(precision).unwrap().inverse();
    let posterior_mean = &posterior_covariance * information;

    assert!((moments.level_mean - posterior_mean[HOURS_PER_WEEK]).abs() < 1e-6);
    let level_variance = posterior_covariance[(HOURS_PER_WEEK, HOURS_PER_WEEK)];
    assert!((moments.level_variance - level_variance).abs() < 1e-6);
    for hour in 0..HOURS_PER_WEEK {
        assert!((moments.lift_mean[hour] - posterior_mean[hour]).abs() < 1e-6);
        assert!((moments.lift_variance[hour] - posterior_covariance[(hour, hour)]).abs() < 1e-6);
        let covariance = posterior_covariance[(hour, HOURS_PER_WEEK)];
        assert!((moments.level_lift_covariance[hour] - covariance).abs() < 1e-6);
    }
}

#[test]
fn draws_have_the_posterior_mean_and_spread() {
    let heatmap = evening_heatmap();
    let evidence: Vec<PostEvidence> = (0..12)
        .map(|k| {
            post_at(
                WEDNESDAY_EVENING + k % 3,
                k as i64 % 4,
                3_000.0 + 500.0 * k as f64,
            )
        })
        .collect();
    let posterior = fit(&DEFAULT_PRIOR, &heatmap, &evidence);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let draws = 1_000;

    let hours = [WEDNESDAY_EVENING, WEDNESDAY_EVENING + 3, 100];
    let mut sums = [0.0; 3];
    let mut squares = [0.0; 3];
    let mut neighbours = 0.0;
    for _ in 0..draws {
        let draw = posterior.draw(&mut rng);
        let lifts = hours.map(|hour| (draw[hour] / heatmap[hour]).ln());
        for k in 0..3 {
            sums[k] += lifts[k];
            squares[k] += lifts[k] * lifts[k];
        }
        let next = (draw[101] / heatmap[101]).ln();
        neighbours += lifts[2] * next;
    }

    for (k, &hour) in hours.iter().enumerate() {
        let estimate = posterior.hours()[hour];
        let sd = (estimate.interval.upper / estimate.value).ln() / 1.959_963_984_540_054;
        let mean = sums[k] / draws as f64;
        let variance = squares[k] / draws as f64 - mean * mean;
        assert!((mean - estimate.lift.ln()).abs() < 4.0 * sd / (draws as f64).sqrt());
        assert!((variance.sqrt() / sd - 1.0).abs() < 0.1, "hour {hour}");
    }
    // Far from the evidence, neighbours keep the prior correlation of 0.80.
    let correlation = neighbours / draws as f64 / (0.75f64 * 0.75);
    assert!(
        (correlation - 0.80).abs() < 0.08,
        "correlation {correlation}"
    );
}

#[test]
fn a_seeded_draw_is_deterministic() {
    let evidence = [post_at(WEDNESDAY_EVENING, 0, 5_000.0)];
    let posterior = fit(&DEFAULT_PRIOR, &evening_heatmap(), &evidence);

    let first = posterior.draw(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    let again = posterior.draw(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    let other = posterior.draw(&mut Xoshiro256PlusPlus::seed_from_u64(4));
    assert_eq!(first, again);
    assert_ne!(first, other);
}

#[test]
fn repeated_hours_with_a_wide_spread_raise_the_noise() {
    let heatmap = evening_heatmap();
    let evidence: Vec<PostEvidence> = (0..20)
        .map(|k| {
            let value = if k % 2 == 0 { 100.0 } else { 10_000.0 };
            post_at(WEDNESDAY_EVENING + 24 * (k % 2), k as i64 / 4, value)
        })
        .collect();
    let steady: Vec<PostEvidence> = (0..20)
        .map(|k| post_at(WEDNESDAY_EVENING, k as i64 / 4, 1_000.0))
        .collect();

    let noisy = fit(&DEFAULT_PRIOR, &heatmap, &evidence);
    let calm = fit(&DEFAULT_PRIOR, &heatmap, &steady);
    let fixed = fit(&FIXED_NOISE_PRIOR, &heatmap, &evidence);
    assert!((fixed.noise_sd() - 0.6).abs() < 1e-15);
    assert!(calm.noise_sd() < 0.6);
    // Hours 18:00 Wednesday and Thursday alternate, so each hour's posts are alike...
    assert!(noisy.noise_sd() < 0.6);

    let mixed: Vec<PostEvidence> = (0..20)
        .map(|k| {
            post_at(
                WEDNESDAY_EVENING,
                k as i64 / 4,
                if k % 2 == 0 { 100.0 } else { 10_000.0 },
            )
        })
        .collect();
    // ... while posts of one hour a hundredfold apart are noise.
    assert!(fit(&DEFAULT_PRIOR, &heatmap, &mixed).noise_sd() > 1.5);
}

#[test]
fn a_format_learns_from_its_own_posts_only() {
    let prior = &*DEFAULT_PRIOR;
    let heatmap = evening_heatmap();
    let mut evidence: Vec<PostEvidence> = (0..6)
        .map(|k| post_at(WEDNESDAY_EVENING, k, 30_000.0))
        .collect();
    for post in &mut evidence {
        post.format_id = Some("tutorial".to_owned());
    }
    evidence.extend((0..6).map(|k| PostEvidence {
        format_id: Some("quick-15s".to_owned()),
        ..post_at(WEDNESDAY_EVENING - 6, k, 30_000.0)
    }));
    let fit_format = |format_id| {
        prior
            .fit(&FitInput {
                heatmap: &heatmap,
                time_zone: chrono_tz::UTC,
                evidence: &evidence,
                now: monday() + Duration::weeks(1),
                format_id,
            })
            .unwrap()
    };

    let tutorial = fit_format(Some("tutorial"));
    let clip = fit_format(Some("quick-15s"));
    assert_eq!(tutorial.posts(), 6);
    assert!(log_lift(&tutorial, WEDNESDAY_EVENING) > log_lift(&clip, WEDNESDAY_EVENING));
    assert!(log_lift(&clip, WEDNESDAY_EVENING - 6) > log_lift(&tutorial, WEDNESDAY_EVENING - 6));
    assert_eq!(fit_format(None).posts(), 12);
}

#[test]
fn the_second_one_thirty_of_the_fall_back_night_is_evidence_for_one_am() {
    let prior = &*FIXED_NOISE_PRIOR;
    let heatmap = vec![1.0; HOURS_PER_WEEK];
    // 01:30 GMT on Sunday 2026-10-25, the second 01:30 of the night in London.
    let posted_at = Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap();
    let evidence = [PostEvidence {
        posted_at,
        value: 50_000.0,
        format_id: None,
    }];
    let posterior = prior
        .fit(&FitInput {
            heatmap: &heatmap,
            time_zone: chrono_tz::Europe::London,
            evidence: &evidence,
            now: posted_at + Duration::days(1),
            format_id: None,
        })
        .unwrap();

    let sunday_one_am = 6 * 24 + 1;
    let best = (0..HOURS_PER_WEEK)
        .max_by(|&a, &b| {
            posterior.hours()[a]
                .value
                .total_cmp(&posterior.hours()[b].value)
        })
        .unwrap();
    assert_eq!(best, sunday_one_am);
    assert_eq!(posterior.hour_at(posted_at).hour_of_week, sunday_one_am);
}

#[test]
fn the_effective_posts_follow_the_kernel() {
    let evidence = [post_at(WEDNESDAY_EVENING, 0, 1_000.0)];
    let posterior = fit(&DEFAULT_PRIOR, &evening_heatmap(), &evidence);
    let age_days = 7.0 - WEDNESDAY_EVENING as f64 / 24.0;
    let weight = 0.5f64.powf(age_days / 28.0);

    for distance in 0..6 {
        let hour = WEDNESDAY_EVENING + distance;
        let expected = weight * (-(distance as f64).powi(2) / 4.5).exp();
        let estimate = posterior.hours()[hour];
        assert!((estimate.effective_posts - expected).abs() < 1e-12);
        assert_eq!(circular_distance(hour, WEDNESDAY_EVENING), distance);
    }
    assert_eq!(
        posterior.hours()[WEDNESDAY_EVENING].evidence,
        EvidenceLevel::Thin
    );
    assert_eq!(
        posterior.hours()[WEDNESDAY_EVENING + 3].evidence,
        EvidenceLevel::PriorOnly
    );
}

#[test]
fn priors_and_posteriors_can_be_shared_between_threads() {
    fn shared<T: Send + Sync + Clone>() {}
    shared::<Prior>();
    shared::<Posterior>();
}
