//! # zkgov-prover
//!
//! The developer's side of zkgov: import real evidence (compute ledgers, Slurm `sacct` output,
//! eval logs), commit to it with hiding Merkle commitments, and prove claims with Groth16 against
//! public thresholds, in parallel.
//!
//! Proving refuses a false claim before any proof work (and the circuit makes a proof of one
//! impossible anyway); every proof is checked against its verifying key before it is written.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod ceremony;
pub mod commit;
pub mod error;
pub mod eval;
pub mod fast;
pub mod import;
pub mod keys;
#[cfg(target_arch = "x86_64")]
mod lanes;
pub mod ledger;
pub mod msm;
pub mod prove;
pub mod provider;
#[cfg(target_arch = "x86_64")]
mod qap;
pub mod signing;

pub use error::ProveError;
