//! The eval red-line claim end to end with real proofs: Inspect and lm-eval logs, suites, false
//! claims refused, and lying witnesses or bad attestations rejected at proof level.

mod common;
use common::zkgov;
use zkgov_circuits::Circuit;

use ark_bn254::{Bn254, Fr};
use ark_ff::AdditiveGroup;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use ed25519_dalek::SigningKey;
use rand::{rngs::StdRng, SeedableRng};
use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};
use zkgov_circuits::eval::EvalCircuit;
use zkgov_evidence::inspect_ai;
use zkgov_policy::{
    policy_file::Policy,
    verdict::{evaluate, Outcome, PolicyVerdict},
};
use zkgov_prover::{
    eval::{parse_red_line, ErroredPolicy, EvalClaimSpec, EvalJob},
    keys,
};
use zkgov_spec::{
    bundle::{Claim, Statement},
    eval::Direction,
    statement::Context,
};
use zkgov_verifier::{
    groth16::{encode_proof, verify_claim, verify_claims},
    keys::KeyStore,
    VerifyError,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

struct Fixture {
    dir: tempfile::TempDir,
    keys: keys::KeyPair,
}

/// One eval key at capacity 32, shared by the tests of this file.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = StdRng::seed_from_u64(11);
        let pair = keys::generate(Circuit::Eval, 32, &mut rng).unwrap();
        let id = keys::write(dir.path(), &pair).unwrap();
        Fixture {
            keys: keys::load(dir.path(), &id).unwrap(),
            dir,
        }
    })
}

fn job(
    file: &str,
    direction: Direction,
    line: &str,
    errored: ErroredPolicy,
) -> Result<EvalJob, zkgov_prover::ProveError> {
    scorer_job(file, None, None, direction, line, errored)
}

/// A job for one scorer (and key) of an Inspect log (`None`: the headline scorer).
fn scorer_job(
    file: &str,
    scorer: Option<&str>,
    key: Option<&str>,
    direction: Direction,
    line: &str,
    errored: ErroredPolicy,
) -> Result<EvalJob, zkgov_prover::ProveError> {
    let path = fixtures().join("inspect").join(file);
    let select = inspect_ai::Select {
        scorer,
        key,
        reducer: None,
    };
    let log = inspect_ai::read_inspect(&path, select).unwrap();
    let spec = EvalClaimSpec {
        direction,
        red_line: parse_red_line(line).unwrap(),
        score_max: 1.0,
        errored,
    };
    let context = Context {
        policy_id: "uk-aisi".into(),
        epoch: 2026,
        nonce: None,
    };
    EvalJob::new(
        &log,
        &spec,
        context,
        &[5; 32],
        Some(32),
        &SigningKey::from_bytes(&[8; 32]),
    )
}

fn prove_witness(j: &EvalJob, c: EvalCircuit) -> Claim {
    let mut rng = StdRng::seed_from_u64(2);
    let proof = Groth16::<Bn254>::prove(&fixture().keys.pk, c, &mut rng).unwrap();
    Claim {
        statement: Statement::Eval(Box::new(j.inputs.statement.clone())),
        key_id: fixture().keys.vk.id.clone(),
        proof: encode_proof(&proof),
        shards: None,
    }
}

fn store() -> KeyStore {
    KeyStore::new(fixture().dir.path())
}

#[test]
fn true_claims_prove_and_verify_false_ones_are_refused() {
    // arith-exact: mean 0.8333 (30 samples).
    let j = job(
        "arith-exact.eval",
        Direction::Below,
        "0.9",
        ErroredPolicy::Worst,
    )
    .unwrap();
    let claim = j
        .prove(&fixture().keys, &mut StdRng::seed_from_u64(1))
        .unwrap();
    verify_claim(&claim, &store()).unwrap();
    let j = job(
        "arith-exact.json",
        Direction::AtLeast,
        "5/6",
        ErroredPolicy::Worst,
    )
    .unwrap();
    verify_claim(
        &j.prove(&fixture().keys, &mut StdRng::seed_from_u64(1))
            .unwrap(),
        &store(),
    )
    .unwrap();
    assert!(job(
        "arith-exact.eval",
        Direction::Below,
        "5/6",
        ErroredPolicy::Worst
    )
    .is_err());
    assert!(job(
        "arith-exact.eval",
        Direction::AtLeast,
        "0.834",
        ErroredPolicy::Worst
    )
    .is_err());
}

