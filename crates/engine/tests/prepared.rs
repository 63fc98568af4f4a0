//! Proofs from zkgov's prover (prepared matrices, batch-affine MSM) are standard Groth16 proofs: stock ark-groth16 and the
//! zkgov verifier accept them, and they fail for a changed input like any other proof.

use ark_bn254::{Bn254, Fr};
use ark_ff::Field;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_snark::SNARK;
use rand::{rngs::StdRng, Rng, SeedableRng};
use zkgov_circuits::Circuit;
use zkgov_circuits::{eval::EvalCircuit, ledger::ComputeCircuit, opening::OpeningCircuit};
use zkgov_engine::{prepared::PreparedCircuit, EngineError};
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_prover::{commit::LedgerCommitment, keys, prove::ComputeJob};
use zkgov_spec::{
    bundle::{Claim, Statement},
    ledger::Record,
    statement::Context,
};
use zkgov_verifier::groth16::{encode_proof, verify_claim_with_key};

fn random_records(rng: &mut StdRng, n: usize) -> Vec<Record> {
    (0..n)
        .map(|_| Record {
            class: 0,
            devices: rng.gen_range(1..1 << 20),
            seconds: rng.gen_range(1..1 << 24),
        })
        .collect()
}

/// The assignment the prover computes (synthesis without constraints, where the Poseidon gadget
/// skips the constant terms and padding subtrees are hashed natively) equals the one a full
/// constraint system records, variable for variable.
fn assert_value_only_matches<C: ConstraintSynthesizer<Fr> + Clone>(blank: C, circuit: C) {
    let fast = PreparedCircuit::new(blank)
        .unwrap()
        .assignment(circuit.clone())
        .unwrap();
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    let mut full = cs.instance_assignment().unwrap();
    full.extend(cs.witness_assignment().unwrap());
    assert_eq!(fast.len(), full.len());
    assert!(
        fast == full,
        "value-only synthesis assigned different values"
    );
}

#[test]
fn value_only_synthesis_matches_the_constraint_system() {
    let mut rng = StdRng::seed_from_u64(5);
    let peaks = PeakTable::from_args(&["H100=989.4e12".into()]).unwrap();
    // Capacity 32 pads the tree to 256 leaves, so whole subtrees are constant.
    for n in [1usize, 5, 32] {
        let context = Context {
            policy_id: "t".into(),
            epoch: 1,
            nonce: None,
        };
        let records = random_records(&mut rng, n);
        let job = ComputeJob::new(
            records.clone(),
            &peaks,
            10u128.pow(30),
            context,
            &[7; 32],
            Some(32),
        )
        .unwrap();
        assert_value_only_matches(ComputeCircuit::blank(32), job.circuit());
        let committed = LedgerCommitment::new(records, &[7; 32], 32).unwrap();
        assert_value_only_matches(
            OpeningCircuit::blank(2),
            committed.opening_circuit(n as u64 - 1).unwrap(),
        );
    }
    assert_value_only_matches(EvalCircuit::blank(32), EvalCircuit::blank(32));
}

#[test]
fn prepared_prover_makes_standard_proofs() {
    let mut rng = StdRng::seed_from_u64(4);
    let pair = keys::generate(Circuit::Compute, 16, &mut rng).unwrap();
    let prepared = PreparedCircuit::new(ComputeCircuit::blank(16)).unwrap();
    let peaks = PeakTable::from_args(&["H100=989.4e12".into()]).unwrap();
    for n in [1usize, 7, 16] {
        // Random records: random witnesses, so random scalars in every MSM.
        let records = random_records(&mut rng, n);
        let context = Context {
            policy_id: "t".into(),
            epoch: n as u64,
            nonce: None,
        };
        let job = ComputeJob::new(
            records,
            &peaks,
            10u128.pow(30),
            context,
            &[n as u8; 32],
            Some(16),
        )
        .unwrap();
        let proof = prepared.prove(&pair.pk, job.circuit(), &mut rng).unwrap();
        let inputs = job.inputs.public_inputs();
        assert!(
            Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &inputs, &proof).unwrap(),
            "stock verify, {n} records"
        );
        let claim = Claim {
            statement: Statement::Compute(job.inputs.to_statement()),
            key_id: pair.vk.id.clone(),
            proof: encode_proof(&proof),
            shards: None,
        };
        verify_claim_with_key(&claim, &pair.vk).unwrap();
        let mut changed = inputs.clone();
        changed[0] += Fr::ONE;
        assert!(!Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &changed, &proof).unwrap());
    }
    // A witness of another shape is refused, and so is a proving key of another shape.
    let err = prepared
        .prove(&pair.pk, ComputeCircuit::blank(32), &mut rng)
        .unwrap_err();
    assert!(
        matches!(err, EngineError::WrongShape("the witness")),
        "{err}"
    );
    let other = PreparedCircuit::new(ComputeCircuit::blank(32)).unwrap();
    let err = other
        .prove(&pair.pk, ComputeCircuit::blank(32), &mut rng)
        .unwrap_err();
    assert!(
        matches!(err, EngineError::WrongShape("the proving key")),
        "{err}"
    );
}
