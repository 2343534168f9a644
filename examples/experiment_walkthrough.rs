//! A posting-time experiment from start to finish against a running `slotwise serve`: create it,
//! choose an arm for each of 60 posts, report how each post did, read the summary, stop it.
//!
//! ```sh
//! cargo run --release -- serve --listen 127.0.0.1:50051 &
//! cargo run --release --example experiment_walkthrough -- http://127.0.0.1:50051
//! ```
//!
//! Every request and answer is printed as proto3 JSON, the form grpcurl takes and prints. The
//! posts' outcomes are simulated: evening posts reach their goal (a share rate above 1%) 12% of
//! the time, morning posts 5%, lunch posts 8%.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use rand::{RngExt, SeedableRng};
use serde::Serialize;
use slotwise_proto::v1::{
    Arm, ChooseArmRequest, CreateExperimentRequest, ExperimentKind, GetExperimentRequest, Policy,
    PolicyKind, ReportOutcomeRequest, RewardModel, StopExperimentRequest, StoppingRule,
    experiment_service_client::ExperimentServiceClient,
};

fn show(step: &str, message: &impl Serialize) {
    println!(
        "# {step}\n{}\n",
        serde_json::to_string_pretty(message).unwrap()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_owned());
    let mut client = ExperimentServiceClient::connect(endpoint).await?;

    let create = CreateExperimentRequest {
        name: "Bakery: when do reels get shared?".into(),
        kind: ExperimentKind::PostingTime as i32,
        arms: [
            ("morning", "Weekdays 08:00"),
            ("lunch", "Weekdays 12:30"),
            ("evening", "Weekdays 19:00"),
        ]
        .map(|(id, label)| Arm {
            id: id.into(),
            label: label.into(),
        })
        .to_vec(),
        policy: Some(Policy {
            kind: PolicyKind::Thompson as i32,
            burn_in: 3,
            floor_share: 0.05,
            ..Default::default()
        }),
        reward_model: RewardModel::Bernoulli as i32,
        stopping_rule: Some(StoppingRule {
            probability_best: 0.95,
            min_outcomes_per_arm: 10,
            ..Default::default()
        }),
        ..Default::default()
    };
    show("CreateExperiment request", &create);
    let experiment = client.create_experiment(create).await?.into_inner();
    let experiment_id = experiment.id.clone();
    println!("# CreateExperiment answer: id {experiment_id}\n");

    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    for post in 0..60 {
        let choose = ChooseArmRequest {
            experiment_id: experiment_id.clone(),
            request_id: format!("post-{post}"),
        };
        let decision = client.choose_arm(choose.clone()).await?.into_inner();
        let goal_rate = match decision.arm_id.as_str() {
            "evening" => 0.12,
            "lunch" => 0.08,
            _ => 0.05,
        };
        let reward = if rng.random_bool(goal_rate) { 1.0 } else { 0.0 };
        let report = ReportOutcomeRequest {
            decision_id: decision.decision_id.clone(),
            reward,
            observed_at: None,
        };
        if post == 0 {
            show("ChooseArm request", &choose);
            show("ChooseArm answer", &decision);
            show("ReportOutcome request", &report);
        }
        client.report_outcome(report).await?;
    }

    let read = GetExperimentRequest {
        experiment_id: experiment_id.clone(),
    };
    let after = client.get_experiment(read).await?.into_inner();
    show(
        "GetExperiment answer: summary after 60 posts",
        &after.summary,
    );

    let stopped = client
        .stop_experiment(StopExperimentRequest { experiment_id })
        .await?
        .into_inner();
    println!(
        "# StopExperiment: status {:?}, recommended arm {:?}",
        stopped.status(),
        stopped
            .summary
            .map(|s| s.recommended_arm_id)
            .unwrap_or_default()
    );
    Ok(())
}
