//! # zkgov-engine
//!
//! The prepared Groth16 prover. A circuit's constraint matrices are derived once
//! ([`prepared::PreparedCircuit`]) and reused for every proof; the witness is mapped to the QAP
//! and the proof's multi-scalar multiplications are computed by one of two backends, chosen once
//! at run time in one place ([`backend`]):
//! - **portable**: arkworks' field arithmetic and a signed-digit Pippenger MSM ([`msm`]);
//! - **IFMA** (x86-64 with AVX-512 IFMA): eight field elements per vector in 52-bit limbs
//!   (module `field_lanes`), for the QAP's FFTs and the MSM's bucket additions.
//!
//! Proofs are standard Groth16 proofs under ark-groth16's keys: they verify with stock
//! `Groth16::verify`. Errors are arkworks' [`SynthesisError`], as in ark-groth16's
//! `create_proof_with_reduction_and_matrices`, or a witness or key of another circuit's shape
//! ([`EngineError`]).
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod backend;
#[cfg(target_arch = "x86_64")]
mod field_lanes;
pub mod matrices;
pub mod msm;
pub mod prepared;
#[cfg(target_arch = "x86_64")]
mod qap;
pub mod raw;

pub use ark_relations::gr1cs::SynthesisError;
pub use matrices::ConstraintMatrices;
pub use prepared::PreparedCircuit;

use ark_bn254::Fr;

/// Why a proof could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Constraint synthesis failed (arkworks' reason).
    #[error("constraint synthesis failed: {0}")]
    Synthesis(#[from] SynthesisError),
    /// A witness or proving key is not of the prepared circuit's shape.
    #[error("{0} does not have the prepared circuit's shape")]
    WrongShape(&'static str),
    /// A circuit too large for the stored matrix encoding.
    #[error("{0}")]
    TooLarge(&'static str),
    /// Stored constraint matrices that do not decode.
    #[error("{0}")]
    Malformed(String),
}

/// `[1, x, x², …]`, `len` of them, times `factor`.
pub fn powers_of(x: Fr, factor: Fr, len: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(len);
    let mut acc = factor;
    for _ in 0..len {
        out.push(acc);
        acc *= x;
    }
    out
}
