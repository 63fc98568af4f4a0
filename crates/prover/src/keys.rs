//! Key generation (single-party, test only), key files, and fast proving-key loading.
//!
//! Files in a key directory, named by the verifying key's ID:
//! - `<id>.vk.json`: the verifying key file (see `zkgov_verifier::keys::VkFile`); it pins the
//!   BLAKE3 digest of the proving key file's payload;
//! - `<id>.pk`: the proving key file, `ZKGOVPK\x02` and then the payload:
//!   the key ID (64 ASCII hex digits); the lengths of the A, B₁, B₂, H and L queries (`u64` each);
//!   the verifying key with `β₁` and `δ₁` (length-prefixed, compressed, checked on reading); the
//!   five queries as raw points ([`zkgov_engine::raw`]: Montgomery form, no conversion); and the
//!   circuit's constraint matrices ([`PreparedCircuit::write`]), so that proving never
//!   synthesizes the circuit's constraints.
//!
//! The points are checked once, where the file is made: key generation computes them, and a
//! ceremony's finalization reads them with full validation. The file's digest, taken as it is
//! written, goes into the verifying key file, whose ID is the verifying key's hash. Loading hashes
//! the payload as it reads it (BLAKE3 on all cores) and compares the digest the verifying key
//! file pins: a changed or substituted byte anywhere is refused, and nothing decoded is used
//! before that. Every proof is also checked against the trusted verifying key before it is
//! returned ([`crate::prove`]).

