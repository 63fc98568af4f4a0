//! Phase 1: powers of tau, shared by every circuit up to `2^power` constraints.
//!
//! The points are `[τ^i]₁` for `i < 2n-1`, `[τ^i]₂`, `[ατ^i]₁`, `[βτ^i]₁` for `i < n`, and `[β]₂`,
//! with `n = 2^power` (the layout of snarkjs' `.ptau` sections 2 to 6). A native phase 1 starts from
//! τ = α = β = 1; each contribution multiplies them by fresh secrets and proves knowledge of them
//! (three [`Pok`]s bound to the transcript). Imported `.ptau` files keep snarkjs' own transcript,
//! which `snarkjs powersoftau verify` checks; zkgov checks every point and the consistency of the
//! powers, and records the file's SHA-256.
//!
//! A *prepared* phase 1 also carries the Lagrange basis of the FFT domains phase 2 needs
//! ([`Lagrange`]: `[L_j(τ)]₁`, `[L_j(τ)]₂`, `[αL_j(τ)]₁`, `[βL_j(τ)]₁`), computed once by
//! [`Phase1::prepare`] with group inverse FFTs (snarkjs' `powersoftau prepare phase2` does the same
//! for a `.ptau`, in its sections 12 to 15). Whoever uses a basis checks it against the powers
//! without any FFT over the group ([`Phase1::lagrange`]): for random 128-bit `ρ`,
//! `Σ ρ_j [L_j(τ)] = Σ c_k [τ^k]` with `c` the inverse FFT of `ρ` over the field, since
//! `L_j(X) = (1/n) Σ_k ω^{-jk} X^k`.
//!
//! File versions: version 2 carries the prepared bases after the powers; version 1 files (powers
//! only) are still read, as unprepared phase 1s.

use crate::error::CeremonyError;
use crate::{
    check_position, check_signed, head, points,
    pok::{
        msm_g1, msm_g2, point_from_hex, point_hex, rlc_coefficients, same_ratio, Pok, Transcript,
    },
    read_file, sign, write_file, Contributor, Progress,
};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ed25519_dalek::SigningKey;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zkgov_engine::powers_of;
use zkgov_spec::SpecError;

/// Magic bytes of a zkgov phase-1 file.
pub const MAGIC: &[u8; 8] = b"ZKGOVP1\x01";
/// Format name in the header.
pub const FORMAT: &str = "zkgov-phase1";
/// Format version (2: the powers, then the prepared Lagrange bases).
pub const VERSION: u32 = 2;
/// The previous version (the powers only), still read: such a phase 1 is unprepared.
const VERSION_UNPREPARED: u32 = 1;
/// Largest power a native phase 1 may have (2^22 constraints; larger ceremonies import a `.ptau`).
pub const MAX_NATIVE_POWER: u32 = 22;
/// Largest power accepted from any source (BN254's FFT domains go to 2^28).
pub const MAX_POWER: u32 = 28;

/// The powers of tau.
#[derive(Debug, Clone, PartialEq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Powers {
    /// `[τ^i]₁`, `i < 2n-1`.
    pub tau_g1: Vec<G1Affine>,
    /// `[τ^i]₂`, `i < n`.
    pub tau_g2: Vec<G2Affine>,
    /// `[ατ^i]₁`, `i < n`.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// `[βτ^i]₁`, `i < n`.
    pub beta_tau_g1: Vec<G1Affine>,
    /// `[β]₂`.
    pub beta_g2: G2Affine,
}

/// The powers in the Lagrange basis of one FFT domain (of size `n`, the length of each vector):
/// `[L_j(τ)]₁`, `[L_j(τ)]₂`, `[αL_j(τ)]₁`, `[βL_j(τ)]₁`.
#[derive(Debug, Clone, PartialEq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Lagrange {
    /// `[L_j(τ)]₁`.
    pub g1: Vec<G1Affine>,
    /// `[L_j(τ)]₂`.
    pub g2: Vec<G2Affine>,
    /// `[αL_j(τ)]₁`.
    pub alpha_g1: Vec<G1Affine>,
    /// `[βL_j(τ)]₁`.
    pub beta_g1: Vec<G1Affine>,
}

