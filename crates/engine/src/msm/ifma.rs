//! Batch-affine bucket additions in BN254's G1 and G2, eight at a time with AVX-512 IFMA.
//!
//! The portable accumulator ([`super::Accumulator`]) spends about half of an MSM in arkworks'
//! scalar field multiplication. Here coordinates are in the lane form of [`crate::field_lanes`] (five
//! 52-bit limbs per `Fq` element, ten per `Fq2` element, multiplied with three `Fq` products),
//! and the eight additions of a lane group run side by side. Stored coordinates (bases and
//! buckets) are canonical, so equal coordinates have equal limbs and the equal-x test is exact.
//!
//! Per window:
//! - Batches work as in the portable accumulator: one inversion per batch, by Montgomery's trick
//!   over the lanes and then in arkworks over the eight lane products.
//! - An addition whose bucket already has one in the batch waits for the next batch (one per
//!   bucket). The rest of those, and additions of a point with equal x (a doubling or a
//!   cancellation), go to an overflow list that is summed by pairs at the end, each round a
//!   batch for all buckets ([`Lanes::finish`]). This matters for windows where few buckets take
//!   many points: the top window, and repeated scalars.
//! - The buckets' weighted sum `Σ (k + 1) · bucket_k` runs in eight segments at once with
//!   complete projective formulas ([`bucket_sum`]).
//!
//! Bounds: the batch additions keep their values below `4p` and make every stored coordinate
//! canonical; the projective sums keep every value below `2p` ([`Ops`]).
//!
//! The code runs only with an [`Ifma`] token, which only [`crate::backend::ifma`] makes, where
//! the CPU reports `avx512f` and `avx512ifma`; elsewhere the MSM uses the portable accumulator. Tests check the field operations against arkworks and
//! the MSM against arkworks' MSM on the same inputs, including equal and opposite bases.
#![allow(unsafe_code)]

use super::{window_span, Digits};
use crate::field_lanes::{
    add, blend, broadcast, canonical, get, join, load, mul, negate, one, put, split, store, sub,
    subtract_if_above, take, zero, Base, Below, Canonical, Group, Ifma, Modulus, Packed,
};
use ark_bn254::{g1, g2, Fq, Fq2};
use ark_ec::{
    short_weierstrass::{Affine, Projective, SWCurveConfig},
    AffineRepr, CurveGroup,
};
use ark_ff::{AdditiveGroup, Field, Zero};
use rayon::prelude::*;

/// Additions of one batch at most (a multiple of the eight lanes).
const BATCH: usize = 1024;

/// Overflowing additions gathered before they are summed ([`Lanes::finish`]).
const OVERFLOW: usize = 8192;

/// A curve whose base field this module computes in, with `N` limbs per element.
pub(super) trait LaneCurve<const N: usize>: SWCurveConfig {
    /// The limbs of `a`.
    fn to_limbs(a: Self::BaseField) -> [u64; N];
    /// The element whose canonical limbs are `l`.
    fn from_limbs(l: &[u64; N]) -> Self::BaseField;
    /// Lane-wise Montgomery product; each component of the result is below `2p` when each of
    /// the inputs' is below `4p`.
    ///
    /// # Safety
    /// The CPU must have `avx512f` and `avx512ifma`.
    unsafe fn mul(a: &Packed<N, Below<4>>, b: &Packed<N, Below<4>>) -> Packed<N, Below<2>>;
}

impl LaneCurve<5> for g1::Config {
    fn to_limbs(a: Fq) -> [u64; 5] {
        Base::to_limbs(a)
    }

    fn from_limbs(l: &[u64; 5]) -> Fq {
        Base::from_limbs(l)
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn mul(a: &Packed<5, Below<4>>, b: &Packed<5, Below<4>>) -> Packed<5, Below<2>> {
        mul::<Base>(a, b)
    }
}

impl LaneCurve<10> for g2::Config {
    fn to_limbs(a: Fq2) -> [u64; 10] {
        join(&Base::to_limbs(a.c0), &Base::to_limbs(a.c1))
    }

