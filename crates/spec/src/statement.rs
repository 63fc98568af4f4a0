//! Statement encoding: how a human-readable claim becomes Groth16 public inputs. The prover and
//! the verifier both call this module, so there is exactly one encoding.
//!
//! Compute claim public inputs, in order (12):
//! `threshold, peak[0..8], ledger_root, record_count, context`, where `context` binds everything
//! else the statement says (circuit, capacity, accelerator names, policy id, epoch, nonce) as the
//! first 248 bits of a SHA-256 over a length-prefixed encoding.

use crate::provider::LedgerAttestation;
use crate::{
    accelerator::check_rows_distinct,
    encoding::{digest_to_fr, fr_from_hex, fr_to_hex, parse_canonical_u128},
    error::SpecError,
    ledger::{NUM_CLASSES, PEAK_BITS},
    merkle::depth_for,
    Fr,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The compute-ledger circuit's identifier; part of every key's metadata and of the context.
pub const COMPUTE_CIRCUIT: &str = "zkgov/compute-ledger/v3";

/// Number of public inputs of the compute claim.
pub const COMPUTE_NUM_INPUTS: usize = NUM_CLASSES + 4;

/// Positions of the compute claim's public inputs; the circuit reads them by these indices.
pub mod compute_input {
    use crate::ledger::NUM_CLASSES;
    /// The FLOP threshold.
    pub const THRESHOLD: usize = 0;
    /// The first of the `NUM_CLASSES` peak FLOP/s entries.
    pub const PEAKS: usize = 1;
    /// The ledger commitment (`zkgov_spec::ledger::commitment`).
    pub const ROOT: usize = PEAKS + NUM_CLASSES;
    /// The number of committed records.
    pub const RECORD_COUNT: usize = ROOT + 1;
    /// The context digest.
    pub const CONTEXT: usize = RECORD_COUNT + 1;
}

/// The spot-check opening circuit's identifier (see `zkgov_verifier::audit::Opening`).
pub const OPENING_CIRCUIT: &str = "zkgov/ledger-opening/v1";

/// Number of public inputs of an opening proof.
pub const OPENING_NUM_INPUTS: usize = 3;

/// Positions of an opening proof's public inputs.
pub mod opening_input {
    /// The ledger commitment.
    pub const COMMITMENT: usize = 0;
    /// The record's index.
    pub const INDEX: usize = 1;
    /// The packed record (`ledger::Record::packed`).
    pub const RECORD: usize = 2;
}

/// The public inputs of the proof that `record` sits at `index` of the ledger behind `commitment`.
pub fn opening_inputs(commitment: Fr, index: u64, record: &crate::ledger::Record) -> Vec<Fr> {
    let mut v = vec![Fr::from(0u64); OPENING_NUM_INPUTS];
    v[opening_input::COMMITMENT] = commitment;
    v[opening_input::INDEX] = Fr::from(index);
    v[opening_input::RECORD] = record.packed();
    v
}

/// Where and when a claim is made: it binds a proof to one policy, one reporting period and
/// (optionally) one regulator's challenge, so that it cannot be replayed elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// The policy the claim is made under (for example `eu-ai-act-art51`).
    pub policy_id: String,
    /// The reporting period.
    pub epoch: u64,
    /// An optional regulator-issued nonce, lower-case hex (at most 32 bytes).
    pub nonce: Option<String>,
}

impl Context {
    /// Puts the policy id, epoch and nonce into a context digest, in that order (the tail every
    /// claim kind's context shares).
    pub(crate) fn absorb(&self, t: &mut Transcript) {
        t.put(self.policy_id.as_bytes());
        t.put_u64(self.epoch);
        t.put_opt(self.nonce.as_deref());
    }

    pub(crate) fn validate(&self) -> Result<(), SpecError> {
        check_name("context.policy_id", &self.policy_id)?;
        if let Some(n) = &self.nonce {
            if n.is_empty()
                || n.len() > 64
                || n.len() % 2 != 0
                || !n.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            {
                return Err(SpecError::bad_value(
                    "context.nonce",
                    "expected 1 to 32 bytes of lower-case hex",
                ));
            }
        }
        Ok(())
    }
}

