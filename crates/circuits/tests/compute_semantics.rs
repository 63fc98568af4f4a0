//! The compute claim read from its words, and a differential test of the circuit against it.
//!
//! What the claim means: "the ledger the developer committed to, a list of records each of which
//! is a real allocation (at least one device for at least one second), has exactly
//! `record_count` records, and the sum over them of devices × seconds × the POLICY's peak for the
//! record's accelerator is at most the threshold." The developer vouches for the ledger (the
//! compute provider's export; spot checks open it), the policy sets the peaks, the claim names
//! the threshold and its own peak table.
//!
//! [`claim_is_true`] checks exactly that, from the committed ledger as the developer would open it
//! (the tree's leaves and the salt), the statement and the policy. It shares nothing with the
//! circuit but the commitment's definition (`zkgov_spec::ledger`): it reads each leaf back as
//! an integer record, looks the accelerator up by its canonical name in the policy's table, and
//! sums in checked integers. A record filed under a class with no row in the claim's table names
//! no accelerator; the words count it at the policy's highest peak (it ran on something the
//! policy counts, and which is unknown).
//!
//! The differential test mutates honest witnesses (present bits, zero and padding records, classes
//! including unused ones and out-of-range aliases, counts, slot order, values at 2^k - 1 and 2^k,
//! negative values, peak rows) and, whenever the constraint system is satisfied and the verdict's
//! peak-table check passes, asserts that the words are true.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use rand::{rngs::StdRng, Rng, SeedableRng};
use zkgov_circuits::ledger::{ComputeCircuit, ComputePrivate, ComputePublic, SlotWitness};
use zkgov_policy::{verdict::check_peak_table, Policy};
use zkgov_spec::{
    accelerator::canonical_accelerator,
    encoding::fr_to_hex,
    ledger::{commitment, empty_leaf, Record, CLASS_BITS, DEVICE_BITS, SECONDS_BITS},
    merkle,
    statement::{ComputeInputs, ComputeStatement, Context, PeakEntry},
};

const CAPACITY: usize = 16;
const H100: u64 = 989_400_000_000_000;
const A100: u64 = 312_000_000_000_000;

fn policy() -> Policy {
    Policy::from_toml(
        r#"
format = "zkgov-policy"
version = 1
id = "semantics"
jurisdiction = "Testland"
legal_source = "Test Act, s. 1"

[context]
epochs = [1]

[keys]
allow_test_keys = true

[[accelerators]]
name = "H100"
peak_flop_per_s = "989.4e12"

[[accelerators]]
name = "A100"
peak_flop_per_s = "312e12"

[[claims]]
kind = "training-compute"
direction = "at-most"
threshold_flop = "1e25"
"#,
    )
    .unwrap()
}

/// The committed ledger as its owner opens it: every leaf of the tree, and the salt.
struct Opening {
    leaves: Vec<Fr>,
    salt: Fr,
}

