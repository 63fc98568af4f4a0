//! Sharded compute claims, end to end with real Groth16 proofs (shards of 16 records, 16 slots):
//! the honest claim verifies and is the unsharded ledger's commitment; each attack on the split
//! (a shard dropped, repeated, reordered, taken from another ledger; an aggregate that lies about
//! totals or unused slots) is performed through the real prover and verifier and fails, and the
//! circuit names the check that stops it.

use ark_bn254::{Bn254, Fr};
use ark_ff::{AdditiveGroup, Field};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_snark::SNARK;
use rand::{rngs::StdRng, SeedableRng};
use std::sync::OnceLock;
use zkgov_circuits::{labels::Labels, Circuit};
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_prover::{commit::LedgerCommitment, keys, shard::ShardedJob, ProveError};
use zkgov_spec::{
    bundle::{Claim, Statement},
    ledger::Record,
    shard::{aggregate_input, shard_input, ShardedComputeStatement},
    statement::{opening_inputs, Context},
};
use zkgov_verifier::{
    groth16::{encode_proof, verify_claim, verify_claims, verify_groth16},
    keys::KeyStore,
    VerifyError,
};

struct Fixture {
    dir: tempfile::TempDir,
    shard_key: keys::KeyPair,
    aggregate_key: keys::KeyPair,
    job: ShardedJob,
    claim: Claim,
}

const THRESHOLD: u128 = 10u128.pow(25);

fn peaks() -> PeakTable {
    PeakTable::from_args(&["H100=989.4e12".into(), "A100=312e12".into()]).unwrap()
}

fn context() -> Context {
    Context {
        policy_id: "eu-ai-act-art51".into(),
        epoch: 2026,
        nonce: None,
    }
}

/// 40 allocations (three shards of 16: two full, one of 8), mixed accelerators; `salt` varies
/// the durations so that two ledgers differ.
fn records(salt: u64) -> Vec<Record> {
    (0..40u64)
        .map(|i| Record {
            class: (i % 3 == 0) as u8,
            devices: 8 + (i as u32 % 5) * 8,
            seconds: 3600 + i * 97 + salt,
        })
        .collect()
}

fn job(records: Vec<Record>, seed: u8) -> ShardedJob {
    ShardedJob::new(records, &peaks(), THRESHOLD, context(), &[seed; 32], 16).unwrap()
}

fn prove(job: &ShardedJob, f: (&keys::KeyPair, &keys::KeyPair)) -> Claim {
    let mut rng = StdRng::seed_from_u64(7);
    let shards = (0..job.layout().shard_count())
        .map(|i| job.prove_shard(i, f.0, &mut rng).unwrap())
        .collect();
    job.prove_aggregate(shards, f.1, &f.0.vk, &mut rng).unwrap()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        let mut load = |circuit, capacity| {
            let pair = keys::generate(circuit, capacity, &mut rng).unwrap();
            let id = keys::write(dir.path(), &pair).unwrap();
            keys::load(dir.path(), &id).unwrap()
        };
        let shard_key = load(Circuit::Shard, 16);
        let aggregate_key = load(Circuit::Aggregate, 16);
        let job = job(records(0), 3);
        let claim = prove(&job, (&shard_key, &aggregate_key));
        Fixture {
            dir,
            shard_key,
            aggregate_key,
            job,
            claim,
        }
    })
}

fn store() -> KeyStore {
    KeyStore::new(fixture().dir.path())
}

fn sharded(claim: &mut Claim) -> &mut ShardedComputeStatement {
    match &mut claim.statement {
        Statement::ShardedCompute(s) => s,
        _ => unreachable!("a sharded claim"),
    }
}

/// The first failing check of `circuit` (`None` when satisfied).
fn failing_check(
    circuit: impl FnOnce(ark_relations::gr1cs::ConstraintSystemRef<Fr>, &mut Labels),
) -> Option<String> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let mut labels = Labels::recording();
    circuit(cs.clone(), &mut labels);
    labels.first_unsatisfied(&cs).unwrap()
}

