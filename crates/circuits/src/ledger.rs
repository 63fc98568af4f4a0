//! The training-compute claim circuit: the in-circuit twin of `zkgov_spec::ledger`.
//!
//! Statement: the committed ledger's records satisfy `Σ devices × seconds × peak[class] ≤
//! threshold`, where the peak table, threshold, ledger commitment, record count and context are
//! public and the records, the tree and its salt are private. Nothing about the total beyond
//! "≤ threshold" is revealed.
//!
//! Per record slot the circuit spends its range checks (59 bits), slot order, two constraints that
//! a present record has at least one device and one second, the FLOP product and about 41
//! constraints for the record's share of the 16-ary tree: the leaf is the packed record itself,
//! and the one salted hash is over the root (see `zkgov_spec::merkle`). The first slot is
//! always present, so a ledger has at least one record.

use crate::{
    alloc_inputs,
    bits::{enforce_bits, select},
    labels::Labels,
    merkle,
    poseidon::hash2,
};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar, fields::FieldVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use zkgov_spec::{
    ledger::{
        commitment, empty_leaf, Record, CLASS_BITS, DEVICE_BITS, MAX_LOG_CAPACITY, NUM_CLASSES,
        PEAK_BITS, SECONDS_BITS, THRESHOLD_BITS,
    },
    merkle::depth_for,
    poseidon::Domain,
    statement::{compute_input as idx, ComputeInputs, COMPUTE_NUM_INPUTS},
};

/// Public inputs of the compute claim, in the order `zkgov_spec::statement` encodes them:
/// threshold, the `NUM_CLASSES` peaks, root, record count, context digest.
#[derive(Debug, Clone)]
pub struct ComputePublic {
    /// The encoded inputs (length `COMPUTE_NUM_INPUTS`).
    pub inputs: Vec<Fr>,
}

impl ComputePublic {
    /// The inputs of a parsed statement.
    pub fn from_statement(s: &ComputeInputs) -> Self {
        ComputePublic {
            inputs: s.public_inputs(),
        }
    }
}

/// One record slot of the witness, as raw field elements so that tests can hand the circuit any
/// lie (a negative amount, a non-boolean flag); honest witnesses come from [`ComputePrivate::new`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SlotWitness {
    /// Accelerator class.
    pub class: Fr,
    /// Device count.
    pub devices: Fr,
    /// Seconds.
    pub seconds: Fr,
    /// 1 for a committed record, 0 for an empty slot.
    pub present: Fr,
}

/// The private witness: one slot per capacity entry, and the commitment's salt.
#[derive(Debug, Clone)]
pub struct ComputePrivate {
    /// Exactly `capacity` slots.
    pub slots: Vec<SlotWitness>,
    /// Salt of the ledger commitment.
    pub salt: Fr,
}

impl ComputePrivate {
    /// Records padded with empty slots to `capacity`, and the commitment's salt.
    pub fn new(records: &[Record], salt: Fr, capacity: usize) -> Self {
        let mut slots: Vec<SlotWitness> = records
            .iter()
            .map(|r| SlotWitness {
                class: Fr::from(r.class as u64),
                devices: Fr::from(r.devices as u64),
                seconds: Fr::from(r.seconds),
                present: Fr::ONE,
            })
            .collect();
        slots.resize(capacity, SlotWitness::default());
        ComputePrivate { slots, salt }
    }
}

/// The compute claim circuit for one capacity class.
#[derive(Debug, Clone)]
pub struct ComputeCircuit {
    /// Public inputs.
    pub public: ComputePublic,
    /// Private witness.
    pub private: ComputePrivate,
}

impl ComputeCircuit {
    /// An all-zero witness of the right shape, for key generation.
    pub fn blank(capacity: usize) -> Self {
        ComputeCircuit {
            public: ComputePublic {
                inputs: vec![Fr::ZERO; COMPUTE_NUM_INPUTS],
            },
            private: ComputePrivate {
                slots: vec![SlotWitness::default(); capacity],
                salt: Fr::ZERO,
            },
        }
    }

