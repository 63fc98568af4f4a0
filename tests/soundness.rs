//! End-to-end soundness and input-validation tests with real Groth16 proofs (capacity 16), one per
//! item of the security checklist that applies to the compute claim.

use ark_bn254::{Bn254, Fr, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use ark_ff::{AdditiveGroup, Field, UniformRand};
use ark_groth16::Groth16;
use ark_relations::gr1cs::ConstraintSystem;
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use rand::{rngs::StdRng, SeedableRng};
use std::sync::OnceLock;
use zkgov_circuits::labels::Labels;
use zkgov_circuits::Circuit;
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_prover::{keys, prove::ComputeJob};
use zkgov_spec::SpecError;
use zkgov_spec::{
    bundle::{Bundle, Claim, Statement},
    ledger::{commitment, empty_leaf, Record},
    merkle::depth_for,
    statement::{compute_input as idx, opening_inputs, Context},
};
use zkgov_verifier::{
    groth16::{decode_proof, encode_proof, verify_bundle, verify_claim, verify_groth16},
    keys::{KeyStore, TrustedKey},
    VerifyError,
};

struct Fixture {
    dir: tempfile::TempDir,
    keys: keys::KeyPair,
    job: ComputeJob,
    claim: Claim,
}

fn peaks() -> PeakTable {
    PeakTable::from_args(&["H100=989.4e12".into(), "A100=312e12".into()]).unwrap()
}

fn records() -> Vec<Record> {
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

fn context() -> Context {
    Context {
        policy_id: "eu-ai-act-art51".into(),
        epoch: 2026,
        nonce: Some("c0ffee".into()),
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        let pair = keys::generate(Circuit::Compute, 16, &mut rng).unwrap();
        let id = keys::write(dir.path(), &pair).unwrap();
        let keys = keys::load(dir.path(), &id).unwrap();
        let job = ComputeJob::new(
            records(),
            &peaks(),
            10u128.pow(25),
            context(),
            &[9; 32],
            Some(16),
        )
        .unwrap();
        let claim = job.prove(&keys, &mut rng).unwrap();
        Fixture {
            dir,
            keys,
            job,
            claim,
        }
    })
}

fn store() -> KeyStore {
    KeyStore::new(fixture().dir.path())
}

#[test]
fn honest_claim_verifies() {
    let f = fixture();
    let v = verify_claim(&f.claim, &store()).unwrap();
    assert!(v.statement.describe().contains("at most 1e25 FLOP"));
}

#[test]
fn any_changed_byte_of_the_bundle_is_rejected() {
    // Compact JSON has no insignificant bytes: every byte is part of a name or a value, and every
    // value has exactly one accepted spelling, so each single-byte change must be rejected.
    let f = fixture();
    let text = serde_json::to_string(&Bundle::new(vec![f.claim.clone()])).unwrap();
    let store = store();
    let bytes = text.as_bytes();
    let mut checked = 0;
    for i in 0..bytes.len() {
        for replacement in [b'0', b'1', b'a', b'f', b'"', b'x'] {
            if bytes[i] == replacement {
                continue;
            }
            let mut t = bytes.to_vec();
            t[i] = replacement;
            let Ok(s) = String::from_utf8(t) else {
                continue;
            };
            let accepted = Bundle::from_json(&s)
                .map(|b| verify_bundle(&b, &store).into_iter().all(|r| r.is_ok()))
                .unwrap_or(false);
            assert!(
                !accepted,
                "byte {i} changed to {:?} was accepted: {s}",
                replacement as char
            );
            checked += 1;
        }
    }
    assert!(checked > 3000, "{checked}");
}

#[test]
fn wrong_input_count_is_an_error() {
    let f = fixture();
    let proof = decode_proof(&f.claim.proof).unwrap();
    let inputs = f.job.inputs.public_inputs();
    verify_groth16(&f.keys.vk, &proof, &inputs).unwrap();
    let mut short = inputs.clone();
    short.pop();
    let mut long = inputs.clone();
    long.push(Fr::ZERO);
    for bad in [short, long] {
        assert!(matches!(
            verify_groth16(&f.keys.vk, &proof, &bad),
            Err(VerifyError::InputCount { .. })
        ));
    }
}

#[test]
fn every_public_input_is_bound() {
    // Changing any single public input, context included, invalidates the proof.
    let f = fixture();
    let proof = decode_proof(&f.claim.proof).unwrap();
    let inputs = f.job.inputs.public_inputs();
    for i in 0..inputs.len() {
        let mut changed = inputs.clone();
        changed[i] += Fr::ONE;
        assert!(
            matches!(
                verify_groth16(&f.keys.vk, &proof, &changed),
                Err(VerifyError::InvalidProof)
            ),
            "input {i}"
        );
    }
    // The same through the statement: another epoch, nonce or policy is a different context.
    for change in [
        |c: &mut Context| c.epoch += 1,
        |c: &mut Context| c.nonce = None,
        |c: &mut Context| c.policy_id = "ca-sb53".into(),
    ] {
        let mut claim = f.claim.clone();
        let Statement::Compute(s) = &mut claim.statement else {
            unreachable!()
        };
        change(&mut s.context);
        assert!(matches!(
            verify_claim(&claim, &store()),
            Err(VerifyError::InvalidProof)
        ));
    }
    assert_eq!(idx::CONTEXT, inputs.len() - 1);
}

#[test]
fn non_canonical_and_out_of_range_values_are_rejected() {
    let f = fixture();
    let r_plus_5 = "21888242871839275222246405745257275088548364400416903976721273198012417052422";
    for bad in [
        r_plus_5,
        "115792089237316195423570985008687907853269984665640564039457584007913129639935",
        "01",
    ] {
        let mut claim = f.claim.clone();
        let Statement::Compute(s) = &mut claim.statement else {
            unreachable!()
        };
        s.threshold_flop = bad.into();
        assert!(
            matches!(
                verify_claim(&claim, &store()),
                Err(VerifyError::Spec(SpecError::BadValue { .. }))
            ),
            "{bad}"
        );
    }
    // A proof coordinate ≥ the base field modulus.
    let mut claim = f.claim.clone();
    claim.proof.replace_range(0..64, &"f".repeat(62));
    claim.proof.insert_str(0, "3f");
    assert!(verify_claim(&claim, &store()).is_err());
    // Upper-case hex is a second spelling of the same proof: rejected.
    let mut claim = f.claim.clone();
    claim.proof = claim.proof.to_uppercase();
    assert!(verify_claim(&claim, &store()).is_err());
}

fn off_subgroup_g2() -> G2Affine {
    let mut rng = StdRng::seed_from_u64(7);
    loop {
        let x = <G2Affine as AffineRepr>::BaseField::rand(&mut rng);
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
    }
}

#[test]
fn off_subgroup_points_are_rejected_in_proofs_and_keys() {
    let f = fixture();
    let mut proof = decode_proof(&f.claim.proof).unwrap();
    proof.b = off_subgroup_g2();
    let mut claim = f.claim.clone();
    claim.proof = encode_proof(&proof);
    let err = verify_claim(&claim, &store()).unwrap_err();
    assert!(matches!(err, VerifyError::BadPoint { .. }), "{err}");

    let mut file = f.keys.vk.file.clone();
    let mut vk = f.keys.vk.pvk.vk.clone();
    vk.delta_g2 = off_subgroup_g2();
    let mut bytes = Vec::new();
    vk.serialize_compressed(&mut bytes).unwrap();
    file.vk = hex::encode(bytes);
    let err = TrustedKey::from_json(&serde_json::to_string(&file).unwrap(), None).unwrap_err();
    assert!(matches!(err, VerifyError::BadPoint { .. }), "{err}");
}

#[test]
fn keys_are_checked_by_id_and_safety() {
    let f = fixture();
    // Unknown key.
    let mut claim = f.claim.clone();
    claim.key_id = "0".repeat(64);
    assert!(matches!(
        verify_claim(&claim, &store()),
        Err(VerifyError::UnknownKey { .. })
    ));
    // A key file filed under another ID.
    let other = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(store().vk_path(&f.keys.vk.id)).unwrap();
    std::fs::write(KeyStore::new(other.path()).vk_path(&"1".repeat(64)), &text).unwrap();
    assert!(matches!(
        KeyStore::new(other.path()).load(&"1".repeat(64)),
        Err(VerifyError::KeyIdMismatch { .. })
    ));
    // An uncontributed setup (delta = gamma, or delta = generator) is refused.
    for delta in [f.keys.vk.pvk.vk.gamma_g2, G2Affine::generator()] {
        let mut vk = f.keys.vk.pvk.vk.clone();
        vk.delta_g2 = delta;
        let mut file = f.keys.vk.file.clone();
        file.vk = zkgov_verifier::keys::vk_to_hex(&vk);
        file.key_id = zkgov_verifier::keys::key_id(&vk);
        let err = TrustedKey::from_json(&serde_json::to_string(&file).unwrap(), None).unwrap_err();
        assert!(matches!(err, VerifyError::UnsafeKey { .. }), "{err}");
    }
    // A corrupted proving key is caught by its pinned digest before use.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(f.dir.path()).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let pk = dir.path().join(format!("{}.pk", f.keys.vk.id));
    let mut bytes = std::fs::read(&pk).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 1;
    std::fs::write(&pk, bytes).unwrap();
    let err = keys::load(dir.path(), &f.keys.vk.id)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("does not match"), "{err}");
}

