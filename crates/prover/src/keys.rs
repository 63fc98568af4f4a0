//! Key generation (single-party, test only), key files, and fast proving-key loading.
//!
//! Files in a key directory, named by the verifying key's ID:
//! - `<id>.vk.json`: the verifying key file (see `zkgov_verifier::keys::VkFile`); it records the
//!   SHA-256 of the proving key's payload;
//! - `<id>.pk`: `ZKGOVPK\x01` followed by the proving key, uncompressed.
//!
//! Loading a proving key hashes it once against the digest the (validated) verifying key file pins,
//! then deserializes without point validation: the bytes are exactly the ones key generation wrote,
//! and validating millions of points would dominate proving time for large circuits.

use crate::error::ProveError;
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use std::{path::Path, sync::OnceLock};
use zkgov_circuits::Circuit;
use zkgov_engine::PreparedCircuit;
use zkgov_spec::files::write_atomic;
use zkgov_verifier::keys::{
    check_key_is_safe, key_id, vk_to_hex, KeyStore, SetupKind, TrustedKey, VkFile, VK_FORMAT,
    VK_VERSION,
};

/// Magic prefix of a proving key file.
pub const PK_MAGIC: &[u8; 8] = b"ZKGOVPK\x01";

/// A proving key with its verifying key.
pub struct KeyPair {
    /// The proving key.
    pub pk: ProvingKey<Bn254>,
    /// The verifying key, checked.
    pub vk: TrustedKey,
    prepared: OnceLock<PreparedCircuit>,
}

impl KeyPair {
    fn new(pk: ProvingKey<Bn254>, vk: TrustedKey) -> Self {
        KeyPair {
            pk,
            vk,
            prepared: OnceLock::new(),
        }
    }

    /// The constraint matrices of the key's circuit, built on first use and then shared by every
    /// proof made with this key (see [`zkgov_engine::prepared`]).
    pub fn prepared(&self) -> Result<&PreparedCircuit, ProveError> {
        if let Some(p) = self.prepared.get() {
            return Ok(p);
        }
        let built = prepared_for(Circuit::from_id(&self.vk.circuit)?, self.vk.capacity)?;
        Ok(self.prepared.get_or_init(|| built))
    }

    /// Proves `circuit` with this key: the prepared-matrix prover, a standard Groth16 proof.
    pub fn prove<C: ConstraintSynthesizer<Fr>, R: RngCore + CryptoRng>(
        &self,
        circuit: C,
        rng: &mut R,
    ) -> Result<ark_groth16::Proof<Bn254>, ProveError> {
        Ok(self.prepared()?.prove(&self.pk, circuit, rng)?)
    }
}

/// The constraint matrices of `circuit` at `capacity` (from an all-zero witness).
pub fn prepared_for(circuit: Circuit, capacity: u64) -> Result<PreparedCircuit, ProveError> {
    Ok(PreparedCircuit::new(circuit.blank(capacity)?)?)
}

/// Runs a single-party Groth16 setup for `circuit` at `capacity` (an all-zero witness of the right
/// shape). Whoever runs it knows the toxic waste and can forge proofs: keys are labelled test-only.
pub fn generate<R: RngCore + CryptoRng>(
    circuit: Circuit,
    capacity: u64,
    rng: &mut R,
) -> Result<(KeyPair, Vec<u8>), ProveError> {
    let (pk, _) = Groth16::<Bn254>::circuit_specific_setup(circuit.blank(capacity)?, rng)?;
    key_pair(pk, circuit.id(), capacity, SetupKind::SingleParty)
}

/// Wraps a proving key (from a single-party setup or a ceremony) with its verifying key file;
/// returns the pair and the proving key's file payload.
pub fn key_pair(
    pk: ProvingKey<Bn254>,
    circuit_id: &str,
    capacity: u64,
    setup: SetupKind,
) -> Result<(KeyPair, Vec<u8>), ProveError> {
    let mut payload = Vec::new();
    pk.serialize_uncompressed(&mut payload)
        .map_err(|e| ProveError::Key(e.to_string()))?;
    let file = VkFile {
        format: VK_FORMAT.into(),
        version: VK_VERSION,
        key_id: key_id(&pk.vk),
        circuit: circuit_id.into(),
        capacity,
        setup_claim: setup,
        proving_key_sha256: hex::encode(Sha256::digest(&payload)),
        vk: vk_to_hex(&pk.vk),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| ProveError::Key(e.to_string()))?;
    let vk = TrustedKey::from_json(&text, None)?;
    Ok((KeyPair::new(pk, vk), payload))
}