/// Issue 15's case, end to end: `Epochs(3, at_least(2, value=0.5))` is logged as `at_least_2`
/// and Inspect reports 19/30. The claim commits the log's own reductions, so the true "at least
/// 19/30" proves and verifies, and the false "below 1/10" (which a recomputation with the default
/// threshold would have backed) is refused before proving.
#[test]
fn the_logs_own_reductions_back_the_claim() {
    let file = "../inspect-reducers/at-least-value.eval";
    let j = job(file, Direction::AtLeast, "19/30", ErroredPolicy::Worst).unwrap();
    let src = &j.inputs.statement.source;
    assert_eq!(
        (
            src.reducer.as_str(),
            src.values.as_str(),
            src.checked_metric.as_deref(),
            src.identity.as_str()
        ),
        (
            "at_least_2",
            "log-reductions",
            Some("mean"),
            "inspect eval_id"
        )
    );
    let claim = j
        .prove(&fixture().keys, &mut StdRng::seed_from_u64(1))
        .unwrap();
    verify_claim(&claim, &store()).unwrap();
    assert!(matches!(
        job(file, Direction::Below, "1/10", ErroredPolicy::Worst),
        Err(zkgov_prover::ProveError::ClaimFalse(_))
    ));
}

#[test]
fn errored_samples_count_at_worst_unless_excluded() {
    // edge-cases letter_cycle: 10 scored with mean 0.45, one NaN and one errored sample.
    // Counted at the worst score (1) for a "below" claim the mean is (4.5 + 2) / 12 = 0.5417.
    assert!(job(
        "edge-cases.eval",
        Direction::Below,
        "0.54",
        ErroredPolicy::Worst
    )
    .is_err());
    let worst = job(
        "edge-cases.eval",
        Direction::Below,
        "0.55",
        ErroredPolicy::Worst,
    )
    .unwrap();
    assert_eq!(worst.inputs.statement.sample_count, 12);
    assert_eq!(worst.inputs.statement.errored.count, 2);
    // Excluded: 10 samples, and a benchmark digest that differs from the full benchmark's.
    let excluded = job(
        "edge-cases.eval",
        Direction::Below,
        "0.46",
        ErroredPolicy::Exclude,
    )
    .unwrap();
    assert_eq!(excluded.inputs.statement.sample_count, 10);
    assert_ne!(excluded.inputs.benchmark, worst.inputs.benchmark);
    assert!(excluded.inputs.describe().contains("EXCLUDED"));
}

#[test]
fn lying_witnesses_give_proofs_that_fail() {
    let j = job(
        "arith-exact.eval",
        Direction::Below,
        "0.9",
        ErroredPolicy::Worst,
    )
    .unwrap();
    let honest = j.circuit();
    // A missing sample (the last one dropped, count kept as stated).
    let mut c = honest.clone();
    c.slots[29] = Default::default();
    // A duplicated sample (sample 1's id reused for sample 2).
    let mut d = honest.clone();
    d.slots[2].id = d.slots[1].id;
    // An extra sample in an empty slot.
    let mut e = honest.clone();
    e.slots[30] = e.slots[0];
    // A changed score (a correct answer marked wrong, to lower the mean).
    let mut f = honest.clone();
    let i = f
        .slots
        .iter()
        .position(|s| s.score == Fr::from(1_000_000u64))
        .unwrap();
    f.slots[i].score = Fr::ZERO;
    for (what, lie) in [
        ("missing", c),
        ("duplicate", d),
        ("extra", e),
        ("changed score", f),
    ] {
        let claim = prove_witness(&j, lie);
        assert!(
            matches!(
                verify_claim(&claim, &store()),
                Err(VerifyError::InvalidProof)
            ),
            "{what}"
        );
    }
    // A false statement forced through the prover fails too.
    let mut lie = j.clone();
    lie.inputs.num = 4;
    lie.inputs.den = 5;
    lie.inputs.statement.red_line_numerator = "4".into();
    lie.inputs.statement.red_line_denominator = "5".into();
    let claim = prove_witness(&lie, lie.circuit());
    assert!(matches!(
        verify_claim(&claim, &store()),
        Err(VerifyError::InvalidProof)
    ));
}

