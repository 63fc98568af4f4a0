//! A witness, run by a state: fetch the log's newest checkpoint, check that it extends the one
//! this witness co-signed before (a consistency proof), record it, then co-sign it.
//!
//! The witness's state file holds the last checkpoint it co-signed. It is written (atomically)
//! before the cosignature is sent, so the witness never signs anything it has not recorded. A
//! split view (a smaller tree, a different root at the same size, or a tree that does not extend
//! the recorded one) is refused: nothing is signed, the state is unchanged, and both checkpoints
//! are kept as evidence beside the state file.

use crate::{
    api::CosignatureSubmission,
    client::{check_extends, Client},
    log::{hash_hex, parse_hash_hex},
    note::{open_checkpoint, KeyRole, NoteKey, PublicKey, VerifiedCheckpoint},
    RegistryError,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The state file's format.
pub const STATE_FORMAT: &str = "zkgov-witness-state/v1";

/// What a witness remembers: the last checkpoint it co-signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessState {
    /// Always [`STATE_FORMAT`].
    pub format: String,
    /// The log's origin.
    pub origin: String,
    /// The co-signed size.
    pub size: u64,
    /// Its root, hex.
    pub root: String,
    /// The signed checkpoint as fetched.
    pub checkpoint: String,
}

/// What one witnessing round did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WitnessReport {
    /// The log's origin.
    pub origin: String,
    /// The size co-signed before this round (0 if none).
    pub previous_size: u64,
    /// The size co-signed now.
    pub size: u64,
    /// The root co-signed now, hex.
    pub root: String,
}

fn read_state(path: &Path) -> Result<Option<(WitnessState, VerifiedCheckpoint)>, RegistryError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = zkgov_spec::files::read_bounded(path, 1 << 20, "witness state")?;
    let state: WitnessState =
        serde_json::from_str(&text).map_err(|e| RegistryError::file(path, e))?;
    if state.format != STATE_FORMAT {
        return Err(RegistryError::file(
            path,
            format!("expected {STATE_FORMAT}"),
        ));
    }
    let root = parse_hash_hex("witness state root", &state.root)?;
    let seen = VerifiedCheckpoint {
        origin: state.origin.clone(),
        size: state.size,
        root,
        text: String::new(),
        witnesses: Vec::new(),
    };
    Ok(Some((state, seen)))
}

fn evidence_path(state: &Path) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = state
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "witness".into());
    state.with_file_name(format!("{name}.split-view-{stamp}.txt"))
}

/// One round: fetch, check, record, co-sign. `log` is the log key the witness was configured
/// with; `key` the witness's own; `state` its state file.
pub fn witness_once(
    client: &Client,
    log: &PublicKey,
    key: &NoteKey,
    state: &Path,
    time: u64,
) -> Result<WitnessReport, RegistryError> {
    if key.role() != KeyRole::Witness {
        return Err(RegistryError::malformed(
            "witness key",
            "expected a witness key (zkgov registry keygen --witness)",
        ));
    }
    let note = client.checkpoint()?;
    let new = open_checkpoint(&note, log, &[])?;
    let previous = read_state(state)?;
    if let Some((old_state, old)) = &previous {
        if old_state.origin != new.origin {
            return Err(RegistryError::file(
                state,
                format!(
                    "this state is for log {}, not {}",
                    old_state.origin, new.origin
                ),
            ));
        }
        if let Err(e) = check_extends(client, old, &new) {
            if matches!(e, RegistryError::SplitView(_)) {
                let evidence = evidence_path(state);
                let text = format!(
                    "# zkgov witness: split view refused\n# co-signed before:\n{}\n# offered now:\n{}",
                    old_state.checkpoint, note
                );
                // Best effort: the refusal stands even if the evidence cannot be written.
                let _ = zkgov_spec::files::write_atomic(&evidence, text.as_bytes());
                return Err(RegistryError::SplitView(format!(
                    "{} (both checkpoints kept in {})",
                    e.to_string().trim_start_matches("split view: "),
                    evidence.display()
                )));
            }
            return Err(e);
        }
    }
    let record = WitnessState {
        format: STATE_FORMAT.into(),
        origin: new.origin.clone(),
        size: new.size,
        root: hash_hex(&new.root),
        checkpoint: note.clone(),
    };
    zkgov_spec::files::write_atomic(
        state,
        serde_json::to_string_pretty(&record)
            .unwrap_or_default()
            .as_bytes(),
    )
    .map_err(|e| RegistryError::file(state, e))?;
    let signature = key.cosign(&note, time)?;
    client.cosign(&CosignatureSubmission {
        checkpoint: new.text.clone(),
        signature,
    })?;
    Ok(WitnessReport {
        origin: new.origin,
        previous_size: previous.map_or(0, |(s, _)| s.size),
        size: new.size,
        root: hash_hex(&new.root),
    })
}
