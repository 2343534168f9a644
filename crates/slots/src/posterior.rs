//! Fitting the hour model to an account and reading its posterior per hour of the week.
//!
//! The model, on the log scale of the outcome metric: a post at local hour h has
//! y = ln(1 + value) = m + ln a_h + rho_h + noise, with m the account's level (prior
//! N(`level_prior_mean`, `level_prior_sd`^2)), a_h the stated heatmap normalised to mean 1 and
//! floored, rho_h the hour's lift over the heatmap (a Gaussian process on the circular week, see
//! [`crate::prior`]) and noise N(0, sigma^2 / w) for a post of decay weight w (see
//! [`crate::evidence`]). [`crate::conditioning`] computes the exact Gaussian posterior.
//!
//! Each hour is reported in the heatmap's units, so that the learned values can replace the
//! heatmap in the planner and be drawn beside it. The learned value is the posterior *median*
//! of floored heatmap x exp(rho_h), that is floored heatmap x exp(E(rho_h)), and the 95%
//! interval is floored heatmap x exp(E(rho_h) -/+ 1.96 sd(rho_h)): the 2.5% and 97.5%
//! quantiles of the same lognormal. The median, unlike the mean exp(E + Var / 2), equals the
//! stated heatmap when there is no evidence, and ranks hours by their lift, not by how unsure
//! it is (exploring the unsure is the job of the draws). The expected metric of one post at the
//! hour is the mean of the predictive lognormal,
//! exp(E(m + rho_h) + ln a_h + (Var(m + rho_h) + sigma^2) / 2) - 1, and is only given once
//! some evidence is counted: before, it would be the prior level's guess.
//!
//! Evidence labels come from the effective number of posts near an hour, the sum over posts of
//! decay weight x prior correlation with the hour (1 at the hour itself, 0.80 an hour away with
//! the default length-scale, 0.5 at the same time on another day of the same kind with the
//! default rhythm share): below [`THIN_EVIDENCE_POSTS`] an hour is `PriorOnly` (its value is
//! the heatmap's, give or take), from [`SOLID_EVIDENCE_POSTS`] on it is `Solid` (about three
//! recent posts at the hour or around it), and `Thin` in between.
//!
//! With `refine_noise`, sigma^2 is re-estimated from posts that share an hour:
//! (k sigma0^2 + sum of w (y - hour's weighted mean)^2) / (k + degrees of freedom), with
//! k = `noise_prior_posts`. This pure-error estimate needs no fitted values (residuals about a
//! fitted curve understate the noise by what the fit absorbed) and no second factorisation; an
//! account that never repeats an hour keeps `noise_sd`.
//!
//! A format id restricts the evidence to posts of that format: a 60 s tutorial may peak later
//! than a 15 s trend clip. The prior is the same heatmap, so a format with few posts of its own
//! falls back to it rather than to the other formats' evidence.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rand::Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::conditioning::{Conditioning, Moments};
use crate::config::PriorConfig;
use crate::error::Result;
use crate::evidence::{HourlyEvidence, PostEvidence, aggregate};
use crate::heatmap::StatedHeatmap;
use crate::prior::Prior;
use crate::week::{HOURS_PER_WEEK, hour_of_week};

/// Effective posts near an hour from which it is `Thin` rather than `PriorOnly`.
pub const THIN_EVIDENCE_POSTS: f64 = 0.25;

/// Effective posts near an hour from which it is `Solid`.
pub const SOLID_EVIDENCE_POSTS: f64 = 3.0;

/// Mass of the reported intervals.
pub const INTERVAL_MASS: f64 = 0.95;

/// Least refined noise: posts that repeat to within 5% (with `noise_prior_posts = 0` and
/// identical outcomes the estimate would be 0, and every post certain).
pub const MIN_NOISE_SD: f64 = 0.05;

/// What an account brings to a fit.
#[derive(Debug, Clone, Copy)]
pub struct FitInput<'a> {
    /// Stated audience activity by local hour of week, Monday 00:00 first; 168 values >= 0.
    pub heatmap: &'a [f64],
    pub time_zone: Tz,
    pub evidence: &'a [PostEvidence],
    /// The instant ages are measured from.
    pub now: DateTime<Utc>,
    /// Count only posts of this format; `None` counts every post.
    pub format_id: Option<&'a str>,
}

/// How much of an hour's estimate comes from the account's own posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EvidenceLevel {
    /// Fewer than [`THIN_EVIDENCE_POSTS`] effective posts: the stated heatmap.
    PriorOnly,
    /// Some evidence, fewer than [`SOLID_EVIDENCE_POSTS`] effective posts.
    Thin,
    /// At least [`SOLID_EVIDENCE_POSTS`] effective posts.
    Solid,
}

/// An equal-tailed credible interval holding [`INTERVAL_MASS`] of the posterior.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

/// The posterior of one hour of the week.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HourEstimate {
    pub hour_of_week: usize,
    /// The stated heatmap value.
    pub heatmap: f64,
    /// Learned value in the heatmap's units: the posterior median.
    pub value: f64,
    /// 95% credible interval of the value.
    pub interval: Interval,
    /// Median factor of the value over the floored heatmap, exp(E(rho_h)).
    pub lift: f64,
    /// Decay- and kernel-weighted count of posts near the hour.
    pub effective_posts: f64,
    pub evidence: EvidenceLevel,
    /// Predictive mean of one post's outcome metric at the hour; `None` without evidence.
    pub expected_metric: Option<f64>,
}

/// An account's fitted posterior: per-hour estimates and joint draws.
#[derive(Debug, Clone)]
pub struct Posterior {
    time_zone: Tz,
    hours: Vec<HourEstimate>,
    floored_heatmap: Vec<f64>,
    noise_sd: f64,
    posts: usize,
    conditioning: Conditioning,
}

