//! The multi-party setup: the initial key equals arkworks' own setup for the same secrets; a
//! three-contributor ceremony gives a key whose proofs stock ark-groth16 and the zkgov verifier
//! accept; snarkjs `.ptau` files import (checked against snarkjs' own decoding) and are used; and
//! every kind of tampering is rejected with an error naming the step.

use ark_bn254::{Bn254, Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use ark_groth16::{r1cs_to_qap::LibsnarkReduction, Groth16};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::{
    gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError, Variable},
    lc,
};
use ark_snark::SNARK;
use ed25519_dalek::SigningKey;
use rand::{rngs::StdRng, SeedableRng};
use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
};
use zkgov_engine::prepared::PreparedCircuit;
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_prover::{keys, prove::ComputeJob};
use zkgov_setup::CeremonyError;
use zkgov_setup::{
    phase1::{from_secrets, Phase1, Source},
    phase2::{initial_key, Ceremony, Header, FORMAT, VERSION},
    ptau, Progress, Silent,
};
use zkgov_spec::{
    bundle::{Claim, Statement},
    ledger::Record,
    statement::{Context, COMPUTE_CIRCUIT},
};
use zkgov_verifier::{
    groth16::{encode_proof, verify_claim_with_key},
    keys::SetupKind,
};

/// `z = x·y + x` and `w = y·y`, with `z`, `w` public.
#[derive(Clone)]
struct Tiny {
    x: Fr,
    y: Fr,
}

impl ConstraintSynthesizer<Fr> for Tiny {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let z = cs.new_input_variable(|| Ok(self.x * self.y + self.x))?;
        let w = cs.new_input_variable(|| Ok(self.y * self.y))?;
        let x = cs.new_witness_variable(|| Ok(self.x))?;
        let y = cs.new_witness_variable(|| Ok(self.y))?;
        let t = cs.new_witness_variable(|| Ok(self.x * self.y))?;
        cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + y, || lc!() + t)?;
        cs.enforce_r1cs_constraint(|| lc!() + t + x, || lc!() + Variable::One, || lc!() + z)?;
        cs.enforce_r1cs_constraint(|| lc!() + y, || lc!() + y, || lc!() + w)?;
        Ok(())
    }
}

