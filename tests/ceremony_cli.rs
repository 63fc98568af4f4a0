//! `zkgov ceremony` end to end: three states contribute to the key of the compute claim, the
//! key lands where `zkgov prove` and `zkgov verify` find it, and bad or tampered files give one
//! clear error line naming the step. With snarkjs present, a `.ptau` made by snarkjs is used too.
//! A ceremony key counts as one only when its transcript is checked against a policy's required
//! contributors (or the policy pins its ID); signing-key files of the wrong kind or role are refused.

mod common;
use common::{one_line_error, snarkjs_or_skip, zkgov};
use std::path::Path;
use std::process::Command;

fn ok(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Ceremony-contributor keys `<name>.key`; returns their public keys (hex).
fn keys(d: &Path, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| {
            let o = zkgov(
                &[
                    "--json",
                    "attester-key",
                    "--role",
                    "ceremony-contributor",
                    "--out",
                    &format!("{n}.key"),
                ],
                d,
            );
            let v: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
            v["public_key"].as_str().unwrap().to_string()
        })
        .collect()
}

/// A policy for claims made under id "eu", epoch 2026, accepting ceremony keys only; `keys` is
/// appended to its `[keys]` table.
fn write_policy(d: &Path, file: &str, keys: &str) -> String {
    let text = format!(
        "format = \"zkgov-policy\"\nversion = 1\nid = \"eu\"\njurisdiction = \"Testland\"\nlegal_source = \"Test Act\"\n\n[context]\nepochs = [2026]\n\n[keys]\nallow_test_keys = false\n{keys}\n\n[[accelerators]]\nname = \"H100\"\npeak_flop_per_s = \"989.4e12\"\n\n[[claims]]\nkind = \"training-compute\"\ndirection = \"at-most\"\nthreshold_flop = \"1e25\"\n"
    );
    std::fs::write(d.join(file), text).unwrap();
    file.to_string()
}

/// `zkgov verify b.json` with extra arguments: exit code and the whole output.
fn verify(d: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["verify", "b.json", "--keys", "keys"];
    args.extend_from_slice(extra);
    let o = zkgov(&args, d);
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Proves a small compute claim with the key in `keys` and checks that verification accepts it,
/// with the key's ceremony transcript (`ceremony`, from `phase1`) checked.
fn prove_and_verify(d: &Path, ceremony: &str, phase1: &str) {
    std::fs::write(
        d.join("ledger.csv"),
        "accelerator,devices,seconds\nH100,512,86400\nH100,256,3600\n",
    )
    .unwrap();
    ok(&zkgov(
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
            "eu",
            "--epoch",
            "2026",
            "--capacity",
            "16",
            "--keys",
            "keys",
            "--out",
            "b.json",
        ],
        d,
    ));
    let (code, text) = verify(d, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("VALID") && text.contains("claims a multi-party ceremony, not verified"),
        "{text}"
    );
    let (code, text) = verify(d, &["--ceremony", ceremony, "--phase1", phase1]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("multi-party ceremony, transcript verified"),
        "{text}"
    );
    assert!(!text.contains("TEST ONLY"), "{text}");
}

