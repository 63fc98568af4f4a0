//! Policies, verdicts, anti-replay and batch verification with real Groth16 proofs (capacity 16).

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use rand::{rngs::StdRng, SeedableRng};
use std::{path::Path, sync::OnceLock};
use zkgov_circuits::Circuit;
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_policy::{
    policy_file::{Bound, Policy, Requirement},
    verdict::{evaluate, Outcome, PolicyVerdict},
};
use zkgov_prover::{keys, prove::ComputeJob};
use zkgov_spec::{
    bundle::{Claim, Statement},
    ledger::Record,
    statement::Context,
};
use zkgov_verifier::{
    batch::{batch_check, BatchItem},
    groth16::{decode_proof, encode_proof, verify_claims, ParsedStatement},
    keys::KeyStore,
};

struct Fixture {
    dir: tempfile::TempDir,
    keys: Vec<keys::KeyPair>,
    /// Under eu-ai-act-art51, epoch 2026, no nonce, at most 1e25 FLOP.
    eu: Claim,
    /// The same ledger under eu-ai-act-art51, epoch 2026, nonce c0ffee, second key.
    eu_nonce: Claim,
}

/// The example policies' table: H100 only (a claim's table must list exactly the accelerators
/// the policy counts).
fn peaks() -> PeakTable {
    PeakTable::from_args(&["H100=989.4e12".into()]).unwrap()
}

fn records() -> Vec<Record> {
    // About 5.1e24 FLOP: above 1e24, below 1e25.
    (0..5)
        .map(|i| Record {
            class: 0,
            devices: 2048,
            seconds: 500_000 + i as u64,
        })
        .collect()
}

fn job(policy_id: &str, nonce: Option<&str>) -> ComputeJob {
    ComputeJob::new(
        records(),
        &peaks(),
        10u128.pow(25),
        Context {
            policy_id: policy_id.into(),
            epoch: 2026,
            nonce: nonce.map(str::to_string),
        },
        &[7; 32],
        Some(16),
    )
    .unwrap()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = StdRng::seed_from_u64(11);
        let keys: Vec<keys::KeyPair> = (0..2)
            .map(|_| {
                let pair = keys::generate(Circuit::Compute, 16, &mut rng).unwrap();
                let id = keys::write(dir.path(), &pair).unwrap();
                keys::load(dir.path(), &id).unwrap()
            })
            .collect();
        let eu = job("eu-ai-act-art51", None)
            .prove(&keys[0], &mut rng)
            .unwrap();
        let eu_nonce = job("eu-ai-act-art51", Some("c0ffee"))
            .prove(&keys[1], &mut rng)
            .unwrap();
        Fixture {
            dir,
            keys,
            eu,
            eu_nonce,
        }
    })
}

fn store() -> KeyStore {
    KeyStore::new(fixture().dir.path())
}

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies")
            .join(format!("{name}.example.toml")),
    )
    .unwrap()
}

fn policy(name: &str, edits: &[(&str, &str)]) -> Policy {
    let mut text = example(name);
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    Policy::from_toml(&text).unwrap()
}

fn verdict(p: &Policy, claims: &[Claim]) -> PolicyVerdict {
    let refs: Vec<&Claim> = claims.iter().collect();
    let results = verify_claims(&refs, &store());
    evaluate(p, claims, &results)
}

fn with_context(claim: &Claim, f: impl Fn(&mut Context)) -> Claim {
    let mut c = claim.clone();
    let Statement::Compute(s) = &mut c.statement else {
        panic!("with_context takes a compute claim")
    };
    f(&mut s.context);
    c
}

#[test]
fn example_policies_parse() {
    for name in ["eu-ai-act-art51", "ca-sb53", "ruritania-reporting"] {
        let p = Policy::read(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("policies")
                .join(format!("{name}.example.toml")),
        )
        .unwrap();
        assert!(p.example && !p.legal_source.is_empty(), "{name}");
    }
}

