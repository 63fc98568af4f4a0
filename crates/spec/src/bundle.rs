//! Bundle format v3: what a developer hands a regulator.
//!
//! ```json
//! { "format": "zkgov-bundle", "version": 3,
//!   "claims": [ { "statement": { "kind": "training-compute", ... },
//!                 "key_id": "<64 hex>", "proof": "<256 hex: compressed Groth16 proof>" } ] }
//! ```
//! The statement is human-readable and is the claim's identity (proofs are re-randomizable, so a
//! proof's bytes never identify anything). Public inputs are re-derived from it by
//! [`crate::statement`]; no key travels inside a bundle.
//!
//! A sharded compute claim (`"kind": "training-compute-sharded"`, see [`crate::shard`]) carries
//! the aggregate proof in `proof` and its shard proofs in `shards`; it is a kind of its own, so
//! adding it changed nothing that version 3 bundles of the other kinds mean.
//!
//! Version 1 bundles were made by zkgov versions whose circuits and attestations let a prover state
//! false claims (padding counted as samples, relabelled attestations); they are refused with a
//! request to re-prove, never verified under the old rules. Version 2 eval claims could commit
//! values that the log's own numbers contradict (a parameterised epoch reducer recomputed with
//! the wrong threshold) and named the task rather than the run; version 3 statements carry the
//! run's identity, the evidence digest, where the values come from and the metric they were
//! checked against. Version 2 bundles are refused the same way.

use crate::{
    error::SpecError,
    shard::ShardedComputeStatement,
    statement::{ComputeInputs, ComputeStatement, EvalStatement},
};
use serde::{Deserialize, Serialize};

/// Format name.
pub const BUNDLE_FORMAT: &str = "zkgov-bundle";
/// Version.
pub const BUNDLE_VERSION: u32 = 3;
/// Largest bundle file read (a bundle is small; anything larger is refused before parsing).
pub const MAX_BUNDLE_BYTES: u64 = 16 << 20;

/// A proof bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// Always [`BUNDLE_VERSION`].
    pub version: u32,
    /// The claims.
    pub claims: Vec<Claim>,
}

/// One proved claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// What is claimed.
    pub statement: Statement,
    /// The verifying key the proof needs.
    pub key_id: String,
    /// The Groth16 proof, compressed, lower-case hex (for a sharded claim: the aggregate proof).
    pub proof: String,
    /// The shard proofs of a sharded compute claim, in ledger order; absent for every other kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<ShardProofs>,
}

/// The shard proofs of a sharded compute claim ([`crate::shard`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ShardProofs {
    /// The verifying key every shard proof needs (the shard circuit at the shard capacity).
    pub key_id: String,
    /// One compressed Groth16 proof per shard, lower-case hex, in ledger order.
    pub proofs: Vec<String>,
}

/// The kinds of claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", deny_unknown_fields)]
pub enum Statement {
    /// Training compute stayed at or below a FLOP threshold.
    #[serde(rename = "training-compute")]
    Compute(ComputeStatement),
    /// A mean eval score stayed below a red line (or at least a floor).
    #[serde(rename = "eval-red-line")]
    Eval(Box<EvalStatement>),
    /// Training compute stayed at or below a FLOP threshold, for a ledger proved in shards.
    #[serde(rename = "training-compute-sharded")]
    ShardedCompute(Box<ShardedComputeStatement>),
}

impl Statement {
    /// The compute claim this statement makes about a whole committed ledger, parsed: a compute
    /// claim itself, or a sharded one seen as one ledger; `None` for other kinds.
    pub fn ledger_claim(&self) -> Option<Result<ComputeInputs, SpecError>> {
        match self {
            Statement::Compute(c) => Some(c.parse()),
            Statement::ShardedCompute(s) => Some(s.parse().map(|s| s.compute)),
            Statement::Eval(_) => None,
        }
    }
}

impl Bundle {
    /// A new bundle of `claims`.
    pub fn new(claims: Vec<Claim>) -> Self {
        Bundle {
            format: BUNDLE_FORMAT.into(),
            version: BUNDLE_VERSION,
            claims,
        }
    }

    /// Parses a bundle, checking its format and version first.
    pub fn from_json(text: &str) -> Result<Self, SpecError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SpecError::malformed("bundle", e))?;
        let format = v.get("format").and_then(|f| f.as_str()).unwrap_or("");
        let version = v.get("version").and_then(|f| f.as_u64());
        if format == BUNDLE_FORMAT && version.is_some_and(|v| v < BUNDLE_VERSION as u64) {
            return Err(SpecError::malformed(
                "bundle",
                format!(
                    "version {} was made by an unsound zkgov version (its claims could be forged or contradict the evidence); re-prove with this version (bundle v{BUNDLE_VERSION})",
                    version.unwrap_or(0)
                ),
            ));
        }
        if format != BUNDLE_FORMAT || version != Some(BUNDLE_VERSION as u64) {
            return Err(SpecError::UnsupportedFormat {
                what: "bundle".into(),
                found: format!(
                    "{} v{}",
                    if format.is_empty() { "?" } else { format },
                    version.map_or("?".to_string(), |v| v.to_string())
                ),
                expected: format!("{BUNDLE_FORMAT} v{BUNDLE_VERSION}"),
            });
        }
        let b: Bundle = serde_json::from_value(v).map_err(|e| SpecError::malformed("bundle", e))?;
        if b.claims.is_empty() {
            return Err(SpecError::malformed("bundle", "it contains no claims"));
        }
        Ok(b)
    }

    /// Reads and parses a bundle file.
    pub fn read(path: &std::path::Path) -> Result<Self, SpecError> {
        Self::from_json(&crate::files::read_bounded(
            path,
            MAX_BUNDLE_BYTES,
            "bundle",
        )?)
    }

    /// The bundle as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain data to a string cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_of_an_unsound_version_are_refused_with_a_request_to_re_prove() {
        for old in [1, 2] {
            let old = format!(r#"{{"format":"zkgov-bundle","version":{old},"claims":[]}}"#);
            let e = Bundle::from_json(&old).unwrap_err().to_string();
            assert!(e.contains("made by an unsound zkgov version"), "{e}");
            assert!(e.contains("re-prove"), "{e}");
        }
        let future = r#"{"format":"zkgov-bundle","version":4,"claims":[]}"#;
        assert!(matches!(
            Bundle::from_json(future),
            Err(SpecError::UnsupportedFormat { .. })
        ));
    }
}
