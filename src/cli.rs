//! Command-line interface.

use crate::error::CliError;
use crate::{
    demo, export_cmd, help_cmd,
    json_output::{self, InspectOutput, InspectedClaim, KeygenOutput, ProveComputeOutput},
    output::{short, Step},
    spotcheck, verify_cmd,
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use rand::rngs::OsRng;
use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};
use zkgov_circuits::Circuit;
use zkgov_evidence::ledger_file::{self, LedgerFormat, PeakTable};
use zkgov_prover::{keys, prove::ComputeJob};
use zkgov_spec::files::write_atomic;
use zkgov_spec::{
    bundle::Bundle,
    encoding::parse_quantity,
    merkle::{CAPACITIES, LEDGER_CAPACITIES},
    provider::AttestationFile,
    statement::{Context, COMPUTE_CIRCUIT},
};
use zkgov_verifier::{groth16::ParsedStatement, keys::SetupKind};

/// Prove AI-governance compliance claims in zero knowledge, and verify them.
#[derive(Parser, Debug)]
#[command(name = "zkgov", version, about, long_about = None)]
pub struct Cli {
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the whole flow on embedded example data: keys, a compute proof, verification, a
    /// refused false claim, and a zero-knowledge spot check.
    Demo {
        /// Directory for the demo's keys and bundle (default: a fresh temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Generate a single-party key pair (TEST ONLY: whoever runs it can forge proofs).
    Keygen {
        /// Which claim's circuit.
        #[arg(long, value_enum, default_value_t = CircuitKind::Compute)]
        circuit: CircuitKind,
        #[arg(long, default_value_t = 64, value_parser = key_capacity, help = key_capacity_help())]
        capacity: u64,
        /// Key directory.
        #[arg(long, default_value = "zkgov-keys")]
        keys: PathBuf,
    },
    /// Regulator: compute the benchmark digest of the sample ids you expect, to compare with an
    /// eval claim's `benchmark_digest`.
    BenchmarkDigest {
        /// A file with one sample id per line.
        #[arg(long)]
        ids: PathBuf,
        #[arg(long, value_parser = capacity, help = capacity_help("; the claim's class"))]
        capacity: u64,
    },
    /// Create an ed25519 signing key: an evaluator's (attesting eval results), a ceremony
    /// contributor's or a compute provider's (attesting ledgers). Writes the secret key file and
    /// `<out>.pub`, and prints the public key.
    AttesterKey {
        /// Where to write the secret key file (the public one goes to `<out>.pub`).
        #[arg(long)]
        out: PathBuf,
        /// What the key is for: `evaluator`, `ceremony-contributor` or `provider`; a key is
        /// refused for any other role.
        #[arg(long, default_value = "evaluator")]
        role: zkgov_prover::signing::Role,
    },
    /// Prove a claim and write a bundle.
    #[command(subcommand)]
    Prove(ProveCommand),
    /// Plan a claim too large for one proof as shards (a Slurm job array or a local run).
    #[command(subcommand)]
    Plan(crate::plan_cmd::PlanCommand),
    /// A disclosure registry every state sees alike: an append-only log of bundles with signed
    /// checkpoints and witnesses, a web page, and the commands to publish, read and witness it.
    #[command(subcommand)]
    Registry(crate::registry_cmd::RegistryCommand),
    /// Run a plan's missing shard proofs and its aggregate proof.
    RunPlan {
        /// The job directory (`zkgov plan compute --out`).
        dir: PathBuf,
        /// Run here, one shard after another, each proof on all cores (on a Slurm cluster, run
        /// `DIR/submit.sh` instead).
        #[arg(long, required = true)]
        local: bool,
    },
    /// Attest evidence as a third party: a compute provider's ledger commitment.
    #[command(subcommand)]
    Attest(crate::attest_cmd::AttestCommand),
    /// Multi-party key setup: phase 1 (powers of tau, or a snarkjs .ptau), then per circuit a
    /// phase 2 to which every state contributes; sound if any one contributor is honest.
    #[command(subcommand)]
    Ceremony(crate::ceremony_cmd::CeremonyCommand),
    /// Verify bundles with keys you trust, and give each jurisdiction's verdict under its policy.
    ///
    /// Every claim of every bundle is checked in one batched pairing check (a failing batch is
    /// re-checked claim by claim, to name the bad one).
    ///
    /// With `--policy`, each policy prints COMPLIANT (every claim it requires is proven), NOT SHOWN
    /// (the proofs are valid but do not show what it requires: threshold, epoch, policy id, nonce,
    /// peak table or key) or INVALID (a claim addressed to it fails verification).
    ///
    /// Exit codes: 0 = every claim valid and compliant under every given policy; 1 = some claim
    /// invalid, or bad input; 3 = every claim valid, but not shown under some policy.
    #[command(verbatim_doc_comment)]
    Verify {
        /// The bundles.
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
        /// Directory of trusted verifying keys (`<id>.vk.json`).
        #[arg(long, default_value = "zkgov-keys")]
        keys: PathBuf,
        /// An evaluator's ed25519 public key (hex) whose attestations you accept; repeat for each.
        /// Eval claims attested by anyone else are not accepted.
        #[arg(long = "trusted-attester")]
        trusted_attesters: Vec<String>,
        /// A policy file (TOML, `zkgov-policy` v1); repeat for several jurisdictions.
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
        /// Require every claim to carry this regulator nonce (hex), overriding the policies'.
        #[arg(long)]
        nonce: Option<String>,
        /// A ceremony transcript to check (seconds per file), paired in order with `--phase1`: a
        /// key it produced counts as a ceremony key for policies whose [keys] rules it meets. A
        /// key file's own setup label is never trusted.
        #[arg(long = "ceremony", requires = "phase1s")]
        ceremonies: Vec<PathBuf>,
        /// The phase 1 (zkgov phase-1 file or .ptau) each `--ceremony` started from, in order.
        #[arg(long = "phase1", requires = "ceremonies")]
        phase1s: Vec<PathBuf>,
        /// Also check that each bundle is published in this disclosure registry (URL), included
        /// under a checkpoint co-signed by the witnesses each policy's `[registry]` section trusts.
        #[arg(long, requires = "policies")]
        registry: Option<String>,
    },
    /// Policy files: check that one parses and show what it requires.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Export a bundle's claims for an independent verifier.
    Export {
        /// The bundle.
        bundle: PathBuf,
        /// Write snarkjs Groth16 files (verification_key.json, proof.json, public.json) per claim,
        /// in `<out-dir>/claim-<n>/`; check with `snarkjs groth16 verify`.
        #[arg(long, required = true)]
        snarkjs: bool,
        /// Directory of trusted verifying keys.
        #[arg(long, default_value = "zkgov-keys")]
        keys: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "snarkjs-export")]
        out_dir: PathBuf,
    },
    /// Print the JSON Schema of a command's `--json` output or of a file format (`--list` names
    /// them; checked in under `schemas/`).
    Schema(crate::schema_cmd::SchemaArgs),
    /// Show what a bundle claims, in plain words, without verifying it.
    Inspect {
        /// The bundle.
        bundle: PathBuf,
    },
    /// Regulator: pick records of a bundle's committed ledger to spot-check (from fresh randomness).
    Challenge {
        /// The bundle.
        bundle: PathBuf,
        /// Which claim (1-based).
        #[arg(long, default_value_t = 1)]
        claim: usize,
        /// How many records to open: at least 1, and at most the ledger's record count.
        #[arg(long, short = 'k', default_value_t = 5, value_parser = record_count)]
        count: usize,
        /// Where to write the challenge.
        #[arg(long, default_value = "challenge.json")]
        out: PathBuf,
    },
    /// Developer: open the challenged records, each with a zero-knowledge proof that it is in the
    /// committed ledger at its index; nothing else is disclosed (no salt, no neighbour, no root).
    Open {
        #[command(flatten)]
        ledger: LedgerArgs,
        /// The secret salt seed the bundle was made with.
        #[arg(long)]
        seed_file: PathBuf,
        /// The regulator's challenge.
        #[arg(long)]
        challenge: PathBuf,
        /// Key directory holding the opening-circuit key for the ledger's capacity (`zkgov keygen
        /// --circuit opening`, or a ceremony).
        #[arg(long, default_value = "zkgov-keys")]
        keys: PathBuf,
        /// Use this key ID (default: the only opening key for the capacity, ceremony keys first).
        #[arg(long)]
        key_id: Option<String>,
        /// Where to write the openings.
        #[arg(long, default_value = "openings.json")]
        out: PathBuf,
    },
    /// Regulator: check a developer's openings against the challenge and the ledger commitment,
    /// with the opening key from your own trusted key directory.
    Audit {
        /// The challenge that was sent.
        #[arg(long)]
        challenge: PathBuf,
        /// The developer's openings.
        #[arg(long)]
        openings: PathBuf,
        /// Trusted key directory (the opening key is looked up by the ID the openings name).
        #[arg(long, default_value = "zkgov-keys")]
        keys: PathBuf,
        /// The bundle the challenge was drawn from: each record's accelerator is named from the
        /// peak table of its claim on the challenged ledger. Without it, the names are the
        /// openings' own labels, which the developer wrote and no proof checks.
        #[arg(long)]
        bundle: Option<PathBuf>,
    },
    /// Print a shell completion script on stdout (see the README for where to install it).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout (see the README for where to install it).
    Man,
}

