//! Evidence fidelity: what zkgov commits is what the tools themselves report.
//!
//! The fixtures in `fixtures/inspect-reducers`, `fixtures/inspect-old` and `fixtures/lm-eval-runs`
//! were written by the real tools (provenance in `fixtures/README.md`); each `expected.json` holds
//! the numbers the tool's own reader returned. Every series a log reports a mean for is imported
//! and compared with those numbers, value by value, and claims just either side of the tool's
//! number are accepted or refused exactly as that number says. Run with `--nocapture` to print
//! the table.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use serde_json::Value;
use zkgov_evidence::{
    inspect_ai::{read_inspect, Select},
    lm_eval::read_lm_eval,
    EvalLog, ImportError, RunIdentity, ValuesFrom,
};
use zkgov_prover::{
    eval::{parse_red_line, ErroredPolicy, EvalClaimSpec, EvalJob},
    ProveError,
};
use zkgov_spec::{eval::Direction, statement::Context};

fn fixture(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures")).join(rel)
}

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn ok<T>(r: Result<T, ImportError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn err<T: std::fmt::Debug>(r: Result<T, ImportError>) -> String {
    let m = r.expect_err("expected an import error").to_string();
    assert!(!m.contains('\n'), "multi-line error: {m}");
    m
}

/// A number from an expected file (`"NaN"` is written as a string there).
fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// The mean of the values a claim would commit, over the samples that have one.
fn mean(log: &EvalLog) -> f64 {
    let v: Vec<f64> = log.values.iter().filter_map(|(_, v)| *v).collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// Whether `EvalJob::new` accepts the claim (`Ok(true)`), refuses it as false (`Ok(false)`).
fn holds(log: &EvalLog, direction: Direction, line: &str) -> bool {
    let spec = EvalClaimSpec {
        direction,
        red_line: parse_red_line(line).unwrap_or_else(|e| panic!("{line}: {e}")),
        score_max: 1.0,
        // Inspect's metrics leave samples without a value out; so does this comparison.
        errored: ErroredPolicy::Exclude,
    };
    let context = Context {
        policy_id: "fidelity".into(),
        epoch: 2026,
        nonce: None,
    };
    let key = SigningKey::from_bytes(&[9; 32]);
    match EvalJob::new(log, &spec, context, &[1; 32], None, &key) {
        Ok(_) => true,
        Err(ProveError::ClaimFalse(_)) => false,
        Err(e) => panic!("{line}: {e}"),
    }
}

/// Claims just either side of the tool's number `m`: a below claim at `m + 2e-6` and an at-least
/// claim at `m - 2e-6` hold (rounding moves a committed mean by less than 1e-6); a below claim
/// at `m - 1e-6` and an at-least claim at `m + 1e-6` are false. Returns the table row's cells.
fn boundary(log: &EvalLog, m: f64) -> String {
    let at = |d: f64| format!("{:.7}", (m + d).max(0.0));
    let cases = [
        (Direction::Below, at(2e-6), true),
        (Direction::Below, at(-1e-6), false),
        (Direction::AtLeast, at(-2e-6), true),
        (Direction::AtLeast, at(1e-6), false),
    ];
    let mut cells = Vec::new();
    for (direction, line, want) in cases {
        let got = holds(log, direction, &line);
        assert_eq!(
            got,
            want,
            "{} {:?} {line} (tool's number {m})",
            log.scorer,
            direction.words()
        );
        cells.push(format!(
            "{} {line}: {}",
            direction.words(),
            if got { "proven" } else { "refused" }
        ));
    }
    cells.join(" | ")
}

/// A reduced sample's value as Inspect's reader converted it (its `key` for a dict value).
fn reduced_value(sample: &Value, key: Option<&str>) -> Option<f64> {
    match key {
        Some(k) => number(&sample["value_float"][k]),
        None => number(&sample["value_float"]),
    }
}

/// The Inspect logs with expected values, and the formats each is stored in.
const INSPECT_LOGS: [(&str, &[&str]); 6] = [
    ("inspect-reducers/at-least-value", &[".eval"]),
    ("inspect-reducers/pass-reducers", &[".eval", ".json"]),
    ("inspect-reducers/dict-two-scorers", &[".eval"]),
    ("inspect-reducers/errors-kept", &[".eval"]),
    ("inspect-old/ci-epochs-0.3.90", &[".eval", ".json"]),
    ("inspect-old/ci-epochs-0.3.99", &[".eval", ".json"]),
];

#[test]
fn every_inspect_series_is_the_logs_own_numbers() {
    let mut rows = 0;
    for (stem, formats) in INSPECT_LOGS {
        let exp = read_json(&fixture(&format!("{stem}.expected.json")));
        for ext in formats {
            let file = fixture(&format!("{stem}{ext}"));
            for score in exp["results"]["scores"].as_array().into_iter().flatten() {
                let name = score["name"].as_str().unwrap_or_default();
                let scorer = score["scorer"].as_str().unwrap_or_default();
                let reducer = score["reducer"].as_str();
                let key = (name != scorer).then_some(name);
                let (metric, tool) = ["accuracy", "mean"]
                    .into_iter()
                    .find_map(|m| Some((m, number(&score["metrics"][m])?)))
                    .unwrap_or_else(|| panic!("{stem} {name}: no mean metric"));
                let log = ok(read_inspect(
                    &file,
                    Select {
                        scorer: Some(scorer),
                        key,
                        reducer,
                    },
                ));
                let what = format!("{stem}{ext} {name} {}", reducer.unwrap_or("(default)"));
                assert_eq!(log.values_from, ValuesFrom::LogReductions, "{what}");
                assert_eq!(log.reducer, reducer.unwrap_or("mean"), "{what}");
                let reported = log.metric.clone().unwrap_or_else(|| panic!("{what}"));
                assert_eq!((reported.metric.as_str(), reported.value), (metric, tool));
                assert!((mean(&log) - tool).abs() < 1e-12, "{what}");

                // Value by value, as Inspect's reader returned the reduction.
                let reduction = exp["reductions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|r| r["scorer"] == scorer && r["reducer"].as_str() == reducer)
                    .unwrap_or_else(|| panic!("{what}: no reduction"));
                let samples = reduction["samples"].as_array().cloned().unwrap_or_default();
                for s in &samples {
                    let id = match &s["sample_id"] {
                        Value::String(x) => x.clone(),
                        other => other.to_string(),
                    };
                    let want = reduced_value(s, key);
                    let got = log.values.iter().find(|(i, _)| *i == id).map(|(_, v)| *v);
                    assert_eq!(got, Some(want), "{what} sample {id}");
                }
                // Samples the reduction leaves out (errored in every epoch) have no value.
                let without = log.values.iter().filter(|(_, v)| v.is_none()).count();
                let nan = samples.iter().filter(|s| reduced_value(s, key).is_none());
                assert_eq!(
                    without,
                    log.values.len() - samples.len() + nan.count(),
                    "{what}"
                );
                println!(
                    "| {stem}{ext} | {name} | {} | {metric} {tool} | {} | {} |",
                    log.reducer,
                    mean(&log),
                    boundary(&log, tool)
                );
                rows += 1;
            }
        }
    }
    assert_eq!(rows, 2 * 18 + 1 + 3 + 1 + 2 + 2);
}

/// The case: `epochs=Epochs(3, at_least(2, value=0.5))` logs as `at_least_2`; Inspect
/// reports 19/30. The log's reductions give 19/30, so "at least 19/30" is proven and "below 1/10"
/// refused. Without its reductions the log is refused, naming both numbers, because the
/// threshold the reducer used is not in the log and a recomputation gives 1/30.
#[test]
fn a_parameterised_reducer_is_taken_from_the_logs_reductions() {
    let path = fixture("inspect-reducers/at-least-value.eval");
    let log = ok(read_inspect(&path, Select::default()));
    assert_eq!(log.reducer, "at_least_2");
    assert!((mean(&log) - 19.0 / 30.0).abs() < 1e-12);
    assert!(holds(&log, Direction::AtLeast, "19/30"));
    assert!(!holds(&log, Direction::Below, "1/10"));
    assert!(!holds(&log, Direction::AtLeast, "2/3"));

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let stripped = dir.path().join("no-reductions.eval");
    copy_zip_without(&path, &stripped, "reductions.json");
    let m = err(read_inspect(&stripped, Select::default()));
    assert!(
        m.contains("reports mean 0.6333333333333333")
            && m.contains("recomputed from its epochs")
            && m.contains("average 0.03333333333333333"),
        "{m}"
    );
}

/// Copies a ZIP, leaving out one member.
fn copy_zip_without(src: &Path, dst: &Path, member: &str) {
    let mut zin = zip::ZipArchive::new(std::fs::File::open(src).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut zout =
        zip::ZipWriter::new(std::fs::File::create(dst).unwrap_or_else(|e| panic!("{e}")));
    for i in 0..zin.len() {
        let f = zin.by_index_raw(i).unwrap_or_else(|e| panic!("{e}"));
        if f.name().map(|n| n != member).unwrap_or(true) {
            zout.raw_copy_file(f).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    zout.finish().unwrap_or_else(|e| panic!("{e}"));
}

/// A log whose reductions disagree with its own metric (one value edited) is refused with both
/// numbers: the committed values would not be the ones the tool's number was computed from.
#[test]
fn reductions_that_contradict_the_logs_metric_are_refused() {
    let path = fixture("inspect-reducers/pass-reducers.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let from = "\"value\": 0.25,\n          \"history\": [],\n          \"sample_id\": \"pr-02\"";
    // The first match is exact_letter's mean reduction, the headline's series.
    assert!(text.find(from) > text.find("\"reductions\": ["));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let edited = dir.path().join("edited.json");
    std::fs::write(
        &edited,
        text.replacen(from, &from.replace("0.25", "0.0"), 1),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let m = err(read_inspect(&edited, Select::default()));
    assert!(
        m.contains("reports accuracy 0.5125")
            && m.contains("in the log's own reductions average 0.5")
            && m.contains("edited.json"),
        "{m}"
    );
}

#[test]
fn several_reducers_need_a_choice() {
    let path = fixture("inspect-reducers/pass-reducers.eval");
    // The headline names its reducer (mean) for its own scorer.
    let log = ok(read_inspect(&path, Select::default()));
    assert_eq!(
        (log.scorer.as_str(), log.reducer.as_str()),
        ("exact_letter", "mean")
    );
    let other = Select {
        scorer: Some("graded_numeric"),
        ..Select::default()
    };
    let m = err(read_inspect(&path, other));
    assert!(
        m.contains("--reducer") && m.contains("at_least_3") && m.contains("pass_k_2"),
        "{m}"
    );
    let m = err(read_inspect(
        &path,
        Select {
            reducer: Some("min"),
            ..other
        },
    ));
    assert!(m.contains("no reducer \"min\""), "{m}");
    // at_least(3, value=0.5): the log's 0.4, not the 0.35 a threshold of 1.0 would give.
    let log = ok(read_inspect(
        &path,
        Select {
            reducer: Some("at_least_3"),
            ..other
        },
    ));
    assert!((mean(&log) - 0.4).abs() < 1e-12);
}

/// Logs from Inspect 0.3.90 have no `eval_id`: the claim carries `run_id/task_id` and says so.
#[test]
fn old_logs_name_their_run_by_run_and_task_id() {
    for (stem, kind) in [
        (
            "inspect-old/ci-epochs-0.3.90",
            RunIdentity::INSPECT_RUN_TASK,
        ),
        ("inspect-old/ci-epochs-0.3.99", RunIdentity::INSPECT_EVAL_ID),
    ] {
        let exp = read_json(&fixture(&format!("{stem}.expected.json")));
        let e = &exp["eval"];
        let id = match kind {
            RunIdentity::INSPECT_EVAL_ID => e["eval_id"].as_str().unwrap_or_default().to_string(),
            _ => format!(
                "{}/{}",
                e["run_id"].as_str().unwrap_or_default(),
                e["task_id"].as_str().unwrap_or_default()
            ),
        };
        for ext in [".eval", ".json"] {
            let log = ok(read_inspect(
                &fixture(&format!("{stem}{ext}")),
                Select::default(),
            ));
            assert_eq!(
                (log.run.kind.as_str(), log.run.id.as_str()),
                (kind, id.as_str())
            );
        }
    }
}

const LM_RUNS: [&str; 3] = ["full", "limit5", "full-other-model"];

/// The samples and results files of one lm-eval run directory, for `task`.
fn lm_files(run: &str, task: &str) -> (PathBuf, PathBuf) {
    let dir = fixture(&format!("lm-eval-runs/{run}"));
    let exp = read_json(&dir.join("expected.json"));
    let results = dir.join(exp["results_file"].as_str().unwrap_or_default());
    let samples = dir.join(
        exp["tasks"][task]["samples_file"]
            .as_str()
            .unwrap_or_default(),
    );
    (samples, results)
}

/// Each run is named by its own date and bound by its own files: the task hash, equal across
/// runs over the same documents, names no run.
#[test]
fn lm_eval_claims_name_the_run() {
    let mut seen = Vec::new();
    for run in LM_RUNS {
        let exp = read_json(&fixture(&format!("lm-eval-runs/{run}/expected.json")));
        for (task, metric, filter) in [
            ("gov_mc_local", "acc", "none"),
            ("gov_binary_local", "acc", "none"),
            ("gov_gen_local", "exact_match", "first-number"),
        ] {
            let (samples, results) = lm_files(run, task);
            let log = ok(read_lm_eval(&samples, &results, metric, filter));
            let tool = number(&exp["tasks"][task]["results"][format!("{metric},{filter}")])
                .unwrap_or_else(|| panic!("{run} {task}"));
            assert_eq!(log.metric.as_ref().map(|m| m.value), Some(tool));
            assert!((mean(&log) - tool).abs() < 1e-12, "{run} {task}");
            assert_eq!(log.run.kind, RunIdentity::LM_EVAL_RUN);
            assert!(exp["results_file"]
                .as_str()
                .is_some_and(|f| f.contains(&log.run.id)));
            println!(
                "| lm-eval {run} {task} | {metric},{filter} | none | {metric} {tool} | {} | {} |",
                mean(&log),
                boundary(&log, tool)
            );
            seen.push((task, log.run.id, log.evidence_sha256));
        }
    }
    for (i, a) in seen.iter().enumerate() {
        for b in &seen[i + 1..] {
            assert_ne!(a.2, b.2, "{a:?} {b:?}");
            if a.0 == b.0 {
                assert_ne!(a.1, b.1);
            }
        }
    }
    // The full run and the other model's run evaluate the same documents: same task hash.
    let hash = |run: &str| {
        read_json(&fixture(&format!("lm-eval-runs/{run}/expected.json")))["tasks"]["gov_mc_local"]
            ["task_hash"]
            .clone()
    };
    assert_eq!(hash("full"), hash("full-other-model"));
}

#[test]
fn corpus_level_metrics_are_refused_with_the_reason() {
    for (task, metric, filter) in [
        ("gov_binary_local", "f1", "none"),
        ("gov_binary_local", "mcc", "none"),
        ("gov_gen_local", "bleu", "raw"),
    ] {
        let (samples, results) = lm_files("full", task);
        let m = err(read_lm_eval(&samples, &results, metric, filter));
        assert!(
            m.contains("corpus-level metric") && m.contains("a claim about a mean cannot show it"),
            "{m}"
        );
    }
    // A results file without the tasks' configs: the metric's name gives it away.
    let (samples, results) = lm_files("full", "gov_binary_local");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut r: Value = read_json(&results);
    r["configs"] = Value::Object(Default::default());
    let stripped = dir.path().join(results.file_name().unwrap_or_default());
    std::fs::File::create(&stripped)
        .and_then(|mut f| f.write_all(r.to_string().as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    let m = err(read_lm_eval(&samples, &stripped, "f1", "none"));
    assert!(m.contains("corpus-level"), "{m}");
}