    /// Synthesizes the constraints, recording the start of each block in `labels`.
    pub fn synthesize_labelled(
        self,
        cs: ConstraintSystemRef<Fr>,
        labels: &mut Labels,
    ) -> Result<(), SynthesisError> {
        let capacity = self.private.slots.len();
        let depth = depth_for(capacity as u64).map_err(|_| SynthesisError::Unsatisfiable)?;
        if self.public.inputs.len() != COMPUTE_NUM_INPUTS {
            return Err(SynthesisError::Unsatisfiable);
        }
        let inputs = alloc_inputs(&cs, &self.public.inputs)?;

        // The threshold is below 2^128 and each peak below 2^60: the no-wrap bound in
        // zkgov_spec::ledger starts from these.
        labels.mark(&cs, || "threshold range".into());
        enforce_bits(&inputs[idx::THRESHOLD], THRESHOLD_BITS)?;
        let peaks = &inputs[idx::PEAKS..idx::PEAKS + NUM_CLASSES];
        labels.mark(&cs, || "peak range".into());
        for p in peaks {
            enforce_bits(p, PEAK_BITS)?;
        }

        let RecordVars {
            leaves,
            total,
            count,
        } = synthesize_records(&cs, &self.private.slots, peaks, labels)?;
        labels.mark(&cs, || "record count".into());
        count.enforce_equal(&inputs[idx::RECORD_COUNT])?;

        // The public commitment is the salted hash of the tree's root.
        labels.mark(&cs, || "ledger commitment".into());
        let root = merkle::root(leaves, empty_leaf(), depth)?;
        let salt = FpVar::new_witness(cs.clone(), || Ok(self.private.salt))?;
        hash2(Domain::LedgerCommitment, &root, &salt)?.enforce_equal(&inputs[idx::ROOT])?;

        // total ≤ threshold: threshold - total is in [0, 2^128) exactly when it holds, since both
        // are integers far below p (a negative difference is ≥ p - 2^130).
        labels.mark(&cs, || "total within threshold".into());
        enforce_bits(&(&inputs[idx::THRESHOLD] - &total), THRESHOLD_BITS)?;

        // The context input (policy, epoch, nonce, names) enters no arithmetic: Groth16 binds every
        // public input on its own (each has its own term in the verifying key), which the
        // end-to-end tests check by changing it.
        labels.mark(&cs, || "end".into());
        Ok(())
    }
}

/// The record slots' variables every ledger circuit goes on with: the leaves (packed records),
/// the FLOP total and the record count, each a single linear combination.
pub(crate) struct RecordVars {
    /// One packed record per slot (the empty leaf for an empty slot).
    pub leaves: Vec<FpVar<Fr>>,
    /// `Σ devices × seconds × peak[class]` over the slots (< 2^132).
    pub total: FpVar<Fr>,
    /// The number of present slots.
    pub count: FpVar<Fr>,
}

/// Allocates the record slots and constrains them: every field in range, records filling the
/// slots from the front (the first always present), an empty slot holding the zero record, a
/// present record a real allocation; and the FLOP products with `peaks` (already range-checked).
pub(crate) fn synthesize_records(
    cs: &ConstraintSystemRef<Fr>,
    slots: &[SlotWitness],
    peaks: &[FpVar<Fr>],
    labels: &mut Labels,
) -> Result<RecordVars, SynthesisError> {
    // The no-wrap bound below assumes at most 2^MAX_LOG_CAPACITY slots.
    if slots.len() > 1 << MAX_LOG_CAPACITY {
        return Err(SynthesisError::Unsatisfiable);
    }
    // The total and the count are single linear combinations over every slot (a running
    // `+=` would make a chain of partial sums that synthesis inlines in quadratic time).
    let capacity = slots.len();
    let mut flops = Vec::with_capacity(capacity);
    let mut presents = Vec::with_capacity(capacity);
    let mut previous_present = FpVar::<Fr>::one();
    let mut leaves = Vec::with_capacity(capacity);
    let shift_devices = Fr::from(2u64).pow([CLASS_BITS as u64]);
    let shift_seconds = Fr::from(2u64).pow([(CLASS_BITS + DEVICE_BITS) as u64]);
    for (i, w) in slots.iter().enumerate() {
        let wit = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));
        let (class, devices, seconds) = (wit(w.class)?, wit(w.devices)?, wit(w.seconds)?);
        let present = wit(w.present)?;

        // Every record field is an integer of its declared width.
        labels.mark(cs, || format!("record {i}: class range"));
        let class_bits = enforce_bits(&class, CLASS_BITS)?;
        labels.mark(cs, || format!("record {i}: devices range"));
        enforce_bits(&devices, DEVICE_BITS)?;
        labels.mark(cs, || format!("record {i}: seconds range"));
        enforce_bits(&seconds, SECONDS_BITS)?;

        // `present` is a bit, and records fill the slots from the front: present_i implies
        // present_{i-1}, so the records are exactly the first `record_count` slots.
        labels.mark(cs, || format!("record {i}: present is a bit"));
        present.mul_equals(&(FpVar::one() - &present), &FpVar::zero())?;
        if i == 0 {
            labels.mark(cs, || format!("record {i}: first slot is present"));
            present.enforce_equal(&FpVar::one())?;
        }
        labels.mark(cs, || format!("record {i}: slots filled in order"));
        present.mul_equals(&(FpVar::one() - &previous_present), &FpVar::zero())?;

        // An empty slot holds the zero record, i.e. the defined empty leaf. The leaf is the
        // packed record (injective, since every field is range-checked above).
        let packed = &class + &devices * shift_devices + &seconds * shift_seconds;
        let absent = FpVar::one() - &present;
        labels.mark(cs, || format!("record {i}: empty slot is zero"));
        absent.mul_equals(&packed, &FpVar::zero())?;
        leaves.push(packed);

        // A present record is a real allocation: devices ≥ 1 and seconds ≥ 1. Each is
        // nonzero exactly when it has an inverse, so `x · inv = present` holds for some `inv`
        // iff `x ≠ 0` or the slot is empty; with the range checks above, nonzero is ≥ 1.
        // Without this, present all-zero records would inflate the count at no FLOP cost.
        let inverse_if_present = |x: Fr| wit(x.inverse().unwrap_or(Fr::ZERO) * w.present);
        labels.mark(cs, || format!("record {i}: devices at least 1"));
        devices.mul_equals(&inverse_if_present(w.devices)?, &present)?;
        labels.mark(cs, || format!("record {i}: seconds at least 1"));
        seconds.mul_equals(&inverse_if_present(w.seconds)?, &present)?;

        // FLOP bound of the record: devices × seconds × peak[class]; below 2^116.
        labels.mark(cs, || format!("record {i}: flop"));
        let peak = select(&class_bits, peaks)?;
        flops.push((&devices * &seconds) * peak);
        presents.push(present.clone());
        previous_present = present;
    }
    // At most 2^16 records of < 2^116 each: total < 2^132, no wrap.

    let total: FpVar<Fr> = flops.iter().sum();
    let count: FpVar<Fr> = presents.iter().sum();
    Ok(RecordVars {
        leaves,
        total,
        count,
    })
}

