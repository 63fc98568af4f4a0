//! The eval red-line claim circuit: the in-circuit twin of `zkgov_spec::eval`.
//!
//! Statement: the committed results hold one fixed-point score, at most the public score maximum,
//! for each sample of the benchmark (its digest recomputed from the slots' sample-id digests and
//! their number, and the scores tree built in the same slot order), and their mean is below
//! `num/den` (direction 0) or at least it (direction 1). Scores, the salt and the mean stay
//! private.
//!
//! Padding cannot pass for data: a present slot carries a non-zero id (padding ids are zero), and
//! the benchmark digest hashes in the number of samples, so marking a padding slot present changes
//! the digest the regulator and the evaluator fixed.

use crate::{alloc_inputs, bits::enforce_bits, labels::Labels, merkle, poseidon::hash2};
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_ff::{AdditiveGroup, Field};
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar, fields::FieldVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use zkgov_spec::{
    eval::benchmark_size,
    eval::{DIFF_BITS, RED_LINE_BITS, SCALE, SCORE_BITS},
    merkle::depth_for,
    poseidon::Domain,
    statement::{eval_input as idx, EvalInputs, EVAL_NUM_INPUTS},
};

/// One sample slot of the witness (raw field elements, so tests can hand the circuit any lie).
#[derive(Debug, Clone, Copy, Default)]
pub struct SampleWitness {
    /// Digest of the sample id.
    pub id: Fr,
    /// Fixed-point score.
    pub score: Fr,
    /// 1 for a committed sample, 0 for an empty slot.
    pub present: Fr,
}

/// The eval claim circuit for one capacity class.
#[derive(Debug, Clone)]
pub struct EvalCircuit {
    /// Public inputs in `zkgov_spec::statement::eval_input` order.
    pub inputs: Vec<Fr>,
    /// Exactly `capacity` slots, samples first in canonical (id digest) order.
    pub slots: Vec<SampleWitness>,
    /// Salt of the results commitment.
    pub salt: Fr,
}

impl EvalCircuit {
    /// An all-zero witness of the right shape, for key generation.
    pub fn blank(capacity: usize) -> Self {
        EvalCircuit {
            inputs: vec![Fr::ZERO; EVAL_NUM_INPUTS],
            slots: vec![SampleWitness::default(); capacity],
            salt: Fr::ZERO,
        }
    }

    /// The circuit for a parsed statement, its samples `(id digest, score)` in canonical order and
    /// the results commitment's salt.
    pub fn new(statement: &EvalInputs, samples: &[(Fr, u64)], salt: Fr) -> Self {
        let mut slots: Vec<SampleWitness> = samples
            .iter()
            .map(|(id, score)| SampleWitness {
                id: *id,
                score: Fr::from(*score),
                present: Fr::ONE,
            })
            .collect();
        slots.resize(
            statement.statement.capacity as usize,
            SampleWitness::default(),
        );
        EvalCircuit {
            inputs: statement.public_inputs(),
            slots,
            salt,
        }
    }

    /// Synthesizes the constraints, recording the start of each block in `labels`.
    pub fn synthesize_labelled(
        self,
        cs: ConstraintSystemRef<Fr>,
        labels: &mut Labels,
    ) -> Result<(), SynthesisError> {
        let depth =
            depth_for(self.slots.len() as u64).map_err(|_| SynthesisError::Unsatisfiable)?;
        if self.inputs.len() != EVAL_NUM_INPUTS {
            return Err(SynthesisError::Unsatisfiable);
        }
        let inputs = alloc_inputs(&cs, &self.inputs)?;

        // The red line is num/den with num < 2^64 and 1 ≤ den ≤ 2^64; the direction is a bit.
        labels.mark(&cs, || "red line range".into());
        enforce_bits(&inputs[idx::RED_NUM], RED_LINE_BITS)?;
        enforce_bits(&(&inputs[idx::RED_DEN] - Fr::ONE), RED_LINE_BITS)?;
        labels.mark(&cs, || "direction is a bit".into());
        let d = &inputs[idx::DIRECTION];
        d.mul_equals(&(FpVar::one() - d), &FpVar::zero())?;
        labels.mark(&cs, || "score maximum range".into());
        let score_max = &inputs[idx::SCORE_MAX];
        enforce_bits(score_max, SCORE_BITS)?;

        // Sum and count are single linear combinations (see the compute circuit).
        let mut presents = Vec::with_capacity(self.slots.len());
        let mut previous_present = FpVar::<Fr>::one();
        let mut scores = Vec::with_capacity(self.slots.len());
        let mut ids = Vec::with_capacity(self.slots.len());
        for (i, w) in self.slots.iter().enumerate() {
            let wit = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));
            let (id, score, present) = (wit(w.id)?, wit(w.score)?, wit(w.present)?);

            // Every score is an integer between 0 and the score maximum (fixed point, 10^6).
            labels.mark(&cs, || format!("sample {i}: score range"));
            enforce_bits(&score, SCORE_BITS)?;
            labels.mark(&cs, || format!("sample {i}: score at most the maximum"));
            enforce_bits(&(score_max - &score), SCORE_BITS)?;

            // `present` is a bit; samples fill the slots from the front; the first slot is a
            // sample (a mean over no samples is no claim).
            labels.mark(&cs, || format!("sample {i}: present is a bit"));
            present.mul_equals(&(FpVar::one() - &present), &FpVar::zero())?;
            labels.mark(&cs, || format!("sample {i}: slots filled in order"));
            if i == 0 {
                present.enforce_equal(&FpVar::one())?;
            } else {
                present.mul_equals(&(FpVar::one() - &previous_present), &FpVar::zero())?;
            }