/// Proves a (lying) aggregate witness with arkworks' own prover, which does not check
/// satisfaction, and puts the proof into a claim whose statement says what the lie's public
/// inputs say.
fn forged_aggregate(circuit: zkgov_circuits::shard::AggregateCircuit, claim: Claim) -> Claim {
    let f = fixture();
    let mut rng = StdRng::seed_from_u64(11);
    let proof = Groth16::<Bn254>::prove(&f.aggregate_key.pk, circuit, &mut rng).unwrap();
    Claim {
        proof: encode_proof(&proof),
        ..claim
    }
}

#[test]
fn honest_sharded_claim_verifies_alone_and_in_a_batch() {
    let f = fixture();
    let v = verify_claim(&f.claim, &store()).unwrap();
    let words = v.statement.describe();
    assert!(
        words.contains("40 records, proved in 3 shards of up to 16 records"),
        "{words}"
    );
    assert!(words.contains("at most 1e25 FLOP"), "{words}");
    assert_eq!(v.keys().count(), 2);
    let results = verify_claims(&[&f.claim, &f.claim], &store());
    assert!(results.iter().all(|r| r.is_ok()));
}

#[test]
fn the_sharded_commitment_is_the_unsharded_ledgers_and_opens_by_global_index() {
    // Same records and seed, one tree of 16 × 16 = 256 slots: the same public commitment, so a
    // spot check opens record 37 (shard 2, slot 5) with the ordinary opening circuit.
    let f = fixture();
    let whole = LedgerCommitment::new(records(0), &[3; 32], 256).unwrap();
    assert_eq!(whole.commitment(), f.job.inputs.compute.root);
    let mut rng = StdRng::seed_from_u64(5);
    let pair = keys::generate(Circuit::Opening, 256, &mut rng).unwrap();
    let opening = whole.open(37, &pair, &mut rng).unwrap();
    let inputs = opening_inputs(f.job.inputs.compute.root, 37, &records(0)[37]);
    verify_groth16(&pair.vk, &opening.proof, &inputs).unwrap();
}

#[test]
fn a_dropped_shard_is_refused() {
    let f = fixture();
    // 1. The last shard's commitment and proof left out: the layout of 40 records needs three.
    let mut c = f.claim.clone();
    sharded(&mut c).shard_commitments.pop();
    c.shards.as_mut().unwrap().proofs.pop();
    let e = verify_claim(&c, &store()).unwrap_err().to_string();
    assert!(
        e.contains("shard_commitments: 2 given, but 40 records in shards of 16 make 3 shards"),
        "{e}"
    );
    // 2. Only the proof left out.
    let mut c = f.claim.clone();
    c.shards.as_mut().unwrap().proofs.pop();
    let e = verify_claim(&c, &store()).unwrap_err().to_string();
    assert!(
        e.contains("2 shard proofs, but the ledger's 40 records in shards of 16 need 3"),
        "{e}"
    );
    // 3. A claim about the first 32 records under the same ledger commitment: the honest
    //    aggregate proof does not prove it...
    let mut c = f.claim.clone();
    sharded(&mut c).record_count = 32;
    sharded(&mut c).shard_commitments.pop();
    c.shards.as_mut().unwrap().proofs.pop();
    assert!(matches!(
        verify_claim(&c, &store()),
        Err(VerifyError::InvalidProof)
    ));
    // ...and an aggregate witness that leaves slot 2 unused cannot reach the commitment.
    let mut lie = f.job.aggregate_circuit();
    lie.slots[2] = lie.slots[3];
    lie.inputs[aggregate_input::SHARD_COUNT] = Fr::from(2u64);
    lie.inputs[aggregate_input::SHARDS + 2] = Fr::ZERO;
    let mut shorter = c.clone();
    let parsed = sharded(&mut shorter).parse().unwrap();
    lie.inputs[aggregate_input::CONTEXT] = parsed.aggregate_inputs()[aggregate_input::CONTEXT];
    assert_eq!(
        lie.inputs,
        parsed.aggregate_inputs(),
        "the lie's inputs are the statement's"
    );
    let l = lie.clone();
    assert_eq!(
        failing_check(|cs, labels| l.synthesize_labelled(cs, labels).unwrap()).as_deref(),
        Some("ledger commitment")
    );
    let forged = forged_aggregate(lie, c);
    assert!(matches!(
        verify_claim(&forged, &store()),
        Err(VerifyError::InvalidProof)
    ));
}

