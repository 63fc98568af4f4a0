//! Machine-readable output. Every `--json` output is one of the types below, printed as one line
//! with its format name and version (`{"format": "zkgov-keygen-output", "version": 1, ...}`); its
//! JSON Schema is generated from the same type, so the schema describes what is printed
//! (`zkgov schema NAME`, checked in under `schemas/`). A field's meaning never changes without a
//! new version.
//!
//! Numbering: claims count from 1 (as the text output and `--claim` do), ceremony contributions
//! from 1; a record index is the record's position in the committed ledger, from 0, as in the
//! challenge and openings files and the text output.

use schemars::{generate::SchemaSettings, json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use std::{ops::RangeInclusive, path::PathBuf};
use zkgov_policy::{verdict::PolicyVerdict, ExitClass};
use zkgov_setup::phase1::Source;
use zkgov_spec::bundle::Statement;
use zkgov_verifier::keys::{ContributorKey, SetupKind, VerifiedCeremony};

/// A `--json` output: a type with a format name and a version.
pub trait JsonOutput: Serialize + JsonSchema {
    /// The format name, `zkgov-<command>-output`.
    const FORMAT: &'static str;
    /// The format version.
    const VERSION: u32 = 1;
}

/// An output as printed: format and version first, then the output's own fields.
#[derive(Serialize)]
struct Tagged<'a, T> {
    format: &'static str,
    version: u32,
    #[serde(flatten)]
    body: &'a T,
}

/// Prints `out` on stdout as one line of JSON, with its format name and version.
pub fn print<T: JsonOutput>(out: &T) {
    let tagged = Tagged {
        format: T::FORMAT,
        version: T::VERSION,
        body: out,
    };
    // Serializing plain data to a string cannot fail.
    println!("{}", serde_json::to_string(&tagged).unwrap_or_default());
}

/// The schema of output `T`, as it is serialized, with its format name and version.
fn output_schema<T: JsonOutput>() -> Schema {
    let mut schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    pin_format(&mut schema, T::FORMAT, T::VERSION..=T::VERSION);
    schema
}

/// The schema of a file type `T`, as zkgov reads it.
fn file_schema<T: JsonSchema>(format: &str, version: u32) -> Schema {
    let mut schema = SchemaGenerator::default().into_root_schema_for::<T>();
    pin_format(&mut schema, format, version..=version);
    schema
}

/// Titles `schema` with `format` and requires the `format` field to be exactly it, and `version`
/// to be one of `versions`.
fn pin_format(schema: &mut Schema, format: &str, versions: RangeInclusive<u32>) {
    schema.insert("title".into(), format.into());
    let format = json_schema!({ "description": "The format name.", "const": format });
    let description = "The format version: a field's meaning never changes without a new version.";
    let version = if versions.start() == versions.end() {
        json_schema!({ "description": description, "const": versions.start() })
    } else {
        json_schema!({ "description": description, "type": "integer",
                       "minimum": versions.start(), "maximum": versions.end() })
    };
    let obj = schema.ensure_object();
    if let Some(props) = obj
        .entry("properties")
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()
    {
        props.insert("format".into(), format.to_value());
        props.insert("version".into(), version.to_value());
    }
    if let Some(required) = obj
        .entry("required")
        .or_insert_with(|| serde_json::json!([]))
        .as_array_mut()
    {
        required.retain(|r| r != "format" && r != "version");
        required.insert(0, "version".into());
        required.insert(0, "format".into());
    }
}

/// A schema `zkgov schema` prints: its format name and how to make it.
pub struct SchemaEntry {
    /// The format name; the schema's name is it without the `zkgov-` prefix.
    pub format: &'static str,
    /// Generates the schema.
    pub schema: fn() -> Schema,
}

impl SchemaEntry {
    /// The name `zkgov schema NAME` takes, and the file `schemas/NAME.schema.json`.
    pub fn name(&self) -> &'static str {
        self.format.strip_prefix("zkgov-").unwrap_or(self.format)
    }
}

macro_rules! outputs {
    ($($t:ty),* $(,)?) => {
        [$(SchemaEntry { format: <$t>::FORMAT, schema: output_schema::<$t> }),*]
    };
}