/// Where a phase 1 came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Source {
    /// Run with zkgov: its contributions are in the header.
    Native,
    /// Imported from a snarkjs `.ptau` file (its own transcript is checked by snarkjs).
    SnarkjsPtau {
        /// SHA-256 of the `.ptau` file.
        sha256: String,
        /// The power the `.ptau` file was made for (at least this phase 1's power).
        file_power: u32,
    },
}

/// One phase-1 contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// 1 for the first contribution.
    pub index: usize,
    /// Who contributed.
    pub contributor: Contributor,
    /// `[τ]₁` after this contribution.
    pub tau_g1: String,
    /// `[α]₁` after.
    pub alpha_g1: String,
    /// `[β]₁` after.
    pub beta_g1: String,
    /// Knowledge of the tau factor.
    pub tau_pok: Pok,
    /// Knowledge of the alpha factor.
    pub alpha_pok: Pok,
    /// Knowledge of the beta factor.
    pub beta_pok: Pok,
    /// Hash of this contribution and everything before it (hex).
    pub hash: String,
    /// The contributor's ed25519 signature over the hash (hex).
    pub signature: String,
}

/// The header of a phase-1 file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// `n = 2^power` powers.
    pub power: u32,
    /// Where the powers came from.
    pub source: Source,
    /// Native contributions, in order.
    pub contributions: Vec<Contribution>,
}

/// A phase 1.
#[derive(Debug, Clone)]
pub struct Phase1 {
    /// Its header (transcript).
    pub header: Header,
    /// Its points.
    pub powers: Powers,
    /// The Lagrange bases of its prepared domains, by increasing size. Use them only through
    /// [`Phase1::lagrange`], which checks the one it returns against the powers.
    pub prepared: Vec<Lagrange>,
}

fn start_hash(power: u32) -> [u8; 32] {
    let mut t = Transcript::new("zkgov/phase1/v1");
    t.bytes(&power.to_be_bytes());
    t.finish()
}

fn contribution_hash(prev: &[u8; 32], c: &Contribution) -> [u8; 32] {
    let mut t = Transcript::new("zkgov/phase1/contribution/v1");
    t.bytes(prev).bytes(&(c.index as u64).to_be_bytes());
    c.contributor.absorb(&mut t);
    for part in [&c.tau_g1, &c.alpha_g1, &c.beta_g1] {
        t.bytes(part.as_bytes());
    }
    for p in [&c.tau_pok, &c.alpha_pok, &c.beta_pok] {
        t.bytes(p.s.as_bytes())
            .bytes(p.s_x.as_bytes())
            .bytes(p.r_x.as_bytes());
    }
    t.finish()
}

/// `points[i] · scalars[i]`, in parallel, normalized.
fn scale_g1(points: &[G1Affine], scalars: &[Fr]) -> Vec<G1Affine> {
    let p: Vec<G1Projective> = points
        .par_iter()
        .zip(scalars)
        .map(|(p, s)| *p * s)
        .collect();
    G1Projective::normalize_batch(&p)
}

fn scale_g2(points: &[G2Affine], scalars: &[Fr]) -> Vec<G2Affine> {
    let p: Vec<G2Projective> = points
        .par_iter()
        .zip(scalars)
        .map(|(p, s)| *p * s)
        .collect();
    G2Projective::normalize_batch(&p)
}

/// A random secret, neither 0 nor 1.
pub(super) fn secret<R: RngCore + CryptoRng>(rng: &mut R) -> Fr {
    loop {
        let x = Fr::rand(rng);
        if !x.is_zero() && !x.is_one() {
            return x;
        }
    }
}

impl Lagrange {
    /// The size of its domain.
    pub fn n(&self) -> usize {
        self.g1.len()
    }

    /// Checks that its four vectors have the same length, a power of two of at most `max`
    /// points.
    fn shape(&self, max: usize) -> Result<(), String> {
        let n = self.n();
        let lens = [n, self.g2.len(), self.alpha_g1.len(), self.beta_g1.len()];
        if !n.is_power_of_two() || n > max || lens.iter().any(|l| *l != n) {
            return Err(format!(
                "its vectors hold {lens:?} points: a basis needs the same power of two for each, at most {max}"
            ));
        }
        Ok(())
    }

