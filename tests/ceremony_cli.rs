//! `zkgov ceremony` end to end: three states contribute to the key of the compute claim, the
//! key lands where `zkgov prove` and `zkgov verify` find it, and bad or tampered files give one
//! clear error line naming the step. With snarkjs present, a `.ptau` made by snarkjs is used too.

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

fn keys(d: &Path, names: &[&str]) {
    for n in names {
        ok(&zkgov(&["attester-key", "--out", &format!("{n}.key")], d));
    }
}

/// Proves a small compute claim with the key in `keys` and checks that verification accepts it
/// and shows the key as a ceremony key.
fn prove_and_verify(d: &Path) {
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
    let text = ok(&zkgov(&["verify", "b.json", "--keys", "keys"], d));
    assert!(
        text.contains("VALID") && text.contains("multi-party ceremony"),
        "{text}"
    );
    assert!(!text.contains("TEST ONLY"), "{text}");
}

#[test]
fn three_states_make_the_compute_key_and_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keys(d, &["eu", "uk", "us"]);
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
            "p1.zkp1",
        ],
        d,
    ));
    let text = ok(&zkgov(&["ceremony", "phase1-verify", "p1.zkp1"], d));
    assert!(text.contains("1 contribution(s), each checked"), "{text}");
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
    assert_eq!(v["contributors"][2], "CAISI (US)");
    assert_eq!(v["setup"], "ceremony");
    prove_and_verify(d);

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
    keys(d, &["eu"]);
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
    prove_and_verify(d);
}