#[test]
fn a_false_claim_has_no_valid_proof() {
    let f = fixture();
    // The prover refuses outright ...
    let total = 256u128 * 172_841 * 989_400_000_000_000
        + 8 * 3600 * 312_000_000_000_000
        + 2 * 2366 * 989_400_000_000_000;
    assert!(ComputeJob::new(
        records(),
        &peaks(),
        total - 1,
        context(),
        &[9; 32],
        Some(16)
    )
    .is_err());
    assert!(ComputeJob::new(records(), &peaks(), total, context(), &[9; 32], Some(16)).is_ok());
    // ... and forcing the prover to run on the false statement yields a proof that fails.
    let mut rng = StdRng::seed_from_u64(3);
    let mut lie = f.job.clone();
    lie.inputs.threshold = total - 1;
    let proof = Groth16::<Bn254>::prove(&f.keys.pk, lie.circuit(), &mut rng).unwrap();
    let claim = Claim {
        statement: Statement::Compute(lie.inputs.to_statement()),
        key_id: f.keys.vk.id.clone(),
        proof: encode_proof(&proof),
        shards: None,
    };
    assert!(matches!(
        verify_claim(&claim, &store()),
        Err(VerifyError::InvalidProof)
    ));
}

#[test]
fn a_negative_record_is_stopped_by_the_seconds_range_check_alone() {
    // A ledger whose record 1 has "negative" seconds (p - 10^4) that cancel part of record 0,
    // committed as it is: the statement names the lying ledger's own root, the true record count
    // and a threshold the field total meets. Every check but the range check holds, so the claim
    // "at most `lie_total`" (the honest records alone need more) stands or falls with it.
    let f = fixture();
    let mut lie = f.job.circuit();
    lie.private.slots[1].seconds = -Fr::from(10_000u64);
    let leaves: Vec<Fr> = lie
        .private
        .slots
        .iter()
        .map(|w| w.class + w.devices * Fr::from(8u64) + w.seconds * Fr::from(1u64 << 27))
        .collect();
    let root = zkgov_spec::merkle::root(leaves, empty_leaf(), depth_for(16).unwrap());
    lie.public.inputs[idx::ROOT] = commitment(root, lie.private.salt);
    let peak = |w: &zkgov_circuits::ledger::SlotWitness| {
        if w.class == Fr::ONE {
            Fr::from(312_000_000_000_000u64)
        } else {
            Fr::from(989_400_000_000_000u64)
        }
    };
    let field_total: Fr = lie
        .private
        .slots
        .iter()
        .map(|w| w.devices * w.seconds * peak(w))
        .sum();
    let limbs = field_total.into_bigint().0;
    assert_eq!(limbs[2..], [0, 0], "the field total is a small integer");
    let lie_total = limbs[0] as u128 | (limbs[1] as u128) << 64;
    let honest_records_alone = 256u128 * 172_841 * 989_400_000_000_000;
    assert!(
        lie_total < honest_records_alone,
        "the lie claims less than record 0 alone"
    );
    lie.public.inputs[idx::THRESHOLD] = Fr::from(lie_total);
    // The circuit's first (and, by construction above, only) failing block.
    let cs = ConstraintSystem::<Fr>::new_ref();
    let mut labels = Labels::recording();
    lie.clone()
        .synthesize_labelled(cs.clone(), &mut labels)
        .unwrap();
    assert_eq!(
        labels.first_unsatisfied(&cs).unwrap().as_deref(),
        Some("record 1: seconds range")
    );
    // Through the real prover: the proof does not verify for the lying statement.
    let inputs = lie.public.inputs.clone();
    let mut rng = StdRng::seed_from_u64(4);
    let proof = Groth16::<Bn254>::prove(&f.keys.pk, lie, &mut rng).unwrap();
    assert!(matches!(
        verify_groth16(&f.keys.vk, &proof, &inputs),
        Err(VerifyError::InvalidProof)
    ));
}

