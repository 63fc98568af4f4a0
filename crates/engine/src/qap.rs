//! The QAP witness map (the quotient `h = (A·B - C) / Z`) with FFTs in eight lanes.
//!
//! The same map as arkworks' `LibsnarkReduction::witness_map_from_matrices`, and for a satisfying
//! assignment the same output, as `h` is the unique polynomial with `A·B - C = h·Z`:
//! 1. `a = A·z`, `b = B·z`, `c = C·z` on the domain (with arkworks' rows for the inputs);
//! 2. for each: an inverse FFT to coefficients, scaled by powers of the coset generator `g`,
//!    then an FFT to evaluations on the coset `g·H`;
//! 3. `(a·b - c) / Z(g)` pointwise, then an inverse FFT and the scaling by powers of `1/g`.
//!
//! The FFTs are radix-2 in the lane form of [`crate::field_lanes`], eight butterflies at a time,
//! without a bit-reversal between them: inverse FFTs decimate in frequency (natural order in,
//! bit-reversed out), FFTs decimate in time (bit-reversed in, natural out), and the coset
//! scalings use their factors in bit-reversed order. Only `h` is reordered, as it is read back.
//! The twiddles and coset factors depend only on the domain, so they are computed once per
//! circuit shape ([`Qap::new`]).
//!
//! Bounds: a vector being transformed holds values below `2p` ([`Values`]), what the
//! butterflies take and give; the scalings and the quotient make its values canonical, and the
//! scaling that ends the map returns `h` as canonical groups ([`scale`]), as reading it back
//! needs. Twiddles and factors are canonical ([`Constants`]).
#![allow(unsafe_code)]

use crate::field_lanes::{
    add, broadcast, canonical, load, load8, mul, permute, put, store, sub, subtract_if_above, take,
    Below, Canonical, Group, Ifma, Modulus, Packed, Scalar, Within,
};
use crate::matrices::ConstraintMatrices;
use crate::powers_of;
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, FftField, Field};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

/// Eight canonical elements in lane form: twiddles and coset factors.
type Constants = Group<5, Canonical>;

/// Eight elements of a vector being transformed, below `2p`: canonical where it is made, and
/// after each butterfly stage below `2p` again.
type Values = Group<5, Below<2>>;

/// Twiddles and coset factors for one domain size.
#[derive(Debug, Clone)]
pub(crate) struct Qap {
    /// The CPU has the features of the lane FFTs.
    ifma: Ifma,
    log_n: u32,
    /// Per stage, half-size `m = 1, 2, 4, …`: `ω_{2m}^j` for `j < m` (groups of eight; for
    /// `m < 8`, one group in the order the butterflies use them).
    forward: Vec<Vec<Constants>>,
    /// The same for `ω^-1`.
    inverse: Vec<Vec<Constants>>,
    /// The factors `g^rev(p) / n` of the bit-reversed coefficients.
    coset: Coset,
    /// The factors `g^-rev(p) / n`.
    uncoset: Coset,
    /// `1 / Z(g) = 1 / (g^n - 1)`.
    z_inverse: Fr,
}

impl Qap {
    /// The tables for a domain of `n` points, or `None` where the lane code does not serve (a
    /// domain under sixteen points).
    pub(crate) fn new(ifma: Ifma, n: usize) -> Option<Qap> {
        let domain = Radix2EvaluationDomain::<Fr>::new(n)?;
        if domain.size() != n || n < 16 {
            return None;
        }
        let log_n = n.trailing_zeros();
        let g = Fr::GENERATOR;
        let n_inv = domain.size_inv();
        let stages = |root: Fr| -> Vec<Vec<Constants>> {
            (0..log_n)
                .map(|s| {
                    let m = 1usize << s;
                    // ω_{2m} = root^(n / 2m).
                    let w = root.pow([(n / (2 * m)) as u64]);
                    let powers = powers_of(w, Fr::ONE, m);
                    if m >= 8 {
                        groups(&powers)
                    } else {
                        let [u, ..] = small_stage_lanes(m);
                        vec![group_of(|lane| powers[u[lane] as usize % m])]
                    }
                })
                .collect()
        };
        // Position p = 8q + l reverses to rev3(l)·n/8 + rev(q), so its factor is a per-lane one
        // times a per-group one: an eighth of the table.
        let coset = |base: Fr| {
            let p = powers_of(base, Fr::ONE, n / 8);
            Coset {
                lanes: group_of(|l| base.pow([(reverse(l, 3) * n / 8) as u64]) * n_inv),
                groups: (0..n / 8)
                    .map(|q| Scalar::to_limbs(p[reverse(q, log_n - 3)]))
                    .collect(),
            }
        };
        Some(Qap {
            ifma,
            log_n,
            forward: stages(domain.group_gen()),
            inverse: stages(domain.group_gen_inv()),
            coset: coset(g),
            uncoset: coset(g.inverse()?),
            z_inverse: (g.pow([n as u64]) - Fr::ONE).inverse()?,
        })
    }

