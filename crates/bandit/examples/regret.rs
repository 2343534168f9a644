//! Regret table of every policy on simulated Bernoulli arms, one decision at a time as the
//! service sees them (choose, record the decision, observe, record the outcome).
//!
//! Usage: `cargo run --release -p slotwise-bandit --example regret -- [seeds] [horizon]`
//! (defaults: 8 seeds, horizon 10,000). Prints markdown table rows
//! `| scenario | library | policy | regret mean | regret sd | decisions/s |`, the same format as
//! `benches/mabwiser_regret.py`, whose scenarios must stay identical to the ones here.
//! Decisions a second include everything a service pays per decision and outcome, including the
//! Monte Carlo propensity of Thompson policies, which is redone after every outcome.

use std::error::Error;
use std::io::Write;
use std::time::Instant;

use slotwise_bandit::simulation::{BernoulliScenario, MeanChange, lai_robbins_bound, simulate};
use slotwise_bandit::{
    Algorithm, ArmConfig, ExperimentConfig, PolicyConfig, RewardModel, StoppingRule,
};

/// Half-life of the discounted Thompson policy, in decisions (one simulated second each).
const HALF_LIFE_STEPS: f64 = 1000.0;

struct NamedPolicy {
    name: &'static str,
    policy: PolicyConfig,
    half_life_seconds: Option<f64>,
}

fn scenarios(horizon: u64) -> Vec<BernoulliScenario> {
    vec![
        BernoulliScenario {
            name: "clear-3".into(),
            arm_means: vec![0.05, 0.10, 0.12],
            change: None,
        },
        BernoulliScenario {
            name: "slots-10".into(),
            arm_means: vec![
                0.040, 0.045, 0.050, 0.055, 0.060, 0.065, 0.070, 0.075, 0.080, 0.090,
            ],
            change: None,
        },
        BernoulliScenario {
            name: "shift-halfway".into(),
            arm_means: vec![0.12, 0.05, 0.10],
            change: Some(MeanChange {
                at_step: horizon / 2,
                arm_means: vec![0.05, 0.12, 0.10],
            }),
        },
    ]
}

fn policies() -> Vec<NamedPolicy> {
    let plain = |algorithm| PolicyConfig {
        algorithm,
        burn_in_outcomes: 0,
        floor_share: 0.0,
    };
    let named = |name, policy| NamedPolicy {
        name,
        policy,
        half_life_seconds: None,
    };
    vec![
        named("uniform", plain(Algorithm::Uniform)),
        named(
            "epsilon-greedy 0.1",
            plain(Algorithm::EpsilonGreedy { epsilon: 0.1 }),
        ),
        named("ucb1", plain(Algorithm::Ucb1)),
        named("bayes-ucb", plain(Algorithm::BayesUcb)),
        named("thompson", plain(Algorithm::Thompson)),
        named(
            "top-two thompson 0.5",
            plain(Algorithm::TopTwoThompson { beta: 0.5 }),
        ),
        named(
            "thompson burn-in 10 floor 0.01",
            PolicyConfig {
                algorithm: Algorithm::Thompson,
                burn_in_outcomes: 10,
                floor_share: 0.01,
            },
        ),
        NamedPolicy {
            name: "thompson half-life 1000",
            policy: plain(Algorithm::Thompson),
            half_life_seconds: Some(HALF_LIFE_STEPS),
        },
    ]
}

fn experiment_config(num_arms: usize, named: &NamedPolicy) -> ExperimentConfig {
    ExperimentConfig {
        arms: (0..num_arms)
            .map(|index| ArmConfig {
                id: format!("arm-{index}"),
                label: String::new(),
            })
            .collect(),
        reward_model: RewardModel::Bernoulli {
            prior_alpha: 1.0,
            prior_beta: 1.0,
        },
        policy: named.policy,
        stopping_rule: StoppingRule::default(),
        half_life_seconds: named.half_life_seconds,
    }
}

/// Mean and sample standard deviation.
fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, variance.sqrt())
}

fn run_policy(
    named: &NamedPolicy,
    scenario: &BernoulliScenario,
    seeds: u64,
    horizon: u64,
) -> Result<(f64, f64, f64), Box<dyn Error>> {
    let config = experiment_config(scenario.arm_means.len(), named);
    let mut regrets = vec![];
    let mut decisions = 0;

    let started = Instant::now();
    for seed in 1..=seeds {
        let run = simulate(&config, scenario, horizon, seed)?;
        regrets.push(run.regret);
        decisions += run.decisions;
    }
    let rate = decisions as f64 / started.elapsed().as_secs_f64();

    let (mean, sd) = mean_and_sd(&regrets);
    Ok((mean, sd, rate))
}

fn bound_row(scenario: &BernoulliScenario, horizon: u64) -> String {
    let bound = match scenario.change {
        None => format!("{:.1}", lai_robbins_bound(&scenario.arm_means, horizon)),
        Some(_) => "n/a (non-stationary)".into(),
    };
    format!(
        "| {} | reference | Lai-Robbins bound (asymptotic, ln T term) | {bound} | - | - |",
        scenario.name
    )
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let seeds: u64 = args.next().map_or(Ok(8), |arg| arg.parse())?;
    let horizon: u64 = args.next().map_or(Ok(10_000), |arg| arg.parse())?;
    let mut out = std::io::stdout().lock();

    writeln!(
        out,
        "| scenario | library | policy | regret mean | regret sd | decisions/s |"
    )?;
    writeln!(out, "|---|---|---|---:|---:|---:|")?;
    for scenario in scenarios(horizon) {
        writeln!(out, "{}", bound_row(&scenario, horizon))?;
        for named in policies() {
            let (mean, sd, rate) = run_policy(&named, &scenario, seeds, horizon)?;
            let row = format!(
                "| {} | slotwise | {} | {mean:.1} | {sd:.1} | {rate:.0} |",
                scenario.name, named.name
            );
            writeln!(out, "{row}")?;
        }
    }
    Ok(())
}
