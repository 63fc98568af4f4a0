//! A multi-party Groth16 setup that no single state or developer controls (BGM17).
//!
//! With a single-party setup whoever ran it knows the toxic waste and can forge any proof. Here:
//! - **Phase 1** (powers of tau, circuit-independent): either a snarkjs `.ptau` file
//!   ([`ptau`]), or a small phase 1 run natively ([`phase1`]) with contributions and proofs of
//!   knowledge. Every point is validated and the powers are checked for consistency with batched
//!   pairing checks.
//! - **Phase 2** (per circuit, [`phase2`]): the initial key is derived deterministically from the
//!   circuit's constraint matrices and phase 1 (delta = 1); each contributor multiplies delta by a
//!   secret, divides the H and L queries by it, publishes a proof of knowledge bound to the
//!   transcript so far ([`pok`]) and signs the contribution's hash with ed25519. Anyone re-derives
//!   the initial key and checks every step offline; one honest contributor suffices.
//!
//! Ceremony files are a fixed 8-byte magic, a length-prefixed JSON header (format, version,
//! transcript) and the points in arkworks' canonical compressed encoding, read back with full
//! validation.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod error;
pub mod phase1;
pub mod phase2;
pub mod pok;
pub mod ptau;

pub use error::CeremonyError;

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ed25519_dalek::{Signer, SigningKey};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use zkgov_spec::files::write_atomic;
use zkgov_spec::signature::verify_strict;
use zkgov_verifier::keys::ContributorKey;

/// Watches a long ceremony computation, for a progress display: [`Progress::stage`] names each
/// stage as it starts, with its number of units of work (0: not counted), and
/// [`Progress::advance`] counts finished units, from any thread.
pub trait Progress: Sync {
    /// A stage begins.
    fn stage(&self, what: &str, units: u64);
    /// `units` more units of the current stage are done.
    fn advance(&self, units: u64);
}

/// A [`Progress`] that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Largest JSON header a ceremony file may have (the transcript of many contributions).
const MAX_HEADER: u64 = 64 << 20;

/// Who made a contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contributor {
    /// The contributor's name, as it chose to be known.
    pub name: String,
    /// The state or jurisdiction it speaks for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// Its ed25519 public key (64 hex digits).
    pub public_key: String,
}

impl Contributor {
    /// The contributor behind `key`.
    pub fn new(name: &str, jurisdiction: Option<&str>, key: &SigningKey) -> Self {
        Contributor {
            name: name.to_string(),
            jurisdiction: jurisdiction.map(str::to_string),
            public_key: hex::encode(key.verifying_key().to_bytes()),
        }
    }

    /// "contribution 2 (EU AI Office, EU)": how errors and reports name a step.
    pub fn step(&self, index: usize) -> String {
        match &self.jurisdiction {
            Some(j) => format!("contribution {index} ({}, {j})", self.name),
            None => format!("contribution {index} ({})", self.name),
        }
    }

    /// The contributor as a verified transcript reports it.
    pub fn signer(&self) -> ContributorKey {
        ContributorKey {
            name: self.name.clone(),
            jurisdiction: self.jurisdiction.clone(),
            public_key: self.public_key.clone(),
        }
    }

    fn absorb(&self, t: &mut pok::Transcript) {
        t.bytes(self.name.as_bytes())
            .bytes(self.jurisdiction.as_deref().unwrap_or("").as_bytes())
            .bytes(self.public_key.as_bytes());
    }
}

/// The message a contributor signs: its contribution's hash, under a label of its own so that a
/// key used elsewhere (e.g. as an evaluator key) cannot be made to sign a contribution.
fn signed_message(hash: &[u8; 32]) -> Vec<u8> {
    let mut m = b"zkgov/ceremony-contribution/v1".to_vec();
    m.extend_from_slice(hash);
    m
}

/// Signs a contribution hash; returns the signature in hex.
pub fn sign(key: &SigningKey, hash: &[u8; 32]) -> String {
    hex::encode(key.sign(&signed_message(hash)).to_bytes())
}

