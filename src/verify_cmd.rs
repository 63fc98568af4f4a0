//! `zkgov verify` (bundles, batch verification, per-jurisdiction verdicts) and `zkgov policy check`.

use crate::{
    error::CliError,
    json_output::{
        self, CheckedPolicy, ClaimOutcome, InvalidClaim, PolicyCheckOutput, ValidClaim,
        VerifiedBundle, VerifyReport,
    },
    output::short,
};
use std::{path::PathBuf, process::ExitCode};
use zkgov_policy::{
    session::{BundleReport, Report},
    ExitClass, Policy, VerifyRequest,
};

/// `zkgov verify`: the library's decision ([`zkgov_policy::verify`]), printed.
///
/// With `registry`, each readable bundle must also be published there, as each policy with a
/// `[registry]` section requires ([`zkgov_registry::client::check_publications`]); publication not
/// shown turns an accepted session into "not shown" (exit 3).
pub fn verify(
    request: VerifyRequest,
    registry: Option<&str>,
    json: bool,
) -> Result<ExitCode, CliError> {
    let with_policies = !request.policies.is_empty();
    let policies = match registry {
        Some(_) => request
            .policies
            .iter()
            .map(|p| Policy::read(p))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let report = zkgov_policy::verify(request)?;
    let mut publications = Vec::new();
    if let Some(url) = registry {
        for b in &report.bundles {
            if b.unreadable.is_some() {
                publications.push(Vec::new());
                continue;
            }
            let bytes = zkgov_spec::files::read_bounded(
                &b.path,
                zkgov_spec::bundle::MAX_BUNDLE_BYTES,
                "bundle",
            )?;
            publications.push(
                zkgov_registry::client::check_publications(url, bytes.as_bytes(), &policies)
                    .map_err(|e| CliError::input("--registry", e.to_string()))?,
            );
        }
    }
    let mut class = report.exit_class();
    if class == ExitClass::Accepted && publications.iter().flatten().any(|p| !p.published) {
        class = ExitClass::NotShown;
    }
    if json {
        json_output::print(&report_json(&report, class, publications));
    } else {
        for (i, b) in report.bundles.iter().enumerate() {
            print_bundle(b);
            for p in publications.get(i).into_iter().flatten() {
                println!("\n  Registry ({}): {}", p.policy_id, p.summary);
            }
        }
        if report.claims_checked > 1 {
            println!(
                "{} claims checked in one batch in {:.1} ms.",
                report.claims_checked,
                report.verify_seconds * 1e3
            );
        }
        if with_policies {
            println!("Exit code {}: {}", class.code(), class.describe(true));
        }
    }
    Ok(ExitCode::from(class.code()))
}

/// The `--json` report.
fn report_json(
    report: &Report,
    class: ExitClass,
    publications: Vec<Vec<zkgov_registry::client::PolicyPublication>>,
) -> VerifyReport {
    let mut publications = publications.into_iter();
    let bundles = report
        .bundles
        .iter()
        .map(|b| VerifiedBundle {
            publications: publications.next().unwrap_or_default(),
            bundle: b.path.clone(),
            readable: b.unreadable.is_none(),
            error: b.unreadable.as_ref().map(|e| e.to_string()),
            all_valid: b.all_valid(),
            claims: b
                .claims
                .iter()
                .map(|c| match &c.result {
                    Ok(v) => ClaimOutcome::Valid(ValidClaim {
                        claim: c.number,
                        valid: true,
                        statement: v.statement.describe(),
                        key_id: v.key.id.clone(),
                        setup_claim: v.key.setup,
                        ceremony: v.key.ceremony.clone(),
                        provenance: v.key.provenance(),
                        test_only_key: v.keys().any(|k| k.ceremony.is_none()),
                        shard_key_id: v.shard_key.as_ref().map(|k| k.id.clone()),
                    }),
                    Err(e) => ClaimOutcome::Invalid(InvalidClaim {
                        claim: c.number,
                        valid: false,
                        error: e.to_string(),
                        key_id: c.key_id.clone(),
                    }),
                })
                .collect(),
            verdicts: b.verdicts.clone(),
        })
        .collect();
    VerifyReport {
        all_valid: report.all_valid(),
        all_compliant: report.all_compliant(),
        exit_class: class,
        exit_code: class.code(),
        claims_checked: report.claims_checked,
        verify_seconds: report.verify_seconds,
        bundles,
    }
}

fn print_bundle(b: &BundleReport) {
    if let Some(e) = &b.unreadable {
        println!("Bundle {}: UNREADABLE: {e}", b.path.display());
        println!("Verdict: NOT ACCEPTED. The bundle cannot be read; do not rely on it.");
        return;
    }
    println!("Bundle {}: {} claim(s)", b.path.display(), b.claims.len());
    for c in &b.claims {
        match &c.result {
            Ok(v) => {
                println!("  [{}] VALID: {}", c.number, v.statement.describe());
                println!("      key {} ({})", short(&v.key.id), v.key.provenance());
                if let Some(k) = &v.shard_key {
                    println!("      shard key {} ({})", short(&k.id), k.provenance());
                }
            }
            Err(e) => println!("  [{}] INVALID: {e}", c.number),
        }
    }
    let verdicts = &b.verdicts;
    if b.all_valid() {
        println!("Verdict: every claim is proven. The developer has shown these statements without revealing the records behind them.");
    } else {
        println!(
            "Verdict: NOT ACCEPTED. At least one claim is not proven; do not rely on this bundle."
        );
    }
    if verdicts.is_empty() {
        return;
    }
    let w_j = verdicts
        .iter()
        .map(|v| v.jurisdiction.len())
        .max()
        .unwrap_or(0)
        .max(12);
    let w_p = verdicts
        .iter()
        .map(|v| v.policy_id.len())
        .max()
        .unwrap_or(0)
        .max(6);
    println!("\n  {:w_j$}  {:w_p$}  verdict", "jurisdiction", "policy");
    for v in verdicts {
        println!(
            "  {:w_j$}  {:w_p$}  {}{}",
            v.jurisdiction,
            v.policy_id,
            v.outcome.label(),
            if v.example { " (example policy)" } else { "" }
        );
    }
    for v in verdicts {
        println!(
            "\n  {} ({}): {}",
            v.policy_id,
            v.jurisdiction,
            v.outcome.label()
        );
        println!("    {}", v.summary);
        for r in &v.requirements {
            println!(
                "    - {}{}: {}",
                r.requirement,
                if r.required { "" } else { " (optional)" },
                r.reason
            );
        }
        for n in &v.notes {
            println!("    note: {n}");
        }
        println!("    legal source: {}", v.legal_source);
    }
}

/// `zkgov policy check`.
pub fn policy_check(files: &[PathBuf], json: bool) -> Result<ExitCode, CliError> {
    let policies = files
        .iter()
        .map(|p| Policy::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    if json {
        let policies = files
            .iter()
            .zip(&policies)
            .map(|(f, p)| CheckedPolicy {
                file: f.clone(),
                id: p.id.clone(),
                jurisdiction: p.jurisdiction.clone(),
                example: p.example,
                summary: p.describe(),
            })
            .collect();
        json_output::print(&PolicyCheckOutput {
            valid: true,
            policies,
        });
    } else {
        for (f, p) in files.iter().zip(&policies) {
            println!("{}: OK\n  {}", f.display(), p.describe());
        }
    }
    Ok(ExitCode::SUCCESS)
}
