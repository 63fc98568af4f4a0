//! # zkgov-prover
//!
//! The developer's side of zkgov: commit to imported evidence with hiding Merkle commitments
//! ([`commit`], salts from secret [`seeds`]), turn a ledger or an eval log into a claim job
//! ([`prove`], [`eval`]), keep proving keys ([`keys`]) and signing keys ([`signing`]), attest a
//! ledger as its compute provider ([`provider`]), and prove claims in parallel with the prepared
//! prover of `zkgov-engine`.
//!
//! Proving refuses a false claim before any proof work (and the circuit makes a proof of one
//! impossible anyway); every proof is checked against its verifying key before it is written.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod commit;
pub mod error;
pub mod eval;
pub mod keys;
pub mod plan;
pub mod prove;
pub mod provider;
pub mod seeds;
pub mod shard;
pub mod signing;

pub use error::ProveError;