/// Every `--json` output's schema.
pub const OUTPUTS: [SchemaEntry; 35] = outputs![
    ErrorOutput,
    SchemaListOutput,
    DemoOutput,
    KeygenOutput,
    BenchmarkDigestOutput,
    AttesterKeyOutput,
    ProveComputeOutput,
    ProveEvalOutput,
    PlanComputeOutput,
    ProveShardOutput,
    ProveAggregateOutput,
    RunPlanOutput,
    AttestLedgerOutput,
    VerifyReport,
    PolicyCheckOutput,
    ExportOutput,
    InspectOutput,
    ChallengeOutput,
    OpenOutput,
    AuditOutput,
    Phase1NewOutput,
    Phase1ContributeOutput,
    Phase1PrepareOutput,
    Phase1VerifyOutput,
    CeremonyInitOutput,
    CeremonyContributeOutput,
    CeremonyVerifyOutput,
    CeremonyFinalizeOutput,
    RegistryInitOutput,
    RegistryWitnessKeyOutput,
    RegistryPublishOutput,
    RegistryGetOutput,
    RegistryListOutput,
    RegistryProofOutput,
    RegistryWitnessOutput,
];

/// The schemas of the files users exchange.
pub const FILES: [SchemaEntry; 6] = [
    SchemaEntry {
        format: zkgov_spec::bundle::BUNDLE_FORMAT,
        schema: || {
            file_schema::<zkgov_spec::bundle::Bundle>(
                zkgov_spec::bundle::BUNDLE_FORMAT,
                zkgov_spec::bundle::BUNDLE_VERSION,
            )
        },
    },
    SchemaEntry {
        format: zkgov_verifier::keys::VK_FORMAT,
        schema: || {
            file_schema::<zkgov_verifier::keys::VkFile>(
                zkgov_verifier::keys::VK_FORMAT,
                zkgov_verifier::keys::VK_VERSION,
            )
        },
    },
    SchemaEntry {
        format: zkgov_policy::policy_file::POLICY_FORMAT,
        schema: || {
            let mut schema =
                zkgov_policy::policy_file::file_schema(&mut SchemaGenerator::default());
            pin_format(
                &mut schema,
                zkgov_policy::policy_file::POLICY_FORMAT,
                zkgov_policy::policy_file::OLDEST_POLICY_VERSION
                    ..=zkgov_policy::policy_file::POLICY_VERSION,
            );
            schema
        },
    },
    SchemaEntry {
        format: zkgov_verifier::audit::CHALLENGE_FORMAT,
        schema: || {
            file_schema::<zkgov_verifier::audit::Challenge>(
                zkgov_verifier::audit::CHALLENGE_FORMAT,
                zkgov_verifier::audit::CHALLENGE_VERSION,
            )
        },
    },
    SchemaEntry {
        format: zkgov_verifier::audit::OPENINGS_FORMAT,
        schema: || {
            file_schema::<zkgov_verifier::audit::Openings>(
                zkgov_verifier::audit::OPENINGS_FORMAT,
                zkgov_verifier::audit::OPENINGS_VERSION,
            )
        },
    },
    SchemaEntry {
        format: zkgov_spec::provider::ATTESTATION_FORMAT,
        schema: || {
            file_schema::<zkgov_spec::provider::AttestationFile>(
                zkgov_spec::provider::ATTESTATION_FORMAT,
                zkgov_spec::provider::ATTESTATION_VERSION,
            )
        },
    },
];

/// `{"const": true}`: a field that is always true in its variant.
fn always_true(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "const": true })
}

/// `{"const": false}`: a field that is always false in its variant.
fn always_false(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "const": false })
}

/// Any command that fails with `--json`: why (exit code 1).
#[derive(Serialize, JsonSchema)]
pub struct ErrorOutput {
    /// The error, one line.
    pub error: String,
}

impl JsonOutput for ErrorOutput {
    const FORMAT: &'static str = "zkgov-error";
}

/// `zkgov keygen --json`: the key written.
#[derive(Serialize, JsonSchema)]
pub struct KeygenOutput {
    /// The new key's ID.
    pub key_id: String,
    /// The circuit it is for.
    pub circuit: String,
    /// Its capacity class.
    pub capacity: u64,
    /// How it was generated (always single-party here).
    pub setup: SetupKind,
    /// Whether it is for tests only (whoever ran a single-party setup can forge proofs).
    pub test_only: bool,
    /// The key directory.
    pub dir: PathBuf,
}