    /// Checks that its G2 points are in the prime-order subgroup, and the basis against the
    /// powers of tau (themselves checked by [`Powers::check`]) with one random linear
    /// combination per vector, fresh 128-bit coefficients `ρ` from `rng`
    /// each: `Σ ρ_j [L_j(τ)] = Σ c_k [τ^k]` with `c = IFFT(ρ)` over the field; two
    /// multi-scalar multiplications per vector and no FFT over the group. A basis with one wrong
    /// point, or for another domain, passes with probability about 2^-128.
    fn consistent<R: RngCore>(&self, powers: &Powers, rng: &mut R) -> Result<(), String> {
        self.shape(powers.n())?;
        // A .ptau's Lagrange levels are read with their G2 points checked on the curve only
        // (see `ptau`): check the subgroup here, for the one basis used. (G1 has cofactor 1.)
        if let Some(j) = self
            .g2
            .par_iter()
            .position_any(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        {
            return Err(format!(
                "its point [L_{j}(τ)]₂ is not in the prime-order subgroup"
            ));
        }
        let n = self.n();
        let domain = Radix2EvaluationDomain::<Fr>::new(n)
            .filter(|d| d.size() == n)
            .ok_or_else(|| format!("no FFT domain of size {n}"))?;
        let challenge = |rng: &mut R| {
            let rho = rlc_coefficients(n, rng);
            let c = domain.ifft(&rho);
            (rho, c)
        };
        let wrong = |what: &str| {
            format!(
                "its points {what} do not match the powers of tau (batched check): a point was changed, or the basis is not that of the domain of size {n}"
            )
        };
        for (what, basis, monomials) in [
            ("[L_j(τ)]₁", &self.g1, &powers.tau_g1),
            ("[αL_j(τ)]₁", &self.alpha_g1, &powers.alpha_tau_g1),
            ("[βL_j(τ)]₁", &self.beta_g1, &powers.beta_tau_g1),
        ] {
            let (rho, c) = challenge(rng);
            if msm_g1(basis, &rho) != msm_g1(&monomials[..n], &c) {
                return Err(wrong(what));
            }
        }
        let (rho, c) = challenge(rng);
        if msm_g2(&self.g2, &rho) != msm_g2(&powers.tau_g2[..n], &c) {
            return Err(wrong("[L_j(τ)]₂"));
        }
        Ok(())
    }
}

impl Powers {
    /// `n`, the number of G2 powers.
    pub fn n(&self) -> usize {
        self.tau_g2.len()
    }

    /// The starting point of a native phase 1: τ = α = β = 1.
    fn one(power: u32) -> Self {
        let n = 1usize << power;
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        Powers {
            tau_g1: vec![g1; 2 * n - 1],
            tau_g2: vec![g2; n],
            alpha_tau_g1: vec![g1; n],
            beta_tau_g1: vec![g1; n],
            beta_g2: g2,
        }
    }

    /// Checks lengths and generators, that τ, α and β are not 0 or 1, and that the powers are
    /// consistent, with one random linear combination per vector:
    /// `e(Σρ_i[τ^i]₁, [τ]₂) = e(Σρ_i[τ^{i+1}]₁, g₂)`, likewise for G2 and the α, β vectors, and
    /// `e([β]₁, g₂) = e(g₁, [β]₂)`.
    pub fn check<R: RngCore>(&self, power: u32, rng: &mut R) -> Result<(), CeremonyError> {
        self.consistent(power, rng)
            .map_err(|r| CeremonyError::step("phase 1 powers", r))
    }

