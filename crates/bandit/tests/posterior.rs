//! Posteriors against their closed forms: Beta-Bernoulli and Normal-Inverse-Gamma updates,
//! discounting, credible intervals.

mod common;

use common::{BETA_1_1, NIG_PRIOR, config, outcome, with_outcomes};
use slotwise_bandit::{Algorithm, Experiment, Posterior, RewardModel};

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance * expected.abs().max(1.0)
}

#[test]
fn bernoulli_outcomes_add_successes_to_alpha_and_failures_to_beta() {
    let prior = RewardModel::Bernoulli {
        prior_alpha: 2.0,
        prior_beta: 3.0,
    };
    let rewards = [(0, 1.0), (0, 0.0), (0, 1.0), (0, 1.0), (1, 0.0)];
    let experiment = with_outcomes(config(2, prior, Algorithm::Thompson), &rewards);

    let posteriors = experiment.posteriors();
    assert_eq!(
        posteriors[0],
        Posterior::Beta {
            alpha: 5.0,
            beta: 4.0
        }
    );
    assert_eq!(
        posteriors[1],
        Posterior::Beta {
            alpha: 2.0,
            beta: 4.0
        }
    );
    assert!(close(posteriors[0].mean(), 5.0 / 9.0, 1e-15));
}

#[test]
fn gaussian_outcomes_follow_the_normal_inverse_gamma_update() {
    let rewards = [3.5, 7.25, 6.0, 4.75, 9.0, 5.5];
    let pairs: Vec<_> = rewards.iter().map(|reward| (0, *reward)).collect();
    let experiment = with_outcomes(config(2, NIG_PRIOR, Algorithm::Thompson), &pairs);

    let (mu0, kappa0, alpha0, beta0) = (5.0, 2.0, 3.0, 4.0);
    let n = rewards.len() as f64;
    let mean = rewards.iter().sum::<f64>() / n;
    let squares: f64 = rewards.iter().map(|reward| (reward - mean).powi(2)).sum();
    let expected_kappa = kappa0 + n;
    let expected_mean = (kappa0 * mu0 + n * mean) / expected_kappa;
    let expected_alpha = alpha0 + n / 2.0;
    let expected_beta =
        beta0 + squares / 2.0 + kappa0 * n * (mean - mu0).powi(2) / (2.0 * expected_kappa);

    let Posterior::NormalInverseGamma {
        mean,
        kappa,
        alpha,
        beta,
    } = experiment.posteriors()[0]
    else {
        panic!("gaussian model must give a normal-inverse-gamma posterior");
    };
    assert!(close(mean, expected_mean, 1e-12));
    assert!(close(kappa, expected_kappa, 1e-12));
    assert!(close(alpha, expected_alpha, 1e-12));
    assert!(close(beta, expected_beta, 1e-12));
}

#[test]
fn gaussian_arm_without_outcomes_keeps_its_prior() {
    let experiment = with_outcomes(config(2, NIG_PRIOR, Algorithm::Thompson), &[(0, 1.0)]);

    assert_eq!(
        experiment.posteriors()[1],
        Posterior::NormalInverseGamma {
            mean: 5.0,
            kappa: 2.0,
            alpha: 3.0,
            beta: 4.0
        }
    );
}

#[test]
fn an_outcome_one_half_life_older_counts_half() {
    let mut config = config(2, BETA_1_1, Algorithm::Thompson);
    config.half_life_seconds = Some(3600.0);
    let mut experiment = Experiment::new(config).unwrap();

    experiment.record_outcome(outcome(0, 1.0, 1000.0)).unwrap();
    experiment
        .record_outcome(outcome(1, 0.0, 1000.0 + 3600.0))
        .unwrap();
    experiment
        .record_outcome(outcome(0, 0.0, 1000.0 + 7200.0))
        .unwrap();

    let posteriors = experiment.posteriors();
    let Posterior::Beta { alpha, beta } = posteriors[0] else {
        panic!("bernoulli model")
    };
    assert!(close(alpha, 1.25, 1e-12));
    assert!(close(beta, 2.0, 1e-12));
    let Posterior::Beta { alpha, beta } = posteriors[1] else {
        panic!("bernoulli model")
    };
    assert!(close(alpha, 1.0, 1e-12));
    assert!(close(beta, 1.5, 1e-12));
}

#[test]
fn beta_credible_interval_matches_known_quantiles() {
    let uniform = Posterior::Beta {
        alpha: 1.0,
        beta: 1.0,
    };
    let (lower, upper) = uniform.credible_interval(0.95);
    assert!(close(lower, 0.025, 1e-9) && close(upper, 0.975, 1e-9));

    // Beta(2, 1) has CDF x^2, so its quantile at p is sqrt(p).
    let triangle = Posterior::Beta {
        alpha: 2.0,
        beta: 1.0,
    };
    let (lower, upper) = triangle.credible_interval(0.95);
    assert!(close(lower, 0.025_f64.sqrt(), 1e-9) && close(upper, 0.975_f64.sqrt(), 1e-9));
}

#[test]
fn gaussian_credible_interval_is_the_student_t_of_the_mean() {
    // 2 alpha = 10 degrees of freedom; t(0.975, 10) = 2.228138851986.
    let posterior = Posterior::NormalInverseGamma {
        mean: 3.0,
        kappa: 4.0,
        alpha: 5.0,
        beta: 20.0,
    };
    let scale = (20.0_f64 / (5.0 * 4.0)).sqrt();
    let (lower, upper) = posterior.credible_interval(0.95);
    assert!(close(upper, 3.0 + 2.228_138_851_986 * scale, 1e-9));
    assert!(close(lower, 3.0 - 2.228_138_851_986 * scale, 1e-9));
}

#[test]
fn thompson_picks_an_arm_as_often_as_it_is_best() {
    use rand::SeedableRng;

    for reward_model in [BETA_1_1, NIG_PRIOR] {
        let rewards: Vec<_> = (0..40).map(|step| (0, f64::from(step % 3 == 0))).collect();
        let experiment = with_outcomes(config(2, reward_model, Algorithm::Thompson), &rewards);
        let posterior = experiment.posteriors()[0];

        // Arm 0 wins Thompson's draw exactly when its draw beats arm 1's; compare that share
        // with the Monte Carlo probability of being best from the summary.
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(11);
        let wins = (0..20_000)
            .filter(|_| experiment.choose(&mut rng).arm_index == 0)
            .count();
        let share = wins as f64 / 20_000.0;
        let probability = experiment.probability_best().probability_best[0];
        assert!(
            (share - probability).abs() < 0.03,
            "{share} vs {probability} for {posterior:?}"
        );
    }
}
