//! `zkgov attest ledger`: a compute provider attests its accounting export for one account and
//! period (see [`zkgov_spec::provider`]).

use crate::cli::LedgerArgs;
use crate::error::CliError;
use crate::json_output::{self, AttestLedgerOutput};
use clap::{Args, Subcommand};
use std::{path::PathBuf, process::ExitCode};
use zkgov_evidence::ledger_file;
use zkgov_prover::seeds;
use zkgov_prover::{
    provider::{attest, Period},
    signing::{self, Role},
};
use zkgov_spec::files::write_atomic;

#[derive(Subcommand, Debug)]
pub enum AttestCommand {
    /// Compute provider: commit to your accounting export for one account and period with a fresh
    /// salt and sign the commitment. Hand the developer the ledger, the attestation and the secret
    /// seed file `<out>.SECRET-seed`; the developer proves against exactly this commitment
    /// (`zkgov prove compute --ledger-attestation OUT --seed-file OUT.SECRET-seed`).
    Ledger(Box<LedgerAttestArgs>),
}

#[derive(Args, Debug)]
pub struct LedgerAttestArgs {
    /// The accounting export and its accelerator classes (`--peak` rows or `--policy`); the
    /// developer must use the same classes in the same order (a record's class is an index into
    /// them).
    #[command(flatten)]
    ledger: LedgerArgs,
    /// The provider's signing key file (`zkgov attester-key --role provider`).
    #[arg(long)]
    provider_key: PathBuf,
    /// The account (project, allocation or customer) the export covers.
    #[arg(long)]
    account: String,
    /// First day of the accounting period (YYYY-MM-DD).
    #[arg(long)]
    period_start: String,
    /// Last day of the accounting period (YYYY-MM-DD, inclusive).
    #[arg(long)]
    period_end: String,
    /// Where to write the attestation (the secret seed goes to `<out>.SECRET-seed`).
    #[arg(long, default_value = "ledger-attestation.json")]
    out: PathBuf,
}

/// Runs `zkgov attest ...`.
pub fn run(cmd: AttestCommand, json: bool) -> Result<ExitCode, CliError> {
    match cmd {
        AttestCommand::Ledger(a) => attest_ledger(&a, json),
    }
}

fn attest_ledger(a: &LedgerAttestArgs, json: bool) -> Result<ExitCode, CliError> {
    let (peaks, _) = a.ledger.peak_table()?;
    let key = signing::read_secret(&a.provider_key, Role::Provider)?;
    let records = ledger_file::import(a.ledger.path(), a.ledger.format(), &peaks)?;
    let seed_file = seeds::secret_seed_path(&a.out);
    let seed = seeds::new_seed_for(&seed_file)?;
    let period = Period {
        account: a.account.clone(),
        start: a.period_start.clone(),
        end: a.period_end.clone(),
    };
    let file = attest(records, &peaks, &period, &seed, &key)?;
    seeds::write_seed(&seed_file, &seed)?;
    write_atomic(
        &a.out,
        serde_json::to_string_pretty(&file)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    if json {
        json_output::print(&AttestLedgerOutput {
            attestation: a.out.clone(),
            seed_file,
            ledger_root: file.ledger_root,
            record_count: file.record_count,
            capacity: file.capacity,
            accelerators: file.accelerators,
            account: file.attestation.account,
            period_start: file.attestation.period_start,
            period_end: file.attestation.period_end,
            provider_key: file.attestation.provider_key,
        });
    } else {
        println!(
            "wrote {}: {} records of account {:?}, period {}, committed as {}… (capacity {}, classes {})\n  \
             secret seed in {}: hand it to the developer with the ledger and the attestation, to no one else",
            a.out.display(),
            file.record_count,
            file.attestation.account,
            file.attestation.period(),
            &file.ledger_root[..14],
            file.capacity,
            file.accelerators.join(", "),
            seed_file.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
