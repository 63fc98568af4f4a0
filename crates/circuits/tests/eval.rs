//! Constraint-system tests of the eval red-line claim: honest results satisfy it; a missing,
//! duplicated or extra sample, padding passed off as samples, a score above the maximum, a
//! changed score, a false claim and malformed public inputs each break exactly the check they
//! target, in the native checker and in the constraint system.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};
use ark_relations::gr1cs::ConstraintSystem;
use zkgov_circuits::{
    eval::{check_satisfaction, EvalCircuit, SampleWitness},
    labels::Labels,
};
use zkgov_spec::{
    eval::{benchmark_digest, canonical_order, results_commitment, SCALE},
    statement::{eval_input as idx, EVAL_NUM_INPUTS},
};

const CAPACITY: usize = 16;

/// Samples "s0".."s{n-1}" with the given fixed-point scores, in canonical order.
fn circuit(scores: &[u64], num: u64, den: u64, at_least: bool) -> EvalCircuit {
    let ids: Vec<String> = (0..scores.len()).map(|i| format!("s{i}")).collect();
    let order = canonical_order(&ids).unwrap();
    let mut slots: Vec<SampleWitness> = order
        .iter()
        .map(|(digest, id)| {
            let i: usize = id[1..].parse().unwrap();
            SampleWitness {
                id: *digest,
                score: Fr::from(scores[i]),
                present: Fr::ONE,
            }
        })
        .collect();
    slots.resize(CAPACITY, SampleWitness::default());
    let mut inputs = vec![Fr::ZERO; EVAL_NUM_INPUTS];
    inputs[idx::RED_NUM] = Fr::from(num);
    inputs[idx::RED_DEN] = Fr::from(den);
    inputs[idx::DIRECTION] = Fr::from(at_least as u64);
    inputs[idx::SAMPLE_COUNT] = Fr::from(scores.len() as u64);
    inputs[idx::SCORE_MAX] = Fr::from(u32::MAX);
    inputs[idx::RESULTS_ROOT] = results_root(&slots);
    inputs[idx::BENCHMARK] = benchmark_digest(&ids, CAPACITY as u64).unwrap();
    inputs[idx::CONTEXT] = Fr::from(77u64);
    EvalCircuit {
        inputs,
        slots,
        salt: SALT,
    }
}

const SALT: Fr = ark_ff::MontFp!("1000003");

/// The commitment to the slots' scores (every slot, so that a lie in an empty slot shows too).
fn results_root(slots: &[SampleWitness]) -> Fr {
    let scores: Vec<u64> = slots
        .iter()
        .map(|w| ark_ff::PrimeField::into_bigint(w.score).0[0])
        .collect();
    results_commitment(&scores, SALT, CAPACITY as u64).unwrap()
}

fn check(c: EvalCircuit) -> (Result<(), String>, Result<(), String>) {
    let native = check_satisfaction(&c);
    let cs = ConstraintSystem::<Fr>::new_ref();
    let mut labels = Labels::recording();
    c.synthesize_labelled(cs.clone(), &mut labels).unwrap();
    (native, labels.verdict(&cs))
}

fn rejects(c: EvalCircuit, block: &str) {
    let (native, circuit) = check(c);
    assert_eq!(native, Err(block.to_string()), "native checker");
    assert_eq!(circuit, Err(block.to_string()), "constraint system");
}

const OK: (Result<(), String>, Result<(), String>) = (Ok(()), Ok(()));

fn scores() -> Vec<u64> {
    vec![SCALE, 0, SCALE / 2, 0, 0] // mean 0.3
}

#[test]
fn red_line_boundaries_both_directions() {
    // mean 0.3: below 0.31 and 3/10 + ε holds; below 3/10 does not (strict); at least 3/10 holds.
    assert_eq!(check(circuit(&scores(), 31, 100, false)), OK);
    assert_eq!(check(circuit(&scores(), 3, 10, true)), OK);
    rejects(circuit(&scores(), 3, 10, false), "mean versus red line");
    rejects(circuit(&scores(), 31, 100, true), "mean versus red line");
    // One fixed-point unit either side.
    let mut s = scores();
    s[0] -= 1;
    assert_eq!(check(circuit(&s, 3, 10, false)), OK);
    rejects(circuit(&s, 3, 10, true), "mean versus red line");
}

#[test]
fn malformed_public_inputs() {
    let mut c = circuit(&scores(), 1, 2, false);
    c.inputs[idx::RED_DEN] = Fr::ZERO;
    rejects(c, "red line range");
    let mut c = circuit(&scores(), 1, 2, false);
    c.inputs[idx::RED_NUM] = Fr::from(2u64).pow([64]);
    rejects(c, "red line range");
    let mut c = circuit(&scores(), 1, 2, false);
    c.inputs[idx::RED_NUM] = -Fr::ONE;
    rejects(c, "red line range");
    let mut c = circuit(&scores(), 1, 2, false);
    c.inputs[idx::DIRECTION] = Fr::from(2u64);
    rejects(c, "direction is a bit");
    let mut c = circuit(&scores(), 1, 2, false);
    c.inputs[idx::SCORE_MAX] = Fr::from(1u64 << 32);
    rejects(c, "score maximum range");
}

