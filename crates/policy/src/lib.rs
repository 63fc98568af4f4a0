//! # zkgov-policy
//!
//! A jurisdiction's side of zkgov: policy files ([`policy_file`], the only TOML in zkgov), the
//! verdict one policy gives one verified bundle ([`verdict`]), and the whole `zkgov verify`
//! decision as one library call ([`session`]): read bundles and policies, verify every claim in one
//! batch, apply the regulator's trust in evaluators, judge each bundle under each policy, and
//! derive the exit class. The CLI only prints what [`session::verify`] returns.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod error;
pub mod policy_file;
pub mod session;
pub mod verdict;

pub use error::PolicyError;
pub use policy_file::Policy;
pub use session::{verify, ExitClass, Report, VerifyRequest};
