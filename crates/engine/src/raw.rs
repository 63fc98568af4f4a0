//! Raw little-endian encodings for the large arrays of a key file: field elements and curve points
//! in Montgomery form (no conversion on either side), written and read a buffer at a time and
//! encoded or decoded on all cores.
//!
//! Points are `x ‖ y` (G1: 64 bytes; G2: 128 bytes, `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`); the point at
//! infinity is all zero bytes, which is no curve point (`y² = x³ + b` fails for `x = y = 0`).
//! Decoding checks nothing about the curve: it is for files whose digest the caller checks against
//! a trusted value, made from points that were checked where the file was written.

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Zero};
use rayon::prelude::*;
use std::io::{self, Read, Write};

/// Items encoded or decoded per buffer.
const CHUNK: usize = 1 << 18;

/// Reads a `u64`.
pub fn read_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Writes a `u64`.
pub fn write_u64(w: &mut impl Write, n: u64) -> io::Result<()> {
    w.write_all(&n.to_le_bytes())
}

/// Reads `count` items of `size` bytes, decoding them with `decode` on all cores. The caller has
/// checked that the source holds `count · size` more bytes.
pub fn read_items<T: Send>(
    r: &mut impl Read,
    count: usize,
    size: usize,
    decode: impl Fn(&[u8]) -> T + Sync,
) -> io::Result<Vec<T>> {
    let mut out = Vec::with_capacity(count);
    let mut buf = vec![0u8; CHUNK.min(count) * size];
    let mut done = 0;
    while done < count {
        let n = CHUNK.min(count - done);
        let bytes = &mut buf[..n * size];
        r.read_exact(bytes)?;
        out.par_extend(bytes.par_chunks_exact(size).map(&decode));
        done += n;
    }
    Ok(out)
}

/// Writes `items`, `size` bytes each, encoded by `encode` on all cores.
pub fn write_items<T: Sync>(
    w: &mut impl Write,
    items: &[T],
    size: usize,
    encode: impl Fn(&T, &mut [u8]) + Sync,
) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK.min(items.len()) * size];
    for chunk in items.chunks(CHUNK) {
        let bytes = &mut buf[..chunk.len() * size];
        bytes
            .par_chunks_exact_mut(size)
            .zip(chunk)
            .for_each(|(b, item)| encode(item, b));
        w.write_all(bytes)?;
    }
    Ok(())
}

/// Four 64-bit limbs.
pub fn limbs(b: &[u8]) -> [u64; 4] {
    std::array::from_fn(|i| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes")))
}

/// Puts four 64-bit limbs.
pub fn put_limbs(b: &mut [u8], limbs: &[u64; 4]) {
    for (i, l) in limbs.iter().enumerate() {
        b[8 * i..8 * i + 8].copy_from_slice(&l.to_le_bytes());
    }
}

fn fq(b: &[u8]) -> Fq {
    Fq::new_unchecked(BigInt(limbs(b)))
}

/// Bytes of a G1 point.
pub const G1_BYTES: usize = 64;
/// Bytes of a G2 point.
pub const G2_BYTES: usize = 128;

/// Encodes a G1 point.
pub fn put_g1(p: &G1Affine, b: &mut [u8]) {
    match p.xy() {
        Some((x, y)) => {
            put_limbs(&mut b[..32], &x.0 .0);
            put_limbs(&mut b[32..64], &y.0 .0);
        }
        None => b[..G1_BYTES].fill(0),
    }
}

/// Decodes a G1 point (see the module documentation).
pub fn g1(b: &[u8]) -> G1Affine {
    let (x, y) = (fq(&b[..32]), fq(&b[32..64]));
    if x.is_zero() && y.is_zero() {
        G1Affine::zero()
    } else {
        G1Affine::new_unchecked(x, y)
    }
}

/// Encodes a G2 point.
pub fn put_g2(p: &G2Affine, b: &mut [u8]) {
    match p.xy() {
        Some((x, y)) => {
            for (i, c) in [x.c0, x.c1, y.c0, y.c1].iter().enumerate() {
                put_limbs(&mut b[32 * i..32 * i + 32], &c.0 .0);
            }
        }
        None => b[..G2_BYTES].fill(0),
    }
}

/// Decodes a G2 point (see the module documentation).
pub fn g2(b: &[u8]) -> G2Affine {
    let x = Fq2::new(fq(&b[..32]), fq(&b[32..64]));
    let y = Fq2::new(fq(&b[64..96]), fq(&b[96..128]));
    if x.is_zero() && y.is_zero() {
        G2Affine::zero()
    } else {
        G2Affine::new_unchecked(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_std::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn points_survive_the_encoding_infinity_included() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut p1: Vec<G1Affine> = (0..1000)
            .map(|_| G1Projective::rand(&mut rng).into())
            .collect();
        let mut p2: Vec<G2Affine> = (0..300)
            .map(|_| G2Projective::rand(&mut rng).into())
            .collect();
        p1[17] = G1Affine::zero();
        p2[5] = G2Affine::zero();
        let mut bytes = Vec::new();
        write_items(&mut bytes, &p1, G1_BYTES, put_g1).unwrap();
        write_items(&mut bytes, &p2, G2_BYTES, put_g2).unwrap();
        let mut r = &bytes[..];
        assert_eq!(read_items(&mut r, p1.len(), G1_BYTES, g1).unwrap(), p1);
        assert_eq!(read_items(&mut r, p2.len(), G2_BYTES, g2).unwrap(), p2);
        assert!(r.is_empty());
    }
}