#[test]
fn three_states_make_the_compute_key_and_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let public = keys(d, &["eu", "uk", "us"]);
    ok(&zkgov(
        &[
            "ceremony",
            "phase1-new",
            "--power",
            "13",
            "--out",
            "p0.zkp1",
        ],
        d,
    ));
    // A phase 1 without contributions cannot start a ceremony.
    let e = one_line_error(&zkgov(
        &[
            "ceremony",
            "init",
            "--capacity",
            "16",
            "--phase1",
            "p0.zkp1",
            "--out",
            "c.zkc",
        ],
        d,
    ));
    assert!(e.contains("no contribution"), "{e}");
    assert!(!d.join("c.zkc").exists());
    ok(&zkgov(
        &[
            "ceremony",
            "phase1-contribute",
            "p0.zkp1",
            "--name",
            "coordinator",
            "--signing-key",
            "eu.key",
            "--out",
            "p1c.zkp1",
        ],
        d,
    ));
    let text = ok(&zkgov(&["ceremony", "phase1-verify", "p1c.zkp1"], d));
    assert!(text.contains("1 contribution(s), each checked"), "{text}");
    assert!(text.contains("of the domains none"), "{text}");
    // Unprepared: init names the domain and the command that prepares it.
    let e = one_line_error(&zkgov(
        &[
            "ceremony",
            "init",
            "--capacity",
            "16",
            "--phase1",
            "p1c.zkp1",
            "--out",
            "c.zkc",
        ],
        d,
    ));
    assert!(
        e.contains("no Lagrange basis for the domain 2^12")
            && e.contains("zkgov ceremony phase1-prepare PHASE1 --domain-power 12"),
        "{e}"
    );
    let text = ok(&zkgov(
        &[
            "ceremony",
            "phase1-prepare",
            "p1c.zkp1",
            "--domain-power",
            "12",
            "--out",
            "p1.zkp1",
        ],
        d,
    ));
    assert!(
        text.contains("Lagrange bases of the domains 2^12"),
        "{text}"
    );
    let text = ok(&zkgov(&["ceremony", "phase1-verify", "p1.zkp1"], d));
    assert!(text.contains("(checked) of the domains 2^12"), "{text}");
    ok(&zkgov(
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
        d,
    ));
    let e = one_line_error(&zkgov(
        &[
            "ceremony", "finalize", "c0.zkc", "--phase1", "p1.zkp1", "--keys", "keys",
        ],
        d,
    ));
    assert!(e.contains("no contribution"), "{e}");
    for (i, (name, j, key)) in [
        ("EU AI Office", "EU", "eu.key"),
        ("UK AISI", "UK", "uk.key"),
        ("CAISI", "US", "us.key"),
    ]
    .iter()
    .enumerate()
    {
        let (input, out) = (format!("c{i}.zkc"), format!("c{}.zkc", i + 1));
        let text = ok(&zkgov(
            &[
                "ceremony",
                "contribute",
                &input,
                "--name",
                name,
                "--jurisdiction",
                j,
                "--signing-key",
                key,
                "--out",
                &out,
            ],
            d,
        ));
        assert!(
            text.contains(&format!("contribution {} ({name}, {j})", i + 1)),
            "{text}"
        );
    }
    let o = zkgov(
        &[
            "--json", "ceremony", "finalize", "c3.zkc", "--phase1", "p1.zkp1", "--keys", "keys",
        ],
        d,
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(v["contributors"][2]["name"], "CAISI");
    assert_eq!(v["contributors"][2]["public_key"], public[2].as_str());
    assert_eq!(v["setup"], "ceremony");
    assert_eq!(v["phase1_trusted_by_hash"], false);
    let key_id = v["key_id"].as_str().unwrap().to_string();
    prove_and_verify(d, "c3.zkc", "p1.zkp1");
    required_contributors_and_policies(d, &public, &key_id);
    signing_keys_of_the_wrong_kind_or_role(d);

    // A name edited in the transcript: the next contributor's check names the step.
    let bytes = std::fs::read(d.join("c3.zkc")).unwrap();
    let at = bytes.windows(7).position(|w| w == b"UK AISI").unwrap();
    let mut edited = bytes.clone();
    edited[at + 6] = b'J';
    std::fs::write(d.join("edited.zkc"), &edited).unwrap();
    let e = one_line_error(&zkgov(
        &[
            "ceremony",
            "contribute",
            "edited.zkc",
            "--name",
            "x",
            "--signing-key",
            "eu.key",
            "--out",
            "never.zkc",
        ],
        d,
    ));
    assert!(
        e.contains("contribution 2 (UK AISJ, UK)") && e.contains("hash"),
        "{e}"
    );
    assert!(!d.join("never.zkc").exists());
    // The last point's encoding broken (all bits set: both flag bits, an invalid encoding; a
    // single flipped bit could land on another valid point, G1 having cofactor 1); a truncated
    // file; another kind of file.
    let mut flipped = bytes.clone();
    let n = flipped.len();
    flipped[n - 32..].fill(0xff);
    std::fs::write(d.join("flipped.zkc"), &flipped).unwrap();
    std::fs::write(d.join("short.zkc"), &bytes[..bytes.len() / 2]).unwrap();
    for (file, needle) in [
        ("flipped.zkc", "points"),
        ("short.zkc", "points"),
        ("p1.zkp1", "not a zkgov ceremony file"),
    ] {
        let e = one_line_error(&zkgov(
            &[
                "ceremony",
                "contribute",
                file,
                "--name",
                "x",
                "--signing-key",
                "eu.key",
                "--out",
                "never.zkc",
            ],
            d,
        ));
        assert!(e.contains(needle), "{file}: {e}");
    }
    let e = one_line_error(&zkgov(&["ceremony", "phase1-verify", "c3.zkc"], d));
    assert!(e.contains("not a zkgov phase-1 file"), "{e}");
}