/// One row of a peak table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PeakEntry {
    /// Accelerator class name, as the policy names it (for example `H100`).
    pub accelerator: String,
    /// Dense peak FLOP/s of one accelerator, a canonical decimal integer.
    pub peak_flop_per_s: String,
}

/// The compute claim, as the bundle states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ComputeStatement {
    /// Capacity class of the ledger commitment (number of record slots).
    pub capacity: u64,
    /// Number of committed records (slots past it are empty).
    pub record_count: u64,
    /// The claim: total FLOP ≤ this, a canonical decimal integer.
    pub threshold_flop: String,
    /// The policy's peak table; a record's class is its row index.
    pub peak_table: Vec<PeakEntry>,
    /// The hiding commitment to the records (`ledger::commitment`).
    pub ledger_root: String,
    /// Policy, epoch, nonce.
    pub context: Context,
    /// The compute provider's attestation of the ledger commitment; absent when only the
    /// developer vouches for the ledger (see [`crate::provider`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_attestation: Option<Box<LedgerAttestation>>,
}

/// A compute statement after strict parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputeInputs {
    /// Capacity class.
    pub capacity: u64,
    /// Record count.
    pub record_count: u64,
    /// Threshold in FLOP.
    pub threshold: u128,
    /// Peaks for all classes; unused classes carry the table's largest peak, so that filing a
    /// record under an unused class can never lower its count.
    pub peaks: [u64; NUM_CLASSES],
    /// Accelerator names of the used classes.
    pub names: Vec<String>,
    /// Ledger root.
    pub root: Fr,
    /// Context.
    pub context: Context,
    /// The provider's attestation, its signature checked over this statement's fields.
    pub ledger_attestation: Option<Box<LedgerAttestation>>,
}

pub(crate) fn check_name(field: &str, s: &str) -> Result<(), SpecError> {
    if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(SpecError::bad_value(
            field,
            "expected 1 to 128 printable ASCII characters",
        ));
    }
    Ok(())
}

/// A written peak table, strictly parsed: the accelerator names of the used classes and the peaks
/// of all `NUM_CLASSES` classes (unused classes carry the table's largest peak, so that filing a
/// record under an unused class can never lower its count).
pub(crate) fn parse_peak_table(
    table: &[PeakEntry],
) -> Result<(Vec<String>, [u64; NUM_CLASSES]), SpecError> {
    if table.is_empty() || table.len() > NUM_CLASSES {
        return Err(SpecError::bad_value(
            "peak_table",
            format!("expected 1 to {NUM_CLASSES} accelerator classes"),
        ));
    }
    check_rows_distinct("peak_table", table.iter().map(|e| e.accelerator.as_str()))?;
    let mut names = Vec::new();
    let mut used = Vec::new();
    for e in table {
        check_name("peak_table.accelerator", &e.accelerator)?;
        let field = format!("peak_table.{}", e.accelerator);
        let p = parse_canonical_u128(&field, &e.peak_flop_per_s)?;
        if p == 0 || p >= 1 << PEAK_BITS {
            return Err(SpecError::bad_value(
                field,
                format!("peak must be between 1 and 2^{PEAK_BITS} - 1 FLOP/s"),
            ));
        }
        names.push(e.accelerator.clone());
        used.push(p as u64);
    }
    let max = used.iter().copied().max().unwrap_or(0);
    let mut peaks = [max; NUM_CLASSES];
    peaks[..used.len()].copy_from_slice(&used);
    Ok((names, peaks))
}

/// A peak table in its written form.
pub(crate) fn write_peak_table(names: &[String], peaks: &[u64; NUM_CLASSES]) -> Vec<PeakEntry> {
    names
        .iter()
        .zip(peaks)
        .map(|(n, p)| PeakEntry {
            accelerator: n.clone(),
            peak_flop_per_s: p.to_string(),
        })
        .collect()
}

/// The accelerator peaks in plain words (`H100 at 9.894e14 FLOP/s, ...`).
pub(crate) fn describe_peaks(names: &[String], peaks: &[u64; NUM_CLASSES]) -> String {
    let words: Vec<String> = names
        .iter()
        .zip(peaks)
        .map(|(n, p)| format!("{n} at {} FLOP/s", sci(*p as u128)))
        .collect();
    words.join(", ")
}