fn tiny_inputs(t: &Tiny) -> Vec<Fr> {
    vec![t.x * t.y + t.x, t.y * t.y]
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn signer(i: u8) -> SigningKey {
    SigningKey::from_bytes(&[i; 32])
}

fn step_of(e: CeremonyError) -> (String, String) {
    match e {
        CeremonyError::Step { step, reason } => (step, reason),
        other => panic!("expected a ceremony error, got {other}"),
    }
}

/// A [`Progress`] that records the stages and counts the units done.
#[derive(Default)]
struct Recorder {
    stages: Mutex<Vec<(String, u64)>>,
    done: AtomicU64,
}

impl Progress for Recorder {
    fn stage(&self, what: &str, units: u64) {
        self.stages.lock().unwrap().push((what.to_string(), units));
    }
    fn advance(&self, units: u64) {
        self.done.fetch_add(units, Ordering::Relaxed);
    }
}

#[test]
fn initial_key_is_arkworks_setup_with_gamma_and_delta_one() {
    let blank = Tiny {
        x: Fr::from(0u64),
        y: Fr::from(0u64),
    };
    let shape = PreparedCircuit::new(blank.clone()).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let (alpha, beta) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    // arkworks samples tau as the first thing it draws from its rng: replay it.
    let seed = [5u8; 32];
    let domain =
        GeneralEvaluationDomain::<Fr>::new(shape.num_constraints() + shape.num_inputs()).unwrap();
    let tau = domain.sample_element_outside_domain(&mut StdRng::from_seed(seed));
    let ours = initial_key(&shape, &from_secrets(4, tau, alpha, beta), &Silent).unwrap();
    let theirs = Groth16::<Bn254, LibsnarkReduction>::generate_parameters_with_qap(
        blank,
        alpha,
        beta,
        Fr::from(1u64),
        Fr::from(1u64),
        G1Projective::generator(),
        G2Projective::generator(),
        &mut StdRng::from_seed(seed),
    )
    .unwrap();
    assert_eq!(ours, theirs);
}

fn native_phase1(power: u32, contributors: u8, rng: &mut StdRng) -> Phase1 {
    let mut p1 = Phase1::new(power).unwrap();
    for i in 0..contributors {
        p1.contribute(&signer(100 + i), &format!("phase1-{i}"), None, rng)
            .unwrap();
    }
    p1
}

#[test]
fn phase1_contributions_verify_and_tampering_is_named() {
    let mut rng = StdRng::seed_from_u64(1);
    let fresh = Phase1::new(5).unwrap();
    let (step, reason) = step_of(fresh.verify(&mut rng).unwrap_err());
    assert_eq!(step, "phase 1");
    assert!(reason.contains("no contribution"), "{reason}");

    let p1 = native_phase1(5, 2, &mut rng);
    p1.verify(&mut rng).unwrap();

    // One point changed: the powers are no longer consistent.
    let mut bad = p1.clone();
    bad.powers.tau_g1[9] = (bad.powers.tau_g1[9] + G1Affine::generator()).into_affine();
    let (step, reason) = step_of(bad.verify(&mut rng).unwrap_err());
    assert_eq!(step, "phase 1 powers");
    assert!(
        reason.contains("G1 tau powers are not consistent"),
        "{reason}"
    );
    let mut bad = p1.clone();
    bad.powers.beta_g2 = (bad.powers.beta_g2 + G2Projective::generator()).into_affine();
    assert!(step_of(bad.verify(&mut rng).unwrap_err())
        .1
        .contains("beta in G2"));

    // A skipped step: the second contribution's proofs were made on the first's transcript.
    let mut skipped = p1.clone();
    skipped.header.contributions.remove(0);
    let (step, reason) = step_of(skipped.verify(&mut rng).unwrap_err());
    assert!(step.contains("contribution 1 (phase1-1)"), "{step}");
    assert!(reason.contains("numbered 2"), "{reason}");
    skipped.header.contributions[0].index = 1;
    let (_, reason) = step_of(skipped.verify(&mut rng).unwrap_err());
    assert!(
        reason.contains("proof of knowledge does not verify"),
        "{reason}"
    );

    // An edited name breaks the hash the contributor signed.
    let mut renamed = p1.clone();
    renamed.header.contributions[1].contributor.name = "someone else".into();
    let (_, reason) = step_of(renamed.verify(&mut rng).unwrap_err());
    assert!(reason.contains("recorded hash does not match"), "{reason}");
}

/// A compute-claim proof at capacity 16 with `pair`, checked by stock ark-groth16 and zkgov.
fn prove_compute(pair: &keys::KeyPair, rng: &mut StdRng) {
    let records: Vec<Record> = (0..5u64)
        .map(|i| Record {
            class: 0,
            devices: 8,
            seconds: 3600 + i,
        })
        .collect();
    let peaks = PeakTable::from_args(&["H100=989.4e12".into()]).unwrap();
    let context = Context {
        policy_id: "ceremony-test".into(),
        epoch: 2026,
        nonce: None,
    };
    let job =
        ComputeJob::new(records, &peaks, 10u128.pow(25), context, &[3; 32], Some(16)).unwrap();
    let proof = pair.prove(job.circuit(), rng).unwrap();
    let inputs = job.inputs.public_inputs();
    assert!(Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &inputs, &proof).unwrap());
    let claim = Claim {
        statement: Statement::Compute(job.inputs.to_statement()),
        key_id: pair.vk.id.clone(),
        proof: encode_proof(&proof),
    };
    verify_claim_with_key(&claim, &pair.vk).unwrap();
    let mut changed = inputs;
    changed[0] += Fr::from(1u64);
    assert!(!Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &changed, &proof).unwrap());
}

