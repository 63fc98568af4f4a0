//! Import of snarkjs `.ptau` phase-1 files (the format of the Perpetual Powers of Tau and Hermez
//! ceremonies).
//!
//! Layout (all integers little-endian): `"ptau"`, version (u32), number of sections (u32), then
//! sections of (type u32, size u64, bytes). Section 1 holds the field size in bytes, the base
//! field's prime, the power and the ceremony power; sections 2 to 6 hold `[τ^i]₁` (`2·2^power−1`
//! points), `[τ^i]₂`, `[ατ^i]₁`, `[βτ^i]₁` (`2^power` each) and `[β]₂`. Coordinates are 32-byte
//! little-endian integers in Montgomery form (`x·2^256 mod q`: the representation arkworks uses
//! internally), G1 as `x, y`, G2 as `x.c0, x.c1, y.c0, y.c1`; all-zero bytes are the point at
//! infinity. A file prepared with `snarkjs powersoftau prepare phase2` also holds sections 12 to 15:
//! the Lagrange bases `[L_j(τ)]₁`, `[L_j(τ)]₂`, `[αL_j(τ)]₁`, `[βL_j(τ)]₁` of every domain of size
//! `2^p`, `p = 0 … power`, one after the other (`2^p` points from offset `2^p − 1`); section 12
//! has one more level, `p = power + 1`, computed with the missing power `[τ^{2n−1}]₁` taken as
//! zero, which zkgov does not use. zkgov reads the levels `1 … power` (of the powers kept) and
//! checks the one a circuit uses against the powers ([`Phase1::lagrange`]), which is also where
//! that level's G2 points are checked for the subgroup. The contribution
//! transcript (section 7 on) is checked with `snarkjs powersoftau verify`.
//!
//! Every coordinate must be canonical (below the prime), every point on the curve and in the
//! prime-order subgroup; then [`Phase1::verify`] checks the powers' consistency.

use crate::error::CeremonyError;
use crate::{
    phase1::{Lagrange, Phase1, Powers, Source, MAX_POWER},
    sha256_hex,
};
use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::{short_weierstrass::Affine, short_weierstrass::SWCurveConfig, AffineRepr};
use ark_ff::{BigInt, BigInteger, PrimeField};
use rayon::prelude::*;
use std::path::Path;

/// The magic bytes a `.ptau` file starts with.
pub const MAGIC: &[u8; 4] = b"ptau";

struct Reader<'a> {
    path: &'a Path,
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn bad(&self, reason: impl Into<String>) -> CeremonyError {
        CeremonyError::malformed(self.path, reason)
    }

    fn u32_at(&self, at: usize) -> Result<u32, CeremonyError> {
        self.bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| self.bad("truncated"))
    }

    fn u64_at(&self, at: usize) -> Result<u64, CeremonyError> {
        self.bytes
            .get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| self.bad("truncated"))
    }
}

/// One coordinate from its 32 Montgomery-form bytes, refusing non-canonical values (a value
/// plus the prime still fits in 32 bytes and would stand for the same coordinate).
fn coordinate(b: &[u8]) -> Result<Fq, &'static str> {
    let mut limbs = [0u64; 4];
    for (l, chunk) in limbs.iter_mut().zip(b.chunks_exact(8)) {
        *l = u64::from_le_bytes(chunk.try_into().map_err(|_| "truncated coordinate")?);
    }
    let mont = BigInt(limbs);
    if mont < Fq::MODULUS {
        Ok(Fq::new_unchecked(mont))
    } else {
        Err("a coordinate is not canonical (at or above the prime)")
    }
}

/// Validates a decoded point: on the curve, and (with `subgroup`) in the prime-order subgroup.
fn checked<P: SWCurveConfig>(p: Affine<P>, subgroup: bool) -> Result<Affine<P>, &'static str> {
    if !p.is_on_curve() {
        return Err("not on the curve");
    }
    if subgroup && !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err("not in the prime-order subgroup");
    }
    Ok(p)
}

