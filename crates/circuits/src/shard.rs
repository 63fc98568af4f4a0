//! The sharded compute claim's two circuits (see `zkgov_spec::shard` for what the claim means):
//!
//! - [`ShardCircuit`]: one shard of the ledger. The same record checks as the compute circuit
//!   (`crate::ledger`), the shard's record count equal to its public input, its tree's root, and
//!   the public shard commitment `hash16(ShardCommitment, [index, root, total, salt, 0, …])`. No
//!   threshold: a shard's total stays hidden in its commitment.
//! - [`AggregateCircuit`]: the ledger. Per slot, a private `active` bit (the first slot active,
//!   active slots first, as many as the public shard count), the shard's opening `(root, total,
//!   salt)` equal to the public commitment at this slot's own index when active; an unused slot
//!   holds the public empty-shard root, a zero total and a zero public commitment. Then the
//!   ledger's root over the slots' roots, its salted commitment, and `Σ totals ≤ threshold`.
//!
//! No sum wraps: a shard total is range-checked to `TOTAL_BITS` (132) bits here again, so 256 of
//! them stay below 2^140, and `threshold - total ∈ [0, 2^128)` holds exactly when the claim does.

use crate::{
    alloc_inputs,
    bits::enforce_bits,
    labels::Labels,
    ledger::{synthesize_records, RecordVars, SlotWitness},
    merkle,
    poseidon::{hash16, hash2},
};
use ark_bn254::Fr;
use ark_ff::AdditiveGroup;
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar, fields::FieldVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use zkgov_spec::{
    ledger::{empty_leaf, NUM_CLASSES, PEAK_BITS, THRESHOLD_BITS, TOTAL_BITS},
    merkle::{depth_for, ARITY},
    poseidon::Domain,
    shard::{
        aggregate_input, aggregate_num_inputs, shard_input, SHARD_CAPACITIES, SHARD_NUM_INPUTS,
        SHARD_SLOTS,
    },
};

/// One shard's circuit, with its witness.
#[derive(Debug, Clone)]
pub struct ShardCircuit {
    /// Public inputs (`zkgov_spec::shard::shard_inputs`).
    pub inputs: Vec<Fr>,
    /// Exactly `shard capacity` slots.
    pub slots: Vec<SlotWitness>,
    /// The shard commitment's salt.
    pub salt: Fr,
}

impl ShardCircuit {
    /// An all-zero witness of the right shape, for key generation.
    pub fn blank(capacity: usize) -> Self {
        ShardCircuit {
            inputs: vec![Fr::ZERO; SHARD_NUM_INPUTS],
            slots: vec![SlotWitness::default(); capacity],
            salt: Fr::ZERO,
        }
    }

    /// Synthesizes the constraints, recording the start of each block in `labels`.
    pub fn synthesize_labelled(
        self,
        cs: ConstraintSystemRef<Fr>,
        labels: &mut Labels,
    ) -> Result<(), SynthesisError> {
        let capacity = self.slots.len() as u64;
        if !SHARD_CAPACITIES.contains(&capacity) || self.inputs.len() != SHARD_NUM_INPUTS {
            return Err(SynthesisError::Unsatisfiable);
        }
        let depth = depth_for(capacity).map_err(|_| SynthesisError::Unsatisfiable)?;
        let inputs = alloc_inputs(&cs, &self.inputs)?;
        let peaks = &inputs[shard_input::PEAKS..shard_input::PEAKS + NUM_CLASSES];
        labels.mark(&cs, || "peak range".into());
        for p in peaks {
            enforce_bits(p, PEAK_BITS)?;
        }
        let RecordVars {
            leaves,
            total,
            count,
        } = synthesize_records(&cs, &self.slots, peaks, labels)?;
        labels.mark(&cs, || "shard record count".into());
        count.enforce_equal(&inputs[shard_input::RECORD_COUNT])?;
        labels.mark(&cs, || "shard commitment".into());
        let root = merkle::root(leaves, empty_leaf(), depth)?;
        let salt = FpVar::new_witness(cs.clone(), || Ok(self.salt))?;
        shard_hash(&inputs[shard_input::INDEX], &root, &total, &salt)?
            .enforce_equal(&inputs[shard_input::COMMITMENT])?;
        labels.mark(&cs, || "end".into());
        Ok(())
    }
}

impl ConstraintSynthesizer<Fr> for ShardCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize_labelled(cs, &mut Labels::off())
    }
}

/// `zkgov_spec::shard::shard_commitment` in the circuit.
fn shard_hash(
    index: &FpVar<Fr>,
    root: &FpVar<Fr>,
    total: &FpVar<Fr>,
    salt: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut x: [FpVar<Fr>; ARITY] = std::array::from_fn(|_| FpVar::zero());
    x[0] = index.clone();
    x[1] = root.clone();
    x[2] = total.clone();
    x[3] = salt.clone();
    hash16(Domain::ShardCommitment, &x)
}