#[test]
fn three_state_ceremony_for_the_compute_claim() {
    let mut rng = StdRng::seed_from_u64(2);
    let p1 = native_phase1(13, 1, &mut rng);
    let dir = tempfile::tempdir().unwrap();
    let p1_path = dir.path().join("phase1.zkp1");
    let p1_sha = p1.write(&p1_path).unwrap();
    let (p1, sha_read) = Phase1::read(&p1_path).unwrap();
    assert_eq!(p1_sha, sha_read);

    // Issue 16: the ceremony showed no progress. It reports each stage, and the initial key's
    // columns one by one.
    let progress = Recorder::default();
    let mut c = Ceremony::init(COMPUTE_CIRCUIT, 16, &p1, &p1_sha, &mut rng, &progress).unwrap();
    let stages = progress.stages.lock().unwrap().clone();
    let names: Vec<&str> = stages.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "checking phase 1",
            "synthesizing the circuit",
            "deriving the initial key (circuit variables)"
        ]
    );
    let columns = c.pk.a_query.len() as u64;
    assert_eq!(stages[2].1, columns);
    assert_eq!(progress.done.load(Ordering::Relaxed), columns);
    let initial = c.pk.clone();
    let (step, reason) = step_of(c.finalize(&p1, &p1_sha, &mut rng, &Silent).unwrap_err());
    assert_eq!(step, "finalize");
    assert!(reason.contains("no contribution"), "{reason}");

    let states = [("EU AI Office", "EU"), ("UK AISI", "UK"), ("CAISI", "US")];
    for (i, (name, j)) in states.iter().enumerate() {
        c.contribute(&signer(i as u8 + 1), name, Some(j), &mut rng)
            .unwrap();
        // Each contributor passes the file on; the next one reads it back.
        let path = dir.path().join(format!("c{i}.zkc"));
        c.write(&path).unwrap();
        c = Ceremony::read(&path).unwrap();
    }
    let (pk, report) = c.finalize(&p1, &p1_sha, &mut rng, &Silent).unwrap();
    let names: Vec<String> = report
        .ceremony
        .contributors
        .iter()
        .map(|c| c.describe())
        .collect();
    assert_eq!(names.len(), 3);
    for (i, (name, j)) in states.iter().enumerate() {
        let key = hex::encode(signer(i as u8 + 1).verifying_key().to_bytes());
        assert!(names[i].starts_with(&format!("{name} ({j}), key {}", &key[..12])));
    }
    assert_eq!(report.ceremony.key_id, zkgov_verifier::keys::key_id(&pk.vk));
    assert_eq!(report.ceremony.phase1_sha256, p1_sha);
    assert_eq!(
        report.ceremony.phase1_contributors.as_ref().map(Vec::len),
        Some(1)
    );
    let pair = keys::key_pair(pk, COMPUTE_CIRCUIT, 16, SetupKind::Ceremony).unwrap();
    let keys_dir = dir.path().join("keys");
    let id = keys::write(&keys_dir, &pair).unwrap();
    let pair = keys::load(&keys_dir, &id).unwrap();
    assert_eq!(pair.vk.setup, SetupKind::Ceremony);
    prove_compute(&pair, &mut rng);

    // A point of the L query changed after the last contribution.
    let mut bad = c.clone();
    bad.pk.l_query[3] = (bad.pk.l_query[3] + G1Affine::generator()).into_affine();
    let (step, reason) = step_of(bad.check_against(&initial, &mut rng).unwrap_err());
    assert_eq!(step, "current key");
    assert!(
        reason.contains("L query is not the initial one"),
        "{reason}"
    );
    // ... of the H query; of the A query (fixed by the circuit).
    let mut bad = c.clone();
    bad.pk.h_query[0] = (bad.pk.h_query[0] + G1Affine::generator()).into_affine();
    assert!(step_of(bad.check_against(&initial, &mut rng).unwrap_err())
        .1
        .contains("H query"));
    let mut bad = c.clone();
    bad.pk.a_query[20] = (bad.pk.a_query[20] + G1Affine::generator()).into_affine();
    assert!(step_of(bad.check_against(&initial, &mut rng).unwrap_err())
        .1
        .contains("A query differs"));
    // A zkgov phase-1 file that claims to be a .ptau import (to skip the contribution checks).
    let mut claimed = p1.clone();
    claimed.header.source = Source::SnarkjsPtau {
        sha256: "0".repeat(64),
        file_power: 13,
    };
    claimed.header.contributions.clear();
    let claimed_path = dir.path().join("claimed.zkp1");
    claimed.write(&claimed_path).unwrap();
    let e = Phase1::read(&claimed_path).unwrap_err().to_string();
    assert!(e.contains("must be a native one"), "{e}");

    // Started from another phase 1; an initial key that is not the circuit's.
    let other = native_phase1(5, 1, &mut rng);
    let other_sha = other.write(&dir.path().join("other.zkp1")).unwrap();
    let (step, reason) = step_of(c.verify(&other, &other_sha, &mut rng, &Silent).unwrap_err());
    assert_eq!(step, "initial key");
    assert!(reason.contains("not from this one"), "{reason}");
    let mut bad = c.clone();
    bad.header.initial_key_sha256 = "0".repeat(64);
    let (step, reason) = step_of(bad.verify(&p1, &p1_sha, &mut rng, &Silent).unwrap_err());
    assert_eq!(step, "initial key");
    assert!(
        reason.contains("at capacity 16 derived from this phase 1"),
        "{reason}"
    );

    // Tampered transcripts, caught by the chain check every contributor runs first.
    let mut skipped = c.clone();
    skipped.header.contributions.remove(1);
    let (step, reason) = step_of(skipped.verify_chain().unwrap_err());
    assert_eq!(step, "contribution 2 (CAISI, US)");
    assert!(reason.contains("numbered 3"), "{reason}");
    skipped.header.contributions[1].index = 2;
    let (step, reason) = step_of(skipped.verify_chain().unwrap_err());
    assert_eq!(step, "contribution 2 (CAISI, US)");
    assert!(
        reason.contains("proof of knowledge does not verify"),
        "{reason}"
    );

    let mut forged = c.clone();
    forged.header.contributions[2].signature = forged.header.contributions[1].signature.clone();
    let (step, reason) = step_of(forged.verify_chain().unwrap_err());
    assert_eq!(step, "contribution 3 (CAISI, US)");
    assert!(reason.contains("signature does not match"), "{reason}");

    let mut moved = c.clone();
    moved.pk.delta_g1 = G1Affine::generator();
    let (step, _) = step_of(moved.verify_chain().unwrap_err());
    assert_eq!(step, "current key");
}