/// Checks a contribution's recorded hash against the recomputed one, and its signature.
pub(crate) fn check_signed(
    who: &Contributor,
    recorded_hash: &str,
    computed: &[u8; 32],
    signature: &str,
) -> Result<(), String> {
    if recorded_hash != hex::encode(computed) {
        return Err("its recorded hash does not match its contents (edited after signing)".into());
    }
    let key: [u8; 32] = hex::decode(&who.public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the contributor key is not 64 hex digits")?;
    let sig: [u8; 64] = hex::decode(signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the signature is not 128 hex digits")?;
    verify_strict(&key, &sig, &signed_message(computed))
        .map_err(|p| format!("{} over its hash", p.describe("contributor")))
}

/// The transcript's head: the hash of the last contribution (`(who, index, hash)`), or `start`
/// before any.
fn head(
    last: Option<(&Contributor, usize, &str)>,
    start: [u8; 32],
) -> Result<[u8; 32], CeremonyError> {
    match last {
        None => Ok(start),
        Some((who, index, hash)) => hex::decode(hash)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| CeremonyError::step(who.step(index), "its hash is not 64 hex digits")),
    }
}

/// Checks that the contribution at 0-based `position` is numbered `position + 1`.
fn check_position(index: usize, position: usize) -> Result<(), String> {
    if index == position + 1 {
        return Ok(());
    }
    Err(format!(
        "it is numbered {index} but comes at position {} (a step is missing or reordered)",
        position + 1
    ))
}

/// SHA-256 of bytes, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Writes a ceremony file atomically: magic, header length (u64 LE), JSON header, payload.
/// Returns the file's SHA-256.
fn write_file<H: Serialize, P: CanonicalSerialize>(
    path: &Path,
    magic: &[u8; 8],
    header: &H,
    payload: &P,
) -> Result<String, CeremonyError> {
    let json = serde_json::to_vec(header).map_err(|e| CeremonyError::io(path, e))?;
    let mut bytes = Vec::with_capacity(16 + json.len() + payload.compressed_size());
    bytes.extend_from_slice(magic);
    bytes.extend_from_slice(&(json.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&json);
    payload
        .serialize_compressed(&mut bytes)
        .map_err(|e| CeremonyError::io(path, e))?;
    write_atomic(path, &bytes)?;
    Ok(sha256_hex(&bytes))
}

/// Reads a ceremony file: checks the magic, parses the header strictly, then lets `payload`
/// check the header (format, version) and deserialize the points that follow it with full
/// validation ([`points`]). Returns header, payload and the file's SHA-256.
fn read_file<H: DeserializeOwned, P>(
    path: &Path,
    magic: &[u8; 8],
    what: &str,
    payload: impl FnOnce(&H, &mut &[u8]) -> Result<P, CeremonyError>,
) -> Result<(H, P, String), CeremonyError> {
    let bytes = std::fs::read(path).map_err(|e| CeremonyError::io(path, e))?;
    let bad = |reason: String| CeremonyError::malformed(path, reason);
    let rest = bytes
        .strip_prefix(magic.as_slice())
        .ok_or_else(|| bad(format!("not a {what} (wrong magic bytes or version)")))?;
    if rest.len() < 8 {
        return Err(bad("truncated header".into()));
    }
    let (len, rest) = rest.split_at(8);
    let len = u64::from_le_bytes(len.try_into().unwrap_or_default());
    if len > MAX_HEADER || len > rest.len() as u64 {
        return Err(bad("truncated or oversized header".into()));
    }
    let (json, mut rest) = rest.split_at(len as usize);
    let header: H =
        serde_json::from_slice(json).map_err(|e| bad(format!("malformed header: {e}")))?;
    let points = payload(&header, &mut rest)?;
    if !rest.is_empty() {
        return Err(bad("trailing bytes after the points".into()));
    }
    Ok((header, points, sha256_hex(&bytes)))
}

/// Deserializes points of a ceremony file's payload with full validation (canonical encoding,
/// on the curve, in the prime-order subgroup).
fn points<P: CanonicalDeserialize>(path: &Path, payload: &mut &[u8]) -> Result<P, CeremonyError> {
    P::deserialize_compressed(payload)
        .map_err(|e| CeremonyError::malformed(path, format!("bad or truncated points: {e}")))
}
