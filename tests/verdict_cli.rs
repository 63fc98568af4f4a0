//! `zkgov verify --policy`, `zkgov policy check` and `zkgov export --snarkjs`, end to end through the
//! command line, with capacity-16 keys.

mod common;
use common::snarkjs_or_skip;
use common::zkgov;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn policies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
}

fn example(name: &str) -> String {
    policies()
        .join(format!("{name}.example.toml"))
        .display()
        .to_string()
}

/// Keys (capacity 16) and a bundle proving at most 1e25 FLOP (true total about 5e24) under the EU
/// example policy's id, epoch 2026.
fn setup(d: &Path) {
    let mut csv = String::from("accelerator,devices,seconds\n");
    for i in 0..10 {
        csv.push_str(&format!("H100,2048,{}\n", 250_000 + i));
    }
    std::fs::write(d.join("ledger.csv"), csv).unwrap();
    let o = zkgov(&["keygen", "--capacity", "16", "--keys", "keys"], d);
    assert!(o.status.success(), "{}", text(&o));
    let o = zkgov(
        &[
            "prove",
            "compute",
            "--ledger",
            "ledger.csv",
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
            "b.json",
        ],
        d,
    );
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn verdicts_per_jurisdiction_exit_codes_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let (eu, ca, ru) = (
        example("eu-ai-act-art51"),
        example("ca-sb53"),
        example("ruritania-reporting"),
    );
    // One bundle, three example policies: EU and California shown, the fictional 1e24 not.
    let o = zkgov(
        &[
            "verify", "b.json", "--keys", "keys", "--policy", &eu, "--policy", &ca, "--policy", &ru,
        ],
        d,
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    for needle in [
        "European Union",
        "eu-ai-act-art51 (European Union): COMPLIANT",
        "ca-sb53 (California): COMPLIANT",
        "ruritania-ai-reporting (Ruritania (fictional)): NOT SHOWN",
        "NOT SHOWN (example policy)",
        "does not show at most 1e24 FLOP",
        "within this policy's threshold of 1e26",
        "Exit code 3",
        "legal source: Regulation (EU) 2024/1689",
    ] {
        assert!(out.contains(needle), "{needle}\n{out}");
    }
    // Only compliant policies: exit 0.
    let o = zkgov(
        &[
            "verify", "b.json", "--keys", "keys", "--policy", &eu, "--policy", &ca,
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A regulator nonce the bundle does not carry: not shown, with the reason.
    let o = zkgov(
        &[
            "verify", "b.json", "--keys", "keys", "--policy", &eu, "--nonce", "abcd",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).contains("carries no nonce"), "{}", text(&o));

    // Add a second claim addressed to California whose context was rewritten: its proof fails.
    // EU stays compliant (with a note), California is invalid, Ruritania not shown; exit 1.
    let mut b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("b.json")).unwrap()).unwrap();
    let mut forged = b["claims"][0].clone();
    forged["statement"]["context"]["policy_id"] = "ca-sb53".into();
    b["claims"].as_array_mut().unwrap().push(forged);
    std::fs::write(d.join("two.json"), b.to_string()).unwrap();
    let o = zkgov(
        &[
            "--json", "verify", "two.json", "--keys", "keys", "--policy", &eu, "--policy", &ca,
            "--policy", &ru,
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let outcomes: Vec<&str> = v["bundles"][0]["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["compliant", "invalid", "not-shown"]);
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["bundles"][0]["claims"][1]["valid"], false);

    // Several bundles at once.
    let o = zkgov(
        &[
            "verify", "b.json", "two.json", "--keys", "keys", "--policy", &eu,
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("3 claims checked in one batch"),
        "{}",
        text(&o)
    );
}

#[test]
fn policy_files_check_and_errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = zkgov(
        &[
            "policy",
            "check",
            &example("eu-ai-act-art51"),
            &example("ca-sb53"),
            &example("ruritania-reporting"),
        ],
        d,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("EXAMPLE ca-sb53 (California)"),
        "{}",
        text(&o)
    );
    let o = zkgov(&["verify", "--help"], d);
    assert!(
        text(&o).contains("Exit codes: 0 = every claim valid and compliant"),
        "{}",
        text(&o)
    );
    let good = std::fs::read_to_string(example("eu-ai-act-art51")).unwrap();
    for (edit, needle) in [
        (
            ("version = 2", "version = 7"),
            "unsupported format \"zkgov-policy v7\"",
        ),
        (
            ("example = true", "example = true\nthresold = 1"),
            "unknown field `thresold`",
        ),
        (
            ("threshold_flop = \"1e25\"", "threshold_flop = \"1e25.5\""),
            "threshold_flop",
        ),
        (
            ("threshold_flop = \"1e25\"", "threshold_flop = 1e25"),
            "threshold_flop",
        ),
        (
            ("peak_flop_per_s = \"989.4e12\"", "peak_flop_per_s = \"-1\""),
            "peak_flop_per_s",
        ),
    ] {
        std::fs::write(d.join("p.toml"), good.replace(edit.0, edit.1)).unwrap();
        for args in [
            vec!["policy", "check", "p.toml"],
            vec![
                "verify",
                "missing-bundle-is-not-read-first.json",
                "--policy",
                "p.toml",
            ],
        ] {
            let o = zkgov(&args, d);
            assert_eq!(o.status.code(), Some(1));
            let e = String::from_utf8_lossy(&o.stderr).to_string();
            assert_eq!(e.trim_end().lines().count(), 1, "{e}");
            if args[0] == "policy" {
                assert!(
                    e.contains("policy p.toml") && e.contains(needle),
                    "{needle}: {e}"
                );
            }
        }
    }
}

#[test]
fn snarkjs_verifies_exported_proofs_and_rejects_tampered_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let o = zkgov(
        &[
            "export",
            "b.json",
            "--snarkjs",
            "--keys",
            "keys",
            "--out-dir",
            "sj",
        ],
        d,
    );
    assert!(o.status.success(), "{}", text(&o));
    let c = d.join("sj/claim-1");
    let vk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(c.join("verification_key.json")).unwrap())
            .unwrap();
    assert_eq!(vk["nPublic"], 12);
    assert_eq!(vk["IC"].as_array().unwrap().len(), 13);
    let public: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(c.join("public.json")).unwrap()).unwrap();
    assert_eq!(public[0], "10000000000000000000000000");

    let Some(cmd) = snarkjs_or_skip("the snarkjs cross-check") else {
        return;
    };
    let verify = |proof: &str, public: &str| -> (bool, String) {
        let o = Command::new(&cmd[0])
            .args(&cmd[1..])
            .args(["groth16", "verify", "verification_key.json", public, proof])
            .current_dir(&c)
            .output()
            .unwrap();
        (o.status.success() && text(&o).contains("OK!"), text(&o))
    };
    let (ok, out) = verify("proof.json", "public.json");
    assert!(ok, "snarkjs rejected an honest proof: {out}");

    // Tampered proof: A replaced by C (a valid curve point, so only the pairing check can fail).
    let mut proof: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(c.join("proof.json")).unwrap()).unwrap();
    proof["pi_a"] = proof["pi_c"].clone();
    std::fs::write(c.join("tampered-proof.json"), proof.to_string()).unwrap();
    let (ok, out) = verify("tampered-proof.json", "public.json");
    assert!(!ok && out.contains("Invalid proof"), "{out}");
    // Tampered public signal: the threshold raised to 2e25.
    let mut p = public.clone();
    p[0] = "20000000000000000000000000".into();
    std::fs::write(
        c.join("tampered-public.json"),
        serde_json::to_string(&p).unwrap(),
    )
    .unwrap();
    let (ok, out) = verify("proof.json", "tampered-public.json");
    assert!(!ok, "{out}");

    // vk_alphabeta_12 equals snarkjs' own pairing of alpha and beta (same GT encoding).
    if let Ok(dir) = std::env::var("ZKGOV_SNARKJS_DIR") {
        let script = format!(
            "const f=require({:?});(async()=>{{const c=await f.buildBn128(true);const u=f.utils;\
             const vk=u.unstringifyBigInts(require('./verification_key.json'));\
             const ab=c.pairing(c.G1.fromObject(vk.vk_alpha_1),c.G2.fromObject(vk.vk_beta_2));\
             console.log(JSON.stringify(u.stringifyBigInts(c.Gt.toObject(ab))));process.exit(0)}})()",
            Path::new(&dir).join("node_modules/ffjavascript").display().to_string()
        );
        let o = Command::new("node")
            .args(["-e", &script])
            .current_dir(&c)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let theirs: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(theirs, vk["vk_alphabeta_12"]);
    }
}

