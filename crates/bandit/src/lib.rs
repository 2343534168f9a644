//! Multi-armed bandit experiments on posting time and format.
//!
//! A small business tests, say, morning against evening posts: each arm is one variant, each
//! post is one decision, and each post's result is one outcome (one post is one observation,
//! never its views as separate trials). The crate is pure computation, so a service can put any
//! transport and store around it:
//!
//! - [`ExperimentConfig`] (serde) describes arms, reward model and prior, policy, stopping rule
//!   and half-life; [`ExperimentConfig::validate`] names the bad field (`policy.floor_share`).
//! - [`Experiment`] is the state. It changes only through [`Event`]s (decision, outcome, stop),
//!   so replaying the stored events in order rebuilds it exactly.
//! - [`Experiment::choose`] returns a [`Decision`]: an arm and its propensity.
//! - [`Experiment::summary`] reports posteriors, credible intervals, probability of being best,
//!   expected loss, a recommendation and a stop signal, deterministically for a given state.
//!
//! ```
//! use rand::SeedableRng;
//! use slotwise_bandit::{
//!     Algorithm, ArmConfig, Experiment, ExperimentConfig, Outcome, PolicyConfig, RewardModel,
//!     StoppingRule,
//! };
//!
//! let arm = |id: &str| ArmConfig { id: id.into(), label: id.into() };
//! let config = ExperimentConfig {
//!     arms: vec![arm("weekday-08:00"), arm("weekday-18:00")],
//!     reward_model: RewardModel::Bernoulli { prior_alpha: 1.0, prior_beta: 1.0 },
//!     policy: PolicyConfig {
//!         algorithm: Algorithm::Thompson,
//!         burn_in_outcomes: 5,
//!         floor_share: 0.05,
//!     },
//!     stopping_rule: StoppingRule::default(),
//!     half_life_seconds: Some(28.0 * 86_400.0),
//! };
//! let mut experiment = Experiment::new(config)?;
//!
//! let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7);
//! let decision = experiment.choose(&mut rng);
//! experiment.record_decision(decision.arm_index)?;
//! experiment.record_outcome(Outcome {
//!     arm_index: decision.arm_index,
//!     reward: 1.0,
//!     observed_at: 1_767_225_600.0,
//! })?;
//!
//! let summary = experiment.summary();
//! assert_eq!(summary.arms[decision.arm_index].outcomes, 1);
//! # Ok::<(), slotwise_bandit::BanditError>(())
//! ```

pub mod config;
pub mod error;
pub mod experiment;
pub mod monte_carlo;
pub mod policy;
pub mod posterior;
pub mod simulation;
mod statistics;
pub mod summary;

pub use config::{Algorithm, ArmConfig, ExperimentConfig, PolicyConfig, RewardModel, StoppingRule};
pub use error::{BanditError, Result};
pub use experiment::{Decision, Event, Experiment, Outcome};
pub use monte_carlo::{BestArmEstimate, SUMMARY_DRAWS};
pub use policy::PROPENSITY_DRAWS;
pub use posterior::Posterior;
pub use summary::{ArmSummary, CredibleInterval, ExperimentSummary, StopSignal};