/// What the aggregate knows of one slot: whether it holds a shard, and the shard's opening.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlotOpening {
    /// 1 for a slot holding a shard, 0 for an unused slot.
    pub active: Fr,
    /// The shard's root (the empty-shard root for an unused slot).
    pub root: Fr,
    /// The shard's FLOP total (0 for an unused slot).
    pub total: Fr,
    /// The shard commitment's salt.
    pub salt: Fr,
}

/// The aggregate circuit, with its witness.
#[derive(Debug, Clone)]
pub struct AggregateCircuit {
    /// Public inputs (`zkgov_spec::shard::ShardedComputeInputs::aggregate_inputs`).
    pub inputs: Vec<Fr>,
    /// One opening per slot.
    pub slots: Vec<SlotOpening>,
    /// The ledger commitment's salt.
    pub salt: Fr,
}

impl AggregateCircuit {
    /// An all-zero witness of the right shape, for key generation.
    pub fn blank(slots: usize) -> Self {
        AggregateCircuit {
            inputs: vec![Fr::ZERO; aggregate_num_inputs(slots as u64)],
            slots: vec![SlotOpening::default(); slots],
            salt: Fr::ZERO,
        }
    }

    /// Synthesizes the constraints, recording the start of each block in `labels`.
    pub fn synthesize_labelled(
        self,
        cs: ConstraintSystemRef<Fr>,
        labels: &mut Labels,
    ) -> Result<(), SynthesisError> {
        use aggregate_input::*;
        let slots = self.slots.len() as u64;
        if !SHARD_SLOTS.contains(&slots) || self.inputs.len() != aggregate_num_inputs(slots) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let depth = depth_for(slots).map_err(|_| SynthesisError::Unsatisfiable)?;
        let inputs = alloc_inputs(&cs, &self.inputs)?;
        labels.mark(&cs, || "threshold range".into());
        enforce_bits(&inputs[THRESHOLD], THRESHOLD_BITS)?;
        let empty_root = &inputs[EMPTY_SHARD];

        let mut actives = Vec::with_capacity(self.slots.len());
        let mut totals = Vec::with_capacity(self.slots.len());
        let mut roots = Vec::with_capacity(self.slots.len());
        let mut previous_active = FpVar::<Fr>::one();
        for (i, w) in self.slots.iter().enumerate() {
            let wit = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));
            let (active, root, total, salt) =
                (wit(w.active)?, wit(w.root)?, wit(w.total)?, wit(w.salt)?);
            let unused = FpVar::one() - &active;
            let commitment = &inputs[SHARDS + i];

            // The active slots are exactly the first `shard count` ones (the count is checked
            // after the loop).
            labels.mark(&cs, || format!("slot {i}: active is a bit"));
            active.mul_equals(&unused, &FpVar::zero())?;
            if i == 0 {
                labels.mark(&cs, || format!("slot {i}: first slot is active"));
                active.enforce_equal(&FpVar::one())?;
            }
            labels.mark(&cs, || format!("slot {i}: slots filled in order"));
            active.mul_equals(&(FpVar::one() - &previous_active), &FpVar::zero())?;

            // A shard total is an integer below 2^132 (what a shard can sum to), so the sum of
            // the slots cannot wrap.
            labels.mark(&cs, || format!("slot {i}: total range"));
            enforce_bits(&total, TOTAL_BITS)?;

            // An active slot opens the public commitment at its own index.
            labels.mark(&cs, || format!("slot {i}: shard commitment"));
            let index = FpVar::constant(Fr::from(i as u64));
            let opened = shard_hash(&index, &root, &total, &salt)?;
            active.mul_equals(&(opened - commitment), &FpVar::zero())?;

            // An unused slot is the empty shard: its root, a zero total, a zero commitment.
            labels.mark(&cs, || format!("slot {i}: unused slot is empty"));
            unused.mul_equals(&(&root - empty_root), &FpVar::zero())?;
            unused.mul_equals(&total, &FpVar::zero())?;
            unused.mul_equals(commitment, &FpVar::zero())?;

            actives.push(active.clone());
            totals.push(total);
            roots.push(root);
            previous_active = active;
        }
        labels.mark(&cs, || "shard count".into());
        let count: FpVar<Fr> = actives.iter().sum();
        count.enforce_equal(&inputs[SHARD_COUNT])?;

        // The ledger's tree is the shard roots' tree: the root an unsharded ledger of these
        // records would have (every slot is given, so the fill value is never used).
        labels.mark(&cs, || "ledger commitment".into());
        let root = merkle::root(roots, empty_leaf(), depth)?;
        let salt = FpVar::new_witness(cs.clone(), || Ok(self.salt))?;
        hash2(Domain::LedgerCommitment, &root, &salt)?.enforce_equal(&inputs[LEDGER])?;

        // At most 256 totals below 2^132: the sum is below 2^140, far from p.
        labels.mark(&cs, || "total within threshold".into());
        let total: FpVar<Fr> = totals.iter().sum();
        enforce_bits(&(&inputs[THRESHOLD] - &total), THRESHOLD_BITS)?;
        labels.mark(&cs, || "end".into());
        Ok(())
    }
}

impl ConstraintSynthesizer<Fr> for AggregateCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize_labelled(cs, &mut Labels::off())
    }
}
