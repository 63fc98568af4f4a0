//! The whole `zkgov verify` decision as one library call.
//!
//! [`verify`] reads every bundle and policy, applies a request nonce, verifies every claim of every
//! bundle in one batch, applies the regulator's trust in evaluators, judges each bundle under each
//! policy and derives the exit class. A bundle that cannot be read does not hide the others: it is
//! reported as unreadable (and the exit class is invalid) while the rest are verified. When no
//! bundle can be read, the first one's error is the session's error.
//!
//! Trust in evaluators: eval claims need a trusted evaluator. With `trusted_attesters` given, each
//! eval claim's evaluator must be one of them (a claim that fails this is invalid). Without them
//! and with policies, each policy checks its own attesters in its verdict; without either, no
//! evaluator is trusted.

use crate::{
    policy_file::Policy,
    verdict::{evaluate, Outcome, PolicyVerdict},
    PolicyError,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use zkgov_spec::{bundle::Bundle, encoding::bytes_from_hex, SpecError};
use zkgov_verifier::{
    groth16::check_attester,
    keys::{KeyStore, VerifiedCeremony},
    VerifiedClaim, Verifier, VerifyError,
};

/// What the regulator asks: the bundles, its trusted keys and evaluators, its policies, and
/// optionally the nonce of a fresh-proof request (it replaces every policy's own nonce).
#[derive(Debug)]
pub struct VerifyRequest<'a> {
    /// The bundle files.
    pub bundles: &'a [PathBuf],
    /// The trusted verifying-key directory.
    pub keys: &'a Path,
    /// Trusted evaluator keys (hex ed25519).
    pub trusted_attesters: &'a [String],
    /// The policy files.
    pub policies: &'a [PathBuf],
    /// The request nonce (1 to 32 bytes of lower-case hex).
    pub nonce: Option<&'a str>,
    /// Ceremony transcripts the regulator checked, for the keys they produced.
    pub ceremonies: Vec<VerifiedCeremony>,
}

/// How `zkgov verify` ends: its exit code, one class per meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ExitClass {
    /// Every claim is valid and, with policies, every verdict is compliant (exit 0).
    Accepted,
    /// Some claim is invalid or some bundle unreadable: do not rely on it (exit 1).
    Invalid,
    /// Every claim is valid, but some policy's requirements are not shown (exit 3).
    NotShown,
}

impl ExitClass {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitClass::Accepted => 0,
            ExitClass::Invalid => 1,
            ExitClass::NotShown => 3,
        }
    }

    /// The exit class in words.
    pub fn describe(self, with_policies: bool) -> &'static str {
        match (self, with_policies) {
            (ExitClass::Accepted, true) => "compliant under every policy",
            (ExitClass::Accepted, false) => "every claim is proven",
            (ExitClass::Invalid, _) => "some claim is invalid",
            (ExitClass::NotShown, _) => {
                "every proof is valid, but compliance is not shown under some policy"
            }
        }
    }
}

/// One claim's result.
#[derive(Debug)]
pub struct ClaimResult {
    /// Its number in the bundle, from 1 (as `--claim` and the text output count).
    pub number: usize,
    /// The key ID the claim names.
    pub key_id: String,
    /// The verified claim, or why it is invalid.
    pub result: Result<VerifiedClaim, VerifyError>,
}

/// One bundle's results.
#[derive(Debug)]
pub struct BundleReport {
    /// The bundle file.
    pub path: PathBuf,
    /// Why the bundle could not be read, if it could not (then it has no claims or verdicts).
    pub unreadable: Option<SpecError>,
    /// Per claim, in order.
    pub claims: Vec<ClaimResult>,
    /// Per policy, in the order given.
    pub verdicts: Vec<PolicyVerdict>,
}

impl BundleReport {
    /// Whether the bundle was read and every claim verified.
    pub fn all_valid(&self) -> bool {
        self.unreadable.is_none() && self.claims.iter().all(|c| c.result.is_ok())
    }
}

/// The whole decision.
#[derive(Debug)]
pub struct Report {
    /// Per bundle, in the order given.
    pub bundles: Vec<BundleReport>,
    /// The policies' ids, in the order given.
    pub policy_ids: Vec<String>,
    /// How many claims were checked in the batch.
    pub claims_checked: usize,
    /// Wall-clock seconds of the batch verification.
    pub verify_seconds: f64,
}

impl Report {
    /// Whether every bundle was read and every claim verified.
    pub fn all_valid(&self) -> bool {
        self.bundles.iter().all(BundleReport::all_valid)
    }