fn g1(b: &[u8]) -> Result<G1Affine, &'static str> {
    if b.iter().all(|x| *x == 0) {
        return Ok(G1Affine::zero());
    }
    checked(
        G1Affine::new_unchecked(coordinate(&b[..32])?, coordinate(&b[32..64])?),
        true,
    )
}

/// A G2 point; without `subgroup`, only checked on the curve (the Lagrange levels: the one a
/// circuit uses is checked for the subgroup by [`Phase1::lagrange`], the others are never used).
fn g2(b: &[u8], subgroup: bool) -> Result<G2Affine, &'static str> {
    if b.iter().all(|x| *x == 0) {
        return Ok(G2Affine::zero());
    }
    let f = |i: usize| coordinate(&b[32 * i..32 * i + 32]);
    checked(
        G2Affine::new_unchecked(Fq2::new(f(0)?, f(1)?), Fq2::new(f(2)?, f(3)?)),
        subgroup,
    )
}

/// Decodes and validates G1 points (`what`: where they are, for errors).
fn decode_g1s(r: &Reader, what: &str, raw: &[u8]) -> Result<Vec<G1Affine>, CeremonyError> {
    raw.par_chunks_exact(64)
        .enumerate()
        .map(|(i, c)| g1(c).map_err(|why| r.bad(format!("{what}, G1 point {i}: {why}"))))
        .collect()
}

/// Decodes and validates G2 points (`what`: where they are, for errors; `subgroup`: see [`g2`]).
fn decode_g2s(
    r: &Reader,
    what: &str,
    raw: &[u8],
    subgroup: bool,
) -> Result<Vec<G2Affine>, CeremonyError> {
    raw.par_chunks_exact(128)
        .enumerate()
        .map(|(i, c)| g2(c, subgroup).map_err(|why| r.bad(format!("{what}, G2 point {i}: {why}"))))
        .collect()
}

/// Reads a `.ptau` file, keeping the first `2^power` powers (all of them when `power` is
/// `None`). Every point is validated; the powers' consistency is checked by [`Phase1::verify`].
/// Returns the phase 1 and the file's SHA-256.
pub fn read(path: &Path, power: Option<u32>) -> Result<(Phase1, String), CeremonyError> {
    let bytes = std::fs::read(path).map_err(|e| CeremonyError::io(path, e))?;
    let r = Reader {
        path,
        bytes: &bytes,
    };
    if !bytes.starts_with(MAGIC) {
        return Err(r.bad("not a .ptau file (no \"ptau\" magic)"));
    }
    let version = r.u32_at(4)?;
    if version != 1 {
        return Err(r.bad(format!(
            ".ptau version {version} is not supported (expected 1)"
        )));
    }
    let count = r.u32_at(8)?;
    let mut sections: [Option<(usize, usize)>; 16] = [None; 16];
    let mut at = 12usize;
    for _ in 0..count {
        let kind = r.u32_at(at)?;
        let size = r.u64_at(at + 4)?;
        let start = at + 12;
        let end = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s))
            .filter(|e| *e <= bytes.len())
            .ok_or_else(|| r.bad(format!("section {kind} runs past the end of the file")))?;
        if let Some(slot) = sections.get_mut(kind as usize).filter(|_| kind >= 1) {
            if slot.is_some() {
                return Err(r.bad(format!("section {kind} appears twice")));
            }
            *slot = Some((start, end));
        }
        at = end;
    }
    if at != bytes.len() {
        return Err(r.bad("trailing bytes after the last section"));
    }
    let section = |k: usize| -> Result<&[u8], CeremonyError> {
        let (s, e) = sections[k].ok_or_else(|| r.bad(format!("section {k} is missing")))?;
        Ok(&bytes[s..e])
    };
    let header = section(1)?;
    let n8 = r.u32_at(sections[1].map(|s| s.0).unwrap_or_default())?;
    if n8 != 32 || header.len() != 4 + 32 + 8 {
        return Err(r.bad("the header is not that of a BN254 (bn128) file"));
    }
    let q: Vec<u8> = Fq::MODULUS.to_bytes_le();
    if header[4..36] != q[..] {
        return Err(r.bad("the file is for another curve (its prime is not BN254's)"));
    }
    let file_power = u32::from_le_bytes(header[36..40].try_into().unwrap_or_default());
    if !(1..=MAX_POWER).contains(&file_power) {
        return Err(r.bad(format!("power {file_power} is out of range")));
    }
    let power = power.unwrap_or(file_power);
    if power > file_power {
        return Err(r.bad(format!(
            "it has 2^{file_power} powers; 2^{power} are needed"
        )));
    }
    let (n_file, n) = (1usize << file_power, 1usize << power);
    let points = |k: usize, size: usize, count_file: usize, count: usize| {
        let s = section(k)?;
        if s.len() != size * count_file {
            return Err(r.bad(format!(
                "section {k} holds {} bytes; {count_file} points of {size} bytes expected",
                s.len()
            )));
        }
        Ok(&s[..size * count])
    };
    let decode_g1 = |k: usize, raw: &[u8]| decode_g1s(&r, &format!("section {k}"), raw);
    let decode_g2 = |k: usize, raw: &[u8]| decode_g2s(&r, &format!("section {k}"), raw, true);
    let powers = Powers {
        tau_g1: decode_g1(2, points(2, 64, 2 * n_file - 1, 2 * n - 1)?)?,
        tau_g2: decode_g2(3, points(3, 128, n_file, n)?)?,
        alpha_tau_g1: decode_g1(4, points(4, 64, n_file, n)?)?,
        beta_tau_g1: decode_g1(5, points(5, 64, n_file, n)?)?,
        beta_g2: decode_g2(6, points(6, 128, 1, 1)?)?[0],
    };
    let prepared = lagrange_sections(&r, &sections, file_power, power)?;
    let sha256 = sha256_hex(&bytes);
    let source = Source::SnarkjsPtau {
        sha256: sha256.clone(),
        file_power,
    };
    Ok((Phase1::imported(power, source, powers, prepared), sha256))
}

