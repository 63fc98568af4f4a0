//! Phase 2: the circuit-specific part of the Groth16 key.
//!
//! The initial key is a deterministic function of the circuit's constraint matrices and phase 1:
//! exactly what arkworks' `generate_parameters_with_qap` computes (libsnark's R1CS-to-QAP
//! reduction, with the extra input-consistency rows), with the secrets kept in the exponent and
//! γ = δ = 1. Writing `L_j` for the Lagrange basis of the domain and `A, B, C` for the matrices,
//! for each variable `i`:
//! - `a_query[i] = Σ_j A[j][i]·[L_j]₁` (+ `[L_{m+i}]₁` for public inputs, `m` constraints),
//!   `b_g1_query[i]`, `b_g2_query[i]` likewise from `B`;
//! - `[β·u_i + α·v_i + w_i]₁`: in `gamma_abc_g1` for public inputs (γ = 1), in `l_query` for
//!   witnesses (divided by δ);
//! - `h_query[i] = [τ^i·Z(τ)]₁ = [τ^{n+i}]₁ − [τ^i]₁` (divided by δ), for `i < n−1`.
//!
//! Each contribution multiplies δ by a secret `d` (in `delta_g1`, `delta_g2`) and divides every
//! `h_query` and `l_query` point by `d`, with a proof of knowledge of `d` bound to the transcript.
//! [`Ceremony::verify`] re-derives the initial key, checks every contribution, and checks that the
//! current key is the initial one with `L` and `H` divided by the final δ (one random linear
//! combination each), and unchanged elsewhere.
//!
//! The Lagrange points come from a prepared phase 1, checked against its powers by a batched
//! random linear combination ([`Phase1::lagrange`]): no FFT over the group in `init`, `verify` or
//! `finalize`.

use crate::error::CeremonyError;
use crate::{
    check_position, check_signed, head,
    phase1::{secret, Lagrange, Phase1, Powers, Source},
    points,
    pok::{compressed, point_from_hex, point_hex, same_ratio, scaled_by_inverse, Pok, Transcript},
    read_file, sha256_hex, sign, write_file, Contributor, Progress,
};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, One};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ed25519_dalek::SigningKey;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zkgov_circuits::Circuit;
use zkgov_engine::PreparedCircuit;
use zkgov_spec::SpecError;
use zkgov_verifier::keys::{key_id, VerifiedCeremony};

/// Magic bytes of a ceremony (phase-2) file.
pub const MAGIC: &[u8; 8] = b"ZKGOVC2\x01";
/// Format name in the header.
pub const FORMAT: &str = "zkgov-ceremony";
/// Format version.
pub const VERSION: u32 = 1;

/// One phase-2 contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// 1 for the first contribution.
    pub index: usize,
    /// Who contributed.
    pub contributor: Contributor,
    /// `[δ]₁` after this contribution.
    pub delta_g1: String,
    /// `[δ]₂` after this contribution.
    pub delta_g2: String,
    /// Knowledge of the factor `d`, bound to the transcript before this step.
    pub pok: Pok,
    /// Hash of this contribution and everything before it (hex).
    pub hash: String,
    /// The contributor's ed25519 signature over the hash (hex).
    pub signature: String,
}

/// The header (transcript) of a ceremony file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// The circuit (`training-compute`, `eval-red-line`).
    pub circuit: String,
    /// Its capacity class.
    pub capacity: u64,
    /// SHA-256 of the phase-1 file the ceremony started from.
    pub phase1_sha256: String,
    /// SHA-256 of the initial key (canonical compressed bytes).
    pub initial_key_sha256: String,
    /// Contributions, in order.
    pub contributions: Vec<Contribution>,
}

/// A phase-2 ceremony: its transcript and the current key.
#[derive(Debug, Clone)]
pub struct Ceremony {
    /// The transcript.
    pub header: Header,
    /// The key after the last contribution.
    pub pk: ProvingKey<Bn254>,
}

/// Summary of a verified ceremony.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Circuit.
    pub circuit: String,
    /// Capacity.
    pub capacity: u64,
    /// Number of constraints.
    pub constraints: usize,
    /// FFT domain size.
    pub domain: usize,
    /// What the transcript establishes about its key: the key ID, the phase 1, and every
    /// contributor with the key that signed (checked).
    pub ceremony: VerifiedCeremony,
}

