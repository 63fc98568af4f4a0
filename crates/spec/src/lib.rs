//! # zkgov-spec
//!
//! What a regulator reads: the definitions every other zkgov crate implements. Statements and
//! their public-input encoding ([`statement`]), the proof bundle format ([`bundle`]), the native
//! reference of every hash and commitment the circuits use ([`poseidon`], [`merkle`], [`ledger`],
//! [`eval`]), evaluator and compute-provider attestations ([`eval`], [`provider`], [`signature`]),
//! accelerator names ([`accelerator`]), canonical number encodings ([`encoding`]) and atomic file
//! writes ([`files`]).
//!
//! This crate proves and verifies nothing: it has no Groth16, no constraint system and no policy
//! language, so that the meaning of a claim can be read in one place. The circuits are tested
//! against these definitions, and the verifier re-derives every public input from them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod accelerator;
pub mod bundle;
pub mod encoding;
pub mod error;
pub mod eval;
pub mod files;
pub mod ledger;
pub mod merkle;
pub mod poseidon;
pub mod provider;
pub mod shard;
pub mod signature;
pub mod statement;

pub use ark_bn254::Fr;
pub use error::SpecError;
