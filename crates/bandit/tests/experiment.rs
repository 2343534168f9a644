//! Experiments as a service stores them: replay, serialisation, validation errors with field
//! paths, and summaries that are the same for the same state.

mod common;

use common::{BETA_1_1, NIG_PRIOR, config, outcome, with_outcomes};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use slotwise_bandit::{
    Algorithm, ArmConfig, BanditError, Event, Experiment, ExperimentConfig, StopSignal,
    StoppingRule,
};

/// A service-like run: choose, store the decision, store an outcome for most decisions. Returns
/// the live experiment and the stored events.
fn simulated_run(config: &ExperimentConfig, steps: usize, seed: u64) -> (Experiment, Vec<Event>) {
    let mut experiment = Experiment::new(config.clone()).expect("valid config");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut events = vec![];
    for step in 0..steps {
        let decision = experiment.choose(&mut rng);
        let mut step_events = vec![Event::Decision {
            arm_index: decision.arm_index,
        }];
        if rng.random_bool(0.8) {
            let reward = f64::from(rng.random_bool(0.1 + 0.05 * decision.arm_index as f64));
            step_events.push(Event::Outcome(outcome(
                decision.arm_index,
                reward,
                step as f64 * 60.0,
            )));
        }
        for event in step_events {
            experiment.apply(event).expect("valid event");
            events.push(event);
        }
    }
    (experiment, events)
}

/// A change that breaks a valid config.
type ConfigEdit = Box<dyn Fn(&mut ExperimentConfig)>;

fn field_of(error: BanditError) -> String {
    match error {
        BanditError::InvalidConfig { field, .. } => field,
        other => panic!("expected an invalid config error, got {other}"),
    }
}

#[test]
fn replaying_stored_events_rebuilds_the_experiment_exactly() {
    // Without a half-life the live run reuses the propensity draws of unchanged arms; with one,
    // every outcome moves every arm. The replay draws everything afresh at the end.
    for half_life_seconds in [None, Some(3600.0)] {
        let mut config = config(4, BETA_1_1, Algorithm::TopTwoThompson { beta: 0.5 });
        config.half_life_seconds = half_life_seconds;
        config.policy.floor_share = 0.02;
        let (live, events) = simulated_run(&config, 500, 3);

        let replayed = Experiment::replay(config, events.iter().copied()).unwrap();

        assert_eq!(live.posteriors(), replayed.posteriors());
        assert_eq!(live.propensities(), replayed.propensities());
        assert_eq!(live.summary(), replayed.summary());
        let decisions: u64 = (0..4).map(|arm| replayed.decisions(arm)).sum();
        let stored = events
            .iter()
            .filter(|event| matches!(event, Event::Decision { .. }))
            .count();
        assert_eq!(decisions as usize, stored);
    }
}

#[test]
fn events_and_config_survive_json() {
    let mut config = config(3, NIG_PRIOR, Algorithm::EpsilonGreedy { epsilon: 0.1 });
    config.half_life_seconds = Some(7.0 * 86_400.0);
    let events = vec![
        Event::Decision { arm_index: 2 },
        Event::Outcome(outcome(2, 0.125, 1_767_225_600.0)),
        Event::Stop,
    ];

    let config_json = serde_json::to_string(&config).unwrap();
    let events_json = serde_json::to_string(&events).unwrap();
    assert_eq!(
        serde_json::from_str::<ExperimentConfig>(&config_json).unwrap(),
        config
    );
    assert_eq!(
        serde_json::from_str::<Vec<Event>>(&events_json).unwrap(),
        events
    );
}

#[test]
fn a_minimal_json_config_takes_defaults() {
    let json = r#"{
        "arms": [{"id": "morning"}, {"id": "evening"}],
        "reward_model": {"kind": "bernoulli", "prior_alpha": 1, "prior_beta": 1},
        "policy": {"algorithm": {"kind": "top_two_thompson", "beta": 0.5}}
    }"#;
    let config: ExperimentConfig = serde_json::from_str(json).unwrap();

    assert_eq!(config.policy.floor_share, 0.0);
    assert_eq!(config.stopping_rule, StoppingRule::default());
    assert!(Experiment::new(config).is_ok());
}

