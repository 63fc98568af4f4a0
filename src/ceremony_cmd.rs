//! `zkgov ceremony`: a multi-party key setup that no single state or developer controls.

use crate::error::CliError;
use crate::json_output::{
    self, CeremonyContributeOutput, CeremonyFinalizeOutput, CeremonyInitOutput, CeremonyReport,
    CeremonyVerifyOutput, Phase1ContributeOutput, Phase1NewOutput, Phase1PrepareOutput,
    Phase1VerifyOutput,
};
use crate::{cli::CircuitKind, output::Step};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};
use zkgov_prover::{
    keys,
    signing::{self, Role},
};
use zkgov_setup::CeremonyError;
use zkgov_setup::{
    phase1::{Phase1, Source},
    phase2::{Ceremony, Report},
};
use zkgov_verifier::keys::{ContributorKey, RequiredContributor, SetupKind, VerifiedCeremony};

#[derive(Subcommand, Debug)]
pub enum CeremonyCommand {
    /// Start a native phase 1 (powers of tau) of 2^power powers, for tests and small circuits
    /// (for large ones, import a snarkjs .ptau: `init --phase1 file.ptau`).
    Phase1New {
        /// 2^power powers: enough for circuits of up to 2^power constraints plus inputs
        /// (the compute claim at capacity 16 needs 13).
        #[arg(long)]
        power: u32,
        /// Where to write the phase-1 file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Add your contribution to a native phase 1.
    Phase1Contribute {
        /// The phase-1 file you received.
        input: PathBuf,
        #[command(flatten)]
        who: Who,
        /// Where to write the phase-1 file with your contribution.
        #[arg(long)]
        out: PathBuf,
    },
    /// Prepare a native phase 1 for phase 2, once, after its last contribution: computes the
    /// Lagrange basis of the FFT domains the circuits need (group FFTs: minutes at 2^17), so that
    /// `init`, `verify` and `finalize` need none. (Prepare a snarkjs .ptau with `snarkjs
    /// powersoftau prepare phase2`.)
    Phase1Prepare {
        /// The phase-1 file, after its last contribution.
        input: PathBuf,
        /// Prepare the domain of 2^K points (repeat for several; `ceremony init` names the one a
        /// circuit needs); default: every domain, 2^1 to the phase 1's full power (about twice
        /// the work of the largest alone), as snarkjs does.
        #[arg(long = "domain-power", value_name = "K")]
        domain_powers: Vec<u32>,
        /// Where to write the prepared phase-1 file (the one every later step is given).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a phase 1 (a zkgov phase-1 file or a snarkjs .ptau): every point, the consistency
    /// of the powers and of its prepared Lagrange bases, and for zkgov files every contribution.
    Phase1Verify {
        /// The phase-1 file.
        phase1: PathBuf,
    },
    /// Start the phase 2 of one circuit from a prepared phase 1: derives the initial key from the
    /// circuit.
    Init {
        /// Which claim's circuit.
        #[arg(long, value_enum, default_value_t = CircuitKind::Compute)]
        circuit: CircuitKind,
        #[arg(long, value_parser = crate::cli::capacity, help = crate::cli::capacity_help(""))]
        capacity: u64,
        /// The prepared phase 1: a zkgov phase-1 file (`phase1-prepare`) or a snarkjs .ptau
        /// (`snarkjs powersoftau prepare phase2`).
        #[arg(long)]
        phase1: PathBuf,
        /// Where to write the ceremony file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Add your contribution: checks the transcript so far, multiplies delta by a fresh secret
    /// (never written anywhere), and signs the result.
    Contribute {
        /// The ceremony file you received.
        input: PathBuf,
        #[command(flatten)]
        who: Who,
        /// Where to write the ceremony file with your contribution.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a ceremony from scratch: phase 1, the initial key re-derived from the circuit, every
    /// contribution, and the current key. Shows each contributor's signing key: names are chosen
    /// by the contributors themselves, keys are what identify them.
    Verify {
        /// The ceremony file.
        ceremony: PathBuf,
        /// The phase 1 it started from.
        #[arg(long)]
        phase1: PathBuf,
        /// A contributor whose signature the transcript must carry, as `NAME=PUBLIC_KEY` (64 hex
        /// digits); repeat for each. A missing or mismatched one is an error naming it.
        #[arg(long = "require-contributor")]
        require_contributors: Vec<String>,
    },
    /// Verify the ceremony and write its key where `zkgov prove` and `zkgov verify` find it.
    Finalize {
        /// The ceremony file.
        ceremony: PathBuf,
        /// The phase 1 it started from.
        #[arg(long)]
        phase1: PathBuf,
        /// Key directory.
        #[arg(long, default_value = "zkgov-keys")]
        keys: PathBuf,
    },
}

/// Who contributes.
#[derive(Args, Debug)]
pub struct Who {
    /// Your name (or your institution's), as it will appear in the transcript.
    #[arg(long)]
    name: String,
    /// The state or jurisdiction you speak for.
    #[arg(long)]
    jurisdiction: Option<String>,
    /// Your ed25519 signing key file, of role ceremony-contributor (`zkgov attester-key --role
    /// ceremony-contributor --out FILE` makes one).
    #[arg(long)]
    signing_key: PathBuf,
}

/// Runs `write` (a ceremony, phase-1 or key file of up to gigabytes) under a spinner.
fn written<T, E>(
    path: &Path,
    json: bool,
    write: impl FnOnce() -> Result<T, E>,
) -> Result<T, CliError>
where
    CliError: From<E>,
{
    let step = Step::start(&format!("writing {}", path.display()), json);
    let out = write()?;
    step.done();
    Ok(out)
}

/// Reads a phase 1 (its points validated); the ceremony step that uses it checks it.
fn read_phase1(path: &Path, json: bool) -> Result<(Phase1, String), CliError> {
    let step = Step::start("reading phase 1", json);
    let (p1, sha) = Phase1::read(path)?;
    step.done();
    Ok((p1, sha))
}

/// "2^13, 2^17" or "none".
fn domains(powers: &[u32]) -> String {
    if powers.is_empty() {
        return "none".into();
    }
    let list: Vec<String> = powers.iter().map(|k| format!("2^{k}")).collect();
    list.join(", ")
}

/// What a verified phase 1 is worth, in plain words: a zkgov phase 1's contribution chain is
/// checked; a `.ptau`'s randomness is trusted by its hash.
fn phase1_trust(c: &VerifiedCeremony) -> String {
    match &c.phase1_contributors {
        Some(list) => format!(
            "zkgov phase 1 {}, its own contribution chain checked: {}",
            c.phase1_sha256,
            list.iter().map(ContributorKey::describe).collect::<Vec<_>>().join("; ")
        ),
        None => format!(
            "snarkjs .ptau {}: its randomness is TRUSTED BY THIS HASH; zkgov checked its points, not its contribution chain (check that with `snarkjs powersoftau verify`, and accept the hash only if you trust that ceremony)",
            c.phase1_sha256
        ),
    }
}

/// A verified ceremony's report, for `--json`.
fn report_output(r: &Report) -> CeremonyReport {
    let c = &r.ceremony;
    CeremonyReport {
        valid: true,
        circuit: r.circuit.clone(),
        capacity: r.capacity,
        constraints: r.constraints,
        domain: r.domain,
        key_id: c.key_id.clone(),
        contributors: c.contributors.clone(),
        transcript_hash: c.transcript_hash.clone(),
        phase1_sha256: c.phase1_sha256.clone(),
        phase1_contributors: c.phase1_contributors.clone(),
        phase1_trusted_by_hash: c.phase1_contributors.is_none(),
        phase1: phase1_trust(c),
    }
}

/// A verified ceremony's report, in words.
fn print_report(r: &Report, verb: &str) {
    let c = &r.ceremony;
    println!(
        "{verb}: {} at capacity {} ({} constraints), key {}, {} contribution(s), each checked:",
        r.circuit,
        r.capacity,
        r.constraints,
        c.key_id,
        c.contributors.len()
    );
    for (i, s) in c.contributors.iter().enumerate() {
        let who = match &s.jurisdiction {
            Some(j) => format!("{} ({j})", s.name),
            None => s.name.clone(),
        };
        println!("  {}. {who}: signing key {}", i + 1, s.public_key);
    }
    println!(
        "  names are chosen by the contributors; compare each signing key with one you know\n  phase 1: {}\n  transcript hash {}\n  the key is sound if one phase-1 and one phase-2 contributor kept their secrets",
        phase1_trust(c),
        c.transcript_hash
    );
}

/// Verifies each `(ceremony, phase 1)` pair from scratch, for `zkgov verify --ceremony`.
pub fn check_transcripts(
    pairs: &[(PathBuf, PathBuf)],
    json: bool,
) -> Result<Vec<VerifiedCeremony>, CliError> {
    pairs
        .iter()
        .map(|(ceremony, phase1)| {
            let (p1, sha) = read_phase1(phase1, json)?;
            let c = Ceremony::read(ceremony)?;
            let step = Step::start(
                &format!("checking the ceremony transcript {}", ceremony.display()),
                json,
            );
            let report = c.verify(&p1, &sha, &mut OsRng, &step)?;
            step.done();
            Ok(report.ceremony)
        })
        .collect()
}

/// Runs a `zkgov ceremony` command.
pub fn run(cmd: CeremonyCommand, json: bool) -> Result<ExitCode, CliError> {
    match cmd {
        CeremonyCommand::Phase1New { power, out } => {
            let p1 = Phase1::new(power)?;
            let sha = written(&out, json, || p1.write(&out))?;
            if json {
                json_output::print(&Phase1NewOutput {
                    phase1: out,
                    power,
                    sha256: sha,
                });
            } else {
                println!(
                    "wrote phase 1 with 2^{power} powers to {}\n  it needs at least one contribution (`zkgov ceremony phase1-contribute`) before use",
                    out.display()
                );
            }
        }
        CeremonyCommand::Phase1Contribute { input, who, out } => {
            let key = signing::read_secret(&who.signing_key, Role::CeremonyContributor)?;
            let step = Step::start("reading phase 1", json);
            let (mut p1, _) = Phase1::read(&input)?;
            step.done();
            let step = Step::start("checking phase 1 and contributing", json);
            let c = p1
                .contribute(&key, &who.name, who.jurisdiction.as_deref(), &mut OsRng)?
                .clone();
            let secs = step.done();
            let sha = written(&out, json, || p1.write(&out))?;
            if json {
                json_output::print(&Phase1ContributeOutput {
                    phase1: out,
                    contribution: c.index,
                    hash: c.hash,
                    sha256: sha,
                    seconds: secs,
                });
            } else {
                println!(
                    "added phase-1 {} in {secs:.1} s\n  hash {}\n  wrote {}",
                    c.contributor.step(c.index),
                    c.hash,
                    out.display()
                );
            }
        }
        CeremonyCommand::Phase1Prepare {
            input,
            domain_powers,
            out,
        } => {
            let (mut p1, _) = read_phase1(&input, json)?;
            let step = Step::start("checking phase 1 and preparing it", json);
            p1.verify(&mut OsRng)?;
            let wanted = if domain_powers.is_empty() {
                (1..=p1.header.power).collect()
            } else {
                domain_powers
            };
            p1.prepare(&wanted, &step)?;
            let secs = step.done();
            let sha = written(&out, json, || p1.write(&out))?;
            let prepared: Vec<u32> = p1.prepared.iter().map(|b| b.n().trailing_zeros()).collect();
            if json {
                json_output::print(&Phase1PrepareOutput {
                    phase1: out,
                    domain_powers: prepared,
                    sha256: sha,
                    seconds: secs,
                });
            } else {
                println!(
                    "prepared phase 1 in {secs:.1} s: Lagrange bases of the domains {}\n  wrote {}\n  sha256 {sha}\n  give this file to `zkgov ceremony init`, `verify` and `finalize`",
                    domains(&prepared),
                    out.display()
                );
            }
        }
        CeremonyCommand::Phase1Verify { phase1 } => {
            let step = Step::start("checking phase 1", json);
            let (p1, sha) = Phase1::read(&phase1)?;
            p1.verify(&mut OsRng)?;
            let prepared = p1.check_prepared(&mut OsRng)?;
            let secs = step.done();
            let source = match &p1.header.source {
                Source::Native => format!(
                    "zkgov phase 1, {} contribution(s), each checked: {}",
                    p1.header.contributions.len(),
                    p1.header
                        .contributions
                        .iter()
                        .map(|c| c.contributor.signer().describe())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                Source::SnarkjsPtau { file_power, .. } => format!(
                    "snarkjs .ptau of power {file_power}: points and powers checked; its randomness is TRUSTED BY ITS HASH (check its own contribution chain with `snarkjs powersoftau verify`)"
                ),
            };
            if json {
                json_output::print(&Phase1VerifyOutput {
                    valid: true,
                    power: p1.header.power,
                    sha256: sha,
                    trusted_by_hash: p1.header.source != Source::Native,
                    domain_powers: prepared,
                    source: p1.header.source,
                    contributors: p1
                        .header
                        .contributions
                        .iter()
                        .map(|c| c.contributor.signer())
                        .collect(),
                    seconds: secs,
                });
            } else {
                println!(
                    "phase 1 OK: 2^{} powers, {source}\n  Lagrange bases (checked) of the domains {}\n  sha256 {sha}",
                    p1.header.power,
                    domains(&prepared)
                );
            }
        }
        CeremonyCommand::Init {
            circuit,
            capacity,
            phase1,
            out,
        } => {
            let (p1, sha) = read_phase1(&phase1, json)?;
            let step = Step::start("starting the ceremony", json);
            let c = Ceremony::init(
                circuit.circuit().id(),
                capacity,
                &p1,
                &sha,
                &mut OsRng,
                &step,
            )?;
            let secs = step.done();
            let file_sha = written(&out, json, || c.write(&out))?;
            if json {
                json_output::print(&CeremonyInitOutput {
                    ceremony: out,
                    circuit: circuit.circuit().id().into(),
                    capacity,
                    initial_key_sha256: c.header.initial_key_sha256,
                    sha256: file_sha,
                    seconds: secs,
                });
            } else {
                println!(
                    "started the ceremony for {} at capacity {capacity} in {secs:.1} s\n  wrote {}\n  next: each state runs `zkgov ceremony contribute` on the latest file",
                    circuit.circuit().id(),
                    out.display()
                );
            }
        }
        CeremonyCommand::Contribute { input, who, out } => {
            let key = signing::read_secret(&who.signing_key, Role::CeremonyContributor)?;
            let step = Step::start("reading the ceremony file", json);
            let mut c = Ceremony::read(&input)?;
            step.done();
            let step = Step::start("checking the transcript and contributing", json);
            let made = c
                .contribute(&key, &who.name, who.jurisdiction.as_deref(), &mut OsRng)?
                .clone();
            let secs = step.done();
            let sha = written(&out, json, || c.write(&out))?;
            if json {
                json_output::print(&CeremonyContributeOutput {
                    ceremony: out,
                    contribution: made.index,
                    hash: made.hash,
                    sha256: sha,
                    seconds: secs,
                });
            } else {
                println!(
                    "added {} in {secs:.1} s\n  contribution hash {} (signed with your key)\n  wrote {}",
                    made.contributor.step(made.index),
                    made.hash,
                    out.display()
                );
            }
        }
        CeremonyCommand::Verify {
            ceremony,
            phase1,
            require_contributors,
        } => {
            let required = require_contributors
                .iter()
                .map(|a| RequiredContributor::parse_arg(a))
                .collect::<Result<Vec<_>, _>>()?;
            let (p1, sha) = read_phase1(&phase1, json)?;
            let step = Step::start("reading the ceremony file", json);
            let c = Ceremony::read(&ceremony)?;
            step.done();
            let step = Step::start("verifying the ceremony", json);
            let report = c.verify(&p1, &sha, &mut OsRng, &step)?;
            let secs = step.done();
            report
                .ceremony
                .check_contributors(&required)
                .map_err(|e| CeremonyError::step("required contributors", e))?;
            if json {
                json_output::print(&CeremonyVerifyOutput {
                    report: report_output(&report),
                    seconds: secs,
                });
            } else {
                print_report(&report, "ceremony OK");
            }
        }
        CeremonyCommand::Finalize {
            ceremony,
            phase1,
            keys: dir,
        } => {
            let (p1, sha) = read_phase1(&phase1, json)?;
            let step = Step::start("reading the ceremony file", json);
            let c = Ceremony::read(&ceremony)?;
            step.done();
            let step = Step::start("verifying the ceremony", json);
            let (pk, report) = c.finalize(&p1, &sha, &mut OsRng, &step)?;
            step.done();
            let pair = keys::key_pair(
                pk,
                &c.header.circuit,
                c.header.capacity,
                SetupKind::Ceremony,
            )?;
            let id = written(&dir, json, || keys::write(&dir, &pair))?;
            if json {
                json_output::print(&CeremonyFinalizeOutput {
                    report: CeremonyReport {
                        key_id: id,
                        ..report_output(&report)
                    },
                    keys: dir,
                    setup: SetupKind::Ceremony,
                });
            } else {
                print_report(&report, "ceremony finalized");
                println!(
                    "  wrote key {id} to {}\n  a key file's setup label is only a claim: a verifier relies on this key once it pins the key ID, or checks this transcript (`zkgov verify --ceremony FILE --phase1 FILE`)",
                    dir.display()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