impl ConstraintSynthesizer<Fr> for ComputeCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize_labelled(cs, &mut Labels::off())
    }
}

/// The relation, checked natively with integers: the second checker for negative tests. Returns
/// the name of the first violated check, using the same names as the circuit's labels (without the
/// record index).
pub fn check_satisfaction(public: &ComputePublic, private: &ComputePrivate) -> Result<(), String> {
    use ark_ff::{BigInteger, PrimeField};
    let int = |x: &Fr, bits: usize, what: &str| -> Result<u128, String> {
        let b = x.into_bigint();
        if b.num_bits() as usize > bits {
            return Err(what.to_string());
        }
        Ok(b.0[0] as u128 | (b.0[1] as u128) << 64)
    };
    let inputs = &public.inputs;
    let threshold = int(&inputs[idx::THRESHOLD], THRESHOLD_BITS, "threshold range")?;
    let mut peaks = [0u64; NUM_CLASSES];
    for (p, x) in peaks
        .iter_mut()
        .zip(&inputs[idx::PEAKS..idx::PEAKS + NUM_CLASSES])
    {
        *p = int(x, PEAK_BITS, "peak range")? as u64;
    }
    let mut records = Vec::new();
    let mut leaves = Vec::new();
    let mut previous = true;
    for w in &private.slots {
        let record = Record {
            class: int(&w.class, CLASS_BITS, "class range")? as u8,
            devices: int(&w.devices, DEVICE_BITS, "devices range")? as u32,
            seconds: int(&w.seconds, SECONDS_BITS, "seconds range")? as u64,
        };
        let present = match int(&w.present, 1, "present is a bit") {
            Ok(v) => v == 1,
            Err(e) => return Err(e),
        };
        if leaves.is_empty() && !present {
            return Err("first slot is present".into());
        }
        if present && !previous {
            return Err("slots filled in order".into());
        }
        if !present && record != Record::default() {
            return Err("empty slot is zero".into());
        }
        if present && record.devices == 0 {
            return Err("devices at least 1".into());
        }
        if present && record.seconds == 0 {
            return Err("seconds at least 1".into());
        }
        if present {
            records.push(record);
        }
        previous = present;
        leaves.push(record.packed());
    }
    if Fr::from(records.len() as u64) != inputs[idx::RECORD_COUNT] {
        return Err("record count".into());
    }
    let depth = depth_for(private.slots.len() as u64).map_err(|e| e.to_string())?;
    let root = zkgov_spec::merkle::root(leaves, empty_leaf(), depth);
    if commitment(root, private.salt) != inputs[idx::ROOT] {
        return Err("ledger commitment".into());
    }
    match zkgov_spec::ledger::total_flop(&records, &peaks) {
        Some(t) if t <= threshold => Ok(()),
        _ => Err("total within threshold".into()),
    }
}