#[test]
fn proofs_are_malleable_so_statements_identify_claims() {
    // A re-randomized proof is different bytes for the same claim: zkgov never keys on proof bytes.
    let f = fixture();
    let proof = decode_proof(&f.claim.proof).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let again = Groth16::<Bn254>::rerandomize_proof(&f.keys.vk.pvk.vk, &proof, &mut rng);
    assert_ne!(encode_proof(&again), f.claim.proof);
    let mut claim = f.claim.clone();
    claim.proof = encode_proof(&again);
    verify_claim(&claim, &store()).unwrap();
}

#[test]
fn same_records_different_salt_seed_give_different_roots() {
    let a = ComputeJob::new(
        records(),
        &peaks(),
        10u128.pow(25),
        context(),
        &[1; 32],
        Some(16),
    )
    .unwrap();
    let b = ComputeJob::new(
        records(),
        &peaks(),
        10u128.pow(25),
        context(),
        &[2; 32],
        Some(16),
    )
    .unwrap();
    assert_ne!(a.inputs.root, b.inputs.root);
}

#[test]
fn spot_check_openings_prove_exactly_the_committed_records() {
    let f = fixture();
    let mut rng = StdRng::seed_from_u64(8);
    let pair = keys::generate(Circuit::Opening, 16, &mut rng).unwrap();
    let ledger = &f.job.commitment;
    let committed = f.job.inputs.root;
    assert_eq!(ledger.commitment(), committed);
    for (i, r) in records().iter().enumerate() {
        let o = ledger.open(i as u64, &pair, &mut rng).unwrap();
        assert_eq!(o.record, *r);
        o.verify(&pair.vk, committed, 16).unwrap();
        // Another record, another index, another commitment or capacity: not shown.
        let mut lie = o.clone();
        lie.record.devices += 1;
        assert!(lie.verify(&pair.vk, committed, 16).is_err());
        let mut lie = o.clone();
        lie.index = (lie.index + 1) % 3;
        assert!(lie.verify(&pair.vk, committed, 16).is_err());
        assert!(o.verify(&pair.vk, committed + Fr::ONE, 16).is_err());
        let mut lie = o.clone();
        lie.index += 16;
        assert!(lie.verify(&pair.vk, committed, 16).is_err());
        assert!(matches!(
            o.verify(&pair.vk, committed, 32),
            Err(VerifyError::WrongCircuit { .. })
        ));
    }
    // A record past the count has no opening; the compute key is not an opening key.
    assert!(ledger.open(3, &pair, &mut rng).is_err());
    assert!(matches!(
        ledger.open(0, &f.keys, &mut rng),
        Err(zkgov_prover::ProveError::Verify(
            VerifyError::WrongCircuit { .. }
        ))
    ));
    // A record outside its ranges that packs to the committed record's leaf (class + 8 is
    // devices + 1; devices + 2^24 is seconds + 1): the opening proof is valid for that leaf, so
    // record validation is the only check that refuses it.
    for (index, lie, reason) in [
        (
            1,
            Record {
                class: 9,
                devices: 7,
                seconds: 3600,
            },
            "class 9 is not below 8",
        ),
        (
            0,
            Record {
                class: 0,
                devices: 256 + (1 << 24),
                seconds: 172_840,
            },
            "devices 16777472 is not between 1 and 2^24 - 1",
        ),
    ] {
        let mut o = ledger.open(index, &pair, &mut rng).unwrap();
        assert_eq!(lie.packed(), o.record.packed());
        o.record = lie;
        verify_groth16(&pair.vk, &o.proof, &opening_inputs(committed, index, &lie)).unwrap();
        let err = o.verify(&pair.vk, committed, 16).unwrap_err();
        assert!(
            matches!(err, VerifyError::Spec(SpecError::BadRecord { .. })),
            "{err}"
        );
        assert_eq!(err.to_string(), format!("not a ledger record: {reason}"));
    }
}
