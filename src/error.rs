//! The CLI's error type: every library crate's error, and the CLI's own input errors, each shown
//! as one line (`error: ...`) with exit code 1.

use thiserror::Error;
use zkgov_evidence::ImportError;
use zkgov_policy::PolicyError;
use zkgov_prover::ProveError;
use zkgov_setup::CeremonyError;
use zkgov_spec::SpecError;
use zkgov_verifier::VerifyError;

/// Why a command failed.
#[derive(Debug, Error)]
pub enum CliError {
    /// An input the CLI reads itself (a file, a combination of arguments) is not usable.
    #[error("{what}: {reason}")]
    Input {
        /// Which input.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// Proving failed or was refused.
    #[error(transparent)]
    Prove(#[from] ProveError),
    /// A ceremony step failed.
    #[error(transparent)]
    Ceremony(#[from] CeremonyError),
    /// A verification session could not start.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A file or value is not what the specification says.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A key, proof or opening failed verification.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Evidence could not be imported.
    #[error(transparent)]
    Evidence(#[from] ImportError),
}

impl CliError {
    /// A [`CliError::Input`].
    pub fn input(what: impl Into<String>, reason: impl Into<String>) -> Self {
        CliError::Input {
            what: what.into(),
            reason: reason.into(),
        }
    }
}
