//! Spot-check audits of committed ledgers.
//!
//! A regulator derives a challenge, `k` distinct record indices, from its own random seed and the
//! commitment (so the developer cannot predict them before committing). The developer answers with
//! openings: each challenged record with a zero-knowledge proof that it sits at its index of the
//! committed ledger (see [`Opening`]). The regulator checks each proof with its own
//! trusted key for the opening circuit. A missing or wrong opening is named by its record index;
//! nothing but the challenged records is disclosed.

use crate::{
    error::VerifyError,
    groth16::{decode_proof, encode_proof, verify_groth16},
    keys::{KeyStore, TrustedKey},
    Bn254, Fr,
};
use zkgov_spec::SpecError;

use ark_groth16::Proof;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use zkgov_spec::{
    encoding::{bytes_from_hex, fr_from_hex, fr_to_hex},
    ledger::Record,
    merkle,
    statement::{opening_inputs, OPENING_CIRCUIT},
};

/// A spot-check opening: one committed record, its index, and a zero-knowledge proof (circuit
/// [`OPENING_CIRCUIT`]) that the ledger committed to by the claim holds this record at this index.
/// It discloses the record and nothing else: no salt, no sibling, no root.
#[derive(Debug, Clone)]
pub struct Opening {
    /// The record's position in the committed ledger, counted from 0.
    pub index: u64,
    /// The record.
    pub record: Record,
    /// The proof.
    pub proof: Proof<Bn254>,
}

/// Checks that `key` is for the opening circuit of ledgers of `capacity` slots.
pub fn check_opening_key(key: &TrustedKey, capacity: u64) -> Result<(), VerifyError> {
    if key.circuit != OPENING_CIRCUIT || key.capacity != capacity {
        return Err(VerifyError::WrongCircuit {
            key_id: key.id.clone(),
            key_circuit: format!("{} (capacity {})", key.circuit, key.capacity),
            claim_circuit: format!("{OPENING_CIRCUIT} (capacity {capacity})"),
        });
    }
    Ok(())
}

impl Opening {
    /// Checks the opening against a ledger commitment of `capacity` slots with `key`, the
    /// regulator's trusted key for the opening circuit at that capacity.
    pub fn verify(
        &self,
        key: &TrustedKey,
        commitment: Fr,
        capacity: u64,
    ) -> Result<(), VerifyError> {
        check_opening_key(key, capacity)?;
        let bad = || VerifyError::BadOpening { index: self.index };
        if self.index >= capacity {
            return Err(bad());
        }
        self.record.validate()?;
        verify_groth16(
            key,
            &self.proof,
            &opening_inputs(commitment, self.index, &self.record),
        )
        .map_err(|_| bad())
    }
}

/// Format name of a challenge file.
pub const CHALLENGE_FORMAT: &str = "zkgov-challenge";
/// Version of the challenge file.
pub const CHALLENGE_VERSION: u32 = 1;
/// Format name of an openings file.
pub const OPENINGS_FORMAT: &str = "zkgov-openings";
/// Version of the openings file (2: zero-knowledge proofs in place of salts and Merkle paths).
pub const OPENINGS_VERSION: u32 = 2;

/// A spot-check challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Always [`CHALLENGE_FORMAT`].
    pub format: String,
    /// Always [`CHALLENGE_VERSION`].
    pub version: u32,
    /// The ledger commitment being audited.
    pub ledger_root: String,
    /// Its capacity class.
    pub capacity: u64,
    /// Its record count.
    pub record_count: u64,
    /// The regulator's seed (32 bytes hex), published with the challenge so anyone can re-derive it.
    pub seed: String,
    /// The challenged records' positions in the committed ledger, counted from 0, derived from
    /// seed and root.
    pub indices: Vec<u64>,
}