#[test]
fn a_partial_stopping_rule_keeps_the_other_defaults() {
    let json = r#"{"min_outcomes_per_arm": 100}"#;
    let rule: StoppingRule = serde_json::from_str(json).unwrap();

    assert_eq!(
        rule.probability_best,
        StoppingRule::default().probability_best
    );
    assert_eq!(rule.min_outcomes_per_arm, 100);
}

#[test]
fn invalid_configs_name_the_offending_field() {
    let valid = config(3, BETA_1_1, Algorithm::Thompson);
    let cases: Vec<(&str, ConfigEdit)> = vec![
        ("arms", Box::new(|c| c.arms.truncate(1))),
        ("arms[2].id", Box::new(|c| c.arms[2].id = " ".into())),
        ("arms[1].id", Box::new(|c| c.arms[1].id = "arm-0".into())),
        (
            "reward_model.prior_alpha",
            Box::new(|c| {
                c.reward_model = slotwise_bandit::RewardModel::Bernoulli {
                    prior_alpha: 0.0,
                    prior_beta: 1.0,
                }
            }),
        ),
        (
            "reward_model.prior_kappa",
            Box::new(|c| {
                c.reward_model = slotwise_bandit::RewardModel::Gaussian {
                    prior_mean: 0.0,
                    prior_kappa: -1.0,
                    prior_alpha: 1.0,
                    prior_beta: 1.0,
                }
            }),
        ),
        (
            "policy.floor_share",
            Box::new(|c| c.policy.floor_share = 0.34),
        ),
        (
            "policy.floor_share",
            Box::new(|c| c.policy.floor_share = -0.01),
        ),
        (
            "policy.algorithm.epsilon",
            Box::new(|c| c.policy.algorithm = Algorithm::EpsilonGreedy { epsilon: 1.5 }),
        ),
        (
            "policy.algorithm.beta",
            Box::new(|c| c.policy.algorithm = Algorithm::TopTwoThompson { beta: f64::NAN }),
        ),
        (
            "policy.algorithm",
            Box::new(|c| {
                c.reward_model = NIG_PRIOR;
                c.policy.algorithm = Algorithm::Ucb1;
            }),
        ),
        (
            "stopping_rule.probability_best",
            Box::new(|c| c.stopping_rule.probability_best = Some(1.2)),
        ),
        (
            "stopping_rule.expected_loss",
            Box::new(|c| c.stopping_rule.expected_loss = Some(-0.1)),
        ),
        (
            "half_life_seconds",
            Box::new(|c| c.half_life_seconds = Some(0.0)),
        ),
    ];

    assert!(Experiment::new(valid.clone()).is_ok());
    for (field, break_config) in cases {
        let mut config = valid.clone();
        break_config(&mut config);
        let error = Experiment::new(config).unwrap_err();
        assert!(error.to_string().starts_with(field), "{error}");
        assert_eq!(field_of(error), field);
    }
}

#[test]
fn rewards_outside_the_model_and_unknown_arms_are_refused() {
    let mut bernoulli = Experiment::new(config(2, BETA_1_1, Algorithm::Thompson)).unwrap();
    let mut gaussian = Experiment::new(config(2, NIG_PRIOR, Algorithm::Thompson)).unwrap();

    for reward in [0.5, -1.0, 2.0, f64::NAN] {
        let refused = bernoulli
            .record_outcome(outcome(0, reward, 0.0))
            .unwrap_err();
        assert!(matches!(
            refused,
            BanditError::RewardOutOfRange {
                model: "bernoulli",
                ..
            }
        ));
    }
    for reward in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let refused = gaussian
            .record_outcome(outcome(0, reward, 0.0))
            .unwrap_err();
        assert!(matches!(
            refused,
            BanditError::RewardOutOfRange {
                model: "gaussian",
                ..
            }
        ));
    }
    assert_eq!(
        bernoulli.record_outcome(outcome(2, 1.0, 0.0)),
        Err(BanditError::UnknownArm {
            arm_index: 2,
            num_arms: 2
        })
    );
    assert_eq!(
        bernoulli.record_decision(7),
        Err(BanditError::UnknownArm {
            arm_index: 7,
            num_arms: 2
        })
    );
    assert!(matches!(
        gaussian.record_outcome(outcome(1, 1.0, f64::NAN)),
        Err(BanditError::InvalidTimestamp { .. })
    ));
    assert_eq!(bernoulli.outcomes(0) + gaussian.outcomes(0), 0);
}

