//! The eval red-line claim, natively: the results commitment, the benchmark digest, fixed-point scores,
//! evaluator attestations, and the relation the circuit enforces.
//!
//! A claim says "the mean score of the committed results is below `num/den`" (or "at least"),
//! where the results are one fixed-point score per sample of a benchmark the regulator names by
//! its digest. Scores are integers `round(value × SCALE)`, rounded against the developer (up for
//! "below", down for "at least"), so the proven integer claim implies the real one.
//!
//! ## Why nothing wraps
//! Scores < 2^32, at most 2^14 samples: Σ < 2^46. `den · Σ < 2^110` and `num · SCALE · n < 2^98`
//! with `num, den < 2^64`; the compared difference must fit in 128 bits, far below p.

use crate::{
    error::VerifyError,
    merkle,
    num::{digest_to_fr, fr_to_hex},
    poseidon::Domain,
    signature::SignatureProblem,
    Fr,
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

/// The digest of a sample id: the first 248 bits of SHA-256("zkgov/sample-id/v1" || id).
pub fn sample_id_digest(id: &str) -> Fr {
    let mut h = Sha256::new();
    h.update(b"zkgov/sample-id/v1");
    h.update(id.as_bytes());
    digest_to_fr(&h.finalize().into())
}

/// Sample ids in the canonical order: by digest, ascending. Duplicates are an error.
pub fn canonical_order(ids: &[String]) -> Result<Vec<(Fr, String)>, VerifyError> {
    let mut v: Vec<(Fr, String)> = ids
        .iter()
        .map(|i| (sample_id_digest(i), i.clone()))
        .collect();
    v.sort_by_key(|a| a.0);
    if let Some(w) = v.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(VerifyError::bad_value(
            "sample ids",
            format!("{:?} is listed twice", w[0].1),
        ));
    }
    Ok(v)
}

/// The benchmark digest of a list of sample ids for a capacity class: the 16-ary Merkle root over
/// their digests in canonical order, padded with zeros. A regulator computes it from the ids it
/// expects; the circuit recomputes it from the committed leaves, so the results hold exactly these
/// samples, each once.
pub fn benchmark_digest(ids: &[String], capacity: u64) -> Result<Fr, VerifyError> {
    let depth = merkle::depth_for(capacity)?;
    if ids.len() as u64 > capacity {
        return Err(VerifyError::bad_value(
            "sample ids",
            format!("{} samples exceed the capacity {capacity}", ids.len()),
        ));
    }
    let digests = canonical_order(ids)?.into_iter().map(|(d, _)| d).collect();
    Ok(merkle::root(digests, Fr::from(0u64), depth))
}

/// The commitment to a run's results: `hash2(EvalCommitment, root, salt)`, where `root` is the
/// 16-ary tree over the fixed-point scores in canonical order (slot `k` holds the score of the
/// sample whose id digest is leaf `k` of the benchmark digest's tree; empty slots hold 0). The
/// salt (≥ 128 random bits) hides the scores; the position binds each score to its sample.
pub fn results_commitment(scores: &[u64], salt: Fr, capacity: u64) -> Result<Fr, VerifyError> {
    let depth = merkle::depth_for(capacity)?;
    if scores.len() as u64 > capacity {
        return Err(VerifyError::bad_value(
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

/// SHA-256 of a model identifier (as named by the log), bound in the attestation.
pub fn model_digest(model: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"zkgov/model-id/v1");
    h.update(model.as_bytes());
    h.finalize().into()
}

/// The message an evaluator signs: it vouches that `results_root` commits to its scores for the
/// benchmark `benchmark_digest`, of model `model`, in eval run `eval_id`.
pub fn attestation_message(
    results_root: &Fr,
    benchmark: &Fr,
    model: &str,
    eval_id: &str,
) -> Vec<u8> {
    let mut m = b"zkgov/eval-attestation/v1".to_vec();
    for part in [
        fr_to_hex(results_root).as_bytes(),
        fr_to_hex(benchmark).as_bytes(),
        &model_digest(model)[..],
        eval_id.as_bytes(),
    ] {
        m.extend_from_slice(&(part.len() as u64).to_be_bytes());
        m.extend_from_slice(part);
    }
    m
}

/// Checks an evaluator's signature with `verify_strict`, refusing small-order (weak) keys.
pub fn verify_attestation(
    key: &[u8; 32],
    signature: &[u8; 64],
    message: &[u8],
) -> Result<(), VerifyError> {
    crate::signature::verify_strict(key, signature, message).map_err(|p| {
        let reason = match p {
            SignatureProblem::Mismatch => {
                "evaluator signature does not match the results, benchmark, model and eval id"
                    .to_string()
            }
            other => other.describe("evaluator"),
        };
        VerifyError::bad_value("attestation", reason)
    })
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
}
