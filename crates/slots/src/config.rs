//! The prior of the hour model and how fast evidence ages, with defaults for a small business
//! posting short videos.
//!
//! - `half_life_days` = 28: a post four weeks old counts half. Audiences and trends shift within
//!   weeks, and best-time tools look back about 16 weeks, where a post here weighs 1/16.
//! - `length_scale_hours` = 1.5: the audience of 18:00 is mostly still there at 17:00 and 19:00,
//!   much less at 15:00 or 21:00 (prior correlation 0.80 one hour away, 0.41 two, 0.14 three).
//! - `rhythm_share` = 0.5: half of the lift's prior variance is a daily rhythm shared by days of
//!   the same kind (see [`crate::prior`]).
//! - `lift_sd` = 0.75 (tau): a stated heatmap can be far off; a priori 95% of hours lie within
//!   x0.23 to x4.3 of it.
//! - `noise_sd` = 0.6 (sigma): two posts at the same hour often differ by x1.5 to x2 in views.
//! - `refine_noise` = true, `noise_prior_posts` = 10: sigma is re-estimated from posts that
//!   share an hour, with `noise_sd` counting as 10 posts' worth (see [`crate::posterior`]).
//! - `level_prior_mean` = 7.0, `level_prior_sd` = 3.0: ln(1 + value) of a typical post, about
//!   1,100 views, and weakly: 95% between about 3 and 400,000 views.
//! - `heatmap_floor` = 0.01: an hour of the heatmap counts as at least 1% of its mean, so that
//!   its logarithm exists.

use serde::{Deserialize, Serialize};

use crate::error::{Result, SlotsError};

/// Longest length-scale accepted, in hours. Beyond half a day the kernel on the circular week
/// stops being positive definite to working precision, and hours of the day blur into one.
pub const MAX_LENGTH_SCALE_HOURS: f64 = 12.0;

/// The prior over an account's hours and the decay of its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PriorConfig {
    /// Age in days at which a post's evidence counts half; `f64::INFINITY` turns decay off.
    pub half_life_days: f64,
    /// Length-scale l of the squared-exponential kernel over the circular week, in hours.
    pub length_scale_hours: f64,
    /// Share of tau^2 common to days of the same kind (Monday-Friday, Saturday-Sunday) at the
    /// same time of day, in [0, 1]; 0 gives each hour of the week a lift of its own.
    pub rhythm_share: f64,
    /// Prior standard deviation tau of an hour's log-lift over the heatmap.
    pub lift_sd: f64,
    /// Standard deviation sigma of one post's ln(1 + value) about its hour's expectation.
    pub noise_sd: f64,
    /// Refine sigma from posts that share an hour (see [`crate::posterior`]).
    pub refine_noise: bool,
    /// Weight of `noise_sd` in the refinement, in posts.
    pub noise_prior_posts: f64,
    /// Prior mean of the account's level m, on the ln(1 + value) scale.
    pub level_prior_mean: f64,
    /// Prior standard deviation of the level m.
    pub level_prior_sd: f64,
    /// Least value of the heatmap normalised to mean 1.
    pub heatmap_floor: f64,
}

impl Default for PriorConfig {
    fn default() -> Self {
        PriorConfig {
            half_life_days: 28.0,
            length_scale_hours: 1.5,
            rhythm_share: 0.5,
            lift_sd: 0.75,
            noise_sd: 0.6,
            refine_noise: true,
            noise_prior_posts: 10.0,
            level_prior_mean: 7.0,
            level_prior_sd: 3.0,
            heatmap_floor: 0.01,
        }
    }
}

impl PriorConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.half_life_days.is_nan() || self.half_life_days <= 0.0 {
            return Err(SlotsError::invalid_config(
                "half_life_days",
                "must be positive",
            ));
        }
        if !(self.length_scale_hours > 0.0 && self.length_scale_hours <= MAX_LENGTH_SCALE_HOURS) {
            return Err(SlotsError::invalid_config(
                "length_scale_hours",
                format!("must be in (0, {MAX_LENGTH_SCALE_HOURS}]"),
            ));
        }
        if !(0.0..=1.0).contains(&self.rhythm_share) {
            return Err(SlotsError::invalid_config(
                "rhythm_share",
                "must be in [0, 1]",
            ));
        }
        positive_finite("lift_sd", self.lift_sd)?;
        positive_finite("noise_sd", self.noise_sd)?;
        if !(self.noise_prior_posts >= 0.0 && self.noise_prior_posts.is_finite()) {
            return Err(SlotsError::invalid_config(
                "noise_prior_posts",
                "must be a finite number >= 0",
            ));
        }
        if !self.level_prior_mean.is_finite() {
            return Err(SlotsError::invalid_config(
                "level_prior_mean",
                "must be finite",
            ));
        }
        positive_finite("level_prior_sd", self.level_prior_sd)?;
        if !(self.heatmap_floor > 0.0 && self.heatmap_floor <= 1.0) {
            return Err(SlotsError::invalid_config(
                "heatmap_floor",
                "must be in (0, 1]",
            ));
        }
        Ok(())
    }
}

fn positive_finite(field: &str, value: f64) -> Result<()> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(SlotsError::invalid_config(
            field,
            "must be positive and finite",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(PriorConfig::default().validate(), Ok(()));
    }

    #[test]
    fn a_bad_value_is_named() {
        /// Spoils one field of a valid value.
        type Spoil = fn(&mut PriorConfig);
        let cases: [(&str, Spoil); 7] = [
            ("rhythm_share must be in [0, 1]", |c| c.rhythm_share = 1.5),
            ("half_life_days must be positive", |c| {
                c.half_life_days = 0.0
            }),
            ("length_scale_hours must be in (0, 12]", |c| {
                c.length_scale_hours = 13.0
            }),
            ("lift_sd must be positive and finite", |c| {
                c.lift_sd = f64::NAN
            }),
            ("noise_sd must be positive and finite", |c| {
                c.noise_sd = -1.0
            }),
            ("noise_prior_posts must be a finite number >= 0", |c| {
                c.noise_prior_posts = -1.0
            }),
            ("heatmap_floor must be in (0, 1]", |c| c.heatmap_floor = 0.0),
        ];
        for (message, spoil) in cases {
            let mut config = PriorConfig::default();
            spoil(&mut config);
            let error = config.validate().unwrap_err();
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn decay_may_be_turned_off() {
        let config = PriorConfig {
            half_life_days: f64::INFINITY,
            ..PriorConfig::default()
        };
        assert_eq!(config.validate(), Ok(()));
    }
}
