//! Discounted sufficient statistics of the outcomes of each arm, updated in O(1) per outcome.
//!
//! With a half-life `h`, an outcome observed at time `t` weighs `2^(-(now - t) / h)`, where `now`
//! is the latest outcome time of the experiment (all arms share one clock, so an arm that gets no
//! outcomes loses weight as the others move time forward). Rescaling every arm on every outcome
//! would cost O(arms); instead each arm stores its weights relative to a shared `epoch`
//! (an outcome weighs `2^((t - epoch) / h)` there) and the clock turns them into weights at
//! `now` with one factor. When `now` runs far ahead of `epoch` the clock moves `epoch` to `now`
//! and rescales every arm once, which keeps the stored numbers finite: O(1) amortised.
//!
//! An arm keeps the total weight `w`, the weighted reward sum `s` and the weighted sum of squared
//! deviations from the weighted mean `m2` (West's incremental algorithm, stable for rewards far
//! from zero such as watch time in seconds). All three scale alike, so decay never touches the
//! mean.

/// Exponent (in half-lives) beyond which the epoch moves forward: 2^256 keeps far inside f64.
const MAX_EPOCH_EXPONENT: f64 = 256.0;

/// The shared clock that turns outcome times into weights.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DiscountClock {
    half_life_seconds: Option<f64>,
    epoch: f64,
    latest: Option<f64>,
}

/// Sufficient statistics of one arm, in the epoch's units.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ArmStatistics {
    pub(crate) decisions: u64,
    pub(crate) outcomes: u64,
    weight: f64,
    sum: f64,
    m2: f64,
}

/// Statistics of one arm as weighed at the latest outcome time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EffectiveStatistics {
    /// Total weight, the discounted number of outcomes.
    pub(crate) weight: f64,
    /// Weighted sum of rewards.
    pub(crate) sum: f64,
    /// Weighted sum of squared deviations from the weighted mean.
    pub(crate) m2: f64,
}

impl DiscountClock {
    pub(crate) fn new(half_life_seconds: Option<f64>) -> Self {
        DiscountClock {
            half_life_seconds,
            epoch: 0.0,
            latest: None,
        }
    }

    /// Weight, in epoch units, of an outcome observed at `observed_at`; moves the clock forward
    /// and rescales `arms` first when the epoch would fall too far behind.
    pub(crate) fn weight_of(&mut self, observed_at: f64, arms: &mut [ArmStatistics]) -> f64 {
        let Some(half_life) = self.half_life_seconds else {
            return 1.0;
        };

        if self.latest.is_none() {
            self.epoch = observed_at;
        }
        self.latest = Some(
            self.latest
                .map_or(observed_at, |latest| latest.max(observed_at)),
        );

        let exponent = (observed_at - self.epoch) / half_life;
        if exponent > MAX_EPOCH_EXPONENT {
            self.move_epoch(observed_at, half_life, arms);
            return 1.0;
        }
        exponent.exp2()
    }

    /// Factor from epoch units to weights at the latest outcome time.
    pub(crate) fn scale(&self) -> f64 {
        match (self.half_life_seconds, self.latest) {
            (Some(half_life), Some(latest)) => (-(latest - self.epoch) / half_life).exp2(),
            _ => 1.0,
        }
    }

    fn move_epoch(&mut self, new_epoch: f64, half_life: f64, arms: &mut [ArmStatistics]) {
        let factor = (-(new_epoch - self.epoch) / half_life).exp2();
        for arm in arms {
            arm.rescale(factor);
        }
        self.epoch = new_epoch;
    }
}

impl ArmStatistics {
    /// Adds one reward with `weight` (epoch units); O(1).
    pub(crate) fn add(&mut self, reward: f64, weight: f64) {
        let old_mean = self.mean_or(reward);
        self.weight += weight;
        self.sum += weight * reward;
        let new_mean = self.sum / self.weight;
        self.m2 += weight * (reward - old_mean) * (reward - new_mean);
        self.outcomes += 1;
    }

    /// The statistics as weighed at the clock's latest outcome time.
    pub(crate) fn effective(&self, scale: f64) -> EffectiveStatistics {
        EffectiveStatistics {
            weight: self.weight * scale,
            sum: self.sum * scale,
            m2: self.m2 * scale,
        }
    }

    fn mean_or(&self, fallback: f64) -> f64 {
        if self.weight > 0.0 {
            self.sum / self.weight
        } else {
            fallback
        }
    }

    fn rescale(&mut self, factor: f64) {
        self.weight *= factor;
        self.sum *= factor;
        self.m2 *= factor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_one_half_life_old_weighs_half() {
        let mut clock = DiscountClock::new(Some(10.0));
        let mut arms = vec![ArmStatistics::default(), ArmStatistics::default()];

        let first = clock.weight_of(100.0, &mut arms);
        arms[0].add(1.0, first);
        let second = clock.weight_of(110.0, &mut arms);
        arms[1].add(1.0, second);

        let scale = clock.scale();
        assert!((arms[0].effective(scale).weight - 0.5).abs() < 1e-12);
        assert!((arms[1].effective(scale).weight - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_late_outcome_observed_earlier_weighs_by_its_own_time() {
        let mut clock = DiscountClock::new(Some(5.0));
        let mut arms = vec![ArmStatistics::default()];

        let newer = clock.weight_of(20.0, &mut arms);
        arms[0].add(0.0, newer);
        let older = clock.weight_of(10.0, &mut arms);
        arms[0].add(1.0, older);

        let effective = arms[0].effective(clock.scale());
        assert!((effective.weight - 1.25).abs() < 1e-12);
        assert!((effective.sum - 0.25).abs() < 1e-12);
    }

    #[test]
    fn moving_the_epoch_keeps_weights_finite_and_relative() {
        let mut clock = DiscountClock::new(Some(1.0));
        let mut arms = vec![ArmStatistics::default(), ArmStatistics::default()];

        let first = clock.weight_of(0.0, &mut arms);
        arms[0].add(1.0, first);
        let far = clock.weight_of(1000.0, &mut arms);
        arms[1].add(1.0, far);
        let near = clock.weight_of(1001.0, &mut arms);
        arms[1].add(1.0, near);

        let scale = clock.scale();
        assert!(arms[0].effective(scale).weight < 1e-300);
        assert!((arms[1].effective(scale).weight - 1.5).abs() < 1e-12);
    }

    #[test]
    fn weighted_variance_matches_the_two_pass_formula() {
        let rewards = [12.0, 15.5, 9.25, 30.0, 14.0];
        let weights = [1.0, 0.5, 2.0, 0.25, 1.5];
        let mut arm = ArmStatistics::default();
        for (reward, weight) in rewards.iter().zip(weights) {
            arm.add(*reward, weight);
        }

        let total: f64 = weights.iter().sum();
        let mean = rewards.iter().zip(weights).map(|(r, w)| r * w).sum::<f64>() / total;
        let m2: f64 = rewards
            .iter()
            .zip(weights)
            .map(|(r, w)| w * (r - mean).powi(2))
            .sum();
        let effective = arm.effective(1.0);
        assert!((effective.sum / effective.weight - mean).abs() < 1e-12);
        assert!((effective.m2 - m2).abs() < 1e-9);
    }
}