impl ComputeStatement {
    /// Parses every field strictly.
    pub fn parse(&self) -> Result<ComputeInputs, SpecError> {
        depth_for(self.capacity)?;
        if self.record_count == 0 {
            return Err(SpecError::bad_value(
                "record_count",
                "0: a claim about an empty ledger says nothing (a ledger has at least one record)",
            ));
        }
        if self.record_count > self.capacity {
            return Err(SpecError::bad_value(
                "record_count",
                format!(
                    "{} exceeds the capacity {}",
                    self.record_count, self.capacity
                ),
            ));
        }
        let threshold = parse_canonical_u128("threshold_flop", &self.threshold_flop)?;
        let (names, peaks) = parse_peak_table(&self.peak_table)?;
        self.context.validate()?;
        let root = fr_from_hex("ledger_root", &self.ledger_root)?;
        if let Some(a) = &self.ledger_attestation {
            a.verify(&root, self.record_count, self.capacity, &names)?;
        }
        Ok(ComputeInputs {
            capacity: self.capacity,
            record_count: self.record_count,
            threshold,
            peaks,
            names,
            root,
            context: self.context.clone(),
            ledger_attestation: self.ledger_attestation.clone(),
        })
    }
}

impl ComputeInputs {
    /// The statement in its canonical written form.
    pub fn to_statement(&self) -> ComputeStatement {
        ComputeStatement {
            capacity: self.capacity,
            record_count: self.record_count,
            threshold_flop: self.threshold.to_string(),
            peak_table: write_peak_table(&self.names, &self.peaks),
            ledger_root: fr_to_hex(&self.root),
            context: self.context.clone(),
            ledger_attestation: self.ledger_attestation.clone(),
        }
    }

    /// The context input: SHA-256 (first 248 bits) over a length-prefixed encoding of the circuit,
    /// capacity, accelerator names, policy id, epoch and nonce.
    pub fn context_digest(&self) -> Fr {
        let mut t = Transcript::new(b"zkgov/context/v1");
        t.put(COMPUTE_CIRCUIT.as_bytes());
        t.put_u64(self.capacity);
        t.put_u64(self.names.len() as u64);
        for n in &self.names {
            t.put(n.as_bytes());
        }
        self.context.absorb(&mut t);
        digest_to_fr(&t.finish())
    }

    /// The public inputs, in circuit order.
    pub fn public_inputs(&self) -> Vec<Fr> {
        use compute_input::*;
        let mut v = vec![Fr::from(0u64); COMPUTE_NUM_INPUTS];
        v[THRESHOLD] = Fr::from(self.threshold);
        for (i, p) in self.peaks.iter().enumerate() {
            v[PEAKS + i] = Fr::from(*p);
        }
        v[ROOT] = self.root;
        v[RECORD_COUNT] = Fr::from(self.record_count);
        v[CONTEXT] = self.context_digest();
        v
    }

    /// The claim in plain words.
    pub fn describe(&self) -> String {
        let nonce = match &self.context.nonce {
            Some(n) => format!(", nonce {n}"),
            None => String::new(),
        };
        let vouched = match &self.ledger_attestation {
            Some(a) => format!(
                "; ledger attested by provider {}… for account {:?}, period {}",
                &a.provider_key[..12],
                a.account,
                a.period()
            ),
            None => "; ledger not attested by a compute provider".to_string(),
        };
        format!(
            "Training compute of the committed ledger ({} records) is at most {} FLOP, counting every \
             accelerator at its peak ({}); under policy {:?}, epoch {}{}{}",
            self.record_count,
            sci(self.threshold),
            describe_peaks(&self.names, &self.peaks),
            self.context.policy_id,
            self.context.epoch,
            nonce,
            vouched
        )
    }
}