fn start_hash(h: &Header) -> [u8; 32] {
    let mut t = Transcript::new("zkgov/ceremony/v1");
    t.bytes(h.circuit.as_bytes())
        .bytes(&h.capacity.to_be_bytes())
        .bytes(h.phase1_sha256.as_bytes())
        .bytes(h.initial_key_sha256.as_bytes());
    t.finish()
}

fn contribution_hash(prev: &[u8; 32], c: &Contribution) -> [u8; 32] {
    let mut t = Transcript::new("zkgov/ceremony/contribution/v1");
    t.bytes(prev).bytes(&(c.index as u64).to_be_bytes());
    c.contributor.absorb(&mut t);
    t.bytes(c.delta_g1.as_bytes())
        .bytes(c.delta_g2.as_bytes())
        .bytes(c.pok.s.as_bytes())
        .bytes(c.pok.s_x.as_bytes())
        .bytes(c.pok.r_x.as_bytes());
    t.finish()
}

/// `Σ c·bases[row]` over a column's entries: a multi-scalar multiplication for long columns
/// (the constant and the Poseidon state variables appear in hundreds of rows), else one
/// multiplication per entry (coefficients ±1 skip it).
fn column<P: CurveGroup<ScalarField = Fr>>(bases: &[P::Affine], terms: &[(usize, Fr)]) -> P {
    if terms.len() > 32 {
        let (b, s): (Vec<P::Affine>, Vec<Fr>) = terms.iter().map(|(r, c)| (bases[*r], *c)).unzip();
        return <P as VariableBaseMSM>::msm_unchecked(&b, &s);
    }
    let mut acc = P::zero();
    for (row, c) in terms {
        if c.is_one() {
            acc += bases[*row];
        } else if (-*c).is_one() {
            acc -= bases[*row];
        } else {
            acc += bases[*row] * c;
        }
    }
    acc
}

/// The FFT domain size arkworks uses for this circuit.
pub fn domain_size(shape: &PreparedCircuit) -> Result<usize, CeremonyError> {
    GeneralEvaluationDomain::<Fr>::new(shape.num_constraints() + shape.num_inputs())
        .map(|d| d.size())
        .ok_or_else(|| CeremonyError::step("initial key", "the circuit is too large for BN254"))
}

/// The initial (δ = 1) key of a circuit, from phase-1 powers and the Lagrange basis `lag` of the
/// circuit's domain (checked by the caller: [`Phase1::lagrange`]); `progress` counts the
/// circuit's variables as their key columns are done (the bulk of the work).
pub fn initial_key(
    shape: &PreparedCircuit,
    powers: &Powers,
    lag: &Lagrange,
    progress: &dyn Progress,
) -> Result<ProvingKey<Bn254>, CeremonyError> {
    let n = domain_size(shape)?;
    if lag.n() != n || powers.tau_g1.len() < 2 * n - 1 {
        return Err(CeremonyError::step(
            "initial key",
            format!(
                "the circuit's domain has size 2^{}; the Lagrange basis is for 2^{} and there are {} powers of tau",
                n.trailing_zeros(),
                lag.n().trailing_zeros(),
                powers.tau_g1.len()
            ),
        ));
    }
    let (ni, m) = (shape.num_inputs(), shape.num_constraints());
    let nvars = ni + shape.num_witnesses();
    // Transpose A, B, C into columns: per variable, its (row, coefficient) entries.
    let mut cols: Vec<[Vec<(usize, Fr)>; 3]> = vec![Default::default(); nvars];
    for k in 0..3 {
        for (row, coeff, var) in shape.matrices().entries(k) {
            let col = cols.get_mut(var).ok_or_else(|| {
                CeremonyError::step("initial key", "a constraint names an unknown variable")
            })?;
            col[k].push((row, coeff));
        }
    }
    // arkworks' parallel MSM nested in this parallel loop needs more than rayon's default 2 MiB
    // of stack per worker (it overflows at capacity 16); the pages are only reserved, not used.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(256 << 20)
        .build()
        .map_err(|e| CeremonyError::step("initial key", e.to_string()))?;
    progress.stage("deriving the initial key (circuit variables)", nvars as u64);
    let per_var: Vec<(G1Projective, G1Projective, G2Projective, G1Projective)> =
        pool.install(|| {
            cols.par_iter()
                .enumerate()
                .map(|(i, [a, b, c])| {
                    let mut u = column::<G1Projective>(&lag.g1, a);
                    let mut abc = column::<G1Projective>(&lag.beta_g1, a)
                        + column::<G1Projective>(&lag.alpha_g1, b)
                        + column::<G1Projective>(&lag.g1, c);
                    if i < ni {
                        // libsnark's input-consistency rows: input i also appears in row m + i of A.
                        u += lag.g1[m + i];
                        abc += lag.beta_g1[m + i];
                    }
                    progress.advance(1);
                    (
                        u,
                        column::<G1Projective>(&lag.g1, b),
                        column::<G2Projective>(&lag.g2, b),
                        abc,
                    )
                })
                .collect()
        });
    let a_query = G1Projective::normalize_batch(&per_var.iter().map(|v| v.0).collect::<Vec<_>>());
    let b_g1_query =
        G1Projective::normalize_batch(&per_var.iter().map(|v| v.1).collect::<Vec<_>>());
    let b_g2_query =
        G2Projective::normalize_batch(&per_var.iter().map(|v| v.2).collect::<Vec<_>>());
    let mut abc = G1Projective::normalize_batch(&per_var.iter().map(|v| v.3).collect::<Vec<_>>());
    let l_query = abc.split_off(ni);
    let tau = &powers.tau_g1;
    let h: Vec<G1Projective> = (0..n - 1)
        .into_par_iter()
        .map(|i| tau[n + i].into_group() - tau[i])
        .collect();
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    Ok(ProvingKey {
        vk: VerifyingKey {
            alpha_g1: powers.alpha_tau_g1[0],
            beta_g2: powers.beta_g2,
            gamma_g2: g2,
            delta_g2: g2,
            gamma_abc_g1: abc,
        },
        beta_g1: powers.beta_tau_g1[0],
        delta_g1: g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query: G1Projective::normalize_batch(&h),
        l_query,
    })
}

