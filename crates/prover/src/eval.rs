//! Eval red-line claims: from an imported eval log to fixed-point scores, a salted commitment, an
//! evaluator attestation, and a proof.

use crate::{commit::root_salt, error::ProveError, keys::KeyPair};

use ark_bn254::Fr;
use ed25519_dalek::{Signer, SigningKey};
use rand::{CryptoRng, RngCore};
use zkgov_circuits::eval::EvalCircuit;
use zkgov_evidence::EvalLog;
use zkgov_spec::{
    bundle::{Claim, Statement},
    encoding::fr_to_hex,
    eval::{
        attestation_message, canonical_order, claim_holds, fixed_point, results_commitment,
        Direction, SCALE,
    },
    statement::{
        Attestation, Context, ErroredSamples, EvalInputs, EvalSource, EvalStatement, Scoring,
    },
};
use zkgov_verifier::groth16::{encode_proof, verify_claim_with_key};

/// How samples without a score are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErroredPolicy {
    /// At the worst score for the claim's direction (the default: dropping a sample never helps).
    Worst,
    /// Left out; the benchmark digest then covers only the scored samples, which a regulator
    /// expecting the full benchmark will see.
    Exclude,
}

/// What to claim about a log.
#[derive(Debug, Clone)]
pub struct EvalClaimSpec {
    /// Below or at least.
    pub direction: Direction,
    /// The red line as `(numerator, denominator)`.
    pub red_line: (u64, u64),
    /// The largest possible score (worst case for "below"), in the log's units.
    pub score_max: f64,
    /// Errored samples.
    pub errored: ErroredPolicy,
}

/// Parses a red line (`0.5`, `1/3`, `1`) into lowest terms, with the parser policy files use
/// ([`zkgov_spec::encoding::parse_ratio`]), so both accept the same spellings.
pub fn parse_red_line(s: &str) -> Result<(u64, u64), ProveError> {
    Ok(zkgov_spec::encoding::parse_ratio("red line", s)?)
}

/// An eval claim ready to prove.
#[derive(Debug, Clone)]
pub struct EvalJob {
    /// The parsed statement.
    pub inputs: EvalInputs,
    /// `(id digest, fixed-point score)` in canonical order.
    pub samples: Vec<(Fr, u64)>,
    /// The results commitment's salt.
    pub salt: Fr,
    /// Sample ids in the same order.
    pub ids: Vec<String>,
}