    /// With policies: whether every claim is valid and every verdict compliant. Without policies,
    /// compliance is not judged (`None`).
    pub fn all_compliant(&self) -> Option<bool> {
        (!self.policy_ids.is_empty()).then(|| {
            self.all_valid()
                && self
                    .bundles
                    .iter()
                    .flat_map(|b| &b.verdicts)
                    .all(|v| v.outcome == Outcome::Compliant)
        })
    }

    /// The exit class.
    pub fn exit_class(&self) -> ExitClass {
        match (self.all_valid(), self.all_compliant()) {
            (false, _) => ExitClass::Invalid,
            (true, Some(false)) => ExitClass::NotShown,
            (true, _) => ExitClass::Accepted,
        }
    }
}

/// Checks a request nonce: 1 to 32 bytes of lower-case hex.
fn check_nonce(nonce: &str) -> Result<(), SpecError> {
    if nonce.is_empty() || nonce.len() > 64 || !nonce.len().is_multiple_of(2) {
        return Err(SpecError::bad_value(
            "--nonce",
            "expected 1 to 32 bytes of lower-case hex",
        ));
    }
    bytes_from_hex("--nonce", nonce, nonce.len() / 2).map(|_| ())
}

/// Runs `zkgov verify`'s decision. Errors are what stops the whole session (a policy file that does
/// not parse, a bad nonce, a missing key directory); everything about a bundle is in the report.
pub fn verify(request: VerifyRequest) -> Result<Report, PolicyError> {
    let mut policies = request
        .policies
        .iter()
        .map(|p| Policy::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(n) = request.nonce {
        check_nonce(n)?;
        for p in &mut policies {
            p.nonce = Some(n.to_string());
        }
    }
    let mut read: Vec<Result<Bundle, SpecError>> =
        request.bundles.iter().map(|p| Bundle::read(p)).collect();
    // With nothing readable there is nothing to report beside the error: it is the answer.
    if !read.is_empty() && read.iter().all(Result::is_err) {
        if let Err(e) = read.swap_remove(0) {
            return Err(e.into());
        }
    }
    if !request.keys.is_dir() {
        return Err(VerifyError::NoKeyDirectory {
            dir: request.keys.display().to_string(),
        }
        .into());
    }
    let store = KeyStore::new(request.keys).with_ceremonies(request.ceremonies);
    let bundles = request.bundles.iter().cloned().zip(read).collect();
    Ok(verify_read(
        &policies,
        bundles,
        &store,
        request.trusted_attesters,
    ))
}

/// The decision over bundles already read (or that failed to read), each named by a path or
/// label: what [`verify`] does after reading files, and what a service holding bundles in memory
/// calls directly. Policies are as parsed (with any request nonce applied).
pub fn verify_read(
    policies: &[Policy],
    read: Vec<(PathBuf, Result<Bundle, SpecError>)>,
    store: &KeyStore,
    trusted_attesters: &[String],
) -> Report {
    let mut verifier = Verifier::new(store);
    for (_, b) in &read {
        if let Ok(b) = b {
            b.claims.iter().for_each(|c| verifier.queue(c));
        }
    }
    let claims_checked = read
        .iter()
        .filter_map(|(_, b)| b.as_ref().ok())
        .map(|b| b.claims.len())
        .sum();
    let started = std::time::Instant::now();
    let apply_trust = !trusted_attesters.is_empty() || policies.is_empty();
    let mut results = verifier.verify().into_iter().map(|r| {
        if apply_trust {
            r.and_then(|v| check_attester(&v.statement, trusted_attesters).map(|_| v))
        } else {
            r
        }
    });
    let verify_seconds = started.elapsed().as_secs_f64();
    let bundles = read
        .into_iter()
        .map(|(path, bundle)| match bundle {
            Err(e) => BundleReport {
                path,
                unreadable: Some(e),
                claims: Vec::new(),
                verdicts: Vec::new(),
            },
            Ok(b) => {
                let results: Vec<_> = results.by_ref().take(b.claims.len()).collect();
                let verdicts = policies
                    .iter()
                    .map(|p| evaluate(p, &b.claims, &results))
                    .collect();
                let claims = b
                    .claims
                    .iter()
                    .zip(results)
                    .enumerate()
                    .map(|(i, (c, result))| ClaimResult {
                        number: i + 1,
                        key_id: c.key_id.clone(),
                        result,
                    })
                    .collect();
                BundleReport {
                    path,
                    unreadable: None,
                    claims,
                    verdicts,
                }
            }
        })
        .collect();
    Report {
        bundles,
        policy_ids: policies.iter().map(|p| p.id.clone()).collect(),
        claims_checked,
        verify_seconds,
    }
}