impl JsonOutput for KeygenOutput {
    const FORMAT: &'static str = "zkgov-keygen-output";
}

/// `zkgov benchmark-digest --json`.
#[derive(Serialize, JsonSchema)]
pub struct BenchmarkDigestOutput {
    /// The benchmark digest an eval claim over exactly these samples states.
    pub benchmark_digest: String,
    /// The number of sample ids read.
    pub samples: usize,
    /// The capacity class.
    pub capacity: u64,
}

impl JsonOutput for BenchmarkDigestOutput {
    const FORMAT: &'static str = "zkgov-benchmark-digest-output";
}

/// `zkgov attester-key --json`: the signing key written.
#[derive(Serialize, JsonSchema)]
pub struct AttesterKeyOutput {
    /// The secret key file (keep it).
    pub secret_key_file: PathBuf,
    /// The public key file.
    pub public_key_file: PathBuf,
    /// What the key is for: `evaluator`, `ceremony-contributor` or `provider`.
    pub role: String,
    /// The ed25519 public key, 64 hex digits.
    pub public_key: String,
}

impl JsonOutput for AttesterKeyOutput {
    const FORMAT: &'static str = "zkgov-attester-key-output";
}

/// `zkgov plan compute --json`: the job directory written.
#[derive(Serialize, JsonSchema)]
pub struct PlanComputeOutput {
    /// The job directory.
    pub dir: PathBuf,
    /// Records in the ledger.
    pub records: u64,
    /// Records per shard.
    pub shard_capacity: u64,
    /// Shards: tasks of the job array.
    pub shards: u64,
    /// The shard circuit's key.
    pub shard_key_id: String,
    /// The aggregate circuit's key.
    pub aggregate_key_id: String,
    /// The script that submits the job array and the aggregation to Slurm.
    pub submit: PathBuf,
}

impl JsonOutput for PlanComputeOutput {
    const FORMAT: &'static str = "zkgov-plan-compute-output";
}

/// `zkgov prove shard --json`: one task of a plan.
#[derive(Serialize, JsonSchema)]
pub struct ProveShardOutput {
    /// The job directory.
    pub dir: PathBuf,
    /// The shard (from 0).
    pub index: u64,
    /// True when a checked proof of the shard was already there (nothing was proved).
    pub already_done: bool,
    /// Wall-clock seconds of the task.
    pub seconds: f64,
}

impl JsonOutput for ProveShardOutput {
    const FORMAT: &'static str = "zkgov-prove-shard-output";
}

/// `zkgov prove aggregate --json`: the bundle of a plan.
#[derive(Serialize, JsonSchema)]
pub struct ProveAggregateOutput {
    /// The bundle file.
    pub bundle: PathBuf,
    /// Shards the claim covers.
    pub shards: u64,
    /// The claim in plain words.
    pub statement: String,
    /// Wall-clock seconds of the task.
    pub seconds: f64,
}

impl JsonOutput for ProveAggregateOutput {
    const FORMAT: &'static str = "zkgov-prove-aggregate-output";
}

/// `zkgov run-plan --local --json`: a whole plan run on this machine.
#[derive(Serialize, JsonSchema)]
pub struct RunPlanOutput {
    /// The bundle file.
    pub bundle: PathBuf,
    /// Shards of the plan.
    pub shards: u64,
    /// Shards proved by this run.
    pub proved: u64,
    /// Shards whose checked proofs were already there.
    pub already_done: u64,
    /// Median wall-clock seconds per shard proved by this run (none if none was).
    pub shard_seconds_median: Option<f64>,
    /// Wall-clock seconds of the aggregate proof.
    pub aggregate_seconds: f64,
    /// Wall-clock seconds of the whole run.
    pub wall_seconds: f64,
    /// The claim in plain words.
    pub statement: String,
}

impl JsonOutput for RunPlanOutput {
    const FORMAT: &'static str = "zkgov-run-plan-output";
}

