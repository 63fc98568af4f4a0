//! JSON Schemas of every `--json` output and every file users exchange: the checked-in files
//! under `schemas/` are the ones the code generates, and real outputs and files of a whole flow
//! (ceremony, attested ledger, compute and eval claims, verification under a policy, export, spot
//! check, demo, errors) validate against them, while each output with a required field removed or
//! a field of the wrong type does not.

mod common;
use common::zkgov;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The schema names `zkgov schema --list` gives.
fn schema_names(d: &Path) -> Vec<String> {
    let list = parse(&stdout(&ok(zkgov(&["--json", "schema", "--list"], d))));
    list["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

/// The checked-in schema `name`.
fn checked_in(name: &str) -> Value {
    let path = schemas_dir().join(format!("{name}.schema.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with `ZKGOV_UPDATE_SCHEMAS=1 cargo test --release --test schemas`",
            path.display()
        )
    });
    parse(&text)
}

#[test]
fn checked_in_schemas_are_the_generated_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let names = schema_names(d);
    assert!(names.len() >= 29, "{names:?}");
    let update = std::env::var_os("ZKGOV_UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for name in &names {
        let generated = stdout(&ok(zkgov(&["schema", name], d)));
        let path = schemas_dir().join(format!("{name}.schema.json"));
        if update {
            std::fs::create_dir_all(schemas_dir()).unwrap();
            std::fs::write(&path, &generated).unwrap();
        } else if std::fs::read_to_string(&path).map(|t| parse(&t)).ok() != Some(parse(&generated))
        {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "these checked-in schemas differ from the code's: {stale:?}. If the change is intended, \
         run `ZKGOV_UPDATE_SCHEMAS=1 cargo test --release --test schemas` and commit schemas/ \
         (and bump the format's version if a field's meaning changed)"
    );
    let mut files: Vec<String> = std::fs::read_dir(schemas_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    files.sort();
    let mut expected: Vec<String> = names.iter().map(|n| format!("{n}.schema.json")).collect();
    expected.sort();
    assert_eq!(
        files, expected,
        "schemas/ holds exactly one file per schema"
    );
    let e = common::one_line_error(&zkgov(&["schema", "no-such-thing"], d));
    assert!(e.contains("zkgov schema --list"), "{e}");
}

/// Validates real outputs and files against the checked-in schemas, counting what it checked.
struct Checker {
    checked: Vec<String>,
}

impl Checker {
    fn errors(name: &str, value: &Value) -> Vec<String> {
        let validator = jsonschema::validator_for(&checked_in(name))
            .unwrap_or_else(|e| panic!("schemas/{name}.schema.json is not a valid schema: {e}"));
        validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect()
    }

    /// `value` is valid under schema `name`; with a required top-level field removed, or any
    /// top-level field given a value of another JSON type, it is not.
    fn check(&mut self, name: &str, value: &Value) {
        let errors = Self::errors(name, value);
        assert!(errors.is_empty(), "{name}: {errors:?}\n{value:#}");
        let object = value.as_object().unwrap();
        let schema = checked_in(name);
        let required = schema["required"].as_array().unwrap();
        assert!(required.iter().any(|r| r == "format"), "{name}");
        for field in required {
            let mut broken = object.clone();
            broken.remove(field.as_str().unwrap());
            assert!(
                !Self::errors(name, &Value::Object(broken)).is_empty(),
                "{name} without {field} still validates"
            );
        }
        for (field, v) in object {
            let wrong = match v {
                Value::Null => continue,
                Value::String(_) => Value::from(12345),
                _ => Value::from("wrong type"),
            };
            let mut broken = object.clone();
            broken.insert(field.clone(), wrong);
            assert!(
                !Self::errors(name, &Value::Object(broken)).is_empty(),
                "{name} with {field} of the wrong type still validates"
            );
        }
        self.checked.push(name.to_string());
    }

    /// Runs `zkgov --json ARGS` in `d`, expecting exit code `code`, and checks its output.
    fn run(&mut self, name: &str, d: &Path, args: &[&str], code: i32) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let o = zkgov(&all, d);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{args:?}: {}{}",
            stdout(&o),
            String::from_utf8_lossy(&o.stderr)
        );
        let text = stdout(&o);
        assert_eq!(
            text.trim_end().lines().count(),
            1,
            "{args:?}: one line\n{text}"
        );
        let v = parse(&text);
        self.check(name, &v);
        v
    }

    /// Checks the JSON file `file` in `d` against schema `name`.
    fn file(&mut self, name: &str, d: &Path, file: &str) {
        let v = parse(&std::fs::read_to_string(d.join(file)).unwrap());
        self.check(name, &v);
    }
}