#[test]
fn one_claim_three_example_policies() {
    // A valid proof of "at most 1e25 FLOP" under the EU policy id: the EU's 1e25 threshold is
    // shown, California's 1e26 is shown by mutual recognition, the fictional 1e24 is not.
    let f = fixture();
    let claims = vec![f.eu.clone()];
    let eu = verdict(&policy("eu-ai-act-art51", &[]), &claims);
    assert_eq!(eu.outcome, Outcome::Compliant, "{eu:?}");
    assert!(eu.requirements[0]
        .reason
        .contains("this policy's threshold"));
    assert!(eu.notes.iter().any(|n| n.contains("TEST key")));
    let ca = verdict(&policy("ca-sb53", &[]), &claims);
    assert_eq!(ca.outcome, Outcome::Compliant, "{ca:?}");
    assert!(
        ca.requirements[0]
            .reason
            .contains("within this policy's threshold of 1e26"),
        "{ca:?}"
    );
    let ru = verdict(&policy("ruritania-reporting", &[]), &claims);
    assert_eq!(ru.outcome, Outcome::NotShown, "{ru:?}");
    assert!(
        ru.requirements[0]
            .reason
            .contains("at most 1e25 FLOP, which does not show at most 1e24"),
        "{ru:?}"
    );
    // Without mutual recognition California would not accept an EU-context claim.
    let ca_strict = verdict(
        &policy(
            "ca-sb53",
            &[("recognized_policy_ids = [\"eu-ai-act-art51\"]", "")],
        ),
        &claims,
    );
    assert_eq!(ca_strict.outcome, Outcome::NotShown);
    assert!(ca_strict.requirements[0]
        .reason
        .contains("does not recognize"));
}

#[test]
fn one_bundle_compliant_not_shown_and_invalid() {
    // Claim 1: valid, for the EU. Claim 2: addressed to California, but its context was changed
    // after proving, so its proof fails. Each jurisdiction gets a different verdict.
    let f = fixture();
    let forged = with_context(&f.eu, |c| c.policy_id = "ca-sb53".into());
    let claims = vec![f.eu.clone(), forged];
    let eu = verdict(&policy("eu-ai-act-art51", &[]), &claims);
    assert_eq!(eu.outcome, Outcome::Compliant, "{eu:?}");
    assert!(
        eu.notes
            .iter()
            .any(|n| n.contains("claim 2") && n.contains("not addressed to this policy")),
        "{eu:?}"
    );
    let ca = verdict(&policy("ca-sb53", &[]), &claims);
    assert_eq!(ca.outcome, Outcome::Invalid, "{ca:?}");
    assert!(ca.summary.contains("claim 2 failed verification"), "{ca:?}");
    let ru = verdict(&policy("ruritania-reporting", &[]), &claims);
    assert_eq!(ru.outcome, Outcome::NotShown, "{ru:?}");
}

#[test]
fn anti_replay_context_mismatches_are_not_shown_with_the_reason() {
    let f = fixture();
    let eu = |edits: &[(&str, &str)]| policy("eu-ai-act-art51", edits);
    let cases: Vec<(Policy, &Claim, &str)> = vec![
        (
            eu(&[("epochs = [2026]", "epochs = [2027]")]),
            &f.eu,
            "epoch 2026, but this policy asks about epoch 2027",
        ),
        (
            eu(&[("epochs = [2026]", "epochs = [2026]\nnonce = \"abcd\"")]),
            &f.eu,
            "carries no nonce",
        ),
        (
            eu(&[("epochs = [2026]", "epochs = [2026]\nnonce = \"abcd\"")]),
            &f.eu_nonce,
            "answers request nonce c0ffee, not this request's nonce abcd",
        ),
        (
            eu(&[("id = \"eu-ai-act-art51\"", "id = \"eu-other\"")]),
            &f.eu,
            "does not recognize",
        ),
    ];
    for (p, claim, needle) in cases {
        let v = verdict(&p, std::slice::from_ref(claim));
        assert_eq!(v.outcome, Outcome::NotShown, "{needle}: {v:?}");
        assert!(v.requirements[0].reason.contains(needle), "{needle}: {v:?}");
    }
    // The right nonce is shown.
    let p = eu(&[("epochs = [2026]", "epochs = [2026]\nnonce = \"c0ffee\"")]);
    assert_eq!(
        verdict(&p, std::slice::from_ref(&f.eu_nonce)).outcome,
        Outcome::Compliant
    );
    // Rewriting the context of a proof to fit the request breaks the proof: invalid.
    for forged in [
        with_context(&f.eu, |c| c.epoch = 2027),
        with_context(&f.eu, |c| c.nonce = Some("abcd".into())),
        with_context(&f.eu_nonce, |c| c.nonce = None),
    ] {
        let p = eu(&[("epochs = [2026]", "epochs = [2026, 2027]")]);
        let v = verdict(&p, &[forged]);
        assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
        assert!(v.summary.contains("pairing check failed"), "{v:?}");
    }
}

