//! `zkgov prove eval` and `zkgov attester-key`.

use crate::error::CliError;
use crate::json_output::{self, AttesterKeyOutput, BenchmarkDigestOutput, ProveEvalOutput};
use crate::output::{short, Step};
use clap::{Args, ValueEnum};
use ed25519_dalek::SigningKey;
use rand::rngs::OsRng;
use rayon::prelude::*;
use serde::Deserialize;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::ExitCode,
};
use zkgov_evidence::{inspect_ai, lm_eval, EvalLog};
use zkgov_policy::policy_file::Policy;
use zkgov_prover::seeds;
use zkgov_prover::ProveError;
use zkgov_prover::{
    eval::{parse_red_line, ErroredPolicy, EvalClaimSpec, EvalJob},
    keys,
};
use zkgov_spec::files::write_atomic;
use zkgov_spec::SpecError;
use zkgov_spec::{
    bundle::Bundle,
    eval::Direction,
    statement::{Context, EVAL_CIRCUIT},
};

#[derive(Copy, Clone, Debug, ValueEnum, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ErroredArg {
    /// Count them at the worst score for the claim's direction (default).
    Worst,
    /// Leave them out (visible: the benchmark digest then omits them).
    Exclude,
}

/// One eval claim, as flags or as an entry of a `--suite` file.
#[derive(Args, Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalClaimArgs {
    /// The log: Inspect `.eval`/`.json`, or lm-eval `samples_<task>_<date>.jsonl`.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// For lm-eval logs: the matching `results_<date>.json`.
    #[arg(long)]
    #[serde(default)]
    pub lm_eval_results: Option<PathBuf>,
    /// lm-eval metric (e.g. acc).
    #[arg(long, default_value = "acc")]
    #[serde(default = "default_metric")]
    pub metric: String,
    /// lm-eval filter (lines of other filters are skipped, so nothing counts twice).
    #[arg(long, default_value = "none")]
    #[serde(default = "default_filter")]
    pub filter: String,
    /// Inspect scorer (default: the log's headline scorer).
    #[arg(long)]
    #[serde(default)]
    pub scorer: Option<String>,
    /// Key of a dict-valued Inspect score (e.g. harm). In a suite file `score_key` (`key` is
    /// still read).
    #[arg(long)]
    #[serde(default, alias = "key")]
    pub score_key: Option<String>,
    /// Inspect epoch reducer (e.g. mean, at_least_2), for logs that reduce epochs several ways
    /// (default: the log's headline reducer, else its only one).
    #[arg(long)]
    #[serde(default)]
    pub reducer: Option<String>,
    /// Claim: the mean score is strictly below this (decimal like 0.5, or fraction like 1/3).
    #[arg(long, conflicts_with = "at_least")]
    #[serde(default)]
    pub below: Option<String>,
    /// Claim: the mean score is at least this (for metrics such as refusal rate).
    #[arg(long)]
    #[serde(default)]
    pub at_least: Option<String>,
    /// Largest possible score (errored samples count as this for a "below" claim).
    #[arg(long, default_value_t = 1.0)]
    #[serde(default = "default_score_max")]
    pub score_max: f64,
    /// How errored or unscored samples count.
    #[arg(long, value_enum, default_value_t = ErroredArg::Worst)]
    #[serde(default = "default_errored")]
    pub errored: ErroredArg,
    #[arg(long, value_parser = crate::cli::capacity,
          help = crate::cli::capacity_help("; default: the smallest that fits"))]
    #[serde(default)]
    pub capacity: Option<u64>,
}

fn default_metric() -> String {
    "acc".into()
}
fn default_filter() -> String {
    "none".into()
}
fn default_score_max() -> f64 {
    1.0
}
fn default_errored() -> ErroredArg {
    ErroredArg::Worst
}