/// Issue 14 item 4: a test key whose file was edited from "single-party" to "ceremony" stays a
/// test key. Under a policy that accepts ceremony keys only, it is NOT SHOWN with the unverified
/// label named; the policy's pin of the key ID makes it a ceremony key; a v1 key file is refused.
#[test]
fn a_key_file_edited_to_claim_a_ceremony_is_still_a_test_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let vk_file = std::fs::read_dir(d.join("keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".vk.json"))
        .unwrap();
    let key_id = vk_file
        .file_name()
        .unwrap()
        .to_string_lossy()
        .trim_end_matches(".vk.json")
        .to_string();
    let honest = std::fs::read_to_string(&vk_file).unwrap();
    assert!(
        honest.contains("\"setup_claim\": \"single-party\""),
        "{honest}"
    );
    let eu = std::fs::read_to_string(example("eu-ai-act-art51")).unwrap();
    let strict = eu.replace("allow_test_keys = true", "allow_test_keys = false");
    std::fs::write(d.join("strict.toml"), &strict).unwrap();
    let run = |policy: &str| {
        let o = zkgov(
            &["verify", "b.json", "--keys", "keys", "--policy", policy],
            d,
        );
        (o.status.code(), text(&o))
    };
    let (code, out) = run("strict.toml");
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("a single-party TEST key"), "{out}");

    // The attack: the label edited. Still NOT SHOWN, and the reason names the unverified label.
    std::fs::write(&vk_file, honest.replace("\"single-party\"", "\"ceremony\"")).unwrap();
    let (code, out) = run("strict.toml");
    assert_eq!(code, Some(3), "{out}");
    for needle in [
        "eu-ai-act-art51 (European Union): NOT SHOWN",
        "whose file claims a multi-party ceremony that was not verified",
        "this policy accepts ceremony keys only",
        "(claims a multi-party ceremony, not verified",
    ] {
        assert!(out.contains(needle), "{needle}\n{out}");
    }
    assert!(!out.contains("COMPLIANT"), "{out}");
    // The regulator's own pin of the key ID is what makes it a ceremony key.
    std::fs::write(
        d.join("pinned.toml"),
        strict.replace(
            "allow_test_keys = false",
            &format!("allow_test_keys = false\naccepted = [\"{key_id}\"]"),
        ),
    )
    .unwrap();
    let (code, out) = run("pinned.toml");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("its key ID is pinned by this policy"), "{out}");

    // A v1 key file (its label was trusted) is refused, saying how to rewrite it.
    let v1 = honest
        .replace("\"version\": 3", "\"version\": 1")
        .replace("\"setup_claim\"", "\"setup\"");
    std::fs::write(&vk_file, v1).unwrap();
    let o = zkgov(&["verify", "b.json", "--keys", "keys"], d);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(
        out.contains("zkgov-verifying-key v1 is refused")
            && out.contains("`zkgov ceremony finalize` again gives a ceremony key the same ID"),
        "{out}"
    );
    // So is a v2 key file: it pins a proving key file of the previous format by SHA-256.
    let v2 = honest
        .replace("\"version\": 3", "\"version\": 2")
        .replace("proving_key_blake3", "proving_key_sha256");
    std::fs::write(&vk_file, v2).unwrap();
    let o = zkgov(&["verify", "b.json", "--keys", "keys"], d);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(
        out.contains("zkgov-verifying-key v2 is refused")
            && out.contains("`zkgov ceremony finalize` again gives a ceremony key the same ID"),
        "{out}"
    );
}