impl EvalJob {
    /// Builds the statement for `log`'s per-sample values ([`EvalLog::values`]), refusing (before
    /// any proving) when the claim is false.
    /// `evaluator` signs the whole results description (run, scorer, key, reducer, scale,
    /// rounding, errored samples, count, capacity, benchmark digest and results commitment): in
    /// deployment the evaluator who ran the eval runs this step (or signs the printed digest) and
    /// shares the salt seed with the developer.
    pub fn new(
        log: &EvalLog,
        spec: &EvalClaimSpec,
        context: Context,
        seed: &[u8; 32],
        capacity: Option<u64>,
        evaluator: &SigningKey,
    ) -> Result<Self, ProveError> {
        let round_up = spec.direction == Direction::Below;
        let max = fixed_point(spec.score_max, true)
            .ok_or_else(|| ProveError::import("--score-max", "must be a non-negative number"))?;
        let worst = match spec.direction {
            Direction::Below => max,
            Direction::AtLeast => 0,
        };
        let mut errored = 0u64;
        let mut scored: Vec<(String, u64)> = Vec::new();
        for (id, v) in &log.values {
            match v {
                None => {
                    errored += 1;
                    if spec.errored == ErroredPolicy::Worst {
                        scored.push((id.clone(), worst));
                    }
                }
                Some(x) => {
                    let f = fixed_point(*x, round_up)
                        .filter(|f| *f <= max)
                        .ok_or_else(|| {
                            ProveError::import(
                                format!("sample {id}"),
                                format!(
                                    "score {x} is outside [0, {}] (set --score-max)",
                                    spec.score_max
                                ),
                            )
                        })?;
                    scored.push((id.clone(), f));
                }
            }
        }
        if scored.is_empty() {
            return Err(ProveError::ClaimFalse(
                "the log has no samples to claim anything about".into(),
            ));
        }
        let capacity = match capacity {
            Some(c) => c,
            None => crate::prove::capacity_for(scored.len())?,
        };
        let ids: Vec<String> = scored.iter().map(|(i, _)| i.clone()).collect();
        let order = canonical_order(&ids)?;
        let score_of: std::collections::HashMap<&str, u64> =
            scored.iter().map(|(i, s)| (i.as_str(), *s)).collect();
        let samples: Vec<(Fr, u64)> = order
            .iter()
            .map(|(d, id)| (*d, score_of[id.as_str()]))
            .collect();
        let scores: Vec<u64> = samples.iter().map(|s| s.1).collect();
        let (num, den) = spec.red_line;
        if !claim_holds(&scores, num, den, spec.direction) {
            let mean =
                scores.iter().map(|s| *s as f64).sum::<f64>() / scores.len() as f64 / SCALE as f64;
            return Err(ProveError::ClaimFalse(format!(
                "refused: the mean score ({mean:.6}, errored samples counted as stated) is not {} {num}/{den}, so this claim is false and no proof of it can exist; nothing was written",
                spec.direction.words()
            )));
        }
        let salt = root_salt(seed);
        let root = results_commitment(&scores, salt, capacity)?;
        let benchmark = zkgov_spec::eval::benchmark_digest(&ids, capacity)?;
        let mut statement = EvalStatement {
            capacity,
            sample_count: samples.len() as u64,
            direction: spec.direction,
            red_line_numerator: num.to_string(),
            red_line_denominator: den.to_string(),
            results_root: fr_to_hex(&root),
            benchmark_digest: fr_to_hex(&benchmark),
            source: EvalSource {
                format: log.source_format.clone(),
                task: log.task.clone(),
                eval_id: log.run.id.clone(),
                identity: log.run.kind.clone(),
                evidence_sha256: log.evidence_sha256.clone(),
                model: log.model.clone(),
                scorer: log.scorer.clone(),
                score_key: log.score_key.clone(),
                reducer: log.reducer.clone(),
                values: log.values_from.name().into(),
                checked_metric: log.metric.as_ref().map(|m| m.metric.clone()),
            },
            scoring: Scoring {
                scale: SCALE,
                score_max: max,
                rounding: if round_up { "up" } else { "down" }.into(),
            },
            errored: ErroredSamples {
                count: errored,
                counted_as: match spec.errored {
                    ErroredPolicy::Worst => "worst".into(),
                    ErroredPolicy::Exclude => "excluded".into(),
                },
                worst_score: worst,
            },
            attestation: Attestation {
                evaluator_key: hex::encode(evaluator.verifying_key().to_bytes()),
                signature: String::new(),
            },
            context,
        };
        let signature = evaluator.sign(&attestation_message(&statement.attested_digest()));
        statement.attestation.signature = hex::encode(signature.to_bytes());
        let inputs = statement.parse()?;
        Ok(EvalJob {
            inputs,
            samples,
            salt,
            ids: order.into_iter().map(|(_, i)| i).collect(),
        })
    }

    /// The developer's own margin in plain words: the committed mean against the red line. It
    /// discloses the exact result, so it belongs on the developer's terminal only and is never
    /// written into a bundle.
    pub fn private_margin(&self) -> String {
        let s = &self.inputs.statement;
        let total: u128 = self.samples.iter().map(|(_, v)| u128::from(*v)).sum();
        let mean = total as f64 / self.samples.len() as f64 / SCALE as f64;
        let line = self.inputs.num as f64 / self.inputs.den as f64;
        let (margin, side) = match s.direction {
            Direction::Below => (line - mean, "below"),
            Direction::AtLeast => (mean - line, "above"),
        };
        format!(
            "committed mean {mean:.6} ({} samples), red line {}/{} = {line:.6}: {margin:.6} {side} it",
            self.samples.len(),
            self.inputs.num,
            self.inputs.den
        )
    }

    /// The circuit with its witness.
    pub fn circuit(&self) -> EvalCircuit {
        EvalCircuit::new(&self.inputs, &self.samples, self.salt)
    }

    /// Proves the claim with `keys`, then verifies the proof before returning it.
    pub fn prove<R: RngCore + CryptoRng>(
        &self,
        keys: &KeyPair,
        rng: &mut R,
    ) -> Result<Claim, ProveError> {
        let proof = keys.prove(self.circuit(), rng)?;
        let claim = Claim {
            statement: Statement::Eval(Box::new(self.inputs.statement.clone())),
            key_id: keys.vk.id.clone(),
            proof: encode_proof(&proof),
            shards: None,
        };
        verify_claim_with_key(&claim, &keys.vk)?;
        Ok(claim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn red_lines() {
        assert_eq!(parse_red_line("0.5").unwrap(), (1, 2));
        assert_eq!(parse_red_line("1/3").unwrap(), (1, 3));
        assert_eq!(parse_red_line("0.95").unwrap(), (19, 20));
        assert_eq!(parse_red_line("2").unwrap(), (2, 1));
        assert_eq!(parse_red_line("0").unwrap(), (0, 1));
        for bad in ["", "-1", "1/0", "a", "0.5.5", "1e-3"] {
            assert!(parse_red_line(bad).is_err(), "{bad}");
        }
    }
}