/// `zkgov prove eval` arguments.
#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    claim: EvalClaimArgs,
    /// A JSON file `{"claims": [ {"log": ..., "below": "0.5", ...}, ... ]}` (fields as the flags,
    /// with underscores): every claim is proved, in parallel, into one bundle.
    #[arg(long, conflicts_with = "log")]
    suite: Option<PathBuf>,
    /// The evaluator's ed25519 signing key file (from `zkgov attester-key`), which attests the
    /// committed results.
    #[arg(long)]
    evaluator_key: PathBuf,
    /// The regulator's policy file: the claim takes its policy id, epoch, nonce, and each log's
    /// direction and red line from the policy's rule for that run, so they cannot be mismatched.
    #[arg(long, conflicts_with_all = ["policy_id", "nonce"])]
    policy: Option<PathBuf>,
    /// The policy the claim is made under (without --policy).
    #[arg(long, default_value = "unspecified")]
    policy_id: String,
    /// The reporting period (default 0; with --policy, the policy's only epoch).
    #[arg(long)]
    epoch: Option<u64>,
    /// A regulator-issued nonce (hex).
    #[arg(long)]
    nonce: Option<String>,
    /// Key directory.
    #[arg(long, default_value = "zkgov-keys")]
    keys: PathBuf,
    /// Use this key ID (repeat for a suite proving at several capacities: one key per capacity;
    /// default: the one eval key for each capacity).
    #[arg(long = "key-id")]
    key_ids: Vec<String>,
    /// Secret salt seed (created if missing; default `<out>.SECRET-seed`).
    #[arg(long)]
    seed_file: Option<PathBuf>,
    /// Where to write the bundle.
    #[arg(long, default_value = "bundle.json")]
    out: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    claims: Vec<EvalClaimArgs>,
}

/// The log's per-sample values for the claim's scorer (or lm-eval `metric,filter`), key and
/// epoch reducer.
fn read_log(c: &EvalClaimArgs) -> Result<EvalLog, CliError> {
    let log_path = c
        .log
        .as_ref()
        .ok_or_else(|| CliError::input("eval claim", "--log is required"))?;
    let imp = |e: zkgov_evidence::ImportError| {
        CliError::input(log_path.display().to_string(), e.to_string())
    };
    match &c.lm_eval_results {
        Some(results) => {
            if c.scorer.is_some() || c.score_key.is_some() || c.reducer.is_some() {
                return Err(CliError::input(
                    "eval claim",
                    "--scorer, --score-key and --reducer are for Inspect logs; an lm-eval claim names --metric and --filter",
                ));
            }
            lm_eval::read_lm_eval(log_path, results, &c.metric, &c.filter).map_err(imp)
        }
        None => inspect_ai::read_inspect(
            log_path,
            inspect_ai::Select {
                scorer: c.scorer.as_deref(),
                key: c.score_key.as_deref(),
                reducer: c.reducer.as_deref(),
            },
        )
        .map_err(imp),
    }
}

/// The claim's direction and red line: from the flags, or from the policy's rule for the log's
/// run (and then not from the flags too).
fn spec(
    c: &EvalClaimArgs,
    log: &EvalLog,
    policy: Option<&Policy>,
) -> Result<EvalClaimSpec, CliError> {
    let (direction, red_line) = match (policy, &c.below, &c.at_least) {
        (Some(p), None, None) => p.eval_rule(&log.run.id)?.claim_terms()?,
        (Some(_), _, _) => {
            return Err(CliError::input(
                "eval claim",
                "--policy sets the direction and red line; leave out --below and --at-least",
            ))
        }
        (None, Some(b), None) => (Direction::Below, parse_red_line(b)?),
        (None, None, Some(a)) => (Direction::AtLeast, parse_red_line(a)?),
        _ => {
            return Err(CliError::input(
                "eval claim",
                "give exactly one of --below or --at-least (or --policy)",
            ))
        }
    };
    Ok(EvalClaimSpec {
        direction,
        red_line,
        score_max: c.score_max,
        errored: match c.errored {
            ErroredArg::Worst => ErroredPolicy::Worst,
            ErroredArg::Exclude => ErroredPolicy::Exclude,
        },
    })
}

/// Reads the evaluator's signing key file, as `zkgov attester-key` writes it (see
/// [`zkgov_prover::signing`]).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, CliError> {
    Ok(zkgov_prover::signing::read_secret(
        path,
        zkgov_prover::signing::Role::Evaluator,
    )?)
}

