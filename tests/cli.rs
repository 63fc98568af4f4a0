//! The `zkgov` command line, end to end: the issue's acceptance flow on the real sacct fixture,
//! refusals that write nothing, and one-line errors on bad input.

mod common;
use common::{one_line_error, zkgov};

use std::path::{Path, PathBuf};
use std::process::Output;

/// The sacct fixture, in the repository: missing, the test fails (no stand-in is used).
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/slurm/sacct_h100_pretrain.psv")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn prove_verify_refuse_and_tamper_on_the_sacct_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ledger = fixture();
    let ledger = ledger.to_str().unwrap();
    let o = zkgov(&["keygen", "--capacity", "64", "--keys", "keys"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("TEST ONLY"));

    let prove = |threshold: &str, out: &str| {
        zkgov(
            &[
                "prove",
                "compute",
                "--ledger",
                ledger,
                "--peak",
                "H100=989.4e12",
                "--threshold",
                threshold,
                "--policy-id",
                "eu-ai-act-art51",
                "--epoch",
                "2026",
                "--keys",
                "keys",
                "--out",
                out,
            ],
            d,
        )
    };
    // True claim: proves, and the bundle verifies.
    let o = prove("1e25", "ok.json");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("at most 1e25 FLOP"), "{}", stdout(&o));
    let o = zkgov(&["verify", "ok.json", "--keys", "keys"], d);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("VALID") && stdout(&o).contains("TEST ONLY"),
        "{}",
        stdout(&o)
    );
    let o = zkgov(&["--json", "verify", "ok.json", "--keys", "keys"], d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["all_valid"], true);
    assert_eq!(v["bundles"][0]["claims"][0]["test_only_key"], true);

    // False claim (the true total is about 1.05e24): refused, nothing written.
    let o = prove("1e24", "bad.json");
    let e = one_line_error(&o);
    assert!(e.contains("exceeds the threshold 1e24"), "{e}");
    assert!(!d.join("bad.json").exists());
    assert!(!d.join("bad.json.SECRET-seed").exists());

    // Inspect shows the claim in plain words.
    let o = zkgov(&["inspect", "ok.json"], d);
    assert!(
        stdout(&o)
            .contains("Training compute of the committed ledger (45 records) is at most 1e25 FLOP"),
        "{}",
        stdout(&o)
    );

    // A changed proof character, statement value or key ID is rejected, with exit code 1.
    let text = std::fs::read_to_string(d.join("ok.json")).unwrap();
    let bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
    let proof = bundle["claims"][0]["proof"].as_str().unwrap().to_string();
    let key = bundle["claims"][0]["key_id"].as_str().unwrap().to_string();
    let flip = |s: &str, i: usize| {
        let mut b = s.as_bytes().to_vec();
        b[i] = if b[i] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    for tampered in [
        text.replace(&proof, &flip(&proof, 100)),
        text.replace(&key, &flip(&key, 5)),
        text.replace(
            "\"10000000000000000000000000\"",
            "\"20000000000000000000000000\"",
        ),
        text.replace("\"epoch\": 2026", "\"epoch\": 2025"),
    ] {
        assert_ne!(tampered, text);
        std::fs::write(d.join("t.json"), tampered).unwrap();
        let o = zkgov(&["verify", "t.json", "--keys", "keys"], d);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stdout(&o).contains("INVALID") && stdout(&o).contains("NOT ACCEPTED"),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn bad_inputs_give_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("garbage.json"), "{not json").unwrap();
    std::fs::write(
        d.join("v4.json"),
        r#"{"format":"zkgov-bundle","version":4,"claims":[]}"#,
    )
    .unwrap();
    std::fs::write(
        d.join("v1.json"),
        r#"{"format":"zkgov-bundle","version":1,"claims":[]}"#,
    )
    .unwrap();
    std::fs::write(
        d.join("ledger.csv"),
        "accelerator,devices,seconds\nH100,8,abc\n",
    )
    .unwrap();
    std::fs::write(
        d.join("bad.psv"),
        "JobID|AllocTRES|ElapsedRaw\n1|gres/gpu:h100=8|x\n",
    )
    .unwrap();
    std::fs::write(
        d.join("unknown.psv"),
        "JobID|AllocTRES|ElapsedRaw\n1|gres/gpu:tpu=8|10\n",
    )
    .unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["verify", "garbage.json"], "bundle is malformed"),
        (vec!["verify", "v4.json"], "unsupported format"),
        (
            vec!["verify", "v1.json"],
            "made by an unsound zkgov version (its claims could be forged or contradict the evidence); re-prove",
        ),
        (vec!["verify", "missing.json"], "missing.json"),
        (vec!["inspect", "garbage.json"], "malformed"),
        (
            vec![
                "prove",
                "compute",
                "--ledger",
                "ledger.csv",
                "--peak",
                "H100=989.4e12",
                "--threshold",
                "1e25",
            ],
            "line 2",
        ),
        (
            vec![
                "prove",
                "compute",
                "--ledger",
                "bad.psv",
                "--peak",
                "H100=989.4e12",
                "--threshold",
                "1e25",
            ],
            "line 2",
        ),
        (
            vec![
                "prove",
                "compute",
                "--ledger",
                "unknown.psv",
                "--peak",
                "H100=989.4e12",
                "--threshold",
                "1e25",
            ],
            "\"tpu\"",
        ),
        (
            vec![
                "prove",
                "compute",
                "--ledger",
                "ledger.csv",
                "--peak",
                "H100=989.4e12",
                "--threshold",
                "1e39",
            ],
            "threshold",
        ),
        // Exponent arithmetic at i64::MIN: a tiny fraction, not a wrapped huge number.
        (
            vec![
                "prove",
                "compute",
                "--ledger",
                "ledger.csv",
                "--peak",
                "H100=989.4e12",
                "--threshold",
                "1.5e-9223372036854775808",
            ],
            "--threshold: \"1.5e-9223372036854775808\": not a whole number",
        ),
        (
            vec![
                "prove",
                "compute",
                "--ledger",
                "ledger.csv",
                "--peak",
                "H100",
                "--threshold",
                "1e25",
            ],
            "NAME=FLOPS",
        ),
        // `keygen --capacity 100` is a usage error now (exit 2): see
        // capacity_flags_list_exactly_the_accepted_classes.
    ];
    for (args, needle) in cases {
        let o = zkgov(&args, d);
        let e = one_line_error(&o);
        assert!(e.contains(needle), "{args:?}: {e}");
    }
    // --json errors are JSON on stdout.
    let o = zkgov(&["--json", "verify", "garbage.json"], d);
    assert!(!o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("malformed"));
    assert!(
        !d.join("k").exists(),
        "a refused keygen must not create the key directory"
    );
}