/// Writes a key pair into `dir`; returns the key ID.
pub fn write(dir: &Path, pair: &KeyPair, payload: &[u8]) -> Result<String, ProveError> {
    let store = KeyStore::new(dir);
    let id = pair.vk.id.clone();
    let mut pk_bytes = Vec::with_capacity(payload.len() + PK_MAGIC.len());
    pk_bytes.extend_from_slice(PK_MAGIC);
    pk_bytes.extend_from_slice(payload);
    write_atomic(&dir.join(format!("{id}.pk")), &pk_bytes)?;
    let text =
        serde_json::to_string_pretty(&pair.vk.file).map_err(|e| ProveError::Key(e.to_string()))?;
    write_atomic(&store.vk_path(&id), text.as_bytes())?;
    Ok(id)
}

/// Loads the key pair with ID `id` from `dir`.
pub fn load(dir: &Path, id: &str) -> Result<KeyPair, ProveError> {
    let vk = KeyStore::new(dir).load(id)?;
    let path = dir.join(format!("{id}.pk"));
    let bytes = std::fs::read(&path).map_err(|e| ProveError::io(&path, e))?;
    let payload = bytes
        .strip_prefix(PK_MAGIC)
        .ok_or_else(|| ProveError::Key(format!("{}: not a zkgov proving key", path.display())))?;
    if hex::encode(Sha256::digest(payload)) != vk.file.proving_key_sha256 {
        return Err(ProveError::Key(format!(
            "{}: proving key does not match verifying key {id} (corrupt or substituted)",
            path.display()
        )));
    }
    let pk = ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(payload)
        .map_err(|e| ProveError::Key(format!("{}: {e}", path.display())))?;
    if pk.vk != vk.pvk.vk {
        return Err(ProveError::Key(format!(
            "{}: proving key was made with a different verifying key",
            path.display()
        )));
    }
    check_key_is_safe(id, &pk.vk)?;
    Ok(KeyPair::new(pk, vk))
}

/// Finds the key for `circuit` at `capacity` in `dir`: among the keys named by `wanted` (the
/// `--key-id` flags; a command proving at several capacities names one key per capacity) when
/// any are named, else among all keys of the directory; the only matching one, keys whose files
/// claim a ceremony preferred over test-only ones (the prover's own choice; verifiers do not
/// trust the claim).
pub fn find(
    dir: &Path,
    circuit: &str,
    capacity: u64,
    wanted: &[String],
) -> Result<String, ProveError> {
    let store = KeyStore::new(dir);
    let keys = if wanted.is_empty() {
        store.list()?
    } else {
        wanted
            .iter()
            .map(|id| store.load(id))
            .collect::<Result<Vec<_>, _>>()?
    };
    let where_ = if wanted.is_empty() {
        format!("in {}", dir.display())
    } else {
        format!("among the --key-id keys ({})", wanted.join(", "))
    };
    let matching: Vec<&TrustedKey> = keys
        .iter()
        .filter(|k| k.circuit == circuit && k.capacity == capacity)
        .collect();
    let ceremony: Vec<&&TrustedKey> = matching
        .iter()
        .filter(|k| k.setup == SetupKind::Ceremony)
        .collect();
    match (ceremony.as_slice(), matching.as_slice()) {
        ([k], _) => Ok(k.id.clone()),
        ([], [k]) => Ok(k.id.clone()),
        ([], []) => {
            let kind = Circuit::from_id(circuit).map_or("compute", Circuit::name);
            Err(ProveError::Key(format!(
                "no key for {circuit} at capacity {capacity} {where_} (run `zkgov keygen --circuit {kind} --capacity {capacity}`, or finalize a ceremony for it)"
            )))
        }
        _ => Err(ProveError::Key(format!(
            "several keys for {circuit} at capacity {capacity} {where_}: choose one with --key-id"
        ))),
    }
}