/// Checks phase 1 (its transcript, powers, and the Lagrange basis the circuit needs), synthesizes
/// the circuit and derives its initial key: what `init` computes and `verify` recomputes.
fn derive_initial_key<R: RngCore>(
    circuit: &str,
    capacity: u64,
    phase1: &Phase1,
    rng: &mut R,
    progress: &dyn Progress,
) -> Result<(PreparedCircuit, ProvingKey<Bn254>), CeremonyError> {
    progress.stage("checking phase 1", 0);
    phase1.verify(rng)?;
    progress.stage("synthesizing the circuit", 0);
    let shape = PreparedCircuit::new(Circuit::from_id(circuit)?.blank(capacity)?)?;
    let n = domain_size(&shape)?;
    progress.stage(
        &format!(
            "checking the Lagrange basis of phase 1 (domain 2^{})",
            n.trailing_zeros()
        ),
        0,
    );
    let lag = phase1.lagrange(n, rng)?;
    let pk = initial_key(&shape, &phase1.powers, lag, progress)?;
    Ok((shape, pk))
}

/// `points[i] · s`, in parallel.
fn scale_all(points: &[G1Affine], s: Fr) -> Vec<G1Affine> {
    let p: Vec<G1Projective> = points.par_iter().map(|p| *p * s).collect();
    G1Projective::normalize_batch(&p)
}

impl Ceremony {
    /// Starts a ceremony for `circuit` at `capacity` from a phase 1 (verified here first),
    /// reporting each stage to `progress`.
    pub fn init<R: RngCore>(
        circuit: &str,
        capacity: u64,
        phase1: &Phase1,
        phase1_sha256: &str,
        rng: &mut R,
        progress: &dyn Progress,
    ) -> Result<Self, CeremonyError> {
        let (_, pk) = derive_initial_key(circuit, capacity, phase1, rng, progress)?;
        Ok(Ceremony {
            header: Header {
                format: FORMAT.into(),
                version: VERSION,
                circuit: circuit.into(),
                capacity,
                phase1_sha256: phase1_sha256.into(),
                initial_key_sha256: sha256_hex(&compressed(&pk)),
                contributions: vec![],
            },
            pk,
        })
    }

    fn head(&self) -> Result<[u8; 32], CeremonyError> {
        let last = self.header.contributions.last();
        head(
            last.map(|c| (&c.contributor, c.index, c.hash.as_str())),
            start_hash(&self.header),
        )
    }

