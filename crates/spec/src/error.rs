//! The specification's error type: every way a file or statement can fail to be what the
//! specification says.

use thiserror::Error;

/// Why a bundle, statement, policy or attestation is not well formed. Each message is one line a regulator can
/// act on.
#[derive(Debug, Error)]
pub enum SpecError {
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
    /// A ledger record holds a value no real allocation has: a class outside the peak table's
    /// classes, or a device count or duration of zero or beyond its bit width.
    #[error("not a ledger record: {reason}")]
    BadRecord {
        /// Which field is wrong, and how.
        reason: String,
    },
}

impl SpecError {
    /// A [`SpecError::Io`] for `path`.
    pub fn io(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        SpecError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    /// Shorthand for a [`SpecError::BadValue`].
    pub fn bad_value(field: impl Into<String>, reason: impl Into<String>) -> Self {
        SpecError::BadValue {
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
        Err(SpecError::UnsupportedFormat {
            what: what.into(),
            found: format!("{format} v{version}"),
            expected: format!("{expected_format} v{expected_version}"),
        })
    }

    /// Shorthand for a [`SpecError::Malformed`].
    pub fn malformed(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        SpecError::Malformed {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}