/// The claim's words, checked: `Ok` when the claim is true of the ledger behind the opening.
fn claim_is_true(claim: &ComputeInputs, policy: &Policy, opening: &Opening) -> Result<(), String> {
    let depth = merkle::depth_for(claim.capacity).map_err(|e| e.to_string())?;
    if opening.leaves.len() as u64 != claim.capacity
        || commitment(
            merkle::root(opening.leaves.clone(), empty_leaf(), depth),
            opening.salt,
        ) != claim.root
    {
        return Err("the opening is not of the committed ledger".into());
    }
    // The ledger is the list of leaves before the padding; padding runs to the end.
    let len = opening
        .leaves
        .iter()
        .position(|l| *l == empty_leaf())
        .unwrap_or(opening.leaves.len());
    if opening.leaves[len..].iter().any(|l| *l != empty_leaf()) {
        return Err("a record after the padding".into());
    }
    if len == 0 {
        return Err("the ledger is empty".into());
    }
    if len as u64 != claim.record_count {
        return Err(format!(
            "the ledger has {len} records, the claim says {}",
            claim.record_count
        ));
    }
    let highest = policy
        .accelerators
        .iter()
        .map(|(_, p)| *p)
        .max()
        .unwrap_or(0);
    let mut total: u128 = 0;
    for (i, leaf) in opening.leaves[..len].iter().enumerate() {
        // A leaf is a record `class + devices·2^3 + seconds·2^27` with each field in its width.
        let bits = leaf.into_bigint();
        if bits.num_bits() as usize > CLASS_BITS + DEVICE_BITS + SECONDS_BITS {
            return Err(format!("leaf {i} is not a record"));
        }
        let v = bits.0[0];
        let class = (v & ((1 << CLASS_BITS) - 1)) as usize;
        let devices = (v >> CLASS_BITS) & ((1 << DEVICE_BITS) - 1);
        let seconds = v >> (CLASS_BITS + DEVICE_BITS);
        if devices == 0 || seconds == 0 {
            return Err(format!("record {i} is not a real allocation"));
        }
        let peak = match claim.names.get(class) {
            None => highest,
            Some(name) => {
                let accelerator = canonical_accelerator(name);
                match policy
                    .accelerators
                    .iter()
                    .find(|(n, _)| canonical_accelerator(n) == accelerator)
                {
                    Some((_, p)) => *p,
                    None => return Err(format!("record {i} ran on {name}, unknown to the policy")),
                }
            }
        };
        let flop = (devices as u128)
            .checked_mul(seconds as u128)
            .and_then(|x| x.checked_mul(peak as u128))
            .ok_or("overflow")?;
        total = total.checked_add(flop).ok_or("overflow")?;
    }
    if total > claim.threshold {
        return Err(format!(
            "total {total} FLOP exceeds the threshold {}",
            claim.threshold
        ));
    }
    Ok(())
}

/// The field element a slot commits to (the layout of `Record::packed`, on raw field values).
fn leaf(w: &SlotWitness) -> Fr {
    w.class + w.devices * Fr::from(8u64) + w.seconds * Fr::from(1u64 << 27)
}

fn to_u128(x: Fr) -> Option<u128> {
    let b = x.into_bigint();
    (b.num_bits() <= 128).then(|| b.0[0] as u128 | (b.0[1] as u128) << 64)
}

fn honest_record(rng: &mut StdRng) -> Record {
    let devices = match rng.gen_range(0..4) {
        0 => 1,
        1 => (1 << DEVICE_BITS) - 1,
        _ => rng.gen_range(1..1 << DEVICE_BITS),
    };
    let seconds = match rng.gen_range(0..4) {
        0 => 1,
        1 => (1 << SECONDS_BITS) - 1,
        _ => rng.gen_range(1..1u64 << SECONDS_BITS),
    };
    Record {
        class: rng.gen_range(0..2),
        devices,
        seconds,
    }
}

/// One random change to the witness slots; `n` is the honest record count.
fn mutate(slots: &mut [SlotWitness], n: usize, rng: &mut StdRng) {
    let r = rng.gen_range(0..n);
    let any = rng.gen_range(0..slots.len());
    match rng.gen_range(0..15) {
        0 => slots[any].present = Fr::ONE, // padding marked present
        1 => slots[n.min(slots.len() - 1)].present = Fr::ONE,
        2 => slots[r].present = Fr::ZERO,
        3 => slots[r] = SlotWitness::default(),
        4 => slots[r].devices = Fr::ZERO,
        5 => slots[r].seconds = Fr::ZERO,
        6 => slots[r].class = Fr::from(rng.gen_range(2..8u64)), // a class with no row
        7 => {
            slots[r].class += Fr::from(8u64); // same leaf: class + 8 is devices + 1
            slots[r].devices -= Fr::ONE;
        }
        8 => {
            slots[r].devices += Fr::from(1u64 << DEVICE_BITS); // same leaf: seconds + 1
            slots[r].seconds -= Fr::ONE;
        }
        9 => slots[r].devices = Fr::from((1u64 << DEVICE_BITS) - rng.gen_range(0..2u64)),
        10 => slots[r].seconds = Fr::from((1u64 << SECONDS_BITS) - rng.gen_range(0..2u64)),
        11 => slots[r].seconds = -Fr::from(rng.gen_range(1..1_000_000u64)),
        12 => slots[r].present = Fr::from(2u64),
        13 => slots[r].class = Fr::ONE - slots[r].class,
        _ => slots.swap(r, any),
    }
}

