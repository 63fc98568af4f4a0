//! Verdicts: what one bundle shows under one jurisdiction's policy.
//!
//! The bundle is verified once; each policy then reads the verified statements against its own
//! rules. A verdict is one of:
//!
//! - **compliant**: every required claim of the policy is shown by a valid claim of the bundle;
//! - **not shown**: the proofs the policy relies on are valid, but they do not show what the policy
//!   requires (a threshold above the policy's, another epoch or policy id, a nonce other than the
//!   one requested, a peak table below the policy's or with a row it does not count, a key the
//!   policy does not accept, or no claim of the kind). The developer has not been caught lying;
//!   it has to prove something else.
//! - **invalid**: a claim addressed to this policy (of a kind it requires, made under a policy id
//!   it recognizes) fails verification: a broken or forged proof, or a statement or key that does
//!   not check. Do not rely on the bundle.
//!
//! A claim addressed to another policy that fails is reported in the verdict's notes (and makes
//! `zkgov verify` exit 1) without changing this policy's outcome: Groth16 claims are independent.
//!
//! Anti-replay: the context (policy id, epoch, nonce) is a public input, so a proof cannot be
//! moved to another context without failing verification. A valid proof made for another context
//! is "not shown", with the mismatch named: it proves a true statement, but not the one asked for.
//!
//! Mutual recognition ([`crate::policy_file::establishes`]): a proof that compute is at most T shows
//! compliance under every policy whose ceiling is at least T, and (for floors) a proof of at
//! least F shows every floor at most F. A policy lists the context policy ids it recognizes.

use zkgov_spec::{
    accelerator::canonical_accelerator,
    bundle::{Claim, Statement},
    statement::{sci, ComputeInputs, Context, EvalInputs},
};

use crate::policy_file::{
    establishes, Bound, Comparison, ComputeRule, EvalRule, Policy, Requirement,
};
use zkgov_verifier::VerifyError;

use serde::Serialize;
use zkgov_verifier::{
    groth16::{ParsedStatement, VerifiedClaim},
    keys::{SetupKind, TrustedKey, VerifiedCeremony},
};

/// The outcome of a policy's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every required claim is shown.
    Compliant,
    /// Proofs are valid, but some required claim is not shown.
    NotShown,
    /// A claim this policy relies on failed verification.
    Invalid,
}

impl Outcome {
    /// Upper-case label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Compliant => "COMPLIANT",
            Outcome::NotShown => "NOT SHOWN",
            Outcome::Invalid => "INVALID",
        }
    }
}

/// What the bundle shows for one of the policy's requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RequirementVerdict {
    /// The requirement in plain words.
    pub requirement: String,
    /// Whether the verdict depends on it.
    pub required: bool,
    /// The claim (1-based) that shows it, if any.
    pub shown_by: Option<usize>,
    /// Why it is or is not shown, in plain words.
    pub reason: String,
}

/// One policy's verdict on one bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PolicyVerdict {
    /// The policy's id.
    pub policy_id: String,
    /// Its jurisdiction.
    pub jurisdiction: String,
    /// Whether the policy is an example.
    pub example: bool,
    /// Its legal source.
    pub legal_source: String,
    /// The outcome.
    pub outcome: Outcome,
    /// One sentence a regulator can act on.
    pub summary: String,
    /// Per requirement.
    pub requirements: Vec<RequirementVerdict>,
    /// Anything else the regulator should know (test keys, failing claims addressed elsewhere).
    pub notes: Vec<String>,
}

/// The kind and context a claim states, read without verifying anything. One arm per kind.
fn kind_and_context(s: &Statement) -> (&'static str, &Context) {
    match s {
        Statement::Compute(c) => ("training-compute", &c.context),
        Statement::Eval(e) => ("eval-red-line", &e.context),
        // A sharded compute claim is a compute claim about one ledger: it answers the same
        // requirement.
        Statement::ShardedCompute(s) => ("training-compute", &s.context),
    }
}

