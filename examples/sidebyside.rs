//! Helper of `benches/side_by_side.sh`: the zkgov and stock-arkworks halves of the side-by-side
//! benchmark against circom/snarkjs. Not part of the product.
//!
//! - `setup CAPACITY DIR`: a compute claim with CAPACITY records (all slots filled), a
//!   single-party key for it, and the same statement for circom: `DIR/input.json` (the witness
//!   and public inputs, decimal) and `DIR/main.circom` (the capacity and the empty-subtree roots).
//! - `prove zkgov|stock DIR`: loads the key, proves the claim once with zkgov's prover or with
//!   stock `ark_groth16::Groth16::prove`, checks the proof with stock `verify`, and prints
//!   `prove_seconds=<s>` (proving only; the key is loaded before the clock starts).
//! - `ptau POWER FILE`: a prepared (phase-2 ready) snarkjs `.ptau` file made from a KNOWN τ, α, β,
//!   in seconds instead of snarkjs' hours. INSECURE by construction; only for timing snarkjs.

#[path = "../benches/common/mod.rs"]
mod common;

use ark_bn254::{Bn254, Fq, Fr, G1Projective, G2Projective};
use ark_ec::{scalar_mul::BatchMulPreprocessing, AffineRepr, PrimeGroup};
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
use ark_groth16::Groth16;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_snark::SNARK;
use common::{compute_job, compute_keys};
use rand::{rngs::StdRng, SeedableRng};
use std::{fmt::Write as _, io::Write, path::Path, time::Instant};
use zkgov_prover::keys;
use zkgov_verifier::{
    ledger::empty_leaf,
    merkle::depth_for,
    poseidon::{hash16, Domain},
    statement::COMPUTE_CIRCUIT,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn setup(capacity: u64, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let job = compute_job(capacity);
    let (pair, payload) = compute_keys(capacity);
    let id = keys::write(dir, &pair, &payload)?;
    std::fs::write(dir.join("key-id"), &id)?;
    std::fs::write(dir.join("capacity"), capacity.to_string())?;

    // The circom witness: the same records, salt and public inputs.
    let circuit = job.circuit();
    let dec = |x: &Fr| x.into_bigint().to_string();
    let list = |xs: Vec<String>| format!("[{}]", xs.join(","));
    let inputs: Vec<String> = circuit.public.inputs.iter().map(dec).collect();
    let slots = &circuit.private.slots;
    let field = |f: fn(&zkgov_circuits::ledger::SlotWitness) -> Fr| {
        list(
            slots
                .iter()
                .map(|s| format!("\"{}\"", dec(&f(s))))
                .collect(),
        )
    };
    let quoted = |s: &str| format!("\"{s}\"");
    let json = format!(
        "{{\"threshold\":{},\"peaks\":{},\"root\":{},\"count\":{},\"context\":{},\
         \"class\":{},\"devices\":{},\"seconds\":{},\"salt\":{},\"present\":{}}}",
        quoted(&inputs[0]),
        list(inputs[1..9].iter().map(|s| quoted(s)).collect()),
        quoted(&inputs[9]),
        quoted(&inputs[10]),
        quoted(&inputs[11]),
        field(|s| s.class),
        field(|s| s.devices),
        field(|s| s.seconds),
        quoted(&dec(&circuit.private.salt)),
        field(|s| s.present),
    );
    std::fs::write(dir.join("input.json"), json)?;

    // Roots of empty subtrees, level by level, for the padding of the 16-ary tree.
    let depth = depth_for(capacity)?;
    let mut empty = vec![empty_leaf()];
    for _ in 0..depth {
        let e = *empty.last().ok_or("no level")?;
        empty.push(hash16(Domain::MerkleNode, [e; 16]));
    }
    let mut main = String::from("pragma circom 2.1.0;\ninclude \"compute.circom\";\n\n");
    writeln!(
        main,
        "component main {{public [threshold, peaks, root, count, context]}} = \
         Compute({capacity}, {depth}, [{}]);",
        empty.iter().map(dec).collect::<Vec<_>>().join(", ")
    )?;
    std::fs::write(dir.join("main.circom"), main)?;
    let constraints = keys::prepared_for(COMPUTE_CIRCUIT, capacity)?.num_constraints();
    std::fs::write(dir.join("constraints"), constraints.to_string())?;
    println!("capacity {capacity}: key {id}, {constraints} zkgov constraints");
    Ok(())
}

fn prove(which: &str, dir: &Path) -> Result<()> {
    let capacity: u64 = std::fs::read_to_string(dir.join("capacity"))?
        .trim()
        .parse()?;
    let id = std::fs::read_to_string(dir.join("key-id"))?;
    let pair = keys::load(dir, id.trim())?;
    let job = compute_job(capacity);
    let inputs = job.inputs.public_inputs();
    let mut rng = StdRng::from_entropy();
    // zkgov builds its matrices once per key; a long-running prover keeps them, so that is
    // timed apart from proving.
    let t = Instant::now();
    if which == "zkgov" {
        pair.prepared()?;
    }
    let prepare = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let proof = match which {
        "zkgov" => pair.prove(job.circuit(), &mut rng)?,
        "stock" => Groth16::<Bn254>::prove(&pair.pk, job.circuit(), &mut rng)?,
        other => return Err(format!("unknown prover {other}").into()),
    };
    let seconds = t.elapsed().as_secs_f64();
    if !Groth16::<Bn254>::verify(&pair.vk.pvk.vk, &inputs, &proof)? {
        return Err("the proof does not verify".into());
    }
    println!("prove_seconds={seconds:.3} prepare_seconds={prepare:.3}");
    Ok(())
}

/// Writes a snarkjs `.ptau` (version 1) with sections 1-7 and the prepared Lagrange sections
/// 12-15, from known secrets. Coordinates are little-endian Montgomery form, as snarkjs stores
/// them; the point at infinity is all zeros.
fn ptau(power: u32, path: &Path) -> Result<()> {
    let tau = Fr::from(0x5eed_7a05u64).pow([3u64]);
    let (alpha, beta) = (Fr::from(11u64).inverse().ok_or("alpha")?, Fr::from(13u64));
    let n = 1usize << power;
    let powers = |count: usize, scale: Fr| -> Vec<Fr> {
        let mut v = Vec::with_capacity(count);
        let mut x = scale;
        for _ in 0..count {
            v.push(x);
            x *= tau;
        }
        v
    };
    let g1 = BatchMulPreprocessing::new(G1Projective::generator(), 2 * n + 2);
    let g2 = BatchMulPreprocessing::new(G2Projective::generator(), 2 * n + 2);
    let put_fq = |out: &mut Vec<u8>, coords: &[Fq]| {
        for c in coords {
            out.extend(c.0.to_bytes_le());
        }
    };
    let g1_section = |scalars: &[Fr]| -> Vec<u8> {
        let mut out = Vec::new();
        for p in g1.batch_mul(scalars) {
            match p.xy() {
                Some((x, y)) => put_fq(&mut out, &[x, y]),
                None => out.extend([0u8; 64]),
            }
        }
        out
    };
    let g2_section = |scalars: &[Fr]| -> Vec<u8> {
        let mut out = Vec::new();
        for p in g2.batch_mul(scalars) {
            match p.xy() {
                Some((x, y)) => put_fq(&mut out, &[x.c0, x.c1, y.c0, y.c1]),
                None => out.extend([0u8; 128]),
            }
        }
        out
    };
    // Lagrange coefficients at τ for each domain 2^p, p = 0..=last, as snarkjs' `prepare phase2`
    // computes them: the inverse FFT of the powers; its top level for tauG1 (2^(power+1)) has the
    // last power replaced by zero, because section 2 holds one point fewer.
    let lagrange = |last: u32, scale: Fr, truncate_top: bool| -> Result<Vec<Fr>> {
        let mut all = Vec::new();
        for p in 0..=last {
            let size = 1usize << p;
            let mut v = powers(size, scale);
            if truncate_top && p == last {
                v[size - 1] = Fr::ZERO;
            }
            let domain = Radix2EvaluationDomain::<Fr>::new(size).ok_or("domain")?;
            domain.ifft_in_place(&mut v);
            all.extend(v);
        }
        Ok(all)
    };

    let mut header = Vec::new();
    header.extend(32u32.to_le_bytes());
    header.extend(Fq::MODULUS.to_bytes_le());
    header.extend(power.to_le_bytes());
    header.extend(power.to_le_bytes());
    let sections: Vec<(u32, Vec<u8>)> = vec![
        (1, header),
        (2, g1_section(&powers(2 * n - 1, Fr::ONE))),
        (3, g2_section(&powers(n, Fr::ONE))),
        (4, g1_section(&powers(n, alpha))),
        (5, g1_section(&powers(n, beta))),
        (6, g2_section(&[beta])),
        (7, 0u32.to_le_bytes().to_vec()),
        (12, g1_section(&lagrange(power + 1, Fr::ONE, true)?)),
        (13, g2_section(&lagrange(power, Fr::ONE, false)?)),
        (14, g1_section(&lagrange(power, alpha, false)?)),
        (15, g1_section(&lagrange(power, beta, false)?)),
    ];

    let tmp = path.with_extension("ptau.partial");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    f.write_all(b"ptau")?;
    f.write_all(&1u32.to_le_bytes())?;
    f.write_all(&(sections.len() as u32).to_le_bytes())?;
    for (kind, data) in &sections {
        f.write_all(&kind.to_le_bytes())?;
        f.write_all(&(data.len() as u64).to_le_bytes())?;
        f.write_all(data)?;
    }
    f.into_inner().map_err(|e| e.to_string())?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["setup", capacity, dir] => capacity
            .parse()
            .map_err(|e: std::num::ParseIntError| e.into())
            .and_then(|c| setup(c, Path::new(dir))),
        ["prove", which, dir] => prove(which, Path::new(dir)),
        ["ptau", power, file] => power
            .parse()
            .map_err(|e: std::num::ParseIntError| e.into())
            .and_then(|p| ptau(p, Path::new(file))),
        _ => Err(
            "usage: sidebyside setup CAPACITY DIR | prove zkgov|stock DIR | ptau POWER FILE".into(),
        ),
    };
    if let Err(e) = run {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