/// `zkgov prove compute --json`: the bundle written.
#[derive(Serialize, JsonSchema)]
pub struct ProveComputeOutput {
    /// The bundle file.
    pub bundle: PathBuf,
    /// The proving key's ID.
    pub key_id: String,
    /// The number of ledger records committed.
    pub records: usize,
    /// The capacity class.
    pub capacity: u64,
    /// The claim in plain words.
    pub statement: String,
    /// Wall-clock seconds of proving.
    pub prove_seconds: f64,
}

impl JsonOutput for ProveComputeOutput {
    const FORMAT: &'static str = "zkgov-prove-compute-output";
}

/// `zkgov prove eval --json`: the bundle written.
#[derive(Serialize, JsonSchema)]
pub struct ProveEvalOutput {
    /// The bundle file.
    pub bundle: PathBuf,
    /// Each claim in plain words, in bundle order (claim 1 first).
    pub claims: Vec<String>,
    /// Wall-clock seconds of proving (all claims, in parallel).
    pub prove_seconds: f64,
}

impl JsonOutput for ProveEvalOutput {
    const FORMAT: &'static str = "zkgov-prove-eval-output";
}

/// `zkgov attest ledger --json`: the attestation written.
#[derive(Serialize, JsonSchema)]
pub struct AttestLedgerOutput {
    /// The attestation file.
    pub attestation: PathBuf,
    /// The secret seed file (for the developer only).
    pub seed_file: PathBuf,
    /// The salted ledger commitment.
    pub ledger_root: String,
    /// The number of records committed.
    pub record_count: u64,
    /// The capacity class.
    pub capacity: u64,
    /// Accelerator class names, in class order.
    pub accelerators: Vec<String>,
    /// The account the export covers.
    pub account: String,
    /// First day of the period, `YYYY-MM-DD`.
    pub period_start: String,
    /// Last day of the period, `YYYY-MM-DD` (inclusive).
    pub period_end: String,
    /// The provider's ed25519 public key, 64 hex digits.
    pub provider_key: String,
}

impl JsonOutput for AttestLedgerOutput {
    const FORMAT: &'static str = "zkgov-attest-ledger-output";
}

/// `zkgov verify --json`: every claim's result and every policy's verdict. Version 1: claims
/// numbered from 1 as in the text output, unreadable bundles reported beside the others,
/// `all_compliant` null without policies and false whenever a claim is invalid.
#[derive(Serialize, JsonSchema)]
pub struct VerifyReport {
    /// Whether every bundle was read and every claim verified.
    pub all_valid: bool,
    /// With policies, whether every claim is valid and every verdict compliant; null without
    /// policies.
    pub all_compliant: Option<bool>,
    /// How the command ends.
    pub exit_class: ExitClass,
    /// Its exit code: 0 accepted, 1 invalid, 3 not shown.
    pub exit_code: u8,
    /// How many claims were checked in the batch.
    pub claims_checked: usize,
    /// Wall-clock seconds of the batch verification.
    pub verify_seconds: f64,
    /// Per bundle, in the order given.
    pub bundles: Vec<VerifiedBundle>,
}

impl JsonOutput for VerifyReport {
    const FORMAT: &'static str = "zkgov-verify-report";
}

/// One bundle's results.
#[derive(Serialize, JsonSchema)]
pub struct VerifiedBundle {
    /// The bundle file.
    pub bundle: PathBuf,
    /// Whether it could be read (if not, it has no claims or verdicts).
    pub readable: bool,
    /// Why it could not be read.
    pub error: Option<String>,
    /// Whether it was read and every claim verified.
    pub all_valid: bool,
    /// Per claim, in bundle order.
    pub claims: Vec<ClaimOutcome>,
    /// Per policy, in the order given.
    pub verdicts: Vec<PolicyVerdict>,
    /// With `--registry`: per policy with a `[registry]` section, whether the bundle is shown to
    /// be published (absent without `--registry`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub publications: Vec<zkgov_registry::client::PolicyPublication>,
}

/// One claim's result.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ClaimOutcome {
    /// The claim verified.
    Valid(ValidClaim),
    /// It did not.
    Invalid(InvalidClaim),
}