#[test]
fn help_is_available_everywhere() {
    let d = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["prove", "compute", "--help"],
        vec!["verify", "--help"],
        vec!["keygen", "--help"],
    ] {
        let o = zkgov(&args, d.path());
        assert!(o.status.success());
        assert!(stdout(&o).contains("Usage"));
    }
}

#[test]
fn spot_check_round_trip_and_tampered_openings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("accelerator,devices,seconds\n");
    for i in 0..10 {
        csv.push_str(&format!(
            "{},{},{}\n",
            if i % 3 == 0 { "A100" } else { "H100" },
            8 + i,
            3600 * (i + 1)
        ));
    }
    std::fs::write(d.join("ledger.csv"), csv).unwrap();
    let peaks = ["--peak", "H100=989.4e12", "--peak", "A100=312e12"];
    assert!(zkgov(&["keygen", "--capacity", "16", "--keys", "keys"], d)
        .status
        .success());
    let o = zkgov(
        &[
            "keygen",
            "--circuit",
            "opening",
            "--capacity",
            "16",
            "--keys",
            "keys",
        ],
        d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut args = vec![
        "prove",
        "compute",
        "--ledger",
        "ledger.csv",
        "--threshold",
        "1e25",
        "--keys",
        "keys",
        "--out",
        "b.json",
    ];
    args.extend(peaks);
    let o = zkgov(&args, d);
    assert!(o.status.success(), "{}", stderr(&o));

    // Issue 16: `-k 0` wrote an empty challenge; it is a usage error now. More records than the
    // ledger has is an error naming both numbers. Neither writes a challenge.
    let o = zkgov(&["challenge", "b.json", "-k", "0", "--out", "ch.json"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("a challenge opens at least 1 record"),
        "{}",
        stderr(&o)
    );
    let e = one_line_error(&zkgov(
        &["challenge", "b.json", "-k", "11", "--out", "ch.json"],
        d,
    ));
    assert!(
        e.contains("11 distinct records asked for, but the ledger has 10"),
        "{e}"
    );
    assert!(!d.join("ch.json").exists());
    let o = zkgov(&["challenge", "b.json", "-k", "3", "--out", "ch.json"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut args = vec![
        "open",
        "--ledger",
        "ledger.csv",
        "--seed-file",
        "b.json.SECRET-seed",
        "--challenge",
        "ch.json",
        "--keys",
        "keys",
        "--out",
        "op.json",
    ];
    args.extend(peaks);
    let o = zkgov(&args, d);
    assert!(o.status.success(), "{}", stderr(&o));
    let audit = |openings: &str, keys: &str| {
        zkgov(
            &[
                "audit",
                "--challenge",
                "ch.json",
                "--openings",
                openings,
                "--keys",
                keys,
            ],
            d,
        )
    };
    let o = audit("op.json", "keys");
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("3 of 3 challenged records verified"),
        "{}",
        stdout(&o)
    );
    // Issue 16: records were shown as "class 0". Without the bundle they carry the openings'
    // own labels, said to be those; with it, the names of the claim's peak table.
    let names_in = |out: &str| {
        out.lines()
            .filter(|l| l.contains("proven to be in the committed ledger"))
            .map(|l| {
                let name = l.split(" (").nth(1).unwrap();
                name.split(',').next().unwrap().to_string()
            })
            .collect::<Vec<_>>()
    };
    let labelled = names_in(&stdout(&o));
    assert_eq!(labelled.len(), 3);
    assert!(
        labelled
            .iter()
            .all(|n| n == "H100 as the openings name class 0"
                || n == "A100 as the openings name class 1"),
        "{labelled:?}"
    );
    let o = zkgov(
        &[
            "audit",
            "--challenge",
            "ch.json",
            "--openings",
            "op.json",
            "--keys",
            "keys",
            "--bundle",
            "b.json",
        ],
        d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let named = names_in(&stdout(&o));
    assert_eq!(named.len(), 3);
    for (bundle, openings) in named.iter().zip(&labelled) {
        assert!(["H100", "A100"].contains(&bundle.as_str()), "{named:?}");
        assert!(
            openings.starts_with(&format!("{bundle} as")),
            "{named:?} {labelled:?}"
        );
    }
    let o = zkgov(
        &[
            "--json",
            "audit",
            "--challenge",
            "ch.json",
            "--openings",
            "op.json",
            "--keys",
            "keys",
            "--bundle",
            "b.json",
        ],
        d,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for r in v["records"].as_array().unwrap() {
        let name = r["accelerator"].as_str().unwrap();
        assert_eq!(name, if r["class"] == 0 { "H100" } else { "A100" }, "{r}");
        assert_eq!(r["accelerator_from"], "bundle");
    }
    // The openings disclose the records and proofs, nothing of the tree: no salt, no sibling.
    let text = std::fs::read_to_string(d.join("op.json")).unwrap();
    for hidden in ["salt", "path", "sibling"] {
        assert!(!text.contains(hidden), "{hidden} in {text}");
    }

    // A changed record is named; a missing one is named.
    let ch: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("ch.json")).unwrap()).unwrap();
    let first = ch["indices"][0].as_u64().unwrap();
    let mut op: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("op.json")).unwrap()).unwrap();
    op["openings"][0]["devices"] =
        serde_json::json!(op["openings"][0]["devices"].as_u64().unwrap() - 1);
    std::fs::write(d.join("bad.json"), op.to_string()).unwrap();
    let o = audit("bad.json", "keys");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains(&format!("record {first}: NOT SHOWN")),
        "{}",
        stdout(&o)
    );
    // A proof moved to another record's opening does not show that record either.
    let mut swapped = op.clone();
    swapped["openings"][0]["devices"] =
        serde_json::json!(swapped["openings"][0]["devices"].as_u64().unwrap() + 1);
    swapped["openings"][1]["proof"] = swapped["openings"][2]["proof"].clone();
    std::fs::write(d.join("swapped.json"), swapped.to_string()).unwrap();
    let o = audit("swapped.json", "keys");
    assert_eq!(o.status.code(), Some(1));
    let second = ch["indices"][1].as_u64().unwrap();
    assert!(
        stdout(&o).contains(&format!("record {second}: NOT SHOWN")),
        "{}",
        stdout(&o)
    );
    // Without the opening key in the regulator's own directory nothing can be checked.
    std::fs::create_dir_all(d.join("empty-keys")).unwrap();
    let e = one_line_error(&audit("op.json", "empty-keys"));
    assert!(e.contains("unknown key"), "{e}");
    op["openings"].as_array_mut().unwrap().remove(0);
    std::fs::write(d.join("missing.json"), op.to_string()).unwrap();
    let o = audit("missing.json", "keys");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains(&format!("record {first}: NOT OPENED")),
        "{}",
        stdout(&o)
    );

    // Opening with the wrong seed cannot reproduce the root: refused, nothing written.
    std::fs::write(d.join("other.seed"), "11".repeat(32)).unwrap();
    let mut args = vec![
        "open",
        "--ledger",
        "ledger.csv",
        "--seed-file",
        "other.seed",
        "--challenge",
        "ch.json",
        "--keys",
        "keys",
        "--out",
        "op2.json",
    ];
    args.extend(peaks);
    let e = one_line_error(&zkgov(&args, d));
    assert!(
        e.contains("do not reproduce the challenged commitment"),
        "{e}"
    );
    assert!(!d.join("op2.json").exists());
}