/// The evaluator's signature covers the whole results description: changing any field of it,
/// even to a value that parses, is stopped by the signature check (and by nothing earlier), while
/// the developer's claim and context are bound by the proof alone.
#[test]
fn attestation_covers_the_whole_results_description() {
    let j = job(
        "arith-exact.eval",
        Direction::Below,
        "0.9",
        ErroredPolicy::Worst,
    )
    .unwrap();
    let claim = j
        .prove(&fixture().keys, &mut StdRng::seed_from_u64(1))
        .unwrap();
    let edit = |f: &dyn Fn(&mut zkgov_spec::statement::EvalStatement)| {
        let mut c = claim.clone();
        let Statement::Eval(s) = &mut c.statement else {
            unreachable!()
        };
        f(s);
        verify_claim(&c, &store())
    };
    type Edit = Box<dyn Fn(&mut zkgov_spec::statement::EvalStatement)>;
    let signed: Vec<(&str, Edit)> = vec![
        (
            "signature bit",
            Box::new(|s| {
                let mut b = hex::decode(&s.attestation.signature).unwrap();
                b[5] ^= 1;
                s.attestation.signature = hex::encode(b);
            }),
        ),
        (
            "evaluator key",
            Box::new(|s| {
                s.attestation.evaluator_key =
                    hex::encode(SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes())
            }),
        ),
        ("model", Box::new(|s| s.source.model = "other/model".into())),
        (
            "eval id",
            Box::new(|s| s.source.eval_id = "another-run".into()),
        ),
        ("task", Box::new(|s| s.source.task = "other_task".into())),
        (
            "format",
            Box::new(|s| s.source.format = "inspect-json".into()),
        ),
        ("scorer", Box::new(|s| s.source.scorer = "other".into())),
        (
            "score key",
            Box::new(|s| s.source.score_key = Some("harm".into())),
        ),
        ("reducer", Box::new(|s| s.source.reducer = "max".into())),
        (
            "run identity kind",
            Box::new(|s| s.source.identity = "inspect run_id/task_id".into()),
        ),
        (
            "evidence digest",
            Box::new(|s| s.source.evidence_sha256 = "ab".repeat(32)),
        ),
        (
            "where the values come from",
            Box::new(|s| s.source.values = "per-sample".into()),
        ),
        (
            "checked metric",
            Box::new(|s| s.source.checked_metric = Some("mean".into())),
        ),
        (
            "score maximum",
            Box::new(|s| {
                s.scoring.score_max = 2_000_000;
                s.errored.worst_score = 2_000_000;
            }),
        ),
        ("errored count", Box::new(|s| s.errored.count = 1)),
        (
            "errored counted as",
            Box::new(|s| s.errored.counted_as = "excluded".into()),
        ),
        ("sample count", Box::new(|s| s.sample_count = 31)),
        ("capacity", Box::new(|s| s.capacity = 64)),
        (
            "benchmark digest",
            Box::new(|s| s.benchmark_digest = s.results_root.clone()),
        ),
        (
            "results root",
            Box::new(|s| s.results_root = s.benchmark_digest.clone()),
        ),
    ];
    for (what, f) in &signed {
        let e = edit(f.as_ref()).unwrap_err();
        assert!(
            e.to_string()
                .contains("evaluator signature does not cover this results description"),
            "{what}: {e}"
        );
    }
    // A small-order evaluator key is refused outright (the identity point).
    let mut id = [0u8; 32];
    id[0] = 1;
    let weak = edit(&|s| s.attestation.evaluator_key = hex::encode(id));
    assert!(weak.unwrap_err().to_string().contains("small order"));
    // The claim and its context are not signed: the proof binds them.
    for f in [
        Box::new(|s: &mut zkgov_spec::statement::EvalStatement| s.context.epoch += 1) as Edit,
        Box::new(|s| s.red_line_numerator = "19".into()),
    ] {
        assert!(matches!(edit(f.as_ref()), Err(VerifyError::InvalidProof)));
    }
}