impl Challenge {
    /// Derives `k` distinct indices from `seed` and the root, for a ledger of `record_count`
    /// records in `capacity` slots. Impossible counts are errors, found before any hashing: a
    /// capacity that is not a capacity class, more records than slots, no records asked for, or
    /// more than the ledger has.
    pub fn derive(
        root: Fr,
        capacity: u64,
        record_count: u64,
        seed: &[u8; 32],
        k: usize,
    ) -> Result<Self, VerifyError> {
        check_counts(capacity, record_count, k)?;
        // Each index is new with probability at least 1/record_count, and record_count is at
        // most the largest capacity, so the loop ends after a few times k·ln(k) hashes at most.
        let mut seen = HashSet::with_capacity(k);
        let mut indices = Vec::with_capacity(k);
        let mut counter = 0u64;
        while indices.len() < k {
            let mut h = Sha256::new();
            h.update(b"zkgov/challenge/v1");
            h.update(seed);
            h.update(fr_to_hex(&root).as_bytes());
            h.update(record_count.to_be_bytes());
            h.update(counter.to_be_bytes());
            let d = h.finalize();
            let mut x = [0u8; 8];
            x.copy_from_slice(&d[..8]);
            // 64 random bits reduced modulo at most 2^16: the bias is below 2^-48.
            let i = u64::from_be_bytes(x) % record_count;
            if seen.insert(i) {
                indices.push(i);
            }
            counter += 1;
        }
        indices.sort_unstable();
        Ok(Challenge {
            format: CHALLENGE_FORMAT.into(),
            version: CHALLENGE_VERSION,
            ledger_root: fr_to_hex(&root),
            capacity,
            record_count,
            seed: hex::encode(seed),
            indices,
        })
    }

    /// Parses a challenge and checks that its indices are the ones its seed derives.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let c: Challenge =
            serde_json::from_str(text).map_err(|e| SpecError::malformed("challenge", e))?;
        SpecError::check_format(
            "challenge",
            &c.format,
            c.version,
            CHALLENGE_FORMAT,
            CHALLENGE_VERSION,
        )?;
        let root = fr_from_hex("ledger_root", &c.ledger_root)?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&bytes_from_hex("seed", &c.seed, 32)?);
        let again = Challenge::derive(root, c.capacity, c.record_count, &seed, c.indices.len())?;
        if again != c {
            return Err(SpecError::malformed(
                "challenge",
                "its indices are not the ones its seed and root derive",
            )
            .into());
        }
        Ok(c)
    }
}

/// Checks that `k` distinct records can be drawn from a ledger of `record_count` records in
/// `capacity` slots.
fn check_counts(capacity: u64, record_count: u64, k: usize) -> Result<(), SpecError> {
    merkle::ledger_depth_for(capacity)?;
    let bad = |reason: String| Err(SpecError::bad_value("challenge", reason));
    if record_count > capacity {
        return bad(format!(
            "record_count {record_count} exceeds the capacity {capacity}"
        ));
    }
    if k == 0 {
        return bad("no records to open (a challenge needs at least one)".into());
    }
    if k as u64 > record_count {
        return bad(format!(
            "{k} distinct records asked for, but the ledger has {record_count}"
        ));
    }
    Ok(())
}

/// One opened record, as written in an openings file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OpeningJson {
    /// The record's position in the committed ledger, counted from 0.
    pub index: u64,
    /// Accelerator class (row of the statement's peak table).
    pub class: u8,
    /// Accelerator name, for the reader (not checked against the commitment; the class is).
    pub accelerator: String,
    /// Device count.
    pub devices: u32,
    /// Seconds.
    pub seconds: u64,
    /// The Groth16 proof that the record sits at `index` (hex, as in bundles).
    pub proof: String,
}

/// A developer's answer to a challenge.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Openings {
    /// Always [`OPENINGS_FORMAT`].
    pub format: String,
    /// Always [`OPENINGS_VERSION`].
    pub version: u32,
    /// The ledger commitment the openings are for.
    pub ledger_root: String,
    /// ID of the opening-circuit key the proofs were made with; the regulator's verifier loads it
    /// from its own trusted key directory, never from this file.
    pub key_id: String,
    /// The openings.
    pub openings: Vec<OpeningJson>,
}

impl OpeningJson {
    /// Converts a native opening.
    pub fn from_opening(o: &Opening, accelerator: &str) -> Self {
        OpeningJson {
            index: o.index,
            class: o.record.class,
            accelerator: accelerator.into(),
            devices: o.record.devices,
            seconds: o.record.seconds,
            proof: encode_proof(&o.proof),
        }
    }

    fn to_opening(&self) -> Result<Opening, VerifyError> {
        Ok(Opening {
            index: self.index,
            record: Record {
                class: self.class,
                devices: self.devices,
                seconds: self.seconds,
            },
            proof: decode_proof(&self.proof)?,
        })
    }
}

/// The audit's finding for one challenged record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The record was opened and matches the commitment.
    Verified(Record),
    /// No opening was given for this index.
    Missing,
    /// An opening was given but its proof does not show the record under the commitment.
    Mismatch,
}