/// Parses a `--capacity` value: one of the capacity classes ([`CAPACITIES`]); anything else is a
/// usage error.
pub(crate) fn capacity(s: &str) -> Result<u64, String> {
    let c = s
        .parse::<u64>()
        .map_err(|_| format!("{s:?} is not a whole number"))?;
    zkgov_spec::merkle::depth_for(c).map_err(|e| e.to_string())?;
    Ok(c)
}

/// Parses `keygen --capacity`: one of the ledger sizes ([`LEDGER_CAPACITIES`]: the capacity
/// classes, and the larger trees of sharded ledgers, for opening keys). Which of them a circuit
/// takes is the circuit's own check ([`Circuit::capacities`]).
fn key_capacity(s: &str) -> Result<u64, String> {
    let c = s
        .parse::<u64>()
        .map_err(|_| format!("{s:?} is not a whole number"))?;
    zkgov_spec::merkle::ledger_depth_for(c).map_err(|e| e.to_string())?;
    Ok(c)
}

/// The help line of `keygen --capacity`.
fn key_capacity_help() -> String {
    let sizes: Vec<String> = LEDGER_CAPACITIES.iter().map(u64::to_string).collect();
    let of = |c: Circuit| {
        let v: Vec<String> = c.capacities().iter().map(u64::to_string).collect();
        format!("{c} {}", v.join("/"))
    };
    format!(
        "Capacity (record slots): one of {}; per circuit: compute and eval up to 65536, opening all, {}, {} (shard slots)",
        sizes.join(", "),
        of(Circuit::Shard),
        of(Circuit::Aggregate)
    )
}