use crate::error::ProveError;
use ark_bn254::{Bn254, Fr, G1Affine};
use ark_groth16::{Groth16, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use std::{
    io::{self, Read, Write},
    path::Path,
};
use zkgov_circuits::Circuit;
use zkgov_engine::{
    raw::{self, g1, g2, put_g1, put_g2, read_items, read_u64, write_items, write_u64},
    PreparedCircuit,
};
use zkgov_spec::files::write_atomic_with;
use zkgov_verifier::keys::{
    check_key_is_safe, key_id, vk_to_hex, KeyStore, SetupKind, TrustedKey, VkFile, VK_FORMAT,
    VK_VERSION,
};

/// Magic prefix of a proving key file (version 2: raw points and stored constraint matrices).
pub const PK_MAGIC: &[u8; 8] = b"ZKGOVPK\x02";

/// The first proving key format: compressed arkworks points, no matrices.
const PK_MAGIC_V1: &[u8; 8] = b"ZKGOVPK\x01";

/// Largest encoding of the verifying key with `β₁` and `δ₁` (a few hundred inputs at most).
const MAX_SMALL_PART: u64 = 1 << 20;

/// A proving key with its verifying key and its circuit's constraint matrices.
pub struct KeyPair {
    /// The proving key.
    pub pk: ProvingKey<Bn254>,
    /// The verifying key, checked.
    pub vk: TrustedKey,
    prepared: PreparedCircuit,
}

impl KeyPair {
    /// The constraint matrices of the key's circuit (see [`zkgov_engine::prepared`]).
    pub fn prepared(&self) -> &PreparedCircuit {
        &self.prepared
    }

    /// Proves `circuit` with this key: the prepared-matrix prover, a standard Groth16 proof.
    pub fn prove<C: ConstraintSynthesizer<Fr>, R: RngCore + CryptoRng>(
        &self,
        circuit: C,
        rng: &mut R,
    ) -> Result<ark_groth16::Proof<Bn254>, ProveError> {
        Ok(self.prepared.prove(&self.pk, circuit, rng)?)
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
) -> Result<KeyPair, ProveError> {
    let (pk, _) = Groth16::<Bn254>::circuit_specific_setup(circuit.blank(capacity)?, rng)?;
    key_pair(pk, circuit.id(), capacity, SetupKind::SingleParty)
}

/// Wraps a proving key (from a single-party setup or a ceremony) with its circuit's matrices and
/// its verifying key file, whose digest of the proving key file is computed here.
pub fn key_pair(
    pk: ProvingKey<Bn254>,
    circuit_id: &str,
    capacity: u64,
    setup: SetupKind,
) -> Result<KeyPair, ProveError> {
    let prepared = prepared_for(Circuit::from_id(circuit_id)?, capacity)?;
    prepared.check_key(&pk).map_err(|_| {
        ProveError::Key(format!(
            "the proving key does not fit {circuit_id} at capacity {capacity}"
        ))
    })?;
    let id = key_id(&pk.vk);
    let mut digest = Blake3Writer(blake3::Hasher::new());
    write_payload(&mut digest, &id, &pk, &prepared).map_err(|e| ProveError::Key(e.to_string()))?;
    let file = VkFile {
        format: VK_FORMAT.into(),
        version: VK_VERSION,
        key_id: id,
        circuit: circuit_id.into(),
        capacity,
        setup_claim: setup,
        proving_key_blake3: digest.0.finalize().to_hex().to_string(),
        vk: vk_to_hex(&pk.vk),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| ProveError::Key(e.to_string()))?;
    let vk = TrustedKey::from_json(&text, None)?;
    Ok(KeyPair { pk, vk, prepared })
}

/// Writes a key pair into `dir`; returns the key ID.
pub fn write(dir: &Path, pair: &KeyPair) -> Result<String, ProveError> {
    let id = pair.vk.id.clone();
    write_atomic_with(&dir.join(format!("{id}.pk")), |w| {
        w.write_all(PK_MAGIC)?;
        let mut w = w;
        write_payload(&mut w, &id, &pair.pk, &pair.prepared)
    })?;
    let text =
        serde_json::to_string_pretty(&pair.vk.file).map_err(|e| ProveError::Key(e.to_string()))?;
    zkgov_spec::files::write_atomic(&KeyStore::new(dir).vk_path(&id), text.as_bytes())?;
    Ok(id)
}

/// The small part of a proving key: what is not a query.
#[derive(CanonicalSerialize, CanonicalDeserialize)]
struct SmallPart {
    vk: VerifyingKey<Bn254>,
    beta_g1: G1Affine,
    delta_g1: G1Affine,
}

/// The proving key file's payload (after the magic; see the module documentation).
fn write_payload(
    w: &mut impl Write,
    id: &str,
    pk: &ProvingKey<Bn254>,
    prepared: &PreparedCircuit,
) -> io::Result<()> {
    w.write_all(id.as_bytes())?;
    for n in [
        pk.a_query.len(),
        pk.b_g1_query.len(),
        pk.b_g2_query.len(),
        pk.h_query.len(),
        pk.l_query.len(),
    ] {
        write_u64(w, n as u64)?;
    }
    let mut small = Vec::new();
    SmallPart {
        vk: pk.vk.clone(),
        beta_g1: pk.beta_g1,
        delta_g1: pk.delta_g1,
    }
    .serialize_compressed(&mut small)
    .map_err(io::Error::other)?;
    write_u64(w, small.len() as u64)?;
    w.write_all(&small)?;
    for q in [&pk.a_query, &pk.b_g1_query] {
        write_items(w, q, raw::G1_BYTES, put_g1)?;
    }
    write_items(w, &pk.b_g2_query, raw::G2_BYTES, put_g2)?;
    for q in [&pk.h_query, &pk.l_query] {
        write_items(w, q, raw::G1_BYTES, put_g1)?;
    }
    prepared.write(w)
}

/// A BLAKE3 hasher as a writer, hashing large writes on all cores.
struct Blake3Writer(blake3::Hasher);

impl Write for Blake3Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() >= 1 << 17 {
            self.0.update_rayon(buf);
        } else {
            self.0.update(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A reader that hashes what it reads and counts it.
struct Blake3Reader<R> {
    inner: R,
    digest: Blake3Writer,
    read: u64,
}

impl<R: Read> Read for Blake3Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digest.write_all(&buf[..n])?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Loads the key pair with ID `id` from `dir`.
pub fn load(dir: &Path, id: &str) -> Result<KeyPair, ProveError> {
    let vk = KeyStore::new(dir).load(id)?;
    let path = dir.join(format!("{id}.pk"));
    let io_err = |e: io::Error| ProveError::io(&path, e);
    let bad = |why: String| ProveError::Key(format!("{}: {why}", path.display()));
    let mut file = std::fs::File::open(&path).map_err(io_err)?;
    let size = file.metadata().map_err(io_err)?.len();
    let mut magic = [0u8; 8];
    file.read_exact(&mut magic)
        .map_err(|_| bad("not a zkgov proving key".into()))?;
    if &magic == PK_MAGIC_V1 {
        return Err(bad(format!(
            "a version 1 proving key, which this zkgov no longer reads (it stores the constraint matrices now); run `zkgov keygen` again, or `zkgov ceremony finalize` again for a ceremony key (same key ID {id})"
        )));
    }
    if &magic != PK_MAGIC {
        return Err(bad("not a zkgov proving key".into()));
    }
    let mut r = Blake3Reader {
        inner: file,
        digest: Blake3Writer(blake3::Hasher::new()),
        read: 0,
    };
    let payload = size - PK_MAGIC.len() as u64;
    let decoded = read_payload(&mut r, payload, id);
    // The digest decides first: a decoding error in a corrupt file is reported as corruption.
    io::copy(&mut r, &mut io::sink()).map_err(io_err)?;
    if r.digest.0.finalize().to_hex().as_str() != vk.file.proving_key_blake3 {
        return Err(bad(format!(
            "proving key does not match verifying key {id} (corrupt or substituted)"
        )));
    }
    let (pk, prepared) = decoded.map_err(bad)?;
    if pk.vk != vk.pvk.vk {
        return Err(bad(
            "proving key was made with a different verifying key".into()
        ));
    }
    check_key_is_safe(id, &pk.vk)?;
    Ok(KeyPair { pk, vk, prepared })
}

/// Decodes the payload, of `size` bytes, of the proving key file of key `id`.
fn read_payload<R: Read>(
    r: &mut Blake3Reader<R>,
    size: u64,
    id: &str,
) -> Result<(ProvingKey<Bn254>, PreparedCircuit), String> {
    let io = |e: io::Error| e.to_string();
    let mut named = [0u8; 64];
    r.read_exact(&mut named).map_err(io)?;
    if named != id.as_bytes() {
        return Err("the file is filed under another key ID".into());
    }
    let mut lengths = [0u64; 5];
    for l in &mut lengths {
        *l = read_u64(r).map_err(io)?;
    }
    let small_len = read_u64(r).map_err(io)?;
    // Every count against the bytes left, before anything is allocated.
    let [a, b1, b2, h, l] = lengths;
    let points = [a, b1, h, l]
        .iter()
        .try_fold(0u64, |acc, n| {
            acc.checked_add(n.checked_mul(raw::G1_BYTES as u64)?)
        })
        .and_then(|g1| g1.checked_add(b2.checked_mul(raw::G2_BYTES as u64)?))
        .and_then(|p| p.checked_add(small_len));
    match points {
        Some(p) if small_len <= MAX_SMALL_PART && r.read + p <= size => {}
        _ => return Err("the file is shorter than its counts say".into()),
    }
    let mut small = vec![0u8; small_len as usize];
    r.read_exact(&mut small).map_err(io)?;
    let small = SmallPart::deserialize_compressed(&small[..]).map_err(|e| e.to_string())?;
    let g1s =
        |n: u64, r: &mut Blake3Reader<R>| read_items(r, n as usize, raw::G1_BYTES, g1).map_err(io);
    let a_query = g1s(a, r)?;
    let b_g1_query = g1s(b1, r)?;
    let b_g2_query = read_items(r, b2 as usize, raw::G2_BYTES, g2).map_err(io)?;
    let h_query = g1s(h, r)?;
    let l_query = g1s(l, r)?;
    let left = size - r.read;
    let prepared = PreparedCircuit::read(r, left).map_err(|e| e.to_string())?;
    if r.read != size {
        return Err("the file has bytes after its constraint matrices".into());
    }
    Ok((
        ProvingKey {
            vk: small.vk,
            beta_g1: small.beta_g1,
            delta_g1: small.delta_g1,
            a_query,
            b_g1_query,
            b_g2_query,
            h_query,
            l_query,
        },
        prepared,
    ))
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