    fn from_limbs(l: &[u64; 10]) -> Fq2 {
        let (c0, c1) = split(l);
        Fq2::new(Base::from_limbs(&c0), Base::from_limbs(&c1))
    }

    /// `(a0 + a1 u)(b0 + b1 u) = a0 b0 - a1 b1 + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) u`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn mul(a: &Packed<10, Below<4>>, b: &Packed<10, Below<4>>) -> Packed<10, Below<2>> {
        let ((a0, a1), (b0, b1)) = (a.split(), b.split());
        let (v0, v1) = (mul::<Base>(&a0, &b0), mul::<Base>(&a1, &b1));
        // Sums below 8p (below 4p for this module's inputs, below 2p), products below 2p.
        let s = mul::<Base>(&add(a0, a1), &add(b0, b1));
        // v0 + 2p - v1 is below 4p; s + 4p - v0 - v1 below 6p.
        let c0 = subtract_if_above(sub(v0, v1, &Base::P2), &Base::P2);
        let c1 = sub(sub(s, v0, &Base::P2), v1, &Base::P2);
        let c1 = subtract_if_above(subtract_if_above(c1, &Base::P4), &Base::P2);
        Packed::join(c0, c1)
    }
}

/// An affine point's coordinates as canonical limbs.
#[derive(Clone, Copy)]
struct Limbs<const N: usize> {
    x: [u64; N],
    y: [u64; N],
}

fn point_limbs<C: LaneCurve<N>, const N: usize>(p: &Affine<C>) -> Limbs<N> {
    if p.is_zero() {
        return Limbs {
            x: [0; N],
            y: [0; N],
        };
    }
    Limbs {
        x: C::to_limbs(p.x),
        y: C::to_limbs(p.y),
    }
}

/// Whether two canonical coordinates are equal (an inlined comparison: `==` on arrays calls
/// `memcmp`, which showed in profiles).
fn same<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    a.iter().zip(b).fold(true, |eq, (x, y)| eq & (x == y))
}

/// One window sum per window of `digits`.
pub(super) fn window_sums<C: LaneCurve<N>, const N: usize>(
    ifma: Ifma,
    bases: &[Affine<C>],
    digits: &Digits,
) -> Vec<Projective<C>> {
    let limbs: Vec<Limbs<N>> = bases[..digits.n].par_iter().map(point_limbs).collect();
    (0..digits.windows)
        .into_par_iter()
        .map(|w| window_sum(ifma, bases, &limbs, window_span(digits, w), digits.c))
        .collect()
}

fn window_sum<C: LaneCurve<N>, const N: usize>(
    ifma: Ifma,
    bases: &[Affine<C>],
    limbs: &[Limbs<N>],
    digits: &[i32],
    c: usize,
) -> Projective<C> {
    let mut acc = Lanes::<C, N>::new(ifma, limbs, 1 << (c - 1));
    for (i, &d) in digits.iter().enumerate() {
        if d != 0 && !bases[i].is_zero() {
            acc.add(Entry {
                bucket: d.unsigned_abs() as usize - 1,
                base: i,
                negative: d < 0,
            });
        }
    }
    acc.finish();
    // SAFETY: the `Ifma` token shows that the CPU has the features `bucket_sum` is compiled for.
    unsafe { bucket_sum::<C, N>(ifma, &acc.buckets, &acc.filled) }
}

/// `n · p` by doubling and adding: for the small multiples here, much cheaper than arkworks'
/// scalar multiplication, which is GLV over the full scalar width on BN254.
fn times<C: SWCurveConfig>(p: Projective<C>, n: u64) -> Projective<C> {
    let mut acc = Projective::<C>::zero();
    for bit in (0..u64::BITS - n.leading_zeros()).rev() {
        acc.double_in_place();
        if n >> bit & 1 == 1 {
            acc += p;
        }
    }
    acc
}