#[test]
fn a_ptau_made_by_snarkjs_is_used_for_the_compute_key() {
    let Some(cmd) = snarkjs_or_skip("the snarkjs .ptau ceremony") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let snark = |args: &[&str]| {
        let o = Command::new(&cmd[0])
            .args(&cmd[1..])
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    snark(&["powersoftau", "new", "bn128", "13", "pot0.ptau"]);
    snark(&[
        "powersoftau",
        "contribute",
        "pot0.ptau",
        "pot1.ptau",
        "--name=state one",
        "-e=entropy of state one",
    ]);
    let text = ok(&zkgov(&["ceremony", "phase1-verify", "pot1.ptau"], d));
    assert!(text.contains("snarkjs .ptau of power 13"), "{text}");
    // The fresh, uncontributed .ptau has tau = 1: refused.
    let e = one_line_error(&zkgov(&["ceremony", "phase1-verify", "pot0.ptau"], d));
    assert!(e.contains("tau is 0 or 1"), "{e}");
    let public = keys(d, &["eu"]);
    // Not prepared for phase 2: init says how; snarkjs prepares it (sections 12 to 15).
    let e = one_line_error(&zkgov(
        &[
            "ceremony",
            "init",
            "--capacity",
            "16",
            "--phase1",
            "pot1.ptau",
            "--out",
            "c0.zkc",
        ],
        d,
    ));
    assert!(e.contains("snarkjs powersoftau prepare phase2"), "{e}");
    std::fs::rename(d.join("pot1.ptau"), d.join("pot1-unprepared.ptau")).unwrap();
    snark(&[
        "powersoftau",
        "prepare",
        "phase2",
        "pot1-unprepared.ptau",
        "pot1.ptau",
    ]);
    let text = ok(&zkgov(&["ceremony", "phase1-verify", "pot1.ptau"], d));
    assert!(text.contains("2^1, 2^2") && text.contains("2^13"), "{text}");
    ok(&zkgov(
        &[
            "ceremony",
            "init",
            "--capacity",
            "16",
            "--phase1",
            "pot1.ptau",
            "--out",
            "c0.zkc",
        ],
        d,
    ));
    ok(&zkgov(
        &[
            "ceremony",
            "contribute",
            "c0.zkc",
            "--name",
            "EU AI Office",
            "--signing-key",
            "eu.key",
            "--out",
            "c1.zkc",
        ],
        d,
    ));
    ok(&zkgov(
        &[
            "ceremony",
            "finalize",
            "c1.zkc",
            "--phase1",
            "pot1.ptau",
            "--keys",
            "keys",
        ],
        d,
    ));
    let text = ok(&zkgov(
        &["ceremony", "verify", "c1.zkc", "--phase1", "pot1.ptau"],
        d,
    ));
    assert!(
        text.contains("its randomness is TRUSTED BY THIS HASH")
            && text.contains(&format!("EU AI Office: signing key {}", public[0])),
        "{text}"
    );
    prove_and_verify(d, "c1.zkc", "pot1.ptau");
    // A policy requiring the EU's key still refuses the key until it accepts the .ptau's hash:
    // phase 1's randomness is only as good as the ceremony behind that hash.
    let required = format!(
        "\n[[keys.required_contributors]]\nname = \"EU AI Office\"\ned25519 = \"{}\"",
        public[0]
    );
    let p = write_policy(d, "p.toml", &required);
    let (code, text) = verify(
        d,
        &[
            "--policy",
            &p,
            "--ceremony",
            "c1.zkc",
            "--phase1",
            "pot1.ptau",
        ],
    );
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("nor saw contributed to by a required contributor (a .ptau is trusted by its hash only)"),
        "{text}"
    );
    let sha = sha256_hex(&std::fs::read(d.join("pot1.ptau")).unwrap());
    let p = write_policy(
        d,
        "p.toml",
        &format!("accepted_phase1_sha256 = [\"{sha}\"]{required}"),
    );
    let (code, text) = verify(
        d,
        &[
            "--policy",
            &p,
            "--ceremony",
            "c1.zkc",
            "--phase1",
            "pot1.ptau",
        ],
    );
    assert_eq!(code, Some(0), "{text}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// `ceremony verify --require-contributor` and policies' `[keys]` rules, on the finished
/// three-state ceremony (`c3.zkc` from `p1.zkp1`, contributed to by `eu.key` as "coordinator")
/// whose key proved `b.json`.
fn required_contributors_and_policies(d: &Path, public: &[String], key_id: &str) {
    let cv = |extra: &[&str]| {
        let mut args = vec!["ceremony", "verify", "c3.zkc", "--phase1", "p1.zkp1"];
        args.extend_from_slice(extra);
        zkgov(&args, d)
    };
    let uk = format!("UK AISI={}", public[1]);
    let text = ok(&cv(&["--require-contributor", &uk]));
    assert!(
        text.contains(&format!("2. UK AISI (UK): signing key {}", public[1]))
            && text.contains("its own contribution chain checked: coordinator"),
        "{text}"
    );
    // Someone else's key under UK AISI's name; a contributor that is not there at all.
    let impostor = format!("UK AISI={}", "ab".repeat(32));
    let e = one_line_error(&cv(&["--require-contributor", &impostor]));
    assert!(
        e.contains("required contributor \"UK AISI\" (key abababababab…) did not contribute: the contribution named \"UK AISI\" was signed by another key"),
        "{e}"
    );
    let absent = format!("Ruritania={}", "cd".repeat(32));
    let e = one_line_error(&cv(&[
        "--require-contributor",
        &uk,
        "--require-contributor",
        &absent,
    ]));
    assert!(
        e.contains("required contributors: required contributor \"Ruritania\" (key cdcdcdcdcdcd…) is not in the ceremony transcript"),
        "{e}"
    );
    let e = one_line_error(&cv(&["--require-contributor", "UK AISI"]));
    assert!(e.contains("expected NAME=PUBLIC_KEY"), "{e}");

    // Policies that accept ceremony keys only. The transcript unchecked: not shown, whatever the
    // key file says.
    let contributor = |name: &str, key: &str| {
        format!("\n[[keys.required_contributors]]\nname = \"{name}\"\ned25519 = \"{key}\"")
    };
    let uk_rule = contributor("UK AISI", &public[1]);
    let p = write_policy(d, "uk.toml", &uk_rule);
    let (code, text) = verify(d, &["--policy", &p]);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("whose file claims a multi-party ceremony that was not verified"),
        "{text}"
    );
    // Checked, with UK AISI in phase 2 and phase 1 contributed to by "coordinator" (eu.key):
    // phase 1 is trusted once the policy accepts its hash, or requires eu.key as well.
    let ceremony = [
        "--policy",
        &p,
        "--ceremony",
        "c3.zkc",
        "--phase1",
        "p1.zkp1",
    ];
    let (code, text) = verify(d, &ceremony);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("which this policy neither lists in keys.accepted_phase1_sha256"),
        "{text}"
    );
    let sha = sha256_hex(&std::fs::read(d.join("p1.zkp1")).unwrap());
    write_policy(
        d,
        "uk.toml",
        &format!("accepted_phase1_sha256 = [\"{sha}\"]{uk_rule}"),
    );
    let (code, text) = verify(d, &ceremony);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(
            "a ceremony key for this policy: its ceremony transcript verifies and includes UK AISI"
        ),
        "{text}"
    );
    write_policy(
        d,
        "uk.toml",
        &format!("{uk_rule}{}", contributor("EU AI Office", &public[0])),
    );
    let (code, text) = verify(d, &ceremony);
    assert_eq!(code, Some(0), "{text}");
    // A required contributor missing from the transcript: not shown, naming it.
    write_policy(
        d,
        "uk.toml",
        &format!(
            "accepted_phase1_sha256 = [\"{sha}\"]{uk_rule}{}",
            contributor("Ruritania", &"cd".repeat(32))
        ),
    );
    let (code, text) = verify(d, &ceremony);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("required contributor \"Ruritania\" (key cdcdcdcdcdcd…) is not in the ceremony transcript"),
        "{text}"
    );
    // No required contributor: a checked transcript of self-named contributors shows nothing.
    let p = write_policy(
        d,
        "none.toml",
        &format!("accepted_phase1_sha256 = [\"{sha}\"]"),
    );
    let (code, text) = verify(
        d,
        &[
            "--policy",
            &p,
            "--ceremony",
            "c3.zkc",
            "--phase1",
            "p1.zkp1",
        ],
    );
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("this policy names no [[keys.required_contributors]]"),
        "{text}"
    );
    // The policy's own pin: a ceremony key without any transcript.
    let p = write_policy(d, "pin.toml", &format!("accepted = [\"{key_id}\"]"));
    let (code, text) = verify(d, &["--policy", &p]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("its key ID is pinned by this policy"),
        "{text}"
    );
    // Ceremony and phase-1 files come in pairs.
    let e = one_line_error(&zkgov(
        &[
            "verify",
            "b.json",
            "--keys",
            "keys",
            "--ceremony",
            "c3.zkc",
            "--phase1",
            "p1.zkp1",
            "--phase1",
            "p1.zkp1",
        ],
        d,
    ));
    assert!(
        e.contains("1 ceremony file(s) but 2 --phase1 file(s)"),
        "{e}"
    );
}