/// Short scientific notation for large integers (`1.05e24`), exact for small ones.
pub fn sci(x: u128) -> String {
    if x < 1_000_000 {
        return x.to_string();
    }
    let s = x.to_string();
    let mant = s[..4].trim_end_matches('0');
    let (a, b) = mant.split_at(1);
    if b.is_empty() {
        format!("{a}e{}", s.len() - 1)
    } else {
        format!("{a}.{b}e{}", s.len() - 1)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A compute statement about ledger root 42 (3 records, capacity 64, class H100).
    pub(crate) fn example() -> ComputeStatement {
        ComputeStatement {
            capacity: 64,
            record_count: 3,
            threshold_flop: "10000000000000000000000000".into(),
            peak_table: vec![PeakEntry {
                accelerator: "H100".into(),
                peak_flop_per_s: "989400000000000".into(),
            }],
            ledger_root: fr_to_hex(&Fr::from(42u64)),
            context: Context {
                policy_id: "demo".into(),
                epoch: 2026,
                nonce: None,
            },
            ledger_attestation: None,
        }
    }

    #[test]
    fn round_trip_and_inputs() {
        let s = example();
        let p = s.parse().unwrap();
        assert_eq!(p.to_statement(), s);
        let inputs = p.public_inputs();
        assert_eq!(inputs.len(), COMPUTE_NUM_INPUTS);
        assert_eq!(p.peaks, [989_400_000_000_000; NUM_CLASSES]);
    }

    #[test]
    fn out_of_range_values_rejected() {
        let r_plus_5 =
            "21888242871839275222246405745257275088548364400416903976721273198012417052422";
        for t in [
            r_plus_5,
            "340282366920938463463374607431768211456",
            "1e25",
            "-1",
            "007",
        ] {
            let mut s = example();
            s.threshold_flop = t.into();
            assert!(s.parse().is_err(), "{t}");
        }
        let mut s = example();
        s.peak_table[0].peak_flop_per_s = (1u128 << 60).to_string();
        assert!(s.parse().is_err());
        s.peak_table[0].peak_flop_per_s = ((1u128 << 60) - 1).to_string();
        assert!(s.parse().is_ok());
        s.peak_table[0].peak_flop_per_s = "0".into();
        assert!(s.parse().is_err());
        let mut s = example();
        s.record_count = 65;
        assert!(s.parse().is_err());
        s.record_count = 0;
        let e = s.parse().unwrap_err().to_string();
        assert!(
            e.starts_with("record_count: 0: a claim about an empty ledger"),
            "{e}"
        );
        let mut s = example();
        s.peak_table.push(PeakEntry {
            accelerator: "nvidia_h100_80gb_hbm3".into(),
            peak_flop_per_s: "1".into(),
        });
        let e = s.parse().unwrap_err().to_string();
        assert!(
            e.contains("rows \"H100\" and \"nvidia_h100_80gb_hbm3\" name one accelerator"),
            "{e}"
        );
        let mut s = example();
        s.context.nonce = Some("ABCD".into());
        assert!(s.parse().is_err());
    }

    #[test]
    fn context_binds_every_field() {
        let base = example().parse().unwrap().context_digest();
        let mut s = example();
        s.context.epoch += 1;
        assert_ne!(s.parse().unwrap().context_digest(), base);
        let mut s = example();
        s.context.nonce = Some("00".into());
        assert_ne!(s.parse().unwrap().context_digest(), base);
        let mut s = example();
        s.peak_table[0].accelerator = "H200".into();
        assert_ne!(s.parse().unwrap().context_digest(), base);
        let mut s = example();
        s.context.policy_id = "demo2".into();
        assert_ne!(s.parse().unwrap().context_digest(), base);
    }

    #[test]
    fn sci_notation() {
        assert_eq!(sci(10u128.pow(25)), "1e25");
        assert_eq!(sci(1_051_800_973_194_000_000_000_000), "1.051e24");
        assert_eq!(sci(989_400_000_000_000), "9.894e14");
        assert_eq!(sci(3600), "3600");
    }
}

/// The eval claim circuit's identifier. v3: present slots carry non-zero ids, the benchmark digest
/// hashes in the sample count and capacity, and every score is at most the public score maximum.
pub const EVAL_CIRCUIT: &str = "zkgov/eval-red-line/v3";

/// Number of public inputs of the eval claim.
pub const EVAL_NUM_INPUTS: usize = 8;

/// Positions of the eval claim's public inputs; the circuit reads them by these indices.
pub mod eval_input {
    /// Red line numerator.
    pub const RED_NUM: usize = 0;
    /// Red line denominator.
    pub const RED_DEN: usize = 1;
    /// Direction bit (0 below, 1 at least).
    pub const DIRECTION: usize = 2;
    /// Number of samples.
    pub const SAMPLE_COUNT: usize = 3;
    /// The largest score, fixed-point: every committed score is at most this.
    pub const SCORE_MAX: usize = 4;
    /// The commitment to the per-sample results (`zkgov_spec::eval::results_commitment`).
    pub const RESULTS_ROOT: usize = 5;
    /// Benchmark digest (the expected sample ids and their number).
    pub const BENCHMARK: usize = 6;
    /// Context digest.
    pub const CONTEXT: usize = 7;
}

/// What was evaluated, as the log names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EvalSource {
    /// Log format (`inspect-eval`, `inspect-json`, `lm-eval`).
    pub format: String,
    /// Task name.
    pub task: String,
    /// The run the results come from, as `identity` names it.
    pub eval_id: String,
    /// Which identifier `eval_id` is: `inspect eval_id`, `inspect run_id/task_id` (an Inspect log
    /// written before `eval_id` existed) or `lm-eval run date`.
    pub identity: String,
    /// SHA-256 of the evidence, 64 lower-case hex digits: the Inspect log file; for lm-eval the
    /// samples and results files (SHA-256 over both files' SHA-256). Whoever later holds the log
    /// can check it is the one the claim was made from.
    pub evidence_sha256: String,
    /// The model, as the log names it.
    pub model: String,
    /// The scorer (Inspect) or metric and filter (lm-eval, `acc,none`) the scores come from.
    pub scorer: String,
    /// The key of a dict-valued score (Inspect, e.g. `harm`), if the scorer's values are dicts.
    pub score_key: Option<String>,
    /// How a sample's epochs were reduced to one score (`mean`, `at_least_2`, ...; `none` for
    /// lm-eval).
    pub reducer: String,
    /// Where the per-sample values come from: `log-reductions` (Inspect's own reduced values),
    /// `recomputed` (from the epochs, for a log without reductions) or `per-sample` (lm-eval).
    pub values: String,
    /// The mean metric the log reports for these values, which their mean was checked to equal
    /// before committing (`accuracy`, `mean`, lm-eval's metric); `None` when the log reports none
    /// (only for `log-reductions`).
    pub checked_metric: Option<String>,
}