#[test]
fn peak_table_and_keys_must_meet_the_policy() {
    let f = fixture();
    let claims = vec![f.eu.clone()];
    let higher = policy(
        "eu-ai-act-art51",
        &[(
            "peak_flop_per_s = \"989.4e12\"",
            "peak_flop_per_s = \"1979e12\"",
        )],
    );
    let v = verdict(&higher, &claims);
    assert_eq!(v.outcome, Outcome::NotShown);
    assert!(
        v.requirements[0]
            .reason
            .contains("counts H100 at 9.894e14 FLOP/s, below this policy's 1.979e15"),
        "{v:?}"
    );
    let extra = policy(
        "eu-ai-act-art51",
        &[(
            "[[claims]]\nkind",
            "[[accelerators]]\nname = \"B200\"\npeak_flop_per_s = \"2250e12\"\n\n[[claims]]\nkind",
        )],
    );
    let v = verdict(&extra, &claims);
    assert!(v.requirements[0].reason.contains("no B200 row"), "{v:?}");
    // A policy accelerator spelled another way (case, alias) is the same accelerator.
    for name in ["h100", "nvidia_h100_80gb_hbm3"] {
        let alias = policy(
            "eu-ai-act-art51",
            &[("name = \"H100\"", &format!("name = \"{name}\""))],
        );
        assert_eq!(
            verdict(&alias, &claims).outcome,
            Outcome::Compliant,
            "{name}"
        );
    }
    // A lower policy peak is fine: the claim counted compute at least as high.
    let lower = policy(
        "eu-ai-act-art51",
        &[(
            "peak_flop_per_s = \"989.4e12\"",
            "peak_flop_per_s = \"900e12\"",
        )],
    );
    assert_eq!(verdict(&lower, &claims).outcome, Outcome::Compliant);

    let no_test = policy(
        "eu-ai-act-art51",
        &[("allow_test_keys = true", "allow_test_keys = false")],
    );
    let v = verdict(&no_test, &claims);
    assert!(v.requirements[0].reason.contains("single-party TEST key"));
    let pinned_other = policy(
        "eu-ai-act-art51",
        &[(
            "allow_test_keys = true",
            &format!(
                "allow_test_keys = true\naccepted = [\"{}\"]",
                f.keys[1].vk.id
            ),
        )],
    );
    let v = verdict(&pinned_other, &claims);
    assert!(
        v.requirements[0].reason.contains("does not accept"),
        "{v:?}"
    );
    let pinned = policy(
        "eu-ai-act-art51",
        &[(
            "allow_test_keys = true",
            &format!(
                "allow_test_keys = true\naccepted = [\"{}\"]",
                f.keys[0].vk.id
            ),
        )],
    );
    assert_eq!(verdict(&pinned, &claims).outcome, Outcome::Compliant);
}

#[test]
fn eval_requirements_parse_and_are_not_shown_without_eval_claims() {
    let f = fixture();
    let eval = "[[attesters]]\nname = \"lab\"\ned25519 = \"0000000000000000000000000000000000000000000000000000000000000001\"\n\n[[claims]]\nkind = \"eval-red-line\"\neval_id = \"cyber-ctf-v1\"\ndirection = \"below\"\nred_line = \"1/2\"\nattesters = [\"lab\"]\n";
    let mut text = example("eu-ai-act-art51");
    text.push_str(eval);
    let p = Policy::from_toml(&text).unwrap();
    let v = verdict(&p, std::slice::from_ref(&f.eu));
    assert_eq!(v.outcome, Outcome::NotShown);
    assert!(v.requirements[1]
        .reason
        .contains("no valid eval-red-line claim for eval \"cyber-ctf-v1\""));
    // Optional requirements are reported but do not decide.
    let p = Policy::from_toml(&format!("{text}required = false\n")).unwrap();
    assert_eq!(
        verdict(&p, std::slice::from_ref(&f.eu)).outcome,
        Outcome::Compliant
    );
}

/// 72 claims under two keys: re-randomized proofs of three different statements.
fn many_claims(n: usize) -> Vec<Claim> {
    let f = fixture();
    let mut rng = StdRng::seed_from_u64(99);
    let base = [f.eu.clone(), f.eu_nonce.clone()];
    (0..n)
        .map(|i| {
            let b = &base[i % 2];
            let key = &f.keys[i % 2];
            let proof = decode_proof(&b.proof).unwrap();
            let again = Groth16::<Bn254>::rerandomize_proof(&key.vk.pvk.vk, &proof, &mut rng);
            Claim {
                proof: encode_proof(&again),
                shards: None,
                ..b.clone()
            }
        })
        .collect()
}

