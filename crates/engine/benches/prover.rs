//! Side-by-side: stock `ark_groth16::Groth16::prove` against zkgov's prover on the
//! same compute circuit, keys and witness, alternating runs; prints medians and the ratio.
//!
//! `cargo bench -p zkgov-engine --bench prover` (`ZKGOV_BENCH_CAPACITIES=64,1024`, `ZKGOV_BENCH_RUNS=5`).

#[path = "../../prover/benches/common/mod.rs"]
mod common;

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use common::{compute_job, compute_keys, env_list, median};
use rand::{rngs::StdRng, SeedableRng};
use std::time::Instant;
use zkgov_circuits::ledger::ComputeCircuit;
use zkgov_engine::prepared::PreparedCircuit;

fn main() {
    let runs = env_list("ZKGOV_BENCH_RUNS", &[5])[0] as usize;
    println!("capacity constraints stock_prove_s zkgov_prove_s speedup matrices_once_s");
    for capacity in env_list("ZKGOV_BENCH_CAPACITIES", &[64, 256]) {
        let mut rng = StdRng::seed_from_u64(capacity);
        let pair = compute_keys(capacity);
        let t = Instant::now();
        let prepared = PreparedCircuit::new(ComputeCircuit::blank(capacity as usize)).unwrap();
        let prepare = t.elapsed().as_secs_f64();
        let job = compute_job(capacity);
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