/// Checks `openings` against `challenge` with the opening key from the regulator's `store`: one
/// finding per challenged index, in order. An unknown or unsuitable key is an error (nothing could
/// be checked), not a finding.
pub fn audit(
    challenge: &Challenge,
    openings: &Openings,
    store: &KeyStore,
) -> Result<Vec<(u64, Finding)>, VerifyError> {
    SpecError::check_format(
        "openings",
        &openings.format,
        openings.version,
        OPENINGS_FORMAT,
        OPENINGS_VERSION,
    )?;
    let root = fr_from_hex("ledger_root", &challenge.ledger_root)?;
    if openings.ledger_root != challenge.ledger_root {
        return Err(SpecError::malformed(
            "openings",
            "they answer a challenge for another ledger commitment",
        )
        .into());
    }
    let key = store.load(&openings.key_id)?;
    check_opening_key(&key, challenge.capacity)?;
    let mut given: HashMap<u64, Vec<&OpeningJson>> = HashMap::new();
    for o in &openings.openings {
        given.entry(o.index).or_default().push(o);
    }
    Ok(challenge
        .indices
        .iter()
        .map(|&i| {
            let finding = match given.get(&i).map_or(&[][..], Vec::as_slice) {
                [] => Finding::Missing,
                [o] => match o.to_opening() {
                    Ok(op) if op.verify(&key, root, challenge.capacity).is_ok() => {
                        Finding::Verified(op.record)
                    }
                    _ => Finding::Mismatch,
                },
                _ => Finding::Mismatch,
            };
            (i, finding)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_deterministic_distinct_and_checked() {
        let c = Challenge::derive(Fr::from(5u64), 64, 45, &[3; 32], 10).unwrap();
        assert_eq!(c.indices.len(), 10);
        assert!(c.indices.windows(2).all(|w| w[0] < w[1]) && c.indices.iter().all(|i| *i < 45));
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(Challenge::from_json(&text).unwrap(), c);
        let mut forged = c.clone();
        forged.indices[0] = (forged.indices[0] + 1) % 45;
        assert!(Challenge::from_json(&serde_json::to_string(&forged).unwrap()).is_err());
        assert_eq!(
            Challenge::derive(Fr::from(5u64), 64, 3, &[3; 32], 3)
                .unwrap()
                .indices,
            vec![0, 1, 2]
        );
    }

    /// The error `from_json` gives for a challenge with these counts and indices.
    fn refusal(capacity: u64, record_count: u64, indices: Vec<u64>) -> String {
        let c = Challenge {
            capacity,
            record_count,
            indices,
            ..Challenge::derive(Fr::from(5u64), 64, 45, &[3; 32], 1).unwrap()
        };
        Challenge::from_json(&serde_json::to_string(&c).unwrap())
            .unwrap_err()
            .to_string()
    }

    /// A hostile challenge file: 300,000 indices and a record count of 2^63 once took seconds of
    /// quadratic work before being refused. Each impossible count is now refused by its own
    /// check, before any index is derived.
    #[test]
    fn impossible_counts_are_refused_before_deriving() {
        let many: Vec<u64> = (0..300_000).collect();
        let e = refusal(64, 1 << 63, many.clone());
        assert!(
            e.contains("record_count 9223372036854775808 exceeds the capacity 64"),
            "{e}"
        );
        let e = refusal(1 << 14, 1 << 14, many);
        assert!(
            e.contains("300000 distinct records asked for, but the ledger has 16384"),
            "{e}"
        );
        let e = refusal(64, 45, vec![]);
        assert!(e.contains("no records to open"), "{e}");
        let e = refusal(100, 45, vec![0]);
        assert!(e.contains("100 is not a ledger capacity"), "{e}");
        // The same checks guard the regulator's own derivation.
        let e = Challenge::derive(Fr::from(5u64), 16, 12, &[3; 32], 13).unwrap_err();
        assert!(e
            .to_string()
            .contains("13 distinct records asked for, but the ledger has 12"));
    }

    /// At the largest capacity, asking for every record derives them all (a set finds the
    /// repeats; the list search it replaced was quadratic).
    #[test]
    fn every_record_of_the_largest_ledger_can_be_challenged() {
        let n = 1u64 << 14;
        let c = Challenge::derive(Fr::from(5u64), n, n, &[7; 32], n as usize).unwrap();
        assert_eq!(c.indices, (0..n).collect::<Vec<_>>());
        assert_eq!(
            Challenge::from_json(&serde_json::to_string(&c).unwrap()).unwrap(),
            c
        );
    }
}
