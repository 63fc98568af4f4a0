//! Batch-affine bucket additions in BN254's G1, eight at a time with AVX-512 IFMA.
//!
//! The portable accumulator ([`super::Accumulator`]) spends about half of an MSM in arkworks'
//! scalar Montgomery multiplication (four 64-bit limbs, about 19 ns here). AVX-512 IFMA
//! multiplies 52-bit limbs in eight 64-bit lanes at once (`vpmadd52luq`/`vpmadd52huq`), so
//! here a field element is five 52-bit limbs in Montgomery form with `R = 2^260`, and each
//! vector holds one limb of eight elements: the eight additions of a lane group run side by side.
//!
//! Representation: a base-field element `a` is kept as the integer `a · 2^260 mod p`, split into
//! five limbs below `2^52`. Stored coordinates (bases and buckets) are canonical (below `p`), so
//! equal coordinates have equal limbs and the equal-x test stays exact; intermediate values are
//! below `2p`, which the multiplication accepts (`p < 2^254`, so `(2p)^2 / 2^260 + p < 2p`).
//!
//! The code runs only where the CPU reports `avx512f` and `avx512ifma` ([`available`]); elsewhere
//! the MSM uses the portable accumulator. Tests check the field operations against arkworks and
//! the MSM against arkworks' MSM on the same inputs.
#![allow(unsafe_code)]

use super::{running_sum, window_span, Digits};
use ark_bn254::{g1::Config, Fq, G1Affine, G1Projective};
use ark_ec::{short_weierstrass::Projective, AffineRepr, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInt, Field, MontFp};
use core::arch::x86_64::*;
use rayon::prelude::*;

type Bucket = <Projective<Config> as VariableBaseMSM>::Bucket;

const MASK: u64 = (1 << 52) - 1;
/// BN254's base-field modulus `p` in 52-bit limbs.
const P: [u64; 5] = [
    0x8c16d87cfd47,
    0x916871ca8d3c2,
    0x181585d97816a,
    0xa029b85045b68,
    0x30644e72e131,
];
/// `2p` in 52-bit limbs.
const P2: [u64; 5] = [
    0x1182db0f9fa8e,
    0x22d0e3951a784,
    0x302b0bb2f02d5,
    0x405370a08b6d0,
    0x60c89ce5c263,
];
/// `-p^-1 mod 2^52`.
const P_INV: u64 = 0x20782e4866389;
/// `1/16`: arkworks' Montgomery form has `R = 2^256`, this module's `2^260`.
const SIXTEENTH: Fq =
    MontFp!("12312136615409592312513603231707217237391675025980025810262583815737939742328");

/// Additions of one batch at most (a multiple of the eight lanes).
const BATCH: usize = 1024;

/// Whether this CPU runs the IFMA code.
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512ifma")
}

/// An affine point's coordinates, each as five canonical limbs.
#[derive(Clone, Copy, Default)]
struct Limbs {
    x: [u64; 5],
    y: [u64; 5],
}

/// `a` as five 52-bit limbs of `a · 2^260 mod p`.
fn to_limbs(a: Fq) -> [u64; 5] {
    // Sixteen times `a` has the arkworks representation `16a · 2^256 = a · 2^260`.
    let mut b = a;
    for _ in 0..4 {
        b.double_in_place();
    }
    let l = (b.0).0;
    [
        l[0] & MASK,
        (l[0] >> 52 | l[1] << 12) & MASK,
        (l[1] >> 40 | l[2] << 24) & MASK,
        (l[2] >> 28 | l[3] << 36) & MASK,
        l[3] >> 16,
    ]
}

/// The element whose canonical limbs are `l` (the inverse of [`to_limbs`]).
fn from_limbs(l: &[u64]) -> Fq {
    let big = BigInt::new([
        l[0] | l[1] << 52,
        l[1] >> 12 | l[2] << 40,
        l[2] >> 24 | l[3] << 28,
        l[3] >> 36 | l[4] << 16,
    ]);
    // `Fq::new_unchecked(big)` is the element `16a`.
    Fq::new_unchecked(big) * SIXTEENTH
}

fn point_limbs(p: &G1Affine) -> Limbs {
    if p.is_zero() {
        return Limbs::default();
    }
    Limbs {
        x: to_limbs(p.x),
        y: to_limbs(p.y),
    }
}

