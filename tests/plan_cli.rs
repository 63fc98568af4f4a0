//! Sharded proving as users run it: `zkgov plan compute` writes a job directory, `zkgov run-plan
//! --local` proves it (and resumes a partly finished or damaged one), the bundle verifies under a
//! policy; and the same plan runs on a real Slurm cluster through `submit.sh` (`sbatch --array`
//! plus a dependent aggregation job), after which `sacct` lists the array's tasks. `.ci/run`
//! starts a one-node Slurm (`ci/slurm/up.sh`) and sets `ZKGOV_REQUIRE_SLURM`, with which a missing
//! Slurm fails the test instead of skipping it.

mod common;
use common::{one_line_error, snarkjs_or_skip, zkgov};

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const POLICY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/policies/ruritania-reporting.example.toml"
);

fn ok(o: std::process::Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn json(o: std::process::Output) -> Value {
    serde_json::from_str(ok(o).trim()).unwrap()
}

/// Keys for shards of 16 and 16 slots, and a 40-record H100 ledger (three shards), in `d`.
fn setup(d: &Path) {
    ok(zkgov(
        &["keygen", "--circuit", "shard", "--capacity", "16"],
        d,
    ));
    ok(zkgov(
        &["keygen", "--circuit", "aggregate", "--capacity", "16"],
        d,
    ));
    let mut csv = String::from("accelerator,devices,seconds\n");
    for i in 0..40 {
        csv += &format!("H100,{},{}\n", 8 + i % 5 * 8, 3600 + i * 97);
    }
    std::fs::write(d.join("ledger.csv"), csv).unwrap();
}

fn plan(d: &Path, out: &str) -> Value {
    json(zkgov(
        &[
            "--json",
            "plan",
            "compute",
            "--ledger",
            "ledger.csv",
            "--policy",
            POLICY,
            "--shards-of",
            "16",
            "--out",
            out,
        ],
        d,
    ))
}

fn verify_compliant(d: &Path, bundle: &str) {
    let text = ok(zkgov(&["verify", bundle, "--policy", POLICY], d));
    assert!(text.contains("40 records, proved in 3 shards"), "{text}");
    assert!(text.contains("COMPLIANT"), "{text}");
}

#[test]
fn a_plan_runs_locally_resumes_and_verifies() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    setup(d);
    let p = plan(d, "plan");
    assert_eq!(
        (p["records"].as_u64(), p["shards"].as_u64()),
        (Some(40), Some(3))
    );
    // Before any shard is proved, the aggregation refuses and names what is missing.
    let e = one_line_error(&zkgov(&["prove", "aggregate", "plan"], d));
    assert!(
        e.contains("3 of 3 shards have no checked proof yet (shards 0, 1, 2)"),
        "{e}"
    );
    let e = one_line_error(&zkgov(&["prove", "shard", "plan", "--index", "3"], d));
    assert!(e.contains("the plan has shards 0 to 2"), "{e}");

    let run = json(zkgov(&["--json", "run-plan", "plan", "--local"], d));
    assert_eq!(
        (run["proved"].as_u64(), run["already_done"].as_u64()),
        (Some(3), Some(0))
    );
    verify_compliant(d, "plan/bundle.json");

    // The snarkjs export holds the aggregate and every shard proof, and each verifies in snarkjs;
    // a shard proof checked against another shard's public signals does not.
    let ex = json(zkgov(
        &[
            "--json",
            "export",
            "plan/bundle.json",
            "--snarkjs",
            "--out-dir",
            "ex",
        ],
        d,
    ));
    let shard_dirs = ex["claims"][0]["shard_dirs"].as_array().unwrap();
    assert_eq!(shard_dirs.len(), 3, "{ex:#}");
    if let Some(cmd) = snarkjs_or_skip("the snarkjs check of a sharded claim") {
        let verify = |dir: &Path, public: &str| {
            let o = Command::new(&cmd[0])
                .args(&cmd[1..])
                .args([
                    "groth16",
                    "verify",
                    "verification_key.json",
                    public,
                    "proof.json",
                ])
                .current_dir(dir)
                .output()
                .unwrap();
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains("OK!")
        };
        assert!(verify(&d.join("ex/claim-1"), "public.json"));
        for s in shard_dirs {
            assert!(verify(&d.join(s.as_str().unwrap()), "public.json"), "{s}");
        }
        let other = d.join("ex/claim-1/shard-000002/public.json");
        assert!(!verify(
            &d.join("ex/claim-1/shard-000001"),
            other.to_str().unwrap()
        ));
    }

    // Spot checks open records of the sharded ledger by their global index, with the ordinary
    // opening circuit at the ledger's size (16 shards of 16: 256 slots) and the plan's seed.
    ok(zkgov(
        &["keygen", "--circuit", "opening", "--capacity", "256"],
        d,
    ));
    let ch = json(zkgov(
        &[
            "--json",
            "challenge",
            "plan/bundle.json",
            "-k",
            "5",
            "--out",
            "ch.json",
        ],
        d,
    ));
    assert_eq!(ch["indices"].as_array().unwrap().len(), 5);
    ok(zkgov(
        &[
            "open",
            "--ledger",
            "ledger.csv",
            "--policy",
            POLICY,
            "--seed-file",
            "plan/SECRET-seed",
            "--challenge",
            "ch.json",
            "--out",
            "openings.json",
        ],
        d,
    ));
    let audit = json(zkgov(
        &[
            "--json",
            "audit",
            "--challenge",
            "ch.json",
            "--openings",
            "openings.json",
            "--bundle",
            "plan/bundle.json",
        ],
        d,
    ));
    let rows = audit["records"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r["result"] == "verified"), "{audit:#}");

    // A preempted task (no file) and a damaged one (shard 0's proof filed as shard 2's): the
    // rerun proves exactly those two again.
    std::fs::remove_file(d.join("plan/shards/000001.json")).unwrap();
    let zero = std::fs::read_to_string(d.join("plan/shards/000000.json")).unwrap();
    let wrong = zero.replace("\"index\": 0", "\"index\": 2");
    assert_ne!(wrong, zero);
    std::fs::write(d.join("plan/shards/000002.json"), wrong).unwrap();
    std::fs::remove_file(d.join("plan/bundle.json")).unwrap();
    let shard0 = json(zkgov(
        &["--json", "prove", "shard", "plan", "--index", "0"],
        d,
    ));
    assert_eq!(shard0["already_done"], true);
    let run = json(zkgov(&["--json", "run-plan", "plan", "--local"], d));
    assert_eq!(
        (run["proved"].as_u64(), run["already_done"].as_u64()),
        (Some(2), Some(1))
    );
    verify_compliant(d, "plan/bundle.json");

    // Records changed after planning: every task refuses.
    let mut records = std::fs::read(d.join("plan/records.bin")).unwrap();
    let last = records.len() - 1;
    records[last] ^= 1;
    std::fs::write(d.join("plan/records.bin"), records).unwrap();
    let e = one_line_error(&zkgov(&["prove", "shard", "plan", "--index", "0"], d));
    assert!(e.contains("does not match the SHA-256 in plan.json"), "{e}");
    // A plan is never written over another one.
    let e = one_line_error(&zkgov(
        &[
            "plan",
            "compute",
            "--ledger",
            "ledger.csv",
            "--policy",
            POLICY,
            "--shards-of",
            "16",
            "--out",
            "plan",
        ],
        d,
    ));
    assert!(e.contains("exists and is not empty"), "{e}");
    // A usage error (clap's, exit code 2).
    let o = zkgov(
        &[
            "plan",
            "compute",
            "--ledger",
            "ledger.csv",
            "--policy",
            POLICY,
            "--shards-of",
            "32",
            "--out",
            "p2",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("\"32\" is not a shard capacity (expected one of [16, 256, 4096, 65536])"),
        "{e}"
    );
}