#[test]
fn demo_runs_the_whole_flow_on_embedded_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = zkgov(&["--json", "demo", "--dir", "run"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["false_claim_refused"], true, "{v}");
    assert_eq!(v["tampered_rejected"], true, "{v}");
    assert_eq!(v["spot_check"]["passed"], true, "{v}");
    assert_eq!(v["spot_check"]["indices"].as_array().unwrap().len(), 3);
    assert!(d.join("run/bundle.json").exists());
}

/// The write end of a pipe whose reader has already gone.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

/// Output into a closed pipe (`zkgov inspect b.json | head -c1`, once `head` has gone) ends with
/// exit code 1 and one line on stderr, where it used to panic with exit code 101: for text and
/// JSON output, and for the JSON error report itself. With stderr closed too, nothing panics.
#[test]
fn a_closed_stdout_pipe_is_one_error_line_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("garbage.json"), "{not json").unwrap();
    let policy = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policies/eu-ai-act-art51.example.toml")
        .display()
        .to_string();
    let policy = policy.as_str();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_zkgov"))
            .args(args)
            .current_dir(d)
            .stdout(closed_pipe())
            .output()
            .unwrap()
    };
    assert!(zkgov(&["policy", "check", policy], d).status.success());
    for args in [
        vec!["policy", "check", policy],
        vec!["--json", "policy", "check", policy],
        vec!["--json", "verify", "garbage.json"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let e = one_line_error(&o);
        assert!(
            e.contains("cannot write to standard output: Broken pipe"),
            "{args:?}: {e}"
        );
    }
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_zkgov"))
        .args(["verify", "garbage.json"])
        .current_dir(d)
        .stdout(closed_pipe())
        .stderr(closed_pipe())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn compute_forgeries_of_issue_14_are_refused_before_proving() {
    // Item 3 (decoy peak row) and item 6 (ledgers that say nothing, zero-device records): each
    // is refused with one line naming what is wrong, and nothing is written.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = [
        ("header.psv", "JobID|AllocTRES|ElapsedRaw|State\n"),
        (
            "steps.psv",
            "JobID|AllocTRES|ElapsedRaw|State\n1.batch|gres/gpu:h100=8|10|COMPLETED\n1.0|gres/gpu:h100=8|9|COMPLETED\n",
        ),
        (
            "twice.psv",
            "JobID|AllocTRES|ElapsedRaw|State\n1|gres/gpu:h100=8|10|COMPLETED\n1|gres/gpu:h100=8|10|COMPLETED\n",
        ),
        ("empty.csv", "accelerator,devices,seconds\n"),
        ("zero.csv", "accelerator,devices,seconds\nH100,8,3600\nH100,0,3600\n"),
    ];
    for (name, text) in files {
        std::fs::write(d.join(name), text).unwrap();
    }
    let ledger = fixture();
    let ledger = ledger.to_str().unwrap();
    let cases: [(&str, &[&str], &str); 6] = [
        (
            ledger,
            &["--peak", "H100=989.4e12", "--peak", "h100=1"],
            "--peak: rows \"H100\" and \"h100\" name one accelerator (H100); a peak table has one row per accelerator",
        ),
        (
            "header.psv",
            &["--peak", "H100=989.4e12"],
            "header.psv: sacct: no job allocation rows: the output accounts for nothing",
        ),
        (
            "steps.psv",
            &["--peak", "H100=989.4e12"],
            "steps.psv: sacct line 2: step of job 1, which has no allocation row",
        ),
        (
            "twice.psv",
            &["--peak", "H100=989.4e12"],
            "twice.psv: sacct line 3: job 1 has a second allocation row (the first is line 2)",
        ),
        (
            "empty.csv",
            &["--peak", "H100=989.4e12"],
            "empty.csv: the ledger has no records",
        ),
        (
            "zero.csv",
            &["--peak", "H100=989.4e12"],
            "zero.csv line 3: not a ledger record: devices 0 is not between 1 and 2^24 - 1",
        ),
    ];
    for (ledger, peaks, needle) in cases {
        let mut args = vec![
            "prove",
            "compute",
            "--ledger",
            ledger,
            "--threshold",
            "1e24",
        ];
        args.extend(peaks);
        args.extend(["--keys", "keys", "--out", "b.json"]);
        let e = one_line_error(&zkgov(&args, d));
        assert!(e.contains(needle), "{ledger}: {e}");
        assert!(!d.join("b.json").exists());
    }
}

