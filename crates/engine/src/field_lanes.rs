//! Field arithmetic in eight lanes with AVX-512 IFMA, for BN254's base field (the MSM's
//! coordinates) and scalar field (the QAP's FFTs).
//!
//! Arkworks multiplies four 64-bit limbs in Montgomery form, about 19 ns here. AVX-512 IFMA
//! multiplies 52-bit limbs in eight 64-bit lanes at once (`vpmadd52luq`/`vpmadd52huq`), so here
//! an element is five 52-bit limbs in Montgomery form with `R = 2^260`, and a vector holds one
//! limb of eight elements. An element `a` is the integer `a · 2^260 mod p`, split into limbs
//! below `2^52`; a value with `N = 5k` limbs is `k` such components (an `Fq2` element is two).
//!
//! Bounds: canonical values are below `p`. Both moduli are below `2^254`, so for inputs below `4p`
//! a product is below `16p² / 2^260 + p < 1.25p`; sums and differences are kept below `4p` by
//! their callers and made canonical (two conditional subtractions) where values are stored or
//! compared.
//!
//! The functions here are compiled for `avx512f` (and `avx512ifma`), which makes calling them
//! from other code `unsafe`. Such calls are made only where an [`Ifma`] token is held: only
//! [`detect`] makes one, after checking the CPU, so every entry point of the lane code (the lane
//! MSM's `window_sums` and `Lanes::new`, `Qap::new`) takes one. Elsewhere zkgov uses arkworks'
//! arithmetic. Tests check every operation against arkworks.
#![allow(unsafe_code)]

use ark_bn254::{Fq, FqConfig, Fr, FrConfig};
use ark_ff::{
    fields::models::fp::{Fp256, MontBackend, MontConfig},
    AdditiveGroup, BigInt, Field, MontFp,
};
use core::arch::x86_64::*;

/// Eight lanes of one limb.
pub(crate) type V = __m512i;

pub(crate) const MASK: u64 = (1 << 52) - 1;

pub(crate) use crate::backend::Ifma;

/// An element of the field of [`Modulus`] `M`, in arkworks.
pub(crate) type Elem<M> = Fp256<MontBackend<<M as Modulus>::Config, 4>>;

/// A prime below `2^254` (an arkworks field of four 64-bit limbs) and its constants in 52-bit
/// limbs, derived from arkworks' own.
pub(crate) trait Modulus: Sized {
    /// The arkworks field's configuration.
    type Config: MontConfig<4>;
    /// `1/16`: arkworks' Montgomery form has `R = 2^256`, this module's `2^260`.
    const SIXTEENTH: Elem<Self>;
    const P: [u64; 5] = split52(Self::Config::MODULUS.0);
    const P2: [u64; 5] = split52(shl(Self::Config::MODULUS.0, 1));
    const P4: [u64; 5] = split52(shl(Self::Config::MODULUS.0, 2));
    /// `-p^-1 mod 2^52`, from arkworks' `-p^-1 mod 2^64`.
    const P_INV: u64 = Self::Config::INV & MASK;

    /// `a` as five 52-bit limbs of `a · 2^260 mod p`: sixteen times `a` has the arkworks
    /// representation `16a · 2^256 = a · 2^260`.
    fn to_limbs(a: Elem<Self>) -> [u64; 5] {
        let mut b = a;
        for _ in 0..4 {
            b.double_in_place();
        }
        split52((b.0).0)
    }

    /// The element whose canonical limbs are `l`: the arkworks element with the limbs' integer
    /// as its representation is sixteen times it.
    fn from_limbs(l: &[u64; 5]) -> Elem<Self> {
        let big = BigInt::new([
            l[0] | l[1] << 52,
            l[1] >> 12 | l[2] << 40,
            l[2] >> 24 | l[3] << 28,
            l[3] >> 36 | l[4] << 16,
        ]);
        Fp256::new_unchecked(big) * Self::SIXTEENTH
    }
}