#[test]
fn a_repeated_or_reordered_shard_is_refused() {
    let f = fixture();
    let proofs = &f.claim.shards.as_ref().unwrap().proofs;
    // Shard 0's proof in place of shard 1's: shard 1's inputs carry index 1 and its commitment.
    let mut c = f.claim.clone();
    c.shards.as_mut().unwrap().proofs[1] = proofs[0].clone();
    let e = verify_claim(&c, &store()).unwrap_err();
    assert!(
        matches!(&e, VerifyError::InvalidShard { index: 1, .. }),
        "{e}"
    );
    // Shard 0 (commitment and proof) repeated at slot 1, and shards 0 and 1 swapped.
    for swap in [false, true] {
        let mut c = f.claim.clone();
        let s = sharded(&mut c);
        let first = s.shard_commitments[0].clone();
        if swap {
            s.shard_commitments.swap(0, 1);
            c.shards.as_mut().unwrap().proofs.swap(0, 1);
        } else {
            s.shard_commitments[1] = first;
            c.shards.as_mut().unwrap().proofs[1] = proofs[0].clone();
        }
        let e = verify_claim(&c, &store()).unwrap_err();
        assert!(matches!(e, VerifyError::InvalidProof), "{e}");
    }
    // A shard prover asked for shard 1 that proves shard 0's records under shard 0's commitment:
    // the commitment carries the index.
    let mut lie = f.job.shard_circuit(0).unwrap();
    lie.inputs[shard_input::INDEX] = Fr::from(1u64);
    let l = lie.clone();
    assert_eq!(
        failing_check(|cs, labels| l.synthesize_labelled(cs, labels).unwrap()).as_deref(),
        Some("shard commitment")
    );
    let mut rng = StdRng::seed_from_u64(12);
    let inputs = lie.inputs.clone();
    let proof = Groth16::<Bn254>::prove(&f.shard_key.pk, lie, &mut rng).unwrap();
    assert!(matches!(
        verify_groth16(&f.shard_key.vk, &proof, &inputs),
        Err(VerifyError::InvalidProof)
    ));
    // An aggregate that opens slots 0 and 1 swapped.
    let mut lie = f.job.aggregate_circuit();
    lie.slots.swap(0, 1);
    lie.inputs
        .swap(aggregate_input::SHARDS, aggregate_input::SHARDS + 1);
    assert_eq!(
        failing_check(|cs, labels| lie.synthesize_labelled(cs, labels).unwrap()).as_deref(),
        Some("slot 0: shard commitment")
    );
}

#[test]
fn a_shard_of_another_ledger_is_refused() {
    let f = fixture();
    // Ledger B: the same layout, other durations in shard 1 (records 16..32).
    let mut other = records(0);
    for r in &mut other[16..32] {
        r.seconds = 60;
    }
    let b = job(other, 3);
    let b_claim = prove(&b, (&f.shard_key, &f.aggregate_key));
    assert!(verify_claim(&b_claim, &store()).is_ok());
    let b_shard = |c: &mut Claim| {
        c.shards.as_mut().unwrap().proofs[1] = b_claim.shards.as_ref().unwrap().proofs[1].clone();
    };
    // B's shard 1 proof alone: it does not prove A's shard 1 commitment.
    let mut c = f.claim.clone();
    b_shard(&mut c);
    let e = verify_claim(&c, &store()).unwrap_err();
    assert!(
        matches!(&e, VerifyError::InvalidShard { index: 1, .. }),
        "{e}"
    );
    // With B's commitment too: A's aggregate proof does not cover it.
    let mut c = f.claim.clone();
    b_shard(&mut c);
    sharded(&mut c).shard_commitments[1] = match &b_claim.statement {
        Statement::ShardedCompute(s) => s.shard_commitments[1].clone(),
        _ => unreachable!(),
    };
    assert!(matches!(
        verify_claim(&c, &store()),
        Err(VerifyError::InvalidProof)
    ));
    // An aggregate that opens B's shard 1 under A's ledger commitment (A's lower total there,
    // say): the shard roots no longer hash to A's commitment.
    let mut lie = f.job.aggregate_circuit();
    lie.slots[1] = b.aggregate_circuit().slots[1];
    lie.inputs[aggregate_input::SHARDS + 1] = b.inputs.shard_commitments[1];
    assert_eq!(
        failing_check(|cs, labels| lie.synthesize_labelled(cs, labels).unwrap()).as_deref(),
        Some("ledger commitment")
    );
}