#[test]
fn pok_from_another_transcript_is_rejected() {
    let mut rng = StdRng::seed_from_u64(3);
    // The chain check needs no circuit: a tiny one's initial key will do.
    let shape = PreparedCircuit::new(Tiny {
        x: Fr::from(0u64),
        y: Fr::from(0u64),
    })
    .unwrap();
    let powers = from_secrets(4, Fr::from(7u64), Fr::from(8u64), Fr::from(9u64));
    let start = |sha: &str| Ceremony {
        header: Header {
            format: FORMAT.into(),
            version: VERSION,
            circuit: "tiny".into(),
            capacity: 0,
            phase1_sha256: sha.into(),
            initial_key_sha256: "-".into(),
            contributions: vec![],
        },
        pk: initial_key(&shape, &powers, &Silent).unwrap(),
    };
    // Two ceremonies that differ from their start on.
    let (mut a, mut b) = (start("a"), start("b"));
    a.contribute(&signer(1), "Alice", None, &mut rng).unwrap();
    b.contribute(&signer(2), "Bob", None, &mut rng).unwrap();
    // Bob's contribution, proven for ceremony b, spliced into ceremony a.
    a.header.contributions[0] = b.header.contributions[0].clone();
    a.pk = b.pk.clone();
    let (step, reason) = step_of(a.verify_chain().unwrap_err());
    assert_eq!(step, "contribution 1 (Bob)");
    assert!(
        reason.contains("proof of knowledge does not verify"),
        "{reason}"
    );
}

/// A point as in the expected file: G1 `[x, y]`, G2 `[[x.c0, x.c1], [y.c0, y.c1]]`, decimal.
fn g1_json(p: &G1Affine) -> serde_json::Value {
    serde_json::json!([p.x.to_string(), p.y.to_string()])
}

fn g2_json(p: &G2Affine) -> serde_json::Value {
    serde_json::json!([
        [p.x.c0.to_string(), p.x.c1.to_string()],
        [p.y.c0.to_string(), p.y.c1.to_string()]
    ])
}

