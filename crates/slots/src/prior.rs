//! The Gaussian-process prior over the hours of the week, built once per config.
//!
//! The lift rho_h of hour h over the heatmap has mean 0 and covariance
//!
//! tau^2 ((1 - beta) exp(-d^2 / (2 l^2)) + beta s(h, g) k_day(d_day)) + nugget,
//!
//! with d the circular distance in hours over the week (Sunday 23:00 and Monday 00:00 are
//! neighbours), beta = `rhythm_share`, and s(h, g) = 1 when h and g fall on days of the same
//! kind (Monday to Friday, or Saturday and Sunday), else 0. The first term is the kernel of the
//! issue: an hour shares strength with the hours around it. The second is a daily rhythm shared
//! by days of the same kind at nearby times of day: d_day is the circular distance between the
//! times of day, and k_day the same Gaussian wrapped round the 24-hour day (summed over its
//! images 24 hours apart, which keeps it positive definite at any length-scale; the plain
//! Gaussian of the circular distance on a 24-hour circle is not, from about l = 3 hours).
//!
//! Why the rhythm: an audience that watches at 19:00 on Tuesday mostly watches at 19:00 on
//! Wednesday too. With the weekly term alone a post on Tuesday evening says nothing about
//! Wednesday evening (24 hours is 16 length-scales), so each of the five weekday evenings has
//! to be discovered on its own. In the closed-loop test of the crate (`tests/closed_loop.rs`),
//! where the heatmap puts the peak at lunch and the audience is there in the evening, learning
//! with `best_slots` then reached 70% of an oracle's value over the last 4 of 12 weeks (mean of
//! 20 seeds, 47% at worst), against 93% (84% at worst) with the default share of 0.5; when the
//! planner plans the weeks, 79% against 89%. Every property of the weekly kernel holds: the
//! prior mean is 0, so no evidence leaves the heatmap as it is; neighbours share strength; the
//! far side of the week (84 hours away, 12 hours of the day away) shares none; and
//! `rhythm_share = 0` is the weekly kernel exactly. Where the kind of day changes (Friday to
//! Saturday, Sunday to Monday at midnight) only the weekly term links neighbouring hours, so
//! their correlation is 1 - beta of what it is elsewhere. What it costs: evidence on one weekday
//! moves the same time on the other weekdays half as much, so an account whose Friday evening
//! really differs from its Tuesday evening needs a few posts on each to show it.
//!
//! A nugget of [`NUGGET`] tau^2 on the diagonal keeps the 168 x 168 covariance safely positive
//! definite where the smallest eigenvalues of the kernel fall below rounding; it lets each hour
//! stray from the smooth curve by 0.1% of tau, which no evidence can tell apart from none. A
//! [`Prior`] holds the covariance and its Cholesky factor behind an `Arc`, so a service builds
//! it at start-up and shares it between requests and the posteriors fitted from it.

use std::sync::Arc;

use nalgebra::{Cholesky, DMatrix};

use crate::config::PriorConfig;
use crate::error::{Result, SlotsError};
use crate::week::{HOURS_PER_WEEK, circular_distance};

/// Share of tau^2 added to each hour's prior variance.
pub const NUGGET: f64 = 1e-6;

const HOURS_PER_DAY: usize = 24;

/// Images of the daily Gaussian summed on each side: at the longest length-scale, 12 hours,
/// the next one weighs e^-32.
const DAILY_IMAGES: i32 = 4;

/// The prior of the hour model; [`Prior::fit`] conditions it on an account's evidence.
#[derive(Debug, Clone)]
pub struct Prior {
    pub(crate) config: PriorConfig,
    pub(crate) kernel: Arc<Kernel>,
}

/// The prior covariance of the 168 lifts, and its factor.
#[derive(Debug)]
pub(crate) struct Kernel {
    /// tau^2.
    variance: f64,
    /// 168 x 168, the nugget included.
    covariance: DMatrix<f64>,
    /// Lower Cholesky factor of `covariance`.
    pub(crate) factor: DMatrix<f64>,
}

impl Prior {
    /// Validates `config` and factorises the prior covariance of the lifts.
    pub fn new(config: PriorConfig) -> Result<Self> {
        config.validate()?;

        let covariance = covariance(&config);
        let factor = Cholesky::new(covariance.clone())
            .map(Cholesky::unpack)
            .ok_or(SlotsError::Numerical {
                matrix: "prior covariance of the lifts",
            })?;
        Ok(Prior {
            kernel: Arc::new(Kernel {
                variance: config.lift_sd * config.lift_sd,
                covariance,
                factor,
            }),
            config,
        })
    }

    pub fn config(&self) -> &PriorConfig {
        &self.config
    }
}

impl Kernel {
    /// Prior covariance of the lifts of two hours of the week.
    pub(crate) fn between(&self, hour: usize, other: usize) -> f64 {
        self.covariance[(hour, other)]
    }

