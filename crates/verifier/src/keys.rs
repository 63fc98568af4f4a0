//! Verifying keys, their IDs, and the regulator's key store.
//!
//! A key's ID is the SHA-256 of its canonical compressed serialization, in lower-case hex. Bundles
//! name the ID of the key their proofs need; the verifier looks the ID up in a directory of keys
//! the regulator chose to trust (`<dir>/<id>.vk.json`), deserializes it with full point
//! validation, and recomputes the ID. A key is never taken from the bundle itself.
//!
//! What a key file says about its own setup is only a claim: anyone who can edit the file can write
//! "ceremony" into it. A key counts as a ceremony key only when a policy pins its ID, or when its
//! ceremony transcript was checked by the verifier ([`VerifiedCeremony`], attached to the store
//! with [`KeyStore::with_ceremonies`]) and names contributors the policy trusts.

use crate::{error::VerifyError, Bn254};
use zkgov_spec::SpecError;

use ark_ec::AffineRepr;
use ark_groth16::{PreparedVerifyingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zkgov_spec::encoding::bytes_from_hex;

/// File format name of a verifying key file.
pub const VK_FORMAT: &str = "zkgov-verifying-key";
/// Current version of the verifying key file. Version 1 called its setup label `setup` and
/// verifiers trusted it; version 2 calls it `setup_claim`, a claim that proves nothing; version 3
/// pins the proving key file (format 2, with its constraint matrices) by BLAKE3 rather than
/// SHA-256. The verifying key itself, and so the key ID, is the same in versions 2 and 3.
pub const VK_VERSION: u32 = 3;

/// How a key's file says it was generated (a claim, see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
            SetupKind::Ceremony => {
                "claims a multi-party ceremony, not verified (its transcript was not checked)"
            }
        }
    }
}

/// A verifying key file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// How the key's maker says it was generated: a claim, never trusted on its own.
    pub setup_claim: SetupKind,
    /// BLAKE3 of the matching proving key file's payload (64 hex digits): the prover checks the
    /// proving key against it as it loads it. Verifiers do not use it.
    pub proving_key_blake3: String,
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
pub fn check_key_id(id: &str) -> Result<(), SpecError> {
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
    /// How its file says it was generated (a claim: see [`TrustedKey::provenance`]).
    pub setup: SetupKind,
    /// Its ceremony transcript, when the verifier checked one that produced this key.
    pub ceremony: Option<VerifiedCeremony>,
    /// The prepared key.
    pub pvk: PreparedVerifyingKey<Bn254>,
    /// The file's metadata.
    pub file: VkFile,
}

impl TrustedKey {
    /// Parses and checks a verifying key file's text; `expected_id`, when given, must match.
    pub fn from_json(text: &str, expected_id: Option<&str>) -> Result<Self, VerifyError> {
        // Format and version first, so that an old file gets a clear message rather than an
        // unknown-field error.
        let head: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SpecError::malformed("verifying key", e))?;
        let format = head["format"].as_str().unwrap_or("?");
        match head["version"].as_u64() {
            Some(1) if format == VK_FORMAT => {
                return Err(SpecError::malformed(
                    "verifying key",
                    format!(
                        "{VK_FORMAT} v1 is refused: its setup label was trusted as written, so an edited file could pass as a ceremony key; rewrite the key as v{VK_VERSION} (`zkgov ceremony finalize` again gives a ceremony key the same ID; `zkgov keygen` makes a new test key)"
                    ),
                ).into())
            }
            Some(2) if format == VK_FORMAT => {
                return Err(SpecError::malformed(
                    "verifying key",
                    format!(
                        "{VK_FORMAT} v2 is refused: it pins a proving key file of the previous format, which this zkgov no longer reads; rewrite the key as v{VK_VERSION} (`zkgov ceremony finalize` again gives a ceremony key the same ID; `zkgov keygen` makes a new test key)"
                    ),
                ).into())
            }
            v => SpecError::check_format(
                "verifying key",
                format,
                v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
                VK_FORMAT,
                VK_VERSION,
            )?,
        }
        let file: VkFile =
            serde_json::from_value(head).map_err(|e| SpecError::malformed("verifying key", e))?;
        check_key_id(&file.key_id)?;
        let bytes = hex::decode(&file.vk).map_err(|e| SpecError::malformed("vk", e))?;
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
            setup: file.setup_claim,
            ceremony: None,
            pvk: ark_groth16::prepare_verifying_key(&vk),
            file,
        })
    }

    /// Where the key comes from, in plain words: its verified ceremony, or what its file claims.
    pub fn provenance(&self) -> String {
        match &self.ceremony {
            Some(c) => c.describe(),
            None => self.setup.label().to_string(),
        }
    }
}

/// A ceremony contributor as a checked transcript names it: a name it chose itself, and the
/// ed25519 key that signed its contribution (the only part that identifies it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContributorKey {
    /// The name it chose.
    pub name: String,
    /// The jurisdiction it said it speaks for.
    pub jurisdiction: Option<String>,
    /// Its ed25519 public key, 64 hex digits.
    pub public_key: String,
}

impl ContributorKey {
    /// "UK AISI (UK), key 1a2b3c4d5e6f…".
    pub fn describe(&self) -> String {
        let who = match &self.jurisdiction {
            Some(j) => format!("{} ({j})", self.name),
            None => self.name.clone(),
        };
        format!(
            "{who}, key {}…",
            self.public_key.get(..12).unwrap_or(&self.public_key)
        )
    }
}

