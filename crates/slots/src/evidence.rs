//! What an account's posts did, turned into decay-weighted totals per local hour of week.
//!
//! One post is one observation: its outcome metric (views, engagements, ...) enters once, as
//! y = ln(1 + value), however many viewers it counts. A post of age t days weighs
//! w = 0.5^(t / half_life_days), which divides its noise variance by w: old evidence moves the
//! posterior less, and a post of the future (clock skew) weighs as one of now. A post whose
//! weight is below [`MIN_WEIGHT`] (some 30 half-lives) is left out.
//!
//! Posts of one hour are summed into a weighted mean of y - ln a_h: the Gaussian likelihood of
//! the model depends on an hour's posts only through it and its total weight, so the
//! conditioning works on at most 168 observations whatever the number of posts. The spread of
//! posts about their own hour's mean is kept for the refinement of the noise.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Result, SlotsError};
use crate::heatmap::StatedHeatmap;
use crate::week::{HOURS_PER_WEEK, hour_of_week};

/// Weight below which a post no longer counts.
pub const MIN_WEIGHT: f64 = 1e-9;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// One published post and how it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostEvidence {
    pub posted_at: DateTime<Utc>,
    /// The outcome metric of the post, such as views or engagements; finite and >= 0.
    pub value: f64,
    /// The post's format (`"tutorial"`, `"quick-15s"`), when known.
    pub format_id: Option<String>,
}

/// The decay-weighted posts of one hour of week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ObservedHour {
    pub(crate) hour: usize,
    /// Total weight W_h: the decayed number of posts.
    pub(crate) weight: f64,
    /// Weighted mean of ln(1 + value) - ln a_h.
    pub(crate) mean: f64,
}

/// The evidence of an account, ready for conditioning.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HourlyEvidence {
    /// Hours with at least one counted post, in hour order.
    pub(crate) observed: Vec<ObservedHour>,
    /// Posts counted: of the requested format and not decayed away.
    pub(crate) posts: usize,
    /// Weighted sum of squared deviations of posts from their own hour's mean.
    pub(crate) within_squares: f64,
    /// Degrees of freedom of `within_squares`: sum over hours of W_h - (sum of w^2) / W_h,
    /// which is posts minus hours when nothing decays.
    pub(crate) within_freedom: f64,
}

/// A counted post: its hour, weight and y - ln a_h.
#[derive(Debug, Clone, Copy)]
struct WeightedPost {
    hour: usize,
    weight: f64,
    lift: f64,
}

/// Checks `evidence` and sums the posts of `format_id` (every post when `None`) by hour.
pub(crate) fn aggregate(
    evidence: &[PostEvidence],
    heatmap: &StatedHeatmap,
    time_zone: Tz,
    now: DateTime<Utc>,
    half_life_days: f64,
    format_id: Option<&str>,
) -> Result<HourlyEvidence> {
    validate(evidence)?;

    let posts: Vec<WeightedPost> = evidence
        .iter()
        .filter(|post| format_id.is_none_or(|id| post.format_id.as_deref() == Some(id)))
        .map(|post| weigh(post, heatmap, time_zone, now, half_life_days))
        .filter(|post| post.weight >= MIN_WEIGHT)
        .collect();

    Ok(sum_by_hour(&posts))
}

fn validate(evidence: &[PostEvidence]) -> Result<()> {
    match evidence
        .iter()
        .position(|post| !(post.value.is_finite() && post.value >= 0.0))
    {
        Some(index) => Err(SlotsError::invalid_input(
            format!("evidence[{index}].value"),
            "must be a finite number >= 0",
        )),
        None => Ok(()),
    }
}

fn weigh(
    post: &PostEvidence,
    heatmap: &StatedHeatmap,
    time_zone: Tz,
    now: DateTime<Utc>,
    half_life_days: f64,
) -> WeightedPost {
    let age_days = ((now - post.posted_at).as_seconds_f64() / SECONDS_PER_DAY).max(0.0);
    let hour = hour_of_week(post.posted_at, time_zone);
    WeightedPost {
        hour,
        weight: (-age_days / half_life_days).exp2(),
        lift: post.value.ln_1p() - heatmap.log_normalised[hour],
    }
}

