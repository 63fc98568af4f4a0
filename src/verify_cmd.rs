//! `zkgov verify` (bundles, batch verification, per-jurisdiction verdicts) and `zkgov policy check`.

use crate::output::short;
use serde_json::json;
use std::{path::PathBuf, process::ExitCode};
use zkgov_prover::ProveError;
use zkgov_verifier::{
    bundle::{Bundle, Claim},
    keys::{KeyStore, VerifiedCeremony},
    num::bytes_from_hex,
    policy::Policy,
    verdict::{evaluate, Outcome, PolicyVerdict},
    verify::{check_attester, verify_claims, VerifiedClaim},
    VerifyError,
};

/// Exit code when every claim is valid but some policy's requirements are not shown.
pub const EXIT_NOT_SHOWN: u8 = 3;

/// `zkgov verify`.
///
/// Eval claims also need a trusted evaluator: the `--trusted-attester` keys when given, or, with
/// policies and no such keys, each policy's own attesters (checked in its verdict).
pub fn verify(
    bundle_paths: &[PathBuf],
    keys: &std::path::Path,
    trusted_attesters: &[String],
    policy_paths: &[PathBuf],
    nonce: Option<&str>,
    ceremonies: Vec<VerifiedCeremony>,
    json: bool,
) -> Result<ExitCode, ProveError> {
    // Read everything first: a bad file is one error line, before any verification.
    let bundles = bundle_paths
        .iter()
        .map(|p| Bundle::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut policies = policy_paths
        .iter()
        .map(|p| Policy::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(n) = nonce {
        if n.is_empty() || n.len() > 64 || n.len() % 2 != 0 {
            return Err(VerifyError::bad_value(
                "--nonce",
                "expected 1 to 32 bytes of lower-case hex",
            )
            .into());
        }
        bytes_from_hex("--nonce", n, n.len() / 2)?;
        for p in &mut policies {
            p.nonce = Some(n.to_string());
        }
    }
    // Every claim of every bundle, in one batch.
    let store = KeyStore::new(keys).with_ceremonies(ceremonies);
    let all: Vec<&Claim> = bundles.iter().flat_map(|b| &b.claims).collect();
    let started = std::time::Instant::now();
    let apply_trust = !trusted_attesters.is_empty() || policies.is_empty();
    let mut results = verify_claims(&all, &store).into_iter().map(|r| {
        if apply_trust {
            r.and_then(|v| check_attester(&v.statement, trusted_attesters).map(|_| v))
        } else {
            r
        }
    });
    let secs = started.elapsed().as_secs_f64();
    let per_bundle: Vec<Vec<Result<VerifiedClaim, VerifyError>>> = bundles
        .iter()
        .map(|b| results.by_ref().take(b.claims.len()).collect())
        .collect();
    let verdicts: Vec<Vec<PolicyVerdict>> = bundles
        .iter()
        .zip(&per_bundle)
        .map(|(b, r)| policies.iter().map(|p| evaluate(p, &b.claims, r)).collect())
        .collect();
    let all_valid = per_bundle.iter().flatten().all(|r| r.is_ok());
    let all_compliant = verdicts
        .iter()
        .flatten()
        .all(|v| v.outcome == Outcome::Compliant);
    let code = if !all_valid {
        1
    } else if !all_compliant {
        EXIT_NOT_SHOWN
    } else {
        0
    };
    if json {
        let out: Vec<_> = bundle_paths
            .iter()
            .zip(&bundles)
            .zip(per_bundle.iter().zip(&verdicts))
            .map(|((path, b), (results, verdicts))| {
                let claims: Vec<_> = results
                    .iter()
                    .zip(&b.claims)
                    .enumerate()
                    .map(|(i, (r, c))| match r {
                        Ok(v) => json!({ "index": i, "valid": true, "claim": v.statement.describe(),
                            "key_id": v.key.id, "setup_claim": v.key.setup,
                            "ceremony": v.key.ceremony, "provenance": v.key.provenance(),
                            "test_only_key": v.key.ceremony.is_none() }),
                        Err(e) => json!({ "index": i, "valid": false, "error": e.to_string(), "key_id": c.key_id }),
                    })
                    .collect();
                json!({ "bundle": path, "all_valid": results.iter().all(|r| r.is_ok()),
                        "claims": claims, "verdicts": verdicts })
            })
            .collect();
        println!(
            "{}",
            json!({ "all_valid": all_valid, "all_compliant": all_compliant, "exit_code": code,
                    "claims_checked": all.len(), "verify_seconds": secs, "bundles": out })
        );
    } else {
        for ((path, b), (results, verdicts)) in bundle_paths
            .iter()
            .zip(&bundles)
            .zip(per_bundle.iter().zip(&verdicts))
        {
            print_bundle(path, b, results, verdicts);
        }
        if all.len() > 1 {
            println!(
                "{} claims checked in one batch in {:.1} ms.",
                all.len(),
                secs * 1e3
            );
        }
        if !policies.is_empty() {
            println!(
                "Exit code {code}: {}",
                match code {
                    0 => "compliant under every policy",
                    1 => "some claim is invalid",
                    _ => "every proof is valid, but compliance is not shown under some policy",
                }
            );
        }
    }
    Ok(ExitCode::from(code))
}

fn print_bundle(
    path: &std::path::Path,
    b: &Bundle,
    results: &[Result<VerifiedClaim, VerifyError>],
    verdicts: &[PolicyVerdict],
) {
    println!("Bundle {}: {} claim(s)", path.display(), b.claims.len());
    for (i, r) in results.iter().enumerate() {
        match r {
            Ok(v) => {
                println!("  [{}] VALID: {}", i + 1, v.statement.describe());
                println!("      key {} ({})", short(&v.key.id), v.key.provenance());
            }
            Err(e) => println!("  [{}] INVALID: {e}", i + 1),
        }
    }
    if results.iter().all(|r| r.is_ok()) {
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
pub fn policy_check(files: &[PathBuf], json: bool) -> Result<ExitCode, ProveError> {
    let policies = files
        .iter()
        .map(|p| Policy::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    if json {
        let out: Vec<_> = files
            .iter()
            .zip(&policies)
            .map(|(f, p)| {
                json!({ "file": f, "id": p.id, "jurisdiction": p.jurisdiction,
                "example": p.example, "summary": p.describe() })
            })
            .collect();
        println!("{}", json!({ "valid": true, "policies": out }));
    } else {
        for (f, p) in files.iter().zip(&policies) {
            println!("{}: OK\n  {}", f.display(), p.describe());
        }
    }
    Ok(ExitCode::SUCCESS)
}
