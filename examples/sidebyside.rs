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
//! - `zkey R1CS POWER FILE`: the `.zkey` snarkjs' `groth16 setup` makes for a circom `.r1cs` and
//!   that `.ptau` of POWER, computed from the same known secrets (equally INSECURE).

#[path = "../crates/prover/benches/common/mod.rs"]
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
use zkgov_engine::powers_of;
use zkgov_prover::keys;
use zkgov_spec::{
    ledger::empty_leaf,
    merkle::depth_for,
    poseidon::{hash16, Domain},
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn setup(capacity: u64, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let job = compute_job(capacity);
    let pair = compute_keys(capacity);
    let id = keys::write(dir, &pair)?;
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
    let constraints =
        keys::prepared_for(zkgov_circuits::Circuit::Compute, capacity)?.num_constraints();
    std::fs::write(dir.join("constraints"), constraints.to_string())?;
    println!("capacity {capacity}: key {id}, {constraints} zkgov constraints");
    Ok(())
}

fn prove(which: &str, dir: &Path) -> Result<()> {
    let capacity: u64 = std::fs::read_to_string(dir.join("capacity"))?
        .trim()
        .parse()?;
    let id = std::fs::read_to_string(dir.join("key-id"))?;
    // The key file carries the constraint matrices zkgov proves with: loading it is all the
    // preparation there is (stock proving synthesizes them again inside `prove`).
    let t = Instant::now();
    let pair = keys::load(dir, id.trim())?;
    let load = t.elapsed().as_secs_f64();
    let job = compute_job(capacity);
    let inputs = job.inputs.public_inputs();
    let mut rng = StdRng::from_entropy();
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
    println!("prove_seconds={seconds:.3} key_load_seconds={load:.3}");
    Ok(())
}

/// The known secrets behind the timing-only `.ptau` and `.zkey` files: τ, α, β.
fn secrets() -> Result<(Fr, Fr, Fr)> {
    let tau = Fr::from(0x5eed_7a05u64).pow([3u64]);
    let alpha = Fr::from(11u64).inverse().ok_or("alpha")?;
    Ok((tau, alpha, Fr::from(13u64)))
}

/// The Lagrange basis of the domain of size `2^p` at τ (times `scale`), as snarkjs' `prepare
/// phase2` computes it: the inverse FFT of the powers of τ; with `truncate`, the last power is
/// replaced by zero (snarkjs does so at the top level of the tauG1 section, which holds one point
/// fewer).
fn lagrange(tau: Fr, p: u32, scale: Fr, truncate: bool) -> Result<Vec<Fr>> {
    let size = 1usize << p;
    let mut v = powers_of(tau, scale, size);
    if truncate {
        v[size - 1] = Fr::ZERO;
    }
    Radix2EvaluationDomain::<Fr>::new(size)
        .ok_or("domain")?
        .ifft_in_place(&mut v);
    Ok(v)
}

/// Fixed-base multiples of the two generators, encoded as snarkjs stores points: affine
/// coordinates in little-endian Montgomery form, the point at infinity as zeros.
struct Encoder {
    g1: BatchMulPreprocessing<G1Projective>,
    g2: BatchMulPreprocessing<G2Projective>,
}

impl Encoder {
    fn new(max_scalars: usize) -> Self {
        Encoder {
            g1: BatchMulPreprocessing::new(G1Projective::generator(), max_scalars),
            g2: BatchMulPreprocessing::new(G2Projective::generator(), max_scalars),
        }
    }

    fn put_fq(out: &mut Vec<u8>, coords: &[Fq]) {
        for c in coords {
            out.extend(c.0.to_bytes_le());
        }
    }

    fn g1(&self, scalars: &[Fr]) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 * scalars.len());
        for p in self.g1.batch_mul(scalars) {
            match p.xy() {
                Some((x, y)) => Self::put_fq(&mut out, &[x, y]),
                None => out.extend([0u8; 64]),
            }
        }
        out
    }

    fn g2(&self, scalars: &[Fr]) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 * scalars.len());
        for p in self.g2.batch_mul(scalars) {
            match p.xy() {
                Some((x, y)) => Self::put_fq(&mut out, &[x.c0, x.c1, y.c0, y.c1]),
                None => out.extend([0u8; 128]),
            }
        }
        out
    }
}

