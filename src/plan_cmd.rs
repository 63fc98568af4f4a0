//! `zkgov plan compute`, `zkgov prove shard`, `zkgov prove aggregate` and `zkgov run-plan`: a
//! ledger too large for one proof, proved in shards (the job directory is
//! `zkgov_prover::plan`'s; this module parses arguments and prints).

use crate::{
    cli::{ClaimArgs, LedgerArgs},
    error::CliError,
    json_output::{self, PlanComputeOutput, ProveAggregateOutput, ProveShardOutput, RunPlanOutput},
    output::{short, Step},
};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use std::{path::PathBuf, process::ExitCode, time::Instant};
use zkgov_evidence::ledger_file;
use zkgov_prover::plan::{Plan, PlanRequest, ShardOutcome};
use zkgov_setup::Progress;
use zkgov_spec::shard::SHARD_CAPACITIES;

/// `zkgov plan ...`.
#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// Split a compute claim over a large ledger into shards: write a job directory with the
    /// records, the secret seed, a Slurm job array (one task per shard) and a dependent
    /// aggregation job. Run it with `DIR/submit.sh` on a Slurm cluster, or `zkgov run-plan DIR
    /// --local` here.
    Compute(Box<PlanComputeArgs>),
}

/// `zkgov plan compute`.
#[derive(Args, Debug)]
pub struct PlanComputeArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(flatten)]
    claim: ClaimArgs,
    /// Records per shard: 16, 256, 4096 or 65536 (a shard is one subtree of the ledger's tree).
    #[arg(long, value_parser = shard_capacity)]
    shards_of: u64,
    /// Key directory (the shard key at this capacity and the aggregate key for the shard count).
    #[arg(long, default_value = "zkgov-keys")]
    keys: PathBuf,
    /// Use these key IDs (default: the one key per circuit and capacity).
    #[arg(long)]
    key_id: Vec<String>,
    /// CPUs each Slurm task asks for (`#SBATCH --cpus-per-task`).
    #[arg(long, default_value_t = 2)]
    cpus_per_task: u32,
    /// The job directory to create (must not exist, or be empty).
    #[arg(long)]
    out: PathBuf,
}

fn shard_capacity(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(c) if SHARD_CAPACITIES.contains(&c) => Ok(c),
        _ => Err(format!(
            "{s:?} is not a shard capacity (expected one of {SHARD_CAPACITIES:?})"
        )),
    }
}