/// BN254's base field, of the curve points' coordinates.
pub(crate) struct Base;

/// BN254's scalar field, of the witnesses and the QAP.
pub(crate) struct Scalar;

impl Modulus for Base {
    type Config = FqConfig;
    const SIXTEENTH: Fq =
        MontFp!("12312136615409592312513603231707217237391675025980025810262583815737939742328");
}

impl Modulus for Scalar {
    type Config = FrConfig;
    const SIXTEENTH: Fr =
        MontFp!("20520227692349320520856005386178695395514091625390032197217066424914820464641");
}

/// A 256-bit integer below `2^260` as five 52-bit limbs.
const fn split52(l: [u64; 4]) -> [u64; 5] {
    [
        l[0] & MASK,
        (l[0] >> 52 | l[1] << 12) & MASK,
        (l[1] >> 40 | l[2] << 24) & MASK,
        (l[2] >> 28 | l[3] << 36) & MASK,
        l[3] >> 16,
    ]
}

/// `x · 2^k` for `0 < k < 64`, for a product below `2^256`.
const fn shl(x: [u64; 4], k: u32) -> [u64; 4] {
    [
        x[0] << k,
        x[1] << k | x[0] >> (64 - k),
        x[2] << k | x[1] >> (64 - k),
        x[3] << k | x[2] >> (64 - k),
    ]
}

/// The negation of canonical limbs: `p - c` for each non-zero component `c`.
pub(crate) fn negate<M: Modulus, const N: usize>(y: &[u64; N]) -> [u64; N] {
    let mut out = [0u64; N];
    for (o, c) in out.chunks_exact_mut(5).zip(y.chunks_exact(5)) {
        if c.iter().all(|&l| l == 0) {
            continue;
        }
        let mut borrow = 0i64;
        for ((o, &p), &c) in o.iter_mut().zip(&M::P).zip(c) {
            let d = p as i64 - c as i64 + borrow;
            *o = (d as u64) & MASK;
            borrow = d >> 52;
        }
    }
    out
}

/// Writes `v` into lane `lane` of a group.
pub(crate) fn put<const N: usize>(group: &mut [[u64; 8]; N], lane: usize, v: &[u64; N]) {
    for (limb, x) in group.iter_mut().zip(v) {
        limb[lane] = *x;
    }
}

/// Reads lane `lane` of a group into `out`.
pub(crate) fn take<const N: usize>(out: &mut [u64; N], group: &[[u64; 8]; N], lane: usize) {
    for (o, limb) in out.iter_mut().zip(group) {
        *o = limb[lane];
    }
}

/// Lane `lane` of a group.
pub(crate) fn get<const N: usize>(group: &[[u64; 8]; N], lane: usize) -> [u64; N] {
    let mut out = [0; N];
    take(&mut out, group, lane);
    out
}

#[target_feature(enable = "avx512f")]
pub(crate) fn splat(c: u64) -> V {
    _mm512_set1_epi64(c as i64)
}

/// Eight consecutive `u64`s.
#[target_feature(enable = "avx512f")]
pub(crate) fn load8(a: &[u64; 8]) -> V {
    // SAFETY: `a` is 64 readable bytes; the load has no alignment requirement.
    unsafe { _mm512_loadu_si512(a.as_ptr().cast()) }
}

#[target_feature(enable = "avx512f")]
pub(crate) fn store8(out: &mut [u64; 8], v: V) {
    // SAFETY: `out` is 64 writable bytes; the store has no alignment requirement.
    unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), v) }
}

#[target_feature(enable = "avx512f")]
pub(crate) fn load<const N: usize>(a: &[[u64; 8]; N]) -> [V; N] {
    a.map(|l| load8(&l))
}

#[target_feature(enable = "avx512f")]
pub(crate) fn store<const N: usize>(out: &mut [[u64; 8]; N], a: &[V; N]) {
    for (o, v) in out.iter_mut().zip(a) {
        store8(o, *v);
    }
}

