//! Eval logs to fixed-point scores: every Inspect and lm-eval fixture's recomputed headline equals
//! the log's own within the rounding the scale implies, and errored samples count as stated.

use std::path::PathBuf;
use zkgov_evidence::{inspect_ai, lm_eval};
use zkgov_spec::eval::fixed_point;
use zkgov_spec::eval::SCALE;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures"))
}

/// Mean of the scored samples' fixed-point values (as Inspect computes its headline: errored and
/// unscored samples dropped), rounding each value up or down.
fn fixed_mean(values: &[(String, Option<f64>)], up: bool) -> f64 {
    let v: Vec<u64> = values
        .iter()
        .filter_map(|(_, x)| x.map(|x| fixed_point(x, up).unwrap()))
        .collect();
    v.iter().sum::<u64>() as f64 / v.len() as f64 / SCALE as f64
}

#[test]
fn inspect_headlines_match_within_the_scale() {
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("inspect/expected-summary.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for entry in summary.as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let headline = entry["headline_resolved"]["value"].as_f64().unwrap();
        let log =
            inspect_ai::read_inspect(&fixtures().join("inspect").join(file), Default::default())
                .unwrap();
        let reduced = &log.values;
        for up in [true, false] {
            let m = fixed_mean(reduced, up);
            // Each value moves by less than one unit (1e-6) when rounded; so does the mean.
            assert!(
                (m - headline).abs() <= 1.0 / SCALE as f64,
                "{file} up={up}: {m} vs {headline}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 8);
}

#[test]
fn lm_eval_means_match_results() {
    let dir = fixtures().join("lm-eval");
    let results = dir.join("results_2026-11-22T13-09-06.599652.json");
    for (task, metric, filter, expected) in [
        ("gov_mc", "acc", "none", 0.775),
        ("gov_mc_large", "acc", "none", 0.775),
        ("gov_gen", "exact_match", "strict-match", 0.7666666666666667),
    ] {
        let samples = dir.join(format!("samples_{task}_2026-11-22T13-09-06.599652.jsonl"));
        let log = lm_eval::read_lm_eval(&samples, &results, metric, filter).unwrap();
        let reduced = &log.values;
        for up in [true, false] {
            let m = fixed_mean(reduced, up);
            assert!(
                (m - expected).abs() <= 1.0 / SCALE as f64,
                "{task}: {m} vs {expected}"
            );
        }
    }
}

#[test]
fn errored_and_unscored_samples_have_no_value() {
    // edge-cases: 12 samples; for letter_cycle 10 scored, 1 NaN (unscored), 1 errored — as
    // Inspect's own summary counts them (scored_samples 10, one sample errored).
    let log = inspect_ai::read_inspect(
        &fixtures().join("inspect/edge-cases.eval"),
        Default::default(),
    )
    .unwrap();
    let reduced = &log.values;
    assert_eq!(reduced.len(), 12);
    assert_eq!(reduced.iter().filter(|(_, v)| v.is_some()).count(), 10);
    assert_eq!(log.errored, 1);
}