    /// [`Self::check`], with what is wrong in words.
    fn consistent<R: RngCore>(&self, power: u32, rng: &mut R) -> Result<(), String> {
        let n = 1usize << power;
        if self.tau_g1.len() != 2 * n - 1
            || self.tau_g2.len() != n
            || self.alpha_tau_g1.len() != n
            || self.beta_tau_g1.len() != n
        {
            return Err(format!("the number of powers does not match power {power}"));
        }
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        if self.tau_g1[0] != g1 || self.tau_g2[0] != g2 {
            return Err("the first powers are not the generators".into());
        }
        let tau1 = self.tau_g1[1];
        let tau2 = self.tau_g2.get(1).copied().unwrap_or(self.tau_g2[0]);
        for (what, p) in [
            ("tau", tau1),
            ("alpha", self.alpha_tau_g1[0]),
            ("beta", self.beta_tau_g1[0]),
        ] {
            if p.is_zero() || p == g1 {
                return Err(format!(
                    "{what} is 0 or 1: no secret was applied, anyone could forge with these powers"
                ));
            }
        }
        // τ in G2 against τ in G1 (n = 1 has no [τ]₂ in the file: then check through τ₁ only).
        if n > 1 {
            let c = rlc_coefficients(n - 1, rng);
            let lo = msm_g2(&self.tau_g2[..n - 1], &c);
            let hi = msm_g2(&self.tau_g2[1..], &c);
            if !same_ratio((g1, tau1), (lo, hi)) {
                return Err("the G2 powers of tau are not consistent".into());
            }
        }
        let shifted = |v: &[G1Affine], what: &str, rng: &mut R| -> Result<(), String> {
            if v.len() < 2 {
                return Ok(());
            }
            let c = rlc_coefficients(v.len() - 1, rng);
            let lo = msm_g1(&v[..v.len() - 1], &c);
            let hi = msm_g1(&v[1..], &c);
            if same_ratio((lo, hi), (g2, tau2)) {
                Ok(())
            } else {
                Err(format!("the {what} powers are not consistent"))
            }
        };
        shifted(&self.tau_g1, "G1 tau", rng)?;
        shifted(&self.alpha_tau_g1, "alpha·tau", rng)?;
        shifted(&self.beta_tau_g1, "beta·tau", rng)?;
        if !same_ratio((g1, self.beta_tau_g1[0]), (g2, self.beta_g2)) {
            return Err("beta in G2 does not match beta in G1".into());
        }
        Ok(())
    }

    /// The Lagrange basis of the radix-2 domain of size `n` (a power of two, at most `self.n()`):
    /// an inverse FFT over the group, since `L_j(X) = (1/n) Σ_k ω^{-jk} X^k`. Slow (a scalar
    /// multiplication per butterfly): [`Phase1::prepare`] runs it once per domain.
    pub fn lagrange(&self, n: usize) -> Result<Lagrange, CeremonyError> {
        let domain = Radix2EvaluationDomain::<Fr>::new(n)
            .filter(|d| d.size() == n && n <= self.n())
            .ok_or_else(|| {
                CeremonyError::step(
                    "phase 1",
                    format!(
                        "the circuit needs 2^{} powers; this phase 1 has 2^{}",
                        n.trailing_zeros(),
                        self.n().trailing_zeros()
                    ),
                )
            })?;
        fn ifft<P: CurveGroup<ScalarField = Fr>>(
            d: &Radix2EvaluationDomain<Fr>,
            pts: &[P::Affine],
        ) -> Vec<P::Affine> {
            let mut v: Vec<P> = pts.iter().map(|p| (*p).into()).collect();
            d.ifft_in_place(&mut v);
            P::normalize_batch(&v)
        }
        Ok(Lagrange {
            g1: ifft::<G1Projective>(&domain, &self.tau_g1[..n]),
            g2: ifft::<G2Projective>(&domain, &self.tau_g2[..n]),
            alpha_g1: ifft::<G1Projective>(&domain, &self.alpha_tau_g1[..n]),
            beta_g1: ifft::<G1Projective>(&domain, &self.beta_tau_g1[..n]),
        })
    }

    /// Keeps the first `2^power` powers (a phase 1 for smaller circuits).
    pub fn truncate(&mut self, power: u32) {
        let n = 1usize << power;
        self.tau_g1.truncate(2 * n - 1);
        self.tau_g2.truncate(n);
        self.alpha_tau_g1.truncate(n);
        self.beta_tau_g1.truncate(n);
    }
}

impl Phase1 {
    /// A new native phase 1 of `2^power` powers, before any contribution (τ = α = β = 1: it must
    /// receive contributions before use).
    pub fn new(power: u32) -> Result<Self, CeremonyError> {
        if !(1..=MAX_NATIVE_POWER).contains(&power) {
            return Err(CeremonyError::step(
                "phase 1",
                format!(
                    "power must be 1 to {MAX_NATIVE_POWER} (import a .ptau for larger circuits)"
                ),
            ));
        }
        Ok(Phase1 {
            header: Header {
                format: FORMAT.into(),
                version: VERSION,
                power,
                source: Source::Native,
                contributions: vec![],
            },
            powers: Powers::one(power),
            prepared: vec![],
        })
    }