/// A point in homogeneous projective coordinates `(X : Y : Z)`, `x = X/Z`, `y = Y/Z`, eight
/// lanes, each coordinate below `2p` ([`Ops`]).
#[derive(Clone, Copy)]
struct Proj<const N: usize> {
    x: Packed<N, Below<2>>,
    y: Packed<N, Below<2>>,
    z: Packed<N, Below<2>>,
}

/// `Σ_k (k + 1) · bucket_k` over the affine buckets (`filled` marks the non-empty ones).
///
/// The buckets are cut into eight equal segments, one per lane; each lane keeps the running sum
/// `R` and total `T` of its segment from the top down with the complete addition formulas of
/// Renes, Costello and Batina (2016, algorithms 7 and 8 for `a = 0`), which have no exceptional
/// cases for points of the prime-order subgroup, and then `Σ_j (T_j + j·m·R_j)` for segments of
/// `m` buckets, in arkworks.
#[target_feature(enable = "avx512f,avx512ifma")]
fn bucket_sum<C: LaneCurve<N>, const N: usize>(
    _ifma: Ifma,
    buckets: &[Limbs<N>],
    filled: &[bool],
) -> Projective<C> {
    let m = buckets.len() / 8;
    let b3 = broadcast(&C::to_limbs(C::COEFF_B.double() + C::COEFF_B));
    let ops = Ops::<C, N> {
        b3: b3.widen(),
        curve: std::marker::PhantomData,
    };
    let zero = zero::<N>().widen();
    let identity = Proj {
        x: zero,
        y: one::<Base, N>().widen(),
        z: zero,
    };
    let (mut running, mut total) = (identity, identity);
    let (mut gx, mut gy) = (Group::<N, Canonical>::ZERO, Group::<N, Canonical>::ZERO);
    for t in (0..m).rev() {
        let mut mask = 0u8;
        for lane in 0..8 {
            let k = lane * m + t;
            if filled[k] {
                put(&mut gx, lane, &buckets[k].x);
                put(&mut gy, lane, &buckets[k].y);
                mask |= 1 << lane;
            }
        }
        if mask != 0 {
            let sum = ops.add_affine(&running, &load(&gx).widen(), &load(&gy).widen());
            running = Proj {
                x: blend(mask, &running.x, &sum.x),
                y: blend(mask, &running.y, &sum.y),
                z: blend(mask, &running.z, &sum.z),
            };
        }
        total = ops.add(&total, &running);
    }
    let (r, t) = (lanes_of::<C, N>(&running), lanes_of::<C, N>(&total));
    (0..8).fold(Projective::zero(), |acc, j| {
        acc + t[j] + times(r[j], (j * m) as u64)
    })
}

/// The eight lanes of `p` as arkworks points.
#[target_feature(enable = "avx512f")]
fn lanes_of<C: LaneCurve<N>, const N: usize>(p: &Proj<N>) -> [Projective<C>; 8] {
    let (mut x, mut y, mut z) = (Group::ZERO, Group::ZERO, Group::ZERO);
    store(&mut x, &canonical::<Base, N>(p.x));
    store(&mut y, &canonical::<Base, N>(p.y));
    store(&mut z, &canonical::<Base, N>(p.z));
    std::array::from_fn(|j| {
        let z = C::from_limbs(&get(&z, j));
        match z.inverse() {
            Some(zi) => Affine::<C>::new_unchecked(
                C::from_limbs(&get(&x, j)) * zi,
                C::from_limbs(&get(&y, j)) * zi,
            )
            .into(),
            None => Projective::zero(),
        }
    })
}

/// Lane-wise field and curve operations; every value stays below `2p` per component: products
/// are, and sums and differences (`+ 2p`), below `4p`, are brought back by subtracting `2p`
/// where it fits.
struct Ops<C, const N: usize> {
    /// `3b`: canonical, held under the bound of every value here.
    b3: Packed<N, Below<2>>,
    curve: std::marker::PhantomData<C>,
}

