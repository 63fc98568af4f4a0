//! # zkgov-circuits
//!
//! R1CS gadgets and claim circuits for zkgov, each the in-circuit twin of a native reference in
//! `zkgov-spec` (the specification a regulator reads):
//!
//! | gadget | native twin |
//! |---|---|
//! | [`poseidon`] | `zkgov_spec::poseidon` |
//! | [`merkle`] | `zkgov_spec::merkle` |
//! | [`ledger`] (the compute claim) | `zkgov_spec::ledger` |
//! | [`eval`] (the eval red-line claim) | `zkgov_spec::eval` |
//! | [`opening`] (a spot-check opening) | `zkgov_spec::statement::opening_inputs` |
//! | [`shard`] (a sharded compute claim: shards and aggregate) | `zkgov_spec::shard` |
//!
//! [`bits`] holds the range checks every claim uses, and [`labels`] names blocks of constraints so
//! that tests can assert *which* check a lying witness breaks. [`registry`] is the one table of
//! circuits: identifier, name and blank instance per capacity.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod bits;
pub mod eval;
pub mod labels;
pub mod ledger;
pub mod merkle;
pub mod opening;
pub mod poseidon;
pub mod registry;
pub mod shard;

pub use ark_relations::gr1cs::SynthesisError;
pub use registry::{BlankCircuit, Circuit};

use ark_bn254::Fr;
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar};
use ark_relations::gr1cs::ConstraintSystemRef;

/// Allocates a claim's public inputs, in statement order.
pub fn alloc_inputs(
    cs: &ConstraintSystemRef<Fr>,
    values: &[Fr],
) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
    values
        .iter()
        .map(|x| FpVar::new_input(cs.clone(), || Ok(*x)))
        .collect()
}