#[test]
fn batch_of_72_claims_names_the_bad_one() {
    let claims = many_claims(72);
    let refs: Vec<&Claim> = claims.iter().collect();
    assert!(verify_claims(&refs, &store()).iter().all(|r| r.is_ok()));

    // One proof swapped for another valid-looking proof of a different statement: only it fails.
    let mut bad = claims.clone();
    bad[37].proof = claims[36].proof.clone();
    let refs: Vec<&Claim> = bad.iter().collect();
    let results = verify_claims(&refs, &store());
    let failed: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(failed, vec![37]);

    // The batched equation itself rejects the set, and a changed public input too.
    let f = fixture();
    let parsed: Vec<(usize, _, Vec<ark_bn254::Fr>)> = bad
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let s = ParsedStatement::parse(&c.statement).unwrap();
            (i, decode_proof(&c.proof).unwrap(), s.public_inputs())
        })
        .collect();
    let owned = parsed;
    let batch: Vec<BatchItem> = owned
        .iter()
        .map(|(i, p, x)| BatchItem {
            key: &f.keys[i % 2].vk,
            proof: p,
            inputs: x,
        })
        .collect();
    assert!(batch_check(&batch).is_err());
    let good: Vec<BatchItem> = batch
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 37)
        .map(|(_, b)| *b)
        .collect();
    assert!(batch_check(&good).is_ok());
    let mut changed = owned[0].2.clone();
    changed[0] += ark_bn254::Fr::from(1u64);
    let mut with_changed = good.clone();
    with_changed[0].inputs = &changed;
    assert!(batch_check(&with_changed).is_err());
}

/// The fixture ledger (the real sacct export, true bound about 1.05e24 FLOP), imported with the
/// policy's table.
fn sacct_records() -> Vec<Record> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/slurm/sacct_h100_pretrain.psv");
    zkgov_evidence::ledger_file::import(
        &path,
        zkgov_evidence::ledger_file::LedgerFormat::Sacct,
        &peaks(),
    )
    .unwrap()
}

#[test]
fn decoy_peak_rows_are_refused_or_not_shown() {
    // Issue 14 item 3: "--peak H100=989.4e12 --peak h100=1" filed the ledger's `gres/gpu:h100`
    // under the decoy row, and "at most 1e24" (true bound about 1.05e24) was COMPLIANT under the
    // 1e24 example policy.
    let f = fixture();
    let ruritania = policy("ruritania-reporting", &[]);
    let context = Context {
        policy_id: "ruritania-ai-reporting".into(),
        epoch: 2026,
        nonce: None,
    };
    let honest = sacct_records();
    let true_total = zkgov_spec::ledger::total_flop(&honest, &[989_400_000_000_000; 8]).unwrap();
    assert!(true_total > 10u128.pow(24), "{true_total}");

    // 1. The decoy as a second spelling of H100: the peak table itself is refused, whoever builds
    //    it (the --peak arguments, or a statement written by hand).
    let e = PeakTable::from_args(&["H100=989.4e12".into(), "h100=1".into()])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("rows \"H100\" and \"h100\" name one accelerator (H100)"),
        "{e}"
    );
    let mut two_spellings = f.eu.clone();
    let Statement::Compute(s) = &mut two_spellings.statement else {
        unreachable!()
    };
    s.peak_table.push(zkgov_spec::statement::PeakEntry {
        accelerator: "h100".into(),
        peak_flop_per_s: "1".into(),
    });
    let e = verify_claims(&[&two_spellings], &store())[0]
        .as_ref()
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string());
    assert_eq!(
        e,
        "peak_table: rows \"H100\" and \"h100\" name one accelerator (H100); a peak table has one row per accelerator"
    );

    // 2. The decoy as an accelerator of its own, with the H100 records filed under it (records
    //    are private, so a prover can file them anywhere). The proof is valid, and the policy's
    //    own H100 row is present at its peak: only the row-by-row check stops the verdict.
    let decoy = PeakTable {
        entries: vec![
            ("H100".into(), 989_400_000_000_000),
            ("H100 decoy".into(), 1),
        ],
    };
    let filed: Vec<Record> = honest.iter().map(|r| Record { class: 1, ..*r }).collect();
    let mut rng = StdRng::seed_from_u64(21);
    let dir = tempfile::tempdir().unwrap();
    let pair = keys::generate(Circuit::Compute, 64, &mut rng).unwrap();
    let id = keys::write(dir.path(), &pair).unwrap();
    let key = keys::load(dir.path(), &id).unwrap();
    let claim = ComputeJob::new(filed, &decoy, 10u128.pow(24), context, &[5; 32], None)
        .unwrap()
        .prove(&key, &mut rng)
        .unwrap();
    let claims = [claim];
    let results = verify_claims(&[&claims[0]], &KeyStore::new(dir.path()));
    assert!(results[0].is_ok(), "the decoy claim's proof is valid");
    let v = evaluate(&ruritania, &claims, &results);
    assert_eq!(v.outcome, Outcome::NotShown, "{v:?}");
    assert!(
        v.requirements[0].reason.ends_with(
            "its peak table has a row \"H100 decoy\", an accelerator this policy does not count: records filed under it were counted at a peak this policy never set"
        ),
        "{v:?}"
    );
}