/// The `--json` report is versioned, numbers claims from 1 as the text does, never calls a bundle
/// with an invalid claim compliant, and leaves compliance unjudged without a policy.
#[test]
fn verify_json_report_is_versioned_consistent_and_numbered_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let eu = example("eu-ai-act-art51");
    // A second bundle whose only claim was moved to another epoch: its proof fails.
    let mut b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("b.json")).unwrap()).unwrap();
    b["claims"][0]["statement"]["context"]["epoch"] = 2027.into();
    std::fs::write(d.join("moved.json"), b.to_string()).unwrap();
    let json = |args: &[&str]| -> (Option<i32>, serde_json::Value) {
        let o = zkgov(args, d);
        (
            o.status.code(),
            serde_json::from_slice(&o.stdout).unwrap_or_default(),
        )
    };
    let (code, v) = json(&[
        "--json",
        "verify",
        "b.json",
        "moved.json",
        "--keys",
        "keys",
        "--policy",
        &eu,
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(v["format"], "zkgov-verify-report");
    assert_eq!(v["version"], 1);
    assert_eq!(v["all_valid"], false);
    assert_eq!(
        v["all_compliant"], false,
        "an invalid claim is never compliant"
    );
    assert_eq!(v["exit_class"], "invalid");
    assert_eq!(v["bundles"][0]["claims"][0]["claim"], 1);
    assert_eq!(v["bundles"][1]["claims"][0]["claim"], 1);
    assert_eq!(v["bundles"][1]["claims"][0]["valid"], false);
    // The text output numbers the same claim [1].
    let o = zkgov(&["verify", "moved.json", "--keys", "keys"], d);
    assert!(text(&o).contains("[1] INVALID"), "{}", text(&o));
    // Without a policy, compliance is not judged.
    let (code, v) = json(&["--json", "verify", "b.json", "--keys", "keys"]);
    assert_eq!(code, Some(0));
    assert_eq!(v["all_valid"], true);
    assert!(v["all_compliant"].is_null(), "{v}");
    assert_eq!(v["exit_class"], "accepted");
}

/// One unreadable bundle among several is reported as such; the others are still verified.
#[test]
fn a_malformed_bundle_does_not_hide_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    std::fs::write(d.join("broken.json"), "{ not json").unwrap();
    let o = zkgov(&["verify", "broken.json", "b.json", "--keys", "keys"], d);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("Bundle broken.json: UNREADABLE"), "{out}");
    assert!(out.contains("[1] VALID"), "{out}");
    let o = zkgov(
        &[
            "--json",
            "verify",
            "broken.json",
            "b.json",
            "--keys",
            "keys",
        ],
        d,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["bundles"][0]["readable"], false);
    assert!(
        v["bundles"][0]["error"]
            .as_str()
            .unwrap()
            .contains("malformed"),
        "{v}"
    );
    assert_eq!(v["bundles"][1]["all_valid"], true);
}

