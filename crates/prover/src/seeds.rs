//! Secret salt seeds: where they live, how they are read and made, and how one seed gives each
//! claim of a bundle its own salt.
//!
//! A seed is 32 random bytes kept in a file of 64 hex digits, by convention `<out>.SECRET-seed`
//! beside the bundle or attestation it salted ([`secret_seed_path`]). Whoever holds it can test
//! guesses of the committed data against the commitment, so it is never sent to a regulator; the
//! developer keeps it to answer spot checks.

use crate::ProveError;
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zkgov_spec::files::write_atomic;

/// Where the secret seed of `out` (a bundle or an attestation) goes: `<out>.SECRET-seed`.
pub fn secret_seed_path(out: &Path) -> PathBuf {
    let mut p = out.as_os_str().to_owned();
    p.push(".SECRET-seed");
    PathBuf::from(p)
}

/// Reads a seed file (64 hex digits); `Ok(None)` when the file does not exist.
pub fn read_seed(path: &Path) -> Result<Option<[u8; 32]>, ProveError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ProveError::io(path, e)),
    };
    hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .map(Some)
        .ok_or_else(|| {
            ProveError::import(
                path.display().to_string(),
                "seed file must hold 64 hex digits",
            )
        })
}

/// Reads the seed at `path`, or makes a fresh one there if the file does not exist.
pub fn read_or_create_seed(path: &Path) -> Result<[u8; 32], ProveError> {
    if let Some(seed) = read_seed(path)? {
        return Ok(seed);
    }
    let seed = new_seed_for(path)?;
    write_seed(path, &seed)?;
    Ok(seed)
}

/// A fresh random seed for `path`, refusing a path that already holds one (every attestation gets
/// its own seed). Nothing is written: [`write_seed`] once the seed has been used.
pub fn new_seed_for(path: &Path) -> Result<[u8; 32], ProveError> {
    if path.exists() {
        return Err(ProveError::import(
            path.display().to_string(),
            "already exists; every attestation gets a fresh seed (choose another --out)",
        ));
    }
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    Ok(seed)
}

/// Writes `seed` to `path` (atomically, 64 hex digits).
pub fn write_seed(path: &Path, seed: &[u8; 32]) -> Result<(), ProveError> {
    Ok(write_atomic(path, hex::encode(seed).as_bytes())?)
}

/// The seed of claim `index` (0-based) of a bundle made with `seed`:
/// SHA-256("zkgov/claim-seed/v1" || seed || index), so that claims in one bundle never share salts.
pub fn claim_seed(seed: &[u8; 32], index: usize) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"zkgov/claim-seed/v1");
    h.update(seed);
    h.update((index as u64).to_be_bytes());
    h.finalize().into()
}
