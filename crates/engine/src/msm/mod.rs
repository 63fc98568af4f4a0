//! Multi-scalar multiplication with batch-affine bucket accumulation.
//!
//! Pippenger's method with signed `c`-bit digits, like arkworks' `msm_bigint`, but the buckets are
//! kept in affine coordinates and filled in batches: the additions of one batch share a single
//! field inversion (Montgomery's trick), so an addition costs 5 multiplications and a squaring
//! instead of the 8 multiplications and 2 squarings of an extended-Jacobian mixed addition. This
//! is the technique of gnark and of the ZPrize MSM entries; the code here is zkgov's own.
//!
//! Two accumulators, chosen per curve by [`MsmCurve`]:
//! - on CPUs with AVX-512 IFMA, BN254's G1 and G2 use the `ifma` module: eight additions at a
//!   time in 52-bit limbs, busy-bucket additions summed by pairs at the end of the window, and
//!   the buckets' weighted sum in lanes too;
//! - elsewhere, the portable accumulator here: a point whose bucket already has an addition
//!   waiting in the current batch (a collision, or an addition of a point to itself or to its
//!   negation) goes into a second, extended-Jacobian bucket instead, so many equal scalars (the
//!   identical Poseidon rounds of empty slots, say) cost no more than they do in arkworks.
//!
//! Each window is one rayon task.

use ark_ec::{
    short_weierstrass::{Affine, Projective, SWCurveConfig},
    AdditiveGroup, AffineRepr, VariableBaseMSM,
};
use ark_ff::{Field, PrimeField, Zero};
use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
mod ifma;

type Bucket<P> = <Projective<P> as VariableBaseMSM>::Bucket;

/// Additions that share one inversion.
const BATCH: usize = 512;

/// `Σ scalars[i] · bases[i]` over the common length of the two slices.
pub fn msm<P: MsmCurve>(
    bases: &[Affine<P>],
    scalars: &[<P::ScalarField as PrimeField>::BigInt],
) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    msm_digits(&bases[..n], &Digits::new::<P::ScalarField>(&scalars[..n]))
}

/// The signed windowed digits of a vector of scalars, computed once and reusable for several
/// base vectors (the A and B queries of one proof share their scalars).
pub struct Digits {
    n: usize,
    c: usize,
    windows: usize,
    /// Window-major: `digits[w * n + i]`, each in `[-2^(c-1), 2^(c-1)]`.
    digits: Vec<i32>,
}

impl Digits {
    /// The digits of `scalars`, elements of the field `F`.
    pub fn new<F: PrimeField>(scalars: &[F::BigInt]) -> Self {
        let n = scalars.len();
        let bits = F::MODULUS_BIT_SIZE as usize;
        let c = window_bits(n, bits);
        let windows = windows(bits, c);
        Digits {
            n,
            c,
            windows,
            digits: signed_digits(scalars, c, windows),
        }
    }
}

/// `Σ scalars[i] · bases[i]` for the scalars behind `digits`, over the common length.
pub fn msm_digits<P: MsmCurve>(bases: &[Affine<P>], digits: &Digits) -> Projective<P> {
    if digits.n == 0 {
        return Projective::zero();
    }
    combine(&P::window_sums(&bases[..digits.n], digits), digits.c)
}

/// `Σ_w 2^(c·w) · sums[w]`.
fn combine<P: SWCurveConfig>(sums: &[Projective<P>], c: usize) -> Projective<P> {
    sums.iter().rev().fold(Projective::zero(), |mut acc, s| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + s
    })
}

/// The curves this MSM serves, each with its fastest way to sum the windows.
pub trait MsmCurve: SWCurveConfig {
    /// `Σ_k k · (sum of the bases whose digit is ±k)` for each window of `digits`.
    fn window_sums(bases: &[Affine<Self>], digits: &Digits) -> Vec<Projective<Self>> {
        portable_window_sums(bases, digits)
    }
}

/// BN254's G1: eight additions at a time with AVX-512 IFMA where the CPU has it.
impl MsmCurve for ark_bn254::g1::Config {
    fn window_sums(bases: &[Affine<Self>], digits: &Digits) -> Vec<Projective<Self>> {
        #[cfg(target_arch = "x86_64")]
        if let Some(token) = crate::backend::ifma() {
            return ifma::window_sums::<Self, 5>(token, bases, digits);
        }
        portable_window_sums(bases, digits)
    }
}

/// BN254's G2: the same, with `Fq2` arithmetic.
impl MsmCurve for ark_bn254::g2::Config {
    fn window_sums(bases: &[Affine<Self>], digits: &Digits) -> Vec<Projective<Self>> {
        #[cfg(target_arch = "x86_64")]
        if let Some(token) = crate::backend::ifma() {
            return ifma::window_sums::<Self, 10>(token, bases, digits);
        }
        portable_window_sums(bases, digits)
    }
}

