//! Choosing the arm of the next post, and the probability of that choice (its propensity).
//!
//! Every policy is a probability distribution over arms that depends only on the state. The
//! first choice after a change derives that distribution once (the policy cache); later choices
//! only draw from it, so a choice allocates nothing.
//!
//! - Uniform, epsilon-greedy, UCB1, Bayes-UCB, burn-in and stopped experiments: the distribution
//!   is known exactly and the arm is drawn from it; ties in a greedy rule split evenly.
//! - Thompson sampling draws every arm's mean from its posterior and takes the highest. Its
//!   propensity, the probability of an arm being best under the posterior, has no closed form:
//!   it is estimated from [`PROPENSITY_DRAWS`] joint draws seeded by the posteriors (see
//!   [`crate::monte_carlo`]; a replayed experiment reports the same propensities, and without a
//!   half-life only the arm that got an outcome is drawn again), smoothed as
//!   `(wins + 1/2) / (draws + arms/2)` so that an arm Thompson can pick never reports 0.
//!   The standard error is at most 0.5 / sqrt(1024) = 1.6 percentage points.
//! - Top-two Thompson sampling takes the Thompson leader with probability `beta`; otherwise it
//!   takes a challenger, drawn from the estimated probabilities of being best restricted to the
//!   other arms. That is the distribution of Russo's "redraw until another arm wins", without
//!   the redraw loop that grows without bound as the leader becomes certain. Its propensity is
//!   `beta q_i + (1 - beta) q_i sum_{j != i} q_j / (1 - q_j)` with the estimates `q`.
//! - A floor share `f` over `k` arms mixes in a uniform choice with probability `k f`, so every
//!   propensity is `f + (1 - k f) p_i`.

use rand::{Rng, RngExt};
use rand_distr::Distribution;

use crate::config::Algorithm;
use crate::experiment::{Decision, Experiment};
use crate::monte_carlo::DrawMatrix;
use crate::posterior::{Posterior, PosteriorSampler};

/// Joint draws behind a Thompson propensity; the estimate is redone after every outcome.
pub const PROPENSITY_DRAWS: usize = 1024;

/// The distribution over arms of the current policy in the current state.
#[derive(Debug, Clone)]
pub(crate) struct PolicyCache {
    /// Probability of choosing each arm, floor share included; sums to 1.
    propensities: Vec<f64>,
    sampling: Sampling,
}

/// How a choice is drawn.
#[derive(Debug, Clone)]
enum Sampling {
    /// Straight from `propensities`.
    FromPropensities,
    /// Uniform with probability `explore_share`, else the highest posterior draw.
    Thompson {
        explore_share: f64,
        samplers: Vec<PosteriorSampler>,
        propensity_draws: DrawMatrix,
    },
    /// Like Thompson, but a challenger replaces the leader with probability `1 - beta`.
    TopTwoThompson {
        explore_share: f64,
        beta: f64,
        samplers: Vec<PosteriorSampler>,
        best_arm_probabilities: Vec<f64>,
        propensity_draws: DrawMatrix,
    },
}

impl Experiment {
    /// Picks the arm of the next post; the state does not change (see
    /// [`Experiment::record_decision`]). A stopped experiment always returns its winner.
    pub fn choose<R: Rng + ?Sized>(&self, rng: &mut R) -> Decision {
        let cache = self.policy_cache();

        let arm_index = match &cache.sampling {
            Sampling::FromPropensities => draw_from(&cache.propensities, rng),
            Sampling::Thompson {
                explore_share,
                samplers,
                ..
            } => explore_or(*explore_share, samplers.len(), rng, |rng| {
                highest_draw(samplers, rng)
            }),
            Sampling::TopTwoThompson {
                explore_share,
                beta,
                samplers,
                best_arm_probabilities,
                ..
            } => explore_or(*explore_share, samplers.len(), rng, |rng| {
                top_two(samplers, best_arm_probabilities, *beta, rng)
            }),
        };

        Decision {
            arm_index,
            propensity: cache.propensities[arm_index],
        }
    }

    /// Probability that the next choice picks each arm, in arm order; sums to 1.
    pub fn propensities(&self) -> &[f64] {
        &self.policy_cache().propensities
    }

    fn policy_cache(&self) -> &PolicyCache {
        self.policy_cache.get_or_init(|| self.build_policy_cache())
    }