/// `zkgov attester-key`: a signing key of `role`, its secret and public files.
pub fn attester_key(
    out: &Path,
    role: zkgov_prover::signing::Role,
    json: bool,
) -> Result<ExitCode, CliError> {
    use zkgov_prover::signing;
    let key = signing::create(out, role, &mut OsRng)?;
    let public = hex::encode(key.verifying_key().to_bytes());
    let public_file = signing::public_path(out);
    if json {
        json_output::print(&AttesterKeyOutput {
            secret_key_file: out.to_path_buf(),
            public_key_file: public_file,
            role: role.name().into(),
            public_key: public,
        });
    } else {
        println!(
            "wrote {} secret key to {} (keep it)\n  public key file {}\n  public key (give this to regulators): {public}",
            role.name(),
            out.display(),
            public_file.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkgov prove eval`.
pub fn prove(a: &EvalArgs, json: bool) -> Result<ExitCode, CliError> {
    let claims: Vec<EvalClaimArgs> = match &a.suite {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| SpecError::io(path, e))?;
            let suite: SuiteFile = serde_json::from_str(&text)
                .map_err(|e| CliError::input(path.display().to_string(), e.to_string()))?;
            if suite.claims.is_empty() {
                return Err(CliError::input(
                    path.display().to_string(),
                    "the suite has no claims",
                ));
            }
            suite.claims
        }
        None => vec![a.claim.clone()],
    };
    let evaluator = read_signing_key(&a.evaluator_key)?;
    let policy = a.policy.as_deref().map(Policy::read).transpose()?;
    let context = match &policy {
        Some(p) => p.claim_context(a.epoch)?,
        None => Context {
            policy_id: a.policy_id.clone(),
            epoch: a.epoch.unwrap_or(0),
            nonce: a.nonce.clone(),
        },
    };
    let seed_path = a
        .seed_file
        .clone()
        .unwrap_or_else(|| seeds::secret_seed_path(&a.out));
    // Import and check every claim first: a false claim refuses the whole suite, writing nothing.
    let prepared: Vec<(EvalLog, EvalClaimSpec, Option<u64>)> = claims
        .iter()
        .map(|c| {
            let log = read_log(c)?;
            let spec = spec(c, &log, policy.as_ref())?;
            Ok((log, spec, c.capacity))
        })
        .collect::<Result<_, CliError>>()?;
    let build = |seed: &[u8; 32]| -> Result<Vec<EvalJob>, ProveError> {
        prepared
            .iter()
            .enumerate()
            .map(|(i, (log, spec, cap))| {
                EvalJob::new(
                    log,
                    spec,
                    context.clone(),
                    &seeds::claim_seed(seed, i),
                    *cap,
                    &evaluator,
                )
                .map_err(|e| match e {
                    ProveError::ClaimFalse(m) => {
                        ProveError::ClaimFalse(format!("claim {}: {m}", i + 1))
                    }
                    other => other,
                })
            })
            .collect()
    };
    let capacities: Vec<u64> = build(&[0; 32])?
        .iter()
        .map(|j| j.inputs.statement.capacity)
        .collect();
    // Keys, one per capacity needed.
    let mut pairs = BTreeMap::new();
    for cap in &capacities {
        if !pairs.contains_key(cap) {
            let id = keys::find(&a.keys, EVAL_CIRCUIT, *cap, &a.key_ids)?;
            let step = Step::start(&format!("loading proving key for capacity {cap}"), json);
            pairs.insert(*cap, keys::load(&a.keys, &id)?);
            step.done();
        }
    }
    let seed = seeds::read_or_create_seed(&seed_path)?;
    let jobs = build(&seed)?;
    let step = Step::start(
        &format!("proving {} eval claim(s) in parallel", jobs.len()),
        json,
    );
    let results: Vec<_> = jobs
        .par_iter()
        .map(|job| {
            let mut rng = OsRng;
            job.prove(&pairs[&job.inputs.statement.capacity], &mut rng)
        })
        .collect();
    let secs = step.done();
    let claims = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    write_atomic(&a.out, Bundle::new(claims).to_json().as_bytes())?;
    if json {
        json_output::print(&ProveEvalOutput {
            bundle: a.out.clone(),
            claims: jobs.iter().map(|j| j.inputs.describe()).collect(),
            prove_seconds: secs,
        });
    } else {
        println!(
            "wrote {} with {} eval claim(s):",
            a.out.display(),
            jobs.len()
        );
        for (j, cap) in jobs.iter().zip(&capacities) {
            println!(
                "  - {}\n    key {} ({})",
                j.inputs.describe(),
                short(&pairs[cap].vk.id),
                pairs[cap].vk.setup.label()
            );
        }
        println!("  salt seed kept in {} (secret)", seed_path.display());
        println!("  your margin (private: shown here only, not in the bundle):");
        for j in &jobs {
            println!("    - {}", j.private_margin());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkgov benchmark-digest`.
pub fn benchmark_digest(ids: &Path, capacity: u64, json: bool) -> Result<ExitCode, CliError> {
    let text = std::fs::read_to_string(ids).map_err(|e| SpecError::io(ids, e))?;
    let list: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let digest = zkgov_spec::eval::benchmark_digest(&list, capacity)?;
    let hex = zkgov_spec::encoding::fr_to_hex(&digest);
    if json {
        json_output::print(&BenchmarkDigestOutput {
            benchmark_digest: hex,
            samples: list.len(),
            capacity,
        });
    } else {
        println!("{hex}\n  {} sample ids, capacity {capacity}: an eval claim over exactly these samples states this benchmark_digest", list.len());
    }
    Ok(ExitCode::SUCCESS)
}
