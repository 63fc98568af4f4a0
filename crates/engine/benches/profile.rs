//! Where proving time goes: one compute claim per capacity, split into witness generation, the
//! constraint synthesis stock arkworks repeats on every proof, the QAP witness map (FFTs) and each
//! MSM, next to a bare MSM of random full-size scalars of the same length.
//!
//! `cargo bench -p zkgov-engine --bench profile` (`ZKGOV_BENCH_CAPACITIES=256,1024`, `ZKGOV_BENCH_RUNS=3`).

#[path = "../../prover/benches/common/mod.rs"]
mod common;

use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use ark_snark::SNARK;
use common::{compute_job, compute_keys, env_list, median};
use rand::{rngs::StdRng, SeedableRng};
use std::time::{Duration, Instant};
use zkgov_circuits::ledger::ComputeCircuit;
use zkgov_engine::prepared::{PreparedCircuit, Stages};

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn main() {
    let runs = env_list("ZKGOV_BENCH_RUNS", &[3])[0] as usize;
    for capacity in env_list("ZKGOV_BENCH_CAPACITIES", &[256]) {
        let mut rng = StdRng::seed_from_u64(capacity);
        let pair = compute_keys(capacity);
        let prepared = PreparedCircuit::new(ComputeCircuit::blank(capacity as usize)).unwrap();
        let job = compute_job(capacity);
        let inputs = job.inputs.public_inputs();

        // Scalar sizes of the assignment: what the MSMs see.
        let full = prepared.assignment(job.circuit()).unwrap();
        let (mut zero, mut bit, mut small, mut big) = (0, 0, 0, 0);
        for x in &full {
            match x.into_bigint().num_bits() {
                0 => zero += 1,
                1 => bit += 1,
                2..=64 => small += 1,
                _ => big += 1,
            }
        }
        let n = full.len();
        let domain = (prepared.num_constraints() + prepared.num_inputs()).next_power_of_two();
        println!(
            "\ncapacity {capacity}: {} constraints, {n} variables, domain {domain}",
            prepared.num_constraints()
        );
        println!("  assignment: {zero} zero, {bit} one, {small} of 2..64 bits, {big} larger");

        let (mut stock, mut synth, mut ours) = (Vec::new(), Vec::new(), Vec::new());
        let mut all: Vec<Stages> = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let p = Groth16::<Bn254>::prove(&pair.pk, job.circuit(), &mut rng).unwrap();
            stock.push(secs(t.elapsed()));
            assert!(Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &inputs, &p).unwrap());

            // What stock proving does before the QAP: synthesis that records every constraint.
            let t = Instant::now();
            let cs = ConstraintSystem::<Fr>::new_ref();
            cs.set_optimization_goal(OptimizationGoal::Constraints);
            cs.set_mode(SynthesisMode::Prove {
                construct_matrices: true,
                generate_lc_assignments: true,
            });
            job.circuit().generate_constraints(cs.clone()).unwrap();
            cs.finalize();
            drop(cs);
            synth.push(secs(t.elapsed()));

            let mut stages = Stages::default();
            let t = Instant::now();
            let p = prepared
                .prove_staged(&pair.pk, job.circuit(), &mut rng, &mut stages)
                .unwrap();
            ours.push(secs(t.elapsed()));
            assert!(Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &inputs, &p).unwrap());
            all.push(stages);
        }
        let m = |f: fn(&Stages) -> Duration| median(all.iter().map(|s| secs(f(s))).collect());

        // Bare MSMs of random full-size scalars, as long as the H query and the B query in G2.
        let scalars: Vec<Fr> = (0..domain).map(|_| Fr::rand(&mut rng)).collect();
        let t = Instant::now();
        let _ = G1Projective::msm(&pair.pk.h_query, &scalars[..pair.pk.h_query.len()]).unwrap();
        let bare_g1 = secs(t.elapsed());
        let g2_len = pair.pk.b_g2_query.len();
        let t = Instant::now();
        let _ = G2Projective::msm(&pair.pk.b_g2_query, &scalars[..g2_len])
            .unwrap()
            .into_affine();
        let bare_g2 = secs(t.elapsed());

        println!("  stock ark_groth16::prove        {:8.3} s", median(stock));
        println!("    of which synthesis+matrices  {:8.3} s", median(synth));
        println!("  zkgov prover                   {:8.3} s", median(ours));
        println!(
            "    witness generation           {:8.3} s",
            m(|s| s.witness)
        );
        println!("    QAP witness map (FFTs)       {:8.3} s", m(|s| s.qap));
        println!(
            "    scalar conversion            {:8.3} s",
            m(|s| s.convert)
        );
        println!("    shared A/B digits            {:8.3} s", m(|s| s.digits));
        println!(
            "    MSM H  (G1, {:7} points)   {:8.3} s",
            pair.pk.h_query.len(),
            m(|s| s.msm_h)
        );
        println!(
            "    MSM L  (G1, {:7} points)   {:8.3} s",
            pair.pk.l_query.len(),
            m(|s| s.msm_l)
        );
        println!(
            "    MSM A  (G1, {:7} points)   {:8.3} s",
            pair.pk.a_query.len(),
            m(|s| s.msm_a)
        );
        println!(
            "    MSM B  (G1, {:7} points)   {:8.3} s",
            pair.pk.b_g1_query.len(),
            m(|s| s.msm_b_g1)
        );
        println!(
            "    MSM B  (G2, {:7} points)   {:8.3} s",
            g2_len,
            m(|s| s.msm_b_g2)
        );
        println!(
            "  bare MSM, random scalars, G1 x{:7}  {:8.3} s",
            pair.pk.h_query.len(),
            bare_g1
        );
        println!(
            "  bare MSM, random scalars, G2 x{:7}  {:8.3} s",
            g2_len, bare_g2
        );
    }
}