    /// The coefficients of `h` (length `n`) for `full_assignment`, from the R1CS matrices.
    pub(crate) fn witness_map(
        &self,
        matrices: &ConstraintMatrices,
        num_inputs: usize,
        full_assignment: &[Fr],
    ) -> Vec<Fr> {
        let n = 1usize << self.log_n;
        let num_constraints = matrices.num_constraints();
        let rows = |k: usize, with_inputs: bool| -> Vec<Values> {
            let mut v = vec![Fr::ZERO; n];
            matrices.evaluate(k, full_assignment, &mut v[..num_constraints]);
            if with_inputs {
                v[num_constraints..num_constraints + num_inputs]
                    .copy_from_slice(&full_assignment[..num_inputs]);
            }
            groups(&v)
        };
        let to_coset = |mut v: Vec<Values>| {
            // SAFETY: `self.ifma`, which only detection makes, shows that the CPU has the
            // features `dif`, `scale` and `dit` are compiled for.
            unsafe {
                self.dif(&mut v, &self.inverse);
                scale(self.ifma, &mut v, &self.coset);
                self.dit(&mut v, &self.forward);
            }
            v
        };
        let (a, b) = rayon::join(|| to_coset(rows(0, true)), || to_coset(rows(1, false)));
        let mut h = to_coset(rows(2, false));
        // SAFETY: as above, for `quotient`, `dif` and `scale`.
        let h = unsafe {
            quotient(self.ifma, &mut h, &a, &b, self.z_inverse);
            self.dif(&mut h, &self.inverse);
            scale(self.ifma, &mut h, &self.uncoset)
        };
        (0..n)
            .into_par_iter()
            .map(|i| {
                let p = reverse(i, self.log_n);
                let mut l = [0u64; 5];
                take(&mut l, &h[p / 8], p % 8);
                Scalar::from_limbs(&l)
            })
            .collect()
    }

    /// Decimation in frequency: natural order in, bit-reversed out (values below `2p`).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn dif(&self, v: &mut [Values], twiddles: &[Vec<Constants>]) {
        for s in (0..self.log_n as usize).rev() {
            stage(v, 1 << s, &twiddles[s], false);
        }
    }

    /// Decimation in time: bit-reversed order in, natural out (values below `2p`).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn dit(&self, v: &mut [Values], twiddles: &[Vec<Constants>]) {
        for (s, t) in twiddles.iter().enumerate() {
            stage(v, 1 << s, t, true);
        }
    }
}

/// Factors for the elements of a vector in lane form: `lanes[l] · groups[q]` for lane `l` of
/// group `q`.
#[derive(Debug, Clone)]
struct Coset {
    lanes: Constants,
    groups: Vec<[u64; 5]>,
}

/// The lowest `bits` bits of `i`, reversed.
fn reverse(i: usize, bits: u32) -> usize {
    i.reverse_bits() >> (usize::BITS - bits)
}

/// Elements (a multiple of eight) in lane form, canonical (in groups of any bound).
fn groups<B: Send>(v: &[Fr]) -> Vec<Group<5, B>>
where
    Canonical: Within<B>,
{
    v.par_chunks(8).map(|c| group_of(|lane| c[lane])).collect()
}

fn group_of<B>(f: impl Fn(usize) -> Fr) -> Group<5, B>
where
    Canonical: Within<B>,
{
    let mut g = Group::ZERO;
    for lane in 0..8 {
        put(&mut g, lane, &Scalar::to_limbs(f(lane)));
    }
    g
}

/// For a stage of half-size `m < 8`, done on two groups (sixteen elements) at once, as
/// permutation indices into the pair (0..8 the first group, 8..16 the second): the positions of
/// the butterflies' first elements (`u`) and of their partners (`v`), in lane order; then, for
/// each of the two groups, where its results come from (0..8 from `u`, 8..16 from `v`).
fn small_stage_lanes(m: usize) -> [[u64; 8]; 4] {
    let (mut u, mut v) = ([0u64; 8], [0u64; 8]);
    let (mut nu, mut nv) = (0, 0);
    let mut back = [0u64; 16];
    for (p, b) in back.iter_mut().enumerate() {
        if (p / m).is_multiple_of(2) {
            u[nu] = p as u64;
            *b = nu as u64;
            nu += 1;
        } else {
            v[nv] = p as u64;
            *b = 8 + nv as u64;
            nv += 1;
        }
    }
    [
        u,
        v,
        std::array::from_fn(|i| back[i]),
        std::array::from_fn(|i| back[8 + i]),
    ]
}

