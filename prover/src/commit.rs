//! Salted Merkle commitments to ledgers: salts derived from a secret seed, the tree, and openings.

use ark_bn254::Fr;
use ark_ff::PrimeField;
use sha2::{Digest, Sha256};
use zkgov_verifier::{
    ledger::{empty_leaf, leaf_hash, Opening, Record},
    merkle::{self, MerklePath},
};

/// Bytes of a salt: 31 bytes = 248 bits, well above the 128 bits hiding needs, and below the
/// field modulus so the salt is taken without reduction.
pub const SALT_BYTES: usize = 31;

/// The salt of record `index` under `seed`: the first 31 bytes of
/// SHA-256("zkgov/salt/v1" || seed || index). Keep the seed secret: it opens every record.
pub fn salt(seed: &[u8; 32], index: u64) -> Fr {
    let mut h = Sha256::new();
    h.update(b"zkgov/salt/v1");
    h.update(seed);
    h.update(index.to_be_bytes());
    let d = h.finalize();
    Fr::from_be_bytes_mod_order(&d[..SALT_BYTES])
}

/// Reads a salt seed file (64 hex digits); `Ok(None)` when the file does not exist.
pub fn read_seed(path: &std::path::Path) -> Result<Option<[u8; 32]>, crate::ProveError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(crate::ProveError::io(path, e)),
    };
    hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .map(Some)
        .ok_or_else(|| {
            crate::ProveError::import(
                path.display().to_string(),
                "seed file must hold 64 hex digits",
            )
        })
}

/// A committed ledger: the records, their salts and the tree.
#[derive(Debug, Clone)]
pub struct LedgerCommitment {
    /// The records, in slot order.
    pub records: Vec<Record>,
    /// One salt per record.
    pub salts: Vec<Fr>,
    /// The capacity class.
    pub capacity: u64,
    levels: Vec<Vec<Fr>>,
}

impl LedgerCommitment {
    /// Commits to `records` in a tree of `capacity` slots, with salts from `seed`. Records must be
    /// valid and no more than `capacity`.
    pub fn new(
        records: Vec<Record>,
        seed: &[u8; 32],
        capacity: u64,
    ) -> Result<Self, zkgov_verifier::VerifyError> {
        let depth = merkle::depth_for(capacity)?;
        if records.len() as u64 > capacity {
            return Err(zkgov_verifier::VerifyError::bad_value(
                "records",
                format!("{} records exceed the capacity {capacity}", records.len()),
            ));
        }
        for r in &records {
            r.validate()?;
        }
        let salts: Vec<Fr> = (0..records.len() as u64).map(|i| salt(seed, i)).collect();
        let leaves: Vec<Fr> = records
            .iter()
            .zip(&salts)
            .map(|(r, s)| leaf_hash(r, *s))
            .collect();
        Ok(LedgerCommitment {
            records,
            salts,
            capacity,
            levels: merkle::levels(leaves, empty_leaf(), depth),
        })
    }

    /// The root.
    pub fn root(&self) -> Fr {
        self.levels[self.levels.len() - 1][0]
    }

    /// The opening of record `index`, or `None` if there is no such record.
    pub fn open(&self, index: u64) -> Option<Opening> {
        let i = usize::try_from(index).ok()?;
        Some(Opening {
            record: *self.records.get(i)?,
            salt: self.salts[i],
            path: MerklePath::from_levels(&self.levels, index)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openings_verify_and_salts_hide() {
        let records = vec![
            Record {
                class: 0,
                devices: 8,
                seconds: 100,
            },
            Record {
                class: 1,
                devices: 4,
                seconds: 50,
            },
        ];
        let c = LedgerCommitment::new(records.clone(), &[1; 32], 16).unwrap();
        for i in 0..2 {
            c.open(i).unwrap().verify(c.root(), 16).unwrap();
        }
        assert!(c.open(2).is_none());
        let mut bad = c.open(1).unwrap();
        bad.record.seconds += 1;
        assert!(bad.verify(c.root(), 16).is_err());
        // Same data, different seed: a different commitment.
        let other = LedgerCommitment::new(records, &[2; 32], 16).unwrap();
        assert_ne!(c.root(), other.root());
        assert!(salt(&[1; 32], 0) != salt(&[1; 32], 1));
    }
}
