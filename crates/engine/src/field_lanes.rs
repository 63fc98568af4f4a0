//! Field arithmetic in eight lanes with AVX-512 IFMA, for BN254's base field (the MSM's
//! coordinates) and scalar field (the QAP's FFTs).
//!
//! Arkworks multiplies four 64-bit limbs in Montgomery form, about 19 ns here. AVX-512 IFMA
//! multiplies 52-bit limbs in eight 64-bit lanes at once (`vpmadd52luq`/`vpmadd52huq`), so here
//! an element is five 52-bit limbs in Montgomery form with `R = 2^260`, and a vector holds one
//! limb of eight elements. An element `a` is the integer `a · 2^260 mod p`, split into limbs
//! below `2^52`; a value with `N = 5k` limbs is `k` such components (an `Fq2` element is two).
//!
//! Bounds: values are not always reduced, and each operation needs its inputs below some
//! multiple of `p` and gives a result below another. The types carry these bounds, like
//! curve25519-dalek's reduced and unreduced field elements: a [`Packed`] value (eight elements
//! in registers) and a [`Group`] (eight elements in memory) have each component below `K·p`
//! for their bound [`Below<K>`](Below), with carried limbs, and every operation states in its
//! signature the bounds it takes and gives, so a call that could exceed a bound does not
//! compile. Canonical values ([`Canonical`], below `p`) are what arkworks reads and writes.
//! Both moduli are below `2^254`, so for inputs below `4p` a product is below
//! `16p² / 2^260 + p < 1.25p`, and for inputs below `8p` below `2p` ([`mul`]); sums and
//! differences are kept below `8p` ([`Plus`]), brought back below `2p` by conditional
//! subtractions ([`subtract_if_above`]) and made canonical ([`canonical`]) where values are
//! stored or compared. Making a bound looser is free and explicit ([`Packed::widen`]).
//!
//! The functions here are compiled for `avx512f` (and `avx512ifma`), which makes calling them
//! from other code `unsafe`. Such calls are made only where an [`Ifma`] token is held: only
//! [`crate::backend::ifma`] makes one, after checking the CPU, so every entry point of the lane code (the lane
//! MSM's `window_sums` and `Lanes::new`, `Qap::new`) takes one. Elsewhere zkgov uses arkworks'
//! arithmetic. Tests check every operation against arkworks.
#![allow(unsafe_code)]

use ark_bn254::{Fq, FqConfig, Fr, FrConfig};
use ark_ff::{
    fields::models::fp::{Fp256, MontBackend, MontConfig},
    AdditiveGroup, BigInt, Field, MontFp,
};
use core::arch::x86_64::*;
use core::marker::PhantomData;

/// Eight lanes of one limb.
pub(crate) type V = __m512i;

pub(crate) const MASK: u64 = (1 << 52) - 1;

pub(crate) use crate::backend::Ifma;

/// The bound of lane values whose every component is below `K·p`, with carried limbs: every limb
/// but a component's top one is below `2^52`, and the top one is not negative. The largest bound
/// here is `8p < 2^257`, so every limb of such a value is below `2^52`, which [`mul`] needs of
/// its inputs.
///
/// The bound is a type, of [`Packed`] and [`Group`] values, and only this module's operations
/// make values: each operation's signature states the bounds it needs and gives.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Below<const K: u32>;

/// Canonical values, below `p`: the limbs arkworks' elements convert to and from
/// ([`Modulus::to_limbs`], [`Modulus::from_limbs`]), and the only form of limbs in scalar
/// arrays (`[u64; N]`) and of values compared for equality.
pub(crate) type Canonical = Below<1>;

/// A bound that implies `B`: a value below `Self` is below `B`. Functions with a precondition
/// take any bound within it; elsewhere [`Packed::widen`] loosens a value's bound, for free.
pub(crate) trait Within<B> {}

impl<B> Within<B> for B {}

