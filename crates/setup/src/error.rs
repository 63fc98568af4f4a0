//! The ceremony's error type.

use thiserror::Error;
use zkgov_engine::EngineError;
use zkgov_spec::SpecError;
use zkgov_verifier::VerifyError;

/// Why a ceremony file or step was refused. Each message is one line naming the step.
#[derive(Debug, Error)]
pub enum CeremonyError {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The reason.
        reason: String,
    },
    /// A file is not a ceremony file of the expected kind and version.
    #[error("{path}: {reason}")]
    Malformed {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A step of the ceremony failed a check.
    #[error("{step}: {reason}")]
    Step {
        /// Which step: the phase-1 file, the initial key, a contribution, the final key.
        step: String,
        /// What is wrong.
        reason: String,
    },
    /// A circuit or capacity is not one zkgov knows.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A key failed the verifier's checks.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The circuit's constraint matrices could not be derived.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl CeremonyError {
    /// A [`CeremonyError::Io`] for `path`.
    pub fn io(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        CeremonyError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    /// A [`CeremonyError::Malformed`] for `path`.
    pub fn malformed(path: &std::path::Path, reason: impl Into<String>) -> Self {
        CeremonyError::Malformed {
            path: path.display().to_string(),
            reason: reason.into(),
        }
    }

    /// A [`CeremonyError::Step`].
    pub fn step(step: impl Into<String>, reason: impl Into<String>) -> Self {
        CeremonyError::Step {
            step: step.into(),
            reason: reason.into(),
        }
    }
}