/// Issue 14, item 2, end to end: results the evaluator attested for one reading re-labelled as
/// another, and proved with the real prover. The proof itself is valid for the re-labelled
/// statement; the evaluator's signature is what refuses it.
#[test]
fn relabelled_attestations_back_no_claim() {
    // The evaluator attests the harm key of refusal_and_harm (mean 0.276).
    let harm = scorer_job(
        "risk-numeric.eval",
        Some("refusal_and_harm"),
        Some("harm"),
        Direction::Below,
        "3/10",
        ErroredPolicy::Worst,
    )
    .unwrap();
    // risk_score's true mean is 0.311: "risk_score below 3/10" is false and refused.
    assert!(scorer_job(
        "risk-numeric.eval",
        Some("risk_score"),
        None,
        Direction::Below,
        "3/10",
        ErroredPolicy::Worst
    )
    .is_err());
    let mut lie = harm.clone();
    lie.inputs.statement.source.scorer = "risk_score".into();
    lie.inputs.statement.source.score_key = None;
    let e = verify_claim(&prove_witness(&lie, lie.circuit()), &store()).unwrap_err();
    assert!(
        e.to_string()
            .contains("evaluator signature does not cover this results description"),
        "{e}"
    );

    // Results prepared for an "at least" claim (rounded down, errored at 0) backing "below".
    let floor = job(
        "edge-cases.eval",
        Direction::AtLeast,
        "0.3",
        ErroredPolicy::Worst,
    )
    .unwrap();
    let mut lie = floor.clone();
    lie.inputs.statement.direction = Direction::Below;
    lie.inputs.statement.red_line_numerator = "1".into();
    lie.inputs.statement.red_line_denominator = "2".into();
    (lie.inputs.num, lie.inputs.den) = (1, 2);
    let e = verify_claim(&prove_witness(&lie, lie.circuit()), &store()).unwrap_err();
    assert!(e.to_string().contains("scoring.rounding"), "{e}");
    // Re-labelled to look prepared for "below": the signature no longer covers it.
    lie.inputs.statement.scoring.rounding = "up".into();
    lie.inputs.statement.errored.worst_score = lie.inputs.statement.scoring.score_max;
    let e = verify_claim(&prove_witness(&lie, lie.circuit()), &store()).unwrap_err();
    assert!(
        e.to_string()
            .contains("evaluator signature does not cover this results description"),
        "{e}"
    );
}

/// A version 2 policy asking for `eval_id`'s mean below `red_line`, trusting the test evaluator
/// (key `[8; 32]`), with `extra` lines added to its eval rule.
fn eval_policy(eval_id: &str, red_line: &str, extra: &str) -> Policy {
    let evaluator = hex::encode(SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes());
    Policy::from_toml(&format!(
        r#"format = "zkgov-policy"
version = 2
id = "uk-aisi"
jurisdiction = "United Kingdom (example)"
legal_source = "example red line"
example = true

[context]
epochs = [2026]

[keys]
allow_test_keys = true

[[accelerators]]
name = "H100"
peak_flop_per_s = "989.4e12"

[[attesters]]
name = "evaluator"
ed25519 = "{evaluator}"

[[claims]]
kind = "eval-red-line"
eval_id = "{eval_id}"
direction = "below"
red_line = "{red_line}"
attesters = ["evaluator"]
{extra}
"#
    ))
    .unwrap()
}

