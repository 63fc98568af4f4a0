//! The zkgov disclosure registry: a public, append-only log of compliance bundles that every
//! state sees alike.
//!
//! A developer publishes a bundle; the registry verifies it with its own key directory, refuses it
//! if any claim is invalid or if its statements were published before, and appends an entry (the
//! bundle's digest, its statement identity, the authenticated submitter and the time) to an
//! RFC 6962 Merkle tree ([`log`]). After every append the registry signs a C2SP checkpoint
//! ([`note`]); witnesses run by states fetch checkpoints, check that each extends the one they
//! co-signed before, and co-sign ([`witness`]). A regulator holding a bundle checks that it is
//! included under a checkpoint co-signed by the witnesses its policy trusts ([`client`]).
//!
//! Layers: [`log`] and [`note`] are the pure log; [`store`] keeps entries and checkpoints in SQLite
//! or PostgreSQL (one code path through `sqlx`); [`server`] is the HTTP service and its web page;
//! [`client`] and [`witness`] talk to a registry over HTTP.

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![forbid(unsafe_code)]

pub mod api;
pub mod client;
pub mod config;
pub mod log;
pub mod note;
mod page;
pub mod server;
pub mod store;
pub mod witness;

pub use page::utc;

/// Errors at the registry's border.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Input that does not parse.
    #[error("malformed {what}: {why}")]
    Malformed {
        /// What was being read.
        what: String,
        /// Why it was refused.
        why: String,
    },
    /// A request outside the log (an index or size beyond it).
    #[error("{0}")]
    OutOfRange(String),
    /// A Merkle proof that does not verify.
    #[error("proof refused: {0}")]
    Proof(String),
    /// A checkpoint whose signatures or text do not verify.
    #[error("checkpoint refused: {0}")]
    Checkpoint(String),
    /// The log's own arithmetic failed.
    #[error("log error: {0}")]
    Log(String),
    /// The database.
    #[error("database error: {0}")]
    Database(String),
    /// The stored log does not match its own signed checkpoints.
    #[error("the stored log is damaged: {0}")]
    Damaged(String),
    /// A witness refused a checkpoint: the log showed it a view that conflicts with what it saw.
    #[error("split view: {0}")]
    SplitView(String),
    /// The registry answered with an error.
    #[error("registry refused the request ({status}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The registry's reason.
        message: String,
    },
    /// The registry could not be reached or answered something unreadable.
    #[error("registry unreachable at {url}: {why}")]
    Unreachable {
        /// The URL.
        url: String,
        /// Why.
        why: String,
    },
    /// A file.
    #[error("{path}: {why}")]
    File {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
    /// Bundle or policy formats.
    #[error(transparent)]
    Spec(#[from] zkgov_spec::SpecError),
    /// Policy loading or verification.
    #[error(transparent)]
    Policy(#[from] zkgov_policy::PolicyError),
}

impl RegistryError {
    pub(crate) fn malformed(what: &str, why: &str) -> Self {
        RegistryError::Malformed {
            what: what.into(),
            why: why.into(),
        }
    }

    pub(crate) fn file(path: &std::path::Path, why: impl std::fmt::Display) -> Self {
        RegistryError::File {
            path: path.display().to_string(),
            why: why.to_string(),
        }
    }
}

impl From<sqlx::Error> for RegistryError {
    fn from(e: sqlx::Error) -> Self {
        RegistryError::Database(e.to_string())
    }
}