    /// Adds a contribution: checks the transcript so far, multiplies δ by a fresh secret (dropped
    /// when this returns), divides H and L by it, proves knowledge of it and signs.
    pub fn contribute<R: RngCore + CryptoRng>(
        &mut self,
        key: &SigningKey,
        name: &str,
        jurisdiction: Option<&str>,
        rng: &mut R,
    ) -> Result<&Contribution, CeremonyError> {
        self.verify_chain()?;
        let prev = self.head()?;
        let d = secret(rng);
        let d_inv = d.inverse().unwrap_or_default();
        let pk = &mut self.pk;
        pk.delta_g1 = (pk.delta_g1 * d).into_affine();
        pk.vk.delta_g2 = (pk.vk.delta_g2 * d).into_affine();
        pk.h_query = scale_all(&pk.h_query, d_inv);
        pk.l_query = scale_all(&pk.l_query, d_inv);
        let mut c = Contribution {
            index: self.header.contributions.len() + 1,
            contributor: Contributor::new(name, jurisdiction, key),
            delta_g1: point_hex(&pk.delta_g1),
            delta_g2: point_hex(&pk.vk.delta_g2),
            pok: Pok::prove(&d, &prev, "delta", rng),
            hash: String::new(),
            signature: String::new(),
        };
        let hash = contribution_hash(&prev, &c);
        c.hash = hex::encode(hash);
        c.signature = sign(key, &hash);
        self.header.contributions.push(c);
        Ok(&self.header.contributions[self.header.contributions.len() - 1])
    }

    /// Checks the chain of contributions (proofs of knowledge, δ in G1 and G2, hashes,
    /// signatures) and that the current key's δ is the last contribution's. Cheap: no circuit, no
    /// phase 1. Errors name the step.
    pub fn verify_chain(&self) -> Result<(), CeremonyError> {
        let mut prev_hash = start_hash(&self.header);
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        let mut prev = (g1, g2);
        for (k, c) in self.header.contributions.iter().enumerate() {
            let fail = |r: String| CeremonyError::step(c.contributor.step(k + 1), r);
            check_position(c.index, k).map_err(fail)?;
            let d1: G1Affine = point_from_hex("delta_g1", &c.delta_g1).map_err(fail)?;
            let d2: G2Affine = point_from_hex("delta_g2", &c.delta_g2).map_err(fail)?;
            c.pok
                .verify(&prev_hash, "delta", prev.0, d1)
                .map_err(fail)?;
            if !same_ratio((g1, d1), (g2, d2)) {
                return Err(fail(
                    "its delta in G2 does not match its delta in G1".into(),
                ));
            }
            let hash = contribution_hash(&prev_hash, c);
            check_signed(&c.contributor, &c.hash, &hash, &c.signature).map_err(fail)?;
            prev = (d1, d2);
            prev_hash = hash;
        }
        if (self.pk.delta_g1, self.pk.vk.delta_g2) != prev {
            return Err(CeremonyError::step(
                "current key",
                "its delta is not the last contribution's (changed outside any contribution)",
            ));
        }
        Ok(())
    }

    /// Verifies the whole ceremony from scratch: phase 1, the initial key re-derived from the
    /// circuit, every contribution, and the current key against the initial one; each stage is
    /// reported to `progress`.
    pub fn verify<R: RngCore>(
        &self,
        phase1: &Phase1,
        phase1_sha256: &str,
        rng: &mut R,
        progress: &dyn Progress,
    ) -> Result<Report, CeremonyError> {
        let h = &self.header;
        if h.phase1_sha256 != phase1_sha256 {
            return Err(CeremonyError::step(
                "initial key",
                format!(
                    "the ceremony started from phase 1 {}…, not from this one ({}…)",
                    h.phase1_sha256.get(..12).unwrap_or(&h.phase1_sha256),
                    phase1_sha256.get(..12).unwrap_or(phase1_sha256)
                ),
            ));
        }
        let (shape, initial) = derive_initial_key(&h.circuit, h.capacity, phase1, rng, progress)?;
        if sha256_hex(&compressed(&initial)) != h.initial_key_sha256 {
            return Err(CeremonyError::step(
                "initial key",
                format!(
                    "it is not the key of {} at capacity {} derived from this phase 1",
                    h.circuit, h.capacity
                ),
            ));
        }
        progress.stage(
            &format!(
                "checking {} contribution(s) and the current key",
                h.contributions.len()
            ),
            0,
        );
        self.check_against(&initial, rng)?;
        let phase1_contributors = (phase1.header.source == Source::Native).then(|| {
            let c = &phase1.header.contributions;
            c.iter().map(|c| c.contributor.signer()).collect()
        });
        Ok(Report {
            circuit: h.circuit.clone(),
            capacity: h.capacity,
            constraints: shape.num_constraints(),
            domain: domain_size(&shape)?,
            ceremony: VerifiedCeremony {
                key_id: key_id(&self.pk.vk),
                phase1_sha256: phase1_sha256.to_string(),
                phase1_contributors,
                contributors: h
                    .contributions
                    .iter()
                    .map(|c| c.contributor.signer())
                    .collect(),
                transcript_hash: hex::encode(self.head()?),
            },
        })
    }

