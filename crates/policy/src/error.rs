//! The policy crate's error type.

use thiserror::Error;
use zkgov_spec::SpecError;
use zkgov_verifier::VerifyError;

/// Why a verification session could not start. Per-claim failures are not errors here: they are
/// results in the [`crate::session::Report`].
#[derive(Debug, Error)]
pub enum PolicyError {
    /// A policy file, argument or statement is not well formed.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The trusted key store cannot be used.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}