/// `Within` for each pair `K < L` of the bounds in use.
macro_rules! within {
    ($($k:literal < $($l:literal),+;)*) => {
        $($(impl Within<Below<$l>> for Below<$k> {})+)*
    };
}

within! {
    1 < 2, 3, 4, 6, 8;
    2 < 3, 4, 6, 8;
    3 < 4, 6, 8;
    4 < 6, 8;
    6 < 8;
}

/// The bound of a sum of a value below `Self` and one below `B` ([`add`]), or of `a + k - b`
/// for `a` below `Self` and `k = K·p` with `B = Below<K>` ([`sub`]).
pub(crate) trait Plus<B> {
    /// The sum's bound.
    type Output;
}

/// `Plus` for the sums in use, each checked at compile time.
macro_rules! plus {
    ($($a:literal + $b:literal = $c:literal),*) => {
        $(
            impl Plus<Below<$b>> for Below<$a> {
                type Output = Below<$c>;
            }
            const _: () = assert!($a + $b == $c);
        )*
    };
}

plus!(
    1 + 1 = 2,
    2 + 1 = 3,
    3 + 1 = 4,
    2 + 2 = 4,
    4 + 2 = 6,
    4 + 4 = 8
);

/// The bound of [`subtract_if_above`]`(a, Q·p)` for `a` below `Self = Below<A>`: `a - Q·p` where
/// that is not negative, so below `(A - Q)·p`, else `a`, below `Q·p`.
pub(crate) trait SubtractIfAbove<const Q: u32> {
    /// The result's bound.
    type Output;
}

/// `SubtractIfAbove` for the subtractions in use, each checked at compile time.
macro_rules! subtract_if_above {
    ($($a:literal - $q:literal = $c:literal),*) => {
        $(
            impl SubtractIfAbove<$q> for Below<$a> {
                type Output = Below<$c>;
            }
            const _: () = assert!($q <= $c && $a <= $q + $c);
        )*
    };
}

subtract_if_above!(2 - 1 = 1, 4 - 2 = 2, 6 - 4 = 4);

/// Eight elements in registers, one vector per limb (`N = 5k` limbs for `k` components), each
/// component below `B`'s bound ([`Below`]). Only this module's operations make one, so its
/// bound is the one their signatures state.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Packed<const N: usize, B> {
    v: [V; N],
    bound: PhantomData<B>,
}

impl<const N: usize, B> Packed<N, B> {
    /// The vectors of an operation's result whose bound is `B`.
    #[inline(always)]
    fn new(v: [V; N]) -> Self {
        Packed {
            v,
            bound: PhantomData,
        }
    }

    /// The same value under a looser bound: free.
    #[inline(always)]
    pub(crate) fn widen<C>(self) -> Packed<N, C>
    where
        B: Within<C>,
    {
        Packed::new(self.v)
    }

    /// [`Self::widen`] in place, for arguments taken by reference: the same value, not a copy.
    #[inline(always)]
    pub(crate) fn widen_ref<C>(&self) -> &Packed<N, C>
    where
        B: Within<C>,
    {
        // SAFETY: `Packed` is `repr(transparent)` over its vectors whatever its bound, so both
        // types have one layout.
        unsafe { &*(self as *const Self).cast::<Packed<N, C>>() }
    }
}

impl<B> Packed<10, B> {
    /// The two components (`c0`, `c1` of `Fq2` elements), under the same bound.
    #[inline(always)]
    pub(crate) fn split(self) -> (Packed<5, B>, Packed<5, B>) {
        let (c0, c1) = split(&self.v);
        (Packed::new(c0), Packed::new(c1))
    }

    /// The value with components `c0` and `c1`.
    #[inline(always)]
    pub(crate) fn join(c0: Packed<5, B>, c1: Packed<5, B>) -> Self {
        Packed::new(join(&c0.v, &c1.v))
    }
}