/// A claim that verified.
#[derive(Serialize, JsonSchema)]
pub struct ValidClaim {
    /// The claim's number in the bundle, counted from 1.
    pub claim: usize,
    /// Always true.
    #[schemars(schema_with = "always_true")]
    pub valid: bool,
    /// What it shows, in plain words.
    pub statement: String,
    /// The key it verified under.
    pub key_id: String,
    /// How the key's file says it was generated (a claim).
    pub setup_claim: SetupKind,
    /// The key's ceremony transcript, when one was checked.
    pub ceremony: Option<VerifiedCeremony>,
    /// The key's provenance in plain words.
    pub provenance: String,
    /// Whether the key (or, for a sharded claim, either key) is a TEST key (no checked ceremony).
    pub test_only_key: bool,
    /// For a sharded compute claim, the key its shard proofs verified under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_key_id: Option<String>,
}

/// A claim that did not verify.
#[derive(Serialize, JsonSchema)]
pub struct InvalidClaim {
    /// The claim's number in the bundle, counted from 1.
    pub claim: usize,
    /// Always false.
    #[schemars(schema_with = "always_false")]
    pub valid: bool,
    /// Why it is invalid.
    pub error: String,
    /// The key ID it names.
    pub key_id: String,
}

/// `zkgov policy check --json`.
#[derive(Serialize, JsonSchema)]
pub struct PolicyCheckOutput {
    /// Always true (an invalid file is an error).
    pub valid: bool,
    /// Per file, in the order given.
    pub policies: Vec<CheckedPolicy>,
}

impl JsonOutput for PolicyCheckOutput {
    const FORMAT: &'static str = "zkgov-policy-check-output";
}

/// A policy file that parsed.
#[derive(Serialize, JsonSchema)]
pub struct CheckedPolicy {
    /// The file.
    pub file: PathBuf,
    /// The policy id.
    pub id: String,
    /// Its jurisdiction.
    pub jurisdiction: String,
    /// Whether it is an example policy.
    pub example: bool,
    /// What it requires, in plain words.
    pub summary: String,
}

/// `zkgov export --snarkjs --json`: the files written per claim.
#[derive(Serialize, JsonSchema)]
pub struct ExportOutput {
    /// The bundle file.
    pub bundle: PathBuf,
    /// Per claim, in bundle order.
    pub claims: Vec<ExportedClaim>,
}

impl JsonOutput for ExportOutput {
    const FORMAT: &'static str = "zkgov-export-output";
}

/// One exported claim.
#[derive(Serialize, JsonSchema)]
pub struct ExportedClaim {
    /// The claim's number in the bundle, counted from 1 (its directory is `claim-<n>`).
    pub claim: usize,
    /// The directory of its snarkjs files (for a sharded claim, the aggregate proof's).
    pub dir: PathBuf,
    /// For a sharded claim, one directory per shard proof, in ledger order: the claim holds only
    /// if the aggregate and every shard verify.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shard_dirs: Vec<PathBuf>,
    /// Whether zkgov verifies it.
    pub valid_here: bool,
    /// Why zkgov does not.
    pub error: Option<String>,
}

/// `zkgov inspect --json`: what a bundle claims, not verified.
#[derive(Serialize, JsonSchema)]
pub struct InspectOutput {
    /// The bundle file.
    pub bundle: PathBuf,
    /// Always false: inspect verifies nothing (`zkgov verify` does).
    pub verified: bool,
    /// Per claim, in bundle order.
    pub claims: Vec<InspectedClaim>,
}

impl JsonOutput for InspectOutput {
    const FORMAT: &'static str = "zkgov-inspect-output";
}

/// One claim of an inspected bundle.
#[derive(Serialize, JsonSchema)]
pub struct InspectedClaim {
    /// The claim's number in the bundle, counted from 1.
    pub claim: usize,
    /// What it claims, in plain words.
    pub summary: String,
    /// The key its proof needs.
    pub key_id: String,
    /// The statement, as the bundle states it.
    pub statement: Statement,
}

/// `zkgov challenge --json`: the challenge written.
#[derive(Serialize, JsonSchema)]
pub struct ChallengeOutput {
    /// The challenge file.
    pub challenge: PathBuf,
    /// The challenged records: positions in the committed ledger, counted from 0.
    pub indices: Vec<u64>,
}

impl JsonOutput for ChallengeOutput {
    const FORMAT: &'static str = "zkgov-challenge-output";
}