impl<C: LaneCurve<N>, const N: usize> Ops<C, N> {
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn mul(&self, a: &Packed<N, Below<2>>, b: &Packed<N, Below<2>>) -> Packed<N, Below<2>> {
        // SAFETY: this function has the features `mul` needs.
        unsafe { C::mul(a.widen_ref(), b.widen_ref()) }
    }

    #[target_feature(enable = "avx512f")]
    fn add_(&self, a: &Packed<N, Below<2>>, b: &Packed<N, Below<2>>) -> Packed<N, Below<2>> {
        subtract_if_above(add(*a, *b), &Base::P2)
    }

    #[target_feature(enable = "avx512f")]
    fn sub_(&self, a: &Packed<N, Below<2>>, b: &Packed<N, Below<2>>) -> Packed<N, Below<2>> {
        subtract_if_above(sub(*a, *b, &Base::P2), &Base::P2)
    }

    /// `p + q` (algorithm 7).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn add(&self, p: &Proj<N>, q: &Proj<N>) -> Proj<N> {
        let (x1, y1, z1, x2, y2, z2) = (&p.x, &p.y, &p.z, &q.x, &q.y, &q.z);
        let t0 = self.mul(x1, x2);
        let t1 = self.mul(y1, y2);
        let t2 = self.mul(z1, z2);
        let t3 = self.mul(&self.add_(x1, y1), &self.add_(x2, y2));
        let t3 = self.sub_(&t3, &self.add_(&t0, &t1));
        let t4 = self.mul(&self.add_(y1, z1), &self.add_(y2, z2));
        let t4 = self.sub_(&t4, &self.add_(&t1, &t2));
        let x3 = self.mul(&self.add_(x1, z1), &self.add_(x2, z2));
        let y3 = self.sub_(&x3, &self.add_(&t0, &t2));
        self.finish(t0, t1, t2, t3, t4, y3)
    }

    /// `p + (x2, y2)` for an affine point that is not the identity (algorithm 8).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn add_affine(
        &self,
        p: &Proj<N>,
        x2: &Packed<N, Below<2>>,
        y2: &Packed<N, Below<2>>,
    ) -> Proj<N> {
        let (x1, y1, z1) = (&p.x, &p.y, &p.z);
        let t0 = self.mul(x1, x2);
        let t1 = self.mul(y1, y2);
        let t3 = self.mul(&self.add_(x2, y2), &self.add_(x1, y1));
        let t3 = self.sub_(&t3, &self.add_(&t0, &t1));
        let t4 = self.add_(&self.mul(y2, z1), y1);
        let y3 = self.add_(&self.mul(x2, z1), x1);
        self.finish(t0, t1, *z1, t3, t4, y3)
    }

    /// The common tail of both additions, from `t2 = Z1·Z2` (`Z1` for the mixed one).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn finish(
        &self,
        t0: Packed<N, Below<2>>,
        t1: Packed<N, Below<2>>,
        t2: Packed<N, Below<2>>,
        t3: Packed<N, Below<2>>,
        t4: Packed<N, Below<2>>,
        y3: Packed<N, Below<2>>,
    ) -> Proj<N> {
        let t0 = self.add_(&self.add_(&t0, &t0), &t0);
        let t2 = self.mul(&self.b3, &t2);
        let z3 = self.add_(&t1, &t2);
        let t1 = self.sub_(&t1, &t2);
        let y3 = self.mul(&self.b3, &y3);
        let x3 = self.sub_(&self.mul(&t3, &t1), &self.mul(&t4, &y3));
        let y3 = self.add_(&self.mul(&t1, &z3), &self.mul(&y3, &t0));
        let z3 = self.add_(&self.mul(&z3, &t4), &self.mul(&t0, &t3));
        Proj {
            x: x3,
            y: y3,
            z: z3,
        }
    }
}

/// The waiting additions of a batch, laid out by lane group: element `e` is lane `e % 8` of
/// group `e / 8`. All canonical.
struct Stage<const N: usize> {
    qx: Vec<Group<N, Canonical>>,
    qy: Vec<Group<N, Canonical>>,
    px: Vec<Group<N, Canonical>>,
    py: Vec<Group<N, Canonical>>,
}

