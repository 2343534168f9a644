//! Property tests of posteriors and policies.

mod common;

use common::{BETA_1_1, NIG_PRIOR, all_algorithms, config, outcome};
use proptest::prelude::*;
use slotwise_bandit::{Algorithm, Experiment, PolicyConfig, RewardModel};

fn bernoulli_prior() -> impl Strategy<Value = RewardModel> {
    (0.1..20.0_f64, 0.1..20.0_f64).prop_map(|(prior_alpha, prior_beta)| RewardModel::Bernoulli {
        prior_alpha,
        prior_beta,
    })
}

fn gaussian_prior() -> impl Strategy<Value = RewardModel> {
    (-50.0..50.0_f64, 0.1..10.0_f64, 0.5..10.0_f64, 0.1..10.0_f64).prop_map(
        |(prior_mean, prior_kappa, prior_alpha, prior_beta)| RewardModel::Gaussian {
            prior_mean,
            prior_kappa,
            prior_alpha,
            prior_beta,
        },
    )
}

fn between(value: f64, a: f64, b: f64) -> bool {
    let slack = 1e-9 * (1.0 + a.abs().max(b.abs()));
    value >= a.min(b) - slack && value <= a.max(b) + slack
}

proptest! {
    #[test]
    fn bernoulli_posterior_mean_lies_between_prior_mean_and_sample_mean(
        prior in bernoulli_prior(),
        rewards in prop::collection::vec(prop::bool::ANY, 1..60),
    ) {
        let RewardModel::Bernoulli { prior_alpha, prior_beta } = prior else { unreachable!() };
        let pairs: Vec<_> = rewards.iter().map(|success| (0, f64::from(*success))).collect();
        let experiment = common::with_outcomes(config(2, prior, Algorithm::Thompson), &pairs);

        let sample_mean = pairs.iter().map(|(_, reward)| reward).sum::<f64>() / pairs.len() as f64;
        let prior_mean = prior_alpha / (prior_alpha + prior_beta);
        let posterior_mean = experiment.posteriors()[0].mean();
        prop_assert!(between(posterior_mean, prior_mean, sample_mean));
    }

    #[test]
    fn gaussian_posterior_mean_lies_between_prior_mean_and_sample_mean(
        prior in gaussian_prior(),
        rewards in prop::collection::vec(-100.0..100.0_f64, 1..60),
    ) {
        let RewardModel::Gaussian { prior_mean, .. } = prior else { unreachable!() };
        let pairs: Vec<_> = rewards.iter().map(|reward| (1, *reward)).collect();
        let experiment = common::with_outcomes(config(2, prior, Algorithm::Thompson), &pairs);

        let sample_mean = rewards.iter().sum::<f64>() / rewards.len() as f64;
        prop_assert!(between(experiment.posteriors()[1].mean(), prior_mean, sample_mean));
    }

    #[test]
    fn an_infinite_half_life_discounts_nothing(
        gaussian in prop::bool::ANY,
        outcomes in prop::collection::vec((0..3_usize, 0.0..1.0_f64, 0.0..1e9_f64), 0..80),
    ) {
        let prior = if gaussian { NIG_PRIOR } else { BETA_1_1 };
        let plain = config(3, prior, Algorithm::Thompson);
        let mut infinite = plain.clone();
        infinite.half_life_seconds = Some(f64::INFINITY);
        let mut without = Experiment::new(plain).unwrap();
        let mut with_infinite = Experiment::new(infinite).unwrap();

        for (arm_index, reward, observed_at) in outcomes {
            let reward = if gaussian { reward * 10.0 } else { reward.round() };
            without.record_outcome(outcome(arm_index, reward, observed_at)).unwrap();
            with_infinite.record_outcome(outcome(arm_index, reward, observed_at)).unwrap();
        }

        prop_assert_eq!(without.posteriors(), with_infinite.posteriors());
        prop_assert_eq!(without.summary(), with_infinite.summary());
    }

    #[test]
    fn propensities_sum_to_one_and_respect_the_floor(
        algorithm_index in 0..6_usize,
        num_arms in 2..8_usize,
        floor_fraction in 0.0..1.0_f64,
        burn_in_outcomes in 0..4_u64,
        rewards in prop::collection::vec((0..8_usize, prop::bool::ANY), 0..120),
    ) {
        let mut config = config(num_arms, BETA_1_1, all_algorithms()[algorithm_index]);
        let floor_share = floor_fraction / num_arms as f64;
        config.policy = PolicyConfig { burn_in_outcomes, floor_share, ..config.policy };
        let pairs: Vec<_> = rewards
            .iter()
            .map(|(arm, success)| (arm % num_arms, f64::from(*success)))
            .collect();
        let experiment = common::with_outcomes(config, &pairs);

        let propensities = experiment.propensities();
        let total: f64 = propensities.iter().sum();
        prop_assert!((total - 1.0).abs() < 1e-9, "propensities {propensities:?} sum to {total}");
        prop_assert!(propensities.iter().all(|p| *p >= floor_share - 1e-12));
    }
}
