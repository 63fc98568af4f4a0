//! Policy files: what one jurisdiction requires, in a form a regulator can read and sign off.
//!
//! A policy is a TOML file (`format = "zkgov-policy"`, `version = 2`; version 1 files still load,
//! read under version 2's stricter rules: every rule a version 2 file can relax defaults to the
//! safe side). It names the jurisdiction
//! and its legal source, which proof contexts it accepts (policy ids, reporting epochs, an optional
//! nonce), which verifying keys, evaluator (attester) keys and compute providers' keys it trusts,
//! the accelerator peak table
//! it counts compute with, and the claims it requires: per claim kind, a bound and its direction.
//! Every field is documented in `policies/README.md`; unknown fields are errors.
//!
//! ```toml
//! format = "zkgov-policy"
//! version = 2
//! id = "eu-ai-act-art51"
//! jurisdiction = "European Union"
//! legal_source = "Regulation (EU) 2024/1689, Article 51(2)"
//! example = true
//!
//! [context]
//! epochs = [2026]
//!
//! [keys]
//! allow_test_keys = true
//!
//! [[accelerators]]
//! name = "H100"
//! peak_flop_per_s = "989.4e12"
//!
//! [[claims]]
//! kind = "training-compute"
//! direction = "at-most"
//! threshold_flop = "1e25"
//! ```
//!
//! Claim kinds are a tagged enum ([`Requirement`]) so that each kind's rules live in one `match`
//! arm; adding a kind is adding a variant.

use serde::{Deserialize, Serialize};
use std::path::Path;
use zkgov_spec::eval::Direction;
use zkgov_spec::SpecError;
use zkgov_spec::{
    encoding::{bytes_from_hex, fr_from_hex, parse_quantity, parse_ratio},
    ledger::{NUM_CLASSES, PEAK_BITS},
    statement::sci,
};
use zkgov_verifier::keys::{check_key_id, RequiredContributor};

/// Format name of a policy file.
pub const POLICY_FORMAT: &str = "zkgov-policy";
/// Version of the policy format this verifier writes in its examples. Version 2 added the eval
/// pins (benchmark digest, sample count, scorer, key, errored samples); version 1 files load with
/// those unset and errored-sample exclusions refused.
pub const POLICY_VERSION: u32 = 2;
/// Oldest policy version still read.
pub const OLDEST_POLICY_VERSION: u32 = 1;
/// Largest policy file read.
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// How a quantity is compared with a bound, in a policy rule or in what a claim proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// The quantity is at most the bound (a ceiling, inclusive).
    AtMost,
    /// The quantity is strictly below the bound (a red line).
    Below,
    /// The quantity is at least the bound (a floor, inclusive).
    AtLeast,
}

impl Comparison {
    fn parse(field: &str, s: &str, allowed: &[Comparison]) -> Result<Self, SpecError> {
        let d = match s {
            "at-most" => Comparison::AtMost,
            "below" => Comparison::Below,
            "at-least" => Comparison::AtLeast,
            _ => {
                return Err(SpecError::bad_value(
                    field,
                    format!("{s:?} is not a direction (at-most, below or at-least)"),
                ))
            }
        };
        if !allowed.contains(&d) {
            let names: Vec<&str> = allowed.iter().map(|d| d.name()).collect();
            return Err(SpecError::bad_value(
                field,
                format!(
                    "{s:?} is not supported for this claim kind (allowed: {})",
                    names.join(", ")
                ),
            ));
        }
        Ok(d)
    }

    /// The spelling used in policy files.
    pub fn name(self) -> &'static str {
        match self {
            Comparison::AtMost => "at-most",
            Comparison::Below => "below",
            Comparison::AtLeast => "at-least",
        }
    }

    /// Plain words, as in "training compute is at most 1e25".
    pub fn words(self) -> &'static str {
        match self {
            Comparison::AtMost => "at most",
            Comparison::Below => "below",
            Comparison::AtLeast => "at least",
        }
    }

    fn is_upper(self) -> bool {
        matches!(self, Comparison::AtMost | Comparison::Below)
    }
}

/// An exact non-negative rational bound `num / den` (compute thresholds have `den = 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// Numerator.
    pub num: u128,
    /// Denominator, never zero.
    pub den: u64,
}

impl Bound {
    /// A whole-number bound.
    pub fn integer(n: u128) -> Self {
        Bound { num: n, den: 1 }
    }

    /// `self.num * other.den` as a 192-bit number (high 128 bits, low 64 bits): exact, no overflow.
    fn cross(&self, other: &Bound) -> (u128, u64) {
        let b = other.den as u128;
        let lo = (self.num as u64 as u128) * b;
        let hi = (self.num >> 64) * b + (lo >> 64);
        (hi, lo as u64)
    }

    /// Exact comparison of the two rationals.
    pub fn cmp_value(&self, other: &Bound) -> std::cmp::Ordering {
        self.cross(other).cmp(&other.cross(self))
    }

    /// Plain words: `1e25`, or `1/2`.
    pub fn words(&self) -> String {
        if self.den == 1 {
            sci(self.num)
        } else {
            format!("{}/{}", self.num, self.den)
        }
    }
}

impl From<zkgov_spec::eval::Direction> for Comparison {
    fn from(d: zkgov_spec::eval::Direction) -> Self {
        match d {
            zkgov_spec::eval::Direction::Below => Comparison::Below,
            zkgov_spec::eval::Direction::AtLeast => Comparison::AtLeast,
        }
    }
}