/// Writes an iden3 binary file (`.ptau`, `.zkey`): magic, version 1, then the sections; through
/// a temporary file, so that no half-written file is left under `path`.
fn write_bin(path: &Path, magic: &[u8; 4], sections: &[(u32, Vec<u8>)]) -> Result<()> {
    let tmp = path.with_extension("partial");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    f.write_all(magic)?;
    f.write_all(&1u32.to_le_bytes())?;
    f.write_all(&(sections.len() as u32).to_le_bytes())?;
    for (kind, data) in sections {
        f.write_all(&kind.to_le_bytes())?;
        f.write_all(&(data.len() as u64).to_le_bytes())?;
        f.write_all(data)?;
    }
    f.into_inner().map_err(|e| e.to_string())?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Writes a snarkjs `.ptau` (version 1) with sections 1-7 and the prepared Lagrange sections
/// 12-15, from known secrets.
fn ptau(power: u32, path: &Path) -> Result<()> {
    let (tau, alpha, beta) = secrets()?;
    let n = 1usize << power;
    let enc = Encoder::new(2 * n + 2);
    // Every level 2^0 .. 2^last, concatenated.
    let levels = |last: u32, scale: Fr, truncate_top: bool| -> Result<Vec<Fr>> {
        let mut all = Vec::new();
        for p in 0..=last {
            all.extend(lagrange(tau, p, scale, truncate_top && p == last)?);
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
        (2, enc.g1(&powers_of(tau, Fr::ONE, 2 * n - 1))),
        (3, enc.g2(&powers_of(tau, Fr::ONE, n))),
        (4, enc.g1(&powers_of(tau, alpha, n))),
        (5, enc.g1(&powers_of(tau, beta, n))),
        (6, enc.g2(&[beta])),
        (7, 0u32.to_le_bytes().to_vec()),
        (12, enc.g1(&levels(power + 1, Fr::ONE, true)?)),
        (13, enc.g2(&levels(power, Fr::ONE, false)?)),
        (14, enc.g1(&levels(power, alpha, false)?)),
        (15, enc.g1(&levels(power, beta, false)?)),
    ];
    write_bin(path, b"ptau", &sections)
}

/// A circom `.r1cs` file: the header fields zkgov needs and the constraints, each `(A, B, C)` as
/// lists of `(wire, coefficient)`.
struct R1cs {
    wires: usize,
    public: usize,
    constraints: Vec<[Vec<(usize, Fr)>; 3]>,
}

fn read_r1cs(path: &Path) -> Result<R1cs> {
    let bytes = std::fs::read(path)?;
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8]> {
        let s = bytes.get(at..at + n).ok_or("truncated r1cs")?;
        at += n;
        Ok(s)
    };
    let u32_at = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap_or([0; 4])) as usize;
    if take(4)? != b"r1cs" {
        return Err("not an r1cs file".into());
    }
    take(4)?;
    let sections = u32_at(take(4)?);
    let mut header = None;
    let mut body = None;
    for _ in 0..sections {
        let kind = u32_at(take(4)?);
        let len = u64::from_le_bytes(take(8)?.try_into()?) as usize;
        let data = take(len)?;
        match kind {
            1 => header = Some(data),
            2 => body = Some(data),
            _ => {}
        }
    }
    let (header, body) = (
        header.ok_or("no r1cs header")?,
        body.ok_or("no constraints")?,
    );
    if header.len() < 64 {
        return Err("truncated r1cs header".into());
    }
    let field = |i: usize| u32_at(&header[36 + 4 * i..40 + 4 * i]);
    if u32_at(&header[..4]) != 32 {
        return Err("r1cs field elements are not 32 bytes".into());
    }
    let (wires, outputs, inputs) = (field(0), field(1), field(2));
    let count = u32_at(&header[60..64]);
    let mut pos = 0usize;
    let mut next = |n: usize| -> Result<&[u8]> {
        let s = body.get(pos..pos + n).ok_or("truncated constraints")?;
        pos += n;
        Ok(s)
    };
    let mut constraints = Vec::with_capacity(count);
    for _ in 0..count {
        let mut lc = || -> Result<Vec<(usize, Fr)>> {
            let terms = u32_at(next(4)?);
            (0..terms)
                .map(|_| {
                    let wire = u32_at(next(4)?);
                    if wire >= wires {
                        return Err(format!("wire {wire} of {wires}").into());
                    }
                    Ok((wire, Fr::from_le_bytes_mod_order(next(32)?)))
                })
                .collect()
        };
        constraints.push([lc()?, lc()?, lc()?]);
    }
    Ok(R1cs {
        wires,
        public: outputs + inputs,
        constraints,
    })
}