#[test]
fn snarkjs_ptau_imports_as_snarkjs_decodes_it_and_is_used() {
    let mut rng = StdRng::seed_from_u64(4);
    let (p1, sha) = Phase1::read(&data("snarkjs-pot6.ptau")).unwrap();
    assert!(matches!(
        p1.header.source,
        Source::SnarkjsPtau { file_power: 6, .. }
    ));
    assert_eq!(sha.len(), 64);
    p1.verify(&mut rng).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("snarkjs-pot6.expected.json")).unwrap())
            .unwrap();
    let g1s = |v: &[G1Affine]| serde_json::Value::Array(v.iter().map(g1_json).collect());
    assert_eq!(g1s(&p1.powers.tau_g1[..3]), expected["tau_g1"]);
    assert_eq!(expected["tau_g1"][0], serde_json::json!(["1", "2"]));
    assert_eq!(g2_json(&p1.powers.beta_g2), expected["beta_g2"]);
    // Our group inverse FFT gives snarkjs' own Lagrange forms, point for point.
    let lag = p1.powers.lagrange(8).unwrap();
    assert_eq!(g1s(&lag.g1), expected["lagrange_8_g1"]);
    assert_eq!(g1s(&lag.alpha_g1), expected["lagrange_8_alpha_g1"]);
    assert_eq!(g1s(&lag.beta_g1), expected["lagrange_8_beta_g1"]);
    let g2s: Vec<serde_json::Value> = lag.g2.iter().map(g2_json).collect();
    assert_eq!(serde_json::Value::Array(g2s), expected["lagrange_8_g2"]);

    // Used: a key for a small circuit from this phase 1, one contribution, real proofs.
    let blank = Tiny {
        x: Fr::from(0u64),
        y: Fr::from(0u64),
    };
    let shape = PreparedCircuit::new(blank).unwrap();
    let pk = initial_key(&shape, &p1.powers, &Silent).unwrap();
    let mut c = Ceremony {
        header: Header {
            format: FORMAT.into(),
            version: VERSION,
            circuit: "tiny".into(),
            capacity: 0,
            phase1_sha256: sha,
            initial_key_sha256: "-".into(),
            contributions: vec![],
        },
        pk,
    };
    c.contribute(&signer(9), "solo", None, &mut rng).unwrap();
    let witness = Tiny {
        x: Fr::from(3u64),
        y: Fr::from(5u64),
    };
    let proof = Groth16::<Bn254>::prove(&c.pk, witness.clone(), &mut rng).unwrap();
    assert!(Groth16::<Bn254>::verify(&c.pk.vk, &tiny_inputs(&witness), &proof).unwrap());
    assert!(
        !Groth16::<Bn254>::verify(&c.pk.vk, &[Fr::from(1u64), Fr::from(25u64)], &proof).unwrap()
    );
}

#[test]
fn tampered_ptau_files_are_rejected_naming_the_place() {
    let bytes = std::fs::read(data("snarkjs-pot6.ptau")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.ptau");
    let read = |b: &[u8]| {
        std::fs::write(&path, b).unwrap();
        ptau::read(&path, None).map(|_| ()).unwrap_err().to_string()
    };
    // Section 2 (tau G1) starts after the header section: find it by walking the sections.
    let mut at = 12usize;
    let mut tau_start = 0;
    while at < bytes.len() {
        let kind = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let size = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize;
        if kind == 2 {
            tau_start = at + 12;
        }
        at += 12 + size;
    }
    // A coordinate byte flipped: off the curve.
    let mut b = bytes.clone();
    b[tau_start + 64 * 3 + 5] ^= 1;
    let e = read(&b);
    assert!(e.contains("section 2, G1 point 3: not on the curve"), "{e}");
    // x replaced by x + q: it still fits in 32 bytes and is the same coordinate modulo q, so the
    // point it stands for is the same on-curve point; only the canonical-coordinate check stops
    // this second spelling of the file.
    let mut b = bytes.clone();
    let x = tau_start + 64 * 2;
    let q = Fq::MODULUS.to_bytes_le();
    let mut carry = 0u16;
    for (byte, qb) in b[x..x + 32].iter_mut().zip(&q) {
        let sum = *byte as u16 + *qb as u16 + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "x + q overflowed 32 bytes");
    let e = read(&b);
    assert!(
        e.contains("section 2, G1 point 2: a coordinate is not canonical (at or above the prime)"),
        "{e}"
    );
    // Truncated; wrong magic; a valid point swapped in (consistency check).
    assert!(read(&bytes[..bytes.len() - 10]).contains("past the end"));
    let mut b = bytes.clone();
    b[0] = b'x';
    assert!(read(&b).contains("magic"));
    let mut b = bytes.clone();
    let (p3, p4) = (tau_start + 64 * 3, tau_start + 64 * 4);
    let point4 = b[p4..p4 + 64].to_vec();
    b[p3..p3 + 64].copy_from_slice(&point4);
    std::fs::write(&path, &b).unwrap();
    let (p1, _) = ptau::read(&path, None).unwrap();
    let (step, reason) = step_of(p1.verify(&mut StdRng::seed_from_u64(5)).unwrap_err());
    assert_eq!(step, "phase 1 powers");
    assert!(reason.contains("not consistent"), "{reason}");
}
