//! Values the store refuses before touching the database, with the same answers as SQLite's: a
//! value that could not be read back faithfully, or that would poison a posterior.

use crate::StoreError;
use crate::audience::{HOURS_PER_WEEK, NewAudienceActivity, NewPostPerformance};

/// An infinite or NaN reward would poison every posterior that learns from it.
pub(super) fn check_reward(reward: f64) -> Result<(), StoreError> {
    if reward.is_finite() {
        return Ok(());
    }

    Err(StoreError::InvalidValue {
        field: "reward",
        expected: "finite",
        value: reward,
    })
}

pub(super) fn check_propensity(propensity: f64) -> Result<(), StoreError> {
    if (0.0..=1.0).contains(&propensity) {
        return Ok(());
    }

    Err(StoreError::InvalidValue {
        field: "propensity",
        expected: "in [0, 1]",
        value: propensity,
    })
}

pub(super) fn check_activity(activity: &NewAudienceActivity) -> Result<(), StoreError> {
    let values = &activity.hourly_activity;
    if values.len() != HOURS_PER_WEEK {
        return Err(StoreError::InvalidValue {
            field: "hourly_activity",
            expected: "168 values long",
            value: values.len() as f64,
        });
    }

    match values
        .iter()
        .find(|value| !value.is_finite() || **value < 0.0)
    {
        Some(&bad) => Err(StoreError::InvalidValue {
            field: "hourly_activity",
            expected: "finite and non-negative",
            value: bad,
        }),
        None => Ok(()),
    }
}

/// Counts must fit the `BIGINT` columns; a watch time must be a finite, non-negative number.
pub(super) fn check_performance(performance: &NewPostPerformance) -> Result<(), StoreError> {
    let too_big = performance_counts(performance)
        .into_iter()
        .find(|(_, value)| i64::try_from(*value).is_err());
    if let Some((field, value)) = too_big {
        return Err(StoreError::InvalidValue {
            field,
            expected: "at most 2^63 - 1",
            value: value as f64,
        });
    }

    match performance.average_watch_seconds {
        Some(seconds) if !seconds.is_finite() || seconds < 0.0 => Err(StoreError::InvalidValue {
            field: "average_watch_seconds",
            expected: "finite and non-negative",
            value: seconds,
        }),
        _ => Ok(()),
    }
}

/// The counts of a post by column name, in the order of the table.
pub(super) fn performance_counts(performance: &NewPostPerformance) -> [(&'static str, u64); 6] {
    [
        ("views", performance.views),
        ("likes", performance.likes),
        ("comments", performance.comments),
        ("shares", performance.shares),
        ("saves", performance.saves),
        ("follows", performance.follows),
    ]
}
