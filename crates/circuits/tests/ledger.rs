//! Constraint-system tests of the compute claim: honest ledgers satisfy it, and each kind of lie
//! breaks exactly the check it targets, in both the native checker and the constraint system.

use ark_bn254::Fr;
use ark_ff::Field;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use proptest::prelude::*;
use zkgov_circuits::{
    labels::Labels,
    ledger::{check_satisfaction, ComputeCircuit, ComputePrivate, ComputePublic},
};
use zkgov_spec::{
    ledger::{commitment, empty_leaf, total_flop, Record, NUM_CLASSES},
    merkle,
    statement::{compute_input as idx, ComputeInputs, Context},
};

const H100: u64 = 989_400_000_000_000;
const A100: u64 = 312_000_000_000_000;

struct Case {
    records: Vec<Record>,
    salt: Fr,
    capacity: usize,
    threshold: u128,
}

impl Case {
    fn new(records: Vec<Record>, capacity: usize) -> Self {
        let salt = Fr::from(1_000_003u64 * (records.len() as u64 + 7));
        let total = total_flop(&records, &peaks()).unwrap();
        Case {
            records,
            salt,
            capacity,
            threshold: total,
        }
    }

    fn inputs(&self) -> ComputeInputs {
        let leaves: Vec<Fr> = self.records.iter().map(Record::packed).collect();
        let depth = merkle::depth_for(self.capacity as u64).unwrap();
        ComputeInputs {
            capacity: self.capacity as u64,
            record_count: self.records.len() as u64,
            threshold: self.threshold,
            peaks: peaks(),
            names: vec!["H100".into(), "A100".into()],
            root: commitment(merkle::root(leaves, empty_leaf(), depth), self.salt),
            context: Context {
                policy_id: "test".into(),
                epoch: 1,
                nonce: None,
            },
            ledger_attestation: None,
        }
    }

    fn circuit(&self) -> ComputeCircuit {
        ComputeCircuit {
            public: ComputePublic::from_statement(&self.inputs()),
            private: ComputePrivate::new(&self.records, self.salt, self.capacity),
        }
    }
}

fn peaks() -> [u64; NUM_CLASSES] {
    let mut p = [H100; NUM_CLASSES];
    p[1] = A100;
    p
}

fn ledger() -> Vec<Record> {
    vec![
        Record {
            class: 0,
            devices: 256,
            seconds: 172_841,
        },
        Record {
            class: 1,
            devices: 8,
            seconds: 3600,
        },
        Record {
            class: 0,
            devices: 2,
            seconds: 2366,
        },
    ]
}

/// Runs both checkers; returns (native verdict, constraint-system verdict as the failing block name
/// with the record index stripped).
fn check(c: ComputeCircuit) -> (Result<(), String>, Result<(), String>) {
    let native = check_satisfaction(&c.public, &c.private);
    let cs = ConstraintSystem::<Fr>::new_ref();
    let mut labels = Labels::recording();
    c.synthesize_labelled(cs.clone(), &mut labels).unwrap();
    (native, labels.verdict(&cs))
}

fn assert_rejects(c: ComputeCircuit, block: &str) {
    let (native, circuit) = check(c);
    assert_eq!(native, Err(block.to_string()), "native checker");
    assert_eq!(circuit, Err(block.to_string()), "constraint system");
}

#[test]
fn honest_ledger_satisfies_and_threshold_boundary() {
    let case = Case::new(ledger(), 16);
    assert_eq!(check(case.circuit()), (Ok(()), Ok(())));
    // threshold + 1 passes, threshold - 1 (one FLOP short) fails.
    let mut c = Case::new(ledger(), 16);
    c.threshold += 1;
    assert_eq!(check(c.circuit()), (Ok(()), Ok(())));
    c.threshold -= 2;
    assert_rejects(c.circuit(), "total within threshold");
}

#[test]
fn empty_and_full_ledgers() {
    // An empty ledger, committed as it is (all padding, count 0): only the first-slot check
    // stops "0 records <= 1 FLOP".
    let mut empty = Case::new(vec![], 16);
    empty.threshold = 1;
    assert_rejects(empty.circuit(), "first slot is present");
    let full = Case::new(
        vec![
            Record {
                class: 2,
                devices: 1,
                seconds: 1
            };
            16
        ],
        16,
    );
    assert_eq!(check(full.circuit()), (Ok(()), Ok(())));
}