/// `p - y` for canonical limbs of a non-zero `y`, and zero for zero.
fn negate(y: &[u64; 5]) -> [u64; 5] {
    if *y == [0; 5] {
        return [0; 5];
    }
    let mut out = [0u64; 5];
    let mut borrow = 0i64;
    for i in 0..5 {
        let d = P[i] as i64 - y[i] as i64 + borrow;
        out[i] = (d as u64) & MASK;
        borrow = d >> 52;
    }
    out
}

/// Whether two canonical coordinates are equal (an inlined comparison: `==` on arrays calls
/// `memcmp`, which showed in profiles).
fn same(a: &[u64; 5], b: &[u64; 5]) -> bool {
    a.iter().zip(b).fold(true, |eq, (x, y)| eq & (x == y))
}

/// One window sum per window of `digits`, or `None` where the CPU lacks IFMA.
pub(super) fn window_sums(bases: &[G1Affine], digits: &Digits) -> Option<Vec<G1Projective>> {
    if !available() {
        return None;
    }
    let limbs: Vec<Limbs> = bases[..digits.n].par_iter().map(point_limbs).collect();
    Some(
        (0..digits.windows)
            .into_par_iter()
            .map(|w| window_sum(bases, &limbs, window_span(digits, w), digits.c))
            .collect(),
    )
}

fn window_sum(bases: &[G1Affine], limbs: &[Limbs], digits: &[i32], c: usize) -> G1Projective {
    let mut acc = Lanes::new(bases, limbs, 1 << (c - 1));
    for (i, &d) in digits.iter().enumerate() {
        if d != 0 && !bases[i].is_zero() {
            acc.add(Entry {
                bucket: d.unsigned_abs() as usize - 1,
                base: i,
                negative: d < 0,
            });
        }
    }
    while !acc.batch.is_empty() {
        acc.flush();
    }
    let affine = acc.buckets.iter().zip(&acc.filled).map(|(l, &f)| {
        if f {
            G1Affine::new_unchecked(from_limbs(&l.x), from_limbs(&l.y))
        } else {
            G1Affine::identity()
        }
    });
    running_sum(affine.zip(&acc.jacobian))
}

/// Eight field elements, one vector per limb.
type F8 = [__m512i; 5];

/// The waiting additions of a batch, laid out by lane group: element `e` is lane `e % 8` of
/// group `e / 8`.
struct Stage {
    qx: Vec<[[u64; 8]; 5]>,
    qy: Vec<[[u64; 8]; 5]>,
    px: Vec<[[u64; 8]; 5]>,
    py: Vec<[[u64; 8]; 5]>,
}

/// An addition of `±bases[base]` to a bucket.
#[derive(Clone, Copy)]
struct Entry {
    bucket: usize,
    base: usize,
    negative: bool,
}

/// One window's buckets: affine ones in limbs, filled in batches, and extended-Jacobian ones for
/// additions that could not wait (as in the portable accumulator). An addition to a bucket that
/// already has one in the current batch waits in a queue for the next batch, one per bucket (a
/// bucket that many additions hit, as with repeated scalars, would otherwise fill the queue and
/// drain it one batch at a time).
struct Lanes<'a> {
    bases: &'a [G1Affine],
    limbs: &'a [Limbs],
    buckets: Vec<Limbs>,
    filled: Vec<bool>,
    jacobian: Vec<Bucket>,
    waiting: Vec<bool>,
    batch: Vec<usize>,
    /// Additions per batch: a quarter of the buckets, so that few additions find their bucket
    /// busy, up to [`BATCH`].
    limit: usize,
    /// Additions waiting for their bucket's addition in the batch, at most one per bucket and
    /// half a batch; other additions to a busy bucket are done at once in extended-Jacobian
    /// coordinates.
    queue: Vec<Entry>,
    queued: Vec<bool>,
    stage: Stage,
}

