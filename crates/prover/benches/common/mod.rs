//! Helpers shared by the prover's and the engine's benches and the side-by-side helper
//! (`examples/sidebyside.rs`).
#![allow(dead_code)] // each bench uses its own subset

use rand::{rngs::StdRng, SeedableRng};
use zkgov_circuits::Circuit;
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_prover::{
    keys::{self, KeyPair},
    prove::ComputeJob,
};
use zkgov_spec::{ledger::Record, statement::Context};

/// A comma-separated list of numbers from the environment variable `name`, or `default`.
pub fn env_list(name: &str, default: &[u64]) -> Vec<u64> {
    std::env::var(name)
        .ok()
        .map(|s| s.split(',').filter_map(|c| c.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

/// The median of some timings.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A true compute claim with every one of `capacity` slots filled (H100 and A100 records),
/// against 10^30 FLOP, committed with a fixed seed.
pub fn compute_job(capacity: u64) -> ComputeJob {
    let peaks = PeakTable::from_args(&["H100=989.4e12".into(), "A100=312e12".into()]).unwrap();
    let records = (0..capacity)
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
    ComputeJob::new(
        records,
        &peaks,
        10u128.pow(30),
        context,
        &[1; 32],
        Some(capacity),
    )
    .unwrap()
}

/// A single-party (test-only) key for the compute claim at `capacity`.
pub fn compute_keys(capacity: u64) -> KeyPair {
    let mut rng = StdRng::seed_from_u64(capacity);
    keys::generate(Circuit::Compute, capacity, &mut rng).unwrap()
}
