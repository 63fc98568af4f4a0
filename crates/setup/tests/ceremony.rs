//! The multi-party setup: the initial key equals arkworks' own setup for the same secrets; a
//! three-contributor ceremony gives a key whose proofs stock ark-groth16 and the zkgov verifier
//! accept; snarkjs `.ptau` files import (checked against snarkjs' own decoding, Lagrange sections
//! included) and are used; a prepared phase 1's Lagrange basis gives the same initial key as the
//! group FFT, and a tampered basis or one for another domain is refused by the batched check; and
//! every kind of tampering is rejected with an error naming the step.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use ark_groth16::{r1cs_to_qap::LibsnarkReduction, Groth16};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::{
    gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError, Variable},
    lc,
};
use ark_serialize::CanonicalSerialize;
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
use zkgov_circuits::Circuit;
use zkgov_engine::prepared::PreparedCircuit;
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_prover::{keys, prove::ComputeJob};
use zkgov_setup::CeremonyError;
use zkgov_setup::{
    phase1::{from_secrets, Header as Phase1Header, Lagrange, Phase1, Source},
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
    let powers = from_secrets(4, tau, alpha, beta);
    let lag = powers.lagrange(domain.size()).unwrap();
    let ours = initial_key(&shape, &powers, &lag, &Silent).unwrap();
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

/// A native phase 1 of `2^13` powers with one contribution, prepared for the domain of the
/// compute claim at capacity 16 (2^12).
fn prepared_phase1(rng: &mut StdRng) -> Phase1 {
    let mut p1 = native_phase1(13, 1, rng);
    p1.prepare(&[12], &Silent).unwrap();
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
        shards: None,
    };
    verify_claim_with_key(&claim, &pair.vk).unwrap();
    let mut changed = inputs;
    changed[0] += Fr::from(1u64);
    assert!(!Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &changed, &proof).unwrap());
}

#[test]
fn three_state_ceremony_for_the_compute_claim() {
    let mut rng = StdRng::seed_from_u64(2);
    let p1 = prepared_phase1(&mut rng);
    let dir = tempfile::tempdir().unwrap();
    let p1_path = dir.path().join("phase1.zkp1");
    let p1_sha = p1.write(&p1_path).unwrap();
    let (read, sha_read) = Phase1::read(&p1_path).unwrap();
    assert_eq!(p1_sha, sha_read);
    assert_eq!(read.prepared, p1.prepared);
    let p1 = read;

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
            "checking the Lagrange basis of phase 1 (domain 2^12)",
            "deriving the initial key (circuit variables)"
        ]
    );
    let columns = c.pk.a_query.len() as u64;
    assert_eq!(stages[3].1, columns);
    assert_eq!(progress.done.load(Ordering::Relaxed), columns);
    // The prepared basis gives the key the group FFT over the powers gives (the derivation
    // before phase 1 was prepared).
    let shape = PreparedCircuit::new(
        Circuit::from_id(COMPUTE_CIRCUIT)
            .unwrap()
            .blank(16)
            .unwrap(),
    )
    .unwrap();
    let by_fft = p1.powers.lagrange(1 << 12).unwrap();
    assert_eq!(
        c.pk,
        initial_key(&shape, &p1.powers, &by_fft, &Silent).unwrap()
    );
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
    let lag = powers.lagrange(8).unwrap();
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
        pk: initial_key(&shape, &powers, &lag, &Silent).unwrap(),
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
    // Our group inverse FFT gives snarkjs' own Lagrange forms, point for point; the prepared
    // file carries them (sections 12 to 15) for every domain up to 2^6, each passing the
    // batched check.
    let lag = p1.powers.lagrange(8).unwrap();
    assert_eq!(g1s(&lag.g1), expected["lagrange_8_g1"]);
    assert_eq!(g1s(&lag.alpha_g1), expected["lagrange_8_alpha_g1"]);
    assert_eq!(g1s(&lag.beta_g1), expected["lagrange_8_beta_g1"]);
    let g2s: Vec<serde_json::Value> = lag.g2.iter().map(g2_json).collect();
    assert_eq!(serde_json::Value::Array(g2s), expected["lagrange_8_g2"]);
    assert_eq!(p1.check_prepared(&mut rng).unwrap(), [1, 2, 3, 4, 5, 6]);
    let imported = p1.lagrange(8, &mut rng).unwrap();
    assert_eq!(imported, &lag);
    for k in 1..=6 {
        assert_eq!(p1.prepared[k - 1], p1.powers.lagrange(1 << k).unwrap());
    }

    // Used: a key for a small circuit from this phase 1, one contribution, real proofs.
    let blank = Tiny {
        x: Fr::from(0u64),
        y: Fr::from(0u64),
    };
    let shape = PreparedCircuit::new(blank).unwrap();
    let pk = initial_key(&shape, &p1.powers, imported, &Silent).unwrap();
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

/// A copy of `p` with one point moved off its place (`+ g`).
fn moved<P: AffineRepr>(p: &mut P) {
    *p = (*p + P::generator()).into();
}