    /// An imported phase 1 (from a `.ptau`), with the Lagrange bases the file carries.
    pub fn imported(power: u32, source: Source, powers: Powers, prepared: Vec<Lagrange>) -> Self {
        Phase1 {
            header: Header {
                format: FORMAT.into(),
                version: VERSION,
                power,
                source,
                contributions: vec![],
            },
            powers,
            prepared,
        }
    }

    fn last_hash(&self) -> Result<[u8; 32], CeremonyError> {
        let last = self.header.contributions.last();
        head(
            last.map(|c| (&c.contributor, c.index, c.hash.as_str())),
            start_hash(self.header.power),
        )
    }

    /// Adds a contribution: checks the phase 1 so far, multiplies τ, α and β by fresh secrets
    /// (dropped when this returns), proves knowledge of them and signs the result. The result is
    /// unprepared: the Lagrange bases of the old τ are dropped.
    pub fn contribute<R: RngCore + CryptoRng>(
        &mut self,
        key: &SigningKey,
        name: &str,
        jurisdiction: Option<&str>,
        rng: &mut R,
    ) -> Result<&Contribution, CeremonyError> {
        if self.header.source != Source::Native {
            return Err(CeremonyError::step(
                "phase 1",
                "contribute to an imported .ptau with snarkjs (`snarkjs powersoftau contribute`), then import it again",
            ));
        }
        // Never build on a file that does not check: a fresh phase 1 must hold only generators.
        if self.header.contributions.is_empty() {
            if self.powers != Powers::one(self.header.power) {
                return Err(CeremonyError::step(
                    "phase 1",
                    "it has no contribution yet but its points are not the generators",
                ));
            }
        } else {
            self.verify(rng)?;
        }
        let prev = self.last_hash()?;
        let (x, a, b) = (secret(rng), secret(rng), secret(rng));
        let p = &self.powers;
        let n = p.n();
        let new = Powers {
            tau_g1: scale_g1(&p.tau_g1, &powers_of(x, Fr::one(), 2 * n - 1)),
            tau_g2: scale_g2(&p.tau_g2, &powers_of(x, Fr::one(), n)),
            alpha_tau_g1: scale_g1(&p.alpha_tau_g1, &powers_of(x, a, n)),
            beta_tau_g1: scale_g1(&p.beta_tau_g1, &powers_of(x, b, n)),
            beta_g2: (p.beta_g2 * b).into_affine(),
        };
        let mut c = Contribution {
            index: self.header.contributions.len() + 1,
            contributor: Contributor::new(name, jurisdiction, key),
            tau_g1: point_hex(&new.tau_g1[1]),
            alpha_g1: point_hex(&new.alpha_tau_g1[0]),
            beta_g1: point_hex(&new.beta_tau_g1[0]),
            tau_pok: Pok::prove(&x, &prev, "tau", rng),
            alpha_pok: Pok::prove(&a, &prev, "alpha", rng),
            beta_pok: Pok::prove(&b, &prev, "beta", rng),
            hash: String::new(),
            signature: String::new(),
        };
        let hash = contribution_hash(&prev, &c);
        c.hash = hex::encode(hash);
        c.signature = sign(key, &hash);
        self.powers = new;
        self.prepared.clear();
        self.header.contributions.push(c);
        Ok(&self.header.contributions[self.header.contributions.len() - 1])
    }