/// `zkgov open --json`: the openings written.
#[derive(Serialize, JsonSchema)]
pub struct OpenOutput {
    /// The openings file.
    pub openings: PathBuf,
    /// The opened records: positions in the committed ledger, counted from 0.
    pub indices: Vec<u64>,
}

impl JsonOutput for OpenOutput {
    const FORMAT: &'static str = "zkgov-open-output";
}

/// `zkgov audit --json`: every challenged record's finding.
#[derive(Serialize, JsonSchema)]
pub struct AuditOutput {
    /// Whether every challenged record was opened and proven.
    pub passed: bool,
    /// Per challenged record, in challenge order.
    pub records: Vec<AuditedRecord>,
}

impl JsonOutput for AuditOutput {
    const FORMAT: &'static str = "zkgov-audit-output";
}

/// One challenged record.
#[derive(Serialize, JsonSchema)]
pub struct AuditedRecord {
    /// The record's position in the committed ledger, counted from 0.
    pub index: u64,
    /// What the audit found.
    pub result: AuditResult,
    /// The record, when it was proven.
    #[serde(flatten)]
    pub record: Option<OpenedRecord>,
}

/// What the audit found for one record.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AuditResult {
    /// Proven to be in the committed ledger at its position.
    Verified,
    /// Not opened.
    Missing,
    /// Opened, but its proof fails.
    Mismatch,
}

/// A proven record.
#[derive(Serialize, JsonSchema)]
pub struct OpenedRecord {
    /// Accelerator class: its row of the statement's peak table, counted from 0.
    pub class: u8,
    /// The accelerator's name, in words.
    pub accelerator: String,
    /// Where the name comes from: `bundle` (the peak table of the bundle's claim on this ledger,
    /// `audit --bundle`) or `openings` (the developer's label, which no proof checks).
    pub accelerator_from: &'static str,
    /// Device count.
    pub devices: u32,
    /// Seconds.
    pub seconds: u64,
}

/// `zkgov ceremony phase1-new --json`.
#[derive(Serialize, JsonSchema)]
pub struct Phase1NewOutput {
    /// The phase-1 file written.
    pub phase1: PathBuf,
    /// 2^power powers.
    pub power: u32,
    /// SHA-256 of the file.
    pub sha256: String,
}

impl JsonOutput for Phase1NewOutput {
    const FORMAT: &'static str = "zkgov-ceremony-phase1-new-output";
}

/// `zkgov ceremony phase1-contribute --json`.
#[derive(Serialize, JsonSchema)]
pub struct Phase1ContributeOutput {
    /// The phase-1 file written.
    pub phase1: PathBuf,
    /// The contribution's number, counted from 1.
    pub contribution: usize,
    /// The contribution's hash.
    pub hash: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Wall-clock seconds of checking and contributing.
    pub seconds: f64,
}

impl JsonOutput for Phase1ContributeOutput {
    const FORMAT: &'static str = "zkgov-ceremony-phase1-contribute-output";
}

/// `zkgov ceremony phase1-prepare --json`.
#[derive(Serialize, JsonSchema)]
pub struct Phase1PrepareOutput {
    /// The prepared phase-1 file written.
    pub phase1: PathBuf,
    /// Every domain 2^k it now carries the Lagrange basis of: these k.
    pub domain_powers: Vec<u32>,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Wall-clock seconds of checking and preparing.
    pub seconds: f64,
}

impl JsonOutput for Phase1PrepareOutput {
    const FORMAT: &'static str = "zkgov-ceremony-phase1-prepare-output";
}

/// `zkgov ceremony phase1-verify --json`.
#[derive(Serialize, JsonSchema)]
pub struct Phase1VerifyOutput {
    /// Always true (a phase 1 that fails is an error).
    pub valid: bool,
    /// 2^power powers.
    pub power: u32,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Where the phase 1 came from.
    pub source: Source,
    /// The native contributions' signers, in order (empty for a `.ptau`).
    pub contributors: Vec<ContributorKey>,
    /// Whether its randomness is trusted by its hash alone (a `.ptau`).
    pub trusted_by_hash: bool,
    /// The domains 2^k whose Lagrange basis it carries (each checked): these k. Empty for an
    /// unprepared phase 1, which `ceremony init` cannot use.
    pub domain_powers: Vec<u32>,
    /// Wall-clock seconds of the check.
    pub seconds: f64,
}

