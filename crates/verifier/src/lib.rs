//! # zkgov-verifier
//!
//! The small, auditable Groth16 half of zkgov: everything needed to check a claim's proof, and
//! nothing that proves. It depends on [`zkgov_spec`] (what a claim means) and on arkworks' curve
//! and Groth16 verifier code; never on the circuits, `ark-r1cs-std`, rayon or a policy language.
//!
//! What it checks, for each claim of a bundle ([`Verifier`]):
//! 1. the claim's key ID names a verifying key the regulator holds ([`keys::KeyStore`]); the key is
//!    loaded with full point validation and its ID recomputed from its canonical bytes;
//! 2. the human-readable statement is parsed strictly (canonical numbers only, nothing reduced
//!    modulo the field) and re-encoded into public inputs by [`zkgov_spec::statement`], the single
//!    encoding that the prover uses too;
//! 3. the number of public inputs matches the key (ark-groth16 0.6 does not check it);
//! 4. the proof's points are canonical, on the curve and in the right subgroup;
//! 5. the Groth16 pairing equation holds.
//!
//! Many claims are verified in one batched pairing check ([`batch`]); a failed batch falls back to
//! single checks to name the bad claim. [`snarkjs`] writes claims in snarkjs' format for an
//! independent re-check. Spot-check openings ([`audit`]) are zero-knowledge proofs, checked like
//! claims with a key from the regulator's own store. Judging verified claims against a
//! jurisdiction's policy is the `zkgov-policy` crate's job.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod audit;
pub mod batch;
pub mod error;
pub mod groth16;
pub mod keys;
pub mod snarkjs;

pub use ark_bn254::{Bn254, Fr};
pub use error::VerifyError;
pub use groth16::{ParsedStatement, VerifiedClaim, Verifier};