#[test]
fn a_tampered_or_misfit_lagrange_basis_is_refused_by_init_and_verify() {
    let mut rng = StdRng::seed_from_u64(6);
    let p1 = prepared_phase1(&mut rng);
    let dir = tempfile::tempdir().unwrap();
    let sha = p1.write(&dir.path().join("p1.zkp1")).unwrap();
    let mut honest = Ceremony::init(COMPUTE_CIRCUIT, 16, &p1, &sha, &mut rng, &Silent).unwrap();
    honest
        .contribute(&signer(1), "EU AI Office", Some("EU"), &mut rng)
        .unwrap();
    honest.verify(&p1, &sha, &mut rng, &Silent).unwrap();

    // Each tampered phase 1 goes through a file, then init and verify (of a ceremony claiming to
    // have started from it) refuse it at the batched check, naming the basis and the vector.
    let refused = |bad: &Phase1, what: &str, rng: &mut StdRng| {
        let path = dir.path().join("bad.zkp1");
        let bad_sha = bad.write(&path).unwrap();
        let (bad, _) = Phase1::read(&path).unwrap();
        bad.verify(rng).unwrap();
        let e = Ceremony::init(COMPUTE_CIRCUIT, 16, &bad, &bad_sha, rng, &Silent).unwrap_err();
        let (step, reason) = step_of(e);
        assert_eq!(step, "phase 1 Lagrange basis (domain 2^12)");
        assert!(
            reason.contains(&format!(
                "its points {what} do not match the powers of tau (batched check)"
            )),
            "{reason}"
        );
        let mut claimed = honest.clone();
        claimed.header.phase1_sha256 = bad_sha.clone();
        let (step, reason) = step_of(claimed.verify(&bad, &bad_sha, rng, &Silent).unwrap_err());
        assert_eq!(step, "phase 1 Lagrange basis (domain 2^12)");
        assert!(reason.contains(what), "{reason}");
    };
    let mut bad = p1.clone();
    moved(&mut bad.prepared[0].g1[5]);
    refused(&bad, "[L_j(τ)]₁", &mut rng);
    let mut bad = p1.clone();
    moved(&mut bad.prepared[0].alpha_g1[0]);
    refused(&bad, "[αL_j(τ)]₁", &mut rng);
    let mut bad = p1.clone();
    moved(&mut bad.prepared[0].beta_g1[4095]);
    refused(&bad, "[βL_j(τ)]₁", &mut rng);
    let mut bad = p1.clone();
    moved(&mut bad.prepared[0].g2[7]);
    refused(&bad, "[L_j(τ)]₂", &mut rng);

    // The basis of another domain: the one of 2^11, twice over, in the place of 2^12's.
    let mut small = p1.clone();
    small.prepared.clear();
    small.prepare(&[11], &Silent).unwrap();
    let mut bad = p1.clone();
    let half = &small.prepared[0];
    let twice = |v: &Vec<G1Affine>| [v.clone(), v.clone()].concat();
    bad.prepared[0] = Lagrange {
        g1: twice(&half.g1),
        g2: [half.g2.clone(), half.g2.clone()].concat(),
        alpha_g1: twice(&half.alpha_g1),
        beta_g1: twice(&half.beta_g1),
    };
    refused(&bad, "[L_j(τ)]₁", &mut rng);
    // Prepared for 2^11 only: init says which domain to prepare, and how.
    let small_sha = small.write(&dir.path().join("small.zkp1")).unwrap();
    let (step, reason) = step_of(
        Ceremony::init(COMPUTE_CIRCUIT, 16, &small, &small_sha, &mut rng, &Silent).unwrap_err(),
    );
    assert_eq!(step, "phase 1");
    assert!(
        reason.contains("no Lagrange basis for the domain 2^12")
            && reason.contains("--domain-power 12"),
        "{reason}"
    );
    // Vectors of different lengths: refused when the file is read, and by the check itself.
    let mut bad = p1.clone();
    bad.prepared[0].g2.pop();
    let (step, reason) = step_of(bad.lagrange(1 << 12, &mut rng).unwrap_err());
    assert_eq!(step, "phase 1 Lagrange basis (domain 2^12)");
    assert!(
        reason.contains("its vectors hold [4096, 4095, 4096, 4096] points"),
        "{reason}"
    );
    let path = dir.path().join("short.zkp1");
    bad.write(&path).unwrap();
    let e = Phase1::read(&path).unwrap_err().to_string();
    assert!(e.contains("Lagrange basis 1: its vectors hold"), "{e}");

    // A version-1 file (the powers only) reads as an unprepared phase 1; another version is
    // refused.
    let v1 = |version: u32| {
        let header = Phase1Header {
            version,
            ..p1.header.clone()
        };
        let json = serde_json::to_vec(&header).unwrap();
        let mut bytes = zkgov_setup::phase1::MAGIC.to_vec();
        bytes.extend((json.len() as u64).to_le_bytes());
        bytes.extend(json);
        p1.powers.serialize_compressed(&mut bytes).unwrap();
        let path = dir.path().join(format!("v{version}.zkp1"));
        std::fs::write(&path, bytes).unwrap();
        Phase1::read(&path)
    };
    let (old, old_sha) = v1(1).unwrap();
    assert!(old.prepared.is_empty());
    old.verify(&mut rng).unwrap();
    let (_, reason) = step_of(
        Ceremony::init(COMPUTE_CIRCUIT, 16, &old, &old_sha, &mut rng, &Silent).unwrap_err(),
    );
    assert!(reason.contains("phase1-prepare"), "{reason}");
    let e = v1(3).unwrap_err().to_string();
    assert!(
        e.contains("zkgov-phase1 v3") && e.contains("zkgov-phase1 v2"),
        "{e}"
    );
}