    /// Prior variance of one lift.
    pub(crate) fn lift_variance(&self) -> f64 {
        self.covariance[(0, 0)]
    }

    /// Prior correlation of two lifts without the nugget: 1 for an hour with itself.
    pub(crate) fn correlation(&self, hour: usize, other: usize) -> f64 {
        if hour == other {
            1.0
        } else {
            self.covariance[(hour, other)] / self.variance
        }
    }
}

fn covariance(config: &PriorConfig) -> DMatrix<f64> {
    let variance = config.lift_sd * config.lift_sd;
    let length_scale = config.length_scale_hours;
    let rhythm = config.rhythm_share;
    let daily_peak = wrapped_daily(0, length_scale);

    DMatrix::from_fn(HOURS_PER_WEEK, HOURS_PER_WEEK, |hour, other| {
        let weekly = gaussian(circular_distance(hour, other) as f64, length_scale);
        let daily = if weekend(hour) == weekend(other) {
            wrapped_daily(hour.abs_diff(other) % HOURS_PER_DAY, length_scale) / daily_peak
        } else {
            0.0
        };
        let nugget = if hour == other { NUGGET } else { 0.0 };
        variance * ((1.0 - rhythm) * weekly + rhythm * daily + nugget)
    })
}

fn gaussian(distance: f64, length_scale: f64) -> f64 {
    let scaled = distance / length_scale;
    (-0.5 * scaled * scaled).exp()
}

/// The Gaussian summed over the images of `apart` hours, 24 hours apart.
fn wrapped_daily(apart: usize, length_scale: f64) -> f64 {
    (-DAILY_IMAGES..=DAILY_IMAGES)
        .map(|image| {
            gaussian(
                apart as f64 + f64::from(image) * HOURS_PER_DAY as f64,
                length_scale,
            )
        })
        .sum()
}

/// Saturday and Sunday, local hours 120 to 167.
fn weekend(hour: usize) -> bool {
    hour >= 5 * HOURS_PER_DAY
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prior(rhythm_share: f64) -> Prior {
        Prior::new(PriorConfig {
            rhythm_share,
            ..PriorConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn neighbouring_hours_are_correlated_as_documented() {
        let kernel = &Prior::new(PriorConfig::default()).unwrap().kernel;

        assert!((kernel.correlation(40, 41) - 0.80).abs() < 0.005);
        assert!((kernel.correlation(40, 42) - 0.41).abs() < 0.005);
        assert!((kernel.correlation(40, 43) - 0.14).abs() < 0.005);
    }

    #[test]
    fn the_week_wraps_and_only_the_weekly_term_crosses_into_monday() {
        let weekly = &prior(0.0).kernel;
        assert!((weekly.between(167, 0) - weekly.between(0, 1)).abs() < 1e-15);

        let kernel = &prior(0.5).kernel;
        let sunday_night_to_monday = kernel.correlation(167, 0);
        assert!((sunday_night_to_monday - 0.5 * kernel.correlation(0, 1)).abs() < 1e-12);
    }

    #[test]
    fn the_same_time_on_a_day_of_the_same_kind_shares_the_rhythm() {
        let kernel = &prior(0.5).kernel;
        let (tuesday_evening, wednesday_evening, saturday_evening) = (43, 67, 139);

        assert!((kernel.correlation(tuesday_evening, wednesday_evening) - 0.5).abs() < 1e-12);
        assert!(kernel.correlation(tuesday_evening, saturday_evening).abs() < 1e-12);
        assert!(
            kernel
                .correlation(tuesday_evening, tuesday_evening + 84)
                .abs()
                < 1e-12
        );
    }

    #[test]
    fn no_rhythm_is_the_weekly_kernel_alone() {
        let kernel = &prior(0.0).kernel;
        assert!(kernel.correlation(43, 67).abs() < 1e-15);
        assert!((kernel.lift_variance() - 0.75 * 0.75 * (1.0 + NUGGET)).abs() < 1e-15);
    }

    #[test]
    fn the_longest_length_scale_still_factorises() {
        for rhythm_share in [0.0, 0.5, 1.0] {
            let config = PriorConfig {
                length_scale_hours: crate::config::MAX_LENGTH_SCALE_HOURS,
                rhythm_share,
                ..PriorConfig::default()
            };
            assert!(Prior::new(config).is_ok());
        }
    }

    #[test]
    fn the_factor_reproduces_the_covariance() {
        let kernel = &Prior::new(PriorConfig::default()).unwrap().kernel;
        let product = &kernel.factor * kernel.factor.transpose();

        for (hour, other) in [(0, 0), (0, 1), (5, 167), (40, 44), (43, 67)] {
            assert!((product[(hour, other)] - kernel.between(hour, other)).abs() < 1e-12);
        }
    }
}