            // An empty slot is all zero: no id, no score.
            labels.mark(&cs, || format!("sample {i}: empty slot is zero"));
            let absent = FpVar::one() - &present;
            absent.mul_equals(&id, &FpVar::zero())?;
            absent.mul_equals(&score, &FpVar::zero())?;

            // A present slot is a real sample: its id is not the padding id 0 (id · id⁻¹ = 1).
            labels.mark(&cs, || format!("sample {i}: present slot has an id"));
            let inverse =
                FpVar::new_witness(cs.clone(), || Ok(w.id.inverse().unwrap_or(Fr::ZERO)))?;
            id.mul_equals(&inverse, &present)?;

            // Slot i's score is leaf i of the scores tree and its id leaf i of the benchmark tree:
            // the position binds each score to its sample.
            ids.push(id);
            scores.push(score);
            presents.push(present.clone());
            previous_present = present;
        }

        let sum: FpVar<Fr> = scores.iter().sum();
        let count: FpVar<Fr> = presents.iter().sum();
        labels.mark(&cs, || "sample count".into());
        count.enforce_equal(&inputs[idx::SAMPLE_COUNT])?;

        labels.mark(&cs, || "results commitment".into());
        let root = merkle::root(scores, Fr::ZERO, depth)?;
        let salt = FpVar::new_witness(cs.clone(), || Ok(self.salt))?;
        hash2(Domain::EvalCommitment, &root, &salt)?.enforce_equal(&inputs[idx::RESULTS_ROOT])?;

        // The leaves' ids, in slot order and zero-padded, with their number and the capacity,
        // are exactly the benchmark's: every expected sample is scored exactly once, no other
        // sample is, and no padding slot counts.
        labels.mark(&cs, || "benchmark digest".into());
        let ids_root = merkle::root(ids, Fr::ZERO, depth)?;
        let size = &count + benchmark_size(0, self.slots.len() as u64);
        hash2(Domain::BenchmarkDigest, &ids_root, &size)?.enforce_equal(&inputs[idx::BENCHMARK])?;

        // mean < num/den  ⇔  den·Σ < num·SCALE·n  ⇔  num·SCALE·n − den·Σ − 1 ∈ [0, 2^128);
        // mean ≥ num/den  ⇔  den·Σ − num·SCALE·n ∈ [0, 2^128). Both sides are below 2^113.
        labels.mark(&cs, || "mean versus red line".into());
        let lhs = &inputs[idx::RED_DEN] * &sum;
        let rhs = (&inputs[idx::RED_NUM] * &count) * Fr::from(SCALE);
        let below = &rhs - &lhs - Fr::ONE;
        let at_least = &lhs - &rhs;
        let diff = &below + d * (at_least - &below);
        enforce_bits(&diff, DIFF_BITS)?;
        labels.mark(&cs, || "end".into());
        Ok(())
    }
}

impl ConstraintSynthesizer<Fr> for EvalCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize_labelled(cs, &mut Labels::off())
    }
}

/// The relation checked natively with integers (the second checker for negative tests); returns
/// the name of the first violated check, as the circuit's labels name it.
pub fn check_satisfaction(c: &EvalCircuit) -> Result<(), String> {
    use ark_ff::{BigInteger, PrimeField};
    let int = |x: &Fr, bits: usize, what: &str| -> Result<u128, String> {
        let b = x.into_bigint();
        if b.num_bits() as usize > bits {
            return Err(what.to_string());
        }
        Ok(b.0[0] as u128 | (b.0[1] as u128) << 64)
    };
    depth_for(c.slots.len() as u64).map_err(|e| e.to_string())?;
    let num = int(&c.inputs[idx::RED_NUM], RED_LINE_BITS, "red line range")?;
    let den = int(
        &(c.inputs[idx::RED_DEN] - Fr::ONE),
        RED_LINE_BITS,
        "red line range",
    )? + 1;
    let d = int(&c.inputs[idx::DIRECTION], 1, "direction is a bit")?;
    let score_max = int(&c.inputs[idx::SCORE_MAX], SCORE_BITS, "score maximum range")?;
    let mut scores = Vec::new();
    let mut previous = true;
    for (i, w) in c.slots.iter().enumerate() {
        let score = int(&w.score, SCORE_BITS, "score range")?;
        if score > score_max {
            return Err("score at most the maximum".into());
        }
        let present = int(&w.present, 1, "present is a bit")? == 1;
        if (i == 0 && !present) || (present && !previous) {
            return Err("slots filled in order".into());
        }
        if !present && (w.id != Fr::ZERO || score != 0) {
            return Err("empty slot is zero".into());
        }
        if present && w.id.is_zero() {
            return Err("present slot has an id".into());
        }
        if present {
            scores.push(score as u64);
        }
        previous = present;
    }
    if Fr::from(scores.len() as u64) != c.inputs[idx::SAMPLE_COUNT] {
        return Err("sample count".into());
    }
    let committed = zkgov_spec::eval::results_commitment(&scores, c.salt, c.slots.len() as u64);
    if committed.map_err(|e| e.to_string())? != c.inputs[idx::RESULTS_ROOT] {
        return Err("results commitment".into());
    }
    let ids: Vec<Fr> = c.slots.iter().map(|w| w.id).take(scores.len()).collect();
    let digest = zkgov_spec::eval::benchmark_digest_of(ids, c.slots.len() as u64);
    if digest.map_err(|e| e.to_string())? != c.inputs[idx::BENCHMARK] {
        return Err("benchmark digest".into());
    }
    let direction = if d == 1 {
        zkgov_spec::eval::Direction::AtLeast
    } else {
        zkgov_spec::eval::Direction::Below
    };
    if zkgov_spec::eval::claim_holds(&scores, num as u64, den as u64, direction) {
        Ok(())
    } else {
        Err("mean versus red line".into())
    }
}