/// The help texts of every command, found from `zkgov --help` down.
fn all_help(d: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![Vec::<String>::new()];
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let o = zkgov(&args, d);
        assert!(o.status.success(), "{args:?}");
        let help = stdout(&o);
        if let Some(start) = help.find("Commands:\n") {
            for line in help[start + 10..].lines().take_while(|l| !l.is_empty()) {
                let name = line.split_whitespace().next().unwrap();
                if name != "help" {
                    let mut sub = path.clone();
                    sub.push(name.to_string());
                    todo.push(sub);
                }
            }
        }
        out.push((path.join(" "), help));
    }
    out
}

/// Issue 16: `keygen --help` listed 16, 64, 256, 1024, 4096 or 16384, not the accepted classes.
/// Every `--capacity` flag lists exactly the accepted classes (keygen's: every ledger size, which
/// the circuit then narrows), accepts each, and refuses anything else as a usage error (exit 2).
#[test]
fn capacity_flags_list_exactly_the_accepted_classes() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let mut seen = 0;
    for (cmd, help) in all_help(d) {
        let Some(flag) = help.find("--capacity <CAPACITY>") else {
            continue;
        };
        seen += 1;
        let text = &help[flag..];
        let after = &text[text
            .find("one of")
            .unwrap_or_else(|| panic!("{cmd}: {text}"))
            + 6..];
        let end = [after.find("\n\n"), after.find("[default"), after.find(';')]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(after.len());
        let listed: Vec<u64> = after[..end]
            .split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect();
        if cmd.starts_with("keygen") {
            assert_eq!(listed, zkgov_spec::merkle::LEDGER_CAPACITIES, "zkgov {cmd}");
        } else {
            assert_eq!(listed, zkgov_spec::merkle::CAPACITIES, "zkgov {cmd}");
        }
    }
    assert_eq!(
        seen, 5,
        "keygen, benchmark-digest, prove compute, prove eval, ceremony init"
    );
    for c in zkgov_spec::merkle::CAPACITIES {
        let c = c.to_string();
        let o = zkgov(
            &["benchmark-digest", "--ids", "missing.txt", "--capacity", &c],
            d,
        );
        assert_eq!(o.status.code(), Some(1), "{c}: {}", stderr(&o));
        assert!(stderr(&o).contains("missing.txt"), "{c}: {}", stderr(&o));
    }
    let o = zkgov(&["keygen", "--capacity", "100", "--keys", "keys"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("100 is not a ledger capacity"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("keys").exists());
}

/// Issue 16: `--key` meant a score key in `prove eval` and a key ID in `open`. Each is now named
/// for what it is, and no command has a bare `--key`.
#[test]
fn each_flag_name_has_one_meaning() {
    let d = tempfile::tempdir().unwrap();
    let helps = all_help(d.path());
    assert!(helps.len() > 20, "{}", helps.len());
    let flags = |cmd: &str| -> Vec<String> {
        let help = &helps.iter().find(|(c, _)| c == cmd).unwrap().1;
        help.split_whitespace()
            .filter(|t| t.starts_with("--"))
            .map(|t| t.trim_end_matches(',').to_string())
            .collect()
    };
    for (cmd, _) in &helps {
        assert!(
            !flags(cmd).contains(&"--key".to_string()),
            "zkgov {cmd} has --key"
        );
    }
    for cmd in ["open", "prove compute"] {
        assert!(flags(cmd).contains(&"--key-id".to_string()), "{cmd}");
    }
    assert!(flags("prove eval").contains(&"--score-key".to_string()));
}

/// Issue 16: shell completions and a man page, generated from the command line itself.
#[test]
fn completions_and_man_page_name_the_subcommands() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let subcommands = [
        "keygen",
        "prove",
        "verify",
        "challenge",
        "open",
        "audit",
        "ceremony",
        "completions",
        "man",
    ];
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = zkgov(&["completions", shell], d);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        for sub in subcommands {
            assert!(text.contains(sub), "{shell} completions lack {sub}");
        }
    }
    let o = zkgov(&["completions", "tcsh"], d);
    assert_eq!(o.status.code(), Some(2));
    let o = zkgov(&["man"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(page.contains(".TH zkgov 1"), "{page}");
    for sub in subcommands {
        assert!(page.contains(sub), "the man page lacks {sub}");
    }
}

/// Issue 16: a policy of eval rules alone had to list accelerators. It need not now; `policy
/// check` says it lists none, and counting a ledger under it is one clear error, not a panic.
#[test]
fn a_policy_of_eval_rules_alone_counts_no_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("eval-only.toml"),
        "format = \"zkgov-policy\"\nversion = 2\nid = \"uk-aisi\"\njurisdiction = \"United Kingdom (example)\"\nlegal_source = \"example\"\nexample = true\n\n[context]\nepochs = [2026]\n\n[[attesters]]\nname = \"lab\"\ned25519 = \"0000000000000000000000000000000000000000000000000000000000000001\"\n\n[[claims]]\nkind = \"eval-red-line\"\neval_id = \"cyber-ctf-v1\"\ndirection = \"below\"\nred_line = \"0.5\"\nattesters = [\"lab\"]\n",
    )
    .unwrap();
    let o = zkgov(&["policy", "check", "eval-only.toml"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("lists no accelerators"),
        "{}",
        stdout(&o)
    );
    let ledger = fixture();
    let e = one_line_error(&zkgov(
        &[
            "prove",
            "compute",
            "--ledger",
            ledger.to_str().unwrap(),
            "--policy",
            "eval-only.toml",
            "--out",
            "b.json",
        ],
        d,
    ));
    assert!(e.contains("lists no accelerators"), "{e}");
    assert!(!d.join("b.json").exists());
}