impl<'a> Lanes<'a> {
    fn new(bases: &'a [G1Affine], limbs: &'a [Limbs], buckets: usize) -> Self {
        let limit = (buckets / 4).clamp(8, BATCH) / 8 * 8;
        let empty = vec![[[0u64; 8]; 5]; limit / 8];
        Lanes {
            bases,
            limbs,
            buckets: vec![Limbs::default(); buckets],
            filled: vec![false; buckets],
            jacobian: vec![<Projective<Config> as VariableBaseMSM>::ZERO_BUCKET; buckets],
            waiting: vec![false; buckets],
            batch: Vec::with_capacity(limit),
            limit,
            queue: Vec::with_capacity(limit / 2),
            queued: vec![false; buckets],
            stage: Stage {
                qx: empty.clone(),
                qy: empty.clone(),
                px: empty.clone(),
                py: empty,
            },
        }
    }

    fn add(&mut self, e: Entry) {
        if self.waiting[e.bucket] {
            if !self.queued[e.bucket] && self.queue.len() < self.limit / 2 {
                self.queued[e.bucket] = true;
                self.queue.push(e);
            } else {
                self.add_jacobian(e);
            }
            return;
        }
        self.stage(e);
        if self.batch.len() == self.limit {
            self.flush();
        }
    }

    fn add_jacobian(&mut self, e: Entry) {
        let base = self.bases[e.base];
        self.jacobian[e.bucket] += &if e.negative { -base } else { base };
    }

    /// Starts addition `e`, whose bucket has none in the batch.
    fn stage(&mut self, e: Entry) {
        let k = e.bucket;
        let l = self.limbs[e.base];
        let y = if e.negative { negate(&l.y) } else { l.y };
        if !self.filled[k] {
            self.buckets[k] = Limbs { x: l.x, y };
            self.filled[k] = true;
        } else if same(&self.buckets[k].x, &l.x) {
            // Doubling, or a point plus its negation: not for the affine formula.
            self.add_jacobian(e);
        } else {
            self.waiting[k] = true;
            let n = self.batch.len();
            let (g, lane) = (n / 8, n % 8);
            let q = self.buckets[k];
            let stage = &mut self.stage;
            put(&mut stage.qx[g], lane, &q.x);
            put(&mut stage.qy[g], lane, &q.y);
            put(&mut stage.px[g], lane, &l.x);
            put(&mut stage.py[g], lane, &y);
            self.batch.push(k);
        }
    }

    /// Performs the batch's additions, then starts the queued ones whose bucket is free.
    fn flush(&mut self) {
        let n = self.batch.len();
        // Unused lanes of the last group get x-coordinates 0 and 1: a harmless addition.
        for e in n..n.next_multiple_of(8) {
            let (g, lane) = (e / 8, e % 8);
            put(&mut self.stage.qx[g], lane, &[0; 5]);
            put(&mut self.stage.px[g], lane, &[1, 0, 0, 0, 0]);
        }
        // SAFETY: `Lanes` is only built by `window_sums`, after `available()` has confirmed that
        // the CPU has the target features `add_batch` is compiled for.
        unsafe { add_batch(&mut self.stage, n.div_ceil(8)) };
        for (e, &k) in self.batch.iter().enumerate() {
            let (g, lane) = (e / 8, e % 8);
            self.buckets[k] = Limbs {
                x: get(&self.stage.qx[g], lane),
                y: get(&self.stage.qy[g], lane),
            };
            self.waiting[k] = false;
        }
        self.batch.clear();
        // The queued additions have distinct buckets, all free now, and are at most half a batch.
        for e in std::mem::take(&mut self.queue) {
            self.queued[e.bucket] = false;
            self.stage(e);
        }
    }
}

/// Writes `v` into lane `lane` of a group.
fn put(group: &mut [[u64; 8]; 5], lane: usize, v: &[u64; 5]) {
    for (limb, x) in group.iter_mut().zip(v) {
        limb[lane] = *x;
    }
}

/// Lane `lane` of a group.
fn get(group: &[[u64; 8]; 5], lane: usize) -> [u64; 5] {
    group.map(|limb| limb[lane])
}