/// Parses `challenge -k`: a number of records to open, at least 1 (zero is a usage error, not an
/// empty challenge).
fn record_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("a challenge opens at least 1 record".into()),
        Ok(k) => Ok(k),
        Err(_) => Err(format!("{s:?} is not a whole number")),
    }
}

/// The help line of a `--capacity` flag: the accepted classes, listed from [`CAPACITIES`], then
/// `more` (the default, or what the flag is for).
pub(crate) fn capacity_help(more: &str) -> String {
    let classes: Vec<String> = CAPACITIES.iter().map(u64::to_string).collect();
    format!(
        "Capacity class (record slots): one of {}{more}",
        classes.join(", ")
    )
}

/// Where a ledger comes from and how its accelerators map to the policy's peak table.
#[derive(Args, Debug)]
pub(crate) struct LedgerArgs {
    /// The ledger: Slurm `sacct --parsable2` output, a CSV (accelerator,devices,seconds) or a
    /// zkgov-ledger JSON file.
    #[arg(long)]
    ledger: PathBuf,
    /// Ledger format (default: from the file extension; anything but .json/.csv is sacct).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Peak FLOP/s per accelerator class, e.g. `--peak H100=989.4e12`. Repeat for each class; a
    /// record's class is looked up by name, and a class is an index into these rows in order.
    #[arg(
        long = "peak",
        required_unless_present = "policy",
        conflicts_with = "policy"
    )]
    peaks: Vec<String>,
    /// The regulator's policy file: the accelerator classes and peaks come from it (and, for
    /// `prove compute`, the threshold, policy id, epoch and nonce), so they cannot be mismatched.
    #[arg(long)]
    policy: Option<PathBuf>,
}