impl JsonOutput for Phase1VerifyOutput {
    const FORMAT: &'static str = "zkgov-ceremony-phase1-verify-output";
}

/// `zkgov ceremony init --json`.
#[derive(Serialize, JsonSchema)]
pub struct CeremonyInitOutput {
    /// The ceremony file written.
    pub ceremony: PathBuf,
    /// The circuit.
    pub circuit: String,
    /// Its capacity class.
    pub capacity: u64,
    /// SHA-256 of the initial key.
    pub initial_key_sha256: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Wall-clock seconds of deriving the initial key.
    pub seconds: f64,
}

impl JsonOutput for CeremonyInitOutput {
    const FORMAT: &'static str = "zkgov-ceremony-init-output";
}

/// `zkgov ceremony contribute --json`.
#[derive(Serialize, JsonSchema)]
pub struct CeremonyContributeOutput {
    /// The ceremony file written.
    pub ceremony: PathBuf,
    /// The contribution's number, counted from 1.
    pub contribution: usize,
    /// The contribution's hash.
    pub hash: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Wall-clock seconds of checking and contributing.
    pub seconds: f64,
}

impl JsonOutput for CeremonyContributeOutput {
    const FORMAT: &'static str = "zkgov-ceremony-contribute-output";
}

/// What a verified ceremony establishes.
#[derive(Serialize, JsonSchema)]
pub struct CeremonyReport {
    /// Always true (a ceremony that fails is an error).
    pub valid: bool,
    /// The circuit.
    pub circuit: String,
    /// Its capacity class.
    pub capacity: u64,
    /// Number of constraints.
    pub constraints: usize,
    /// FFT domain size.
    pub domain: usize,
    /// The ID of the key the ceremony produced.
    pub key_id: String,
    /// The phase-2 contributors, in order (contribution 1 first), each signature checked.
    pub contributors: Vec<ContributorKey>,
    /// Hash of the last contribution.
    pub transcript_hash: String,
    /// SHA-256 of the phase-1 file.
    pub phase1_sha256: String,
    /// The phase-1 contributors, when its chain was checked (a zkgov phase 1); null for a `.ptau`.
    pub phase1_contributors: Option<Vec<ContributorKey>>,
    /// Whether phase 1's randomness is trusted by its hash alone (a `.ptau`).
    pub phase1_trusted_by_hash: bool,
    /// What phase 1 is worth, in plain words.
    pub phase1: String,
}

/// `zkgov ceremony verify --json`.
#[derive(Serialize, JsonSchema)]
pub struct CeremonyVerifyOutput {
    /// What the ceremony establishes.
    #[serde(flatten)]
    pub report: CeremonyReport,
    /// Wall-clock seconds of the check.
    pub seconds: f64,
}

impl JsonOutput for CeremonyVerifyOutput {
    const FORMAT: &'static str = "zkgov-ceremony-verify-output";
}

/// `zkgov ceremony finalize --json`.
#[derive(Serialize, JsonSchema)]
pub struct CeremonyFinalizeOutput {
    /// What the ceremony establishes (`key_id` is the key written).
    #[serde(flatten)]
    pub report: CeremonyReport,
    /// The key directory it was written to.
    pub keys: PathBuf,
    /// How the key file says it was generated (always ceremony).
    pub setup: SetupKind,
}

impl JsonOutput for CeremonyFinalizeOutput {
    const FORMAT: &'static str = "zkgov-ceremony-finalize-output";
}

/// `zkgov demo --json`: what each step of the demo showed.
#[derive(Serialize, JsonSchema)]
pub struct DemoOutput {
    /// The demo's directory.
    pub dir: PathBuf,
    /// The compute key's ID.
    pub key_id: String,
    /// The bundle written.
    pub bundle: PathBuf,
    /// Whether the bundle verified.
    pub verified: bool,
    /// Whether the false claim was refused.
    pub false_claim_refused: bool,
    /// Whether the tampered proof was rejected.
    pub tampered_rejected: bool,
    /// The spot check.
    pub spot_check: DemoSpotCheck,
}

impl JsonOutput for DemoOutput {
    const FORMAT: &'static str = "zkgov-demo-output";
}