/// Mutual recognition: does a proved claim "quantity (`claim_dir`) `claim`" establish the policy's
/// rule "quantity (`policy_dir`) `policy`"?
///
/// - Upper bounds: a claim of at most (or below) T establishes any ceiling at or above T: a proof
///   at 1e25 FLOP shows compliance with a 1e26 rule too, never with a 1e24 one. A claim "below T"
///   also establishes "at most T"; a claim "at most T" establishes "below P" only when T < P.
/// - Floors: a claim of at least F establishes any floor at or below F.
/// - A ceiling never establishes a floor, nor the converse.
pub fn establishes(
    claim_dir: Comparison,
    claim: Bound,
    policy_dir: Comparison,
    policy: Bound,
) -> bool {
    use std::cmp::Ordering::*;
    let c = claim.cmp_value(&policy);
    match (claim_dir, policy_dir) {
        (Comparison::AtMost, Comparison::AtMost)
        | (Comparison::Below, Comparison::Below)
        | (Comparison::Below, Comparison::AtMost) => c != Greater,
        (Comparison::AtMost, Comparison::Below) => c == Less,
        (Comparison::AtLeast, Comparison::AtLeast) => c != Less,
        (a, b) => {
            debug_assert!(a.is_upper() != b.is_upper());
            false
        }
    }
}

/// A trusted signer: an evaluator (`[[attesters]]`) or a compute provider (`[[providers]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attester {
    /// The name the policy's claims refer to it by.
    pub name: String,
    /// Its ed25519 public key.
    pub ed25519: [u8; 32],
}

/// Rules for a training-compute claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputeRule {
    /// Always [`Comparison::AtMost`]: the compute circuit proves a ceiling.
    pub direction: Comparison,
    /// The policy's threshold, in FLOP.
    pub threshold: u128,
    /// Whether the verdict needs it (an optional rule is reported but does not decide).
    pub required: bool,
    /// Whether the ledger must be attested by a provider listed under `[[providers]]` (default
    /// no: a version 1 or 2 policy written before provider attestations keeps its meaning).
    pub require_provider_attestation: bool,
}

/// Rules for an eval red-line claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalRule {
    /// Which evaluation (as named in the claim).
    pub eval_id: String,
    /// The benchmark the policy means: its digest (`zkgov benchmark-digest`, which fixes the
    /// exact sample ids, their number and the capacity class), if pinned.
    pub benchmark_digest: Option<zkgov_spec::Fr>,
    /// The number of samples, if pinned.
    pub sample_count: Option<u64>,
    /// The scorer (Inspect) or `metric,filter` (lm-eval) the scores must come from, if pinned.
    pub scorer: Option<String>,
    /// The key of a dict-valued score, if pinned.
    pub score_key: Option<String>,
    /// Whether a claim that left errored samples out may show the rule (default no: errored
    /// samples count at the worst score).
    pub allow_excluded_errored: bool,
    /// `below` (a dangerous-capability red line) or `at-least` (a floor, e.g. a refusal rate).
    pub direction: Comparison,
    /// The red line or floor on the mean score.
    pub red_line: Bound,
    /// Names of the attesters (from `[[attesters]]`) whose signature the policy accepts.
    pub attesters: Vec<String>,
    /// Whether the verdict needs it.
    pub required: bool,
}

impl EvalRule {
    /// What a claim made for this rule proves: the eval claim's direction and its red line as a
    /// fraction of 64-bit integers.
    pub fn claim_terms(&self) -> Result<(Direction, (u64, u64)), SpecError> {
        let direction = match self.direction {
            Comparison::AtLeast => Direction::AtLeast,
            _ => Direction::Below,
        };
        let num = u64::try_from(self.red_line.num).map_err(|_| {
            SpecError::bad_value(
                format!("evals.{}.red_line", self.eval_id),
                "the numerator exceeds 2^64 - 1",
            )
        })?;
        Ok((direction, (num, self.red_line.den)))
    }
}

/// One claim a policy asks for. One variant per claim kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `kind = "training-compute"`.
    Compute(ComputeRule),
    /// `kind = "eval-red-line"`.
    Eval(EvalRule),
}

impl Requirement {
    /// The claim kind, as bundles spell it.
    pub fn kind(&self) -> &'static str {
        match self {
            Requirement::Compute(_) => "training-compute",
            Requirement::Eval(_) => "eval-red-line",
        }
    }

    /// Whether the verdict depends on it.
    pub fn required(&self) -> bool {
        match self {
            Requirement::Compute(r) => r.required,
            Requirement::Eval(r) => r.required,
        }
    }

    /// Plain words.
    pub fn describe(&self) -> String {
        match self {
            Requirement::Compute(r) => format!(
                "training compute {} {} FLOP{}",
                r.direction.words(),
                sci(r.threshold),
                if r.require_provider_attestation {
                    ", ledger attested by a trusted compute provider"
                } else {
                    ""
                }
            ),
            Requirement::Eval(r) => {
                let mut pins = Vec::new();
                if let Some(s) = &r.scorer {
                    pins.push(format!("scorer {s}"));
                }
                if let Some(k) = &r.score_key {
                    pins.push(format!("key {k}"));
                }
                if let Some(n) = r.sample_count {
                    pins.push(format!("{n} samples"));
                }
                if let Some(d) = &r.benchmark_digest {
                    pins.push(format!(
                        "benchmark {}…",
                        &zkgov_spec::encoding::fr_to_hex(d)[..14]
                    ));
                }
                pins.push(if r.allow_excluded_errored {
                    "errored samples may be excluded".to_string()
                } else {
                    "errored samples counted at the worst score".to_string()
                });
                format!(
                    "eval {:?}: mean score {} {}, attested by {} ({})",
                    r.eval_id,
                    r.direction.words(),
                    r.red_line.words(),
                    r.attesters.join(" or "),
                    pins.join(", ")
                )
            }
        }
    }
}

