//! The verifier's error type: every way a bundle, key or statement can be rejected.

use thiserror::Error;

/// Why a bundle, statement, key or opening was rejected. Each message is one line a regulator can
/// act on.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// A file could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A file is not valid JSON of the expected shape.
    #[error("{what} is malformed: {reason}")]
    Malformed {
        /// Which file or field.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A file carries a format name or version this verifier does not read.
    #[error("{what}: unsupported format {found:?} (this verifier reads {expected})")]
    UnsupportedFormat {
        /// Which file.
        what: String,
        /// The format and version found.
        found: String,
        /// The format and version supported.
        expected: String,
    },
    /// A number in a statement is not in canonical form or out of its range.
    #[error("{field}: {reason}")]
    BadValue {
        /// The statement field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
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
    /// A ledger record holds a value no real allocation has: a class outside the peak table's
    /// classes, or a device count or duration of zero or beyond its bit width.
    #[error("not a ledger record: {reason}")]
    BadRecord {
        /// Which field is wrong, and how.
        reason: String,
    },
    /// A spot-check opening does not match the ledger commitment.
    #[error("opening of record {index} does not match the ledger commitment")]
    BadOpening {
        /// The record index.
        index: u64,
    },
}

impl VerifyError {
    /// Shorthand for a [`VerifyError::BadValue`].
    pub fn bad_value(field: impl Into<String>, reason: impl Into<String>) -> Self {
        VerifyError::BadValue {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Checks a file's format name and version, or names what was found and what is supported.
    pub fn check_format(
        what: &str,
        format: &str,
        version: u32,
        expected_format: &str,
        expected_version: u32,
    ) -> Result<(), Self> {
        if format == expected_format && version == expected_version {
            return Ok(());
        }
        Err(VerifyError::UnsupportedFormat {
            what: what.into(),
            found: format!("{format} v{version}"),
            expected: format!("{expected_format} v{expected_version}"),
        })
    }

    /// Shorthand for a [`VerifyError::Malformed`].
    pub fn malformed(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        VerifyError::Malformed {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}