fn sum_by_hour(posts: &[WeightedPost]) -> HourlyEvidence {
    let mut weight = [0.0; HOURS_PER_WEEK];
    let mut weighted_sum = [0.0; HOURS_PER_WEEK];
    let mut squared_weight = [0.0; HOURS_PER_WEEK];
    for post in posts {
        weight[post.hour] += post.weight;
        weighted_sum[post.hour] += post.weight * post.lift;
        squared_weight[post.hour] += post.weight * post.weight;
    }

    let observed: Vec<ObservedHour> = (0..HOURS_PER_WEEK)
        .filter(|&hour| weight[hour] > 0.0)
        .map(|hour| ObservedHour {
            hour,
            weight: weight[hour],
            mean: weighted_sum[hour] / weight[hour],
        })
        .collect();

    let mut mean = [0.0; HOURS_PER_WEEK];
    for hour in &observed {
        mean[hour.hour] = hour.mean;
    }
    let within_squares = posts
        .iter()
        .map(|post| post.weight * (post.lift - mean[post.hour]).powi(2))
        .sum();
    let within_freedom = observed
        .iter()
        .map(|hour| hour.weight - squared_weight[hour.hour] / hour.weight)
        .sum();

    HourlyEvidence {
        observed,
        posts: posts.len(),
        within_squares,
        within_freedom,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;

    fn post(posted_at: DateTime<Utc>, value: f64, format_id: Option<&str>) -> PostEvidence {
        PostEvidence {
            posted_at,
            value,
            format_id: format_id.map(str::to_owned),
        }
    }

    fn flat_heatmap() -> StatedHeatmap {
        StatedHeatmap::new(&[1.0; HOURS_PER_WEEK], 0.01).unwrap()
    }

    #[test]
    fn a_post_one_half_life_old_weighs_half() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let evidence = [
            post(now - TimeDelta::days(28), 99.0, None),
            post(now - TimeDelta::days(56) + TimeDelta::hours(1), 99.0, None),
        ];
        let hourly =
            aggregate(&evidence, &flat_heatmap(), chrono_tz::UTC, now, 28.0, None).unwrap();

        assert_eq!(hourly.observed.len(), 2);
        assert!((hourly.observed[0].weight - 0.5).abs() < 1e-12);
        let older_age_days = 56.0 - 1.0 / 24.0;
        assert!((hourly.observed[1].weight - 0.5f64.powf(older_age_days / 28.0)).abs() < 1e-12);
        assert!((hourly.observed[0].mean - 100f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn a_format_keeps_only_its_own_posts() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let evidence = [
            post(now, 10.0, Some("tutorial")),
            post(now, 10.0, Some("quick-15s")),
            post(now, 10.0, None),
        ];
        let heatmap = flat_heatmap();

        let all = aggregate(&evidence, &heatmap, chrono_tz::UTC, now, 28.0, None).unwrap();
        let tutorials = aggregate(
            &evidence,
            &heatmap,
            chrono_tz::UTC,
            now,
            28.0,
            Some("tutorial"),
        )
        .unwrap();
        assert_eq!(all.posts, 3);
        assert_eq!(tutorials.posts, 1);
    }

    #[test]
    fn posts_sharing_an_hour_give_their_spread() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let values = [(1.0f64).exp() - 1.0, (3.0f64).exp() - 1.0];
        let evidence = values.map(|value| post(now, value, None));
        let hourly =
            aggregate(&evidence, &flat_heatmap(), chrono_tz::UTC, now, 28.0, None).unwrap();

        assert!((hourly.within_squares - 2.0).abs() < 1e-12);
        assert!((hourly.within_freedom - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_negative_or_nan_value_is_refused_by_field() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let evidence = [post(now, 5.0, None), post(now, bad, None)];
            let error =
                aggregate(&evidence, &flat_heatmap(), chrono_tz::UTC, now, 28.0, None).unwrap_err();
            assert_eq!(
                error.to_string(),
                "evidence[1].value must be a finite number >= 0"
            );
        }
    }
}
