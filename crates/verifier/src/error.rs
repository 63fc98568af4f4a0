//! The verifier's error type: why a claim, key or opening was rejected.

use thiserror::Error;
use zkgov_spec::SpecError;

/// Why a claim, key or opening was rejected. Each message is one line a regulator can act on.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// A file or statement is not what the specification says.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The bundle names a key the regulator does not hold.
    #[error("unknown key {key_id}: no verifying key with this ID in the trusted key store")]
    UnknownKey {
        /// The key ID named by the bundle.
        key_id: String,
    },
    /// A key file's content does not hash to the ID it is filed under.
    #[error("key {expected} is corrupt or substituted: its bytes hash to {actual}")]
    KeyIdMismatch {
        /// The ID the key was asked for by.
        expected: String,
        /// The ID its bytes actually have.
        actual: String,
    },
    /// The trusted key directory does not exist.
    #[error("trusted key directory {dir} does not exist")]
    NoKeyDirectory {
        /// The directory given.
        dir: String,
    },
    /// A key is for a different circuit than the claim needs.
    #[error("key {key_id} is for circuit {key_circuit}, but the claim needs {claim_circuit}")]
    WrongCircuit {
        /// The key.
        key_id: String,
        /// The circuit the key was made for.
        key_circuit: String,
        /// The circuit the claim's statement describes.
        claim_circuit: String,
    },
    /// A curve point failed validation.
    #[error("{what}: invalid curve point encoding ({reason})")]
    BadPoint {
        /// Which object (proof, key).
        what: String,
        /// The deserializer's reason.
        reason: String,
    },
    /// The statement encodes to a different number of public inputs than the key expects.
    #[error("public input count mismatch: statement gives {given}, key expects {expected}")]
    InputCount {
        /// Inputs derived from the statement.
        given: usize,
        /// Inputs the verifying key was made for.
        expected: usize,
    },
    /// One shard proof of a sharded claim failed.
    #[error("shard {index} (0-based, in ledger order): {reason}")]
    InvalidShard {
        /// The shard's index.
        index: usize,
        /// Why its proof failed.
        reason: Box<VerifyError>,
    },
    /// The pairing check failed: the proof does not prove this statement under this key.
    #[error("proof is not valid for this statement and key (pairing check failed)")]
    InvalidProof,
    /// A key is unsafe to use (for example an uncontributed setup).
    #[error("key {key_id} is unsafe: {reason}")]
    UnsafeKey {
        /// The key.
        key_id: String,
        /// Why.
        reason: String,
    },
    /// An eval claim is attested by an evaluator the regulator does not trust.
    #[error("evaluator key {key} is not among the trusted attesters{hint}")]
    UntrustedAttester {
        /// The evaluator's key (hex).
        key: String,
        /// Advice when no trusted attesters were given at all.
        hint: String,
    },
    /// A spot-check opening does not match the ledger commitment.
    #[error("opening of record {index} does not match the ledger commitment")]
    BadOpening {
        /// The record index.
        index: u64,
    },
}