fn portable_window_sums<P: SWCurveConfig>(
    bases: &[Affine<P>],
    digits: &Digits,
) -> Vec<Projective<P>> {
    (0..digits.windows)
        .into_par_iter()
        .map(|w| window_sum(bases, window_span(digits, w), digits.c))
        .collect()
}

/// The digits of window `w`.
fn window_span(digits: &Digits, w: usize) -> &[i32] {
    &digits.digits[w * digits.n..(w + 1) * digits.n]
}

/// Windows of `c` bits for scalars of `bits` bits: one more than the bits need, for the carry out
/// of the top signed digit.
fn windows(bits: usize, c: usize) -> usize {
    bits / c + 1
}

/// The window width that minimises a simple cost model: per window, one affine addition (about 6
/// multiplications) per point plus about 27 multiplications per bucket in the final running sums.
fn window_bits(n: usize, bits: usize) -> usize {
    (4..=16)
        .min_by_key(|&c| windows(bits, c) * (n * 6 + (1usize << (c - 1)) * 27))
        .unwrap_or(8)
}

/// Signed base-`2^c` digits of every scalar, window-major.
fn signed_digits<B: AsRef<[u64]> + Sync>(scalars: &[B], c: usize, windows: usize) -> Vec<i32> {
    let n = scalars.len();
    let mut digits = vec![0i32; windows * n];
    let chunk = n.div_ceil(rayon::current_num_threads().max(1) * 4).max(1);
    let half = 1i64 << (c - 1);
    // Each task fills its own columns; the rows are the windows.
    let columns: Vec<(usize, Vec<i32>)> = scalars
        .par_chunks(chunk)
        .enumerate()
        .map(|(k, part)| {
            let mut local = vec![0i32; windows * part.len()];
            for (i, s) in part.iter().enumerate() {
                let mut carry = 0i64;
                for w in 0..windows {
                    let raw = window_value(s.as_ref(), w * c, c) as i64 + carry;
                    let d = if raw > half { raw - (1i64 << c) } else { raw };
                    carry = i64::from(raw > half);
                    local[w * part.len() + i] = d as i32;
                }
            }
            (k * chunk, local)
        })
        .collect();
    for (start, local) in columns {
        let len = local.len() / windows;
        for w in 0..windows {
            digits[w * n + start..w * n + start + len]
                .copy_from_slice(&local[w * len..(w + 1) * len]);
        }
    }
    digits
}

/// Bits `[start, start + c)` of a little-endian limb array (zero past its end).
fn window_value(limbs: &[u64], start: usize, c: usize) -> u64 {
    let (limb, shift) = (start / 64, start % 64);
    if limb >= limbs.len() {
        return 0;
    }
    let mut v = limbs[limb] >> shift;
    if shift + c > 64 && limb + 1 < limbs.len() {
        v |= limbs[limb + 1] << (64 - shift);
    }
    v & ((1u64 << c) - 1)
}

/// `Σ_k k · (sum of the points whose digit is ±k)` for one window.
fn window_sum<P: SWCurveConfig>(bases: &[Affine<P>], digits: &[i32], c: usize) -> Projective<P> {
    let half = 1usize << (c - 1);
    let mut acc = Accumulator::<P>::new(half);
    for (base, &d) in bases.iter().zip(digits) {
        if d == 0 || base.is_zero() {
            continue;
        }
        let point = if d < 0 { -*base } else { *base };
        acc.add(d.unsigned_abs() as usize - 1, point);
    }
    acc.flush();
    // Running sums from the top bucket down: bucket k is counted k + 1 times.
    let zero = <Projective<P> as VariableBaseMSM>::ZERO_BUCKET;
    let (mut running, mut total) = (zero, zero);
    for (a, j) in acc.affine.iter().zip(&acc.jacobian).rev() {
        running += a;
        running += j;
        total += &running;
    }
    total.into()
}

/// The buckets of one window: affine ones filled in batches, and extended-Jacobian ones for the
/// points that could not join the current batch.
struct Accumulator<P: SWCurveConfig> {
    affine: Vec<Affine<P>>,
    jacobian: Vec<Bucket<P>>,
    waiting: Vec<bool>,
    batch: Vec<(usize, Affine<P>)>,
    prefix: Vec<P::BaseField>,
}

impl<P: SWCurveConfig> Accumulator<P> {
    fn new(buckets: usize) -> Self {
        Accumulator {
            affine: vec![Affine::identity(); buckets],
            jacobian: vec![<Projective<P> as VariableBaseMSM>::ZERO_BUCKET; buckets],
            waiting: vec![false; buckets],
            batch: Vec::with_capacity(BATCH),
            prefix: Vec::with_capacity(BATCH),
        }
    }