/// One radix-2 stage of half-size `m` over all blocks: decimation in time (`t = v·w`,
/// `(u + t, u - t)`) or in frequency (`(u + v, (u - v)·w)`). Values below `2p` in and out: the
/// sums and differences (`+ 2p`) are below `4p`, and `2p` is subtracted where it fits; the
/// products are below `2p`.
#[target_feature(enable = "avx512f,avx512ifma")]
fn stage(v: &mut [Values], m: usize, twiddles: &[Constants], dit: bool) {
    let butterfly =
        |u: &mut Packed<5, Below<2>>, x: &mut Packed<5, Below<2>>, w: &Packed<5, Canonical>| {
            if dit {
                let t = mul::<Scalar>(x, w);
                let (a, b) = (add(*u, t), sub(*u, t, &Scalar::P2));
                *u = subtract_if_above(a, &Scalar::P2);
                *x = subtract_if_above(b, &Scalar::P2);
            } else {
                let (a, b) = (add(*u, *x), sub(*u, *x, &Scalar::P2));
                *u = subtract_if_above(a, &Scalar::P2);
                *x = mul::<Scalar>(&b, w);
            }
        };
    if m >= 8 {
        let half = m / 8;
        v.par_chunks_mut(2 * half).for_each(|block| {
            let (lo, hi) = block.split_at_mut(half);
            lo.par_iter_mut()
                .zip(hi.par_iter_mut())
                .zip(twiddles.par_iter())
                .with_min_len(64)
                .for_each(|((lo, hi), w)| {
                    let (mut u, mut x, w) = (load(lo), load(hi), load(w));
                    butterfly(&mut u, &mut x, &w);
                    store(lo, &u);
                    store(hi, &x);
                });
        });
        return;
    }
    let [iu, iv, b0, b1] = small_stage_lanes(m).map(|i| load8(&i));
    v.par_chunks_mut(2).with_min_len(64).for_each(|pair| {
        let (x, y) = (load(&pair[0]), load(&pair[1]));
        let mut u = permute(&x, iu, &y);
        let mut t = permute(&x, iv, &y);
        butterfly(&mut u, &mut t, &load(&twiddles[0]));
        let x = permute(&u, b0, &t);
        let y = permute(&u, b1, &t);
        store(&mut pair[0], &x);
        store(&mut pair[1], &y);
    });
}

/// Multiplies each element by its factor (values below `2p` in, canonical out), and returns the
/// canonical results: `v`, read only while the result is.
#[target_feature(enable = "avx512f,avx512ifma")]
fn scale<'a>(_ifma: Ifma, v: &'a mut [Values], factors: &Coset) -> &'a [Constants] {
    let lanes = load(&factors.lanes);
    v.par_iter_mut()
        .zip(&factors.groups)
        .with_min_len(256)
        .for_each(|(x, g)| {
            let product = mul::<Scalar>(&mul::<Scalar>(&load(x), &lanes), &broadcast(g));
            store(x, &canonical::<Scalar, 5>(product).widen());
        });
    // SAFETY: `Group` is `repr(transparent)` over its limbs whatever its bound, so both slices
    // have one layout. Every group of `v` now holds canonical values, and the shared borrow
    // returned keeps them so.
    unsafe { &*(v as *const [Values] as *const [Constants]) }
}

/// `h = (a·b - h) · z` pointwise, with `h` holding `c` on entry (values below `2p`); the result
/// canonical (`a·b + 2p - c` is below `4p`).
#[target_feature(enable = "avx512f,avx512ifma")]
fn quotient(_ifma: Ifma, h: &mut [Values], a: &[Values], b: &[Values], z: Fr) {
    let z: Constants = group_of(|_| z);
    h.par_iter_mut()
        .zip(a)
        .zip(b)
        .with_min_len(256)
        .for_each(|((h, a), b)| {
            let ab = mul::<Scalar>(&load(a), &load(b));
            let d = sub(ab, load(h), &Scalar::P2);
            store(
                h,
                &canonical::<Scalar, 5>(mul::<Scalar>(&d, &load(&z))).widen(),
            );
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepared::tests::{libsnark_witness_map, satisfied_r1cs};
    use ark_poly::GeneralEvaluationDomain;
    use rand::{rngs::StdRng, SeedableRng};

    /// On a random satisfied R1CS, the lane QAP gives arkworks' coefficients exactly, for domains
    /// from sixteen points (small stages only) up.
    #[test]
    fn matches_arkworks() {
        let Some(ifma) = crate::field_lanes::tests::ifma_or_skip() else {
            return;
        };
        let mut rng = StdRng::seed_from_u64(9);
        for (constraints, inputs) in [(10usize, 3usize), (100, 5), (3000, 2)] {
            let (matrices, z) = satisfied_r1cs(&mut rng, constraints, inputs);
            let n = GeneralEvaluationDomain::<Fr>::new(constraints + inputs)
                .unwrap()
                .size();
            let want = libsnark_witness_map(&matrices, inputs, &z);
            let got = Qap::new(ifma, n).unwrap().witness_map(
                &ConstraintMatrices::new(matrices, z.len()).unwrap(),
                inputs,
                &z,
            );
            assert_eq!(got, want, "{constraints} constraints");
        }
    }
}