    /// Checks the transcript and the current key against an initial key already derived (and
    /// checked) by the caller: every contribution, δ, the parts no contribution may change, and
    /// `L`, `H` divided by the final δ.
    pub fn check_against<R: RngCore>(
        &self,
        initial: &ProvingKey<Bn254>,
        rng: &mut R,
    ) -> Result<(), CeremonyError> {
        self.verify_chain()?;
        let (pk, init) = (&self.pk, initial);
        let fixed = [
            ("alpha", pk.vk.alpha_g1 == init.vk.alpha_g1),
            (
                "beta",
                pk.vk.beta_g2 == init.vk.beta_g2 && pk.beta_g1 == init.beta_g1,
            ),
            ("gamma", pk.vk.gamma_g2 == init.vk.gamma_g2),
            ("input query", pk.vk.gamma_abc_g1 == init.vk.gamma_abc_g1),
            ("A query", pk.a_query == init.a_query),
            (
                "B query",
                pk.b_g1_query == init.b_g1_query && pk.b_g2_query == init.b_g2_query,
            ),
            (
                "size of the H query",
                pk.h_query.len() == init.h_query.len(),
            ),
            (
                "size of the L query",
                pk.l_query.len() == init.l_query.len(),
            ),
        ];
        if let Some((what, _)) = fixed.iter().find(|(_, ok)| !ok) {
            return Err(CeremonyError::step(
                "current key",
                format!(
                    "its {what} differs from the initial key (changed outside any contribution)"
                ),
            ));
        }
        for (what, before, after) in [
            ("L", &init.l_query, &pk.l_query),
            ("H", &init.h_query, &pk.h_query),
        ] {
            if !scaled_by_inverse(before, after, init.vk.delta_g2, pk.vk.delta_g2, rng) {
                return Err(CeremonyError::step(
                    "current key",
                    format!("its {what} query is not the initial one divided by delta (a point was changed)"),
                ));
            }
        }
        Ok(())
    }

    /// Verifies the ceremony and returns its final key; refuses a ceremony without contributions
    /// (δ = γ = 1: anyone could forge).
    pub fn finalize<R: RngCore>(
        &self,
        phase1: &Phase1,
        phase1_sha256: &str,
        rng: &mut R,
        progress: &dyn Progress,
    ) -> Result<(ProvingKey<Bn254>, Report), CeremonyError> {
        if self.header.contributions.is_empty() {
            return Err(CeremonyError::step(
                "finalize",
                "the ceremony has no contribution: delta = gamma = 1, anyone could forge proofs",
            ));
        }
        let report = self.verify(phase1, phase1_sha256, rng, progress)?;
        zkgov_verifier::keys::check_key_is_safe("(ceremony key)", &self.pk.vk)?;
        Ok((self.pk.clone(), report))
    }

    /// Writes the ceremony file; returns its SHA-256.
    pub fn write(&self, path: &Path) -> Result<String, CeremonyError> {
        write_file(path, MAGIC, &self.header, &self.pk)
    }

    /// Reads a ceremony file (points validated).
    pub fn read(path: &Path) -> Result<Self, CeremonyError> {
        let (header, pk, _) = read_file(path, MAGIC, "zkgov ceremony file", |h: &Header, b| {
            SpecError::check_format(
                &path.display().to_string(),
                &h.format,
                h.version,
                FORMAT,
                VERSION,
            )?;
            points(path, b)
        })?;
        Ok(Ceremony { header, pk })
    }
}