/// Eight elements in memory, one `[u64; 8]` per limb (lane `j` of every limb is element `j`),
/// each component below `B`'s bound: what [`load`] reads and [`store`] writes, and [`put`] and
/// [`take`] fill and read by lane.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub(crate) struct Group<const N: usize, B> {
    limbs: [[u64; 8]; N],
    bound: PhantomData<B>,
}

impl<const N: usize, B> Group<N, B>
where
    Canonical: Within<B>,
{
    /// Eight zeros.
    pub(crate) const ZERO: Self = Group {
        limbs: [[0; 8]; N],
        bound: PhantomData,
    };
}

/// `K·p` in five 52-bit limbs: what [`sub`] adds and [`subtract_if_above`] subtracts.
pub(crate) struct Multiple<const K: u32> {
    limbs: [u64; 5],
}

/// An element of the field of [`Modulus`] `M`, in arkworks.
pub(crate) type Elem<M> = Fp256<MontBackend<<M as Modulus>::Config, 4>>;

/// A prime below `2^254` (an arkworks field of four 64-bit limbs) and its constants in 52-bit
/// limbs, derived from arkworks' own.
pub(crate) trait Modulus: Sized {
    /// The arkworks field's configuration.
    type Config: MontConfig<4>;
    /// `1/16`: arkworks' Montgomery form has `R = 2^256`, this module's `2^260`.
    const SIXTEENTH: Elem<Self>;
    /// `p`.
    const P: Multiple<1> = Multiple {
        limbs: split52(Self::Config::MODULUS.0),
    };
    /// `2p`.
    const P2: Multiple<2> = Multiple {
        limbs: split52(shl(Self::Config::MODULUS.0, 1)),
    };
    /// `4p`.
    const P4: Multiple<4> = Multiple {
        limbs: split52(shl(Self::Config::MODULUS.0, 2)),
    };
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

/// The first and second components of ten limbs (or of anything in ten parts).
pub(crate) fn split<T: Copy, const N: usize>(a: &[T; N]) -> ([T; 5], [T; 5]) {
    (
        std::array::from_fn(|i| a[i]),
        std::array::from_fn(|i| a[5 + i]),
    )
}

/// Ten limbs (or anything in ten parts) from their first and second components.
pub(crate) fn join<T: Copy, const N: usize>(a: &[T; 5], b: &[T; 5]) -> [T; N] {
    std::array::from_fn(|i| if i < 5 { a[i] } else { b[i - 5] })
}

/// The negation of canonical limbs: `p - c` for each non-zero component `c`.
pub(crate) fn negate<M: Modulus, const N: usize>(y: &[u64; N]) -> [u64; N] {
    let mut out = [0u64; N];
    for (o, c) in out.chunks_exact_mut(5).zip(y.chunks_exact(5)) {
        if c.iter().all(|&l| l == 0) {
            continue;
        }
        let mut borrow = 0i64;
        for ((o, &p), &c) in o.iter_mut().zip(&M::P.limbs).zip(c) {
            let d = p as i64 - c as i64 + borrow;
            *o = (d as u64) & MASK;
            borrow = d >> 52;
        }
    }
    out
}

/// Writes the canonical limbs `v` into lane `lane` of a group (of any bound: canonical values
/// are within all).
pub(crate) fn put<const N: usize, B>(group: &mut Group<N, B>, lane: usize, v: &[u64; N])
where
    Canonical: Within<B>,
{
    for (limb, x) in group.limbs.iter_mut().zip(v) {
        limb[lane] = *x;
    }
}

/// Reads lane `lane` of a canonical group into `out`.
pub(crate) fn take<const N: usize>(out: &mut [u64; N], group: &Group<N, Canonical>, lane: usize) {
    for (o, limb) in out.iter_mut().zip(&group.limbs) {
        *o = limb[lane];
    }
}

/// Lane `lane` of a canonical group.
pub(crate) fn get<const N: usize>(group: &Group<N, Canonical>, lane: usize) -> [u64; N] {
    let mut out = [0; N];
    take(&mut out, group, lane);
    out
}

#[target_feature(enable = "avx512f")]
fn splat(c: u64) -> V {
    _mm512_set1_epi64(c as i64)
}

/// Eight consecutive `u64`s.
#[target_feature(enable = "avx512f")]
pub(crate) fn load8(a: &[u64; 8]) -> V {
    // SAFETY: `a` is 64 readable bytes; the load has no alignment requirement.
    unsafe { _mm512_loadu_si512(a.as_ptr().cast()) }
}

#[target_feature(enable = "avx512f")]
fn store8(out: &mut [u64; 8], v: V) {
    // SAFETY: `out` is 64 writable bytes; the store has no alignment requirement.
    unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), v) }
}