/// A policy accepting the ceremony key made by `contributor` (and test keys, for the opening key),
/// compute claims attested by `provider`, under id `eu`, epoch 2026.
fn policy(contributor: &str, provider: &str) -> String {
    format!(
        "format = \"zkgov-policy\"\nversion = 2\nid = \"eu\"\njurisdiction = \"Testland\"\n\
         legal_source = \"Test Act\"\n\n[context]\nepochs = [2026]\n\n[keys]\n\
         allow_test_keys = false\n\n[[keys.required_contributors]]\nname = \"EU\"\n\
         ed25519 = \"{contributor}\"\n\n[[accelerators]]\nname = \"H100\"\n\
         peak_flop_per_s = \"989.4e12\"\n\n[[providers]]\nname = \"Cloud\"\n\
         ed25519 = \"{provider}\"\n\n[[claims]]\nkind = \"training-compute\"\n\
         direction = \"at-most\"\nthreshold_flop = \"1e25\"\nrequire_provider_attestation = true\n"
    )
}

#[test]
fn real_outputs_and_files_match_their_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut c = Checker {
        checked: Vec::new(),
    };
    c.run("schema-list-output", d, &["schema", "--list"], 0);

    // Signing keys of every role.
    let mut public = |role: &str, out: &str| {
        let v = c.run(
            "attester-key-output",
            d,
            &["attester-key", "--role", role, "--out", out],
            0,
        );
        v["public_key"].as_str().unwrap().to_string()
    };
    let evaluator = public("evaluator", "aisi.key");
    let provider = public("provider", "cloud.key");
    let contributor = public("ceremony-contributor", "eu.key");

    // A ceremony makes the compute key.
    let who = ["--name", "EU AI Office", "--jurisdiction", "EU"];
    let signed = |args: &[&'static str]| {
        let mut a = args.to_vec();
        a.extend_from_slice(&who);
        a.extend_from_slice(&["--signing-key", "eu.key"]);
        a
    };
    c.run(
        "ceremony-phase1-new-output",
        d,
        &[
            "ceremony",
            "phase1-new",
            "--power",
            "13",
            "--out",
            "p0.zkp1",
        ],
        0,
    );
    c.run(
        "ceremony-phase1-contribute-output",
        d,
        &signed(&[
            "ceremony",
            "phase1-contribute",
            "p0.zkp1",
            "--out",
            "p1c.zkp1",
        ]),
        0,
    );
    c.run(
        "ceremony-phase1-prepare-output",
        d,
        &[
            "ceremony",
            "phase1-prepare",
            "p1c.zkp1",
            "--domain-power",
            "12",
            "--out",
            "p1.zkp1",
        ],
        0,
    );
    c.run(
        "ceremony-phase1-verify-output",
        d,
        &["ceremony", "phase1-verify", "p1.zkp1"],
        0,
    );
    c.run(
        "ceremony-init-output",
        d,
        &[
            "ceremony",
            "init",
            "--capacity",
            "16",
            "--phase1",
            "p1.zkp1",
            "--out",
            "c0.zkc",
        ],
        0,
    );
    c.run(
        "ceremony-contribute-output",
        d,
        &signed(&["ceremony", "contribute", "c0.zkc", "--out", "c1.zkc"]),
        0,
    );
    c.run(
        "ceremony-verify-output",
        d,
        &["ceremony", "verify", "c1.zkc", "--phase1", "p1.zkp1"],
        0,
    );
    let fin = c.run(
        "ceremony-finalize-output",
        d,
        &[
            "ceremony", "finalize", "c1.zkc", "--phase1", "p1.zkp1", "--keys", "keys",
        ],
        0,
    );
    let compute_key = fin["key_id"].as_str().unwrap();
    c.file("verifying-key", d, &format!("keys/{compute_key}.vk.json"));

    // Single-party keys for spot checks and eval claims.
    c.run(
        "keygen-output",
        d,
        &[
            "keygen",
            "--circuit",
            "opening",
            "--capacity",
            "16",
            "--keys",
            "keys",
        ],
        0,
    );
    c.run(
        "keygen-output",
        d,
        &[
            "keygen",
            "--circuit",
            "eval",
            "--capacity",
            "64",
            "--keys",
            "keys",
        ],
        0,
    );

    // A provider attests a ledger; the developer proves a compute claim about it.
    std::fs::write(
        d.join("ledger.csv"),
        "accelerator,devices,seconds\nH100,512,86400\nH100,256,3600\nH100,8,60\n",
    )
    .unwrap();
    let peak = ["--ledger", "ledger.csv", "--peak", "H100=989.4e12"];
    let with_peak = |args: &[&'static str]| {
        let mut a = args.to_vec();
        a.extend_from_slice(&peak);
        a
    };
    c.run(
        "attest-ledger-output",
        d,
        &with_peak(&[
            "attest",
            "ledger",
            "--provider-key",
            "cloud.key",
            "--account",
            "llm",
            "--period-start",
            "2026-01-01",
            "--period-end",
            "2026-01-31",
            "--out",
            "att.json",
        ]),
        0,
    );
    c.file("ledger-attestation", d, "att.json");
    c.run(
        "prove-compute-output",
        d,
        &with_peak(&[
            "prove",
            "compute",
            "--threshold",
            "1e25",
            "--policy-id",
            "eu",
            "--epoch",
            "2026",
            "--keys",
            "keys",
            "--ledger-attestation",
            "att.json",
            "--seed-file",
            "att.json.SECRET-seed",
            "--out",
            "b.json",
        ]),
        0,
    );
    c.file("bundle", d, "b.json");

    // An eval claim.
    let log = fixtures.join("inspect/arith-exact.eval");
    c.run(
        "prove-eval-output",
        d,
        &[
            "prove",
            "eval",
            "--log",
            log.to_str().unwrap(),
            "--below",
            "0.9",
            "--capacity",
            "64",
            "--evaluator-key",
            "aisi.key",
            "--policy-id",
            "eu",
            "--epoch",
            "2026",
            "--keys",
            "keys",
            "--out",
            "e.json",
        ],
        0,
    );
    c.file("bundle", d, "e.json");
    let ids: String = (1..=30).map(|i| format!("{i}\n")).collect();
    std::fs::write(d.join("ids.txt"), ids).unwrap();
    c.run(
        "benchmark-digest-output",
        d,
        &["benchmark-digest", "--ids", "ids.txt", "--capacity", "64"],
        0,
    );

    // Verification under a policy, with the ceremony checked, beside a tampered bundle and an
    // unreadable one: valid, invalid and unreadable results in one report.
    std::fs::write(d.join("eu.toml"), policy(&contributor, &provider)).unwrap();
    let text = std::fs::read_to_string(d.join("b.json")).unwrap();
    let proof = parse(&text)["claims"][0]["proof"]
        .as_str()
        .unwrap()
        .to_string();
    let mut tampered = proof.clone().into_bytes();
    tampered[100] = if tampered[100] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    std::fs::write(d.join("t.json"), text.replace(&proof, &tampered)).unwrap();
    std::fs::write(d.join("garbage.json"), "{not json").unwrap();
    let report = c.run(
        "verify-report",
        d,
        &[
            "verify",
            "b.json",
            "e.json",
            "t.json",
            "garbage.json",
            "--keys",
            "keys",
            "--trusted-attester",
            &evaluator,
            "--policy",
            "eu.toml",
            "--ceremony",
            "c1.zkc",
            "--phase1",
            "p1.zkp1",
        ],
        1,
    );
    let bundles = report["bundles"].as_array().unwrap();
    assert_eq!(bundles[0]["claims"][0]["valid"], true, "{report:#}");
    assert_eq!(bundles[0]["claims"][0]["claim"], 1, "{report:#}");
    assert!(
        bundles[0]["claims"][0]["ceremony"].is_object(),
        "{report:#}"
    );
    assert_eq!(
        bundles[0]["verdicts"][0]["outcome"], "compliant",
        "{report:#}"
    );
    assert_eq!(bundles[2]["claims"][0]["valid"], false, "{report:#}");
    assert_eq!(bundles[3]["readable"], false, "{report:#}");

    let v = c.run("inspect-output", d, &["inspect", "b.json"], 0);
    assert_eq!(v["claims"][0]["claim"], 1, "{v:#}");
    c.run("inspect-output", d, &["inspect", "e.json"], 0);
    c.run("policy-check-output", d, &["policy", "check", "eu.toml"], 0);
    let v = c.run(
        "export-output",
        d,
        &[
            "export",
            "b.json",
            "--snarkjs",
            "--keys",
            "keys",
            "--out-dir",
            "ex",
        ],
        0,
    );
    assert_eq!(v["claims"][0]["claim"], 1, "{v:#}");
    assert!(d.join("ex/claim-1/proof.json").exists());

    // A spot check: every record verified, then one opening withheld.
    let ch = c.run(
        "challenge-output",
        d,
        &["challenge", "b.json", "-k", "2", "--out", "ch.json"],
        0,
    );
    c.file("challenge", d, "ch.json");
    c.run(
        "open-output",
        d,
        &with_peak(&[
            "open",
            "--seed-file",
            "att.json.SECRET-seed",
            "--challenge",
            "ch.json",
            "--keys",
            "keys",
            "--out",
            "op.json",
        ]),
        0,
    );
    c.file("openings", d, "op.json");
    let audit = c.run(
        "audit-output",
        d,
        &[
            "audit",
            "--challenge",
            "ch.json",
            "--openings",
            "op.json",
            "--keys",
            "keys",
        ],
        0,
    );
    assert_eq!(audit["records"][0]["result"], "verified", "{audit:#}");
    assert_eq!(audit["records"][0]["index"], ch["indices"][0], "{audit:#}");
    let mut withheld = parse(&std::fs::read_to_string(d.join("op.json")).unwrap());
    withheld["openings"].as_array_mut().unwrap().remove(0);
    std::fs::write(d.join("op1.json"), withheld.to_string()).unwrap();
    let audit = c.run(
        "audit-output",
        d,
        &[
            "audit",
            "--challenge",
            "ch.json",
            "--openings",
            "op1.json",
            "--keys",
            "keys",
        ],
        1,
    );
    assert_eq!(audit["records"][0]["result"], "missing", "{audit:#}");

    // A sharded compute claim: plan, one shard task, the local run, the aggregate, its bundle.
    for (circuit, capacity) in [("shard", "16"), ("aggregate", "16")] {
        let args = [
            "keygen",
            "--circuit",
            circuit,
            "--capacity",
            capacity,
            "--keys",
            "skeys",
        ];
        c.run("keygen-output", d, &args, 0);
    }
    let mut csv = String::from("accelerator,devices,seconds\n");
    for i in 0..20 {
        csv += &format!("H100,8,{}\n", 3600 + i);
    }
    std::fs::write(d.join("big.csv"), csv).unwrap();
    let plan = [
        "plan",
        "compute",
        "--ledger",
        "big.csv",
        "--peak",
        "H100=989.4e12",
        "--threshold",
        "1e25",
        "--shards-of",
        "16",
        "--keys",
        "skeys",
        "--out",
        "plan",
    ];
    c.run("plan-compute-output", d, &plan, 0);
    let shard = ["prove", "shard", "plan", "--index", "0"];
    c.run("prove-shard-output", d, &shard, 0);
    c.run("run-plan-output", d, &["run-plan", "plan", "--local"], 0);
    c.run(
        "prove-aggregate-output",
        d,
        &["prove", "aggregate", "plan"],
        0,
    );
    c.file("bundle", d, "plan/bundle.json");
    let report = c.run(
        "verify-report",
        d,
        &["verify", "plan/bundle.json", "--keys", "skeys"],
        0,
    );
    assert!(
        report["bundles"][0]["claims"][0]["shard_key_id"].is_string(),
        "{report:#}"
    );

    c.run("demo-output", d, &["demo", "--dir", "demo"], 0);
    let e = c.run("error", d, &["inspect", "garbage.json"], 1);
    assert!(e["error"].as_str().unwrap().contains("malformed"), "{e}");

    // The registry: init, a witness key, a served log, publish, get, list, a proof, a witness round.
    let init = c.run(
        "registry-init-output",
        d,
        &[
            "registry",
            "init",
            "reg",
            "--origin",
            "registry.test/zkgov",
            "--submitter",
            "Lab",
            "--keys",
            "../keys",
        ],
        0,
    );
    let log_key = init["log_public_key"].as_str().unwrap().to_string();
    let w = c.run(
        "registry-witness-key-output",
        d,
        &[
            "registry",
            "witness-key",
            "--name",
            "witness.test",
            "--out",
            "w.key",
        ],
        0,
    );
    common::registry::configure(
        &d.join("reg/registry.toml"),
        &[],
        &format!(
            "\n[[witness]]\nkey = \"{}\"\n",
            w["public_key"].as_str().unwrap()
        ),
    );
    let server =
        common::registry::Server::start(&d.join("reg/registry.toml"), None, &d.join("reg.log"));
    let url = server.url.clone();
    let published = c.run(
        "registry-publish-output",
        d,
        &[
            "registry",
            "publish",
            "b.json",
            "--registry",
            &url,
            "--token-file",
            "reg/submitter.token",
        ],
        0,
    );
    assert_eq!(published["index"], 0, "{published:#}");
    c.run(
        "registry-get-output",
        d,
        &["registry", "get", "0", "--registry", &url],
        0,
    );
    c.run(
        "registry-list-output",
        d,
        &["registry", "list", "--registry", &url],
        0,
    );
    c.run(
        "registry-proof-output",
        d,
        &[
            "registry",
            "proof",
            "inclusion",
            "--index",
            "0",
            "--registry",
            &url,
            "--log-key",
            &log_key,
        ],
        0,
    );
    c.run(
        "registry-witness-output",
        d,
        &[
            "registry",
            "witness",
            "--registry",
            &url,
            "--log-key",
            &log_key,
            "--witness-key",
            "w.key",
            "--state",
            "w.state",
        ],
        0,
    );
    drop(server);

    // Every policy file, the examples' and this test's, read as JSON.
    let mut policies: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
    policies.push(d.join("eu.toml"));
    for p in &policies {
        let table: toml::Table = toml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let v = serde_json::to_value(table).unwrap();
        let errors = Checker::errors("policy", &v);
        assert!(errors.is_empty(), "{}: {errors:?}", p.display());
        c.checked.push("policy".into());
    }
    let mut broken: toml::Table = toml::from_str(&policy(&contributor, &provider)).unwrap();
    broken.insert("accelerators".into(), toml::Value::from("H100"));
    assert!(!Checker::errors("policy", &serde_json::to_value(broken).unwrap()).is_empty());

    // Every schema was checked against a real output or file.
    let mut unchecked = schema_names(d);
    unchecked.retain(|n| !c.checked.contains(n));
    assert!(
        unchecked.is_empty(),
        "no real output checked for {unchecked:?}"
    );
}
