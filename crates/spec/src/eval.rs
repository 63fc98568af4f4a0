//! The eval red-line claim, natively: the results commitment, the benchmark digest, fixed-point scores,
//! evaluator attestations, and the relation the circuit enforces.
//!
//! A claim says "the mean score of the committed results is below `num/den`" (or "at least"),
//! where the results are one fixed-point score per sample of a benchmark the regulator names by
//! its digest. Scores are integers `round(value × SCALE)`, rounded against the developer (up for
//! "below", down for "at least"), so the proven integer claim implies the real one.
//!
//! ## Why nothing wraps
//! Scores < 2^32, at most 2^16 samples: Σ < 2^48. `den · Σ < 2^112` and `num · SCALE · n < 2^100`
//! with `num, den < 2^64`; the compared difference must fit in 128 bits, far below p.

use crate::{
    encoding::digest_to_fr, error::SpecError, merkle, poseidon::Domain,
    signature::SignatureProblem, Fr,
};
use sha2::{Digest, Sha256};

/// Fixed-point scale: scores carry six decimal places.
pub const SCALE: u64 = 1_000_000;
/// Bits of a fixed-point score (scores up to 4294.967295).
pub const SCORE_BITS: usize = 32;
/// Bits of the red line's numerator and denominator.
pub const RED_LINE_BITS: usize = 64;
/// Bits of the compared difference.
pub const DIFF_BITS: usize = 128;
const _: () = assert!(RED_LINE_BITS + SCORE_BITS + crate::ledger::MAX_LOG_CAPACITY < DIFF_BITS);
const _: () = assert!(DIFF_BITS < 252);

/// Which side of the red line the claim is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Mean score strictly below the red line (dangerous capabilities).
    Below,
    /// Mean score at least the floor (for example a refusal rate).
    AtLeast,
}

impl Direction {
    /// The public-input encoding: 0 below, 1 at least.
    pub fn bit(self) -> u64 {
        match self {
            Direction::Below => 0,
            Direction::AtLeast => 1,
        }
    }

    /// Plain words.
    pub fn words(self) -> &'static str {
        match self {
            Direction::Below => "below",
            Direction::AtLeast => "at least",
        }
    }
}

/// The digest of a sample id: the first 248 bits of SHA-256("zkgov/sample-id/v1" || id), or 1
/// where those bits are all zero (probability 2^-248), so that no sample's digest equals the
/// padding leaf 0. The circuit requires a non-zero id in every present slot.
pub fn sample_id_digest(id: &str) -> Fr {
    let mut h = Sha256::new();
    h.update(b"zkgov/sample-id/v1");
    h.update(id.as_bytes());
    let d = digest_to_fr(&h.finalize().into());
    if d == Fr::from(0u64) {
        Fr::from(1u64)
    } else {
        d
    }
}

/// Sample ids in the canonical order: by digest, ascending. Duplicates are an error.
pub fn canonical_order(ids: &[String]) -> Result<Vec<(Fr, String)>, SpecError> {
    let mut v: Vec<(Fr, String)> = ids
        .iter()
        .map(|i| (sample_id_digest(i), i.clone()))
        .collect();
    v.sort_by_key(|a| a.0);
    if let Some(w) = v.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(SpecError::bad_value(
            "sample ids",
            format!("{:?} is listed twice", w[0].1),
        ));
    }
    Ok(v)
}

/// The benchmark digest of a list of sample ids for a capacity class. A regulator computes it from
/// the ids it expects; the circuit recomputes it from the committed slots, so the results hold
/// exactly these samples, each once, and no padding slot can pass for a sample.
///
/// It is `hash2(BenchmarkDigest, ids_root, n + capacity · 2^32)`: `ids_root` is the 16-ary Merkle
/// root over the ids' digests in canonical order, padded with zeros (no id digest is zero, see
/// [`sample_id_digest`]), and `n` the number of ids. The count and the capacity are hashed in
/// because several capacities share a tree depth and a zero leaf is the padding: without them one
/// root would stand for several lists.
pub fn benchmark_digest(ids: &[String], capacity: u64) -> Result<Fr, SpecError> {
    if ids.len() as u64 > capacity {
        return Err(SpecError::bad_value(
            "sample ids",
            format!("{} samples exceed the capacity {capacity}", ids.len()),
        ));
    }
    let digests: Vec<Fr> = canonical_order(ids)?.into_iter().map(|(d, _)| d).collect();
    benchmark_digest_of(digests, capacity)
}

/// [`benchmark_digest`] from the id digests in slot order (the leaves; at most `capacity`).
pub fn benchmark_digest_of(leaves: Vec<Fr>, capacity: u64) -> Result<Fr, SpecError> {
    let depth = merkle::depth_for(capacity)?;
    let n = leaves.len() as u64;
    let root = merkle::root(leaves, Fr::from(0u64), depth);
    Ok(crate::poseidon::hash2(
        Domain::BenchmarkDigest,
        root,
        benchmark_size(n, capacity),
    ))
}

/// The second input of the benchmark digest: `count + capacity · 2^32` (both below 2^15).
pub fn benchmark_size(count: u64, capacity: u64) -> Fr {
    Fr::from(count) + Fr::from(capacity) * Fr::from(1u64 << 32)
}

