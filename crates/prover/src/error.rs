//! The prover's error type.

use thiserror::Error;
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
    /// A statement, key or proof failed a verifier check.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A proving key is missing, corrupt or does not match.
    #[error("{0}")]
    Key(String),
    /// A setup ceremony file failed a check, at the named step.
    #[error("{step}: {reason}")]
    Ceremony {
        /// Which step: the phase-1 file, the initial key, a contribution, the final key.
        step: String,
        /// What is wrong.
        reason: String,
    },
    /// Constraint synthesis or proving failed.
    #[error("proving failed: {0}")]
    Synthesis(String),
}

impl ProveError {
    /// An [`ProveError::Io`] for `path`.
    pub fn io(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        ProveError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    /// A [`ProveError::Ceremony`].
    pub fn ceremony(step: impl Into<String>, reason: impl Into<String>) -> Self {
        ProveError::Ceremony {
            step: step.into(),
            reason: reason.into(),
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

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so that an
/// interrupted write never leaves a half-written file under the final name.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), ProveError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d).map_err(|e| ProveError::io(d, e))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(ProveError::io(path, e));
    }
    Ok(())
}