/// A parsed and checked policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The policy's id; claims made under it carry it in their context.
    pub id: String,
    /// Who sets it.
    pub jurisdiction: String,
    /// A short title.
    pub title: Option<String>,
    /// The legal text it implements.
    pub legal_source: String,
    /// Whether this is an example (shown in every verdict).
    pub example: bool,
    /// Context policy ids whose claims it accepts (its own id first; others by mutual recognition).
    pub recognized_policy_ids: Vec<String>,
    /// Reporting epochs it accepts.
    pub epochs: Vec<u64>,
    /// A nonce every claim must carry (a regulator's fresh request), if any.
    pub nonce: Option<String>,
    /// Verifying-key IDs it accepts; `None` accepts any key in the regulator's key store.
    pub accepted_keys: Option<Vec<String>>,
    /// Whether single-party (TEST ONLY) keys are accepted.
    pub allow_test_keys: bool,
    /// SHA-256 of the phase-1 files (`.ptau` or zkgov phase 1) whose randomness it trusts, for keys
    /// it accepts through a checked ceremony transcript.
    pub accepted_phase1_sha256: Vec<String>,
    /// Contributors every checked ceremony transcript must include (by their signing keys).
    pub required_contributors: Vec<RequiredContributor>,
    /// Accelerator classes and their peak dense FLOP/s, as this policy counts them.
    pub accelerators: Vec<(String, u64)>,
    /// Trusted evaluator keys.
    pub attesters: Vec<Attester>,
    /// Trusted compute providers (attesting ledgers), by name and key.
    pub providers: Vec<Attester>,
    /// The claims it asks for.
    pub requirements: Vec<Requirement>,
    /// The registry the policy requires publication in, if any.
    pub registry: Option<RegistryRequirement>,
}

/// A policy file (`zkgov-policy`, TOML): what one jurisdiction requires of a bundle. Every field is
/// documented in `policies/README.md`; unknown fields are errors.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(title = "zkgov-policy"))]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    /// Always `zkgov-policy`.
    format: String,
    /// 2 (version 1 files still load, read under version 2's stricter defaults).
    version: u32,
    /// The policy id; claims made under it carry it in their context.
    id: String,
    /// Who sets the policy.
    jurisdiction: String,
    /// A short title.
    title: Option<String>,
    /// The legal text the policy implements.
    legal_source: String,
    /// `true` marks an example policy (shown in every verdict).
    #[serde(default)]
    example: bool,
    /// Which proof contexts the policy accepts.
    context: ContextFile,
    /// Which verifying keys the policy accepts.
    #[serde(default)]
    keys: KeysFile,
    /// The peak table compute is counted with (1 to 8 classes); required with a training-compute
    /// rule, and a policy of eval rules alone may leave it out.
    #[serde(default)]
    accelerators: Vec<AcceleratorFile>,
    /// Trusted evaluator keys, referred to by name from eval claims.
    #[serde(default)]
    attesters: Vec<AttesterFile>,
    /// Trusted compute providers, whose ledger attestations vouch that a ledger is complete.
    #[serde(default)]
    providers: Vec<AttesterFile>,
    /// The claims the policy requires, per kind.
    claims: Vec<ClaimFile>,
    /// The disclosure registry a bundle must be published in (checked by `zkgov verify
    /// --registry`).
    #[serde(default)]
    registry: Option<RegistryRequirement>,
}

/// `[registry]`: which disclosure registry this policy trusts, and how many of which witnesses
/// must have co-signed a checkpoint that includes a bundle before it counts as published. The keys
/// are C2SP note verifier keys (`name+id+base64`); the registry crate checks them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RegistryRequirement {
    /// The log's public key (its name is the log's origin).
    pub log_key: String,
    /// The witnesses this policy trusts (cosignature/v1 keys).
    #[serde(default)]
    pub witnesses: Vec<String>,
    /// How many distinct trusted witnesses must have co-signed (0 to the number listed).
    #[serde(default)]
    pub witness_quorum: usize,
}

/// `[context]`: the proof contexts a policy accepts.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct ContextFile {
    /// Reporting periods accepted (at least one).
    epochs: Vec<u64>,
    /// Other policy ids whose claims are accepted (mutual recognition); the policy's own id is
    /// always accepted.
    recognized_policy_ids: Option<Vec<String>>,
    /// A hex nonce every claim must carry (a fresh request).
    nonce: Option<String>,
}

/// `[keys]`: the verifying keys a policy accepts.
#[derive(Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct KeysFile {
    /// Verifying-key IDs accepted; absent, any key in the regulator's key store.
    accepted: Option<Vec<String>>,
    /// Accept TEST keys (single-party, or claiming a ceremony that was not checked).
    #[serde(default)]
    allow_test_keys: bool,
    /// SHA-256 of phase-1 files whose randomness the policy trusts.
    #[serde(default)]
    accepted_phase1_sha256: Vec<String>,
    /// Contributors that must have signed a phase-2 contribution of a checked transcript.
    #[serde(default)]
    required_contributors: Vec<ContributorFile>,
}

/// `[[keys.required_contributors]]`: a ceremony contributor by name and key.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct ContributorFile {
    /// The name the regulator knows it by.
    name: String,
    /// Its ed25519 public key, 64 hex digits.
    ed25519: String,
}