/// Writes the `.zkey` that snarkjs' `groth16 setup` (`zkey new`) would make for `r1cs` and the
/// known-secrets `.ptau` of `power` from [`ptau`], in seconds rather than snarkjs' hours at a
/// million constraints: every point is a multiple of a generator by a scalar computed from τ, α,
/// β, so they are computed directly. Same sections, layout and values; the contributions section
/// holds zeros in place of the circuit hash, which proving and `zkey export verificationkey` do
/// not read. INSECURE by construction, like the `.ptau`.
fn zkey(r1cs_path: &Path, power: u32, path: &Path) -> Result<()> {
    let (tau, alpha, beta) = secrets()?;
    let r1cs = read_r1cs(r1cs_path)?;
    let (nc, np, nv) = (r1cs.constraints.len(), r1cs.public, r1cs.wires);
    let cir_power = (nc + np).ilog2() + 1;
    if cir_power > power {
        return Err(format!("{nc} constraints need a .ptau of power {cir_power}").into());
    }
    let domain = 1usize << cir_power;
    let u = lagrange(tau, cir_power, Fr::ONE, false)?;
    // Per wire: A(τ), B(τ), C(τ); the public wires also sit in A of one extra constraint each.
    let (mut a, mut b, mut c) = (vec![Fr::ZERO; nv], vec![Fr::ZERO; nv], vec![Fr::ZERO; nv]);
    let mut coefs: Vec<u8> = Vec::new();
    let mut count = 0u32;
    let r2 = Fr::from(2u64).pow([512u64]);
    let mut coef = |matrix: u32, row: usize, wire: usize, value: Fr| {
        coefs.extend(matrix.to_le_bytes());
        coefs.extend((row as u32).to_le_bytes());
        coefs.extend((wire as u32).to_le_bytes());
        coefs.extend((value * r2).into_bigint().to_bytes_le());
        count += 1;
    };
    for (row, [la, lb, lc]) in r1cs.constraints.iter().enumerate() {
        for &(w, v) in la {
            a[w] += v * u[row];
            coef(0, row, w, v);
        }
        for &(w, v) in lb {
            b[w] += v * u[row];
            coef(1, row, w, v);
        }
        for &(w, v) in lc {
            c[w] += v * u[row];
        }
    }
    for w in 0..=np {
        a[w] += u[nc + w];
        coef(0, nc + w, w, Fr::ONE);
    }
    let mut section4 = count.to_le_bytes().to_vec();
    section4.extend(coefs);
    let ic_c: Vec<Fr> = (0..nv).map(|w| beta * a[w] + alpha * b[w] + c[w]).collect();
    let h = lagrange(tau, cir_power + 1, Fr::ONE, cir_power == power)?;
    let h: Vec<Fr> = h.into_iter().skip(1).step_by(2).collect();

    let enc = Encoder::new(domain.max(nv) + 1);
    let mut header = Vec::new();
    for modulus in [Fq::MODULUS.to_bytes_le(), Fr::MODULUS.to_bytes_le()] {
        header.extend(32u32.to_le_bytes());
        header.extend(modulus);
    }
    for v in [nv, np, domain] {
        header.extend((v as u32).to_le_bytes());
    }
    header.extend(enc.g1(&[alpha, beta]));
    header.extend(enc.g2(&[beta, Fr::ONE]));
    header.extend(enc.g1(&[Fr::ONE]));
    header.extend(enc.g2(&[Fr::ONE]));
    let mut contributions = vec![0u8; 64];
    contributions.extend(0u32.to_le_bytes());
    let sections: Vec<(u32, Vec<u8>)> = vec![
        (1, 1u32.to_le_bytes().to_vec()),
        (2, header),
        (4, section4),
        (3, enc.g1(&ic_c[..=np])),
        (9, enc.g1(&h)),
        (8, enc.g1(&ic_c[np + 1..])),
        (5, enc.g1(&a)),
        (6, enc.g1(&b)),
        (7, enc.g2(&b)),
        (10, contributions),
    ];
    write_bin(path, b"zkey", &sections)
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
        ["zkey", r1cs, power, file] => power
            .parse()
            .map_err(|e: std::num::ParseIntError| e.into())
            .and_then(|p| zkey(Path::new(r1cs), p, Path::new(file))),
        _ => Err(
            "usage: sidebyside setup CAPACITY DIR | prove zkgov|stock DIR | ptau POWER FILE \
                  | zkey R1CS POWER FILE"
                .into(),
        ),
    };
    if let Err(e) = run {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
