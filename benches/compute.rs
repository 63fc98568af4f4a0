//! Prove and verify the compute claim at two capacity classes.
//!
//! `cargo bench --bench compute` (set `ZKGOV_BENCH_CAPACITIES=64,1024` to choose sizes).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::{rngs::StdRng, SeedableRng};
use zkgov_circuits::ledger::ComputeCircuit;
use zkgov_prover::{keys, ledger::PeakTable, prove::ComputeJob};
use zkgov_verifier::{
    ledger::Record,
    statement::{Context, COMPUTE_CIRCUIT},
    verify::verify_claim_with_key,
};

fn capacities() -> Vec<u64> {
    std::env::var("ZKGOV_BENCH_CAPACITIES")
        .ok()
        .map(|s| s.split(',').filter_map(|c| c.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![64, 256])
}

fn bench(c: &mut Criterion) {
    let peaks = PeakTable::from_args(&["H100=989.4e12".into(), "A100=312e12".into()]).unwrap();
    let mut group = c.benchmark_group("compute_claim");
    group.sample_size(10);
    for capacity in capacities() {
        let mut rng = StdRng::seed_from_u64(capacity);
        let (pair, _) = keys::generate(
            ComputeCircuit::blank(capacity as usize),
            COMPUTE_CIRCUIT,
            capacity,
            &mut rng,
        )
        .unwrap();
        let records: Vec<Record> = (0..capacity)
            .map(|i| Record {
                class: (i % 2) as u8,
                devices: 8 + i as u32,
                seconds: 3600 * (1 + i),
            })
            .collect();
        let context = Context {
            policy_id: "bench".into(),
            epoch: 1,
            nonce: None,
        };
        let job = ComputeJob::new(
            records,
            &peaks,
            10u128.pow(30),
            context,
            &[1; 32],
            Some(capacity),
        )
        .unwrap();
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