/// Context and key rules shared by every kind.
fn check_context_and_key(policy: &Policy, ctx: &Context, v: &VerifiedClaim) -> Result<(), String> {
    if !policy.recognizes(&ctx.policy_id) {
        return Err(format!(
            "it was made under policy {:?}, which this policy does not recognize (it accepts {})",
            ctx.policy_id,
            policy.recognized_policy_ids.join(", ")
        ));
    }
    if !policy.epochs.contains(&ctx.epoch) {
        let e: Vec<String> = policy.epochs.iter().map(|e| e.to_string()).collect();
        return Err(format!(
            "it is for reporting epoch {}, but this policy asks about epoch {}",
            ctx.epoch,
            e.join(" or ")
        ));
    }
    if let Some(want) = &policy.nonce {
        match &ctx.nonce {
            Some(n) if n == want => {}
            Some(n) => {
                return Err(format!(
                    "it answers request nonce {n}, not this request's nonce {want} (a proof made for another request)"
                ))
            }
            None => {
                return Err(format!(
                    "it carries no nonce, but this request requires a fresh proof bound to nonce {want}"
                ))
            }
        }
    }
    for key in v.keys() {
        if let Some(accepted) = &policy.accepted_keys {
            if !accepted.contains(&key.id) {
                return Err(format!(
                    "it was proved with key {}, which this policy does not accept",
                    &key.id[..12]
                ));
            }
        }
        if !policy.allow_test_keys {
            if let Err(why) = ceremony_standing(policy, key) {
                return Err(format!(
                    "it was proved with key {}, {why}; this policy accepts ceremony keys only",
                    &key.id[..12]
                ));
            }
        }
    }
    Ok(())
}

/// May `policy` rely on `key` as a ceremony key? `Ok` says why; `Err` why it counts as a test key.
/// What the key file says is a claim: only the policy's own pin (with a file claiming a ceremony)
/// or a checked transcript that meets the policy's rules make it a ceremony key.
fn ceremony_standing(policy: &Policy, key: &TrustedKey) -> Result<String, String> {
    let pinned = policy
        .accepted_keys
        .as_ref()
        .is_some_and(|a| a.contains(&key.id));
    if pinned && key.setup == SetupKind::Ceremony {
        return Ok("its key ID is pinned by this policy".into());
    }
    match (&key.ceremony, key.setup) {
        (Some(c), _) => ceremony_meets(policy, c),
        (None, SetupKind::SingleParty) => Err(
            "a single-party TEST key that whoever ran the setup could forge with".into(),
        ),
        (None, SetupKind::Ceremony) => Err(
            "whose file claims a multi-party ceremony that was not verified (the label is a claim: pin the key ID in [keys] accepted, or check its transcript with `zkgov verify --ceremony FILE --phase1 FILE`)".into(),
        ),
    }
}