/// `zkgov plan compute`.
pub fn plan(a: &PlanComputeArgs, json: bool) -> Result<ExitCode, CliError> {
    let (peaks, policy) = a.ledger.peak_table()?;
    let (threshold, context) = a.claim.threshold_and_context(policy.as_ref())?;
    let step = Step::start("importing the ledger", json);
    let records = ledger_file::import(a.ledger.path(), a.ledger.format(), &peaks)?;
    step.done();
    let step = Step::start(&format!("committing to {} records", records.len()), json);
    let program = std::env::current_exe().map_err(|e| CliError::input("zkgov", e.to_string()))?;
    let plan = Plan::create(
        &a.out,
        PlanRequest {
            records,
            peaks: &peaks,
            threshold,
            context,
            shard_capacity: a.shards_of,
            keys: &a.keys,
            key_ids: &a.key_id,
            program: &program,
            cpus_per_task: a.cpus_per_task,
        },
    )?;
    step.done();
    let f = &plan.file;
    let out = PlanComputeOutput {
        dir: plan.dir.clone(),
        records: f.record_count,
        shard_capacity: f.shard_capacity,
        shards: f.shard_count,
        shard_key_id: f.shard_key_id.clone(),
        aggregate_key_id: f.aggregate_key_id.clone(),
        submit: plan.dir.join("submit.sh"),
    };
    if json {
        json_output::print(&out);
    } else {
        println!(
            "wrote plan {}\n  {} records in {} shards of up to {} (shard key {}, aggregate key {})\n  \
             on Slurm: {}   (a job array of {} tasks, then the aggregation)\n  here:     zkgov run-plan {} --local\n  \
             the directory holds the secret seed (SECRET-seed): keep it with the developer",
            out.dir.display(),
            out.records,
            out.shards,
            out.shard_capacity,
            short(&out.shard_key_id),
            short(&out.aggregate_key_id),
            out.submit.display(),
            out.shards,
            out.dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkgov prove shard DIR --index I`: what one task of the job array runs.
pub fn prove_shard(dir: &std::path::Path, index: u64, json: bool) -> Result<ExitCode, CliError> {
    let start = Instant::now();
    let plan = Plan::open(dir)?;
    plan.check_index(index)?;
    let job = plan.job()?;
    let outcome = plan.prove_shard(&job, index, &mut OsRng)?;
    let out = ProveShardOutput {
        dir: plan.dir.clone(),
        index,
        already_done: outcome == ShardOutcome::AlreadyDone,
        seconds: start.elapsed().as_secs_f64(),
    };
    if json {
        json_output::print(&out);
    } else if out.already_done {
        println!("shard {index}: a checked proof was already there; nothing to do");
    } else {
        println!(
            "shard {index} of {}: proved and checked in {:.1} s, wrote {}",
            plan.file.shard_count,
            out.seconds,
            plan.shard_path(index).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkgov prove aggregate DIR`: the aggregation job.
pub fn prove_aggregate(dir: &std::path::Path, json: bool) -> Result<ExitCode, CliError> {
    let start = Instant::now();
    let plan = Plan::open(dir)?;
    let job = plan.job()?;
    let bundle = plan.aggregate(&job, &mut OsRng)?;
    let out = ProveAggregateOutput {
        bundle,
        shards: plan.file.shard_count,
        statement: job.inputs.describe(),
        seconds: start.elapsed().as_secs_f64(),
    };
    if json {
        json_output::print(&out);
    } else {
        println!(
            "wrote {}\n  claim: {}\n  your margin (private: shown here only, not in the bundle): {}",
            out.bundle.display(),
            out.statement,
            job.private_margin()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkgov run-plan DIR --local`: every missing shard, then the aggregate, on this machine (each
/// proof uses all cores).
pub fn run_local(dir: &std::path::Path, json: bool) -> Result<ExitCode, CliError> {
    let start = Instant::now();
    let plan = Plan::open(dir)?;
    let step = Step::start("rebuilding the shard commitments", json);
    let job = plan.job()?;
    let missing = plan.missing_shards(&job);
    step.done();
    let total = plan.file.shard_count;
    let what = format!(
        "proving {} of {total} shards ({} already done)",
        missing.len(),
        total - missing.len() as u64
    );
    let step = Step::start(&what, json);
    step.stage("shards", missing.len() as u64);
    let mut shard_seconds = Vec::with_capacity(missing.len());
    for i in &missing {
        let t = Instant::now();
        plan.prove_shard(&job, *i, &mut OsRng)?;
        shard_seconds.push(t.elapsed().as_secs_f64());
        step.advance(1);
        if !json {
            step.note(&format!(
                "shard {i}: proved and checked in {:.1} s",
                t.elapsed().as_secs_f64()
            ));
        }
    }
    step.done();
    let step = Step::start("proving the aggregate", json);
    let t = Instant::now();
    let bundle = plan.aggregate(&job, &mut OsRng)?;
    let aggregate_seconds = t.elapsed().as_secs_f64();
    step.done();
    let out = RunPlanOutput {
        bundle,
        shards: total,
        proved: missing.len() as u64,
        already_done: total - missing.len() as u64,
        shard_seconds_median: median(&mut shard_seconds),
        aggregate_seconds,
        wall_seconds: start.elapsed().as_secs_f64(),
        statement: job.inputs.describe(),
    };
    if json {
        json_output::print(&out);
    } else {
        println!(
            "wrote {}\n  claim: {}\n  {} shards proved now ({} were done), median {:.1} s each; aggregate {:.1} s; {:.1} s in all",
            out.bundle.display(),
            out.statement,
            out.proved,
            out.already_done,
            out.shard_seconds_median.unwrap_or(0.0),
            out.aggregate_seconds,
            out.wall_seconds
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}
