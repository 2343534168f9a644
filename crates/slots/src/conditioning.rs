//! Exact Gaussian conditioning of (m, rho_0..rho_167) on an account's hourly evidence.
//!
//! The prior is theta ~ N(mu0, Sigma0) with the level m independent of the lifts rho, and hour
//! j of the evidence observes z_j = m + rho_{h_j} + noise of variance R_j = sigma^2 / W_j
//! (its weighted mean of y - ln a, see [`crate::evidence`]). This is conditioned in covariance
//! form: with H the n x 169 matrix picking m + rho_{h_j}, the innovation covariance
//! S = H Sigma0 H^T + R is n x n, where n is the number of distinct hours with evidence (at most
//! 168, often a few dozen), and
//!
//! - mean: mu = mu0 + Sigma0 H^T S^-1 (z - H mu0);
//! - covariance: Sigma = Sigma0 - B^T B with B = L^-1 H Sigma0 and S = L L^T (Cholesky).
//!
//! It is the same posterior as the precision form (a 169 x 169 Cholesky of Sigma0^-1 + H^T
//! R^-1 H), without inverting the kernel, whose high frequencies make its inverse
//! ill-conditioned, and it costs O(n^3 + 169 n^2) instead of O(169^3) plus an inverse for the
//! marginal variances. Joint draws use Matheron's rule: draw theta0 from the prior (its factor
//! is precomputed once per [`crate::Prior`]) and noise eps ~ N(0, R), then
//! theta0 + Sigma0 H^T S^-1 (z - H theta0 - eps) is an exact posterior draw, for the price of
//! two triangular solves of size n.

use std::sync::Arc;

use nalgebra::{Cholesky, DMatrix, DVector, Dyn};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::{Result, SlotsError};
use crate::evidence::HourlyEvidence;
use crate::prior::{Kernel, Prior};
use crate::week::HOURS_PER_WEEK;

/// The conditioned model: what moments and draws of the posterior need.
#[derive(Debug, Clone)]
pub(crate) struct Conditioning {
    kernel: Arc<Kernel>,
    level_prior_mean: f64,
    level_prior_variance: f64,
    /// Hours of week with evidence, h_j.
    hours: Vec<usize>,
    /// Their observations z_j.
    observed: Vec<f64>,
    /// Their noise variances R_j.
    noise_variance: Vec<f64>,
    /// Cholesky factor of S; `None` without evidence.
    innovation: Option<Cholesky<f64, Dyn>>,
}

/// Posterior means and (co)variances of the level and the lifts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Moments {
    pub(crate) level_mean: f64,
    pub(crate) level_variance: f64,
    pub(crate) lift_mean: Vec<f64>,
    pub(crate) lift_variance: Vec<f64>,
    /// Cov(m, rho_h).
    pub(crate) level_lift_covariance: Vec<f64>,
}

impl Conditioning {
    /// Conditions `prior` on `evidence` with noise standard deviation `noise_sd`.
    pub(crate) fn new(prior: &Prior, evidence: &HourlyEvidence, noise_sd: f64) -> Result<Self> {
        let noise = noise_sd * noise_sd;
        let mut conditioning = Conditioning {
            kernel: Arc::clone(&prior.kernel),
            level_prior_mean: prior.config.level_prior_mean,
            level_prior_variance: prior.config.level_prior_sd.powi(2),
            hours: evidence.observed.iter().map(|hour| hour.hour).collect(),
            observed: evidence.observed.iter().map(|hour| hour.mean).collect(),
            noise_variance: evidence.observed.iter().map(|h| noise / h.weight).collect(),
            innovation: None,
        };

        if !conditioning.hours.is_empty() {
            let innovation = Cholesky::new(conditioning.innovation_covariance()).ok_or(
                SlotsError::Numerical {
                    matrix: "innovation covariance of the evidence",
                },
            )?;
            conditioning.innovation = Some(innovation);
        }
        Ok(conditioning)
    }

