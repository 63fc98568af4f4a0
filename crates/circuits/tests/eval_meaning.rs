//! The eval claim tested against its meaning, not against a mirror of the circuit.
//!
//! In plain words, an eval red-line claim says: "the mean, over exactly the benchmark's sample ids
//! (the list the regulator fixed by its digest), each counted once, of the scores the evaluator
//! attested for them (each between 0 and the attested maximum), is below the red line" (or at
//! least it). Who vouches for what:
//! - the regulator fixes the list of sample ids (the benchmark digest it computes or pins);
//! - the evaluator fixes each sample's score, the score maximum and the sample count (the results
//!   commitment and the description it signs);
//! - the developer chooses only the claim: red line and direction.
//!
//! [`meaning_holds`] checks that sentence from those parties' own data: the regulator's id list
//! and the evaluator's scores by sample id. The differential test then mutates honest witnesses
//! (and the public values a prover could try to state) and requires: whenever the circuit is
//! satisfied, the sentence is true. The padding-as-samples forgery of the review (issue 14, item
//! 1) is one of the mutations; it satisfied the v2 circuit.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::collections::BTreeMap;
use zkgov_circuits::eval::{EvalCircuit, SampleWitness};
use zkgov_spec::{
    eval::{benchmark_digest, canonical_order, results_commitment, SCALE},
    statement::{eval_input as idx, EVAL_NUM_INPUTS},
};

const CAPACITY: usize = 16;
const SALT: Fr = ark_ff::MontFp!("424242");

/// What the parties vouch for.
#[derive(Clone, Debug)]
struct World {
    /// The regulator's benchmark: the sample ids it expects.
    ids: Vec<String>,
    /// The evaluator's attested score of each sample (fixed point), and the maximum.
    scores: BTreeMap<String, u64>,
    score_max: u64,
}

impl World {
    /// The public values the regulator and the evaluator fixed: benchmark digest, sample count,
    /// score maximum and results commitment (the evaluator's own commitment tool, in the order of
    /// the benchmark's canonical list).
    fn vouched(&self) -> (Fr, u64, u64, Fr) {
        let ordered: Vec<u64> = canonical_order(&self.ids)
            .unwrap()
            .iter()
            .map(|(_, id)| self.scores[id])
            .collect();
        (
            benchmark_digest(&self.ids, CAPACITY as u64).unwrap(),
            self.ids.len() as u64,
            self.score_max,
            results_commitment(&ordered, SALT, CAPACITY as u64).unwrap(),
        )
    }
}

/// The claim's meaning: the public inputs speak of this world (its benchmark, count and
/// commitment, with every attested score within the stated maximum), and the mean of the attested
/// scores over exactly the benchmark's ids is below (direction 0) or at least (direction 1)
/// `num/den`. (That the stated maximum is the evaluator's is the signature's job, outside the
/// circuit; the circuit holds every committed score to whatever maximum is stated.) Exact integer arithmetic, written here from
/// the sentence above; it shares no code with the circuit or with the verifier's `claim_holds`.
fn meaning_holds(world: &World, inputs: &[Fr]) -> bool {
    let (digest, count, _, root) = world.vouched();
    if inputs[idx::BENCHMARK] != digest
        || inputs[idx::SAMPLE_COUNT] != Fr::from(count)
        || inputs[idx::RESULTS_ROOT] != root
    {
        return false;
    }
    // Only integers below 2^64 are meaningful red lines and directions; anything else is no claim.
    let small = |x: Fr| -> Option<u128> {
        let v = ark_ff::PrimeField::into_bigint(x).0;
        (v[1] == 0 && v[2] == 0 && v[3] == 0).then_some(v[0] as u128)
    };
    let (Some(num), Some(den), Some(dir), Some(max)) = (
        small(inputs[idx::RED_NUM]),
        small(inputs[idx::RED_DEN]),
        small(inputs[idx::DIRECTION]),
        small(inputs[idx::SCORE_MAX]),
    ) else {
        return false;
    };
    if den == 0 || dir > 1 || world.scores.values().any(|s| *s as u128 > max) {
        return false;
    }
    // mean = Σ scores / (n · SCALE); compare Σ · den with num · SCALE · n.
    let sum: u128 = world.ids.iter().map(|id| world.scores[id] as u128).sum();
    let n = world.ids.len() as u128;
    let lhs = sum * den;
    let rhs = num * SCALE as u128 * n;
    if dir == 0 {
        lhs < rhs
    } else {
        lhs >= rhs
    }
}

