//! The slotwise gRPC service: tonic adapters over the planner and bandit libraries and the store.
//!
//! Handlers convert wire types to domain types ([`convert`]), call the pure library, and map
//! every error to a gRPC status in one place ([`error`]). [`serve`] runs the services with
//! grpc.health.v1 and server reflection on a listener the caller binds.

pub mod audience;
pub mod convert;
pub mod error;
pub mod experiments;
pub mod export;
pub mod learning;
pub mod planner;
pub mod serve;

pub use serve::{ServeError, ServeOptions, serve};