    /// Checks the whole phase 1: the header, every contribution (proofs of knowledge chained
    /// from τ = α = β = 1, hashes, signatures), that the powers are the last contribution's, and
    /// the consistency of the powers. Errors name the step.
    pub fn verify<R: RngCore>(&self, rng: &mut R) -> Result<(), CeremonyError> {
        let h = &self.header;
        if !(1..=MAX_POWER).contains(&h.power) {
            return Err(CeremonyError::step("phase 1", "power out of range"));
        }
        if h.source == Source::Native {
            let g1 = G1Affine::generator();
            let mut prev_hash = start_hash(h.power);
            let mut prev = (g1, g1, g1);
            for (k, c) in h.contributions.iter().enumerate() {
                let step = c.contributor.step(k + 1);
                let fail = |r: String| CeremonyError::step(format!("phase 1 {step}"), r);
                check_position(c.index, k).map_err(fail)?;
                let tau: G1Affine = point_from_hex("tau", &c.tau_g1).map_err(fail)?;
                let alpha: G1Affine = point_from_hex("alpha", &c.alpha_g1).map_err(fail)?;
                let beta: G1Affine = point_from_hex("beta", &c.beta_g1).map_err(fail)?;
                c.tau_pok
                    .verify(&prev_hash, "tau", prev.0, tau)
                    .map_err(fail)?;
                c.alpha_pok
                    .verify(&prev_hash, "alpha", prev.1, alpha)
                    .map_err(fail)?;
                c.beta_pok
                    .verify(&prev_hash, "beta", prev.2, beta)
                    .map_err(fail)?;
                let hash = contribution_hash(&prev_hash, c);
                check_signed(&c.contributor, &c.hash, &hash, &c.signature).map_err(fail)?;
                prev = (tau, alpha, beta);
                prev_hash = hash;
            }
            if h.contributions.is_empty() {
                return Err(CeremonyError::step(
                    "phase 1",
                    "it has no contribution: tau = 1, anyone could forge proofs",
                ));
            }
            let p = &self.powers;
            if p.tau_g1.len() < 2 || (p.tau_g1[1], p.alpha_tau_g1[0], p.beta_tau_g1[0]) != prev {
                return Err(CeremonyError::step(
                    "phase 1 powers",
                    "they are not the last contribution's (changed after it)",
                ));
            }
        }
        self.powers.check(h.power, rng)
    }

    /// Prepares the phase 1 for phase 2: computes the Lagrange basis of the domain of size
    /// `2^k` for each `k` in `domain_powers` (group inverse FFTs, slow, once), replacing any
    /// basis of that size. Only a native phase 1 (prepare a `.ptau` with snarkjs).
    pub fn prepare(
        &mut self,
        domain_powers: &[u32],
        progress: &dyn Progress,
    ) -> Result<(), CeremonyError> {
        if self.header.source != Source::Native {
            return Err(CeremonyError::step(
                "phase 1",
                "prepare a .ptau with snarkjs (`snarkjs powersoftau prepare phase2 IN.ptau OUT.ptau`)",
            ));
        }
        let power = self.header.power;
        if let Some(k) = domain_powers.iter().find(|k| !(1..=power).contains(*k)) {
            return Err(CeremonyError::step(
                "phase 1",
                format!("cannot prepare the domain 2^{k}: this phase 1 has 2^{power} powers (domains 2^1 to 2^{power})"),
            ));
        }
        for &k in domain_powers {
            progress.stage(
                &format!("computing the Lagrange basis of the domain 2^{k} (group FFTs)"),
                0,
            );
            let basis = self.powers.lagrange(1 << k)?;
            self.prepared.retain(|b| b.n() != basis.n());
            self.prepared.push(basis);
        }
        self.prepared.sort_by_key(Lagrange::n);
        Ok(())
    }

    /// The Lagrange basis of the domain of size `n`, checked against the powers (which
    /// [`Phase1::verify`] checks) with the batched check of [`Lagrange`]; if the phase 1 was not
    /// prepared for `n`, the error says how to prepare it.
    pub fn lagrange<R: RngCore>(&self, n: usize, rng: &mut R) -> Result<&Lagrange, CeremonyError> {
        let k = n.trailing_zeros();
        if !n.is_power_of_two() || n > self.powers.n() {
            return Err(CeremonyError::step(
                "phase 1",
                format!(
                    "the circuit needs 2^{k} powers; this phase 1 has 2^{}",
                    self.header.power
                ),
            ));
        }
        let basis = self.prepared.iter().find(|b| b.n() == n).ok_or_else(|| {
            let how = match self.header.source {
                Source::Native => format!(
                    "prepare it once with `zkgov ceremony phase1-prepare PHASE1 --domain-power {k} --out PREPARED` and use the prepared file"
                ),
                Source::SnarkjsPtau { .. } => "this .ptau is not prepared (no sections 12 to 15): prepare it with `snarkjs powersoftau prepare phase2 IN.ptau OUT.ptau` and use the prepared file".into(),
            };
            CeremonyError::step(
                "phase 1",
                format!("it has no Lagrange basis for the domain 2^{k} the circuit needs: {how}"),
            )
        })?;
        basis.consistent(&self.powers, rng).map_err(|r| {
            CeremonyError::step(format!("phase 1 Lagrange basis (domain 2^{k})"), r)
        })?;
        Ok(basis)
    }