/// Issue 16: every red-line spelling `--below` takes is read from a policy too (`"0.9"` was
/// refused), as is a TOML integer.
#[test]
fn policy_red_lines_take_every_spelling() {
    let rule = "[[attesters]]\nname = \"lab\"\ned25519 = \"0000000000000000000000000000000000000000000000000000000000000001\"\n\n[[claims]]\nkind = \"eval-red-line\"\neval_id = \"cyber-ctf-v1\"\ndirection = \"below\"\nattesters = [\"lab\"]\nred_line = ";
    for (spelling, num, den) in [
        ("\"0.9\"", 9, 10),
        ("\"9/10\"", 9, 10),
        ("\"0.90\"", 9, 10),
        ("\".9\"", 9, 10),
        ("\"90/100\"", 9, 10),
        ("\"1\"", 1, 1),
        ("1", 1, 1),
    ] {
        let p = Policy::from_toml(&format!("{}{rule}{spelling}\n", example("eu-ai-act-art51")))
            .unwrap_or_else(|e| panic!("red_line = {spelling}: {e}"));
        let Requirement::Eval(r) = &p.requirements[1] else {
            panic!("not an eval rule")
        };
        assert_eq!(r.red_line, Bound { num, den }, "red_line = {spelling}");
    }
    let e =
        Policy::from_toml(&format!("{}{rule}\"0.9.1\"\n", example("eu-ai-act-art51"))).unwrap_err();
    assert!(
        e.to_string().contains("claims.eval-red-line.red_line"),
        "{e}"
    );
}

/// Issue 16: a policy of eval rules alone had to list accelerators. It may now leave them out; a
/// compute claim judged under it is NOT SHOWN, in words, and a policy with a compute rule still
/// needs them.
#[test]
fn a_policy_of_eval_rules_alone_lists_no_accelerators() {
    let eval_only = "format = \"zkgov-policy\"\nversion = 2\nid = \"uk-aisi\"\njurisdiction = \"United Kingdom (example)\"\nlegal_source = \"example\"\nexample = true\n\n[context]\nepochs = [2026]\n\n[keys]\nallow_test_keys = true\n\n[[attesters]]\nname = \"lab\"\ned25519 = \"0000000000000000000000000000000000000000000000000000000000000001\"\n\n[[claims]]\nkind = \"eval-red-line\"\neval_id = \"cyber-ctf-v1\"\ndirection = \"below\"\nred_line = \"1/2\"\nattesters = [\"lab\"]\n";
    let p = Policy::from_toml(eval_only).unwrap();
    assert!(p.accelerators.is_empty());
    assert!(
        p.describe().contains("lists no accelerators"),
        "{}",
        p.describe()
    );
    let v = verdict(&p, std::slice::from_ref(&fixture().eu));
    assert_eq!(v.outcome, Outcome::NotShown);
    assert!(
        v.requirements[0]
            .reason
            .contains("the bundle has no valid eval-red-line claim for eval \"cyber-ctf-v1\""),
        "{}",
        v.requirements[0].reason
    );
    // No ledger can be counted under it.
    let e = p.accelerator_rows().unwrap_err().to_string();
    assert!(e.contains("lists no accelerators"), "{e}");
    // A compute rule still needs the table.
    let compute = eval_only.replace(
        "[[claims]]",
        "[[claims]]\nkind = \"training-compute\"\ndirection = \"at-most\"\nthreshold_flop = \"1e25\"\n\n[[claims]]",
    );
    let e = Policy::from_toml(&compute).unwrap_err().to_string();
    assert!(
        e.contains("accelerators") && e.contains("training-compute rule"),
        "{e}"
    );
}