/// Spellings of [`EvalSource::values`].
pub const VALUES_FROM: [&str; 3] = ["log-reductions", "recomputed", "per-sample"];

/// How scores became the committed integers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// Fixed-point scale: a score `v` is committed as `round(v × scale)`. Always 10^6.
    pub scale: u64,
    /// The largest possible score, fixed-point; the circuit holds every committed score to it.
    pub score_max: u64,
    /// `up` (against a "below" claim) or `down` (against an "at least" claim).
    pub rounding: String,
}

/// How errored or unscored samples were counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ErroredSamples {
    /// How many samples had no score.
    pub count: u64,
    /// `worst` (counted at the worst score for the claim's direction) or `excluded` (left out of
    /// the results and of the benchmark digest, which then differs from the full benchmark's).
    pub counted_as: String,
    /// The worst score used, fixed-point: the score maximum for "below" claims, 0 for "at least".
    pub worst_score: u64,
}

/// An evaluator's signature over the results description
/// ([`EvalStatement::attested_digest`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// The evaluator's ed25519 public key, 64 lower-case hex digits.
    pub evaluator_key: String,
    /// The signature, 128 lower-case hex digits.
    pub signature: String,
}

/// The eval red-line claim, as the bundle states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EvalStatement {
    /// Capacity class (sample slots).
    pub capacity: u64,
    /// Number of committed samples.
    pub sample_count: u64,
    /// `below` or `at-least`.
    pub direction: crate::eval::Direction,
    /// Red line numerator (canonical decimal).
    pub red_line_numerator: String,
    /// Red line denominator (canonical decimal, non-zero).
    pub red_line_denominator: String,
    /// The hiding commitment to the scores, in benchmark order (`eval::results_commitment`).
    pub results_root: String,
    /// Digest of the sample ids and their number (see `eval::benchmark_digest`).
    pub benchmark_digest: String,
    /// What was evaluated.
    pub source: EvalSource,
    /// Scale, maximum and rounding of the committed scores.
    pub scoring: Scoring,
    /// Errored samples.
    pub errored: ErroredSamples,
    /// The evaluator's attestation.
    pub attestation: Attestation,
    /// Policy, epoch, nonce.
    pub context: Context,
}

