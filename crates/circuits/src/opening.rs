//! The spot-check opening circuit: the in-circuit twin of `zkgov_verifier::audit::Opening`.
//!
//! Statement: the ledger behind the public commitment holds the public (packed) record at the
//! public index. Private: the sixteen children of every node on the record's path, and the
//! commitment's salt. The regulator learns the challenged record and nothing else: no sibling, no
//! root, no salt.
//!
//! Cost per tree level: 4 constraints for the index digit's bits, 15 to select the child at that
//! digit and 609 for the node hash; then 240 for the commitment (1,500 constraints at depth 2, 2,758 at depth 4).

use crate::{
    alloc_inputs,
    bits::{enforce_bits, select},
    labels::Labels,
    poseidon::{hash16, hash2},
};
use ark_bn254::Fr;
use ark_ff::AdditiveGroup;
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use zkgov_spec::{
    ledger::{commitment, Record},
    merkle::{node_hash, MerklePath, ARITY},
    poseidon::Domain,
    statement::{opening_input as idx, opening_inputs, OPENING_NUM_INPUTS},
};

/// Bits of one base-16 index digit.
const DIGIT_BITS: usize = ARITY.trailing_zeros() as usize;

/// The opening circuit for one capacity class.
#[derive(Debug, Clone)]
pub struct OpeningCircuit {
    /// Public inputs in `zkgov_spec::statement::opening_input` order.
    pub inputs: Vec<Fr>,
    /// The sixteen children of each node on the path, bottom level first (one per tree level).
    pub levels: Vec<[Fr; ARITY]>,
    /// Salt of the ledger commitment.
    pub salt: Fr,
}

impl OpeningCircuit {
    /// An all-zero witness of the right shape for trees of `depth` (see
    /// `zkgov_spec::merkle::depth_for`), for key generation.
    pub fn blank(depth: usize) -> Self {
        OpeningCircuit {
            inputs: vec![Fr::ZERO; OPENING_NUM_INPUTS],
            levels: vec![[Fr::ZERO; ARITY]; depth],
            salt: Fr::ZERO,
        }
    }

    /// The honest witness: `record` at `path.index`, under the tree `path` belongs to, committed
    /// with `salt`.
    pub fn new(record: &Record, path: &MerklePath, salt: Fr) -> Self {
        let (levels, root) = path.children(record.packed());
        OpeningCircuit {
            inputs: opening_inputs(commitment(root, salt), path.index, record),
            levels,
            salt,
        }
    }

    /// Synthesizes the constraints, recording the start of each block in `labels`.
    pub fn synthesize_labelled(
        self,
        cs: ConstraintSystemRef<Fr>,
        labels: &mut Labels,
    ) -> Result<(), SynthesisError> {
        if self.inputs.len() != OPENING_NUM_INPUTS || self.levels.is_empty() {
            return Err(SynthesisError::Unsatisfiable);
        }
        let inputs = alloc_inputs(&cs, &self.inputs)?;

        // The index has exactly `4 · depth` bits: its base-16 digits are unique.
        labels.mark(&cs, || "index range".into());
        let bits = enforce_bits(&inputs[idx::INDEX], DIGIT_BITS * self.levels.len())?;

        // At each level the current node is the child at the index's digit, and the node above
        // is the hash of all sixteen children. The leaf is the public packed record.
        let mut cur = inputs[idx::RECORD].clone();
        for (l, (children, digit)) in self.levels.iter().zip(bits.chunks(DIGIT_BITS)).enumerate() {
            let children = children
                .iter()
                .map(|c| FpVar::new_witness(cs.clone(), || Ok(*c)))
                .collect::<Result<Vec<_>, _>>()?;
            labels.mark(&cs, || format!("level {l}: position"));
            select(digit, &children)?.enforce_equal(&cur)?;
            labels.mark(&cs, || format!("level {l}: node"));
            cur = hash16(
                Domain::MerkleNode,
                &std::array::from_fn(|k| children[k].clone()),
            )?;
        }

        labels.mark(&cs, || "ledger commitment".into());
        let salt = FpVar::new_witness(cs.clone(), || Ok(self.salt))?;
        hash2(Domain::LedgerCommitment, &cur, &salt)?.enforce_equal(&inputs[idx::COMMITMENT])?;
        labels.mark(&cs, || "end".into());
        Ok(())
    }
}

impl ConstraintSynthesizer<Fr> for OpeningCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize_labelled(cs, &mut Labels::off())
    }
}

/// The relation checked natively (the second checker for negative tests); returns the name of the
/// first violated check, as the circuit's labels name it (without the level).
pub fn check_satisfaction(c: &OpeningCircuit) -> Result<(), String> {
    use ark_ff::{BigInteger, PrimeField};
    let index = c.inputs[idx::INDEX].into_bigint();
    if index.num_bits() as usize > DIGIT_BITS * c.levels.len() {
        return Err("index range".into());
    }
    let mut i = index.0[0];
    let mut cur = c.inputs[idx::RECORD];
    for children in &c.levels {
        if children[(i % ARITY as u64) as usize] != cur {
            return Err("position".into());
        }
        cur = node_hash(*children);
        i /= ARITY as u64;
    }
    if commitment(cur, c.salt) != c.inputs[idx::COMMITMENT] {
        return Err("ledger commitment".into());
    }
    Ok(())
}