/// A contributor whose key a verifier requires in a ceremony transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredContributor {
    /// The name the verifier knows it by.
    pub name: String,
    /// Its ed25519 public key, 64 lower-case hex digits.
    pub public_key: String,
}

impl RequiredContributor {
    /// A required contributor from its name and key (64 hex digits); `field` names the source in
    /// errors.
    pub fn new(field: &str, name: &str, key: &str) -> Result<Self, SpecError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(SpecError::bad_value(field, "the contributor has no name"));
        }
        bytes_from_hex(&format!("{field} {name:?}"), key.trim(), 32)?;
        Ok(RequiredContributor {
            name: name.to_string(),
            public_key: key.trim().to_string(),
        })
    }

    /// Parses `NAME=HEX`, as `--require-contributor "UK AISI=<64 hex digits>"` gives it.
    pub fn parse_arg(arg: &str) -> Result<Self, SpecError> {
        let (name, key) = arg.rsplit_once('=').ok_or_else(|| {
            SpecError::bad_value(
                "--require-contributor",
                format!("{arg:?}: expected NAME=PUBLIC_KEY (64 hex digits)"),
            )
        })?;
        Self::new("--require-contributor", name, key)
    }
}

/// What a checked ceremony transcript establishes about the key it produced. Made only by the
/// ceremony verifier (`zkgov verify --ceremony`, `zkgov ceremony verify`) after the transcript,
/// the initial key re-derived from the circuit, and the phase 1 all verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifiedCeremony {
    /// The ID of the key the ceremony produced.
    pub key_id: String,
    /// SHA-256 of the phase-1 file (a zkgov phase-1 file or a snarkjs `.ptau`).
    pub phase1_sha256: String,
    /// The phase-1 contributors, when phase 1's own contribution chain was checked (a zkgov phase
    /// 1); `None` for a `.ptau`, whose randomness is trusted by its hash alone.
    pub phase1_contributors: Option<Vec<ContributorKey>>,
    /// The phase-2 contributors, in order, each signature checked.
    pub contributors: Vec<ContributorKey>,
    /// Hash of the last contribution.
    pub transcript_hash: String,
}

impl VerifiedCeremony {
    /// Checks that every `required` contributor signed a phase-2 contribution with its key; the
    /// error names the first that did not.
    pub fn check_contributors(&self, required: &[RequiredContributor]) -> Result<(), String> {
        for r in required {
            if self
                .contributors
                .iter()
                .any(|c| c.public_key == r.public_key)
            {
                continue;
            }
            let short = r.public_key.get(..12).unwrap_or(&r.public_key);
            return Err(match self.contributors.iter().find(|c| c.name == r.name) {
                Some(c) => format!(
                    "required contributor {:?} (key {short}…) did not contribute: the contribution named {:?} was signed by another key, {}…",
                    r.name,
                    c.name,
                    c.public_key.get(..12).unwrap_or(&c.public_key)
                ),
                None => format!(
                    "required contributor {:?} (key {short}…) is not in the ceremony transcript",
                    r.name
                ),
            });
        }
        Ok(())
    }

    /// Whether some contributor to phase 1's checked chain holds one of `keys`' keys.
    pub fn phase1_includes_any(&self, keys: &[RequiredContributor]) -> bool {
        self.phase1_contributors
            .iter()
            .flatten()
            .any(|c| keys.iter().any(|k| k.public_key == c.public_key))
    }

    /// Plain words, for key labels.
    pub fn describe(&self) -> String {
        let who: Vec<String> = self
            .contributors
            .iter()
            .map(ContributorKey::describe)
            .collect();
        format!(
            "multi-party ceremony, transcript verified: {} contribution(s), by {}; phase 1 {}…{}",
            self.contributors.len(),
            who.join("; "),
            self.phase1_sha256.get(..12).unwrap_or(&self.phase1_sha256),
            match &self.phase1_contributors {
                Some(c) => format!(" (its {} contribution(s) checked)", c.len()),
                None => " (a .ptau: its randomness is trusted by hash)".to_string(),
            }
        )
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
    ceremonies: Vec<VerifiedCeremony>,
}

impl KeyStore {
    /// A key store over `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        KeyStore {
            dir: dir.into(),
            ceremonies: Vec::new(),
        }
    }

    /// The same store, with checked ceremony transcripts: a key one of them produced is loaded
    /// with it attached ([`TrustedKey::ceremony`]).
    pub fn with_ceremonies(mut self, ceremonies: Vec<VerifiedCeremony>) -> Self {
        self.ceremonies = ceremonies;
        self
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
                return Err(if self.dir.is_dir() {
                    VerifyError::UnknownKey { key_id: id.into() }
                } else {
                    VerifyError::NoKeyDirectory {
                        dir: self.dir.display().to_string(),
                    }
                });
            }
            Err(e) => {
                return Err(SpecError::Io {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }
                .into())
            }
        };
        let mut key = TrustedKey::from_json(&text, Some(id))?;
        key.ceremony = self.ceremonies.iter().find(|c| c.key_id == id).cloned();
        Ok(key)
    }

    /// Every key in the store whose file parses (IDs in sorted order), for listing and lookup.
    pub fn list(&self) -> Result<Vec<TrustedKey>, VerifyError> {
        let rd = std::fs::read_dir(&self.dir).map_err(|e| SpecError::Io {
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