/// A public key file, an evaluator's key, and an old bare-hex key file are each refused where a
/// ceremony contributor's secret key belongs, naming what the file is and what is needed.
fn signing_keys_of_the_wrong_kind_or_role(d: &Path) {
    ok(&zkgov(&["attester-key", "--out", "evaluator.key"], d));
    std::fs::write(d.join("old.key"), "11".repeat(32)).unwrap();
    for (file, needle) in [
        (
            "uk.key.pub",
            "a PUBLIC ceremony-contributor key; a secret ceremony-contributor key is needed to sign",
        ),
        (
            "evaluator.key",
            "a secret evaluator key, but this needs a ceremony-contributor key",
        ),
        ("old.key", "an old key file of bare hex"),
    ] {
        let e = one_line_error(&zkgov(
            &[
                "ceremony",
                "contribute",
                "c3.zkc",
                "--name",
                "x",
                "--signing-key",
                file,
                "--out",
                "never.zkc",
            ],
            d,
        ));
        assert!(e.contains(&format!("{file}: {needle}")), "{e}");
    }
    assert!(!d.join("never.zkc").exists());
    // The key file is not overwritten.
    let e = one_line_error(&zkgov(&["attester-key", "--out", "evaluator.key"], d));
    assert!(e.contains("already exists"), "{e}");
}