    /// Posterior moments of the level and of every lift.
    pub(crate) fn moments(&self) -> Moments {
        let Some(innovation) = &self.innovation else {
            return self.prior_moments();
        };

        let residual = DVector::from_iterator(
            self.hours.len(),
            self.observed.iter().map(|z| z - self.level_prior_mean),
        );
        let gain = innovation.solve(&residual);
        let (level_mean, lift_mean) = self.shift(self.level_prior_mean, &gain);

        let reduction = self.variance_reduction(innovation);
        let level_column = reduction.column(HOURS_PER_WEEK);
        Moments {
            level_mean,
            level_variance: (self.level_prior_variance - level_column.norm_squared()).max(0.0),
            lift_mean,
            lift_variance: (0..HOURS_PER_WEEK)
                .map(|h| {
                    (self.kernel.lift_variance() - reduction.column(h).norm_squared()).max(0.0)
                })
                .collect(),
            level_lift_covariance: (0..HOURS_PER_WEEK)
                .map(|h| -level_column.dot(&reduction.column(h)))
                .collect(),
        }
    }

    /// One joint posterior draw of the 168 lifts (Matheron's rule).
    pub(crate) fn draw_lifts<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        let standard = DVector::from_fn(HOURS_PER_WEEK, |_, _| StandardNormal.sample(rng));
        let prior_lifts = &self.kernel.factor * standard;
        let level_draw: f64 = StandardNormal.sample(rng);
        let prior_level = self.level_prior_mean + self.level_prior_variance.sqrt() * level_draw;
        let Some(innovation) = &self.innovation else {
            return prior_lifts.iter().copied().collect();
        };

        let residual = DVector::from_fn(self.hours.len(), |j, _| {
            let noise: f64 = StandardNormal.sample(rng);
            self.observed[j]
                - prior_level
                - prior_lifts[self.hours[j]]
                - self.noise_variance[j].sqrt() * noise
        });
        let gain = innovation.solve(&residual);
        let (_, correction) = self.shift(0.0, &gain);
        prior_lifts
            .iter()
            .zip(correction)
            .map(|(prior, shift)| prior + shift)
            .collect()
    }

    fn prior_moments(&self) -> Moments {
        Moments {
            level_mean: self.level_prior_mean,
            level_variance: self.level_prior_variance,
            lift_mean: vec![0.0; HOURS_PER_WEEK],
            lift_variance: vec![self.kernel.lift_variance(); HOURS_PER_WEEK],
            level_lift_covariance: vec![0.0; HOURS_PER_WEEK],
        }
    }

    /// S = H Sigma0 H^T + R: prior covariance of the observations plus their noise.
    fn innovation_covariance(&self) -> DMatrix<f64> {
        let n = self.hours.len();
        DMatrix::from_fn(n, n, |j, k| {
            let noise = if j == k { self.noise_variance[j] } else { 0.0 };
            self.level_prior_variance + self.kernel.between(self.hours[j], self.hours[k]) + noise
        })
    }

    /// `level` and the lifts moved by Sigma0 H^T `gain`.
    fn shift(&self, level: f64, gain: &DVector<f64>) -> (f64, Vec<f64>) {
        let level = level + self.level_prior_variance * gain.sum();
        let lifts = (0..HOURS_PER_WEEK)
            .map(|hour| {
                self.hours
                    .iter()
                    .zip(gain.iter())
                    .map(|(&observed, g)| self.kernel.between(hour, observed) * g)
                    .sum()
            })
            .collect();
        (level, lifts)
    }

    /// B = L^-1 H Sigma0, n x 169: lifts in columns 0..168, the level in column 168.
    fn variance_reduction(&self, innovation: &Cholesky<f64, Dyn>) -> DMatrix<f64> {
        let mut cross = DMatrix::from_fn(self.hours.len(), HOURS_PER_WEEK + 1, |j, column| {
            if column == HOURS_PER_WEEK {
                self.level_prior_variance
            } else {
                self.kernel.between(self.hours[j], column)
            }
        });
        innovation
            .l_dirty()
            .solve_lower_triangular_unchecked_mut(&mut cross);
        cross
    }
}