    fn build_policy_cache(&self) -> PolicyCache {
        let num_arms = self.num_arms();
        if let Some(winner) = self.winner {
            return PolicyCache::fixed(one_hot(num_arms, winner));
        }
        if self.in_burn_in() {
            return PolicyCache::fixed(vec![1.0 / num_arms as f64; num_arms]);
        }

        let floor_share = self.config.policy.floor_share;
        let posteriors = self.posteriors();
        match self.config.policy.algorithm {
            Algorithm::Uniform => PolicyCache::fixed(vec![1.0 / num_arms as f64; num_arms]),
            Algorithm::EpsilonGreedy { epsilon } => PolicyCache::fixed(with_floor(
                epsilon_greedy(&posteriors, epsilon),
                floor_share,
            )),
            Algorithm::BayesUcb => PolicyCache::fixed(with_floor(
                split_ties(&self.bayes_ucb_indices(&posteriors)),
                floor_share,
            )),
            Algorithm::Ucb1 => {
                PolicyCache::fixed(with_floor(split_ties(&self.ucb1_indices()), floor_share))
            }
            Algorithm::Thompson => {
                thompson_cache(&posteriors, floor_share, self.previous_draws.as_ref())
            }
            Algorithm::TopTwoThompson { beta } => {
                top_two_cache(&posteriors, floor_share, beta, self.previous_draws.as_ref())
            }
        }
    }

    fn in_burn_in(&self) -> bool {
        let burn_in = self.config.policy.burn_in_outcomes;
        self.arms.iter().any(|arm| arm.outcomes < burn_in)
    }

    /// Posterior quantile of level `1 - 1/(n + 1)`, `n` the discounted number of outcomes.
    fn bayes_ucb_indices(&self, posteriors: &[Posterior]) -> Vec<f64> {
        let scale = self.clock.scale();
        let outcomes: f64 = self
            .arms
            .iter()
            .map(|arm| arm.effective(scale).weight)
            .sum();
        let level = 1.0 - 1.0 / (outcomes + 1.0);
        posteriors
            .iter()
            .map(|posterior| posterior.quantile(level))
            .collect()
    }

    /// Empirical mean plus `sqrt(2 ln n / n_arm)` on discounted counts; an arm without outcomes
    /// comes first.
    fn ucb1_indices(&self) -> Vec<f64> {
        let scale = self.clock.scale();
        let effective: Vec<_> = self.arms.iter().map(|arm| arm.effective(scale)).collect();
        let total: f64 = effective.iter().map(|statistics| statistics.weight).sum();
        let log_total = total.max(1.0).ln();

        let index = |weight: f64, sum: f64| {
            if weight > 0.0 {
                sum / weight + (2.0 * log_total / weight).sqrt()
            } else {
                f64::INFINITY
            }
        };
        effective
            .iter()
            .map(|statistics| index(statistics.weight, statistics.sum))
            .collect()
    }
}

impl PolicyCache {
    fn fixed(propensities: Vec<f64>) -> Self {
        PolicyCache {
            propensities,
            sampling: Sampling::FromPropensities,
        }
    }

    /// The propensity draws of a Thompson policy, for reuse after the next change.
    pub(crate) fn into_draws(self) -> Option<DrawMatrix> {
        match self.sampling {
            Sampling::FromPropensities => None,
            Sampling::Thompson {
                propensity_draws, ..
            }
            | Sampling::TopTwoThompson {
                propensity_draws, ..
            } => Some(propensity_draws),
        }
    }
}

/// Uniform with probability `epsilon`, else the arm(s) with the highest posterior mean.
fn epsilon_greedy(posteriors: &[Posterior], epsilon: f64) -> Vec<f64> {
    let means: Vec<f64> = posteriors.iter().map(Posterior::mean).collect();
    let explore = epsilon / posteriors.len() as f64;

    let greedy = split_ties(&means);
    greedy
        .iter()
        .map(|p| explore + (1.0 - epsilon) * p)
        .collect()
}

fn thompson_cache(
    posteriors: &[Posterior],
    floor_share: f64,
    previous: Option<&DrawMatrix>,
) -> PolicyCache {
    let propensity_draws = DrawMatrix::new(posteriors, PROPENSITY_DRAWS, previous);
    let best_arm_probabilities = smoothed_best_arm_probabilities(&propensity_draws);
    let num_arms = posteriors.len();

    PolicyCache {
        propensities: with_floor(best_arm_probabilities, floor_share),
        sampling: Sampling::Thompson {
            explore_share: floor_share * num_arms as f64,
            samplers: posteriors.iter().map(Posterior::sampler).collect(),
            propensity_draws,
        },
    }
}

