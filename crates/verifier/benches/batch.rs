//! Batch verification against one-by-one verification of the same claims.
//!
//! `cargo bench -p zkgov-verifier --bench batch` (set `ZKGOV_BENCH_BATCH=64,256` to choose batch sizes). Claims are
//! capacity-16 compute claims under two keys (re-randomized proofs of two statements); verification
//! cost does not depend on capacity. Both sides include statement parsing, input derivation and
//! proof decoding. The batched side also loads and validates its two keys from the key store on every
//! iteration; the one-by-one side uses pre-loaded keys (`verify_claim_with_key`).

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{rngs::StdRng, SeedableRng};
use zkgov_circuits::Circuit;
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_prover::{keys, prove::ComputeJob};
use zkgov_spec::{bundle::Claim, ledger::Record, statement::Context};
use zkgov_verifier::{
    groth16::{decode_proof, encode_proof, verify_claim_with_key, verify_claims},
    keys::KeyStore,
};

fn sizes() -> Vec<usize> {
    std::env::var("ZKGOV_BENCH_BATCH")
        .ok()
        .map(|s| s.split(',').filter_map(|c| c.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![64])
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let peaks = PeakTable::from_args(&["H100=989.4e12".into()]).unwrap();
    let mut pairs = Vec::new();
    let mut base = Vec::new();
    for k in 0..2u64 {
        let pair = keys::generate(Circuit::Compute, 16, &mut rng).unwrap();
        let id = keys::write(dir.path(), &pair).unwrap();
        let pair = keys::load(dir.path(), &id).unwrap();
        let records = vec![Record {
            class: 0,
            devices: 8,
            seconds: 3600 * (k + 1),
        }];
        let context = Context {
            policy_id: "bench".into(),
            epoch: k,
            nonce: None,
        };
        let job =
            ComputeJob::new(records, &peaks, 10u128.pow(25), context, &[1; 32], Some(16)).unwrap();
        base.push(job.prove(&pair, &mut rng).unwrap());
        pairs.push(pair);
    }
    let store = KeyStore::new(dir.path());
    let mut group = c.benchmark_group("verify_claims");
    group.sample_size(10);
    for n in sizes() {
        let claims: Vec<Claim> = (0..n)
            .map(|i| {
                let proof = decode_proof(&base[i % 2].proof).unwrap();
                let p =
                    Groth16::<Bn254>::rerandomize_proof(&pairs[i % 2].vk.pvk.vk, &proof, &mut rng);
                Claim {
                    proof: encode_proof(&p),
                    shards: None,
                    ..base[i % 2].clone()
                }
            })
            .collect();
        let refs: Vec<&Claim> = claims.iter().collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("batched", n), &n, |b, _| {
            b.iter(|| {
                assert!(verify_claims(&refs, &store).iter().all(|r| r.is_ok()));
            })
        });
        group.bench_with_input(BenchmarkId::new("one_by_one", n), &n, |b, _| {
            b.iter(|| {
                for (i, c) in claims.iter().enumerate() {
                    verify_claim_with_key(c, &pairs[i % 2].vk).unwrap();
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