/// The claim's peak table, sometimes changed: aliases, lower or higher peaks, decoy, missing,
/// duplicate or reordered rows.
fn peak_table(rng: &mut StdRng) -> Vec<PeakEntry> {
    let row = |a: &str, p: u64| PeakEntry {
        accelerator: a.into(),
        peak_flop_per_s: p.to_string(),
    };
    let mut t = vec![row("H100", H100), row("A100", A100)];
    match rng.gen_range(0..12) {
        0 => t[0].accelerator = "nvidia_h100_80gb_hbm3".into(),
        1 => t[rng.gen_range(0..2)].peak_flop_per_s = (A100 - 1).to_string(),
        2 => t[0].peak_flop_per_s = (H100 + 1_000_000_000_000).to_string(),
        3 => t.push(row("H100 decoy", 1)),
        4 => {
            t.pop();
        }
        5 => t.push(row("h100", 1)),
        6 => t.swap(0, 1),
        _ => {}
    }
    t
}

struct Tally {
    cases: usize,
    refused_statement: usize,
    satisfied: usize,
    satisfied_and_table_ok: usize,
}

fn run_case(rng: &mut StdRng, policy: &Policy, tally: &mut Tally) {
    tally.cases += 1;
    let n = rng.gen_range(1..=12);
    let records: Vec<Record> = (0..n).map(|_| honest_record(rng)).collect();
    let salt = Fr::from(rng.gen::<u64>());
    let honest = ComputePrivate::new(&records, salt, CAPACITY);
    let mut slots = honest.slots.clone();
    for _ in 0..rng.gen_range(0..=3) {
        mutate(&mut slots, n, rng);
    }
    let table = peak_table(rng);

    // The statement: mostly one that fits the mutated witness (its own root, count and total),
    // so that the interesting checks, not the commitment, decide.
    let depth = merkle::depth_for(CAPACITY as u64).unwrap();
    let recommit = rng.gen_bool(0.85);
    let opened: Vec<Fr> = if recommit { &slots } else { &honest.slots }
        .iter()
        .map(leaf)
        .collect();
    let root = commitment(merkle::root(opened.clone(), empty_leaf(), depth), salt);
    let present = slots.iter().filter(|w| w.present == Fr::ONE).count() as u64;
    let record_count = match rng.gen_range(0..10) {
        0 => n as u64,
        1 => present + 1,
        2 => present.saturating_sub(1),
        _ => present,
    };
    let mut statement = ComputeStatement {
        capacity: CAPACITY as u64,
        record_count,
        threshold_flop: "0".into(),
        peak_table: table,
        ledger_root: fr_to_hex(&root),
        context: Context {
            policy_id: "semantics".into(),
            epoch: 1,
            nonce: None,
        },
        ledger_attestation: None,
    };
    let Ok(parsed) = statement.parse() else {
        tally.refused_statement += 1;
        return;
    };
    let field_total: Fr = slots
        .iter()
        .map(|w| {
            let class = w.class.into_bigint().0[0] as usize % parsed.peaks.len();
            w.devices * w.seconds * Fr::from(parsed.peaks[class])
        })
        .sum();
    let threshold = match (to_u128(field_total), rng.gen_range(0..10)) {
        (Some(t), 0) => t.saturating_sub(1),
        (Some(t), 1) => t.saturating_add(rng.gen_range(0..1u128 << 100)),
        (Some(t), _) if t < 1u128 << 127 => t,
        _ => rng.gen_range(0..1u128 << 127),
    };
    statement.threshold_flop = threshold.to_string();
    let Ok(claim) = statement.parse() else {
        tally.refused_statement += 1;
        return;
    };

    let circuit = ComputeCircuit {
        public: ComputePublic::from_statement(&claim),
        private: ComputePrivate { slots, salt },
    };
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    if !cs.is_satisfied().unwrap() {
        return;
    }
    tally.satisfied += 1;
    if check_peak_table(policy, &claim).is_err() {
        return;
    }
    tally.satisfied_and_table_ok += 1;
    let words = claim_is_true(
        &claim,
        policy,
        &Opening {
            leaves: opened,
            salt,
        },
    );
    assert!(
        words.is_ok(),
        "the circuit accepts a false claim: {words:?}\n{claim:?}\nhonest records before mutation: {records:?}"
    );
}