#[test]
fn the_same_state_gives_the_same_probabilities() {
    let rewards: Vec<_> = (0..300)
        .map(|step| (step % 5, f64::from(step % 7 == 0)))
        .collect();
    let first = with_outcomes(config(5, BETA_1_1, Algorithm::Thompson), &rewards);
    let second = with_outcomes(config(5, BETA_1_1, Algorithm::Uniform), &rewards);

    assert_eq!(first.probability_best(), first.probability_best());
    assert_eq!(first.probability_best(), second.probability_best());
    assert_eq!(first.summary().arms, second.summary().arms);

    let mut moved = with_outcomes(config(5, BETA_1_1, Algorithm::Thompson), &rewards);
    moved.record_outcome(outcome(0, 1.0, 1e4)).unwrap();
    assert_ne!(first.probability_best(), moved.probability_best());
}

#[test]
fn probability_best_and_expected_loss_agree_with_a_clear_winner() {
    let rewards: Vec<_> = (0..400)
        .map(|step| (step % 2, f64::from(step % 2 == 1 || step % 8 == 0)))
        .collect();
    let experiment = with_outcomes(config(2, BETA_1_1, Algorithm::Thompson), &rewards);

    let estimate = experiment.probability_best();
    assert!(estimate.probability_best[1] > 0.999);
    assert!((estimate.probability_best.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(estimate.expected_loss[1] < 1e-3);
    let means: Vec<f64> = experiment.posteriors().iter().map(|p| p.mean()).collect();
    assert!((estimate.expected_loss[0] - (means[1] - means[0])).abs() < 0.01);
}

#[test]
fn the_stop_signal_waits_for_the_minimum_outcomes() {
    let mut config = config(2, BETA_1_1, Algorithm::Thompson);
    config.stopping_rule = StoppingRule {
        probability_best: Some(0.95),
        expected_loss: None,
        min_outcomes_per_arm: 250,
    };
    let rewards: Vec<_> = (0..400)
        .map(|step| (step % 2, f64::from(step % 2 == 1 || step % 8 == 0)))
        .collect();

    let early = with_outcomes(config.clone(), &rewards);
    assert_eq!(early.summary().stop_signal, StopSignal::Continue);

    let more: Vec<_> = rewards.iter().chain(&rewards).copied().collect();
    let late = with_outcomes(config, &more);
    assert!(matches!(
        late.summary().stop_signal,
        StopSignal::ProbabilityBest { arm_index: 1, .. }
    ));
}

#[test]
fn the_expected_loss_rule_stops_between_equally_good_arms() {
    let mut config = config(2, BETA_1_1, Algorithm::Thompson);
    config.stopping_rule = StoppingRule {
        probability_best: Some(0.99),
        expected_loss: Some(0.005),
        min_outcomes_per_arm: 100,
    };
    let rewards: Vec<_> = (0..4000)
        .map(|step| (step % 2, f64::from((step / 2) % 10 == 0)))
        .collect();
    let summary = with_outcomes(config, &rewards).summary();

    assert!(
        matches!(summary.stop_signal, StopSignal::ExpectedLoss { .. }),
        "{summary:?}"
    );
    let interval = summary.arms[0].credible_interval;
    assert!(interval.lower < 0.1 && 0.1 < interval.upper);
    assert_eq!(summary.arms[0].outcomes, 2000);
}

#[test]
fn summaries_carry_arm_ids_and_decision_counts() {
    let mut config = config(2, BETA_1_1, Algorithm::Thompson);
    config.arms[0] = ArmConfig {
        id: "weekday-18:00".into(),
        label: "Weekday evening".into(),
    };
    let mut experiment = Experiment::new(config).unwrap();
    experiment.record_decision(0).unwrap();
    experiment.record_decision(0).unwrap();

    let summary = experiment.summary();
    assert_eq!(summary.arms[0].arm_id, "weekday-18:00");
    assert_eq!(
        (summary.arms[0].decisions, summary.arms[0].outcomes),
        (2, 0)
    );
    assert!(!summary.stopped);
}

#[test]
fn an_experiment_can_be_shared_between_service_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Experiment>();
}