/// The demo's spot check.
#[derive(Serialize, JsonSchema)]
pub struct DemoSpotCheck {
    /// The challenged records: positions in the committed ledger, counted from 0.
    pub indices: Vec<u64>,
    /// Whether every opening was proven.
    pub passed: bool,
}

/// `zkgov schema --list --json`.
#[derive(Serialize, JsonSchema)]
pub struct SchemaListOutput {
    /// Every schema, outputs first, then files.
    pub schemas: Vec<SchemaListed>,
}

impl JsonOutput for SchemaListOutput {
    const FORMAT: &'static str = "zkgov-schema-list-output";
}

/// One schema `zkgov schema` prints.
#[derive(Serialize, JsonSchema)]
pub struct SchemaListed {
    /// Its name, for `zkgov schema NAME` and `schemas/NAME.schema.json`.
    pub name: String,
    /// The format it describes.
    pub format: String,
    /// `output` (a command's `--json` output) or `file` (a file users exchange).
    pub kind: String,
}

/// `zkgov registry init --json`.
#[derive(Serialize, JsonSchema)]
pub struct RegistryInitOutput {
    /// What was written.
    #[serde(flatten)]
    pub init: zkgov_registry::config::Initialized,
}

impl JsonOutput for RegistryInitOutput {
    const FORMAT: &'static str = "zkgov-registry-init-output";
}

/// `zkgov registry witness-key --json`.
#[derive(Serialize, JsonSchema)]
pub struct RegistryWitnessKeyOutput {
    /// The secret key file (mode 0600).
    pub secret_key_file: PathBuf,
    /// The public key file.
    pub public_key_file: PathBuf,
    /// The public key (`name+id+base64`, cosignature/v1).
    pub public_key: String,
}

impl JsonOutput for RegistryWitnessKeyOutput {
    const FORMAT: &'static str = "zkgov-registry-witness-key-output";
}

/// `zkgov registry publish --json`.
#[derive(Serialize, JsonSchema)]
pub struct RegistryPublishOutput {
    /// The registry's answer.
    #[serde(flatten)]
    pub published: zkgov_registry::api::Published,
}

impl JsonOutput for RegistryPublishOutput {
    const FORMAT: &'static str = "zkgov-registry-publish-output";
}

/// `zkgov registry get --json`.
#[derive(Serialize, JsonSchema)]
pub struct RegistryGetOutput {
    /// The entry's index.
    pub index: u64,
    /// The entry.
    pub leaf: zkgov_registry::log::EntryLeaf,
    /// Its RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
    /// Whether the served bundle has the SHA-256 the entry records.
    pub bundle_matches_leaf: bool,
    /// Where the bundle was written (`--out`).
    pub bundle_file: Option<PathBuf>,
}

impl JsonOutput for RegistryGetOutput {
    const FORMAT: &'static str = "zkgov-registry-get-output";
}

/// `zkgov registry list --json`.
#[derive(Serialize, JsonSchema)]
pub struct RegistryListOutput {
    /// The registry's answer.
    #[serde(flatten)]
    pub list: zkgov_registry::api::EntryList,
}

impl JsonOutput for RegistryListOutput {
    const FORMAT: &'static str = "zkgov-registry-list-output";
}

/// `zkgov registry proof … --json`.
#[derive(Serialize, JsonSchema)]
pub struct RegistryProofOutput {
    /// `inclusion` or `consistency`.
    pub kind: String,
    /// Always true (a proof that does not verify is an error).
    pub verified: bool,
    /// The newest checkpoint's size.
    pub size: u64,
    /// Its root, hex.
    pub root: String,
    /// The proof, hex.
    pub proof: Vec<String>,
}

impl JsonOutput for RegistryProofOutput {
    const FORMAT: &'static str = "zkgov-registry-proof-output";
}

/// `zkgov registry witness --json` (one line per round).
#[derive(Serialize, JsonSchema)]
pub struct RegistryWitnessOutput {
    /// What the round did.
    #[serde(flatten)]
    pub report: zkgov_registry::witness::WitnessReport,
}

impl JsonOutput for RegistryWitnessOutput {
    const FORMAT: &'static str = "zkgov-registry-witness-output";
}