/// An addition of `±bases[base]` to a bucket.
#[derive(Clone, Copy)]
struct Entry {
    bucket: usize,
    base: usize,
    negative: bool,
}

/// One window's buckets, in limbs, filled in batches of affine additions.
///
/// An addition whose bucket already has one in the current batch waits in a queue for the next
/// batch, one per bucket. The others that find their bucket busy (many, where few buckets take
/// many points: the top window, or repeated scalars) and the additions of a point with equal x
/// go to an overflow list, summed at the end of the window by pairs in batches
/// ([`Self::finish`]).
struct Lanes<'a, C: LaneCurve<N>, const N: usize> {
    /// The CPU has the features of the kernel [`Self::run`] calls.
    ifma: Ifma,
    limbs: &'a [Limbs<N>],
    buckets: Vec<Limbs<N>>,
    filled: Vec<bool>,
    waiting: Vec<bool>,
    batch: Vec<usize>,
    /// Additions per batch: a quarter of the buckets, so that few additions find their bucket
    /// busy, up to [`BATCH`].
    limit: usize,
    queue: Vec<Entry>,
    queued: Vec<bool>,
    overflow: Vec<Entry>,
    /// Scratch for [`Self::finish`], `usize::MAX` between uses.
    slot: Vec<usize>,
    stage: Stage<N>,
    curve: std::marker::PhantomData<C>,
}

impl<'a, C: LaneCurve<N>, const N: usize> Lanes<'a, C, N> {
    fn new(ifma: Ifma, limbs: &'a [Limbs<N>], buckets: usize) -> Self {
        let limit = (buckets / 4).clamp(8, BATCH) / 8 * 8;
        let empty = vec![Group::ZERO; limit / 8];
        Lanes {
            ifma,
            limbs,
            buckets: vec![
                Limbs {
                    x: [0; N],
                    y: [0; N]
                };
                buckets
            ],
            filled: vec![false; buckets],
            waiting: vec![false; buckets],
            batch: Vec::with_capacity(limit),
            limit,
            queue: Vec::with_capacity(limit / 2),
            queued: vec![false; buckets],
            overflow: Vec::new(),
            slot: vec![usize::MAX; buckets],
            stage: Stage {
                qx: empty.clone(),
                qy: empty.clone(),
                px: empty.clone(),
                py: empty,
            },
            curve: std::marker::PhantomData,
        }
    }

    fn add(&mut self, e: Entry) {
        if self.waiting[e.bucket] {
            if !self.queued[e.bucket] && self.queue.len() < self.limit / 2 {
                self.queued[e.bucket] = true;
                self.queue.push(e);
            } else {
                self.overflow.push(e);
            }
        } else {
            self.stage(e);
            if self.batch.len() == self.limit {
                self.flush();
            }
        }
        if self.overflow.len() >= OVERFLOW {
            self.finish();
        }
    }

    /// Starts addition `e`, whose bucket has none in the batch.
    fn stage(&mut self, e: Entry) {
        let k = e.bucket;
        let l = &self.limbs[e.base];
        if !self.filled[k] {
            let bucket = &mut self.buckets[k];
            bucket.x = l.x;
            bucket.y = if e.negative {
                negate::<Base, N>(&l.y)
            } else {
                l.y
            };
            self.filled[k] = true;
        } else if same(&self.buckets[k].x, &l.x) {
            // Doubling, or a point plus its negation: not for the affine formula.
            self.overflow.push(e);
        } else {
            self.waiting[k] = true;
            let n = self.batch.len();
            let (g, lane) = (n / 8, n % 8);
            let (q, stage) = (&self.buckets[k], &mut self.stage);
            put(&mut stage.qx[g], lane, &q.x);
            put(&mut stage.qy[g], lane, &q.y);
            put(&mut stage.px[g], lane, &l.x);
            if e.negative {
                put(&mut stage.py[g], lane, &negate::<Base, N>(&l.y));
            } else {
                put(&mut stage.py[g], lane, &l.y);
            }
            self.batch.push(k);
        }
    }