/// The sections of an iden3 binary file, in order.
fn sections(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut at = 12usize;
    let mut out = vec![];
    while at < bytes.len() {
        let kind = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let size = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize;
        out.push((kind, bytes[at + 12..at + 12 + size].to_vec()));
        at += 12 + size;
    }
    out
}

fn unsections(sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut b = b"ptau".to_vec();
    b.extend(1u32.to_le_bytes());
    b.extend((sections.len() as u32).to_le_bytes());
    for (kind, data) in sections {
        b.extend(kind.to_le_bytes());
        b.extend((data.len() as u64).to_le_bytes());
        b.extend(data);
    }
    b
}

#[test]
fn tampered_ptau_lagrange_sections_are_refused() {
    let bytes = std::fs::read(data("snarkjs-pot6.ptau")).unwrap();
    let original = sections(&bytes);
    assert_eq!(unsections(&original), bytes);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.ptau");
    let read = |s: &[(u32, Vec<u8>)]| {
        std::fs::write(&path, unsections(s)).unwrap();
        ptau::read(&path, None)
    };
    let mut rng = StdRng::seed_from_u64(8);
    // Two valid points of the level 2^3 of section 12 swapped: each point is fine, the basis
    // is not.
    let mut s = original.clone();
    let sec12 = &mut s.iter_mut().find(|(k, _)| *k == 12).unwrap().1;
    let (a, b) = (64 * (7 + 2), 64 * (7 + 5));
    let pa = sec12[a..a + 64].to_vec();
    let pb = sec12[b..b + 64].to_vec();
    sec12[a..a + 64].copy_from_slice(&pb);
    sec12[b..b + 64].copy_from_slice(&pa);
    let (p1, _) = read(&s).unwrap();
    p1.verify(&mut rng).unwrap();
    p1.lagrange(4, &mut rng).unwrap();
    let (step, reason) = step_of(p1.lagrange(8, &mut rng).unwrap_err());
    assert_eq!(step, "phase 1 Lagrange basis (domain 2^3)");
    assert!(reason.contains("[L_j(τ)]₁"), "{reason}");
    // A G2 point on the curve but outside the prime-order subgroup, in the level 2^3 of section
    // 13: the levels are read checked on the curve only; the level used is checked for the
    // subgroup before the batched check.
    let outside = (1u64..)
        .filter_map(|i| {
            G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(i), Fq::from(0u64)), true)
        })
        .find(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        .unwrap();
    let mut encoded = vec![];
    for c in [outside.x.c0, outside.x.c1, outside.y.c0, outside.y.c1] {
        encoded.extend(c.0.to_bytes_le());
    }
    let mut s = original.clone();
    let sec13 = &mut s.iter_mut().find(|(k, _)| *k == 13).unwrap().1;
    sec13[128 * (7 + 4)..128 * (7 + 5)].copy_from_slice(&encoded);
    let (p1, _) = read(&s).unwrap();
    p1.lagrange(4, &mut rng).unwrap();
    let (step, reason) = step_of(p1.lagrange(8, &mut rng).unwrap_err());
    assert_eq!(step, "phase 1 Lagrange basis (domain 2^3)");
    assert!(
        reason.contains("its point [L_4(τ)]₂ is not in the prime-order subgroup"),
        "{reason}"
    );
    // A section one point short; a section missing.
    let mut s = original.clone();
    s.iter_mut()
        .find(|(k, _)| *k == 13)
        .unwrap()
        .1
        .truncate(128 * 126);
    let e = read(&s).unwrap_err().to_string();
    assert!(
        e.contains("Lagrange section 13 holds 16128 bytes; 127 points of 128 bytes expected"),
        "{e}"
    );
    let mut s = original.clone();
    s.retain(|(k, _)| *k != 15);
    let e = read(&s).unwrap_err().to_string();
    assert!(
        e.contains("some of the Lagrange sections 12 to 15 but not all"),
        "{e}"
    );
    // Unprepared (no sections 12 to 15): read, and init's check says how to prepare it.
    let mut s = original.clone();
    s.retain(|(k, _)| !(12..=15).contains(k));
    let (p1, _) = read(&s).unwrap();
    assert!(p1.prepared.is_empty());
    let (step, reason) = step_of(p1.lagrange(8, &mut rng).unwrap_err());
    assert_eq!(step, "phase 1");
    assert!(
        reason.contains("snarkjs powersoftau prepare phase2"),
        "{reason}"
    );
}
