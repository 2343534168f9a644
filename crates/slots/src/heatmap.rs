//! The stated heatmap of an account, checked and floored so that its logarithm exists.
//!
//! The model works with a_h, the heatmap divided by its mean and raised to at least
//! `heatmap_floor`, so that ln a_h is finite at an hour the heatmap calls dead. Learned values
//! are reported on the heatmap's own scale: `floored[h]` is a_h times the heatmap's mean, which
//! is the stated value wherever that is above the floor.

use crate::error::{Result, SlotsError};
use crate::week::HOURS_PER_WEEK;

/// A valid heatmap with its floored values and their normalised logarithms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StatedHeatmap {
    /// The values as given.
    pub(crate) stated: Vec<f64>,
    /// The values raised to the floor, in the heatmap's units.
    pub(crate) floored: Vec<f64>,
    /// ln a_h: the logarithm of the floored value over the heatmap's mean.
    pub(crate) log_normalised: Vec<f64>,
}

impl StatedHeatmap {
    /// Checks `heatmap` (168 finite values >= 0, not all 0) and floors it at `floor` times its
    /// mean.
    pub(crate) fn new(heatmap: &[f64], floor: f64) -> Result<Self> {
        if heatmap.len() != HOURS_PER_WEEK {
            return Err(SlotsError::invalid_input(
                "heatmap",
                format!("must have {HOURS_PER_WEEK} values, one per hour of the week"),
            ));
        }
        if let Some(hour) = heatmap.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(SlotsError::invalid_input(
                format!("heatmap[{hour}]"),
                "must be a finite number >= 0",
            ));
        }

        let mean = heatmap.iter().sum::<f64>() / HOURS_PER_WEEK as f64;
        if mean <= 0.0 {
            return Err(SlotsError::invalid_input(
                "heatmap",
                "must have at least one positive value",
            ));
        }
        if !mean.is_finite() {
            return Err(SlotsError::invalid_input(
                "heatmap",
                "values must sum to a finite number",
            ));
        }

        let floored: Vec<f64> = heatmap.iter().map(|v| v.max(floor * mean)).collect();
        let log_normalised = floored.iter().map(|v| (v / mean).ln()).collect();
        Ok(StatedHeatmap {
            stated: heatmap.to_vec(),
            floored,
            log_normalised,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_hour_is_raised_to_the_floor() {
        let mut values = vec![2.0; HOURS_PER_WEEK];
        values[3] = 0.0;
        let heatmap = StatedHeatmap::new(&values, 0.01).unwrap();

        let mean = 2.0 * 167.0 / 168.0;
        assert!((heatmap.floored[3] - 0.01 * mean).abs() < 1e-12);
        assert_eq!(heatmap.floored[4], 2.0);
        assert!((heatmap.log_normalised[4] - (2.0 / mean).ln()).abs() < 1e-12);
    }

    #[test]
    fn a_bad_heatmap_is_refused_by_field() {
        let short = StatedHeatmap::new(&[1.0; 24], 0.01).unwrap_err();
        assert_eq!(
            short.to_string(),
            "heatmap must have 168 values, one per hour of the week"
        );

        let mut values = vec![1.0; HOURS_PER_WEEK];
        values[17] = f64::NAN;
        let nan = StatedHeatmap::new(&values, 0.01).unwrap_err();
        assert_eq!(nan.to_string(), "heatmap[17] must be a finite number >= 0");

        let zeros = StatedHeatmap::new(&[0.0; HOURS_PER_WEEK], 0.01).unwrap_err();
        assert_eq!(
            zeros.to_string(),
            "heatmap must have at least one positive value"
        );
    }
}
