//! Attested compute ledgers end to end through the command line: a compute provider attests its
//! Slurm export (`zkgov attest ledger`), the developer proves against the attested commitment,
//! regulators' policies require (or not) a trusted provider, and spot checks open records of the
//! attested commitment. Each attack is stopped by the check it names.

mod common;
use common::{one_line_error, zkgov};

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const ACCOUNT: &str = "llm70b";

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/slurm/sacct_h100_pretrain.psv")
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", text(&o));
    o
}

/// Creates a provider key; returns its public key.
fn provider_key(d: &Path, out: &str) -> String {
    let o = ok(zkgov(
        &["--json", "attester-key", "--role", "provider", "--out", out],
        d,
    ));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["public_key"].as_str().unwrap().to_string()
}

fn example_policy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/eu-ai-act-art51.example.toml")
}

/// The EU example policy with `[[providers]]` listing `name` with `key`, and the compute rule
/// requiring a provider attestation when `require` is set.
fn policy(d: &Path, file: &str, name: &str, key: &str, require: bool) -> String {
    let eu = std::fs::read_to_string(example_policy()).unwrap();
    let rule = "threshold_flop = \"1e25\"\n";
    assert!(eu.contains(rule));
    let mut p = eu.replacen(
        rule,
        &format!("{rule}require_provider_attestation = {require}\n"),
        1,
    );
    p.push_str(&format!(
        "\n[[providers]]\nname = \"{name}\"\ned25519 = \"{key}\"\n"
    ));
    std::fs::write(d.join(file), p).unwrap();
    file.to_string()
}

/// The provider's attestation of `ledger`, its accelerator classes taken from the EU example
/// policy (one class, `H100`, as the developer's `--peak` names it).
fn attest(d: &Path, ledger: &str, key: &str, out: &str) -> Output {
    let eu_policy = example_policy().display().to_string();
    zkgov(
        &[
            "attest",
            "ledger",
            "--ledger",
            ledger,
            "--format",
            "sacct",
            "--policy",
            &eu_policy,
            "--provider-key",
            key,
            "--account",
            ACCOUNT,
            "--period-start",
            "2025-03-01",
            "--period-end",
            "2025-03-31",
            "--out",
            out,
        ],
        d,
    )
}

/// Proves "at most 1e25 FLOP" about `ledger`, against `attestation` (with `seed`) if given.
fn prove(d: &Path, ledger: &str, attestation: Option<(&str, &str)>, out: &str) -> Output {
    let mut args = vec![
        "prove",
        "compute",
        "--ledger",
        ledger,
        "--format",
        "sacct",
        "--peak",
        "H100=989.4e12",
        "--threshold",
        "1e25",
        "--policy-id",
        "eu-ai-act-art51",
        "--epoch",
        "2026",
        "--keys",
        "keys",
        "--out",
        out,
    ];
    if let Some((a, seed)) = attestation {
        args.extend(["--ledger-attestation", a, "--seed-file", seed]);
    }
    zkgov(&args, d)
}

fn verify(d: &Path, bundle: &str, policy: &str) -> Output {
    zkgov(&["verify", bundle, "--keys", "keys", "--policy", policy], d)
}

/// Keys, the fixture copied in, the provider's key and attestation, and a bundle proved against
/// it (`b.json`). Returns the provider's public key.
fn setup(d: &Path) -> String {
    std::fs::copy(fixture(), d.join("sacct.psv")).unwrap();
    ok(zkgov(&["keygen", "--capacity", "64", "--keys", "keys"], d));
    let key = provider_key(d, "provider.key");
    ok(attest(d, "sacct.psv", "provider.key", "att.json"));
    ok(prove(
        d,
        "sacct.psv",
        Some(("att.json", "att.json.SECRET-seed")),
        "b.json",
    ));
    key
}

/// The sacct export without the job `id` (its allocation row and its steps).
fn without_job(d: &Path, id: &str, out: &str) {
    let text = std::fs::read_to_string(d.join("sacct.psv")).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            let job = l.split('|').next().unwrap_or("");
            job != id && !job.starts_with(&format!("{id}."))
        })
        .collect();
    assert_eq!(kept.len(), text.lines().count() - 4, "job {id} has 4 rows");
    std::fs::write(d.join(out), kept.join("\n") + "\n").unwrap();
}