/// One in every lane (the first component; any others zero).
#[target_feature(enable = "avx512f")]
pub(crate) fn one<M: Modulus, const N: usize>() -> [V; N] {
    let one = M::to_limbs(Elem::<M>::ONE);
    std::array::from_fn(|i| splat(if i < 5 { one[i] } else { 0 }))
}

/// Propagates carries (and borrows) within each component, so that every limb but a
/// component's top one is below `2^52`.
#[target_feature(enable = "avx512f")]
pub(crate) fn carry<const N: usize>(mut a: [V; N]) -> [V; N] {
    let mask = splat(MASK);
    for i in 0..N {
        if i % 5 != 4 {
            a[i + 1] = _mm512_add_epi64(a[i + 1], _mm512_srai_epi64::<52>(a[i]));
            a[i] = _mm512_and_si512(a[i], mask);
        }
    }
    a
}

/// `a + k - b` per component, for a multiple `k` of `p` (in limbs) at least `b`'s bound.
#[target_feature(enable = "avx512f")]
pub(crate) fn sub<const N: usize>(a: [V; N], b: [V; N], k: &[u64; 5]) -> [V; N] {
    carry(std::array::from_fn(|i| {
        _mm512_sub_epi64(_mm512_add_epi64(a[i], splat(k[i % 5])), b[i])
    }))
}

/// `a + b` per component.
#[target_feature(enable = "avx512f")]
pub(crate) fn add<const N: usize>(a: [V; N], b: [V; N]) -> [V; N] {
    carry(std::array::from_fn(|i| _mm512_add_epi64(a[i], b[i])))
}

/// `a` reduced below `p`, for components below `4p` with carried limbs.
#[target_feature(enable = "avx512f")]
pub(crate) fn canonical<M: Modulus, const N: usize>(a: [V; N]) -> [V; N] {
    subtract_if_above(subtract_if_above(a, &M::P2), &M::P)
}

/// `a - q` per component where it is at least `q`, else `a`.
#[target_feature(enable = "avx512f")]
pub(crate) fn subtract_if_above<const N: usize>(a: [V; N], q: &[u64; 5]) -> [V; N] {
    let d: [V; N] = carry(std::array::from_fn(|i| {
        _mm512_sub_epi64(a[i], splat(q[i % 5]))
    }));
    let zero = _mm512_setzero_si512();
    std::array::from_fn(|i| {
        let below = _mm512_cmplt_epi64_mask(d[i - i % 5 + 4], zero);
        _mm512_mask_blend_epi64(below, d[i], a[i])
    })
}

