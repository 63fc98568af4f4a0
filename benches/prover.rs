//! Side-by-side: stock `ark_groth16::Groth16::prove` against zkgov's prepared-matrix prover on the
//! same compute circuit, keys and witness, alternating runs; prints medians and the ratio.
//!
//! `cargo bench --bench prover` (`ZKGOV_BENCH_CAPACITIES=64,1024`, `ZKGOV_BENCH_RUNS=5`).

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::{rngs::StdRng, SeedableRng};
use std::time::Instant;
use zkgov_circuits::ledger::ComputeCircuit;
use zkgov_prover::{fast::PreparedCircuit, keys, ledger::PeakTable, prove::ComputeJob};
use zkgov_verifier::{
    ledger::Record,
    statement::{Context, COMPUTE_CIRCUIT},
};

fn env_list(name: &str, default: &[u64]) -> Vec<u64> {
    std::env::var(name)
        .ok()
        .map(|s| s.split(',').filter_map(|c| c.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runs = env_list("ZKGOV_BENCH_RUNS", &[5])[0] as usize;
    let peaks = PeakTable::from_args(&["H100=989.4e12".into(), "A100=312e12".into()]).unwrap();
    println!("capacity constraints stock_prove_s prepared_prove_s speedup prepare_once_s");
    for capacity in env_list("ZKGOV_BENCH_CAPACITIES", &[64, 256]) {
        let mut rng = StdRng::seed_from_u64(capacity);
        let (pair, _) = keys::generate(
            ComputeCircuit::blank(capacity as usize),
            COMPUTE_CIRCUIT,
            capacity,
            &mut rng,
        )
        .unwrap();
        let t = Instant::now();
        let prepared = PreparedCircuit::new(ComputeCircuit::blank(capacity as usize)).unwrap();
        let prepare = t.elapsed().as_secs_f64();
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
        let inputs = job.inputs.public_inputs();
        let (mut stock, mut fast) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let t = Instant::now();
            let p = Groth16::<Bn254>::prove(&pair.pk, job.circuit(), &mut rng).unwrap();
            stock.push(t.elapsed().as_secs_f64());
            assert!(Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &inputs, &p).unwrap());
            let t = Instant::now();
            let p = prepared.prove(&pair.pk, job.circuit(), &mut rng).unwrap();
            fast.push(t.elapsed().as_secs_f64());
            assert!(Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &inputs, &p).unwrap());
        }
        let (s, f) = (median(stock), median(fast));
        println!(
            "{capacity} {} {s:.3} {f:.3} {:.2}x {prepare:.3}",
            prepared.num_constraints(),
            s / f
        );
    }
}