/// An eval statement after strict parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalInputs {
    /// The statement as written (all fields canonical).
    pub statement: EvalStatement,
    /// Red line numerator.
    pub num: u64,
    /// Red line denominator.
    pub den: u64,
    /// Results root.
    pub root: Fr,
    /// Benchmark digest.
    pub benchmark: Fr,
    /// Evaluator key.
    pub evaluator_key: [u8; 32],
    /// Signature.
    pub signature: [u8; 64],
}

fn parse_u64(field: &str, s: &str) -> Result<u64, SpecError> {
    let v = parse_canonical_u128(field, s)?;
    u64::try_from(v).map_err(|_| SpecError::bad_value(field, "exceeds 2^64 - 1"))
}

/// Length-prefixed fields into SHA-256 (one encoding for every digest of this module).
pub(crate) struct Transcript(Sha256);

impl Transcript {
    pub(crate) fn new(tag: &[u8]) -> Self {
        let mut t = Transcript(Sha256::new());
        t.put(tag);
        t
    }
    pub(crate) fn put(&mut self, b: &[u8]) {
        self.0.update((b.len() as u64).to_be_bytes());
        self.0.update(b);
    }
    pub(crate) fn put_u64(&mut self, v: u64) {
        self.put(&v.to_be_bytes());
    }
    fn put_opt(&mut self, v: Option<&str>) {
        match v {
            None => self.put(&[0]),
            Some(s) => {
                self.put(&[1]);
                self.put(s.as_bytes());
            }
        }
    }
    pub(crate) fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

impl EvalStatement {
    /// The SHA-256 digest of everything the evaluator vouches for: circuit, capacity, sample
    /// count, results commitment, benchmark digest, the source (format, task, run id and its
    /// kind, evidence digest, model, scorer, key, reducer, where the values come from and the
    /// metric they were checked against), the scoring (scale, maximum, rounding) and the errored samples
    /// (count, how counted, worst score). The red line, direction and context are the
    /// developer's claim and stay outside.
    pub fn attested_digest(&self) -> [u8; 32] {
        let mut t = Transcript::new(b"zkgov/eval-results/v2");
        t.put(EVAL_CIRCUIT.as_bytes());
        t.put_u64(self.capacity);
        t.put_u64(self.sample_count);
        t.put(self.results_root.as_bytes());
        t.put(self.benchmark_digest.as_bytes());
        let src = &self.source;
        for f in [
            &src.format,
            &src.task,
            &src.eval_id,
            &src.identity,
            &src.evidence_sha256,
            &src.model,
            &src.scorer,
        ] {
            t.put(f.as_bytes());
        }
        t.put_opt(src.score_key.as_deref());
        t.put(src.reducer.as_bytes());
        t.put(src.values.as_bytes());
        t.put_opt(src.checked_metric.as_deref());
        t.put_u64(self.scoring.scale);
        t.put_u64(self.scoring.score_max);
        t.put(self.scoring.rounding.as_bytes());
        t.put_u64(self.errored.count);
        t.put(self.errored.counted_as.as_bytes());
        t.put_u64(self.errored.worst_score);
        t.finish()
    }