    /// Performs the batch's additions, then starts the queued ones.
    fn flush(&mut self) {
        let n = self.batch.len();
        self.run(n);
        for (e, &k) in self.batch.iter().enumerate() {
            let (g, lane) = (e / 8, e % 8);
            let bucket = &mut self.buckets[k];
            take(&mut bucket.x, &self.stage.qx[g], lane);
            take(&mut bucket.y, &self.stage.qy[g], lane);
            self.waiting[k] = false;
        }
        self.batch.clear();
        // The queued additions have distinct buckets, all free now, and are at most half a batch.
        for e in std::mem::take(&mut self.queue) {
            self.queued[e.bucket] = false;
            self.stage(e);
        }
    }

    /// Runs the kernel on the first `n` staged additions.
    fn run(&mut self, n: usize) {
        // Unused lanes of the last group get x-coordinates 0 and 1: a harmless addition.
        let mut unit = [0u64; N];
        unit[0] = 1;
        for e in n..n.next_multiple_of(8) {
            let (g, lane) = (e / 8, e % 8);
            put(&mut self.stage.qx[g], lane, &[0; N]);
            put(&mut self.stage.px[g], lane, &unit);
        }
        // SAFETY: `self.ifma`, which only detection makes, shows that the CPU has the target
        // features `add_batch` is compiled for.
        unsafe { add_batch::<C, N>(self.ifma, &mut self.stage, n.div_ceil(8)) };
    }

    /// Completes the batches, then sums the overflow into the buckets: each overflowing
    /// bucket's points, with the bucket's own value, are summed by pairs, each round a batch (or
    /// a few) for all buckets, until one point per bucket is left. Runs at the end of the
    /// window and whenever [`OVERFLOW`] additions have gathered, which bounds their memory.
    fn finish(&mut self) {
        while !self.batch.is_empty() {
            self.flush();
        }
        if self.overflow.is_empty() {
            return;
        }
        let mut items: Vec<(usize, Limbs<N>)> = std::mem::take(&mut self.overflow)
            .into_iter()
            .map(|e| {
                let l = &self.limbs[e.base];
                let y = if e.negative {
                    negate::<Base, N>(&l.y)
                } else {
                    l.y
                };
                (e.bucket, Limbs { x: l.x, y })
            })
            .collect();
        // The buckets' own values join their points (once per bucket: `filled` is cleared).
        for i in 0..items.len() {
            let k = items[i].0;
            if self.filled[k] {
                items.push((k, self.buckets[k]));
                self.filled[k] = false;
            }
        }
        loop {
            // Each point pairs with the next one of its bucket; a point left alone passes to the
            // next round. `slot[k]` holds the index of bucket k's unpaired point.
            let mut pairs: Vec<(usize, usize)> = Vec::new();
            for (i, (k, _)) in items.iter().enumerate() {
                match self.slot[*k] {
                    usize::MAX => self.slot[*k] = i,
                    j => {
                        pairs.push((j, i));
                        self.slot[*k] = usize::MAX;
                    }
                }
            }
            let mut next: Vec<(usize, Limbs<N>)> = Vec::with_capacity(items.len() / 2 + 1);
            for (k, _) in &items {
                let i = std::mem::replace(&mut self.slot[*k], usize::MAX);
                if i != usize::MAX {
                    next.push(items[i]);
                }
            }
            if pairs.is_empty() {
                break;
            }
            self.sum_pairs(&items, &pairs, &mut next);
            items = next;
        }
        for (k, p) in items {
            self.buckets[k] = p;
            self.filled[k] = true;
        }
    }

