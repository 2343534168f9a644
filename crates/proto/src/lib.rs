//! The slotwise.v1 gRPC contract, generated at build time from `proto/slotwise/v1`.
//!
//! Every message has prost (binary) encoding and canonical proto3 JSON through serde
//! (pbjson), so the command-line tools read and write the same JSON a gRPC gateway would.

#![allow(missing_debug_implementations, clippy::all)]

/// Package `slotwise.v1`.
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/slotwise.v1.rs"));
    include!(concat!(env!("OUT_DIR"), "/slotwise.v1.serde.rs"));
}

/// The encoded `FileDescriptorSet` of every slotwise proto, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/slotwise_descriptor.bin"));

pub use pbjson_types as wkt;