impl Prior {
    /// Fits the posterior of an account; refuses a bad heatmap or evidence value by field.
    pub fn fit(&self, input: &FitInput<'_>) -> Result<Posterior> {
        let heatmap = StatedHeatmap::new(input.heatmap, self.config.heatmap_floor)?;

        let evidence = aggregate(
            input.evidence,
            &heatmap,
            input.time_zone,
            input.now,
            self.config.half_life_days,
            input.format_id,
        )?;
        let noise_sd = refined_noise_sd(&self.config, &evidence);

        let conditioning = Conditioning::new(self, &evidence, noise_sd)?;
        let moments = conditioning.moments();

        Ok(Posterior {
            time_zone: input.time_zone,
            hours: self.read_hours(&heatmap, &evidence, &moments, noise_sd),
            floored_heatmap: heatmap.floored,
            noise_sd,
            posts: evidence.posts,
            conditioning,
        })
    }

    /// The 168 hour estimates of a fit.
    fn read_hours(
        &self,
        heatmap: &StatedHeatmap,
        evidence: &HourlyEvidence,
        moments: &Moments,
        noise_sd: f64,
    ) -> Vec<HourEstimate> {
        let effective_posts = effective_posts(self, evidence);
        let reading = Reading {
            heatmap,
            moments,
            noise_sd,
            has_evidence: evidence.posts > 0,
            quantile: interval_quantile(),
        };
        (0..HOURS_PER_WEEK)
            .map(|hour| reading.hour(hour, effective_posts[hour]))
            .collect()
    }
}

impl Posterior {
    /// The 168 hour estimates, Monday 00:00 first.
    pub fn hours(&self) -> &[HourEstimate] {
        &self.hours
    }

    /// The learned values (posterior medians), a heatmap for the planner.
    pub fn values(&self) -> Vec<f64> {
        self.hours.iter().map(|hour| hour.value).collect()
    }

    /// One joint posterior draw of the 168 values in the heatmap's units, for Thompson
    /// sampling; a seeded `rng` gives the same draw every time.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        self.conditioning
            .draw_lifts(rng)
            .iter()
            .zip(&self.floored_heatmap)
            .map(|(lift, floored)| floored * lift.exp())
            .collect()
    }

    /// The account's zone, in which hours of week are read.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The estimate of the local hour of week `instant` falls in.
    pub fn hour_at(&self, instant: DateTime<Utc>) -> &HourEstimate {
        &self.hours[hour_of_week(instant, self.time_zone)]
    }

    /// Noise standard deviation sigma used, after any refinement.
    pub fn noise_sd(&self) -> f64 {
        self.noise_sd
    }

    /// Posts counted: of the requested format and not decayed away.
    pub fn posts(&self) -> usize {
        self.posts
    }
}

/// What turns the posterior moments of an account into hour estimates.
struct Reading<'a> {
    heatmap: &'a StatedHeatmap,
    moments: &'a Moments,
    noise_sd: f64,
    has_evidence: bool,
    /// Standard normal quantile of the interval's upper end.
    quantile: f64,
}

impl Reading<'_> {
    fn hour(&self, hour: usize, effective_posts: f64) -> HourEstimate {
        let floored = self.heatmap.floored[hour];
        let mean = self.moments.lift_mean[hour];
        let spread = self.quantile * self.moments.lift_variance[hour].sqrt();

        HourEstimate {
            hour_of_week: hour,
            heatmap: self.heatmap.stated[hour],
            value: floored * mean.exp(),
            interval: Interval {
                lower: floored * (mean - spread).exp(),
                upper: floored * (mean + spread).exp(),
            },
            lift: mean.exp(),
            effective_posts,
            evidence: evidence_level(effective_posts),
            expected_metric: self.has_evidence.then(|| self.expected_metric(hour)),
        }
    }

    fn expected_metric(&self, hour: usize) -> f64 {
        let moments = self.moments;
        let log_mean =
            moments.level_mean + self.heatmap.log_normalised[hour] + moments.lift_mean[hour];
        let log_variance = moments.level_variance
            + moments.lift_variance[hour]
            + 2.0 * moments.level_lift_covariance[hour]
            + self.noise_sd * self.noise_sd;
        (log_mean + log_variance / 2.0).exp() - 1.0
    }
}

/// The standard normal quantile at the upper end of the interval: 1.96 for 95%.
fn interval_quantile() -> f64 {
    Normal::standard().inverse_cdf(0.5 + INTERVAL_MASS / 2.0)
}

fn evidence_level(effective_posts: f64) -> EvidenceLevel {
    if effective_posts >= SOLID_EVIDENCE_POSTS {
        EvidenceLevel::Solid
    } else if effective_posts >= THIN_EVIDENCE_POSTS {
        EvidenceLevel::Thin
    } else {
        EvidenceLevel::PriorOnly
    }
}

fn refined_noise_sd(config: &PriorConfig, evidence: &HourlyEvidence) -> f64 {
    let prior_weight = config.noise_prior_posts;
    let freedom = prior_weight + evidence.within_freedom;
    if !config.refine_noise || freedom <= 0.0 {
        return config.noise_sd;
    }

    let squares = prior_weight * config.noise_sd.powi(2) + evidence.within_squares;
    (squares / freedom).sqrt().max(MIN_NOISE_SD)
}

/// Per hour, the sum over posts of decay weight x correlation with the post's hour.
fn effective_posts(prior: &Prior, evidence: &HourlyEvidence) -> Vec<f64> {
    (0..HOURS_PER_WEEK)
        .map(|hour| {
            evidence
                .observed
                .iter()
                .map(|observed| observed.weight * prior.kernel.correlation(hour, observed.hour))
                .sum()
        })
        .collect()
}