#[test]
fn field_boundaries_2k_minus_1_passes_2k_fails() {
    for (field, bits) in [("devices", 24u32), ("seconds", 32), ("class", 3)] {
        for (value, ok) in [((1u64 << bits) - 1, true), (1u64 << bits, false)] {
            let case = Case::new(ledger(), 16);
            let mut c = case.circuit();
            let slot = &mut c.private.slots[1];
            match field {
                "devices" => slot.devices = Fr::from(value),
                "seconds" => slot.seconds = Fr::from(value),
                _ => slot.class = Fr::from(value),
            }
            let (native, circuit) = check(c);
            if ok {
                // In range: only the commitment no longer matches (the root was for other values).
                assert_eq!(native, Err("ledger commitment".into()), "{field}={value}");
                assert_eq!(circuit, Err("ledger commitment".into()), "{field}={value}");
            } else {
                assert_eq!(native, Err(format!("{field} range")), "{field}={value}");
                assert_eq!(circuit, Err(format!("{field} range")), "{field}={value}");
            }
        }
    }
}

#[test]
fn present_records_need_a_device_and_a_second() {
    // Each lie committed as it is (its own root, count and total): only the new check stops it.
    // A present all-zero record is a padding leaf: it raises the count without changing the root.
    for (zero, block) in [
        (
            Record {
                class: 1,
                devices: 0,
                seconds: 3600,
            },
            "devices at least 1",
        ),
        (
            Record {
                class: 1,
                devices: 8,
                seconds: 0,
            },
            "seconds at least 1",
        ),
        (Record::default(), "devices at least 1"),
    ] {
        for at in [0, 1, 3] {
            let mut records = ledger();
            records.insert(at, zero);
            assert_rejects(Case::new(records, 16).circuit(), block);
        }
    }
    let honest = Case::new(ledger(), 16);
    let mut padded = Case::new([ledger(), vec![Record::default()]].concat(), 16);
    padded.salt = honest.salt;
    assert_eq!(padded.inputs().root, honest.inputs().root);
}

#[test]
fn negative_amount_is_rejected() {
    // A "negative" entry p - 10^6 would cancel other records modulo p if it were not range-checked.
    for field in ["devices", "seconds"] {
        let case = Case::new(ledger(), 16);
        let mut c = case.circuit();
        let neg = -Fr::from(1_000_000u64);
        if field == "devices" {
            c.private.slots[0].devices = neg;
        } else {
            c.private.slots[0].seconds = neg;
        }
        assert_rejects(c, &format!("{field} range"));
    }
}

#[test]
fn public_input_ranges() {
    let case = Case::new(ledger(), 16);
    let mut c = case.circuit();
    c.public.inputs[idx::THRESHOLD] = Fr::from(2u64).pow([128]);
    assert_rejects(c, "threshold range");
    let mut c = case.circuit();
    c.public.inputs[idx::THRESHOLD] = -Fr::ONE;
    assert_rejects(c, "threshold range");
    let mut c = case.circuit();
    c.public.inputs[idx::PEAKS + 3] = Fr::from(1u64 << 60);
    assert_rejects(c, "peak range");
    let mut c = case.circuit();
    c.public.inputs[idx::PEAKS + 3] = Fr::from((1u64 << 60) - 1);
    assert_eq!(check(c), (Ok(()), Ok(())));
}

#[test]
fn slot_structure_lies() {
    let case = Case::new(ledger(), 16);
    // A flag of 2 would double-count a record.
    let mut c = case.circuit();
    c.private.slots[0].present = Fr::from(2u64);
    assert_rejects(c, "present is a bit");
    // A gap: record count says 3, but slot 1 is marked empty and slot 3 present.
    let mut c = case.circuit();
    c.private.slots[3] = c.private.slots[1];
    c.private.slots[1] = Default::default();
    assert_rejects(c, "slots filled in order");
    // An "empty" slot that hides a record.
    let mut c = case.circuit();
    c.private.slots[5].devices = Fr::from(4u64);
    assert_rejects(c, "empty slot is zero");
    let mut c = case.circuit();
    c.private.slots[5].class = Fr::from(1u64);
    assert_rejects(c, "empty slot is zero");
    // Dropping the last record (marking it empty with its data zeroed) changes the count.
    let mut c = case.circuit();
    c.private.slots[2] = Default::default();
    assert_rejects(c, "record count");
    // A wrong record count.
    let mut c = case.circuit();
    c.public.inputs[idx::RECORD_COUNT] = Fr::from(2u64);
    assert_rejects(c, "record count");
}

