//! # zkgov-circuits
//!
//! R1CS gadgets and claim circuits for zkgov, each the in-circuit twin of a native reference in
//! `zkgov-verifier` (which is the specification a regulator reads):
//!
//! | gadget | native twin |
//! |---|---|
//! | [`poseidon`] | `zkgov_verifier::poseidon` |
//! | [`merkle`] | `zkgov_verifier::merkle` |
//! | [`ledger`] (the compute claim) | `zkgov_verifier::ledger` |
//! | [`eval`] (the eval red-line claim) | `zkgov_verifier::eval` |
//! | [`opening`] (a spot-check opening) | `zkgov_verifier::ledger::Opening` |
//!
//! [`bits`] holds the range checks every claim uses, and [`labels`] names blocks of constraints so
//! that tests can assert *which* check a lying witness breaks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bits;
pub mod eval;
pub mod labels;
pub mod ledger;
pub mod merkle;
pub mod opening;
pub mod poseidon;

pub use ark_relations::gr1cs::SynthesisError;

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
