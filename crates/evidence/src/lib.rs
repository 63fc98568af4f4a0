//! # zkgov-evidence
//!
//! Evidence importers: the formats compute operators and evaluators actually produce, read into
//! the records and per-sample values a claim commits to.
//!
//! - [`sacct`]: Slurm `sacct --parsable2` accounting output (GPU allocations);
//! - [`ledger_file`]: compute ledgers (zkgov JSON, CSV, sacct) mapped onto a policy's accelerator
//!   classes ([`ledger_file::PeakTable`]);
//! - [`inspect_ai`]: UK AISI Inspect eval logs, both the `.eval` ZIP format and single-file `.json`;
//! - [`lm_eval`]: lm-evaluation-harness `samples_<task>_<date>.jsonl` plus `results_<date>.json`;
//! - [`eval_log`]: what every eval importer returns ([`eval_log::EvalLog`]).
//!
//! Every error is an [`ImportError`] whose message is one line naming the file's line (or ZIP
//! member) and what is wrong with it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod error;
pub mod eval_log;
pub mod inspect_ai;
pub mod ledger_file;
pub mod lm_eval;
pub mod sacct;

pub use error::ImportError;
pub use eval_log::{EvalLog, RunIdentity, ValuesFrom};
pub use inspect_ai::{read_inspect, Select};
pub use lm_eval::read_lm_eval;
pub use sacct::{parse_sacct, SacctAllocation};