/// The commitment to a run's results: `hash2(EvalCommitment, root, salt)`, where `root` is the
/// 16-ary tree over the fixed-point scores in canonical order (slot `k` holds the score of the
/// sample whose id digest is leaf `k` of the benchmark digest's tree; empty slots hold 0). The
/// salt (≥ 128 random bits) hides the scores; the position binds each score to its sample.
pub fn results_commitment(scores: &[u64], salt: Fr, capacity: u64) -> Result<Fr, SpecError> {
    let depth = merkle::depth_for(capacity)?;
    if scores.len() as u64 > capacity {
        return Err(SpecError::bad_value(
            "scores",
            format!("{} samples exceed the capacity {capacity}", scores.len()),
        ));
    }
    let leaves = scores.iter().map(|s| Fr::from(*s)).collect();
    let root = merkle::root(leaves, Fr::from(0u64), depth);
    Ok(merkle::commit(Domain::EvalCommitment, root, salt))
}

/// Whether `scores` (fixed-point) satisfy the claim `mean (direction) num/den`.
pub fn claim_holds(scores: &[u64], num: u64, den: u64, direction: Direction) -> bool {
    if scores.is_empty() || den == 0 {
        return false;
    }
    let lhs = den as u128 * scores.iter().map(|s| *s as u128).sum::<u128>();
    let rhs = num as u128 * SCALE as u128 * scores.len() as u128;
    match direction {
        Direction::Below => lhs < rhs,
        Direction::AtLeast => lhs >= rhs,
    }
}

/// The message an evaluator signs: a domain tag followed by the SHA-256 digest of the whole
/// results description (see [`crate::statement::EvalStatement::attested_digest`]): the run, the
/// task, model, scorer, key, reducer, scale, maximum, rounding, errored samples, count, capacity,
/// benchmark digest and results commitment. Only the developer's claim (red line, direction) and
/// the context are outside it, so a signed root cannot be relabelled or reused for another reading.
pub fn attestation_message(attested_digest: &[u8; 32]) -> Vec<u8> {
    let mut m = b"zkgov/eval-attestation/v2".to_vec();
    m.extend_from_slice(attested_digest);
    m
}

/// Checks an evaluator's signature with `verify_strict`, refusing small-order (weak) keys.
pub fn verify_attestation(
    key: &[u8; 32],
    signature: &[u8; 64],
    message: &[u8],
) -> Result<(), SpecError> {
    crate::signature::verify_strict(key, signature, message).map_err(|p| {
        let reason = match p {
            SignatureProblem::Mismatch => {
                "evaluator signature does not cover this results description (run, task, model, scorer, key, reducer, scale, rounding, errored samples, count, capacity, benchmark or results commitment differ from what the evaluator signed)"
                    .to_string()
            }
            other => other.describe("evaluator"),
        };
        SpecError::bad_value("attestation", reason)
    })
}

/// `value × SCALE` as an integer, computed exactly from the shortest decimal that round-trips to
/// `value`, rounded up (`round_up`) or down. Negative or non-finite values are an error.
pub fn fixed_point(value: f64, round_up: bool) -> Option<u64> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let text = format!("{value}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let digits = SCALE.trailing_zeros() as usize; // SCALE = 10^6: 6 decimal places
    let (kept, rest) = frac.split_at(frac.len().min(digits));
    let mut v: u128 = format!("{int}{kept:0<digits$}").parse().ok()?;
    if round_up && rest.bytes().any(|b| b != b'0') {
        v += 1;
    }
    u64::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_boundaries() {
        // mean 0.5 exactly: not below 1/2, but at least 1/2.
        let s = [SCALE, 0];
        assert!(!claim_holds(&s, 1, 2, Direction::Below));
        assert!(claim_holds(&s, 1, 2, Direction::AtLeast));
        assert!(claim_holds(
            &[SCALE / 2 - 1, SCALE / 2],
            1,
            2,
            Direction::Below
        ));
        assert!(!claim_holds(&[], 1, 2, Direction::AtLeast));
        assert!(!claim_holds(&s, 1, 0, Direction::AtLeast));
    }

    #[test]
    fn ids_are_ordered_and_unique() {
        let ids = vec!["b".to_string(), "a".to_string(), "c".to_string()];
        let o = canonical_order(&ids).unwrap();
        assert!(o.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(canonical_order(&["a".into(), "a".into()]).is_err());
        let d = benchmark_digest(&ids, 16).unwrap();
        let mut other = ids.clone();
        other.reverse();
        assert_eq!(
            benchmark_digest(&other, 16).unwrap(),
            d,
            "order-independent"
        );
        other.push("d".into());
        assert_ne!(benchmark_digest(&other, 16).unwrap(), d);
    }

    #[test]
    fn fixed_point_rounds_against_the_claimant() {
        assert_eq!(fixed_point(0.1, true), Some(100_000));
        assert_eq!(fixed_point(0.1, false), Some(100_000));
        assert_eq!(fixed_point(2.0 / 3.0, true), Some(666_667));
        assert_eq!(fixed_point(2.0 / 3.0, false), Some(666_666));
        assert_eq!(fixed_point(1.0, true), Some(1_000_000));
        assert_eq!(fixed_point(0.051, true), Some(51_000));
        assert_eq!(fixed_point(1e-7, true), Some(1));
        assert_eq!(fixed_point(1e-7, false), Some(0));
        assert_eq!(fixed_point(-0.5, false), None);
        assert_eq!(fixed_point(f64::NAN, false), None);
    }
}
