//! The proving key file (format 2): raw points and stored constraint matrices, pinned by the
//! BLAKE3 digest in the verifying key file. What loading gives back proves exactly as the key it
//! was written from, and every way of tampering with the file is refused by the digest check,
//! with no allocation driven by the file's own counts.

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::{rngs::StdRng, SeedableRng};
use std::path::{Path, PathBuf};
use zkgov_circuits::Circuit;
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_prover::{
    keys::{self, KeyPair, PK_MAGIC},
    prove::ComputeJob,
};
use zkgov_spec::{ledger::Record, statement::Context};

fn written(dir: &Path, seed: u64) -> (KeyPair, PathBuf) {
    let pair = keys::generate(Circuit::Compute, 16, &mut StdRng::seed_from_u64(seed)).unwrap();
    let id = keys::write(dir, &pair).unwrap();
    (pair, dir.join(format!("{id}.pk")))
}

fn load_error(dir: &Path, id: &str) -> String {
    match keys::load(dir, id) {
        Ok(_) => panic!("a tampered key file was loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_loaded_key_is_the_written_key_and_its_proofs_verify_with_stock_groth16() {
    let dir = tempfile::tempdir().unwrap();
    let (pair, _) = written(dir.path(), 1);
    let back = keys::load(dir.path(), &pair.vk.id).unwrap();
    assert!(
        back.pk == pair.pk,
        "the proving key changed on its way through the file"
    );
    assert_eq!(back.prepared().matrices(), pair.prepared().matrices());
    assert_eq!(back.prepared().num_inputs(), pair.prepared().num_inputs());
    // The stored matrices are the ones the circuit synthesizes.
    let fresh = keys::prepared_for(Circuit::Compute, 16).unwrap();
    assert_eq!(back.prepared().matrices(), fresh.matrices());
    // A proof with the loaded key verifies with stock arkworks.
    let records = (1..=5)
        .map(|i| Record {
            class: 0,
            devices: 8 * i,
            seconds: 3600 * u64::from(i),
        })
        .collect();
    let peaks = PeakTable::from_args(&["H100=989.4e12".into()]).unwrap();
    let context = Context {
        policy_id: "t".into(),
        epoch: 1,
        nonce: None,
    };
    let job =
        ComputeJob::new(records, &peaks, 10u128.pow(25), context, &[7; 32], Some(16)).unwrap();
    let proof = back
        .prove(job.circuit(), &mut StdRng::seed_from_u64(2))
        .unwrap();
    let inputs = job.inputs.public_inputs();
    assert!(Groth16::<Bn254>::verify(&back.vk.pvk.vk, &inputs, &proof).unwrap());
}

#[test]
fn tampered_key_files_are_refused_by_the_pinned_digest() {
    let dir = tempfile::tempdir().unwrap();
    let (a, a_path) = written(dir.path(), 3);
    let (_, b_path) = written(dir.path(), 4);
    let honest = std::fs::read(&a_path).unwrap();
    let mismatch = "does not match verifying key";

    // One flipped bit in the points, and one in the stored matrices (the last byte of the file
    // is the last entry of C).
    for at in [honest.len() / 3, honest.len() - 1] {
        let mut bytes = honest.clone();
        bytes[at] ^= 1;
        std::fs::write(&a_path, &bytes).unwrap();
        let err = load_error(dir.path(), &a.vk.id);
        assert!(err.contains(mismatch), "byte {at}: {err}");
    }
    // Another key's file under this key's name.
    std::fs::copy(&b_path, &a_path).unwrap();
    assert!(load_error(dir.path(), &a.vk.id).contains(mismatch));
    // Truncated.
    std::fs::write(&a_path, &honest[..honest.len() - 100]).unwrap();
    assert!(load_error(dir.path(), &a.vk.id).contains(mismatch));
    // Counts that would allocate without bound (the A query's length at 2^60 points): refused
    // before any allocation, then reported by the digest check.
    let mut huge = honest.clone();
    let at = PK_MAGIC.len() + 64;
    huge[at..at + 8].copy_from_slice(&(1u64 << 60).to_le_bytes());
    std::fs::write(&a_path, &huge).unwrap();
    assert!(load_error(dir.path(), &a.vk.id).contains(mismatch));
    // A version 1 file says what to do.
    let mut old = honest.clone();
    old[..8].copy_from_slice(b"ZKGOVPK\x01");
    std::fs::write(&a_path, &old).unwrap();
    let err = load_error(dir.path(), &a.vk.id);
    assert!(
        err.contains("version 1 proving key") && err.contains("zkgov keygen"),
        "{err}"
    );
    // The honest file loads again.
    std::fs::write(&a_path, &honest).unwrap();
    assert!(keys::load(dir.path(), &a.vk.id).is_ok());
}