/// Montgomery product `a · b / 2^260 mod p`, below `1.25p` for inputs below `4p` (carried
/// limbs).
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mul<M: Modulus>(a: &[V; 5], b: &[V; 5]) -> [V; 5] {
    let zero = _mm512_setzero_si512();
    let mut t = [zero; 10];
    for i in 0..5 {
        for j in 0..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], a[i], b[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a[i], b[j]);
        }
    }
    let p_inv = splat(M::P_INV);
    for i in 0..5 {
        // m makes limb i divisible by 2^52; its carry moves up.
        let m = _mm512_madd52lo_epu64(zero, t[i], p_inv);
        for j in 0..5 {
            let pj = splat(M::P[j]);
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, pj);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, pj);
        }
        t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<52>(t[i]));
    }
    carry([t[5], t[6], t[7], t[8], t[9]])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    /// The IFMA token for a test, or `None` to skip it where the CPU lacks IFMA. Where the CPU
    /// has it, `.ci/run` sets `ZKGOV_REQUIRE_IFMA`, and a missing token fails the test instead.
    pub(crate) fn ifma_or_skip() -> Option<Ifma> {
        let ifma = crate::backend::ifma();
        if ifma.is_none() {
            assert!(
                std::env::var_os("ZKGOV_REQUIRE_IFMA").is_none(),
                "ZKGOV_REQUIRE_IFMA is set, but the IFMA code does not run here (no avx512f and \
                 avx512ifma, or ZKGOV_NO_IFMA is set)"
            );
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
        }
        ifma
    }

    /// Eight elements as one lane group, by `limbs`.
    pub(crate) fn lanes<F: Copy, const N: usize>(
        xs: &[F; 8],
        limbs: impl Fn(F) -> [u64; N],
    ) -> [[u64; 8]; N] {
        let mut out = [[0u64; 8]; N];
        for (j, x) in xs.iter().enumerate() {
            put(&mut out, j, &limbs(*x));
        }
        out
    }

    /// The eight elements of a lane group of canonical limbs, by `element`.
    pub(crate) fn values<F, const N: usize>(
        l: &[[u64; 8]; N],
        element: impl Fn(&[u64; N]) -> F,
    ) -> [F; 8] {
        std::array::from_fn(|j| element(&get(l, j)))
    }

    fn round_trip<M: Modulus>(rng: &mut StdRng)
    where
        Elem<M>: UniformRand,
    {
        for x in [
            Elem::<M>::ZERO,
            Elem::<M>::ONE,
            -Elem::<M>::ONE,
            Elem::<M>::rand(rng),
        ] {
            let l = M::to_limbs(x);
            assert!(l.iter().all(|&v| v <= MASK));
            assert_eq!(M::from_limbs(&l), x);
            assert_eq!(M::from_limbs(&negate::<M, 5>(&l)), -x);
        }
    }

    #[test]
    fn limbs_round_trip() {
        let mut rng = StdRng::seed_from_u64(1);
        round_trip::<Base>(&mut rng);
        round_trip::<Scalar>(&mut rng);
    }

    /// Products and differences of eight lanes against arkworks, including zero, one, `p - 1`
    /// and unreduced inputs just below `4p`.
    fn operations<M: Modulus>(_ifma: Ifma, rng: &mut StdRng)
    where
        Elem<M>: UniformRand,
    {
        let special = [Elem::<M>::ZERO, Elem::<M>::ONE, -Elem::<M>::ONE];
        for round in 0..50 {
            let a: [Elem<M>; 8] = std::array::from_fn(|j| match (round, j) {
                (0, 0..=2) => special[j],
                _ => Elem::<M>::rand(rng),
            });
            let b: [Elem<M>; 8] = std::array::from_fn(|j| {
                if j == 3 {
                    special[2]
                } else {
                    Elem::<M>::rand(rng)
                }
            });
            let mut out = [[0u64; 8]; 5];
            // SAFETY: the `Ifma` token shows that the CPU has the features.
            unsafe {
                let (va, vb) = (load(&lanes(&a, M::to_limbs)), load(&lanes(&b, M::to_limbs)));
                store(&mut out, &canonical::<M, 5>(mul::<M>(&va, &vb)));
                assert_eq!(
                    values(&out, M::from_limbs),
                    std::array::from_fn(|j| a[j] * b[j])
                );
                store(&mut out, &canonical::<M, 5>(sub(va, vb, &M::P)));
                assert_eq!(
                    values(&out, M::from_limbs),
                    std::array::from_fn(|j| a[j] - b[j])
                );
                store(&mut out, &canonical::<M, 5>(add(va, vb)));
                assert_eq!(
                    values(&out, M::from_limbs),
                    std::array::from_fn(|j| a[j] + b[j])
                );
                let wide = sub(sub(va, vb, &M::P), vb, &M::P);
                store(&mut out, &canonical::<M, 5>(mul::<M>(&wide, &wide)));
                let want = std::array::from_fn(|j| (a[j] - b[j] - b[j]).square());
                assert_eq!(values(&out, M::from_limbs), want);
            }
        }
    }

    #[test]
    fn operations_match_arkworks() {
        let Some(ifma) = ifma_or_skip() else {
            return;
        };
        let mut rng = StdRng::seed_from_u64(2);
        operations::<Base>(ifma, &mut rng);
        operations::<Scalar>(ifma, &mut rng);
    }
}
