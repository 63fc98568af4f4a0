//! Hiding commitments to ledgers: the salt derived from a secret seed, the tree, and
//! zero-knowledge spot-check openings.

use crate::{error::ProveError, keys::KeyPair};
use ark_bn254::Fr;
use ark_ff::PrimeField;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use zkgov_circuits::opening::OpeningCircuit;
use zkgov_spec::{
    ledger::{commitment, empty_leaf, Record},
    merkle::{self, MerklePath},
};
use zkgov_verifier::audit::{check_opening_key, Opening};
use zkgov_verifier::groth16::verify_groth16;

/// Bytes of a salt: 31 bytes = 248 bits, well above the 128 bits hiding needs, and below the
/// field modulus so the salt is taken without reduction.
pub const SALT_BYTES: usize = 31;

/// The salt of a commitment made with `seed`: the first 31 bytes of
/// SHA-256("zkgov/root-salt/v1" || seed). Keep the seed secret: with it, a guessed ledger or set of
/// scores can be checked against the commitment.
pub fn root_salt(seed: &[u8; 32]) -> Fr {
    let mut h = Sha256::new();
    h.update(b"zkgov/root-salt/v1");
    h.update(seed);
    let d = h.finalize();
    Fr::from_be_bytes_mod_order(&d[..SALT_BYTES])
}

/// A committed ledger: the records, the salt and the tree.
#[derive(Debug, Clone)]
pub struct LedgerCommitment {
    /// The records, in slot order.
    pub records: Vec<Record>,
    /// The commitment's salt.
    pub salt: Fr,
    /// The capacity class.
    pub capacity: u64,
    levels: Vec<Vec<Fr>>,
}

impl LedgerCommitment {
    /// Commits to `records` in a tree of `capacity` slots, with the salt from `seed`. Records must
    /// be valid and no more than `capacity`.
    pub fn new(
        records: Vec<Record>,
        seed: &[u8; 32],
        capacity: u64,
    ) -> Result<Self, zkgov_spec::SpecError> {
        let depth = merkle::ledger_depth_for(capacity)?;
        if records.len() as u64 > capacity {
            return Err(zkgov_spec::SpecError::bad_value(
                "records",
                format!("{} records exceed the capacity {capacity}", records.len()),
            ));
        }
        for r in &records {
            r.validate()?;
        }
        let leaves = records.iter().map(Record::packed).collect();
        Ok(LedgerCommitment {
            records,
            salt: root_salt(seed),
            capacity,
            levels: merkle::levels_with(leaves, empty_leaf(), depth, |below, nodes| {
                nodes
                    .par_iter_mut()
                    .zip(below.par_chunks_exact(merkle::ARITY))
                    .for_each(|(node, children)| {
                        *node = merkle::node_hash(children.try_into().expect("ARITY children"));
                    });
            }),
        })
    }

    /// The public commitment: the salted hash of the tree's root.
    pub fn commitment(&self) -> Fr {
        commitment(self.levels[self.levels.len() - 1][0], self.salt)
    }

    /// The opening circuit, with its witness, for record `index`; `None` if there is no such
    /// record.
    pub fn opening_circuit(&self, index: u64) -> Option<OpeningCircuit> {
        let record = self.records.get(usize::try_from(index).ok()?)?;
        let path = MerklePath::from_levels(&self.levels, index)?;
        Some(OpeningCircuit::new(record, &path, self.salt))
    }

    /// Opens record `index` with a zero-knowledge proof made with `key` (the opening circuit's key
    /// at this capacity), checked before it is returned.
    pub fn open<R: RngCore + CryptoRng>(
        &self,
        index: u64,
        key: &KeyPair,
        rng: &mut R,
    ) -> Result<Opening, ProveError> {
        check_opening_key(&key.vk, self.capacity)?;
        let circuit = self
            .opening_circuit(index)
            .ok_or_else(|| ProveError::ClaimFalse(format!("record {index} does not exist")))?;
        let inputs = circuit.inputs.clone();
        let proof = key.prove(circuit, rng)?;
        verify_groth16(&key.vk, &proof, &inputs)?;
        Ok(Opening {
            index,
            record: self.records[index as usize],
            proof,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitments_hide_and_bind() {
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
        // Same data, different seed: a different commitment.
        let other = LedgerCommitment::new(records.clone(), &[2; 32], 16).unwrap();
        assert_ne!(c.commitment(), other.commitment());
        assert_ne!(root_salt(&[1; 32]), root_salt(&[2; 32]));
        // Same seed, one record changed: a different commitment.
        let mut changed = records;
        changed[1].seconds += 1;
        let changed = LedgerCommitment::new(changed, &[1; 32], 16).unwrap();
        assert_ne!(c.commitment(), changed.commitment());
        // Every record has an opening circuit against the commitment; there is no third record.
        for i in 0..2 {
            let oc = c.opening_circuit(i).unwrap();
            assert_eq!(oc.inputs[0], c.commitment());
            assert_eq!(zkgov_circuits::opening::check_satisfaction(&oc), Ok(()));
        }
        assert!(c.opening_circuit(2).is_none());
    }
}
