//! The eval red-line claim circuit: the in-circuit twin of `zkgov_verifier::eval`.
//!
//! Statement: the committed results hold one fixed-point score for each sample of the benchmark
//! (its digest recomputed from the leaves' sample-id digests), and their mean is below
//! `num/den` (direction 0) or at least it (direction 1). Scores, salts and the mean stay private.

use crate::{bits::enforce_bits, labels::Labels, merkle, poseidon::hash3};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar, fields::FieldVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use zkgov_verifier::{
    eval::{empty_leaf, DIFF_BITS, RED_LINE_BITS, SCALE, SCORE_BITS},
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
    /// Salt of the leaf.
    pub salt: Fr,
    /// 1 for a committed sample, 0 for an empty slot.
    pub present: Fr,
}

/// The eval claim circuit for one capacity class.
#[derive(Debug, Clone)]
pub struct EvalCircuit {
    /// Public inputs in `zkgov_verifier::statement::eval_input` order.
    pub inputs: Vec<Fr>,
    /// Exactly `capacity` slots, samples first in canonical (id digest) order.
    pub slots: Vec<SampleWitness>,
}

impl EvalCircuit {
    /// An all-zero witness of the right shape, for key generation.
    pub fn blank(capacity: usize) -> Self {
        EvalCircuit {
            inputs: vec![Fr::ZERO; EVAL_NUM_INPUTS],
            slots: vec![SampleWitness::default(); capacity],
        }
    }

    /// The circuit for a parsed statement and its samples `(id digest, score, salt)` in canonical
    /// order.
    pub fn new(statement: &EvalInputs, samples: &[(Fr, u64, Fr)]) -> Self {
        let mut slots: Vec<SampleWitness> = samples
            .iter()
            .map(|(id, score, salt)| SampleWitness {
                id: *id,
                score: Fr::from(*score),
                salt: *salt,
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
        let inputs = self
            .inputs
            .iter()
            .map(|x| FpVar::new_input(cs.clone(), || Ok(*x)))
            .collect::<Result<Vec<_>, _>>()?;

        // The red line is num/den with num < 2^64 and 1 ≤ den ≤ 2^64; the direction is a bit.
        labels.mark(&cs, || "red line range".into());
        enforce_bits(&inputs[idx::RED_NUM], RED_LINE_BITS)?;
        enforce_bits(&(&inputs[idx::RED_DEN] - Fr::ONE), RED_LINE_BITS)?;
        labels.mark(&cs, || "direction is a bit".into());
        let d = &inputs[idx::DIRECTION];
        d.mul_equals(&(FpVar::one() - d), &FpVar::zero())?;

        let mut sum = FpVar::<Fr>::zero();
        let mut count = FpVar::<Fr>::zero();
        let mut previous_present = FpVar::<Fr>::one();
        let mut leaves = Vec::with_capacity(self.slots.len());
        let mut ids = Vec::with_capacity(self.slots.len());
        for (i, w) in self.slots.iter().enumerate() {
            let wit = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));
            let (id, score, salt, present) =
                (wit(w.id)?, wit(w.score)?, wit(w.salt)?, wit(w.present)?);

            // Every score is an integer below 2^32 (fixed point, scale 10^6).
            labels.mark(&cs, || format!("sample {i}: score range"));
            enforce_bits(&score, SCORE_BITS)?;

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

            // An empty slot is all zero: no id, no score, no salt.
            labels.mark(&cs, || format!("sample {i}: empty slot is zero"));
            let absent = FpVar::one() - &present;
            absent.mul_equals(&id, &FpVar::zero())?;
            absent.mul_equals(&score, &FpVar::zero())?;
            absent.mul_equals(&salt, &FpVar::zero())?;

            // The leaf commits to (sample id, score, salt).
            labels.mark(&cs, || format!("sample {i}: leaf hash"));
            leaves.push(hash3(Domain::EvalLeaf, &[id.clone(), score.clone(), salt])?);
            ids.push(id);
            sum += &score;
            count += &present;
            previous_present = present;
        }

        labels.mark(&cs, || "sample count".into());
        count.enforce_equal(&inputs[idx::SAMPLE_COUNT])?;

        labels.mark(&cs, || "results root".into());
        merkle::root(leaves, empty_leaf(), depth)?.enforce_equal(&inputs[idx::RESULTS_ROOT])?;

        // The leaves' ids, in slot order and zero-padded, are exactly the benchmark's sorted ids:
        // every expected sample is scored exactly once, and no other sample is.
        labels.mark(&cs, || "benchmark digest".into());
        merkle::root(ids, Fr::ZERO, depth)?.enforce_equal(&inputs[idx::BENCHMARK])?;

        // mean < num/den  ⇔  den·Σ < num·SCALE·n  ⇔  num·SCALE·n − den·Σ − 1 ∈ [0, 2^128);
        // mean ≥ num/den  ⇔  den·Σ − num·SCALE·n ∈ [0, 2^128). Both sides are below 2^111.
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
    let depth = depth_for(c.slots.len() as u64).map_err(|e| e.to_string())?;
    let num = int(&c.inputs[idx::RED_NUM], RED_LINE_BITS, "red line range")?;
    let den = int(
        &(c.inputs[idx::RED_DEN] - Fr::ONE),
        RED_LINE_BITS,
        "red line range",
    )? + 1;
    let d = int(&c.inputs[idx::DIRECTION], 1, "direction is a bit")?;
    let mut scores = Vec::new();
    let mut previous = true;
    for (i, w) in c.slots.iter().enumerate() {
        let score = int(&w.score, SCORE_BITS, "score range")?;
        let present = int(&w.present, 1, "present is a bit")? == 1;
        if (i == 0 && !present) || (present && !previous) {
            return Err("slots filled in order".into());
        }
        if !present && (w.id != Fr::ZERO || score != 0 || w.salt != Fr::ZERO) {
            return Err("empty slot is zero".into());
        }
        if present {
            scores.push(score as u64);
        }
        previous = present;
    }
    if Fr::from(scores.len() as u64) != c.inputs[idx::SAMPLE_COUNT] {
        return Err("sample count".into());
    }
    let leaves = c.slots.iter().map(leaf_native).collect();
    if zkgov_verifier::merkle::root(leaves, empty_leaf(), depth) != c.inputs[idx::RESULTS_ROOT] {
        return Err("results root".into());
    }
    let ids = c.slots.iter().map(|w| w.id).collect();
    if zkgov_verifier::merkle::root(ids, Fr::ZERO, depth) != c.inputs[idx::BENCHMARK] {
        return Err("benchmark digest".into());
    }
    let direction = if d == 1 {
        zkgov_verifier::eval::Direction::AtLeast
    } else {
        zkgov_verifier::eval::Direction::Below
    };
    if zkgov_verifier::eval::claim_holds(&scores, num as u64, den as u64, direction) {
        Ok(())
    } else {
        Err("mean versus red line".into())
    }
}

fn leaf_native(w: &SampleWitness) -> Fr {
    zkgov_verifier::poseidon::hash3(Domain::EvalLeaf, [w.id, w.score, w.salt])
}
