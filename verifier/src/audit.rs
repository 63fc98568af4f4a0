//! Spot-check audits of committed ledgers.
//!
//! A regulator derives a challenge, `k` distinct record indices, from its own random seed and the
//! commitment (so the developer cannot predict them before committing). The developer answers with
//! openings (record, salt, Merkle path); the regulator checks each against the committed root. A
//! missing or wrong opening is named by its record index.

use crate::{
    error::VerifyError,
    ledger::{Opening, Record},
    merkle::{MerklePath, MerklePathJson},
    num::{bytes_from_hex, fr_from_hex, fr_to_hex},
    Fr,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Format name of a challenge file.
pub const CHALLENGE_FORMAT: &str = "zkgov-challenge";
/// Format name of an openings file.
pub const OPENINGS_FORMAT: &str = "zkgov-openings";

/// A spot-check challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Always [`CHALLENGE_FORMAT`].
    pub format: String,
    /// Always 1.
    pub version: u32,
    /// The committed root being audited.
    pub ledger_root: String,
    /// Its capacity class.
    pub capacity: u64,
    /// Its record count.
    pub record_count: u64,
    /// The regulator's seed (32 bytes hex), published with the challenge so anyone can re-derive it.
    pub seed: String,
    /// The challenged record indices, derived from seed and root.
    pub indices: Vec<u64>,
}

impl Challenge {
    /// Derives `k` distinct indices (all records if `k ≥ record_count`) from `seed` and the root.
    pub fn derive(root: Fr, capacity: u64, record_count: u64, seed: &[u8; 32], k: usize) -> Self {
        let want = (k as u64).min(record_count) as usize;
        let mut indices = Vec::with_capacity(want);
        let mut counter = 0u64;
        while indices.len() < want {
            let mut h = Sha256::new();
            h.update(b"zkgov/challenge/v1");
            h.update(seed);
            h.update(fr_to_hex(&root).as_bytes());
            h.update(record_count.to_be_bytes());
            h.update(counter.to_be_bytes());
            let d = h.finalize();
            let mut x = [0u8; 8];
            x.copy_from_slice(&d[..8]);
            // 64 random bits reduced modulo at most 2^14: the bias is below 2^-50.
            let i = u64::from_be_bytes(x) % record_count;
            if !indices.contains(&i) {
                indices.push(i);
            }
            counter += 1;
        }
        indices.sort_unstable();
        Challenge {
            format: CHALLENGE_FORMAT.into(),
            version: 1,
            ledger_root: fr_to_hex(&root),
            capacity,
            record_count,
            seed: hex::encode(seed),
            indices,
        }
    }

    /// Parses a challenge and checks that its indices are the ones its seed derives.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let c: Challenge =
            serde_json::from_str(text).map_err(|e| VerifyError::malformed("challenge", e))?;
        VerifyError::check_format("challenge", &c.format, c.version, CHALLENGE_FORMAT, 1)?;
        let root = fr_from_hex("ledger_root", &c.ledger_root)?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&bytes_from_hex("seed", &c.seed, 32)?);
        let again = Challenge::derive(root, c.capacity, c.record_count, &seed, c.indices.len());
        if again != c {
            return Err(VerifyError::malformed(
                "challenge",
                "its indices are not the ones its seed and root derive",
            ));
        }
        Ok(c)
    }
}

/// One opened record, as written in an openings file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningJson {
    /// Accelerator class (row of the statement's peak table).
    pub class: u8,
    /// Accelerator name, for the reader (not checked against the root; the class is).
    pub accelerator: String,
    /// Device count.
    pub devices: u32,
    /// Seconds.
    pub seconds: u64,
    /// The record's salt.
    pub salt: String,
    /// Its Merkle path.
    pub path: MerklePathJson,
}

/// A developer's answer to a challenge.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Openings {
    /// Always [`OPENINGS_FORMAT`].
    pub format: String,
    /// Always 1.
    pub version: u32,
    /// The root the openings are for.
    pub ledger_root: String,
    /// The openings.
    pub openings: Vec<OpeningJson>,
}

impl OpeningJson {
    /// Converts a native opening.
    pub fn from_opening(o: &Opening, accelerator: &str) -> Self {
        OpeningJson {
            class: o.record.class,
            accelerator: accelerator.into(),
            devices: o.record.devices,
            seconds: o.record.seconds,
            salt: fr_to_hex(&o.salt),
            path: MerklePathJson::from(&o.path),
        }
    }

    fn to_opening(&self) -> Result<Opening, VerifyError> {
        Ok(Opening {
            record: Record {
                class: self.class,
                devices: self.devices,
                seconds: self.seconds,
            },
            salt: fr_from_hex("salt", &self.salt)?,
            path: MerklePath::try_from(&self.path)?,
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
    /// An opening was given but does not match the committed root.
    Mismatch,
}

/// Checks `openings` against `challenge`: one finding per challenged index, in order.
pub fn audit(
    challenge: &Challenge,
    openings: &Openings,
) -> Result<Vec<(u64, Finding)>, VerifyError> {
    VerifyError::check_format(
        "openings",
        &openings.format,
        openings.version,
        OPENINGS_FORMAT,
        1,
    )?;
    let root = fr_from_hex("ledger_root", &challenge.ledger_root)?;
    Ok(challenge
        .indices
        .iter()
        .map(|&i| {
            let given: Vec<&OpeningJson> = openings
                .openings
                .iter()
                .filter(|o| o.path.index == i)
                .collect();
            let finding = match given.as_slice() {
                [] => Finding::Missing,
                [o] => match o.to_opening() {
                    Ok(op) if op.verify(root, challenge.capacity).is_ok() => {
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
        let c = Challenge::derive(Fr::from(5u64), 64, 45, &[3; 32], 10);
        assert_eq!(c.indices.len(), 10);
        assert!(c.indices.windows(2).all(|w| w[0] < w[1]) && c.indices.iter().all(|i| *i < 45));
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(Challenge::from_json(&text).unwrap(), c);
        let mut forged = c.clone();
        forged.indices[0] = (forged.indices[0] + 1) % 45;
        assert!(Challenge::from_json(&serde_json::to_string(&forged).unwrap()).is_err());
        assert_eq!(
            Challenge::derive(Fr::from(5u64), 64, 3, &[3; 32], 10).indices,
            vec![0, 1, 2]
        );
        assert!(Challenge::derive(Fr::from(5u64), 64, 0, &[3; 32], 10)
            .indices
            .is_empty());
    }
}