/// The Lagrange bases of sections 12 to 15 (none if the file is not prepared), for the domains
/// `2^1 … 2^power`: every point validated, except that G2 points are left for
/// [`Phase1::lagrange`] to check for the subgroup (a circuit uses one level of the many).
fn lagrange_sections(
    r: &Reader,
    sections: &[Option<(usize, usize)>; 16],
    file_power: u32,
    power: u32,
) -> Result<Vec<Lagrange>, CeremonyError> {
    let present = (12..=15).filter(|k| sections[*k].is_some()).count();
    if present == 0 {
        return Ok(vec![]);
    }
    if present != 4 {
        return Err(r.bad(
            "it has some of the Lagrange sections 12 to 15 but not all (a damaged prepared file)",
        ));
    }
    // Points per section: levels 0 … file_power (section 12: one more level).
    let levels = |extra: u32| (1usize << (file_power + 1 + extra)) - 1;
    let section = |k: usize, size: usize, count: usize| -> Result<&[u8], CeremonyError> {
        let (s, e) = sections[k].unwrap_or_default();
        if e - s != size * count {
            return Err(r.bad(format!(
                "Lagrange section {k} holds {} bytes; {count} points of {size} bytes expected (levels 2^0 to 2^{file_power}{})",
                e - s,
                if k == 12 { " and one more" } else { "" }
            )));
        }
        Ok(&r.bytes[s..e])
    };
    let (s12, s13, s14, s15) = (
        section(12, 64, levels(1))?,
        section(13, 128, levels(0))?,
        section(14, 64, levels(0))?,
        section(15, 64, levels(0))?,
    );
    (1..=power)
        .map(|p| {
            let (from, n) = ((1usize << p) - 1, 1usize << p);
            let at = |k: usize| format!("section {k}, level 2^{p}");
            let g1_level =
                |k: usize, s: &[u8]| decode_g1s(r, &at(k), &s[64 * from..64 * (from + n)]);
            Ok(Lagrange {
                g1: g1_level(12, s12)?,
                g2: decode_g2s(r, &at(13), &s13[128 * from..128 * (from + n)], false)?,
                alpha_g1: g1_level(14, s14)?,
                beta_g1: g1_level(15, s15)?,
            })
        })
        .collect()
}
