//! `zkgov challenge`, `zkgov open`, `zkgov audit`: spot-check audits of a committed ledger.

use crate::error::CliError;
use crate::json_output::{
    self, AuditOutput, AuditResult, AuditedRecord, ChallengeOutput, OpenOutput, OpenedRecord,
};
use crate::output::{short, Step};
use rand::{rngs::OsRng, RngCore};
use rayon::prelude::*;
use std::{path::Path, process::ExitCode};
use zkgov_evidence::ledger_file::{self, LedgerFormat, PeakTable};
use zkgov_prover::commit::LedgerCommitment;
use zkgov_spec::files::write_atomic;
use zkgov_spec::SpecError;
use zkgov_spec::{bundle::Bundle, encoding::fr_to_hex, statement::OPENING_CIRCUIT};
use zkgov_verifier::{
    audit::{audit, Challenge, Finding, OpeningJson, Openings, OPENINGS_FORMAT, OPENINGS_VERSION},
    keys::KeyStore,
};

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| SpecError::io(path, e).into())
}

/// Regulator: derive a challenge of `count` records for claim `claim` (1-based) of a bundle.
pub fn challenge(
    bundle: &Path,
    claim: usize,
    count: usize,
    out: &Path,
    json: bool,
) -> Result<ExitCode, CliError> {
    let b = Bundle::read(bundle)?;
    let c = b.claims.get(claim.wrapping_sub(1)).ok_or_else(|| {
        CliError::Spec(SpecError::bad_value(
            "--claim",
            format!("the bundle has {} claim(s)", b.claims.len()),
        ))
    })?;
    let Some(inputs) = c.statement.ledger_claim() else {
        return Err(CliError::Spec(SpecError::bad_value(
            "--claim",
            "spot checks of eval results are not supported yet; choose a training-compute claim",
        )));
    };
    let inputs = inputs?;
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let ch = Challenge::derive(
        inputs.root,
        inputs.capacity,
        inputs.record_count,
        &seed,
        count,
    )?;
    write_atomic(
        out,
        serde_json::to_string_pretty(&ch)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    if json {
        json_output::print(&ChallengeOutput {
            challenge: out.to_path_buf(),
            indices: ch.indices,
        });
    } else {
        println!(
            "wrote {}: open records {:?} of ledger {}",
            out.display(),
            ch.indices,
            short(&ch.ledger_root)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Developer: answer a challenge from the ledger and the secret salt seed, proving each opening
/// with the opening key found in `keys` (a directory, and optionally a key ID).
#[allow(clippy::too_many_arguments)]
pub fn open(
    ledger_path: &Path,
    format: LedgerFormat,
    peaks: &PeakTable,
    seed_file: &Path,
    challenge: &Path,
    keys: (&Path, Option<&str>),
    out: &Path,
    json: bool,
) -> Result<ExitCode, CliError> {
    let ch = Challenge::from_json(&read(challenge)?)?;
    let records = ledger_file::import(ledger_path, format, peaks)?;
    let seed = zkgov_prover::seeds::read_seed(seed_file)?
        .ok_or_else(|| CliError::input(seed_file.display().to_string(), "seed file not found"))?;
    let commitment = LedgerCommitment::new(records, &seed, ch.capacity)?;
    if fr_to_hex(&commitment.commitment()) != ch.ledger_root {
        return Err(CliError::input(
            "--ledger",
            "this ledger and seed do not reproduce the challenged commitment: wrong ledger file, peak table or seed",
        ));
    }
    let (dir, wanted) = keys;
    let wanted: Vec<String> = wanted.map(str::to_owned).into_iter().collect();
    let id = zkgov_prover::keys::find(dir, OPENING_CIRCUIT, ch.capacity, &wanted)?;
    let pair = zkgov_prover::keys::load(dir, &id)?;
    let step = Step::start(&format!("proving {} opening(s)", ch.indices.len()), json);
    let openings = ch
        .indices
        .par_iter()
        .map(|&i| {
            let o = commitment.open(i, &pair, &mut OsRng)?;
            let name = peaks
                .entries
                .get(o.record.class as usize)
                .map_or("?", |e| e.0.as_str());
            Ok(OpeningJson::from_opening(&o, name))
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    step.done();
    let file = Openings {
        format: OPENINGS_FORMAT.into(),
        version: OPENINGS_VERSION,
        ledger_root: ch.ledger_root.clone(),
        key_id: id,
        openings,
    };
    write_atomic(
        out,
        serde_json::to_string_pretty(&file)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    if json {
        json_output::print(&OpenOutput {
            openings: out.to_path_buf(),
            indices: ch.indices,
        });
    } else {
        println!(
            "wrote {}: {} record(s) opened with zero-knowledge proofs; only these records are disclosed",
            out.display(),
            ch.indices.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the audit takes accelerator names from.
enum ClassNames {
    /// The peak table of the bundle's claim on the challenged ledger (the names its statement
    /// binds).
    Bundle(Vec<String>),
    /// The labels the openings file gives each record (the developer's words, unchecked).
    Openings,
}

impl ClassNames {
    /// The names of the claim in `bundle` whose ledger commitment the challenge is about.
    fn from_bundle(bundle: &Path, ch: &Challenge) -> Result<Self, CliError> {
        let b = Bundle::read(bundle)?;
        for c in &b.claims {
            if let Some(inputs) = c.statement.ledger_claim() {
                let inputs = inputs?;
                if fr_to_hex(&inputs.root) == ch.ledger_root {
                    return Ok(ClassNames::Bundle(inputs.names));
                }
            }
        }
        Err(CliError::input(
            "--bundle",
            format!(
                "{} has no training-compute claim on the challenged ledger {}",
                bundle.display(),
                short(&ch.ledger_root)
            ),
        ))
    }

    /// The accelerator of the record opened at `index` with class `class`, in words.
    fn name(&self, op: &Openings, index: u64, class: u8) -> String {
        match self {
            ClassNames::Bundle(names) => names.get(class as usize).cloned().unwrap_or_else(|| {
                format!("class {class}, a row the bundle's peak table does not have")
            }),
            ClassNames::Openings => op
                .openings
                .iter()
                .find(|o| o.index == index)
                .map_or(format!("class {class}"), |o| {
                    format!("{} as the openings name class {class}", o.accelerator)
                }),
        }
    }

    /// Where the names come from, for `--json`.
    fn source(&self) -> &'static str {
        match self {
            ClassNames::Bundle(_) => "bundle",
            ClassNames::Openings => "openings",
        }
    }
}

/// Regulator: check openings against the challenge, with the opening key from the trusted key
/// directory `keys`; records' accelerators are named from `bundle`'s claim on the ledger when
/// given.
pub fn check(
    challenge: &Path,
    openings: &Path,
    keys: &Path,
    bundle: Option<&Path>,
    json: bool,
) -> Result<ExitCode, CliError> {
    let ch = Challenge::from_json(&read(challenge)?)?;
    let op: Openings =
        serde_json::from_str(&read(openings)?).map_err(|e| SpecError::malformed("openings", e))?;
    let names = match bundle {
        Some(b) => ClassNames::from_bundle(b, &ch)?,
        None => ClassNames::Openings,
    };
    let findings = audit(&ch, &op, &KeyStore::new(keys))?;
    let ok = findings
        .iter()
        .all(|(_, f)| matches!(f, Finding::Verified(_)));
    if json {
        let records = findings
            .iter()
            .map(|(i, f)| {
                let (result, record) = match f {
                    Finding::Verified(r) => (
                        AuditResult::Verified,
                        Some(OpenedRecord {
                            class: r.class,
                            accelerator: names.name(&op, *i, r.class),
                            accelerator_from: names.source(),
                            devices: r.devices,
                            seconds: r.seconds,
                        }),
                    ),
                    Finding::Missing => (AuditResult::Missing, None),
                    Finding::Mismatch => (AuditResult::Mismatch, None),
                };
                AuditedRecord {
                    index: *i,
                    result,
                    record,
                }
            })
            .collect();
        json_output::print(&AuditOutput {
            passed: ok,
            records,
        });
    } else {
        for (i, f) in &findings {
            match f {
                Finding::Verified(r) => println!(
                    "  record {i}: proven to be in the committed ledger ({}, {} devices, {} s)",
                    names.name(&op, *i, r.class),
                    r.devices,
                    r.seconds
                ),
                Finding::Missing => println!("  record {i}: NOT OPENED"),
                Finding::Mismatch => println!(
                    "  record {i}: NOT SHOWN to be in the committed ledger (its proof fails)"
                ),
            }
        }
        println!(
            "Audit {}: {} of {} challenged records verified.",
            if ok { "passed" } else { "FAILED" },
            findings
                .iter()
                .filter(|(_, f)| matches!(f, Finding::Verified(_)))
                .count(),
            findings.len()
        );
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