    /// Appends `items[i] + items[j]` to `next` for each `(i, j)` of `pairs` (nothing for the
    /// identity).
    fn sum_pairs(
        &mut self,
        items: &[(usize, Limbs<N>)],
        pairs: &[(usize, usize)],
        next: &mut Vec<(usize, Limbs<N>)>,
    ) {
        let mut staged: Vec<usize> = Vec::with_capacity(self.limit);
        for (n, &(i, j)) in pairs.iter().enumerate() {
            let (k, a, b) = (items[i].0, &items[i].1, &items[j].1);
            if same(&a.x, &b.x) {
                next.extend(double_or_cancel::<C, N>(a, b).map(|p| (k, p)));
            } else {
                let e = staged.len();
                let (g, lane) = (e / 8, e % 8);
                put(&mut self.stage.qx[g], lane, &a.x);
                put(&mut self.stage.qy[g], lane, &a.y);
                put(&mut self.stage.px[g], lane, &b.x);
                put(&mut self.stage.py[g], lane, &b.y);
                staged.push(k);
            }
            if staged.len() == self.limit || (n + 1 == pairs.len() && !staged.is_empty()) {
                self.run(staged.len());
                for (e, &k) in staged.iter().enumerate() {
                    let (g, lane) = (e / 8, e % 8);
                    let x = get(&self.stage.qx[g], lane);
                    next.push((
                        k,
                        Limbs {
                            x,
                            y: get(&self.stage.qy[g], lane),
                        },
                    ));
                }
                staged.clear();
            }
        }
    }
}

/// `a + b` for points with equal x: twice `a` if they are equal, else the identity (`None`).
fn double_or_cancel<C: LaneCurve<N>, const N: usize>(
    a: &Limbs<N>,
    b: &Limbs<N>,
) -> Option<Limbs<N>> {
    if !same(&a.y, &b.y) {
        return None;
    }
    let p = Affine::<C>::new_unchecked(C::from_limbs(&a.x), C::from_limbs(&a.y));
    let twice = (p + p).into_affine();
    (!twice.is_zero()).then(|| point_limbs(&twice))
}

/// Adds the points `(px, py)` to `(qx, qy)` in the first `groups` lane groups, writing the sums
/// over `(qx, qy)`. No two x-coordinates of a lane may be equal.
#[target_feature(enable = "avx512f,avx512ifma")]
fn add_batch<C: LaneCurve<N>, const N: usize>(_ifma: Ifma, stage: &mut Stage<N>, groups: usize) {
    // SAFETY (for each `C::mul`): this function has the features `mul` needs.
    let mul = |a: &Packed<N, Below<2>>, b: &Packed<N, Below<2>>| unsafe {
        C::mul(a.widen_ref(), b.widen_ref())
    };
    // Forward: the running product of the denominators `dx` (below 2p), per lane.
    let mut prefix: Vec<Packed<N, Below<2>>> = Vec::with_capacity(groups);
    let mut product = one::<Base, N>().widen();
    for g in 0..groups {
        prefix.push(product);
        let dx = sub(load(&stage.px[g]), load(&stage.qx[g]), &Base::P);
        product = mul(&product, &dx);
    }
    // One inversion for the whole batch, in arkworks.
    let mut inverse = invert::<C, N>(&canonical::<Base, N>(product)).widen();
    // Backward: each lane's inverse of `dx`, then the affine addition.
    for g in (0..groups).rev() {
        let (qx, qy) = (load(&stage.qx[g]), load(&stage.qy[g]));
        let (px, py) = (load(&stage.px[g]), load(&stage.py[g]));
        let dx = sub(px, qx, &Base::P);
        let inv = mul(&inverse, &prefix[g]);
        inverse = mul(&inverse, &dx);
        let lambda = mul(&sub(py, qy, &Base::P), &inv);
        // x = λ² - qx - px (below 4p), y = λ (qx - x) - qy (below 3p), made canonical.
        let x = canonical::<Base, N>(sub(sub(mul(&lambda, &lambda), qx, &Base::P), px, &Base::P));
        let y = canonical::<Base, N>(sub(mul(&lambda, &sub(qx, x, &Base::P)), qy, &Base::P));
        store(&mut stage.qx[g], &x);
        store(&mut stage.qy[g], &y);
    }
}