#[test]
fn provider_attests_developer_proves_policy_requiring_the_provider_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = setup(d);
    let requires = policy(d, "requires.toml", "Example Cloud", &key, true);
    let o = verify(d, "b.json", &requires);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(
            "ledger attested by Example Cloud for account \"llm70b\", period 2025-03-01 to 2025-03-31"
        ),
        "{}",
        text(&o)
    );
    // The same bundle under a policy that trusts only another provider: NOT SHOWN, naming why.
    let other = provider_key(d, "other.key");
    let other_policy = policy(d, "other.toml", "Other Cloud", &other, true);
    let o = verify(d, "b.json", &other_policy);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("NOT SHOWN"), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "its ledger attested by provider key {}… for account \"llm70b\", period 2025-03-01 to 2025-03-31, a provider this policy does not list (it trusts Other Cloud)",
            &key[..12]
        )),
        "{}",
        text(&o)
    );
    // A policy that lists the other provider without requiring one: shown, and it says plainly
    // that no provider it trusts vouches for the ledger.
    let lenient = policy(d, "lenient.toml", "Other Cloud", &other, false);
    let o = verify(d, "b.json", &lenient);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(
            "as far as this policy knows, the developer alone vouches for its completeness"
        ),
        "{}",
        text(&o)
    );
    // An unattested bundle of the same ledger: shown where no attestation is required, NOT SHOWN
    // where it is.
    ok(prove(d, "sacct.psv", None, "plain.json"));
    let o = verify(d, "plain.json", &lenient);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("ledger not attested by any compute provider: the developer alone vouches for its completeness"),
        "{}",
        text(&o)
    );
    let o = verify(d, "plain.json", &requires);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("and this policy requires a trusted provider's attestation"),
        "{}",
        text(&o)
    );
}

#[test]
fn prover_refuses_a_ledger_or_seed_that_does_not_reproduce_the_attestation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let attested = Some(("att.json", "att.json.SECRET-seed"));
    // A record edited after the attestation (a shorter run: the claim stays true, so only the
    // reproduction check stops it).
    let text_in = std::fs::read_to_string(d.join("sacct.psv")).unwrap();
    let edited = text_in.replacen("|172841|", "|100000|", 1);
    assert_ne!(edited, text_in);
    std::fs::write(d.join("edited.psv"), edited).unwrap();
    let e = one_line_error(&prove(d, "edited.psv", attested, "edited.json"));
    assert!(
        e.contains("this ledger and seed do not reproduce the attested commitment")
            && e.contains("a record was changed after the provider attested the ledger"),
        "{e}"
    );
    assert!(!d.join("edited.json").exists(), "nothing is written");
    // A record omitted after the attestation.
    without_job(d, "4102305", "omitted.psv");
    let e = one_line_error(&prove(d, "omitted.psv", attested, "omitted.json"));
    assert!(
        e.contains("the ledger has 44 records, but the provider attested 45: records were added or removed after the attestation"),
        "{e}"
    );
    // The right ledger with another seed.
    std::fs::write(d.join("other.seed"), "11".repeat(32)).unwrap();
    let e = one_line_error(&prove(
        d,
        "sacct.psv",
        Some(("att.json", "other.seed")),
        "s.json",
    ));
    assert!(
        e.contains("do not reproduce the attested commitment"),
        "{e}"
    );
    // The attestation file's account edited: its signature no longer covers it.
    let att = std::fs::read_to_string(d.join("att.json")).unwrap();
    std::fs::write(
        d.join("relabelled.json"),
        att.replace("\"llm70b\"", "\"other-account\""),
    )
    .unwrap();
    let e = one_line_error(&prove(
        d,
        "sacct.psv",
        Some(("relabelled.json", "att.json.SECRET-seed")),
        "r.json",
    ));
    assert!(
        e.contains("ledger_attestation: provider signature does not cover this ledger"),
        "{e}"
    );
    // A provider attests with a provider key only.
    ok(zkgov(
        &[
            "attester-key",
            "--role",
            "evaluator",
            "--out",
            "evaluator.key",
        ],
        d,
    ));
    let e = one_line_error(&attest(d, "sacct.psv", "evaluator.key", "e.json"));
    assert!(
        e.contains("a secret evaluator key, but this needs a provider key"),
        "{e}"
    );
}

/// Replaces the compute statement of `bundle`'s first claim by `edit(statement)`.
fn edit_statement(d: &Path, bundle: &str, out: &str, edit: impl FnOnce(&mut Value)) {
    let mut b: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join(bundle)).unwrap()).unwrap();
    edit(&mut b["claims"][0]["statement"]);
    std::fs::write(d.join(out), serde_json::to_string(&b).unwrap()).unwrap();
}

