//! The slotwise gRPC service: tonic adapters over the planner and bandit libraries and the store.
//!
//! Handlers convert wire types to domain types ([`convert`]), call the pure library, and map
//! every error to a gRPC status in one place ([`error`]). [`serve()`] runs the services with
//! grpc.health.v1 and server reflection on a listener the caller binds, behind the [`gate`]
//! every call passes: API keys ([`auth`]), the drain at shutdown, deadlines, one log line and
//! the [`metrics`] of each call. Solves run on a bounded pool ([`solve_pool`]) within the
//! operator's [`limits`].

pub mod audience;
pub mod auth;
pub mod convert;
pub mod error;
pub mod experiments;
pub mod export;
pub mod gate;
pub mod learning;
pub mod limits;
pub mod metrics;
pub mod planner;
pub mod serve;
pub mod solve_pool;
pub mod tls;

pub use serve::{Listeners, ServeError, ServeOptions, serve};