/// Adds the points `(px, py)` to `(qx, qy)` in the first `groups` lane groups, writing the sums
/// over `(qx, qy)`. No two x-coordinates of a lane may be equal.
#[target_feature(enable = "avx512f,avx512ifma")]
fn add_batch(stage: &mut Stage, groups: usize) {
    let p = splat5(&P);
    // Forward: the running product of the denominators `dx`, per lane.
    let mut prefix: Vec<F8> = Vec::with_capacity(groups);
    let mut product = one();
    for g in 0..groups {
        prefix.push(product);
        let dx = sub(load5(&stage.px[g]), load5(&stage.qx[g]), &p);
        product = mul(&product, &dx);
    }
    // One inversion for the whole batch, in arkworks.
    let mut inverse = invert(&canonical(product, &p));
    // Backward: each lane's inverse of `dx`, then the affine addition.
    for g in (0..groups).rev() {
        let (qx, qy) = (load5(&stage.qx[g]), load5(&stage.qy[g]));
        let (px, py) = (load5(&stage.px[g]), load5(&stage.py[g]));
        let dx = sub(px, qx, &p);
        let inv = mul(&inverse, &prefix[g]);
        inverse = mul(&inverse, &dx);
        let lambda = mul(&sub(py, qy, &p), &inv);
        // x = λ² - qx - px, y = λ (qx - x) - qy, both made canonical for storage.
        let x = canonical(sub(sub(mul(&lambda, &lambda), qx, &p), px, &p), &p);
        let y = canonical(sub(mul(&lambda, &sub(qx, x, &p)), qy, &p), &p);
        store5(&mut stage.qx[g], &x);
        store5(&mut stage.qy[g], &y);
    }
}

/// The inverses of the eight lanes of `a` (canonical, non-zero), with one arkworks inversion.
#[target_feature(enable = "avx512f")]
fn invert(a: &F8) -> F8 {
    let mut limbs = [[0u64; 8]; 5];
    store5(&mut limbs, a);
    let lanes: [Fq; 8] = std::array::from_fn(|j| from_limbs(&get(&limbs, j)));
    let mut prefix = [Fq::ONE; 8];
    let mut acc = Fq::ONE;
    for (p, x) in prefix.iter_mut().zip(&lanes) {
        *p = acc;
        acc *= x;
    }
    let mut inv = acc.inverse().unwrap_or(Fq::ZERO);
    let mut out = [[0u64; 8]; 5];
    for j in (0..8).rev() {
        let lane_inv = inv * prefix[j];
        inv *= lanes[j];
        put(&mut out, j, &to_limbs(lane_inv));
    }
    load5(&out)
}

#[target_feature(enable = "avx512f")]
fn splat5(c: &[u64; 5]) -> F8 {
    c.map(|l| _mm512_set1_epi64(l as i64))
}

#[target_feature(enable = "avx512f")]
fn load5(a: &[[u64; 8]; 5]) -> F8 {
    // SAFETY: each `[u64; 8]` is 64 readable bytes; the load has no alignment requirement.
    a.map(|l| unsafe { _mm512_loadu_si512(l.as_ptr().cast()) })
}

#[target_feature(enable = "avx512f")]
fn store5(out: &mut [[u64; 8]; 5], a: &F8) {
    for (o, v) in out.iter_mut().zip(a) {
        // SAFETY: each `[u64; 8]` is 64 writable bytes; the store has no alignment requirement.
        unsafe { _mm512_storeu_si512(o.as_mut_ptr().cast(), *v) };
    }
}

/// The element one (`2^260 mod p` in limbs).
#[target_feature(enable = "avx512f")]
fn one() -> F8 {
    const ONE: [u64; 5] = [
        0x20880f6fce4b4,
        0x49baa989a8455,
        0x18f014a498908,
        0x724f85a9201d8,
        0x1f16424e1bb7,
    ];
    splat5(&ONE)
}

/// Propagates carries (and borrows) so that every limb but the top one is below `2^52`.
#[target_feature(enable = "avx512f")]
fn carry(mut a: F8) -> F8 {
    let mask = _mm512_set1_epi64(MASK as i64);
    for i in 0..4 {
        a[i + 1] = _mm512_add_epi64(a[i + 1], _mm512_srai_epi64::<52>(a[i]));
        a[i] = _mm512_and_si512(a[i], mask);
    }
    a
}

/// `a - b + p` with carried limbs, for `b ≤ p`: below `a + p`, so below `2p` for `a < p` and
/// below `4p` (what [`mul`] and [`canonical`] accept) for `a < 3p`.
#[target_feature(enable = "avx512f")]
fn sub(a: F8, b: F8, p: &F8) -> F8 {
    carry(std::array::from_fn(|i| {
        _mm512_sub_epi64(_mm512_add_epi64(a[i], p[i]), b[i])
    }))
}

