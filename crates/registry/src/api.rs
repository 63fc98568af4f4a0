//! The HTTP API's messages (JSON), shared by the server and its clients. Every response body
//! names its schema (`zkgov-registry-api/v1`).
//!
//! | method, path | who | what |
//! |---|---|---|
//! | `POST /api/v1/entries` (bearer token, body: bundle JSON) | submitters | publish; answers [`Published`] |
//! | `GET /api/v1/entries?start=&limit=` | anyone | [`EntryList`] |
//! | `GET /api/v1/entries/{index}` | anyone | [`Entry`] |
//! | `GET /api/v1/lookup/{bundle-sha256}` | anyone | [`Entry`] of that bundle |
//! | `GET /api/v1/checkpoint` | anyone | the newest signed checkpoint (text, with cosignatures) |
//! | `GET /api/v1/checkpoints/{size}` | anyone | the checkpoint of that size (text) |
//! | `GET /api/v1/cosigned?limit=` | anyone | [`CosignedList`]: newest co-signed checkpoints |
//! | `GET /api/v1/proof/inclusion?index=&size=` | anyone | [`InclusionProof`] |
//! | `GET /api/v1/proof/consistency?from=&to=` | anyone | [`ConsistencyProof`] |
//! | `POST /api/v1/cosignatures` (body: [`CosignatureSubmission`]) | witnesses | add a cosignature |
//! | `GET /healthz` | anyone | `ok` and the log size |
//! | `GET /` | anyone | the web page |
//!
//! Errors are [`ApiError`] with a non-2xx status.

use crate::log::EntryLeaf;
use serde::{Deserialize, Serialize};

/// The API schema every body names.
pub const API_SCHEMA: &str = "zkgov-registry-api/v1";
/// Most entries one list request returns.
pub const MAX_LIST: u64 = 1000;

/// An error answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    /// Always [`API_SCHEMA`].
    pub schema: String,
    /// The reason, in words.
    pub error: String,
}

/// The answer to a publication.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Published {
    /// Always [`API_SCHEMA`].
    pub schema: String,
    /// The entry's index.
    pub index: u64,
    /// The entry.
    pub leaf: EntryLeaf,
    /// The signed checkpoint of the log just after the append (it covers the entry).
    pub checkpoint: String,
}

/// One entry as served.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Entry {
    /// Always [`API_SCHEMA`].
    pub schema: String,
    /// Its index.
    pub index: u64,
    /// The leaf text (what the log hashes).
    pub leaf_text: String,
    /// The leaf, parsed.
    pub leaf: EntryLeaf,
    /// The bundle JSON as published.
    pub bundle: String,
}

/// A page of entries (without bundles).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntryList {
    /// Always [`API_SCHEMA`].
    pub schema: String,
    /// The log's size when listed.
    pub size: u64,
    /// The entries, by index.
    pub entries: Vec<ListedEntry>,
}

/// One listed entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListedEntry {
    /// Its index.
    pub index: u64,
    /// The leaf.
    pub leaf: EntryLeaf,
}

/// An inclusion proof.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InclusionProof {
    /// Always [`API_SCHEMA`].
    pub schema: String,
    /// The entry's index.
    pub index: u64,
    /// The tree size the proof is for.
    pub size: u64,
    /// The audit path, hex, leaf to root.
    pub proof: Vec<String>,
}

/// A consistency proof.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsistencyProof {
    /// Always [`API_SCHEMA`].
    pub schema: String,
    /// The older size.
    pub from: u64,
    /// The newer size.
    pub to: u64,
    /// The proof, hex.
    pub proof: Vec<String>,
}

/// Newest co-signed checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CosignedList {
    /// Always [`API_SCHEMA`].
    pub schema: String,
    /// Signed checkpoints with their cosignature lines, largest size first.
    pub checkpoints: Vec<String>,
}

/// A witness's cosignature, sent to the registry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosignatureSubmission {
    /// The checkpoint text co-signed (without signature lines).
    pub checkpoint: String,
    /// The signature line (`— name base64`).
    pub signature: String,
}

/// `/healthz`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    /// Always [`API_SCHEMA`].
    pub schema: String,
    /// `"ok"`.
    pub status: String,
    /// Entries in the log.
    pub size: u64,
    /// `"sqlite"` or `"postgres"`.
    pub database: String,
}
