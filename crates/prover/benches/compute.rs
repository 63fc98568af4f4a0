//! Prove and verify the compute claim at two capacity classes.
//!
//! `cargo bench -p zkgov-prover --bench compute` (set `ZKGOV_BENCH_CAPACITIES=64,1024` to choose sizes).

mod common;

use common::{compute_job, compute_keys, env_list};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::{rngs::StdRng, SeedableRng};
use zkgov_verifier::groth16::verify_claim_with_key;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("compute_claim");
    group.sample_size(10);
    for capacity in env_list("ZKGOV_BENCH_CAPACITIES", &[64, 256]) {
        let mut rng = StdRng::seed_from_u64(capacity);
        let pair = compute_keys(capacity);
        let job = compute_job(capacity);
        group.bench_with_input(BenchmarkId::new("prove", capacity), &capacity, |b, _| {
            b.iter(|| job.prove(&pair, &mut rng).unwrap())
        });
        let claim = job.prove(&pair, &mut rng).unwrap();
        group.bench_with_input(BenchmarkId::new("verify", capacity), &capacity, |b, _| {
            b.iter(|| verify_claim_with_key(&claim, &pair.vk).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