/// `a` reduced below `p`, for `a < 4p` with carried limbs.
#[target_feature(enable = "avx512f")]
fn canonical(a: F8, p: &F8) -> F8 {
    let a = subtract_if_above(a, &splat5(&P2));
    subtract_if_above(a, p)
}

/// `a - q` where `a ≥ q`, else `a`.
#[target_feature(enable = "avx512f")]
fn subtract_if_above(a: F8, q: &F8) -> F8 {
    let d = carry(std::array::from_fn(|i| _mm512_sub_epi64(a[i], q[i])));
    let below = _mm512_cmplt_epi64_mask(d[4], _mm512_setzero_si512());
    std::array::from_fn(|i| _mm512_mask_blend_epi64(below, d[i], a[i]))
}

/// Montgomery product `a · b / 2^260 mod p`, below `2p` for inputs below `4p` (carried limbs).
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul(a: &F8, b: &F8) -> F8 {
    let zero = _mm512_setzero_si512();
    let mut t = [zero; 10];
    for i in 0..5 {
        for j in 0..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], a[i], b[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a[i], b[j]);
        }
    }
    let p_inv = _mm512_set1_epi64(P_INV as i64);
    for i in 0..5 {
        // m makes limb i divisible by 2^52; its carry moves up.
        let m = _mm512_madd52lo_epu64(zero, t[i], p_inv);
        for j in 0..5 {
            let pj = _mm512_set1_epi64(P[j] as i64);
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, pj);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, pj);
        }
        t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<52>(t[i]));
    }
    carry([t[5], t[6], t[7], t[8], t[9]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{UniformRand, Zero};
    use rand::{rngs::StdRng, SeedableRng};

    fn lanes(xs: &[Fq; 8]) -> [[u64; 8]; 5] {
        let mut out = [[0u64; 8]; 5];
        for (j, x) in xs.iter().enumerate() {
            put(&mut out, j, &to_limbs(*x));
        }
        out
    }

    fn values(l: &[[u64; 8]; 5]) -> [Fq; 8] {
        std::array::from_fn(|j| from_limbs(&get(l, j)))
    }

    #[test]
    fn limbs_round_trip() {
        let mut rng = StdRng::seed_from_u64(1);
        for x in [Fq::ZERO, Fq::ONE, -Fq::ONE, Fq::rand(&mut rng)] {
            let l = to_limbs(x);
            assert!(l.iter().all(|&v| v <= MASK));
            assert_eq!(from_limbs(&l), x);
            assert_eq!(from_limbs(&negate(&l)), -x);
        }
    }

    #[test]
    fn field_operations_match_arkworks() {
        if !available() {
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
            return;
        }
        let mut rng = StdRng::seed_from_u64(2);
        for round in 0..50 {
            let a: [Fq; 8] = std::array::from_fn(|j| match (round, j) {
                (0, 0) => Fq::ZERO,
                (0, 1) => -Fq::ONE,
                _ => Fq::rand(&mut rng),
            });
            let b: [Fq; 8] =
                std::array::from_fn(|j| if j == 2 { -Fq::ONE } else { Fq::rand(&mut rng) });
            let (la, lb) = (lanes(&a), lanes(&b));
            let mut out = [[0u64; 8]; 5];
            // SAFETY: `available()` confirmed the target features.
            unsafe {
                let (va, vb, p) = (load5(&la), load5(&lb), splat5(&P));
                store5(&mut out, &canonical(mul(&va, &vb), &p));
                assert_eq!(values(&out), std::array::from_fn(|j| a[j] * b[j]));
                store5(&mut out, &canonical(sub(va, vb, &p), &p));
                assert_eq!(values(&out), std::array::from_fn(|j| a[j] - b[j]));
                // Products of unreduced values stay correct.
                let wide = sub(sub(va, vb, &p), vb, &p);
                store5(&mut out, &canonical(mul(&wide, &wide), &p));
                assert_eq!(
                    values(&out),
                    std::array::from_fn(|j| (a[j] - b[j] - b[j]).square())
                );
                let nonzero: [Fq; 8] =
                    std::array::from_fn(|j| a[j] + Fq::from(u64::from(a[j].is_zero())));
                store5(&mut out, &invert(&load5(&lanes(&nonzero))));
                assert_eq!(values(&out), nonzero.map(|x| x.inverse().unwrap()));
            }
        }
    }
}