#[test]
fn statements_edited_after_proving_fail_the_provider_signature() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = setup(d);
    let requires = policy(d, "requires.toml", "Example Cloud", &key, true);
    let invalid = |bundle: &str| {
        let o = verify(d, bundle, &requires);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(text(&o).contains("INVALID"), "{}", text(&o));
        assert!(
            text(&o).contains("ledger_attestation: provider signature does not cover this ledger"),
            "{}",
            text(&o)
        );
    };
    // Omitted records: the developer proves a ledger without one job (a valid proof of its own
    // commitment) and pastes in the provider's attestation of the whole ledger. Only the
    // signature, over the statement's root and record count, stops it.
    without_job(d, "4102305", "omitted.psv");
    ok(prove(d, "omitted.psv", None, "omitted.json"));
    let att: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("att.json")).unwrap()).unwrap();
    edit_statement(d, "omitted.json", "stolen.json", |s| {
        s["ledger_attestation"] = att["attestation"].clone();
    });
    invalid("stolen.json");
    // The account relabelled (not a proof input: only the signature covers it).
    edit_statement(d, "b.json", "account.json", |s| {
        s["ledger_attestation"]["account"] = "someone-else".into();
    });
    invalid("account.json");
    // The record count edited: the signature check names it before the proof is checked.
    edit_statement(d, "b.json", "count.json", |s| {
        s["record_count"] = 44.into();
    });
    invalid("count.json");
    // The untouched bundle still verifies.
    assert_eq!(verify(d, "b.json", &requires).status.code(), Some(0));
}

#[test]
fn spot_check_opens_records_of_the_attested_commitment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    ok(zkgov(
        &[
            "keygen",
            "--circuit",
            "opening",
            "--capacity",
            "64",
            "--keys",
            "keys",
        ],
        d,
    ));
    ok(zkgov(
        &["challenge", "b.json", "-k", "3", "--out", "ch.json"],
        d,
    ));
    // The challenge is about the attested commitment itself.
    let ch: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("ch.json")).unwrap()).unwrap();
    let att: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("att.json")).unwrap()).unwrap();
    assert_eq!(ch["ledger_root"], att["ledger_root"]);
    ok(zkgov(
        &[
            "open",
            "--ledger",
            "sacct.psv",
            "--format",
            "sacct",
            "--peak",
            "H100=989.4e12",
            "--seed-file",
            "att.json.SECRET-seed",
            "--challenge",
            "ch.json",
            "--keys",
            "keys",
            "--out",
            "op.json",
        ],
        d,
    ));
    let o = ok(zkgov(
        &[
            "audit",
            "--challenge",
            "ch.json",
            "--openings",
            "op.json",
            "--keys",
            "keys",
        ],
        d,
    ));
    assert!(
        text(&o).contains("3 of 3 challenged records verified"),
        "{}",
        text(&o)
    );
}

/// Issue 15, item 4: `zkgov prove compute --policy` takes the peak table, threshold, policy id
/// and epoch from the regulator's policy, so a developer cannot mismatch them; the developer's
/// margin is printed on the terminal and is nowhere in the bundle.
#[test]
fn prove_compute_takes_its_terms_from_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = setup(d);
    let requires = policy(d, "requires.toml", "Example Cloud", &key, true);
    let o = ok(zkgov(
        &[
            "prove",
            "compute",
            "--ledger",
            "sacct.psv",
            "--policy",
            &requires,
            "--ledger-attestation",
            "att.json",
            "--seed-file",
            "att.json.SECRET-seed",
            "--keys",
            "keys",
            "--out",
            "p.json",
        ],
        d,
    ));
    let out = text(&o);
    assert!(
        out.contains("your margin (private: shown here only, not in the bundle): total ")
            && out.contains("threshold 1e25 FLOP"),
        "{out}"
    );
    let bundle = std::fs::read_to_string(d.join("p.json")).unwrap();
    assert!(!bundle.contains("margin") && !bundle.contains("to spare"));
    let b: Value = serde_json::from_str(&bundle).unwrap();
    let st = &b["claims"][0]["statement"];
    assert_eq!(st["context"]["policy_id"], "eu-ai-act-art51");
    assert_eq!(st["context"]["epoch"], 2026);
    assert_eq!(st["threshold_flop"], "10000000000000000000000000");
    assert_eq!(st["peak_table"][0]["accelerator"], "H100");
    assert!(text(&verify(d, "p.json", &requires)).contains("COMPLIANT"));
    // The policy's terms cannot be overridden on the command line, nor an epoch it does not
    // accept chosen.
    for extra in [
        vec!["--threshold", "1e30"],
        vec!["--peak", "H100=1"],
        vec!["--policy-id", "elsewhere"],
    ] {
        let mut args = vec![
            "prove",
            "compute",
            "--ledger",
            "sacct.psv",
            "--policy",
            &requires,
            "--keys",
            "keys",
        ];
        args.extend(extra.iter().copied());
        let o = zkgov(&args, d);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", text(&o));
        assert!(text(&o).contains("cannot be used with"), "{}", text(&o));
    }
    let o = zkgov(
        &[
            "prove",
            "compute",
            "--ledger",
            "sacct.psv",
            "--policy",
            &requires,
            "--epoch",
            "2025",
            "--keys",
            "keys",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("does not accept epoch 2025"),
        "{}",
        text(&o)
    );
}