fn top_two_cache(
    posteriors: &[Posterior],
    floor_share: f64,
    beta: f64,
    previous: Option<&DrawMatrix>,
) -> PolicyCache {
    let propensity_draws = DrawMatrix::new(posteriors, PROPENSITY_DRAWS, previous);
    let q = smoothed_best_arm_probabilities(&propensity_draws);
    let challenger_sum: f64 = q.iter().map(|q_j| q_j / (1.0 - q_j)).sum();
    let base = q
        .iter()
        .map(|q_i| beta * q_i + (1.0 - beta) * q_i * (challenger_sum - q_i / (1.0 - q_i)))
        .collect();

    PolicyCache {
        propensities: with_floor(base, floor_share),
        sampling: Sampling::TopTwoThompson {
            explore_share: floor_share * posteriors.len() as f64,
            beta,
            samplers: posteriors.iter().map(Posterior::sampler).collect(),
            best_arm_probabilities: q,
            propensity_draws,
        },
    }
}

/// Smoothed, seeded Monte Carlo estimate of each arm's probability of being best.
fn smoothed_best_arm_probabilities(propensity_draws: &DrawMatrix) -> Vec<f64> {
    let estimate = propensity_draws.estimate();

    let draws = PROPENSITY_DRAWS as f64;
    let pseudo_draws = draws + estimate.probability_best.len() as f64 / 2.0;
    estimate
        .probability_best
        .iter()
        .map(|share| (share * draws + 0.5) / pseudo_draws)
        .collect()
}

fn explore_or<R: Rng + ?Sized>(
    explore_share: f64,
    num_arms: usize,
    rng: &mut R,
    exploit: impl FnOnce(&mut R) -> usize,
) -> usize {
    if explore_share > 0.0 && rng.random::<f64>() < explore_share {
        rng.random_range(0..num_arms)
    } else {
        exploit(rng)
    }
}

/// Index of the highest of one draw per arm (Thompson sampling).
#[inline]
fn highest_draw<R: Rng + ?Sized>(samplers: &[PosteriorSampler], rng: &mut R) -> usize {
    let mut best = 0;
    let mut best_draw = f64::NEG_INFINITY;
    for (arm, sampler) in samplers.iter().enumerate() {
        let draw = sampler.sample(rng);
        if draw > best_draw {
            best = arm;
            best_draw = draw;
        }
    }
    best
}

fn top_two<R: Rng + ?Sized>(
    samplers: &[PosteriorSampler],
    best_arm_probabilities: &[f64],
    beta: f64,
    rng: &mut R,
) -> usize {
    let leader = highest_draw(samplers, rng);
    if rng.random::<f64>() < beta {
        return leader;
    }

    let others_total = 1.0 - best_arm_probabilities[leader];
    let mut target = rng.random::<f64>() * others_total;
    let mut challenger = if leader == 0 { 1 } else { 0 };
    for (arm, probability) in best_arm_probabilities.iter().enumerate() {
        if arm == leader {
            continue;
        }
        challenger = arm;
        target -= probability;
        if target < 0.0 {
            break;
        }
    }
    challenger
}

/// An arm drawn with the given probabilities (which sum to 1).
fn draw_from<R: Rng + ?Sized>(propensities: &[f64], rng: &mut R) -> usize {
    let mut target = rng.random::<f64>();
    let mut chosen = 0;
    for (arm, probability) in propensities.iter().enumerate() {
        if *probability > 0.0 {
            chosen = arm;
        }
        target -= probability;
        if target < 0.0 && *probability > 0.0 {
            break;
        }
    }
    chosen
}

/// Probability 1 shared evenly by the arms with the highest score; NaN scores (an overflowed
/// posterior) rank lowest.
fn split_ties(scores: &[f64]) -> Vec<f64> {
    let rank = |score: f64| {
        if score.is_nan() {
            f64::NEG_INFINITY
        } else {
            score
        }
    };
    let best = scores
        .iter()
        .map(|score| rank(*score))
        .fold(f64::NEG_INFINITY, f64::max);
    let num_best = scores.iter().filter(|score| rank(**score) == best).count();

    scores
        .iter()
        .map(|score| {
            if rank(*score) == best {
                1.0 / num_best as f64
            } else {
                0.0
            }
        })
        .collect()
}

fn with_floor(base: Vec<f64>, floor_share: f64) -> Vec<f64> {
    let adaptive_share = 1.0 - floor_share * base.len() as f64;
    base.into_iter()
        .map(|p| floor_share + adaptive_share * p)
        .collect()
}

fn one_hot(num_arms: usize, arm: usize) -> Vec<f64> {
    let mut propensities = vec![0.0; num_arms];
    propensities[arm] = 1.0;
    propensities
}