/// Does a checked ceremony meet the policy's rules? The key is sound only if some phase-1 and
/// some phase-2 contributor was honest, so the policy must know at least one contributor (by
/// key), find every contributor it requires in phase 2, and trust phase 1: by its hash, or because
/// phase 1's own checked chain includes a contributor it requires.
fn ceremony_meets(policy: &Policy, c: &VerifiedCeremony) -> Result<String, String> {
    let required = &policy.required_contributors;
    if required.is_empty() {
        return Err("whose ceremony transcript verifies, but this policy names no [[keys.required_contributors]], so nothing shows that anyone it trusts contributed".into());
    }
    c.check_contributors(required)
        .map_err(|e| format!("whose ceremony transcript verifies, but {e}"))?;
    if !policy.accepted_phase1_sha256.contains(&c.phase1_sha256) && !c.phase1_includes_any(required)
    {
        return Err(format!(
            "whose ceremony started from phase 1 {}…, which this policy neither lists in keys.accepted_phase1_sha256 nor saw contributed to by a required contributor{}",
            &c.phase1_sha256[..12.min(c.phase1_sha256.len())],
            if c.phase1_contributors.is_none() { " (a .ptau is trusted by its hash only)" } else { "" }
        ));
    }
    Ok(format!(
        "its ceremony transcript verifies and includes {}",
        required
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Does the claim's peak table count compute at least as the policy does? Both tables must list
/// the same accelerators, and each claim row's peak must be at least the policy's. `Err` names the
/// row that fails.
pub fn check_peak_table(policy: &Policy, c: &ComputeInputs) -> Result<(), String> {
    // Peaks: every accelerator class the policy counts must be in the claim's table, at a peak at
    // least the policy's; otherwise the proved total may be below the policy's way of counting.
    // Names are compared as accelerators (case and aliases folded), never as strings.
    for (name, peak) in &policy.accelerators {
        let accelerator = canonical_accelerator(name);
        match c
            .names
            .iter()
            .position(|n| canonical_accelerator(n) == accelerator)
        {
            None => {
                return Err(format!(
                    "its peak table has no {name} row, which this policy counts at {} FLOP/s: compute on {name} may not have been counted the policy's way",
                    sci(*peak as u128)
                ))
            }
            Some(i) if c.peaks[i] < *peak => {
                return Err(format!(
                    "it counts {name} at {} FLOP/s, below this policy's {} FLOP/s, so its total may understate compute as this policy counts it",
                    sci(c.peaks[i] as u128),
                    sci(*peak as u128)
                ))
            }
            Some(_) => {}
        }
    }
    // And every row of the claim's table must be an accelerator the policy counts (its peak was
    // compared above): a row the policy does not know may carry any peak, and records filed under
    // it would be counted at that peak.
    for row in &c.names {
        let accelerator = canonical_accelerator(row);
        if !policy
            .accelerators
            .iter()
            .any(|(n, _)| canonical_accelerator(n) == accelerator)
        {
            return Err(format!(
                "its peak table has a row {row:?}, an accelerator this policy does not count: records filed under it were counted at a peak this policy never set"
            ));
        }
    }
    Ok(())
}

/// Who vouches for the ledger's completeness, in plain words; `Err` when the rule requires a
/// trusted provider's attestation and the claim has none. The signature itself was checked when
/// the statement was parsed.
fn ledger_vouched(
    policy: &Policy,
    rule: &ComputeRule,
    c: &ComputeInputs,
) -> Result<String, String> {
    let Some(a) = &c.ledger_attestation else {
        let words = "ledger not attested by any compute provider: the developer alone vouches for its completeness";
        return if rule.require_provider_attestation {
            Err(format!(
                "its {words}, and this policy requires a trusted provider's attestation"
            ))
        } else {
            Ok(words.to_string())
        };
    };
    match policy
        .providers
        .iter()
        .find(|p| hex::encode(p.ed25519) == a.provider_key)
    {
        Some(p) => Ok(format!(
            "ledger attested by {} for account {:?}, period {}",
            p.name,
            a.account,
            a.period()
        )),
        None => {
            let trusted: Vec<&str> = policy.providers.iter().map(|p| p.name.as_str()).collect();
            let words = format!(
                "ledger attested by provider key {}… for account {:?}, period {}, a provider this policy does not list{}",
                &a.provider_key[..12],
                a.account,
                a.period(),
                if trusted.is_empty() { String::new() } else { format!(" (it trusts {})", trusted.join(", ")) }
            );
            if rule.require_provider_attestation {
                Err(format!(
                    "its {words}, and this policy requires a trusted provider's attestation"
                ))
            } else {
                Ok(format!("{words}: as far as this policy knows, the developer alone vouches for its completeness"))
            }
        }
    }
}

/// Does the compute claim `c` show the policy's compute rule? `Ok` says why it does.
fn check_compute(policy: &Policy, rule: &ComputeRule, c: &ComputeInputs) -> Result<String, String> {
    check_peak_table(policy, c)?;
    let vouched = ledger_vouched(policy, rule, c)?;
    let claim = Bound::integer(c.threshold);
    let limit = Bound::integer(rule.threshold);
    if !establishes(Comparison::AtMost, claim, rule.direction, limit) {
        return Err(format!(
            "it proves compute is at most {} FLOP, which does not show at most {} FLOP (a proof at {} answers only thresholds of {} or more)",
            sci(c.threshold),
            sci(rule.threshold),
            sci(c.threshold),
            sci(c.threshold)
        ));
    }
    Ok(if c.threshold == rule.threshold {
        format!(
            "proves training compute at most {} FLOP, this policy's threshold; {vouched}",
            sci(c.threshold)
        )
    } else {
        format!(
            "proves training compute at most {} FLOP, within this policy's threshold of {} FLOP (a lower proven bound also shows the higher threshold); {vouched}",
            sci(c.threshold),
            sci(rule.threshold)
        )
    })
}

/// Is the eval claim about the results the rule means: the pinned benchmark, sample count,
/// scorer and key, with errored samples counted at the worst score unless the rule allows
/// exclusions?
fn check_eval_results(rule: &EvalRule, e: &EvalInputs) -> Result<(), String> {
    let s = &e.statement;
    if let Some(want) = &rule.benchmark_digest {
        if *want != e.benchmark {
            return Err(format!(
                "it is about benchmark digest {}…, not this policy's benchmark {}… (other sample ids, another number of samples, or another capacity class)",
                &s.benchmark_digest[..14],
                &zkgov_spec::encoding::fr_to_hex(want)[..14]
            ));
        }
    }
    if let Some(n) = rule.sample_count {
        if n != s.sample_count {
            return Err(format!(
                "it covers {} samples, but this policy's benchmark has {n}",
                s.sample_count
            ));
        }
    }
    if let Some(scorer) = &rule.scorer {
        if *scorer != s.source.scorer {
            return Err(format!(
                "its scores come from scorer {:?}, not this policy's {scorer:?}",
                s.source.scorer
            ));
        }
    }
    if rule.score_key.is_some() && rule.score_key != s.source.score_key {
        return Err(format!(
            "its scores are {}, not this policy's key {:?}",
            match &s.source.score_key {
                Some(k) => format!("key {k:?}"),
                None => "not a dict key".to_string(),
            },
            rule.score_key.as_deref().unwrap_or_default()
        ));
    }
    if s.errored.counted_as == "excluded" && s.errored.count > 0 && !rule.allow_excluded_errored {
        return Err(format!(
            "it leaves {} errored sample(s) out of the mean; this policy counts errored samples at the worst score (allow_excluded_errored is not set)",
            s.errored.count
        ));
    }
    Ok(())
}

/// Does an eval claim show the policy's eval rule? Its evaluator must be one the rule trusts, its
/// results the ones the rule means, and its red line must imply the policy's (mutual recognition,
/// exact rationals).
fn check_eval(policy: &Policy, rule: &EvalRule, e: &EvalInputs) -> Result<String, String> {
    let key = e.evaluator_key;
    let trusted = policy
        .attesters
        .iter()
        .find(|a| a.ed25519 == key && rule.attesters.contains(&a.name));
    let Some(attester) = trusted else {
        return Err(format!(
            "it is attested by evaluator key {}…, which this policy does not trust for this eval (it trusts {})",
            &e.statement.attestation.evaluator_key[..12],
            rule.attesters.join(", ")
        ));
    };
    check_eval_results(rule, e)?;
    let claim_dir = Comparison::from(e.statement.direction);
    let claim = Bound {
        num: e.num as u128,
        den: e.den,
    };
    if !establishes(claim_dir, claim, rule.direction, rule.red_line) {
        return Err(format!(
            "it proves the mean score is {} {}, which does not show {} {}",
            claim_dir.words(),
            claim.words(),
            rule.direction.words(),
            rule.red_line.words()
        ));
    }
    Ok(format!(
        "proves the mean score is {} {} (attested by {}), which implies {} {}",
        claim_dir.words(),
        claim.words(),
        attester.name,
        rule.direction.words(),
        rule.red_line.words()
    ))
}

/// Does claim `v` show requirement `req`? `None` if it is of another kind.
fn check_requirement(
    policy: &Policy,
    req: &Requirement,
    claim: &Claim,
    v: &VerifiedClaim,
) -> Option<Result<String, String>> {
    let (_, ctx) = kind_and_context(&claim.statement);
    let kind_result = match (req, &v.statement) {
        (Requirement::Compute(rule), ParsedStatement::Compute(c)) => check_compute(policy, rule, c),
        (Requirement::Compute(rule), ParsedStatement::ShardedCompute(s)) => {
            check_compute(policy, rule, &s.compute)
        }
        (Requirement::Eval(rule), ParsedStatement::Eval(e)) => {
            if e.statement.source.eval_id != rule.eval_id {
                return None;
            }
            check_eval(policy, rule, e)
        }
        (
            Requirement::Eval(_),
            ParsedStatement::Compute(_) | ParsedStatement::ShardedCompute(_),
        )
        | (Requirement::Compute(_), ParsedStatement::Eval(_)) => return None,
    };
    Some(check_context_and_key(policy, ctx, v).and(kind_result))
}

/// The verdict of `policy` on a bundle's `claims`, given each claim's verification `results`
/// (same order, as from [`zkgov_verifier::groth16::verify_claims`]).
pub fn evaluate(
    policy: &Policy,
    claims: &[Claim],
    results: &[Result<VerifiedClaim, VerifyError>],
) -> PolicyVerdict {
    let mut notes = Vec::new();
    let kinds: Vec<&str> = policy.requirements.iter().map(|r| r.kind()).collect();
    // Invalid claims: those addressed to this policy decide the verdict; others are noted.
    let mut invalid = Vec::new();
    for (i, (c, r)) in claims.iter().zip(results).enumerate() {
        if let Err(e) = r {
            let (kind, ctx) = kind_and_context(&c.statement);
            if kinds.contains(&kind) && policy.recognizes(&ctx.policy_id) {
                invalid.push(format!("claim {} failed verification: {e}", i + 1));
            } else {
                notes.push(format!(
                    "claim {} ({kind} under policy {:?}) failed verification ({e}); it is not addressed to this policy, but the bundle carries a failing proof",
                    i + 1,
                    ctx.policy_id
                ));
            }
        }
    }
    let mut requirements = Vec::new();
    for req in &policy.requirements {
        let mut shown_by = None;
        let mut why_not = Vec::new();
        for (i, (c, r)) in claims.iter().zip(results).enumerate() {
            let Ok(v) = r else { continue };
            match check_requirement(policy, req, c, v) {
                None => {}
                Some(Ok(why)) => {
                    shown_by = Some((i + 1, why));
                    for key in v.keys() {
                        notes.push(match ceremony_standing(policy, key) {
                            Ok(how) => format!(
                                "claim {} uses key {}, a ceremony key for this policy: {how}",
                                i + 1,
                                &key.id[..12]
                            ),
                            Err(why) => format!(
                                "claim {} uses key {}, {why}: this policy accepts it as a TEST key, and whoever ran that setup could forge proofs",
                                i + 1,
                                &key.id[..12]
                            ),
                        });
                    }
                    break;
                }
                Some(Err(why)) => why_not.push(format!("claim {} does not show it: {why}", i + 1)),
            }
        }
        let (shown_by, reason) = match shown_by {
            Some((i, why)) => (Some(i), format!("shown by claim {i}, which {why}")),
            None if why_not.is_empty() => (
                None,
                match req {
                    Requirement::Compute(_) => {
                        "the bundle has no valid training-compute claim".to_string()
                    }
                    Requirement::Eval(e) => format!(
                        "the bundle has no valid eval-red-line claim for eval {:?}",
                        e.eval_id
                    ),
                },
            ),
            None => (None, why_not.join("; ")),
        };
        requirements.push(RequirementVerdict {
            requirement: req.describe(),
            required: req.required(),
            shown_by,
            reason,
        });
    }
    let missing: Vec<&RequirementVerdict> = requirements
        .iter()
        .filter(|r| r.required && r.shown_by.is_none())
        .collect();
    let (outcome, summary) = if !invalid.is_empty() {
        (
            Outcome::Invalid,
            format!(
                "{}: do not rely on this bundle; a proof it offers this jurisdiction is broken or forged",
                invalid.join("; ")
            ),
        )
    } else if missing.is_empty() {
        (
            Outcome::Compliant,
            "every claim this policy requires is proven by a valid proof".to_string(),
        )
    } else {
        let what: Vec<&str> = missing.iter().map(|r| r.requirement.as_str()).collect();
        (
            Outcome::NotShown,
            format!(
                "the proofs are valid, but they do not show {}; ask the developer for a proof that does",
                what.join(" and ")
            ),
        )
    };
    notes.sort();
    notes.dedup();
    PolicyVerdict {
        policy_id: policy.id.clone(),
        jurisdiction: policy.jurisdiction.clone(),
        example: policy.example,
        legal_source: policy.legal_source.clone(),
        outcome,
        summary,
        requirements,
        notes,
    }
}