/// The honest circuit for `world` and a claim.
fn honest(world: &World, num: u64, den: u64, at_least: bool) -> EvalCircuit {
    let (digest, count, max, root) = world.vouched();
    let mut slots: Vec<SampleWitness> = canonical_order(&world.ids)
        .unwrap()
        .into_iter()
        .map(|(d, id)| SampleWitness {
            id: d,
            score: Fr::from(world.scores[&id]),
            present: Fr::ONE,
        })
        .collect();
    slots.resize(CAPACITY, SampleWitness::default());
    let mut inputs = vec![Fr::ZERO; EVAL_NUM_INPUTS];
    inputs[idx::RED_NUM] = Fr::from(num);
    inputs[idx::RED_DEN] = Fr::from(den);
    inputs[idx::DIRECTION] = Fr::from(at_least as u64);
    inputs[idx::SAMPLE_COUNT] = Fr::from(count);
    inputs[idx::SCORE_MAX] = Fr::from(max);
    inputs[idx::RESULTS_ROOT] = root;
    inputs[idx::BENCHMARK] = digest;
    inputs[idx::CONTEXT] = Fr::from(9u64);
    EvalCircuit {
        inputs,
        slots,
        salt: SALT,
    }
}

fn satisfied(c: EvalCircuit) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    c.generate_constraints(cs.clone()).unwrap();
    cs.is_satisfied().unwrap()
}

fn random_world(rng: &mut StdRng) -> World {
    let n = rng.gen_range(1..=CAPACITY - 2);
    let score_max = [SCALE, 10 * SCALE, 1][rng.gen_range(0..3)];
    let ids: Vec<String> = (0..n).map(|i| format!("sample-{i}")).collect();
    let scores = ids
        .iter()
        .map(|id| {
            let s = match rng.gen_range(0..4) {
                0 => 0,
                1 => score_max,
                _ => rng.gen_range(0..=score_max),
            };
            (id.clone(), s)
        })
        .collect();
    World {
        ids,
        scores,
        score_max,
    }
}

/// A claim near the world's true mean, on either side of it, so that both true and false claims
/// (and boundary ones) are tried.
fn random_claim(rng: &mut StdRng, world: &World) -> (u64, u64, bool) {
    let sum: u64 = world.scores.values().sum();
    let n = world.ids.len() as u64;
    // mean = sum / (n · SCALE) as a fraction, then nudged by a few units of 1/(n · SCALE).
    let den = n * SCALE;
    let nudge: i64 = rng.gen_range(-2..=2);
    let num = (sum as i64 + nudge).max(0) as u64;
    (num, den, rng.gen_bool(0.5))
}

/// One mutation a dishonest prover might try: on the witness, or on a public value it states.
/// Returns its number, for failure messages.
fn mutate(rng: &mut StdRng, c: &mut EvalCircuit, world: &World) -> u32 {
    let n = world.ids.len();
    let slot = rng.gen_range(0..CAPACITY);
    let present_slot = rng.gen_range(0..n);
    let pad = n + rng.gen_range(0..CAPACITY - n);
    let bound = |rng: &mut StdRng| match rng.gen_range(0..6) {
        0 => Fr::ZERO,
        1 => Fr::from(world.score_max),
        2 => Fr::from(world.score_max + 1),
        3 => Fr::from((1u64 << 32) - 1),
        4 => Fr::from(1u64 << 32),
        _ => -Fr::ONE,
    };
    let kind = rng.gen_range(0..16);
    match kind {
        // The review's forgery: padding marked present (id 0, score 0), count raised.
        0 => {
            c.slots[n].present = Fr::ONE;
            c.inputs[idx::SAMPLE_COUNT] = Fr::from(n as u64 + 1);
        }
        1 => c.slots[pad].present = Fr::ONE,
        2 => c.slots[present_slot].present = Fr::ZERO,
        3 => c.slots[slot].present = Fr::from(2u64),
        4 => c.slots[present_slot].id = Fr::ZERO,
        5 => {
            let other = rng.gen_range(0..n);
            c.slots[present_slot].id = c.slots[other].id;
        }
        6 => {
            let other = rng.gen_range(0..CAPACITY);
            c.slots.swap(slot, other);
        }
        7 => {
            let other = rng.gen_range(0..n);
            let s = c.slots[other].score;
            c.slots[other].score = c.slots[present_slot].score;
            c.slots[present_slot].score = s;
        }
        8 => c.slots[slot].score = bound(rng),
        9 => c.slots[present_slot].score += Fr::from(rng.gen_range(1..3u64)),
        10 => c.slots[present_slot].score -= Fr::from(rng.gen_range(1..3u64)),
        11 => c.slots[pad].id = Fr::from(rng.gen_range(1..1000u64)),
        12 => {
            let delta = Fr::from(rng.gen_range(1..3u64));
            c.inputs[idx::SAMPLE_COUNT] += if rng.gen_bool(0.5) { delta } else { -delta };
        }
        13 => c.inputs[idx::SCORE_MAX] = bound(rng),
        14 => c.salt += Fr::ONE,
        _ => {
            c.inputs[idx::DIRECTION] = Fr::ONE - c.inputs[idx::DIRECTION];
        }
    }
    kind
}

