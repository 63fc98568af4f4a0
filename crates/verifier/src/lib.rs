//! # zkgov-verifier
//!
//! The small, auditable half of zkgov: everything a regulator needs to check a proof bundle, and
//! nothing that proves. It depends on arkworks' curve, field and Groth16 verifier code, serde and
//! SHA-256 and a TOML parser only (never on the circuits or on `ark-r1cs-std`).
//!
//! What it checks, for each claim in a [`bundle::Bundle`]:
//! 1. the claim's key ID names a verifying key the regulator holds ([`keys::KeyStore`]); the key is
//!    loaded with full point validation and its ID recomputed from its canonical bytes;
//! 2. the human-readable statement is parsed strictly (canonical numbers only, nothing reduced
//!    modulo the field) and re-encoded into public inputs by [`statement`], the single encoding that
//!    the prover uses too;
//! 3. the number of public inputs matches the key (ark-groth16 0.6 does not check it);
//! 4. the proof's points are canonical, on the curve and in the right subgroup;
//! 5. the Groth16 pairing equation holds.
//!
//! Many claims are verified in one batched pairing check ([`batch`], through
//! [`verify::verify_claims`]); a failed batch falls back to single checks to name the bad claim.
//! A verified bundle is then judged per jurisdiction: [`policy`] reads a policy file, [`verdict`]
//! says whether the bundle shows compliance with it (compliant / not shown / invalid, in words).
//! [`snarkjs`] writes claims in snarkjs' format for an independent re-check.
//!
//! The native reference of every hash and commitment the circuits use lives here too
//! ([`poseidon`], [`merkle`], [`ledger`], [`eval`]): the definitions a regulator reads are the
//! code the circuits are tested against. Spot-check openings ([`audit`]) are zero-knowledge
//! proofs, checked like claims with a key from the regulator's own store.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod accelerator;
pub mod audit;
pub mod batch;
pub mod bundle;
pub mod error;
pub mod eval;
pub mod keys;
pub mod ledger;
pub mod merkle;
pub mod num;
pub mod policy;
pub mod poseidon;
pub mod provider;
pub mod signature;
pub mod snarkjs;
pub mod statement;
pub mod verdict;
pub mod verify;

pub use ark_bn254::{Bn254, Fr};
pub use error::VerifyError;