fn eval_verdict(policy: &Policy, job: &EvalJob) -> PolicyVerdict {
    let claim = job
        .prove(&fixture().keys, &mut StdRng::seed_from_u64(3))
        .unwrap();
    let results = verify_claims(&[&claim], &store());
    evaluate(policy, &[claim], &results)
}

/// Issue 14, item 5: a policy says which results it means. By default a claim that left errored
/// samples out is not shown (reproduced: edge-cases' worst-case mean is 0.5417, and "below 1/2"
/// with the errored samples excluded was COMPLIANT); a policy pins the benchmark digest, the
/// sample count, the scorer and the key.
#[test]
fn policies_pin_the_benchmark_and_refuse_exclusions_by_default() {
    let excluded = job(
        "edge-cases.eval",
        Direction::Below,
        "0.46",
        ErroredPolicy::Exclude,
    )
    .unwrap();
    let eval_id = excluded.inputs.statement.source.eval_id.clone();
    let v = eval_verdict(&eval_policy(&eval_id, "1/2", ""), &excluded);
    assert_eq!(v.outcome, Outcome::NotShown, "{v:?}");
    assert!(
        v.requirements[0]
            .reason
            .contains("leaves 2 errored sample(s) out of the mean"),
        "{}",
        v.requirements[0].reason
    );
    let allowing = eval_policy(&eval_id, "1/2", "allow_excluded_errored = true");
    assert_eq!(
        eval_verdict(&allowing, &excluded).outcome,
        Outcome::Compliant
    );

    // Errored samples at the worst score: 12 samples, mean 0.5417, "below 0.55" shows 0.6.
    let worst = job(
        "edge-cases.eval",
        Direction::Below,
        "0.55",
        ErroredPolicy::Worst,
    )
    .unwrap();
    let full = zkgov_spec::eval::benchmark_digest(&worst.ids, 32).unwrap();
    let full = zkgov_spec::encoding::fr_to_hex(&full);
    let pinned =
        format!("benchmark_digest = \"{full}\"\nsample_count = 12\nscorer = \"letter_cycle\"");
    assert_eq!(
        eval_verdict(&eval_policy(&eval_id, "3/5", &pinned), &worst).outcome,
        Outcome::Compliant
    );
    // The excluded claim is about another benchmark (10 of the 12 samples), even where the
    // policy allows exclusions.
    let v = eval_verdict(
        &eval_policy(
            &eval_id,
            "3/5",
            &format!("{pinned}\nallow_excluded_errored = true"),
        ),
        &excluded,
    );
    assert_eq!(v.outcome, Outcome::NotShown);
    assert!(v.requirements[0]
        .reason
        .contains("not this policy's benchmark"));
    for (pin, why) in [
        (
            "sample_count = 13",
            "covers 12 samples, but this policy's benchmark has 13",
        ),
        (
            "scorer = \"bool_scorer\"",
            "not this policy's \"bool_scorer\"",
        ),
        ("score_key = \"harm\"", "not this policy's key \"harm\""),
    ] {
        let v = eval_verdict(&eval_policy(&eval_id, "3/5", pin), &worst);
        assert_eq!(v.outcome, Outcome::NotShown, "{pin}");
        assert!(
            v.requirements[0].reason.contains(why),
            "{pin}: {}",
            v.requirements[0].reason
        );
    }
    // Version 1 policy files still load, with exclusions refused.
    assert!(Policy::from_toml(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/eu-ai-act-art51.example.toml")
        )
        .unwrap()
        .replace("version = 2", "version = 1")
    )
    .is_ok());
}