/// Is a Slurm controller answering here?
fn slurm_up() -> bool {
    Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .map(|o| o.status.success() && !o.stdout.is_empty())
        .unwrap_or(false)
}

#[test]
fn the_same_plan_runs_as_a_slurm_job_array() {
    if !slurm_up() {
        assert!(
            std::env::var_os("ZKGOV_REQUIRE_SLURM").is_none(),
            "ZKGOV_REQUIRE_SLURM is set but no Slurm controller answers (start one with ci/slurm/up.sh)"
        );
        eprintln!("SKIPPED: the Slurm job array test (no Slurm here: `bash ci/slurm/up.sh` starts one; the local executor test ran the same plan)");
        return;
    }
    // Slurm's nodes must see the job directory: a directory under the test's target dir.
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    setup(d);
    plan(d, "plan");
    let out = Command::new("bash")
        .arg(d.join("plan/submit.sh"))
        .output()
        .unwrap();
    let text = ok(out);
    // "submitted job array N (3 shard tasks) and aggregation job M"
    let words: Vec<&str> = text.split_whitespace().collect();
    let array = words[3].to_string();
    let aggregation = words.last().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(300);
    let bundle = d.join("plan/bundle.json");
    while !bundle.exists() {
        let state = Command::new("sacct")
            .args(["-n", "-X", "-P", "-o", "State", "-j", &aggregation])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
            .unwrap_or_default();
        assert!(
            !state.contains("FAILED") && !state.contains("CANCELLED"),
            "aggregation job {aggregation}: {state}; logs in {}",
            d.join("plan/logs").display()
        );
        assert!(
            Instant::now() < deadline,
            "the Slurm jobs did not finish in 300 s"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    verify_compliant(d, "plan/bundle.json");
    // sacct lists the three array tasks as completed (accounting is written asynchronously).
    let mut listed = String::new();
    for _ in 0..60 {
        listed = ok(Command::new("sacct")
            .args(["-n", "-X", "-P", "-o", "JobID,State", "-j", &array])
            .output()
            .unwrap());
        if listed.lines().filter(|l| l.ends_with("|COMPLETED")).count() == 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    for i in 0..3 {
        assert!(
            listed
                .lines()
                .any(|l| l == format!("{array}_{i}|COMPLETED")),
            "sacct -j {array}:\n{listed}"
        );
    }
}