/// The inverses of the eight lanes of `a` (canonical, non-zero), with one arkworks inversion.
#[target_feature(enable = "avx512f")]
fn invert<C: LaneCurve<N>, const N: usize>(a: &Packed<N, Canonical>) -> Packed<N, Canonical> {
    let mut limbs = Group::ZERO;
    store(&mut limbs, a);
    let lanes: [C::BaseField; 8] = std::array::from_fn(|j| C::from_limbs(&get(&limbs, j)));
    let mut prefix = [C::BaseField::ONE; 8];
    let mut acc = C::BaseField::ONE;
    for (p, x) in prefix.iter_mut().zip(&lanes) {
        *p = acc;
        acc *= x;
    }
    let mut inv = acc.inverse().unwrap_or(C::BaseField::ZERO);
    let mut out = Group::ZERO;
    for j in (0..8).rev() {
        let lane_inv = inv * prefix[j];
        inv *= lanes[j];
        put(&mut out, j, &C::to_limbs(lane_inv));
    }
    load(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field_lanes::tests::{ifma_or_skip, lanes, values};
    use ark_ff::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn fq2_limbs_round_trip() {
        let mut rng = StdRng::seed_from_u64(1);
        for x in [Fq2::ZERO, Fq2::new(Fq::ZERO, Fq::ONE), Fq2::rand(&mut rng)] {
            let l = <g2::Config as LaneCurve<10>>::to_limbs(x);
            assert_eq!(<g2::Config as LaneCurve<10>>::from_limbs(&l), x);
            assert_eq!(
                <g2::Config as LaneCurve<10>>::from_limbs(&negate::<Base, 10>(&l)),
                -x
            );
        }
    }

    /// Products and inverses of eight lanes against arkworks, with inputs up to `3p`.
    fn field_operations<C: LaneCurve<N>, const N: usize>(_ifma: Ifma, rng: &mut StdRng)
    where
        C::BaseField: UniformRand,
    {
        let special = [C::BaseField::ZERO, C::BaseField::ONE, -C::BaseField::ONE];
        for round in 0..50 {
            let a: [C::BaseField; 8] = std::array::from_fn(|j| match (round, j) {
                (0, 0..=2) => special[j],
                _ => C::BaseField::rand(rng),
            });
            let b: [C::BaseField; 8] = std::array::from_fn(|j| {
                if j == 3 {
                    special[2]
                } else {
                    C::BaseField::rand(rng)
                }
            });
            let mut out = Group::ZERO;
            // SAFETY: the `Ifma` token shows that the CPU has the features.
            unsafe {
                let (va, vb) = (load(&lanes(&a, C::to_limbs)), load(&lanes(&b, C::to_limbs)));
                store(
                    &mut out,
                    &canonical::<Base, N>(C::mul(va.widen_ref(), vb.widen_ref())),
                );
                assert_eq!(
                    values(&out, C::from_limbs),
                    std::array::from_fn(|j| a[j] * b[j])
                );
                let wide = sub(sub(va, vb, &Base::P), vb, &Base::P);
                store(
                    &mut out,
                    &canonical::<Base, N>(C::mul(wide.widen_ref(), wide.widen_ref())),
                );
                let want = std::array::from_fn(|j| (a[j] - b[j] - b[j]).square());
                assert_eq!(values(&out, C::from_limbs), want);
                let nonzero = a.map(|x| if x.is_zero() { C::BaseField::ONE } else { x });
                store(
                    &mut out,
                    &invert::<C, N>(&load(&lanes(&nonzero, C::to_limbs))),
                );
                assert_eq!(
                    values(&out, C::from_limbs),
                    nonzero.map(|x| x.inverse().unwrap())
                );
            }
        }
    }

    #[test]
    fn field_operations_match_arkworks() {
        let Some(ifma) = ifma_or_skip() else {
            return;
        };
        let mut rng = StdRng::seed_from_u64(2);
        field_operations::<g1::Config, 5>(ifma, &mut rng);
        field_operations::<g2::Config, 10>(ifma, &mut rng);
    }
}