impl LedgerArgs {
    /// The ledger file.
    pub(crate) fn path(&self) -> &Path {
        &self.ledger
    }

    /// The format chosen with `--format`, or guessed from the file name.
    pub(crate) fn format(&self) -> LedgerFormat {
        match self.format {
            Some(FormatArg::Sacct) => LedgerFormat::Sacct,
            Some(FormatArg::Csv) => LedgerFormat::Csv,
            Some(FormatArg::Json) => LedgerFormat::Json,
            None => LedgerFormat::from_path(&self.ledger),
        }
    }

    /// The policy file's contents (if one was given) and the peak table: the policy's, or the
    /// `--peak` rows.
    pub(crate) fn peak_table(
        &self,
    ) -> Result<(PeakTable, Option<zkgov_policy::policy_file::Policy>), CliError> {
        match &self.policy {
            Some(p) => {
                let policy = zkgov_policy::policy_file::Policy::read(p)?;
                let entries = policy.accelerator_rows()?.to_vec();
                Ok((PeakTable { entries }, Some(policy)))
            }
            None => Ok((PeakTable::from_args(&self.peaks)?, None)),
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CircuitKind {
    /// Training compute ≤ a FLOP threshold.
    Compute,
    /// Mean eval score below a red line (or at least a floor).
    Eval,
    /// Spot-check openings of committed ledger records (`zkgov open`, `zkgov audit`).
    Opening,
    /// One shard of a sharded compute claim (capacity: records per shard, 16, 256, 4096 or 65536).
    Shard,
    /// The aggregate of a sharded compute claim (capacity: shard slots, 16 or 256).
    Aggregate,
}

impl CircuitKind {
    /// The circuit in the registry.
    pub fn circuit(self) -> Circuit {
        match self {
            CircuitKind::Compute => Circuit::Compute,
            CircuitKind::Eval => Circuit::Eval,
            CircuitKind::Opening => Circuit::Opening,
            CircuitKind::Shard => Circuit::Shard,
            CircuitKind::Aggregate => Circuit::Aggregate,
        }
    }
}

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Check policy files (one clear error line for the first problem) and summarize each.
    Check {
        /// The policy files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum ProveCommand {
    /// Prove that a training-compute ledger stayed at or below a FLOP threshold.
    Compute(Box<ComputeArgs>),
    /// Prove that a mean eval score (Inspect or lm-evaluation-harness log) stayed below a red
    /// line, or at least a floor; `--suite` proves several such claims in parallel.
    Eval(Box<crate::eval_cmd::EvalArgs>),
    /// Prove one shard of a plan (`zkgov plan compute`): what each task of the job array runs.
    /// A shard whose checked proof is already there is not proved again.
    Shard {
        /// The job directory.
        dir: PathBuf,
        /// The shard, from 0 (a job array task passes `$SLURM_ARRAY_TASK_ID`).
        #[arg(long)]
        index: u64,
    },
    /// Prove a plan's aggregate once every shard has its proof, and write `DIR/bundle.json`.
    Aggregate {
        /// The job directory.
        dir: PathBuf,
    },
}

/// What a compute claim says beyond its ledger: threshold and context (or a policy's).
#[derive(Args, Debug)]
pub(crate) struct ClaimArgs {
    /// The claim: total FLOP at most this (e.g. 1e25; with --policy, the policy's threshold).
    #[arg(long, required_unless_present = "policy", conflicts_with = "policy")]
    threshold: Option<String>,
    /// The policy the claim is made under (without --policy).
    #[arg(long, default_value = "unspecified", conflicts_with = "policy")]
    policy_id: String,
    /// The reporting period (default 0; with --policy, the policy's only epoch).
    #[arg(long)]
    epoch: Option<u64>,
    /// A regulator-issued nonce (hex), binding the proof to one request (with --policy, the
    /// policy's nonce).
    #[arg(long, conflicts_with = "policy")]
    nonce: Option<String>,
}

impl ClaimArgs {
    /// The threshold and context: the policy's when one was given, else the flags'.
    pub(crate) fn threshold_and_context(
        &self,
        policy: Option<&zkgov_policy::policy_file::Policy>,
    ) -> Result<(u128, Context), CliError> {
        Ok(match policy {
            Some(p) => (p.compute_threshold()?, p.claim_context(self.epoch)?),
            None => (
                parse_quantity("--threshold", self.threshold.as_deref().unwrap_or_default())?,
                Context {
                    policy_id: self.policy_id.clone(),
                    epoch: self.epoch.unwrap_or(0),
                    nonce: self.nonce.clone(),
                },
            ),
        })
    }
}

#[derive(Args, Debug)]
struct ComputeArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(flatten)]
    claim: ClaimArgs,
    #[arg(long, value_parser = capacity, help = capacity_help("; default: the smallest that fits the ledger"))]
    capacity: Option<u64>,
    /// Key directory.
    #[arg(long, default_value = "zkgov-keys")]
    keys: PathBuf,
    /// Use this key ID (default: the one key for the circuit and capacity).
    #[arg(long)]
    key_id: Option<String>,
    /// Secret seed for the commitment's salt (created if missing; default `<out>.SECRET-seed`).
    /// Keep it: it opens records for spot checks. Never send it to anyone.
    #[arg(long)]
    seed_file: Option<PathBuf>,
    /// A compute provider's attestation of this ledger (`zkgov attest ledger`): the claim is made
    /// about exactly the attested commitment, with the seed file the provider handed over.
    #[arg(long, requires = "seed_file")]
    ledger_attestation: Option<PathBuf>,
    /// Where to write the bundle.
    #[arg(long, default_value = "bundle.json")]
    out: PathBuf,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum FormatArg {
    Sacct,
    Csv,
    Json,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let json = cli.json;
    match cli.command {
        Command::Demo { dir } => demo::run(dir, json),
        Command::Registry(cmd) => crate::registry_cmd::run(cmd, json),
        Command::Ceremony(cmd) => crate::ceremony_cmd::run(cmd, json),
        Command::Attest(cmd) => crate::attest_cmd::run(cmd, json),
        Command::Keygen {
            circuit,
            capacity,
            keys,
        } => {
            let id = keygen(&keys, circuit, capacity, json)?;
            let circuit = circuit.circuit().id();
            if json {
                json_output::print(&KeygenOutput {
                    key_id: id,
                    circuit: circuit.into(),
                    capacity,
                    setup: SetupKind::SingleParty,
                    test_only: true,
                    dir: keys,
                });
            } else {
                println!("wrote key {id}\n  circuit {circuit}, capacity {capacity}\n  in {}\n  \
                          single-party setup: TEST ONLY (whoever ran it can forge proofs; use a ceremony key for real claims)",
                         keys.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Prove(ProveCommand::Eval(args)) => crate::eval_cmd::prove(&args, json),
        Command::Prove(ProveCommand::Shard { dir, index }) => {
            crate::plan_cmd::prove_shard(&dir, index, json)
        }
        Command::Prove(ProveCommand::Aggregate { dir }) => {
            crate::plan_cmd::prove_aggregate(&dir, json)
        }
        Command::Plan(crate::plan_cmd::PlanCommand::Compute(args)) => {
            crate::plan_cmd::plan(&args, json)
        }
        Command::RunPlan { dir, local: _ } => crate::plan_cmd::run_local(&dir, json),
        Command::AttesterKey { out, role } => crate::eval_cmd::attester_key(&out, role, json),
        Command::BenchmarkDigest { ids, capacity } => {
            crate::eval_cmd::benchmark_digest(&ids, capacity, json)
        }
        Command::Prove(ProveCommand::Compute(args)) => {
            let out = prove_compute(&args, json)?;
            if json {
                json_output::print(&out);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            bundles,
            keys,
            trusted_attesters,
            policies,
            nonce,
            ceremonies,
            phase1s,
            registry,
        } => {
            if ceremonies.len() != phase1s.len() {
                return Err(zkgov_spec::SpecError::bad_value(
                    "--ceremony",
                    format!(
                        "{} ceremony file(s) but {} --phase1 file(s): give one phase 1 per ceremony, in order",
                        ceremonies.len(),
                        phase1s.len()
                    ),
                )
                .into());
            }
            let pairs: Vec<(PathBuf, PathBuf)> = ceremonies.into_iter().zip(phase1s).collect();
            let checked = crate::ceremony_cmd::check_transcripts(&pairs, json)?;
            verify_cmd::verify(
                zkgov_policy::VerifyRequest {
                    bundles: &bundles,
                    keys: &keys,
                    trusted_attesters: &trusted_attesters,
                    policies: &policies,
                    nonce: nonce.as_deref(),
                    ceremonies: checked,
                },
                registry.as_deref(),
                json,
            )
        }
        Command::Policy(PolicyCommand::Check { files }) => verify_cmd::policy_check(&files, json),
        Command::Export {
            bundle,
            snarkjs,
            keys,
            out_dir,
        } => {
            debug_assert!(snarkjs);
            export_cmd::export_snarkjs(&bundle, &keys, &out_dir, json)
        }
        Command::Schema(args) => crate::schema_cmd::run(&args, json),
        Command::Inspect { bundle } => inspect(&bundle, json),
        Command::Challenge {
            bundle,
            claim,
            count,
            out,
        } => spotcheck::challenge(&bundle, claim, count, &out, json),
        Command::Open {
            ledger,
            seed_file,
            challenge,
            keys,
            key_id,
            out,
        } => {
            let (peaks, _) = ledger.peak_table()?;
            spotcheck::open(
                &ledger.ledger,
                ledger.format(),
                &peaks,
                &seed_file,
                &challenge,
                (&keys, key_id.as_deref()),
                &out,
                json,
            )
        }
        Command::Audit {
            challenge,
            openings,
            keys,
            bundle,
        } => spotcheck::check(&challenge, &openings, &keys, bundle.as_deref(), json),
        Command::Completions { shell } => help_cmd::completions(shell),
        Command::Man => help_cmd::man(),
    }
}

/// Generates and writes a single-party key pair for `circuit`; returns its ID. The constraint
/// count is a note above the spinner.
pub fn keygen(
    dir: &Path,
    circuit: CircuitKind,
    capacity: u64,
    quiet: bool,
) -> Result<String, CliError> {
    let circuit = circuit.circuit();
    let step = Step::start(
        &format!(
            "generating single-party {} key (capacity {capacity})",
            circuit.id()
        ),
        quiet,
    );
    let pair = keys::generate(circuit, capacity, &mut OsRng)?;
    if !quiet {
        let constraints = pair.prepared().num_constraints();
        let per_slot = match circuit {
            Circuit::Opening => String::new(),
            _ => format!(" ({} per slot)", constraints as u64 / capacity),
        };
        step.note(&format!(
            "{} at capacity {capacity}: {constraints} constraints{per_slot}",
            circuit.id()
        ));
    }
    let id = keys::write(dir, &pair)?;
    step.done();
    Ok(id)
}

fn prove_compute(a: &ComputeArgs, quiet: bool) -> Result<ProveComputeOutput, CliError> {
    let (peaks, policy) = a.ledger.peak_table()?;
    let (threshold, context) = a.claim.threshold_and_context(policy.as_ref())?;
    let records = ledger_file::import(a.ledger.path(), a.ledger.format(), &peaks)?;
    let seed_path = a
        .seed_file
        .clone()
        .unwrap_or_else(|| zkgov_prover::seeds::secret_seed_path(&a.out));
    let attestation = a
        .ledger_attestation
        .as_deref()
        .map(AttestationFile::read)
        .transpose()?;
    let capacity = match (&attestation, a.capacity) {
        (Some((f, _)), Some(c)) if c != f.capacity => {
            return Err(CliError::input(
                "--capacity",
                format!(
                "{c}, but the provider attested a commitment of capacity {} (leave --capacity out)",
                f.capacity
            ),
            ))
        }
        (Some((f, _)), _) => Some(f.capacity),
        (None, c) => c,
    };
    // Check the claim (and that the ledger and seed reproduce the attested commitment) before
    // creating a seed or loading keys: a false claim writes nothing.
    let attested_job = match &attestation {
        None => {
            ComputeJob::new(
                records.clone(),
                &peaks,
                threshold,
                context.clone(),
                &[0; 32],
                capacity,
            )?;
            None
        }
        Some((file, root)) => {
            let seed = zkgov_prover::seeds::read_seed(&seed_path)?.ok_or_else(|| {
                CliError::input(
                    seed_path.display().to_string(),
                    "not found: an attested ledger is proved with the seed file the provider handed over",
                )
            })?;
            let job = ComputeJob::new(
                records.clone(),
                &peaks,
                threshold,
                context.clone(),
                &seed,
                capacity,
            )?;
            Some(job.with_attestation(file, *root)?)
        }
    };
    let capacity = capacity.map_or_else(|| zkgov_prover::prove::capacity_for(records.len()), Ok)?;
    let key_id = keys::find(&a.keys, COMPUTE_CIRCUIT, capacity, a.key_id.as_slice())?;
    let step = Step::start("loading proving key", quiet);
    let pair = keys::load(&a.keys, &key_id)?;
    step.done();
    let job = match attested_job {
        Some(job) => job,
        None => {
            let seed = zkgov_prover::seeds::read_or_create_seed(&seed_path)?;
            ComputeJob::new(records, &peaks, threshold, context, &seed, Some(capacity))?
        }
    };
    let step = Step::start(
        &format!(
            "proving {} records (capacity {capacity})",
            job.commitment.records.len()
        ),
        quiet,
    );
    let claim = job.prove(&pair, &mut OsRng)?;
    let secs = step.done();
    write_atomic(&a.out, Bundle::new(vec![claim]).to_json().as_bytes())?;
    let out = ProveComputeOutput {
        bundle: a.out.clone(),
        key_id,
        records: job.commitment.records.len(),
        capacity,
        statement: job.inputs.describe(),
        prove_seconds: secs,
    };
    if !quiet {
        println!("wrote {}\n  claim: {}\n  key {} ({})\n  salt seed kept in {} (secret: spot-check openings need it)",
            a.out.display(), out.statement, short(&out.key_id), pair.vk.setup.label(), seed_path.display());
        println!(
            "  your margin (private: shown here only, not in the bundle): {}",
            job.private_margin()
        );
    }
    Ok(out)
}

fn inspect(bundle_path: &Path, json: bool) -> Result<ExitCode, CliError> {
    let bundle = Bundle::read(bundle_path)?;
    let mut rows = Vec::new();
    for (i, c) in bundle.claims.into_iter().enumerate() {
        let parsed = ParsedStatement::parse(&c.statement)?;
        rows.push(InspectedClaim {
            claim: i + 1,
            summary: parsed.describe(),
            key_id: c.key_id,
            statement: c.statement,
        });
    }
    if json {
        json_output::print(&InspectOutput {
            bundle: bundle_path.to_path_buf(),
            verified: false,
            claims: rows,
        });
    } else {
        println!(
            "Bundle {} (not verified; run `zkgov verify` for that): {} claim(s)",
            bundle_path.display(),
            rows.len()
        );
        for r in &rows {
            println!(
                "  [{}] {}\n      needs key {}",
                r.claim, r.summary, r.key_id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