#[test]
fn aggregate_and_shard_lies_are_unsatisfiable_and_unprovable() {
    let f = fixture();
    let name = |c: zkgov_circuits::shard::AggregateCircuit| {
        failing_check(|cs, labels| c.synthesize_labelled(cs, labels).unwrap())
    };
    // A threshold below the ledger's total.
    let mut lie = f.job.aggregate_circuit();
    lie.inputs[aggregate_input::THRESHOLD] = Fr::from(1000u64);
    assert_eq!(name(lie.clone()).as_deref(), Some("total within threshold"));
    let mut c = f.claim.clone();
    sharded(&mut c).threshold_flop = "1000".into();
    assert!(matches!(
        verify_claim(&forged_aggregate(lie, c), &store()),
        Err(VerifyError::InvalidProof)
    ));
    // A "negative" total hidden in an unused slot, to offset the real ones.
    let mut lie = f.job.aggregate_circuit();
    lie.slots[5].total = -Fr::from(10u64).pow([24]);
    assert_eq!(name(lie).as_deref(), Some("slot 5: total range"));
    // A total below 2^132 in an unused slot.
    let mut lie = f.job.aggregate_circuit();
    lie.slots[5].total = Fr::ONE;
    assert_eq!(name(lie).as_deref(), Some("slot 5: unused slot is empty"));
    // An unused slot marked active (a fourth shard of padding).
    let mut lie = f.job.aggregate_circuit();
    lie.slots[3].active = Fr::ONE;
    assert_eq!(name(lie).as_deref(), Some("slot 3: shard commitment"));
    // A shard proving fewer records than the layout gives it.
    let mut lie = f.job.shard_circuit(2).unwrap();
    lie.slots[7] = Default::default();
    assert_eq!(
        failing_check(|cs, labels| lie.synthesize_labelled(cs, labels).unwrap()).as_deref(),
        Some("shard record count")
    );
    // The key generation circuits are satisfied by honest witnesses.
    let cs = ConstraintSystem::<Fr>::new_ref();
    f.job
        .aggregate_circuit()
        .generate_constraints(cs.clone())
        .unwrap();
    assert!(cs.is_satisfied().unwrap());
}

#[test]
fn false_claims_and_wrong_keys_are_refused() {
    let f = fixture();
    let e = ShardedJob::new(records(0), &peaks(), 1000, context(), &[3; 32], 16).unwrap_err();
    assert!(matches!(e, ProveError::ClaimFalse(_)), "{e}");
    assert!(e.to_string().contains("exceeds the threshold"), "{e}");
    // The aggregate key offered as the shard key.
    let mut rng = StdRng::seed_from_u64(2);
    let e = f
        .job
        .prove_shard(0, &f.aggregate_key, &mut rng)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("this step needs zkgov/compute-shard/v1"),
        "{e}"
    );
    let mut c = f.claim.clone();
    c.shards.as_mut().unwrap().key_id = f.aggregate_key.vk.id.clone();
    let e = verify_claim(&c, &store()).unwrap_err().to_string();
    assert!(
        e.contains("but the claim needs zkgov/compute-shard/v1 (capacity 16)"),
        "{e}"
    );
    // A sharded claim without its shard proofs.
    let mut c = f.claim.clone();
    c.shards = None;
    let e = verify_claim(&c, &store()).unwrap_err().to_string();
    assert!(e.contains("without its shard proofs"), "{e}");
    // Shard proofs attached to an unsharded compute claim.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let pair = keys::generate(Circuit::Compute, 64, &mut rng).unwrap();
    keys::write(dir.path(), &pair).unwrap();
    keys::write(dir.path(), &f.shard_key).unwrap();
    let plain = zkgov_prover::prove::ComputeJob::new(
        records(0),
        &peaks(),
        THRESHOLD,
        context(),
        &[3; 32],
        Some(64),
    )
    .unwrap();
    let mut c = plain.prove(&pair, &mut rng).unwrap();
    c.shards = f.claim.shards.clone();
    let e = verify_claim(&c, &KeyStore::new(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("shard proofs belong to sharded compute claims only"),
        "{e}"
    );
}