    /// Checks every prepared Lagrange basis against the powers (after [`Phase1::verify`]);
    /// returns the prepared domains' powers of two.
    pub fn check_prepared<R: RngCore>(&self, rng: &mut R) -> Result<Vec<u32>, CeremonyError> {
        self.prepared
            .iter()
            .map(|b| self.lagrange(b.n(), rng).map(|b| b.n().trailing_zeros()))
            .collect()
    }

    /// Writes a phase-1 file (the current version); returns its SHA-256.
    pub fn write(&self, path: &Path) -> Result<String, CeremonyError> {
        write_file(path, MAGIC, &self.header, &(&self.powers, &self.prepared))
    }

    /// Reads a phase 1: a zkgov phase-1 file, or a snarkjs `.ptau` (recognized by its magic).
    /// Points are validated; call [`Phase1::verify`] before use. Returns it with the file's
    /// SHA-256.
    pub fn read(path: &Path) -> Result<(Self, String), CeremonyError> {
        let mut start = [0u8; 4];
        {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(|e| CeremonyError::io(path, e))?;
            f.read_exact(&mut start)
                .map_err(|_| CeremonyError::malformed(path, "file too short"))?;
        }
        if &start == crate::ptau::MAGIC {
            return super::ptau::read(path, None);
        }
        let (mut header, (powers, prepared), sha) =
            read_file(path, MAGIC, "zkgov phase-1 file", |h: &Header, b| {
                if h.format == FORMAT && h.version == VERSION_UNPREPARED {
                    return Ok((points(path, b)?, vec![]));
                }
                SpecError::check_format(
                    &path.display().to_string(),
                    &h.format,
                    h.version,
                    FORMAT,
                    VERSION,
                )?;
                points::<(Powers, Vec<Lagrange>)>(path, b)
            })?;
        header.version = VERSION;
        let max = 1usize << header.power.min(MAX_POWER);
        for (i, b) in prepared.iter().enumerate() {
            b.shape(max).map_err(|r| {
                CeremonyError::malformed(path, format!("Lagrange basis {}: {r}", i + 1))
            })?;
            if i > 0 && prepared[i - 1].n() >= b.n() {
                return Err(CeremonyError::malformed(
                    path,
                    "the Lagrange bases are not in increasing order of size (one is repeated?)",
                ));
            }
        }
        // Only a .ptau itself may skip the native transcript (snarkjs checks its own): a zkgov
        // file claiming to be an import would otherwise bypass every contribution check.
        if header.source != Source::Native {
            return Err(CeremonyError::malformed(
                path,
                "a zkgov phase-1 file must be a native one (give the .ptau itself)",
            ));
        }
        Ok((
            Phase1 {
                header,
                powers,
                prepared,
            },
            sha,
        ))
    }
}

/// The powers for known τ, α, β: for tests that compare ceremony keys with arkworks' own setup
/// (whoever knows the secrets can forge proofs).
pub fn from_secrets(power: u32, tau: Fr, alpha: Fr, beta: Fr) -> Powers {
    let n = 1usize << power;
    let g1 = vec![G1Affine::generator(); 2 * n - 1];
    let g2 = vec![G2Affine::generator(); n];
    Powers {
        tau_g1: scale_g1(&g1, &powers_of(tau, Fr::one(), 2 * n - 1)),
        tau_g2: scale_g2(&g2, &powers_of(tau, Fr::one(), n)),
        alpha_tau_g1: scale_g1(&g1[..n], &powers_of(tau, alpha, n)),
        beta_tau_g1: scale_g1(&g1[..n], &powers_of(tau, beta, n)),
        beta_g2: (G2Projective::generator() * beta).into_affine(),
    }
}
