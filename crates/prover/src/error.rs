//! The prover's error type.

use thiserror::Error;
use zkgov_engine::EngineError;
use zkgov_evidence::ImportError;
use zkgov_policy::PolicyError;
use zkgov_spec::SpecError;
use zkgov_verifier::VerifyError;

/// Why an import, key operation or proof failed. Each message is one line.
#[derive(Debug, Error)]
pub enum ProveError {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The reason.
        reason: String,
    },
    /// Evidence could not be imported.
    #[error("{what}: {reason}")]
    Import {
        /// Which file and line.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The claim is false for this evidence: no proof can exist, and none is attempted.
    #[error("{0}")]
    ClaimFalse(String),
    /// A file or statement is not what the specification says.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A statement, key or proof failed a verifier check.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A policy file could not be read or does not give what the claim needs.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// Evidence could not be imported.
    #[error(transparent)]
    Evidence(#[from] ImportError),
    /// A proving key is missing, corrupt or does not match.
    #[error("{0}")]
    Key(String),
    /// Setup or proving failed in the engine.
    #[error("proving failed: {0}")]
    Engine(#[from] EngineError),
    /// A single-party setup failed (arkworks' reason).
    #[error("setup failed: {0}")]
    Setup(#[from] ark_relations::gr1cs::SynthesisError),
}

impl ProveError {
    /// An [`ProveError::Io`] for `path`.
    pub fn io(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        ProveError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    /// An [`ProveError::Import`].
    pub fn import(what: impl Into<String>, reason: impl Into<String>) -> Self {
        ProveError::Import {
            what: what.into(),
            reason: reason.into(),
        }
    }
}