    /// Parses every field strictly, checks that the scoring is the one the claim's direction
    /// needs (rounded against the claim, errored samples at the worst score for it), and checks
    /// the attestation's signature (not whether the evaluator is trusted: that is the policy's
    /// call).
    pub fn parse(&self) -> Result<EvalInputs, SpecError> {
        depth_for(self.capacity)?;
        if self.sample_count == 0 || self.sample_count > self.capacity {
            return Err(SpecError::bad_value(
                "sample_count",
                format!(
                    "{} is not between 1 and the capacity {}",
                    self.sample_count, self.capacity
                ),
            ));
        }
        let num = parse_u64("red_line_numerator", &self.red_line_numerator)?;
        let den = parse_u64("red_line_denominator", &self.red_line_denominator)?;
        if den == 0 {
            return Err(SpecError::bad_value(
                "red_line_denominator",
                "must not be zero",
            ));
        }
        for (f, v) in [
            ("source.format", &self.source.format),
            ("source.task", &self.source.task),
            ("source.eval_id", &self.source.eval_id),
            ("source.model", &self.source.model),
            ("source.scorer", &self.source.scorer),
            ("source.reducer", &self.source.reducer),
            ("source.identity", &self.source.identity),
        ] {
            check_name(f, v)?;
        }
        if let Some(k) = &self.source.score_key {
            check_name("source.score_key", k)?;
        }
        if let Some(m) = &self.source.checked_metric {
            check_name("source.checked_metric", m)?;
        }
        crate::encoding::bytes_from_hex(
            "source.evidence_sha256",
            &self.source.evidence_sha256,
            32,
        )?;
        if !VALUES_FROM.contains(&self.source.values.as_str()) {
            return Err(SpecError::bad_value(
                "source.values",
                format!("expected one of {}", VALUES_FROM.join(", ")),
            ));
        }
        if self.source.values == "recomputed" && self.source.checked_metric.is_none() {
            return Err(SpecError::bad_value(
                "source.checked_metric",
                "values recomputed from a log's epochs must have been checked against a mean the log reports",
            ));
        }
        self.check_scoring()?;
        self.context.validate()?;
        let root = fr_from_hex("results_root", &self.results_root)?;
        let benchmark = fr_from_hex("benchmark_digest", &self.benchmark_digest)?;
        let mut evaluator_key = [0u8; 32];
        evaluator_key.copy_from_slice(&crate::encoding::bytes_from_hex(
            "attestation.evaluator_key",
            &self.attestation.evaluator_key,
            32,
        )?);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&crate::encoding::bytes_from_hex(
            "attestation.signature",
            &self.attestation.signature,
            64,
        )?);
        let message = crate::eval::attestation_message(&self.attested_digest());
        crate::eval::verify_attestation(&evaluator_key, &signature, &message)?;
        Ok(EvalInputs {
            statement: self.clone(),
            num,
            den,
            root,
            benchmark,
            evaluator_key,
            signature,
        })
    }

    /// The scoring must work against the claim: a "below" claim needs scores rounded up and
    /// errored samples at the score maximum; an "at least" claim scores rounded down and errored
    /// samples at 0. A results description prepared for the other direction backs no claim.
    fn check_scoring(&self) -> Result<(), SpecError> {
        let sc = &self.scoring;
        if sc.scale != crate::eval::SCALE {
            return Err(SpecError::bad_value(
                "scoring.scale",
                format!("expected {}", crate::eval::SCALE),
            ));
        }
        if sc.score_max == 0 || sc.score_max >= 1 << crate::eval::SCORE_BITS {
            return Err(SpecError::bad_value(
                "scoring.score_max",
                format!("expected 1 to 2^{} - 1", crate::eval::SCORE_BITS),
            ));
        }
        let (rounding, worst) = match self.direction {
            crate::eval::Direction::Below => ("up", sc.score_max),
            crate::eval::Direction::AtLeast => ("down", 0),
        };
        if sc.rounding != rounding {
            return Err(SpecError::bad_value(
                "scoring.rounding",
                format!(
                    "a {:?} claim needs scores rounded {rounding}, but these were rounded {:?}: results prepared for the other direction back no such claim",
                    self.direction.words(),
                    sc.rounding
                ),
            ));
        }
        match self.errored.counted_as.as_str() {
            "worst" | "excluded" => {}
            _ => {
                return Err(SpecError::bad_value(
                    "errored.counted_as",
                    "expected worst or excluded",
                ))
            }
        }
        if self.errored.worst_score != worst {
            return Err(SpecError::bad_value(
                "errored.worst_score",
                format!(
                    "a {:?} claim counts errored samples at {worst}, not {}: results prepared for the other direction back no such claim",
                    self.direction.words(),
                    self.errored.worst_score
                ),
            ));
        }
        if self.errored.counted_as == "worst" && self.errored.count > self.sample_count {
            return Err(SpecError::bad_value(
                "errored.count",
                format!(
                    "{} errored samples counted among {} samples",
                    self.errored.count, self.sample_count
                ),
            ));
        }
        Ok(())
    }
}