#[test]
fn commitment_binds_records_and_salt() {
    let case = Case::new(ledger(), 16);
    let mut c = case.circuit();
    c.private.slots[0].seconds -= Fr::ONE; // a smaller job than committed
    assert_rejects(c, "ledger commitment");
    let mut c = case.circuit();
    c.private.salt += Fr::ONE;
    assert_rejects(c, "ledger commitment");
    let mut c = case.circuit();
    c.private.slots[0].class = Fr::ONE; // an H100 job filed as A100
    assert_rejects(c, "ledger commitment");
    let mut c = case.circuit();
    c.private.slots.swap(0, 1); // the same records in another order
    assert_rejects(c, "ledger commitment");
    let mut c = case.circuit();
    c.public.inputs[idx::ROOT] += Fr::ONE;
    assert_rejects(c, "ledger commitment");
}

#[test]
fn setup_shape_matches_proving_shape() {
    // Key generation synthesizes the blank circuit; it must have exactly the proving shape.
    let count = |c: ComputeCircuit| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        c.generate_constraints(cs.clone()).unwrap();
        (
            cs.num_constraints(),
            cs.num_instance_variables(),
            cs.num_witness_variables(),
        )
    };
    assert_eq!(
        count(ComputeCircuit::blank(16)),
        count(Case::new(ledger(), 16).circuit())
    );
    assert!(ComputeCircuit::blank(20)
        .generate_constraints(ConstraintSystem::new_ref())
        .is_err());
}

#[derive(Debug, Clone, Copy)]
enum Lie {
    Devices,
    Seconds,
    Class,
    Present,
    Order,
    EmptySlot,
    Salt,
    Threshold,
    Count,
}

fn apply(c: &mut ComputeCircuit, lie: Lie, slot: usize, n: usize, amount: u64) -> &'static str {
    let s = &mut c.private.slots;
    match lie {
        Lie::Devices => {
            s[slot].devices = Fr::from((1u64 << 24) + amount);
            "devices range"
        }
        Lie::Seconds => {
            s[slot].seconds = -Fr::from(amount + 1);
            "seconds range"
        }
        Lie::Class => {
            s[slot].class = Fr::from(8 + amount % 1000);
            "class range"
        }
        Lie::Present => {
            s[slot].present = Fr::from(2 + amount);
            "present is a bit"
        }
        Lie::Order => {
            s[n] = s[slot];
            s[slot] = Default::default();
            if slot + 1 == n {
                // Moving the last record one slot down is not a gap; move it two down instead.
                s[n + 1] = s[n];
                s[n] = Default::default();
            }
            if slot == 0 {
                "first slot is present"
            } else {
                "slots filled in order"
            }
        }
        Lie::EmptySlot => {
            s[n].seconds = Fr::from(1 + amount % 1000);
            "empty slot is zero"
        }
        Lie::Salt => {
            c.private.salt += Fr::from(amount + 1);
            "ledger commitment"
        }
        Lie::Threshold => {
            let t = c.public.inputs[idx::THRESHOLD];
            c.public.inputs[idx::THRESHOLD] = t - Fr::ONE;
            "total within threshold"
        }
        Lie::Count => {
            c.public.inputs[idx::RECORD_COUNT] += Fr::from(1 + amount % 3);
            "record count"
        }
    }
}

fn arb_record() -> impl Strategy<Value = Record> {
    (0u8..2, 1u32..(1 << 24), 1u64..(1 << 32)).prop_map(|(class, devices, seconds)| Record {
        class,
        devices,
        seconds,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn honest_random_ledgers_satisfy(records in prop::collection::vec(arb_record(), 1..=16)) {
        let case = Case::new(records, 16);
        prop_assert_eq!(check(case.circuit()), (Ok(()), Ok(())));
    }

    #[test]
    fn each_single_lie_is_rejected_by_both_checkers(
        records in prop::collection::vec(arb_record(), 1..=13),
        lie in prop::sample::select(vec![Lie::Devices, Lie::Seconds, Lie::Class, Lie::Present,
            Lie::Order, Lie::EmptySlot, Lie::Salt, Lie::Threshold, Lie::Count]),
        slot_seed in any::<usize>(),
        amount in 0u64..1_000_000,
    ) {
        let n = records.len();
        let case = Case::new(records, 16);
        let mut c = case.circuit();
        let expected = apply(&mut c, lie, slot_seed % n, n, amount);
        let (native, circuit) = check(c);
        prop_assert_eq!(native, Err(expected.to_string()));
        prop_assert_eq!(circuit, Err(expected.to_string()));
    }
}
