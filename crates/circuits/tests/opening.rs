//! Constraint-system tests of the spot-check opening circuit: every honest opening satisfies it,
//! and each lie (another record, another index, a wrong sibling, a wrong position, a wrong salt or
//! commitment, an index beyond the tree) breaks exactly the check it targets, in the native checker
//! and in the constraint system.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use zkgov_circuits::{
    labels::Labels,
    opening::{check_satisfaction, OpeningCircuit},
};
use zkgov_spec::{
    ledger::{commitment, empty_leaf, Record},
    merkle::{depth_for, levels, MerklePath},
    statement::opening_input as idx,
};

const SALT: Fr = ark_ff::MontFp!("424242");

fn records(n: u64) -> Vec<Record> {
    (0..n)
        .map(|i| Record {
            class: (i % 3) as u8,
            devices: 8 + i as u32,
            seconds: 3600 * (i + 1),
        })
        .collect()
}

/// The honest opening of record `index` of an `n`-record ledger of `capacity` slots.
fn opening(n: u64, capacity: u64, index: u64) -> OpeningCircuit {
    let rs = records(n);
    let depth = depth_for(capacity).unwrap();
    let lv = levels(rs.iter().map(Record::packed).collect(), empty_leaf(), depth);
    let path = MerklePath::from_levels(&lv, index).unwrap();
    let c = OpeningCircuit::new(&rs[index as usize], &path, SALT);
    assert_eq!(
        c.inputs[idx::COMMITMENT],
        commitment(lv[depth][0], SALT),
        "the opening is against the ledger's commitment"
    );
    c
}

fn check(c: OpeningCircuit) -> (Result<(), String>, Result<(), String>) {
    let native = check_satisfaction(&c);
    let cs = ConstraintSystem::<Fr>::new_ref();
    let mut labels = Labels::recording();
    c.synthesize_labelled(cs.clone(), &mut labels).unwrap();
    (native, labels.verdict(&cs))
}

fn rejects(c: OpeningCircuit, block: &str) {
    assert_eq!(check(c), (Err(block.into()), Err(block.into())));
}

#[test]
fn every_record_opens_at_every_depth() {
    for (n, capacity) in [(16, 16), (40, 256), (300, 4096)] {
        for index in [0, 1, 15, n / 2, n - 1] {
            assert_eq!(
                check(opening(n, capacity, index)),
                (Ok(()), Ok(())),
                "record {index} of {n} at capacity {capacity}"
            );
        }
    }
}

#[test]
fn another_record_or_index_is_rejected() {
    // Another record at the opened index: a smaller job than committed.
    let mut c = opening(40, 256, 17);
    c.inputs[idx::RECORD] -= Fr::ONE;
    rejects(c, "position");
    // The record of slot 17 claimed at index 18.
    let mut c = opening(40, 256, 17);
    c.inputs[idx::INDEX] += Fr::ONE;
    rejects(c, "position");
    // Index 17 + 16: same digit at the bottom level, another one above.
    let mut c = opening(40, 256, 17);
    c.inputs[idx::INDEX] += Fr::from(16u64);
    rejects(c, "position");
    // An index past the tree (256 = 16^2 needs a third digit): no digit decomposition exists.
    let mut c = opening(40, 256, 0);
    c.inputs[idx::INDEX] = Fr::from(256u64);
    rejects(c, "index range");
    let mut c = opening(40, 256, 0);
    c.inputs[idx::INDEX] = -Fr::ONE;
    rejects(c, "index range");
}

#[test]
fn every_child_and_the_salt_are_bound() {
    for level in 0..2 {
        for k in 0..16 {
            let mut c = opening(40, 256, 17);
            c.levels[level][k] += Fr::ONE;
            // Index 17 = digits (1, 1). Changing the opened position breaks that level's position
            // check; another bottom child changes the node, which then sits in no position of
            // the level above; another top child changes the root, hence the commitment.
            let expected = if level == 0 || k == 1 {
                "position"
            } else {
                "ledger commitment"
            };
            rejects(c, expected);
        }
    }
    let mut c = opening(40, 256, 17);
    c.salt += Fr::ONE;
    rejects(c, "ledger commitment");
    let mut c = opening(40, 256, 17);
    c.inputs[idx::COMMITMENT] += Fr::ONE;
    rejects(c, "ledger commitment");
}

#[test]
fn an_inner_node_cannot_be_opened_as_a_record() {
    // Level-1 node 1 presented as "record" 1 of a shallower (depth-1) tree: the circuit for
    // capacity 256 has two levels, so the path is one level short and cannot reach the root.
    let rs = records(40);
    let lv = levels(rs.iter().map(Record::packed).collect(), empty_leaf(), 2);
    let mut c = opening(40, 256, 17);
    c.inputs[idx::RECORD] = lv[1][1];
    c.inputs[idx::INDEX] = Fr::ONE;
    c.levels = vec![c.levels[1]];
    c.levels.push([Fr::ZERO; 16]);
    assert!(check(c).1.is_err());
}

#[test]
fn setup_shape_matches_proving_shape() {
    let count = |c: OpeningCircuit| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        c.generate_constraints(cs.clone()).unwrap();
        (
            cs.num_constraints(),
            cs.num_instance_variables(),
            cs.num_witness_variables(),
        )
    };
    for (n, capacity) in [(16, 16), (40, 256), (300, 4096)] {
        assert_eq!(
            count(OpeningCircuit::blank(depth_for(capacity).unwrap())),
            count(opening(n, capacity, 3))
        );
    }
    assert!(OpeningCircuit::blank(0)
        .generate_constraints(ConstraintSystem::new_ref())
        .is_err());
}