#[test]
fn cli_suite_of_inspect_and_lm_eval_claims() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let f = fixtures();
    assert!(zkgov(
        &[
            "keygen",
            "--circuit",
            "eval",
            "--capacity",
            "64",
            "--keys",
            "keys"
        ],
        d
    )
    .status
    .success());
    let o = zkgov(&["--json", "attester-key", "--out", "aisi.key"], d);
    let attester: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let attester = attester["public_key"].as_str().unwrap().to_string();
    let suite = serde_json::json!({ "claims": [
        { "log": f.join("inspect/arith-exact.eval"), "below": "0.9", "capacity": 64 },
        { "log": f.join("inspect/mc-capability-probe.eval"), "below": "0.8" },
        { "log": f.join("inspect/risk-numeric.json"), "scorer": "refusal_and_harm", "key": "harm", "below": "0.5", "capacity": 64 },
        { "log": f.join("lm-eval/samples_gov_mc_2026-11-22T13-09-06.599652.jsonl"),
          "lm_eval_results": f.join("lm-eval/results_2026-11-22T13-09-06.599652.json"), "at_least": "0.75" },
    ]});
    std::fs::write(d.join("suite.json"), suite.to_string()).unwrap();
    let o = zkgov(
        &[
            "prove",
            "eval",
            "--suite",
            "suite.json",
            "--evaluator-key",
            "aisi.key",
            "--keys",
            "keys",
            "--out",
            "b.json",
        ],
        d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = zkgov(
        &[
            "--json",
            "verify",
            "b.json",
            "--keys",
            "keys",
            "--trusted-attester",
            &attester,
        ],
        d,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["all_valid"], true, "{v}");
    // Without the evaluator among the trusted attesters, the eval claims are not accepted.
    let other = hex::encode(SigningKey::from_bytes(&[3; 32]).verifying_key().to_bytes());
    for extra in [vec![], vec!["--trusted-attester", other.as_str()]] {
        let mut args = vec!["verify", "b.json", "--keys", "keys"];
        args.extend(extra);
        let o = zkgov(&args, d);
        assert_eq!(o.status.code(), Some(1));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("is not among the trusted attesters") && text.contains("NOT ACCEPTED"),
            "{text}"
        );
    }
    assert_eq!(v["bundles"][0]["claims"].as_array().unwrap().len(), 4);
    let o = zkgov(&["inspect", "b.json"], d);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("is below 9/10") && text.contains("is at least 3/4"),
        "{text}"
    );

    // The regulator recomputes the benchmark digest from the ids it expects (arith-exact: 1..=30).
    let ids: String = (1..=30).map(|i| format!("{i}\n")).collect();
    std::fs::write(d.join("ids.txt"), ids).unwrap();
    let o = zkgov(
        &[
            "--json",
            "benchmark-digest",
            "--ids",
            "ids.txt",
            "--capacity",
            "64",
        ],
        d,
    );
    let digest: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("b.json")).unwrap()).unwrap();
    assert_eq!(
        bundle["claims"][0]["statement"]["benchmark_digest"],
        digest["benchmark_digest"]
    );
    std::fs::write(
        d.join("ids29.txt"),
        (1..=29).map(|i| format!("{i}\n")).collect::<String>(),
    )
    .unwrap();
    let o = zkgov(
        &[
            "--json",
            "benchmark-digest",
            "--ids",
            "ids29.txt",
            "--capacity",
            "64",
        ],
        d,
    );
    let other: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_ne!(other["benchmark_digest"], digest["benchmark_digest"]);

    // A false claim in a suite refuses the whole suite and writes nothing.
    let bad = serde_json::json!({ "claims": [
        { "log": f.join("inspect/arith-exact.eval"), "below": "0.9", "capacity": 64 },
        { "log": f.join("inspect/arith-exact.eval"), "below": "0.8", "capacity": 64 },
    ]});
    std::fs::write(d.join("bad.json"), bad.to_string()).unwrap();
    let o = zkgov(
        &[
            "prove",
            "eval",
            "--suite",
            "bad.json",
            "--evaluator-key",
            "aisi.key",
            "--keys",
            "keys",
            "--out",
            "x.json",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("claim 2: refused") && err.lines().count() == 1,
        "{err}"
    );
    assert!(!d.join("x.json").exists() && !d.join("x.json.SECRET-seed").exists());

    // A malformed log is one clear error.
    std::fs::write(d.join("broken.eval"), b"PK\x03\x04 not really a zip").unwrap();
    let o = zkgov(
        &[
            "prove",
            "eval",
            "--log",
            "broken.eval",
            "--below",
            "0.5",
            "--evaluator-key",
            "aisi.key",
            "--keys",
            "keys",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
}

/// Issue 15, item 4: `zkgov prove eval --policy` takes the policy id, epoch, direction and red
/// line from the regulator's policy (its rule for the log's run), so they cannot be mismatched;
/// the developer's margin is printed on the terminal and is nowhere in the bundle.
#[test]
fn cli_eval_claims_take_their_terms_from_the_policy() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let log = fixtures().join("inspect-reducers/at-least-value.eval");
    let run = inspect_ai::read_inspect(&log, inspect_ai::Select::default())
        .unwrap()
        .run
        .id;
    assert!(zkgov(
        &[
            "keygen",
            "--circuit",
            "eval",
            "--capacity",
            "32",
            "--keys",
            "keys"
        ],
        d
    )
    .status
    .success());
    assert!(zkgov(&["attester-key", "--out", "aisi.key"], d)
        .status
        .success());
    let policy = |direction: &str, line: &str| {
        let evaluator = std::fs::read_to_string(d.join("aisi.key.pub")).unwrap();
        let public: serde_json::Value = serde_json::from_str(&evaluator).unwrap();
        format!(
            "format = \"zkgov-policy\"\nversion = 2\nid = \"uk-aisi\"\njurisdiction = \"United Kingdom (example)\"\nlegal_source = \"example\"\nexample = true\n\n[context]\nepochs = [2026]\n\n[keys]\nallow_test_keys = true\n\n[[accelerators]]\nname = \"H100\"\npeak_flop_per_s = \"989.4e12\"\n\n[[attesters]]\nname = \"aisi\"\ned25519 = \"{}\"\n\n[[claims]]\nkind = \"eval-red-line\"\neval_id = \"{run}\"\ndirection = \"{direction}\"\nred_line = \"{line}\"\nattesters = [\"aisi\"]\n",
            public["public_key"].as_str().unwrap()
        )
    };
    let prove = |policy_text: &str, extra: &[&str]| {
        std::fs::write(d.join("policy.toml"), policy_text).unwrap();
        let mut args = vec![
            "prove",
            "eval",
            "--log",
            log.to_str().unwrap(),
            "--policy",
            "policy.toml",
            "--evaluator-key",
            "aisi.key",
            "--keys",
            "keys",
            "--out",
            "b.json",
        ];
        args.extend(extra);
        zkgov(&args, d)
    };
    // Inspect reports 19/30: "at least 19/30" is true.
    let o = prove(&policy("at-least", "19/30"), &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains("your margin (private")
            && out.contains("committed mean 0.633333 (30 samples), red line 19/30 = 0.633333: 0.000000 above it"),
        "{out}"
    );
    let bundle = std::fs::read_to_string(d.join("b.json")).unwrap();
    assert!(!bundle.contains("0.633333") && !bundle.contains("margin"));
    let b: serde_json::Value = serde_json::from_str(&bundle).unwrap();
    let st = &b["claims"][0]["statement"];
    assert_eq!(
        (
            &st["context"]["policy_id"],
            &st["context"]["epoch"],
            &st["direction"],
            &st["red_line_numerator"],
            &st["red_line_denominator"]
        ),
        (
            &serde_json::json!("uk-aisi"),
            &serde_json::json!(2026),
            &serde_json::json!("at-least"),
            &serde_json::json!("19"),
            &serde_json::json!("30")
        )
    );
    // The same bundle is COMPLIANT under that policy.
    let o = zkgov(
        &[
            "verify",
            "b.json",
            "--keys",
            "keys",
            "--policy",
            "policy.toml",
        ],
        d,
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("COMPLIANT"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // "Below 1/10", which the old recomputation backed, is refused; so is a red line on the
    // command line next to --policy, and an epoch the policy does not accept.
    let o = prove(&policy("below", "1/10"), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not below 1/10"));
    let o = prove(&policy("below", "1/10"), &["--below", "0.9"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--policy sets the direction"));
    let o = prove(&policy("at-least", "19/30"), &["--epoch", "2025"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not accept epoch 2025"));
}

/// Issue 16: a policy's `red_line = "0.5"` was refused while `--below 0.5` was accepted. Both now
/// take every spelling through one parser: each spelling of one half refuses the same false claim
/// (the log's mean is 19/30) with the same red line, on the command line and in a policy.
#[test]
fn red_lines_take_the_same_spellings_on_the_command_line_and_in_policies() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let log = fixtures().join("inspect-reducers/at-least-value.eval");
    let log = log.to_str().unwrap();
    let run = inspect_ai::read_inspect(Path::new(log), inspect_ai::Select::default())
        .unwrap()
        .run
        .id;
    assert!(zkgov(&["attester-key", "--out", "aisi.key"], d)
        .status
        .success());
    let evaluator: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("aisi.key.pub")).unwrap()).unwrap();
    let prove = |extra: &[&str]| {
        let mut args = vec![
            "prove",
            "eval",
            "--log",
            log,
            "--evaluator-key",
            "aisi.key",
            "--keys",
            "keys",
        ];
        args.extend(extra);
        let o = zkgov(&args, d);
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    for spelling in ["0.5", "1/2", ".5", "0.50", "50/100", "5e0/1e1"] {
        let e = prove(&["--below", spelling]);
        assert!(e.contains("is not below 1/2"), "--below {spelling}: {e}");
        std::fs::write(
            d.join("policy.toml"),
            format!(
                "format = \"zkgov-policy\"\nversion = 2\nid = \"uk-aisi\"\njurisdiction = \"United Kingdom (example)\"\nlegal_source = \"example\"\nexample = true\n\n[context]\nepochs = [2026]\n\n[[attesters]]\nname = \"aisi\"\ned25519 = \"{}\"\n\n[[claims]]\nkind = \"eval-red-line\"\neval_id = \"{run}\"\ndirection = \"below\"\nred_line = \"{spelling}\"\nattesters = [\"aisi\"]\n",
                evaluator["public_key"].as_str().unwrap()
            ),
        )
        .unwrap();
        let e = prove(&["--policy", "policy.toml"]);
        assert!(
            e.contains("is not below 1/2"),
            "red_line = {spelling:?}: {e}"
        );
    }
}

/// `prove eval --key-id` picks among several eval keys of one capacity, as `prove compute
/// --key-id` does; without it the choice is refused with the flag named, and a named key of
/// another circuit is no candidate.
#[test]
fn prove_eval_chooses_its_key_with_key_id() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let log = fixtures().join("inspect-reducers/at-least-value.eval");
    let log = log.to_str().unwrap();
    assert!(zkgov(&["attester-key", "--out", "aisi.key"], d)
        .status
        .success());
    let mut ids = Vec::new();
    for circuit in ["eval", "eval", "compute"] {
        let o = zkgov(
            &[
                "--json",
                "keygen",
                "--circuit",
                circuit,
                "--capacity",
                "32",
                "--keys",
                "keys",
            ],
            d,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        ids.push(v["key_id"].as_str().unwrap().to_string());
    }
    let prove = |extra: &[&str]| {
        let mut args = vec![
            "prove",
            "eval",
            "--log",
            log,
            "--at-least",
            "0.5",
            "--evaluator-key",
            "aisi.key",
            "--keys",
            "keys",
            "--out",
            "b.json",
        ];
        args.extend(extra);
        zkgov(&args, d)
    };
    let e = common::one_line_error(&prove(&[]));
    assert!(e.contains("several keys") && e.contains("--key-id"), "{e}");
    let e = common::one_line_error(&prove(&["--key-id", &ids[2]]));
    assert!(
        e.contains("no key for") && e.contains("among the --key-id keys"),
        "{e}"
    );
    let o = prove(&["--key-id", &ids[2], "--key-id", &ids[1]]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("b.json")).unwrap()).unwrap();
    assert_eq!(b["claims"][0]["key_id"], ids[1].as_str());
}
