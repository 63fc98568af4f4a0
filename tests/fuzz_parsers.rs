//! Property-based fuzzing of every parser that reads another party's file: arbitrary bytes, and
//! valid files with random mutations, must give an error or a value, never a panic. (A stable
//! toolchain stand-in for cargo-fuzz; any failing case proptest finds is kept in
//! `proptest-regressions/` and replayed on every run.)

use proptest::prelude::*;
use std::io::Write;
use zkgov_evidence::{
    inspect_ai,
    ledger_file::{import_text, LedgerFormat, PeakTable},
    lm_eval,
    sacct::parse_sacct,
};
use zkgov_spec::bundle::Bundle;
use zkgov_verifier::{
    audit::Challenge,
    groth16::{decode_proof, ParsedStatement},
    keys::TrustedKey,
};

const BUNDLE: &str = r#"{"format":"zkgov-bundle","version":1,"claims":[{"statement":{"kind":"training-compute","capacity":64,"record_count":3,"threshold_flop":"10000000000000000000000000","peak_table":[{"accelerator":"H100","peak_flop_per_s":"989400000000000"}],"ledger_root":"0x000000000000000000000000000000000000000000000000000000000000002a","context":{"policy_id":"demo","epoch":2026,"nonce":null}},"key_id":"0000000000000000000000000000000000000000000000000000000000000000","proof":"00"}]}"#;

fn mutate(base: &str, edits: &[(usize, u8)]) -> Vec<u8> {
    let mut b = base.as_bytes().to_vec();
    for (i, v) in edits {
        let n = b.len();
        if n > 0 {
            b[i % n] = *v;
        }
    }
    b
}

fn exercise_bundle(text: &str) {
    if let Ok(b) = Bundle::from_json(text) {
        for c in &b.claims {
            let _ = ParsedStatement::parse(&c.statement).map(|p| p.public_inputs());
            let _ = decode_proof(&c.proof);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn bundles_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400),
                           edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..8)) {
        exercise_bundle(&String::from_utf8_lossy(&bytes));
        exercise_bundle(&String::from_utf8_lossy(&mutate(BUNDLE, &edits)));
    }

    #[test]
    fn keys_and_challenges_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = TrustedKey::from_json(&text, None);
        let _ = Challenge::from_json(&text);
        let _ = decode_proof(&hex::encode(&bytes));
    }

    #[test]
    fn ledgers_never_panic(lines in prop::collection::vec("[-a-zA-Z0-9|=,:/._ ]{0,60}", 0..12)) {
        let peaks = PeakTable::from_args(&["H100=989.4e12".into()]).unwrap();
        let body = lines.join("\n");
        let _ = parse_sacct(&format!("JobID|AllocTRES|ElapsedRaw|State\n{body}"));
        let _ = parse_sacct(&body);
        let _ = import_text(&format!("accelerator,devices,seconds\n{body}"), "f", LedgerFormat::Csv, &peaks);
        let _ = import_text(&body, "f", LedgerFormat::Json, &peaks);
    }

    #[test]
    fn eval_logs_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600),
                             edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, data: &[u8]| {
            let p = dir.path().join(name);
            std::fs::File::create(&p).unwrap().write_all(data).unwrap();
            p
        };
        // Random bytes as .eval (zip), .json and lm-eval files.
        let _ = inspect_ai::read_inspect(&write("a.eval", &bytes), Default::default());
        let _ = inspect_ai::read_inspect(&write("a.json", &bytes), Default::default());
        let samples = write("samples_t_x.jsonl", &bytes);
        let results = write("results_x.json", &bytes);
        let _ = lm_eval::read_lm_eval(&samples, &results, "acc", "none");
        // A real Inspect JSON log with a few bytes changed.
        let real = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/inspect/edge-cases.json"))
            .unwrap_or_default();
        let _ = inspect_ai::read_inspect(&write("m.json", &mutate(&real, &edits)), Default::default());
    }

    #[test]
    fn mutated_and_truncated_eval_zips_never_panic(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/inspect/edge-cases.eval");
        let Ok(real) = std::fs::read(path) else { return Ok(()) };
        let dir = tempfile::tempdir().unwrap();
        let mut m = real.clone();
        for (i, v) in &edits {
            let n = m.len();
            m[i % n] = *v;
        }
        let p = dir.path().join("m.eval");
        std::fs::write(&p, &m).unwrap();
        let _ = inspect_ai::read_inspect(&p, Default::default());
        std::fs::write(&p, &real[..cut % real.len()]).unwrap();
        prop_assert!(inspect_ai::read_inspect(&p, Default::default()).is_err());
    }
}