#[test]
fn whenever_the_circuit_is_satisfied_the_words_are_true() {
    let policy = policy();
    let mut rng = StdRng::seed_from_u64(0x5eed_c0de);
    let mut tally = Tally {
        cases: 0,
        refused_statement: 0,
        satisfied: 0,
        satisfied_and_table_ok: 0,
    };
    for _ in 0..2000 {
        run_case(&mut rng, &policy, &mut tally);
    }
    println!(
        "compute differential: {} mutated witnesses, {} statements refused by parsing, {} satisfied the circuit, {} of them with a peak table the policy accepts; the words held for all of those",
        tally.cases, tally.refused_statement, tally.satisfied, tally.satisfied_and_table_ok
    );
    // Not vacuous: many cases reach the semantic check, and many are refused.
    assert!(
        tally.satisfied_and_table_ok > 200,
        "{}",
        tally.satisfied_and_table_ok
    );
    assert!(tally.satisfied < tally.cases - tally.refused_statement - 200);
}

#[test]
fn the_words_refuse_the_issue_14_forgeries() {
    // The checker itself: the forgeries the old circuit accepted are false by the words.
    let policy = policy();
    let records = [Record {
        class: 0,
        devices: 8,
        seconds: 3600,
    }];
    let salt = Fr::from(7u64);
    let depth = merkle::depth_for(CAPACITY as u64).unwrap();
    let claim_for = |leaves: &[Fr], count: u64, names: &[&str], threshold: u128| {
        let root = commitment(merkle::root(leaves.to_vec(), empty_leaf(), depth), salt);
        ComputeInputs {
            capacity: CAPACITY as u64,
            record_count: count,
            threshold,
            peaks: [H100; 8],
            names: names.iter().map(|s| s.to_string()).collect(),
            root,
            context: Context {
                policy_id: "semantics".into(),
                epoch: 1,
                nonce: None,
            },
            ledger_attestation: None,
        }
    };
    let mut leaves = vec![Fr::ZERO; CAPACITY];
    leaves[0] = records[0].packed();
    let total = 8 * 3600 * H100 as u128;
    let open = |l: &[Fr]| Opening {
        leaves: l.to_vec(),
        salt,
    };
    // Honest: true at the total, false one FLOP below.
    let c = claim_for(&leaves, 1, &["H100", "A100"], total);
    assert_eq!(claim_is_true(&c, &policy, &open(&leaves)), Ok(()));
    let c = claim_for(&leaves, 1, &["H100", "A100"], total - 1);
    assert!(claim_is_true(&c, &policy, &open(&leaves)).is_err());
    // A padding slot counted as a record, an empty ledger, a zero-device record.
    let c = claim_for(&leaves, 2, &["H100", "A100"], total);
    assert!(claim_is_true(&c, &policy, &open(&leaves)).is_err());
    let empty = vec![Fr::ZERO; CAPACITY];
    let c = claim_for(&empty, 0, &["H100", "A100"], 1);
    assert!(claim_is_true(&c, &policy, &open(&empty)).is_err());
    let mut zero_devices = leaves.clone();
    zero_devices[1] = Record {
        class: 0,
        devices: 0,
        seconds: 5,
    }
    .packed();
    let c = claim_for(&zero_devices, 2, &["H100", "A100"], total);
    assert!(claim_is_true(&c, &policy, &open(&zero_devices)).is_err());
    // The decoy row: the H100 record filed under a row the policy does not know.
    let mut decoy = leaves.clone();
    decoy[0] = Record {
        class: 1,
        ..records[0]
    }
    .packed();
    let c = claim_for(&decoy, 1, &["H100", "H100 decoy"], 1);
    assert!(claim_is_true(&c, &policy, &open(&decoy)).is_err());
}