    fn add(&mut self, k: usize, point: Affine<P>) {
        if self.waiting[k] {
            self.jacobian[k] += &point;
        } else if self.affine[k].is_zero() {
            self.affine[k] = point;
        } else if self.affine[k].x == point.x {
            // Doubling, or a point plus its negation: not for the affine formula.
            self.jacobian[k] += &point;
        } else {
            self.waiting[k] = true;
            self.batch.push((k, point));
            if self.batch.len() == BATCH {
                self.flush();
            }
        }
    }

    /// Performs the waiting additions with one inversion.
    fn flush(&mut self) {
        self.prefix.clear();
        let mut product = P::BaseField::ONE;
        for (k, p) in &self.batch {
            self.prefix.push(product);
            product *= p.x - self.affine[*k].x;
        }
        // Every denominator is non-zero (equal x went to the Jacobian bucket), so is the product.
        let mut inverse = product.inverse().unwrap_or(P::BaseField::ZERO);
        for ((k, p), before) in self.batch.iter().zip(&self.prefix).rev() {
            let q = self.affine[*k];
            let dx = p.x - q.x;
            let inv = inverse * before;
            inverse *= dx;
            let lambda = (p.y - q.y) * inv;
            let x = lambda.square() - q.x - p.x;
            let y = lambda * (q.x - x) - q.y;
            self.affine[*k] = Affine::new_unchecked(x, y);
            self.waiting[*k] = false;
        }
        self.batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    fn scalars(rng: &mut StdRng, n: usize, kind: usize) -> Vec<Fr> {
        (0..n)
            .map(|i| match kind {
                // Random full-size scalars.
                0 => Fr::rand(rng),
                // Bits, small integers and small negatives, as in witnesses.
                1 => match i % 4 {
                    0 => Fr::from(rng.gen_range(0u64..2)),
                    1 => Fr::from(rng.gen::<u32>()),
                    2 => -Fr::from(rng.gen_range(0u64..300)),
                    _ => Fr::rand(rng),
                },
                // One repeated full-size value, as in the identical rounds of empty slots.
                _ => Fr::from(7u64).inverse().unwrap(),
            })
            .collect()
    }

    /// zkgov's MSM (IFMA in G1 where the CPU has it) and the portable accumulator both give
    /// arkworks' result.
    fn check<G: MsmCurve<ScalarField = Fr>>(bases: &[Affine<G>], xs: &[Fr]) {
        let big: Vec<_> = xs.iter().map(|x| x.into_bigint()).collect();
        let expected = Projective::<G>::msm(bases, xs).unwrap().into_affine();
        assert_eq!(msm(bases, &big).into_affine(), expected);
        if !xs.is_empty() {
            let digits = Digits::new::<Fr>(&big);
            let sums = portable_window_sums(bases, &digits);
            assert_eq!(combine(&sums, digits.c).into_affine(), expected);
        }
    }

    #[test]
    fn matches_arkworks_in_g1() {
        let mut rng = StdRng::seed_from_u64(1);
        for n in [0usize, 1, 2, 3, 31, 600, 5000] {
            let mut bases: Vec<G1Affine> = (0..n).map(|_| G1Affine::rand(&mut rng)).collect();
            // Repeated bases, negated bases and the identity exercise the special cases.
            if n > 3 {
                bases[1] = bases[0];
                bases[2] = -bases[0];
                bases[3] = G1Affine::identity();
            }
            for kind in 0..3 {
                check(&bases, &scalars(&mut rng, n, kind));
            }
        }
    }

    #[test]
    fn full_batches_in_g1() {
        // Large enough for 13-bit windows, whose IFMA batches are full (1024 additions).
        let mut rng = StdRng::seed_from_u64(4);
        let g = G1Projective::rand(&mut rng);
        let mut acc = g;
        let bases = G1Projective::normalize_batch(
            &(0..100_000)
                .map(|_| {
                    acc += g;
                    acc
                })
                .collect::<Vec<_>>(),
        );
        check(&bases, &scalars(&mut rng, bases.len(), 1));
    }

    #[test]
    fn matches_arkworks_in_g2() {
        let mut rng = StdRng::seed_from_u64(2);
        for n in [1usize, 17, 1500] {
            let mut bases: Vec<G2Affine> = (0..n).map(|_| G2Affine::rand(&mut rng)).collect();
            if n > 2 {
                bases[1] = -bases[0];
            }
            for kind in 0..3 {
                check(&bases, &scalars(&mut rng, n, kind));
            }
        }
    }

    #[test]
    fn extreme_scalars() {
        let mut rng = StdRng::seed_from_u64(3);
        let bases: Vec<G1Affine> = (0..64).map(|_| G1Affine::rand(&mut rng)).collect();
        let xs: Vec<Fr> = (0..64)
            .map(|i| match i % 3 {
                0 => -Fr::from(1u64),
                1 => Fr::from(2u64).pow([253u64]),
                _ => Fr::from(u64::MAX),
            })
            .collect();
        check(&bases, &xs);
    }
}