/// A mistyped key directory is named as such, not reported as an unknown key.
#[test]
fn a_missing_key_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let o = zkgov(&["verify", "b.json", "--keys", "kyes"], d);
    assert_eq!(o.status.code(), Some(1));
    let e = common::one_line_error(&o);
    assert!(
        e.contains("trusted key directory kyes does not exist"),
        "{e}"
    );
}

/// `examples/verify_policy.rs` (`zkgov verify --policy` as one library call) gives the CLI's
/// verdicts and exit code, compliant and not.
#[test]
fn the_library_example_reproduces_zkgov_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let example_bin = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples/verify_policy");
    assert!(
        example_bin.exists(),
        "{} is built by `cargo test`",
        example_bin.display()
    );
    for policy in ["eu-ai-act-art51", "ruritania-reporting"] {
        let p = example(policy);
        let lib = Command::new(&example_bin)
            .args(["b.json", "keys", &p])
            .current_dir(d)
            .output()
            .unwrap();
        let cli = zkgov(
            &[
                "--json", "verify", "b.json", "--keys", "keys", "--policy", &p,
            ],
            d,
        );
        assert_eq!(lib.status.code(), cli.status.code(), "{policy}");
        let v: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
        let verdict = &v["bundles"][0]["verdicts"][0];
        let line = format!(
            "{}: {}",
            verdict["policy_id"].as_str().unwrap(),
            verdict["outcome"]
                .as_str()
                .unwrap()
                .replace('-', " ")
                .to_uppercase()
        );
        let out = String::from_utf8_lossy(&lib.stdout);
        assert!(out.starts_with(&line), "{policy}: {out} vs {line}");
        assert!(
            out.contains(verdict["summary"].as_str().unwrap()),
            "{policy}: {out}"
        );
    }
}