#[test]
fn honest_witnesses_satisfy_exactly_when_the_claim_is_true() {
    let mut rng = StdRng::seed_from_u64(14);
    let (mut true_claims, mut false_claims) = (0, 0);
    for _ in 0..150 {
        let world = random_world(&mut rng);
        let (num, den, at_least) = random_claim(&mut rng, &world);
        let c = honest(&world, num, den, at_least);
        let meaning = meaning_holds(&world, &c.inputs);
        assert_eq!(satisfied(c), meaning, "{world:?} {num}/{den} {at_least}");
        if meaning {
            true_claims += 1
        } else {
            false_claims += 1
        }
    }
    println!("honest witnesses: {true_claims} true claims proved, {false_claims} false refused");
    assert!(true_claims > 20 && false_claims > 20);
}

#[test]
fn whenever_the_circuit_is_satisfied_the_claim_means_what_it_says() {
    let cases: usize = std::env::var("ZKGOV_MEANING_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let mut rng = StdRng::seed_from_u64(1414);
    let mut satisfied_mutants = 0;
    for case in 0..cases {
        let world = random_world(&mut rng);
        let (num, den, at_least) = random_claim(&mut rng, &world);
        let mut c = honest(&world, num, den, at_least);
        let applied: Vec<u32> = (0..rng.gen_range(1..=3))
            .map(|_| mutate(&mut rng, &mut c, &world))
            .collect();
        let inputs = c.inputs.clone();
        if satisfied(c) {
            satisfied_mutants += 1;
            assert!(
                meaning_holds(&world, &inputs),
                "case {case}: mutations {applied:?} give a witness for a false claim about {world:?}"
            );
        }
    }
    println!("{cases} mutated witnesses, {satisfied_mutants} satisfied the circuit, all of them true claims");
    assert!(
        satisfied_mutants > 0,
        "no mutant was satisfied: the test shows nothing"
    );
}

/// The review's forgery, named: with the evaluator's honest results (30 samples, most correct),
/// the prover marks padding slots present to divide by a larger count. It must not satisfy the
/// circuit, and the block that stops it is the present-slot id check.
#[test]
fn padding_counted_as_samples_is_refused() {
    let ids: Vec<String> = (0..10).map(|i| format!("q{i}")).collect();
    let world = World {
        scores: ids.iter().map(|i| (i.clone(), SCALE)).collect(),
        ids,
        score_max: SCALE,
    };
    // "mean below 1/2" is false (the mean is 1); with 16 slots of which 6 padding, 10/16 < 1/2
    // would still be false, so claim below 7/10, which 10/16 = 0.625 satisfies.
    let mut c = honest(&world, 7, 10, false);
    assert!(!meaning_holds(&world, &c.inputs));
    for s in c.slots.iter_mut() {
        s.present = Fr::ONE;
    }
    c.inputs[idx::SAMPLE_COUNT] = Fr::from(CAPACITY as u64);
    let cs = ConstraintSystem::<Fr>::new_ref();
    let mut labels = zkgov_circuits::labels::Labels::recording();
    c.synthesize_labelled(cs.clone(), &mut labels).unwrap();
    assert_eq!(
        labels.verdict(&cs),
        Err("present slot has an id".to_string())
    );
}