#[test]
fn scores_are_held_to_the_stated_maximum() {
    // Maximum 1.0: a score of 1.0 passes, 1.000001 fails, although it is far below 2^32.
    let mut c = circuit(&scores(), 1, 2, false);
    c.inputs[idx::SCORE_MAX] = Fr::from(SCALE);
    assert_eq!(check(c), OK);
    let mut s = scores();
    s[1] = SCALE + 1;
    let mut c = circuit(&s, 1, 1, false);
    c.inputs[idx::SCORE_MAX] = Fr::from(SCALE);
    rejects(c, "score at most the maximum");
}

#[test]
fn padding_cannot_pass_for_samples() {
    // The review's forgery: a padding slot (id 0, score 0) marked present raises the count and
    // lowers the mean while both trees keep their roots. The present-slot id check stops it.
    let mut c = circuit(&scores(), 1, 2, false);
    c.slots[5].present = Fr::ONE;
    c.inputs[idx::SAMPLE_COUNT] = Fr::from(6u64);
    rejects(c, "present slot has an id");
    // The benchmark digest hashes in the capacity: capacities 32 to 256 share a tree depth, yet
    // the same ids give another digest at each, so a digest (and an attestation over it) made
    // for one capacity never serves another.
    let ids: Vec<String> = (0..5).map(|i| format!("s{i}")).collect();
    assert_ne!(
        benchmark_digest(&ids, 32).unwrap(),
        benchmark_digest(&ids, 64).unwrap()
    );
    let mut c = circuit(&scores(), 1, 2, false);
    c.inputs[idx::BENCHMARK] = benchmark_digest(&ids, 32).unwrap();
    rejects(c, "benchmark digest");
}

#[test]
fn score_range_2k_minus_1_passes_2k_fails() {
    let big = (1u64 << 32) - 1;
    assert_eq!(check(circuit(&[big, 0], 5000, 1, false)), OK);
    let mut c = circuit(&[0, 0], 5000, 1, false);
    c.slots[1].score = Fr::from(1u64 << 32);
    rejects(c, "score range");
    let mut c = circuit(&[0, 0], 1, 2, true);
    c.slots[0].score = -Fr::from(1_000_000u64); // a "negative" score
    rejects(c, "score range");
}

#[test]
fn missing_duplicated_extra_samples() {
    let full = circuit(&scores(), 1, 2, false);
    // Missing: drop the last sample (count follows) — the benchmark no longer matches.
    let mut c = full.clone();
    c.slots[4] = SampleWitness::default();
    c.inputs[idx::SAMPLE_COUNT] = Fr::from(4u64);
    c.inputs[idx::RESULTS_ROOT] = results_root(&c.slots);
    rejects(c, "benchmark digest");
    // Missing, count kept: the count check fails first.
    let mut c = full.clone();
    c.slots[4] = SampleWitness::default();
    rejects(c, "sample count");
    // Duplicated: one sample's id appears twice (replacing another).
    let mut c = full.clone();
    c.slots[3].id = c.slots[2].id;
    c.inputs[idx::RESULTS_ROOT] = results_root(&c.slots);
    rejects(c, "benchmark digest");
    // Extra: a sixth sample not in the benchmark.
    let mut c = full.clone();
    c.slots[5] = SampleWitness {
        id: Fr::from(123u64),
        score: Fr::ZERO,
        present: Fr::ONE,
    };
    c.inputs[idx::SAMPLE_COUNT] = Fr::from(6u64);
    c.inputs[idx::RESULTS_ROOT] = results_root(&c.slots);
    rejects(c, "benchmark digest");
}

#[test]
fn commitment_binds_scores_to_their_samples() {
    let mut c = circuit(&scores(), 1, 2, false);
    c.slots[0].score += Fr::ONE;
    rejects(c, "results commitment");
    let mut c = circuit(&scores(), 1, 2, false);
    c.salt += Fr::ONE;
    rejects(c, "results commitment");
    // The same scores given to other samples: same mean, but not what was committed.
    let mut c = circuit(&scores(), 1, 2, false);
    let j = (1..5)
        .find(|j| c.slots[*j].score != c.slots[0].score)
        .unwrap();
    let (a, b) = (c.slots[0].score, c.slots[j].score);
    (c.slots[0].score, c.slots[j].score) = (b, a);
    rejects(c, "results commitment");
    let mut c = circuit(&scores(), 1, 2, false);
    c.inputs[idx::RESULTS_ROOT] += Fr::ONE;
    rejects(c, "results commitment");
}

#[test]
fn slot_structure() {
    let mut c = circuit(&scores(), 1, 2, false);
    c.slots[0].present = Fr::from(2u64);
    rejects(c, "present is a bit");
    let mut c = circuit(&scores(), 1, 2, false);
    c.slots[6] = c.slots[4];
    c.slots[4] = SampleWitness::default();
    rejects(c, "slots filled in order");
    let mut c = circuit(&scores(), 1, 2, false);
    c.slots[9].id = Fr::ONE;
    rejects(c, "empty slot is zero");
    let mut c = circuit(&scores(), 1, 2, false);
    c.slots[9].score = Fr::ONE;
    c.inputs[idx::RESULTS_ROOT] = results_root(&c.slots);
    rejects(c, "empty slot is zero");
    // No samples at all: an empty mean proves nothing, even "at least 0".
    let c = circuit(&[], 0, 1, true);
    rejects(c, "slots filled in order");
}
