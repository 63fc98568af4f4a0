//! Verifying keys, their IDs, and the regulator's key store.
//!
//! A key's ID is the SHA-256 of its canonical compressed serialization, in lower-case hex. Bundles
//! name the ID of the key their proofs need; the verifier looks the ID up in a directory of keys
//! the regulator chose to trust (`<dir>/<id>.vk.json`), deserializes it with full point
//! validation, and recomputes the ID. A key is never taken from the bundle itself.

use crate::{error::VerifyError, num::bytes_from_hex, Bn254};
use ark_ec::AffineRepr;
use ark_groth16::{PreparedVerifyingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// File format name of a verifying key file.
pub const VK_FORMAT: &str = "zkgov-verifying-key";
/// Current version of the verifying key file.
pub const VK_VERSION: u32 = 1;

/// How a key was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SetupKind {
    /// One party ran the whole setup and could forge proofs: for tests and demos only.
    SingleParty,
    /// A multi-party ceremony: sound if any one contributor was honest.
    Ceremony,
}

impl SetupKind {
    /// A plain-words label shown wherever the key is.
    pub fn label(&self) -> &'static str {
        match self {
            SetupKind::SingleParty => {
                "single-party setup: TEST ONLY (whoever ran it can forge proofs)"
            }
            SetupKind::Ceremony => "multi-party ceremony",
        }
    }
}

/// A verifying key file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VkFile {
    /// Always [`VK_FORMAT`].
    pub format: String,
    /// Always [`VK_VERSION`].
    pub version: u32,
    /// The key's ID.
    pub key_id: String,
    /// The circuit the key is for.
    pub circuit: String,
    /// The circuit's capacity class.
    pub capacity: u64,
    /// How the key was generated.
    pub setup: SetupKind,
    /// SHA-256 of the matching proving key's payload (lets the prover load it fast).
    pub proving_key_sha256: String,
    /// The verifying key, canonical compressed bytes in hex.
    pub vk: String,
}

/// The ID of a verifying key.
pub fn key_id(vk: &VerifyingKey<Bn254>) -> String {
    let mut bytes = Vec::new();
    // Serializing into a Vec cannot fail.
    let _ = vk.serialize_compressed(&mut bytes);
    hex::encode(Sha256::digest(&bytes))
}

/// Checks that a key ID is 64 lower-case hex digits (so it is safe to use in a file name).
pub fn check_key_id(id: &str) -> Result<(), VerifyError> {
    bytes_from_hex("key_id", id, 32).map(|_| ())
}

/// A verifying key that passed every check, ready to verify with.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// Its ID.
    pub id: String,
    /// Its circuit.
    pub circuit: String,
    /// Its capacity class.
    pub capacity: u64,
    /// How it was generated.
    pub setup: SetupKind,
    /// The prepared key.
    pub pvk: PreparedVerifyingKey<Bn254>,
    /// The file's metadata.
    pub file: VkFile,
}

impl TrustedKey {
    /// Parses and checks a verifying key file's text; `expected_id`, when given, must match.
    pub fn from_json(text: &str, expected_id: Option<&str>) -> Result<Self, VerifyError> {
        let file: VkFile =
            serde_json::from_str(text).map_err(|e| VerifyError::malformed("verifying key", e))?;
        VerifyError::check_format(
            "verifying key",
            &file.format,
            file.version,
            VK_FORMAT,
            VK_VERSION,
        )?;
        check_key_id(&file.key_id)?;
        let bytes = hex::decode(&file.vk).map_err(|e| VerifyError::malformed("vk", e))?;
        let vk = VerifyingKey::<Bn254>::deserialize_compressed(&bytes[..]).map_err(|e| {
            VerifyError::BadPoint {
                what: "verifying key".into(),
                reason: e.to_string(),
            }
        })?;
        let actual = key_id(&vk);
        let expected = expected_id.unwrap_or(&file.key_id);
        if actual != expected || actual != file.key_id {
            return Err(VerifyError::KeyIdMismatch {
                expected: expected.to_string(),
                actual,
            });
        }
        check_key_is_safe(&actual, &vk)?;
        Ok(TrustedKey {
            id: actual,
            circuit: file.circuit.clone(),
            capacity: file.capacity,
            setup: file.setup,
            pvk: ark_groth16::prepare_verifying_key(&vk),
            file,
        })
    }
}

/// Refuses keys anyone can forge with: `delta` equal to `gamma` or to the generator means phase 2
/// of the setup never happened.
pub fn check_key_is_safe(id: &str, vk: &VerifyingKey<Bn254>) -> Result<(), VerifyError> {
    let g2 = <Bn254 as ark_ec::pairing::Pairing>::G2Affine::generator();
    let reason = if vk.delta_g2 == vk.gamma_g2 {
        Some("delta equals gamma (no phase-2 contribution)")
    } else if vk.delta_g2 == g2 {
        Some("delta is the generator (no phase-2 contribution)")
    } else if vk.gamma_abc_g1.is_empty() {
        Some("it has no input commitments")
    } else {
        None
    };
    match reason {
        Some(r) => Err(VerifyError::UnsafeKey {
            key_id: id.to_string(),
            reason: r.into(),
        }),
        None => Ok(()),
    }
}

/// A directory of trusted verifying keys, `<dir>/<id>.vk.json`.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    /// A key store over `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        KeyStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the key with `id` lives.
    pub fn vk_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.vk.json"))
    }

    /// Loads and checks the key with `id`.
    pub fn load(&self, id: &str) -> Result<TrustedKey, VerifyError> {
        check_key_id(id)?;
        let path = self.vk_path(id);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(VerifyError::UnknownKey { key_id: id.into() })
            }
            Err(e) => {
                return Err(VerifyError::Io {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })
            }
        };
        TrustedKey::from_json(&text, Some(id))
    }

    /// Every key in the store whose file parses (IDs in sorted order), for listing and lookup.
    pub fn list(&self) -> Result<Vec<TrustedKey>, VerifyError> {
        let rd = std::fs::read_dir(&self.dir).map_err(|e| VerifyError::Io {
            path: self.dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut ids: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".vk.json"))
                    .map(str::to_string)
            })
            .collect();
        ids.sort();
        ids.iter().map(|id| self.load(id)).collect()
    }
}

/// Serializes a verifying key to the hex form used in [`VkFile`].
pub fn vk_to_hex(vk: &VerifyingKey<Bn254>) -> String {
    let mut bytes = Vec::new();
    let _ = vk.serialize_compressed(&mut bytes);
    hex::encode(bytes)
}