impl EvalInputs {
    /// The context input: SHA-256 (first 248 bits) over the circuit, the attested results
    /// description, the evaluator key, and the policy, epoch and nonce.
    pub fn context_digest(&self) -> Fr {
        let s = &self.statement;
        let mut t = Transcript::new(b"zkgov/context/v2");
        t.put(EVAL_CIRCUIT.as_bytes());
        t.put(&s.attested_digest());
        t.put(&self.evaluator_key);
        s.context.absorb(&mut t);
        digest_to_fr(&t.finish())
    }

    /// The public inputs, in circuit order.
    pub fn public_inputs(&self) -> Vec<Fr> {
        use eval_input::*;
        let mut v = vec![Fr::from(0u64); EVAL_NUM_INPUTS];
        v[RED_NUM] = Fr::from(self.num);
        v[RED_DEN] = Fr::from(self.den);
        v[DIRECTION] = Fr::from(self.statement.direction.bit());
        v[SAMPLE_COUNT] = Fr::from(self.statement.sample_count);
        v[SCORE_MAX] = Fr::from(self.statement.scoring.score_max);
        v[RESULTS_ROOT] = self.root;
        v[BENCHMARK] = self.benchmark;
        v[CONTEXT] = self.context_digest();
        v
    }

    /// The scorer as one label: `scorer`, or `scorer/key` for a dict-valued score.
    pub fn scorer_label(&self) -> String {
        let src = &self.statement.source;
        match &src.score_key {
            Some(k) => format!("{}/{k}", src.scorer),
            None => src.scorer.clone(),
        }
    }

    /// The claim in plain words.
    pub fn describe(&self) -> String {
        let s = &self.statement;
        let red = if self.den == 1 {
            self.num.to_string()
        } else {
            format!(
                "{}/{} = {:.6}",
                self.num,
                self.den,
                self.num as f64 / self.den as f64
            )
        };
        let errored = if s.errored.count == 0 {
            String::new()
        } else if s.errored.counted_as == "worst" {
            format!(
                "; {} errored sample(s) counted at the worst score",
                s.errored.count
            )
        } else {
            format!("; {} errored sample(s) EXCLUDED", s.errored.count)
        };
        let reducer = if s.source.reducer == "none" {
            String::new()
        } else {
            format!(", epochs reduced by {}", s.source.reducer)
        };
        let values = match (s.source.values.as_str(), &s.source.checked_metric) {
            ("log-reductions", Some(m)) => {
                format!("the log's own per-sample values, matching its {m}")
            }
            ("log-reductions", None) => "the log's own per-sample values".to_string(),
            ("recomputed", Some(m)) => {
                format!("recomputed from the epochs, matching the log's {m}")
            }
            (_, Some(m)) => format!("per-sample values matching the log's {m}"),
            (_, None) => "per-sample values".to_string(),
        };
        format!(
            "Mean {} score (0 to {}{reducer}) of model {:?} on {} ({} samples, run {} by {}; {values}) is {} {}{}; attested by evaluator {}…; under policy {:?}, epoch {}",
            self.scorer_label(),
            s.scoring.score_max as f64 / s.scoring.scale as f64,
            s.source.model,
            s.source.task,
            s.sample_count,
            s.source.eval_id,
            s.source.identity,
            s.direction.words(),
            red,
            errored,
            &s.attestation.evaluator_key[..12],
            s.context.policy_id,
            s.context.epoch
        )
    }
}
