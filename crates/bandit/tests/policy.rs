//! Policies: what they choose, and whether the propensities they report are the probabilities
//! with which they choose.

mod common;

use common::{BETA_1_1, NIG_PRIOR, all_algorithms, config, outcome, with_outcomes};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use slotwise_bandit::{Algorithm, BanditError, Experiment, ExperimentConfig, PolicyConfig};

/// Arm 2 clearly best, arm 1 second, arm 0 worst, 30 outcomes each.
fn three_arm_rewards() -> Vec<(usize, f64)> {
    (0..90)
        .map(|step| {
            let arm = step % 3;
            let success = (step / 3) % 10 < [2, 4, 5][arm];
            (arm, f64::from(success))
        })
        .collect()
}

fn choice_shares(experiment: &Experiment, draws: usize) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let mut counts = vec![0_usize; experiment.num_arms()];
    for _ in 0..draws {
        let decision = experiment.choose(&mut rng);
        assert_eq!(
            decision.propensity,
            experiment.propensities()[decision.arm_index]
        );
        counts[decision.arm_index] += 1;
    }
    counts
        .iter()
        .map(|count| *count as f64 / draws as f64)
        .collect()
}

fn with_policy(
    mut config: ExperimentConfig,
    burn_in_outcomes: u64,
    floor_share: f64,
) -> ExperimentConfig {
    config.policy = PolicyConfig {
        burn_in_outcomes,
        floor_share,
        ..config.policy
    };
    config
}

#[test]
fn every_policy_chooses_arms_as_often_as_its_propensities_say() {
    for reward_model in [BETA_1_1, NIG_PRIOR] {
        for algorithm in all_algorithms() {
            if algorithm == Algorithm::Ucb1 && reward_model == NIG_PRIOR {
                continue;
            }
            let config = with_policy(config(3, reward_model, algorithm), 0, 0.05);
            let experiment = with_outcomes(config, &three_arm_rewards());

            let shares = choice_shares(&experiment, 40_000);
            // 0.5 / sqrt(40000) = 0.0025 of sampling error; Thompson propensities add the
            // Monte Carlo error of 1024 joint draws, at most 0.016.
            let tolerance = 0.04;
            for (share, propensity) in shares.iter().zip(experiment.propensities()) {
                assert!(
                    (share - propensity).abs() < tolerance,
                    "{algorithm:?} {reward_model:?}: share {share} vs propensity {propensity}"
                );
            }
        }
    }
}

#[test]
fn epsilon_greedy_propensities_are_exact() {
    let config = with_policy(
        config(3, BETA_1_1, Algorithm::EpsilonGreedy { epsilon: 0.3 }),
        0,
        0.05,
    );
    let experiment = with_outcomes(config, &three_arm_rewards());

    // Floor: 3 * 0.05 = 0.15 uniform; of the remaining 0.85, epsilon 0.3 uniform, 0.7 greedy.
    let explore = 0.05 + 0.85 * 0.1;
    let expected = [explore, explore, explore + 0.85 * 0.7];
    for (propensity, expected) in experiment.propensities().iter().zip(expected) {
        assert!(
            (propensity - expected).abs() < 1e-12,
            "{propensity} vs {expected}"
        );
    }
}

#[test]
fn top_two_with_beta_one_is_thompson_sampling() {
    let rewards = three_arm_rewards();
    let thompson = with_outcomes(config(3, BETA_1_1, Algorithm::Thompson), &rewards);
    let top_two = with_outcomes(
        config(3, BETA_1_1, Algorithm::TopTwoThompson { beta: 1.0 }),
        &rewards,
    );

    assert_eq!(thompson.propensities(), top_two.propensities());
}

#[test]
fn top_two_explores_the_challenger_more_than_thompson() {
    let rewards = three_arm_rewards();
    let thompson = with_outcomes(config(3, BETA_1_1, Algorithm::Thompson), &rewards);
    let top_two = with_outcomes(
        config(3, BETA_1_1, Algorithm::TopTwoThompson { beta: 0.5 }),
        &rewards,
    );

    assert!(top_two.propensities()[2] < thompson.propensities()[2]);
    assert!(top_two.propensities()[2] >= 0.5 * thompson.propensities()[2]);
}

#[test]
fn burn_in_is_uniform_until_every_arm_has_enough_outcomes() {
    let config = with_policy(config(3, BETA_1_1, Algorithm::Thompson), 2, 0.0);
    let mut experiment = Experiment::new(config).unwrap();
    let mut clock = 0.0;
    for arm_index in [0, 0, 0, 0, 1, 1, 2] {
        clock += 1.0;
        experiment
            .record_outcome(outcome(arm_index, 1.0, clock))
            .unwrap();
    }
    assert_eq!(experiment.propensities(), &[1.0 / 3.0; 3]);

    experiment
        .record_outcome(outcome(2, 0.0, clock + 1.0))
        .unwrap();
    assert!(experiment.propensities()[0] > 0.4);
}

#[test]
fn ucb1_tries_an_arm_without_outcomes_first() {
    let experiment = with_outcomes(config(3, BETA_1_1, Algorithm::Ucb1), &[(0, 1.0), (1, 1.0)]);

    assert_eq!(experiment.propensities(), &[0.0, 0.0, 1.0]);
}

#[test]
fn bayes_ucb_prefers_the_uncertain_arm_at_equal_means() {
    let mut rewards = vec![];
    for step in 0..200 {
        rewards.push((0, f64::from(step % 2 == 0)));
    }
    rewards.extend([(1, 1.0), (1, 0.0)]);
    let experiment = with_outcomes(config(2, BETA_1_1, Algorithm::BayesUcb), &rewards);

    assert_eq!(experiment.propensities(), &[0.0, 1.0]);
}

#[test]
fn a_stopped_experiment_chooses_its_winner_and_takes_no_outcomes() {
    let mut experiment = with_outcomes(
        config(3, BETA_1_1, Algorithm::Thompson),
        &three_arm_rewards(),
    );
    let winner = experiment.stop();
    assert_eq!(winner, 2);
    assert_eq!(experiment.stop(), winner);

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    for _ in 0..100 {
        let decision = experiment.choose(&mut rng);
        assert_eq!((decision.arm_index, decision.propensity), (winner, 1.0));
    }
    let refused = experiment.record_outcome(outcome(0, 1.0, 1e6));
    assert_eq!(refused, Err(BanditError::ExperimentStopped));
    assert_eq!(experiment.summary().recommended_arm, winner);
}