#[test]
fn every_stated_field_is_bound() {
    // Each change of what the statement says (context, accelerator names, peaks) makes the
    // claim fail: the context binds through the aggregate, the peaks through every shard proof.
    let f = fixture();
    type Change = fn(&mut ShardedComputeStatement);
    let changes: [(&str, Change); 6] = [
        ("policy id", |s| s.context.policy_id = "ca-sb53".into()),
        ("epoch", |s| s.context.epoch += 1),
        ("nonce", |s| s.context.nonce = Some("00".into())),
        ("accelerator name", |s| {
            s.peak_table[1].accelerator = "H200".into()
        }),
        ("peak", |s| {
            s.peak_table[1].peak_flop_per_s = "312000000000001".into()
        }),
        ("peak row dropped", |s| {
            s.peak_table.pop();
        }),
    ];
    for (what, change) in changes {
        let mut c = f.claim.clone();
        change(sharded(&mut c));
        let e = verify_claim(&c, &store()).unwrap_err();
        let named = matches!(
            e,
            VerifyError::InvalidProof | VerifyError::InvalidShard { .. }
        );
        assert!(named, "{what}: {e}");
    }
    // The peaks alone: the aggregate does not see them, the shard proofs do.
    let mut c = f.claim.clone();
    sharded(&mut c).peak_table[1].peak_flop_per_s = "312000000000001".into();
    let e = verify_claim(&c, &store()).unwrap_err();
    assert!(
        matches!(e, VerifyError::InvalidShard { index: 0, .. }),
        "{e}"
    );
}

#[test]
fn a_batch_names_the_claim_and_shard_that_fail() {
    // Valid, then shard 2 of a copy broken, then valid again: one batch, each result in place.
    let f = fixture();
    let mut broken = f.claim.clone();
    let proofs = &mut broken.shards.as_mut().unwrap().proofs;
    proofs[2] = proofs[1].clone();
    let results = verify_claims(&[&f.claim, &broken, &f.claim], &store());
    assert!(results[0].is_ok() && results[2].is_ok());
    let e = results[1].as_ref().unwrap_err();
    assert!(
        matches!(e, VerifyError::InvalidShard { index: 2, .. }),
        "{e}"
    );
}

#[test]
fn policies_judge_both_keys() {
    use zkgov_policy::{
        policy_file::Policy,
        verdict::{evaluate, Outcome},
    };
    let f = fixture();
    let policy = |accepted: &[&str]| {
        let keys: Vec<String> = accepted.iter().map(|k| format!("\"{k}\"")).collect();
        Policy::from_toml(&format!(
            r#"format = "zkgov-policy"
version = 2
id = "eu-ai-act-art51"
jurisdiction = "EU"
title = "t"
legal_source = "s"
[context]
epochs = [2026]
[keys]
allow_test_keys = true
accepted = [{}]
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
            keys.join(", ")
        ))
        .unwrap()
    };
    let claims = [f.claim.clone()];
    let results = verify_claims(&[&f.claim], &store());
    let both = [f.aggregate_key.vk.id.as_str(), f.shard_key.vk.id.as_str()];
    let v = evaluate(&policy(&both), &claims, &results);
    assert_eq!(v.outcome, Outcome::Compliant, "{v:?}");
    // Only the aggregate key accepted: the shard proofs were made under a key the policy does not
    // accept.
    let v = evaluate(&policy(&both[..1]), &claims, &results);
    assert_eq!(v.outcome, Outcome::NotShown, "{v:?}");
    let why = format!("{v:?}");
    assert!(
        why.contains(&format!("proved with key {}", &both[1][..12])),
        "{why}"
    );
}