/// The values of a group, under its bound.
#[target_feature(enable = "avx512f")]
pub(crate) fn load<const N: usize, B>(a: &Group<N, B>) -> Packed<N, B> {
    Packed::new(a.limbs.map(|l| load8(&l)))
}

/// Writes values into a group of their bound.
#[target_feature(enable = "avx512f")]
pub(crate) fn store<const N: usize, B>(out: &mut Group<N, B>, a: &Packed<N, B>) {
    for (o, v) in out.limbs.iter_mut().zip(&a.v) {
        store8(o, *v);
    }
}

/// The element with canonical limbs `l` in every lane.
#[target_feature(enable = "avx512f")]
pub(crate) fn broadcast<const N: usize>(l: &[u64; N]) -> Packed<N, Canonical> {
    Packed::new(l.map(|l| splat(l)))
}

/// Zero in every lane.
#[target_feature(enable = "avx512f")]
pub(crate) fn zero<const N: usize>() -> Packed<N, Canonical> {
    Packed::new([_mm512_setzero_si512(); N])
}

/// One in every lane (the first component; any others zero).
#[target_feature(enable = "avx512f")]
pub(crate) fn one<M: Modulus, const N: usize>() -> Packed<N, Canonical> {
    let one = M::to_limbs(Elem::<M>::ONE);
    Packed::new(std::array::from_fn(|i| {
        splat(if i < 5 { one[i] } else { 0 })
    }))
}

/// Lane-wise `a` where `mask` is clear and `b` where it is set: values of `a` and `b`, so
/// under their bound.
#[target_feature(enable = "avx512f")]
pub(crate) fn blend<const N: usize, B>(
    mask: u8,
    a: &Packed<N, B>,
    b: &Packed<N, B>,
) -> Packed<N, B> {
    Packed::new(std::array::from_fn(|i| {
        _mm512_mask_blend_epi64(mask, a.v[i], b.v[i])
    }))
}

/// In lane `l`, lane `index[l]` of the sixteen lanes of `a` (`0..8`) and `b` (`8..16`): values
/// of `a` and `b`, so under their bound.
#[target_feature(enable = "avx512f")]
pub(crate) fn permute<const N: usize, B>(
    a: &Packed<N, B>,
    index: V,
    b: &Packed<N, B>,
) -> Packed<N, B> {
    Packed::new(std::array::from_fn(|i| {
        _mm512_permutex2var_epi64(a.v[i], index, b.v[i])
    }))
}

/// Propagates carries (and borrows) within each component, so that every limb but a
/// component's top one is below `2^52`.
#[target_feature(enable = "avx512f")]
fn carry<const N: usize>(mut a: [V; N]) -> [V; N] {
    let mask = splat(MASK);
    for i in 0..N {
        if i % 5 != 4 {
            a[i + 1] = _mm512_add_epi64(a[i + 1], _mm512_srai_epi64::<52>(a[i]));
            a[i] = _mm512_and_si512(a[i], mask);
        }
    }
    a
}