/// `[[accelerators]]`: one row of the peak table.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct AcceleratorFile {
    /// Accelerator class name (for example `H100`).
    name: String,
    /// Dense peak FLOP/s of one accelerator (for example `"989.4e12"`).
    peak_flop_per_s: Quantity,
}
/// A quantity written as a string (`"1e25"`, `"989.4e12"`) or a TOML integer. TOML floats are
/// refused: `1e25` as a float is not exactly 10^25.
struct Quantity(String);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a quantity as a string, e.g. \"1e25\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Quantity, E> {
                Ok(Quantity(s.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Quantity, E> {
                Ok(Quantity(n.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Quantity, E> {
                Ok(Quantity(n.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Quantity, E> {
                Err(E::custom(format!(
                    "{x:e} is a TOML float, which is inexact: write quantities (threshold_flop, peak_flop_per_s, red_line) as strings, e.g. threshold_flop = \"1e25\""
                )))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A quantity as a string (\"1e25\", \"989.4e12\", \"1/2\") or an integer; TOML floats are refused (inexact).",
            "type": ["string", "integer"]
        })
    }
}

/// `[[attesters]]` or `[[providers]]`: a trusted signer by name and key.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct AttesterFile {
    /// The signer's name, unique in its table.
    name: String,
    /// Its ed25519 public key, 64 hex digits.
    ed25519: String,
}

/// `[[claims]]`: a claim the policy requires, by kind.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", deny_unknown_fields)]
enum ClaimFile {
    /// Training compute at most a threshold.
    #[serde(rename = "training-compute")]
    Compute {
        /// Always `at-most`.
        direction: String,
        /// The threshold in FLOP (for example `"1e25"`).
        threshold_flop: Quantity,
        /// Whether the verdict depends on the claim (default `true`).
        #[serde(default = "yes")]
        required: bool,
        /// Require the ledger to be attested by a provider listed under `[[providers]]`.
        #[serde(default)]
        require_provider_attestation: bool,
    },
    /// A mean eval score below a red line, or at least a floor.
    #[serde(rename = "eval-red-line")]
    Eval {
        /// The evaluation the policy means.
        eval_id: String,
        /// `below` or `at-least`.
        direction: String,
        /// The red line (`"1/2"`, `"0.9"`).
        red_line: Quantity,
        /// Names of `[[attesters]]` whose attestations count.
        attesters: Vec<String>,
        /// Whether the verdict depends on the claim (default `true`).
        #[serde(default = "yes")]
        required: bool,
        /// The benchmark digest the claim must state (`zkgov benchmark-digest`).
        benchmark_digest: Option<String>,
        /// The number of samples the claim must state.
        sample_count: Option<u64>,
        /// The scorer (Inspect) or `metric,filter` (lm-eval) the claim must state.
        scorer: Option<String>,
        /// The key of a dict-valued score the claim must state.
        score_key: Option<String>,
        /// Accept claims that left errored samples out of the mean (default `false`).
        #[serde(default)]
        allow_excluded_errored: bool,
    },
}

/// The JSON Schema of a policy file's structure (the TOML read as JSON): the types that parse it.
#[cfg(feature = "schema")]
pub fn file_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.root_schema_for::<PolicyFile>()
}

fn yes() -> bool {
    true
}

/// Trusted signers (`[[attesters]]` or `[[providers]]`): names printable and unique, keys 32 bytes.
fn signers(table: &str, files: &[AttesterFile]) -> Result<Vec<Attester>, SpecError> {
    let mut out: Vec<Attester> = Vec::new();
    for a in files {
        check_text(&format!("{table}.name"), &a.name)?;
        let key = bytes_from_hex(&format!("{table}.{}.ed25519", a.name), &a.ed25519, 32)?;
        if out.iter().any(|x| x.name == a.name) {
            return Err(SpecError::bad_value(
                table,
                format!("{} is listed twice", a.name),
            ));
        }
        let mut ed25519 = [0u8; 32];
        ed25519.copy_from_slice(&key);
        out.push(Attester {
            name: a.name.clone(),
            ed25519,
        });
    }
    Ok(out)
}

fn check_text(field: &str, s: &str) -> Result<(), SpecError> {
    if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(SpecError::bad_value(
            field,
            "expected 1 to 128 printable ASCII characters",
        ));
    }
    Ok(())
}

impl Policy {
    /// The accelerator classes a ledger is counted with, in class order; an error for a policy
    /// without them (one of eval rules alone), under which no ledger can be counted.
    pub fn accelerator_rows(&self) -> Result<&[(String, u64)], SpecError> {
        if self.accelerators.is_empty() {
            return Err(SpecError::bad_value(
                "--policy",
                format!(
                    "policy {:?} lists no accelerators (it has no training-compute rule), so no ledger can be counted under it",
                    self.id
                ),
            ));
        }
        Ok(&self.accelerators)
    }

    /// Parses and checks a policy's TOML text.
    pub fn from_toml(text: &str) -> Result<Self, SpecError> {
        // Format and version first, so that a future version gets a clear message rather than
        // an unknown-field error.
        let v: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        let format = v.get("format").and_then(|f| f.as_str()).unwrap_or("?");
        let version = v.get("version").and_then(|f| f.as_integer());
        let known = (OLDEST_POLICY_VERSION as i64)..=(POLICY_VERSION as i64);
        if format != POLICY_FORMAT || !version.is_some_and(|v| known.contains(&v)) {
            return Err(SpecError::UnsupportedFormat {
                what: "policy".into(),
                found: format!(
                    "{format} v{}",
                    version.map_or("?".to_string(), |v| v.to_string())
                ),
                expected: format!("{POLICY_FORMAT} v{OLDEST_POLICY_VERSION} to v{POLICY_VERSION}"),
            });
        }
        let f: PolicyFile = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        debug_assert!(f.format == POLICY_FORMAT && f.version <= POLICY_VERSION);
        check_text("id", &f.id)?;
        check_text("jurisdiction", &f.jurisdiction)?;
        if f.legal_source.trim().is_empty() {
            return Err(SpecError::bad_value(
                "legal_source",
                "name the legal text this policy implements",
            ));
        }
        if let Some(r) = &f.registry {
            if r.witness_quorum > r.witnesses.len() {
                return Err(SpecError::bad_value(
                    "registry.witness_quorum",
                    "more witnesses are required than the policy lists",
                ));
            }
        }
        if f.context.epochs.is_empty() {
            return Err(SpecError::bad_value(
                "context.epochs",
                "list at least one accepted reporting epoch",
            ));
        }
        let mut recognized = vec![f.id.clone()];
        for r in f.context.recognized_policy_ids.unwrap_or_default() {
            check_text("context.recognized_policy_ids", &r)?;
            if !recognized.contains(&r) {
                recognized.push(r);
            }
        }
        if let Some(n) = &f.context.nonce {
            if n.is_empty() || n.len() > 64 || n.len() % 2 != 0 {
                return Err(SpecError::bad_value(
                    "context.nonce",
                    "expected 1 to 32 bytes of lower-case hex",
                ));
            }
            bytes_from_hex("context.nonce", n, n.len() / 2)?;
        }
        if let Some(keys) = &f.keys.accepted {
            for k in keys {
                check_key_id(k).map_err(|_| {
                    SpecError::bad_value(
                        "keys.accepted",
                        format!("{k:?} is not a key ID (64 lower-case hex digits)"),
                    )
                })?;
            }
        }
        for h in &f.keys.accepted_phase1_sha256 {
            bytes_from_hex("keys.accepted_phase1_sha256", h, 32)?;
        }
        let mut required_contributors: Vec<RequiredContributor> = Vec::new();
        for c in &f.keys.required_contributors {
            check_text("keys.required_contributors.name", &c.name)?;
            let r = RequiredContributor::new("keys.required_contributors", &c.name, &c.ed25519)?;
            if required_contributors
                .iter()
                .any(|x| x.name == r.name || x.public_key == r.public_key)
            {
                return Err(SpecError::bad_value(
                    "keys.required_contributors",
                    format!("{} or its key is listed twice", r.name),
                ));
            }
            required_contributors.push(r);
        }
        let counts_compute = f
            .claims
            .iter()
            .any(|c| matches!(c, ClaimFile::Compute { .. }));
        if counts_compute && f.accelerators.is_empty() {
            return Err(SpecError::bad_value(
                "accelerators",
                "a policy with a training-compute rule lists the accelerators it counts compute with ([[accelerators]] name and peak_flop_per_s)",
            ));
        }
        if f.accelerators.len() > NUM_CLASSES {
            return Err(SpecError::bad_value(
                "accelerators",
                format!("expected at most {NUM_CLASSES} accelerator classes"),
            ));
        }
        zkgov_spec::accelerator::check_rows_distinct(
            "accelerators",
            f.accelerators.iter().map(|a| a.name.as_str()),
        )?;
        let mut accelerators: Vec<(String, u64)> = Vec::new();
        for a in &f.accelerators {
            check_text("accelerators.name", &a.name)?;
            let field = format!("accelerators.{}.peak_flop_per_s", a.name);
            let p = parse_quantity(&field, &a.peak_flop_per_s.0)?;
            if p == 0 || p >= 1 << PEAK_BITS {
                return Err(SpecError::bad_value(
                    field,
                    format!("peak must be between 1 and 2^{PEAK_BITS} - 1 FLOP/s"),
                ));
            }
            accelerators.push((a.name.clone(), p as u64));
        }
        let attesters = signers("attesters", &f.attesters)?;
        let providers = signers("providers", &f.providers)?;
        if f.claims.is_empty() {
            return Err(SpecError::bad_value(
                "claims",
                "a policy must ask for at least one claim",
            ));
        }
        let mut requirements = Vec::new();
        for c in f.claims {
            requirements.push(match c {
                ClaimFile::Compute {
                    direction,
                    threshold_flop,
                    required,
                    require_provider_attestation,
                } => {
                    if require_provider_attestation && providers.is_empty() {
                        return Err(SpecError::bad_value(
                            "claims.training-compute.require_provider_attestation",
                            "no compute provider is listed under [[providers]], so no ledger could be attested by one",
                        ));
                    }
                    Requirement::Compute(ComputeRule {
                    direction: Comparison::parse(
                        "claims.training-compute.direction",
                        &direction,
                        &[Comparison::AtMost],
                    )?,
                    threshold: parse_quantity(
                        "claims.training-compute.threshold_flop",
                        &threshold_flop.0,
                    )?,
                    required,
                    require_provider_attestation,
                })
                }
                ClaimFile::Eval {
                    eval_id,
                    direction,
                    red_line,
                    attesters: names,
                    required,
                    benchmark_digest,
                    sample_count,
                    scorer,
                    score_key,
                    allow_excluded_errored,
                } => {
                    check_text("claims.eval-red-line.eval_id", &eval_id)?;
                    for (field, text) in [
                        ("claims.eval-red-line.scorer", &scorer),
                        ("claims.eval-red-line.score_key", &score_key),
                    ] {
                        if let Some(t) = text {
                            check_text(field, t)?;
                        }
                    }
                    if sample_count == Some(0) {
                        return Err(SpecError::bad_value(
                            "claims.eval-red-line.sample_count",
                            "a benchmark has at least one sample",
                        ));
                    }
                    let benchmark_digest = benchmark_digest
                        .map(|d| fr_from_hex("claims.eval-red-line.benchmark_digest", &d))
                        .transpose()?;
                    if names.is_empty() {
                        return Err(SpecError::bad_value(
                            "claims.eval-red-line.attesters",
                            "name at least one trusted attester",
                        ));
                    }
                    if let Some(n) = names
                        .iter()
                        .find(|n| !attesters.iter().any(|a| &a.name == *n))
                    {
                        return Err(SpecError::bad_value(
                            "claims.eval-red-line.attesters",
                            format!("{n:?} is not listed under [[attesters]]"),
                        ));
                    }
                    Requirement::Eval(EvalRule {
                        eval_id,
                        direction: Comparison::parse(
                            "claims.eval-red-line.direction",
                            &direction,
                            &[Comparison::Below, Comparison::AtLeast],
                        )?,
                        red_line: {
                            let (num, den) =
                                parse_ratio("claims.eval-red-line.red_line", &red_line.0)?;
                            Bound {
                                num: num.into(),
                                den,
                            }
                        },
                        attesters: names,
                        required,
                        benchmark_digest,
                        sample_count,
                        scorer,
                        score_key,
                        allow_excluded_errored,
                    })
                }
            });
        }
        Ok(Policy {
            id: f.id,
            jurisdiction: f.jurisdiction,
            title: f.title,
            legal_source: f.legal_source.trim().to_string(),
            example: f.example,
            recognized_policy_ids: recognized,
            epochs: f.context.epochs,
            nonce: f.context.nonce,
            accepted_keys: f.keys.accepted,
            allow_test_keys: f.keys.allow_test_keys,
            accepted_phase1_sha256: f.keys.accepted_phase1_sha256,
            required_contributors,
            accelerators,
            attesters,
            providers,
            requirements,
            registry: f.registry,
        })
    }

    /// Reads and checks a policy file; errors name the file.
    pub fn read(path: &Path) -> Result<Self, SpecError> {
        let what = format!("policy {}", path.display());
        let text = zkgov_spec::files::read_bounded(path, MAX_POLICY_BYTES, &what)?;
        Self::from_toml(&text).map_err(|e| match e {
            SpecError::Malformed { reason, .. } => SpecError::malformed(what, reason),
            SpecError::UnsupportedFormat {
                found, expected, ..
            } => SpecError::UnsupportedFormat {
                what,
                found,
                expected,
            },
            other => SpecError::malformed(what, other),
        })
    }

    /// The context a claim made under this policy carries: this policy's id, its nonce, and the
    /// reporting epoch `epoch` (which it must accept) or, without one, its only accepted epoch.
    pub fn claim_context(
        &self,
        epoch: Option<u64>,
    ) -> Result<zkgov_spec::statement::Context, SpecError> {
        let epochs = || {
            let e: Vec<String> = self.epochs.iter().map(u64::to_string).collect();
            e.join(", ")
        };
        let epoch = match (epoch, self.epochs.as_slice()) {
            (Some(e), accepted) if accepted.contains(&e) => e,
            (Some(e), _) => {
                return Err(SpecError::bad_value(
                    "--epoch",
                    format!(
                        "policy {:?} does not accept epoch {e} (it accepts {})",
                        self.id,
                        epochs()
                    ),
                ))
            }
            (None, [only]) => *only,
            (None, _) => {
                return Err(SpecError::bad_value(
                    "--epoch",
                    format!(
                        "policy {:?} accepts several epochs ({}); choose one",
                        self.id,
                        epochs()
                    ),
                ))
            }
        };
        Ok(zkgov_spec::statement::Context {
            policy_id: self.id.clone(),
            epoch,
            nonce: self.nonce.clone(),
        })
    }

    /// The threshold of the policy's training-compute rule (the first one, if it has several).
    pub fn compute_threshold(&self) -> Result<u128, SpecError> {
        self.requirements
            .iter()
            .find_map(|r| match r {
                Requirement::Compute(c) => Some(c.threshold),
                Requirement::Eval(_) => None,
            })
            .ok_or_else(|| {
                SpecError::bad_value(
                    "claims",
                    format!("policy {:?} asks for no training-compute claim", self.id),
                )
            })
    }

    /// The policy's eval rule for run `eval_id` (the rule's `eval_id` names the run it means).
    pub fn eval_rule(&self, eval_id: &str) -> Result<&EvalRule, SpecError> {
        let rules: Vec<&EvalRule> = self
            .requirements
            .iter()
            .filter_map(|r| match r {
                Requirement::Eval(e) => Some(e),
                Requirement::Compute(_) => None,
            })
            .collect();
        rules
            .iter()
            .copied()
            .find(|r| r.eval_id == eval_id)
            .ok_or_else(|| {
                let names: Vec<&str> = rules.iter().map(|r| r.eval_id.as_str()).collect();
                SpecError::bad_value(
                    "claims",
                    format!(
                        "policy {:?} has no eval-red-line rule for run {eval_id:?} (its rules name: {})",
                        self.id,
                        if names.is_empty() { "none".to_string() } else { names.join(", ") }
                    ),
                )
            })
    }

    /// Whether claims made under context policy id `id` count for this policy.
    pub fn recognizes(&self, id: &str) -> bool {
        self.recognized_policy_ids.iter().any(|r| r == id)
    }

    /// A one-paragraph summary in plain words.
    pub fn describe(&self) -> String {
        let reqs: Vec<String> = self
            .requirements
            .iter()
            .map(|r| {
                format!(
                    "{}{}",
                    r.describe(),
                    if r.required() { "" } else { " (optional)" }
                )
            })
            .collect();
        let peaks: Vec<String> = self
            .accelerators
            .iter()
            .map(|(n, p)| format!("{n} {} FLOP/s", sci(*p as u128)))
            .collect();
        let counts = if peaks.is_empty() {
            "lists no accelerators (it has no training-compute rule)".to_string()
        } else {
            format!("counts accelerators at {}", peaks.join(", "))
        };
        let mut keys = match &self.accepted_keys {
            None => "any key in the regulator's key store".to_string(),
            Some(k) => format!("{} listed key(s)", k.len()),
        };
        if !self.required_contributors.is_empty() {
            let names: Vec<&str> = self
                .required_contributors
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            keys.push_str(&format!(
                ", ceremony transcripts must include {}",
                names.join(", ")
            ));
        }
        format!(
            "{}{} ({}): requires {}; {}; accepts claims made under {} for epoch(s) {}{}; keys: {}{}. Source: {}",
            if self.example { "EXAMPLE " } else { "" },
            self.id,
            self.jurisdiction,
            reqs.join("; "),
            counts,
            self.recognized_policy_ids.join(", "),
            self.epochs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", "),
            self.nonce.as_ref().map_or(String::new(), |n| format!(" with nonce {n}")),
            keys,
            if self.allow_test_keys { ", test keys accepted" } else { ", no test keys" },
            self.legal_source
        )
    }
}

/// One line from a TOML error: its message, then the line number and text where it occurred.
fn toml_error(text: &str, e: &toml::de::Error) -> SpecError {
    let msg = e.message().trim().replace('\n', " ");
    let at = e.span().map_or(String::new(), |s| {
        let start = s.start.min(text.len());
        let line_no = text[..start].matches('\n').count() + 1;
        let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
        let line: String = line.chars().take(80).collect();
        format!(" (line {line_no}: {line})")
    });
    SpecError::malformed("policy", format!("{msg}{at}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const EXAMPLE: &str = r#"
format = "zkgov-policy"
version = 1
id = "test-policy"
jurisdiction = "Testland"
legal_source = "Test Act, s. 1"
example = true

[context]
epochs = [2026]
recognized_policy_ids = ["other"]

[keys]
allow_test_keys = true

[[accelerators]]
name = "H100"
peak_flop_per_s = "989.4e12"

[[attesters]]
name = "lab"
ed25519 = "0000000000000000000000000000000000000000000000000000000000000001"

[[claims]]
kind = "training-compute"
direction = "at-most"
threshold_flop = "1e25"

[[claims]]
kind = "eval-red-line"
eval_id = "cyber-ctf"
direction = "below"
red_line = "1/2"
attesters = ["lab"]
required = false
"#;

    #[test]
    fn parses_the_example() {
        let p = Policy::from_toml(EXAMPLE).unwrap();
        assert_eq!(p.id, "test-policy");
        assert_eq!(p.recognized_policy_ids, vec!["test-policy", "other"]);
        assert_eq!(
            p.accelerators,
            vec![("H100".to_string(), 989_400_000_000_000)]
        );
        assert_eq!(
            p.requirements[0],
            Requirement::Compute(ComputeRule {
                direction: Comparison::AtMost,
                threshold: 10u128.pow(25),
                required: true,
                require_provider_attestation: false
            })
        );
        assert!(
            matches!(&p.requirements[1], Requirement::Eval(e) if e.red_line == Bound { num: 1, den: 2 } && !e.required)
        );
        assert!(p.describe().contains("EXAMPLE test-policy"));
        // TOML integers are exact and accepted.
        let q = Policy::from_toml(&EXAMPLE.replace("\"1e25\"", "10000000000000000")).unwrap();
        assert!(
            matches!(&q.requirements[0], Requirement::Compute(c) if c.threshold == 10u128.pow(16))
        );
    }

    fn err(text: &str) -> String {
        let e = Policy::from_toml(text).unwrap_err().to_string();
        assert_eq!(e.lines().count(), 1, "{e}");
        e
    }

    #[test]
    fn errors_are_one_clear_line() {
        let cases = [
            (
                EXAMPLE.replace("version = 1", "version = 3"),
                "unsupported format",
            ),
            (
                EXAMPLE.replace("format = \"zkgov-policy\"", "format = \"x\""),
                "unsupported format",
            ),
            (
                EXAMPLE.replace("example = true", "example = true\nthreshold = 5"),
                "unknown field `threshold`",
            ),
            (
                EXAMPLE.replace("threshold_flop = \"1e25\"", "threshold_flop = \"1.5\""),
                "not a whole number",
            ),
            (
                EXAMPLE.replace("threshold_flop = \"1e25\"", "threshold_flop = \"1e40\""),
                "exceeds 2^128 - 1",
            ),
            (
                EXAMPLE.replace("threshold_flop = \"1e25\"", "threshold_flop = \"ten\""),
                "threshold_flop",
            ),
            (
                EXAMPLE.replace("threshold_flop = \"1e25\"", "threshold_flop = 1e25"),
                "TOML float, which is inexact",
            ),
            (
                EXAMPLE.replace("\"at-most\"", "\"at-least\""),
                "not supported for this claim kind",
            ),
            (EXAMPLE.replace("\"989.4e12\"", "\"0\""), "peak must be"),
            (
                EXAMPLE.replacen(
                    "[[claims]]",
                    "[[accelerators]]\nname = \"nvidia_h100_80gb_hbm3\"\npeak_flop_per_s = \"1\"\n\n[[claims]]",
                    1,
                ),
                "name one accelerator (H100)",
            ),
            (EXAMPLE.replace("epochs = [2026]", "epochs = []"), "epoch"),
            (
                EXAMPLE.replace("attesters = [\"lab\"]", "attesters = [\"nobody\"]"),
                "not listed under [[attesters]]",
            ),
            (
                EXAMPLE.replace("red_line = \"1/2\"", "red_line = \"1/0\""),
                "the denominator is zero",
            ),
            (
                EXAMPLE.replace("kind = \"training-compute\"", "kind = \"flops\""),
                "unknown variant",
            ),
            (
                EXAMPLE.replace(
                    "allow_test_keys = true",
                    "accepted_phase1_sha256 = [\"abc\"]",
                ),
                "keys.accepted_phase1_sha256",
            ),
            (
                EXAMPLE.replace(
                    "allow_test_keys = true",
                    "[[keys.required_contributors]]\nname = \"UK AISI\"\ned25519 = \"12\"",
                ),
                "keys.required_contributors \"UK AISI\"",
            ),
            ("not toml at all [".to_string(), "policy is malformed"),
        ];
        for (text, needle) in cases {
            let e = err(&text);
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }

    #[test]
    fn providers_and_required_attestation() {
        let key = "0000000000000000000000000000000000000000000000000000000000000002";
        let with = |extra: &str, require: &str| {
            EXAMPLE.replace(
                "threshold_flop = \"1e25\"",
                &format!("threshold_flop = \"1e25\"\n{require}"),
            ) + extra
        };
        let listed = format!("\n[[providers]]\nname = \"cloud\"\ned25519 = \"{key}\"\n");
        let p = Policy::from_toml(&with(&listed, "require_provider_attestation = true")).unwrap();
        assert_eq!(p.providers[0].name, "cloud");
        assert!(
            matches!(&p.requirements[0], Requirement::Compute(c) if c.require_provider_attestation)
        );
        assert!(p
            .describe()
            .contains("ledger attested by a trusted compute provider"));
        // Not required unless said: a version 1 or 2 file keeps its meaning.
        let p = Policy::from_toml(&with(&listed, "")).unwrap();
        assert!(
            matches!(&p.requirements[0], Requirement::Compute(c) if !c.require_provider_attestation)
        );
        for (text, needle) in [
            (
                with("", "require_provider_attestation = true"),
                "claims.training-compute.require_provider_attestation: no compute provider is listed under [[providers]]",
            ),
            (
                with(&format!("{listed}{listed}"), ""),
                "providers: cloud is listed twice",
            ),
            (
                with("\n[[providers]]\nname = \"cloud\"\ned25519 = \"12\"\n", ""),
                "providers.cloud.ed25519: expected 64 lower-case hex digits",
            ),
        ] {
            let e = err(&text);
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }

    #[test]
    fn bounds_compare_exactly() {
        let b = |n: u128, d: u64| Bound { num: n, den: d };
        use std::cmp::Ordering::*;
        assert_eq!(b(1, 2).cmp_value(&b(2, 4)), Equal);
        assert_eq!(b(1, 3).cmp_value(&b(1, 2)), Less);
        assert_eq!(b(u128::MAX, 1).cmp_value(&b(u128::MAX - 1, 1)), Greater);
        assert_eq!(
            b(u128::MAX, u64::MAX).cmp_value(&b(u128::MAX, u64::MAX - 1)),
            Less
        );
    }

    #[test]
    fn mutual_recognition_upper_bounds() {
        use Comparison::*;
        let t = |e: u32| Bound::integer(10u128.pow(e));
        // A proof at 1e25 shows compliance with ceilings of 1e25 and above, not below.
        assert!(establishes(AtMost, t(25), AtMost, t(25)));
        assert!(establishes(AtMost, t(25), AtMost, t(26)));
        assert!(!establishes(AtMost, t(25), AtMost, t(24)));
        assert!(!establishes(
            AtMost,
            Bound::integer(10u128.pow(25) + 1),
            AtMost,
            t(25)
        ));
        // Strict red lines.
        let half = Bound { num: 1, den: 2 };
        let third = Bound { num: 1, den: 3 };
        assert!(establishes(Below, third, Below, half));
        assert!(establishes(Below, half, Below, half));
        assert!(!establishes(Below, half, Below, third));
        assert!(establishes(Below, half, AtMost, half));
        assert!(!establishes(AtMost, half, Below, half));
        assert!(establishes(AtMost, third, Below, half));
    }

    #[test]
    fn mutual_recognition_floors() {
        use Comparison::*;
        let half = Bound { num: 1, den: 2 };
        let nine_tenths = Bound { num: 9, den: 10 };
        // A proof of at least 0.9 shows any floor up to 0.9, not above.
        assert!(establishes(AtLeast, nine_tenths, AtLeast, half));
        assert!(establishes(AtLeast, nine_tenths, AtLeast, nine_tenths));
        assert!(!establishes(AtLeast, half, AtLeast, nine_tenths));
        // Ceilings and floors never answer one another.
        assert!(!establishes(AtLeast, nine_tenths, AtMost, nine_tenths));
        assert!(!establishes(Below, half, AtLeast, half));
    }
}
