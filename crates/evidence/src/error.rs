//! The importers' error type.

use std::path::PathBuf;
use zkgov_spec::SpecError;

/// Why evidence could not be imported. Each message is one line.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be opened or read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The input is not what the format requires.
    #[error("{what}: {reason}")]
    Malformed {
        /// Where: a file and line (`"sacct line 17"`), or a file and ZIP member.
        what: String,
        /// What is wrong there.
        reason: String,
    },
    /// The input is well formed but uses a version or feature this importer does not support.
    #[error("{what}: {reason}")]
    Unsupported {
        /// Which file (and member or line).
        what: String,
        /// What is unsupported.
        reason: String,
    },
    /// The caller's choice (scorer, dict key, metric or filter) does not fit the file, or a
    /// choice is needed and was not made; the message lists the choices available.
    #[error("{what}: {reason}")]
    Selection {
        /// Which file.
        what: String,
        /// What to choose, and from what.
        reason: String,
    },
    /// A value is not what the specification allows (a quantity, a duplicated accelerator row).
    #[error(transparent)]
    Spec(#[from] SpecError),
}

impl ImportError {
    /// A [`ImportError::Malformed`].
    pub fn malformed(what: impl Into<String>, reason: impl Into<String>) -> Self {
        ImportError::Malformed {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// An [`ImportError::Unsupported`].
    pub fn unsupported(what: impl Into<String>, reason: impl Into<String>) -> Self {
        ImportError::Unsupported {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// An [`ImportError::Selection`].
    pub fn selection(what: impl Into<String>, reason: impl Into<String>) -> Self {
        ImportError::Selection {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// An [`ImportError::Io`] for `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        ImportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