/// `a + k - b` per component, for a multiple `k = K·p` at least `b`'s bound, so that the result
/// is not negative: below `a`'s bound plus `k` ([`Plus`]).
#[target_feature(enable = "avx512f")]
pub(crate) fn sub<const N: usize, A, B, const K: u32>(
    a: Packed<N, A>,
    b: Packed<N, B>,
    k: &Multiple<K>,
) -> Packed<N, <A as Plus<Below<K>>>::Output>
where
    A: Plus<Below<K>>,
    B: Within<Below<K>>,
{
    Packed::new(carry(std::array::from_fn(|i| {
        _mm512_sub_epi64(_mm512_add_epi64(a.v[i], splat(k.limbs[i % 5])), b.v[i])
    })))
}

/// `a + b` per component: below the sum of their bounds ([`Plus`]).
#[target_feature(enable = "avx512f")]
pub(crate) fn add<const N: usize, A, B>(
    a: Packed<N, A>,
    b: Packed<N, B>,
) -> Packed<N, <A as Plus<B>>::Output>
where
    A: Plus<B>,
{
    Packed::new(carry(std::array::from_fn(|i| {
        _mm512_add_epi64(a.v[i], b.v[i])
    })))
}

/// `a` reduced below `p`, for components below `4p`: below `2p` after subtracting `2p` where
/// it fits, then below `p` after subtracting `p`.
#[target_feature(enable = "avx512f")]
pub(crate) fn canonical<M: Modulus, const N: usize>(
    a: Packed<N, impl Within<Below<4>>>,
) -> Packed<N, Canonical> {
    subtract_if_above(subtract_if_above(a.widen::<Below<4>>(), &M::P2), &M::P)
}

/// `a - q` per component where it is at least `q = Q·p`, else `a`: the bound of
/// [`SubtractIfAbove`].
#[target_feature(enable = "avx512f")]
pub(crate) fn subtract_if_above<const N: usize, A, const Q: u32>(
    a: Packed<N, A>,
    q: &Multiple<Q>,
) -> Packed<N, <A as SubtractIfAbove<Q>>::Output>
where
    A: SubtractIfAbove<Q>,
{
    let a = a.v;
    let d: [V; N] = carry(std::array::from_fn(|i| {
        _mm512_sub_epi64(a[i], splat(q.limbs[i % 5]))
    }));
    let zero = _mm512_setzero_si512();
    Packed::new(std::array::from_fn(|i| {
        let below = _mm512_cmplt_epi64_mask(d[i - i % 5 + 4], zero);
        _mm512_mask_blend_epi64(below, d[i], a[i])
    }))
}

/// Montgomery product `a · b / 2^260 mod p`, for inputs below `8p`: the integer
/// `(a·b + m·p) / 2^260` for some `m < 2^260`, so below `a·b / 2^260 + p`, which is below
/// `1.25p` for inputs below `4p` and below `2p` for inputs below `8p`, as `p < 2^254`. Inputs
/// below `8p < 2^257` with carried limbs have every limb below `2^52`, all that the IFMA
/// instructions read of them.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mul<M: Modulus>(
    a: &Packed<5, impl Within<Below<8>>>,
    b: &Packed<5, impl Within<Below<8>>>,
) -> Packed<5, Below<2>> {
    let (a, b) = (&a.v, &b.v);
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
            let pj = splat(M::P.limbs[j]);
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, pj);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, pj);
        }
        t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<52>(t[i]));
    }
    Packed::new(carry([t[5], t[6], t[7], t[8], t[9]]))
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

    /// Eight elements as one canonical lane group, by `limbs`.
    pub(crate) fn lanes<F: Copy, const N: usize>(
        xs: &[F; 8],
        limbs: impl Fn(F) -> [u64; N],
    ) -> Group<N, Canonical> {
        let mut out = Group::ZERO;
        for (j, x) in xs.iter().enumerate() {
            put(&mut out, j, &limbs(*x));
        }
        out
    }

    /// The eight elements of a lane group of canonical limbs, by `element`.
    pub(crate) fn values<F, const N: usize>(
        l: &Group<N, Canonical>,
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
    /// and unreduced inputs up to `3p`.
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
            let mut out = Group::ZERO;
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
