//! Evidence importers against real tool output in the repository's `fixtures/`.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use zkgov_evidence::{
    inspect_ai::{
        read_inspect, Select, MAX_ZIP_MEMBERS, MAX_ZIP_MEMBER_BYTES, MAX_ZIP_TOTAL_BYTES,
    },
    lm_eval::read_lm_eval,
    sacct::parse_sacct,
    EvalLog, ImportError, RunIdentity, ValuesFrom,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

fn fixture(rel: &str) -> PathBuf {
    Path::new(FIXTURES).join(rel)
}

fn read_text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&read_text(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The scorer and key to import (the log's default reducer).
fn sel<'a>(scorer: Option<&'a str>, key: Option<&'a str>) -> Select<'a> {
    Select {
        scorer,
        key,
        reducer: None,
    }
}

fn ok<T>(r: Result<T, ImportError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// The error message, checked to be one line.
fn err<T: std::fmt::Debug>(r: Result<T, ImportError>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => {
            let m = e.to_string();
            assert!(!m.contains('\n'), "multi-line error: {m}");
            m
        }
    }
}

/// The mean over samples of the imported per-sample values, leaving out samples without one (as
/// Inspect's metrics do). Also returns how many samples count.
fn recomputed(log: &EvalLog) -> (f64, usize) {
    let v: Vec<f64> = log.values.iter().filter_map(|(_, v)| *v).collect();
    (v.iter().sum::<f64>() / v.len() as f64, v.len())
}

// ---------------------------------------------------------------------------------------------
// Slurm

#[test]
fn sacct_fixture_counts_allocation_rows_only() {
    let expected = read_json(&fixture("slurm/sacct_h100_pretrain.expected.json"));
    let text = read_text(&fixture("slurm/sacct_h100_pretrain.psv"));
    let a = ok(parse_sacct(&text));
    let total: u64 = a.iter().map(|a| a.gpus * a.elapsed_seconds).sum();
    assert_eq!(total, 1_063_069_510);
    assert_eq!(
        Some(total),
        expected["gpu_seconds_allocation_rows_only"].as_u64()
    );
    // Allocation rows (no '.' in the JobID) without GPU TRES contribute nothing: the PENDING job
    // and CPU-only array tasks. Every other allocation row holds one GPU type.
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split('|').collect::<Vec<_>>())
        .filter(|f| !f[0].contains('.'))
        .collect();
    assert_eq!(
        Some(rows.len() as u64),
        expected["allocation_rows"].as_u64()
    );
    let no_gpu: Vec<&Vec<&str>> = rows.iter().filter(|f| !f[3].contains("gres/gpu")).collect();
    assert_eq!(no_gpu.len(), 6); // 1 PENDING + 5 CPU-only array tasks
    assert_eq!(a.len(), rows.len() - no_gpu.len());
    let mut lines: Vec<usize> = a.iter().map(|a| a.line).collect();
    lines.dedup();
    assert_eq!(lines.len(), a.len());
    assert!(a
        .iter()
        .all(|a| a.gpu_type.as_deref() == Some("h100") && !a.job_id.contains('.')));
    // States of the allocations plus those of the GPU-less rows are the expected states of all
    // allocation rows ("CANCELLED by N" counts as CANCELLED).
    let mut states: HashMap<String, u64> = HashMap::new();
    let states_of = a
        .iter()
        .map(|x| x.state.as_str())
        .chain(no_gpu.iter().map(|f| f[7]));
    for s in states_of {
        let s = s.split(' ').next().unwrap_or_default().to_string();
        *states.entry(s).or_default() += 1;
    }
    let want: HashMap<String, u64> = expected["states_allocation_rows"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(states, want);
    // Line numbers are the file's: the first data row is line 2.
    assert_eq!(a[0].line, 2);
    assert_eq!(
        text.lines()
            .nth(a[0].line - 1)
            .map(|l| l.starts_with(&a[0].job_id)),
        Some(true)
    );
}

// ---------------------------------------------------------------------------------------------
// Inspect

/// One line of `<task>.expected-scores.jsonl`.
struct ExpectedRow {
    sample_id: String,
    epoch: u32,
    /// `None` for an errored sample (one line, no scorer).
    scorer: Option<String>,
    value_float: Value,
    error: Option<String>,
}

struct Expected {
    rows: Vec<ExpectedRow>,
}

fn expected_scores(file: &str) -> Expected {
    let text = read_text(&fixture(&format!("inspect/{file}")));
    let rows = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}: {e}"));
            let id = match &v["sample_id"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            ExpectedRow {
                sample_id: id,
                epoch: v["epoch"].as_u64().unwrap_or(0) as u32,
                scorer: v["scorer"].as_str().map(String::from),
                value_float: v["value_float"].clone(),
                error: v["error"].as_str().map(String::from),
            }
        })
        .collect();
    Expected { rows }
}

/// Checks a log's per-(sample, epoch) values against the expected-scores file for one scorer.
fn check_values(log: &EvalLog, exp: &Expected, scorer: &str, key: Option<&str>, file: &str) {
    let mut want: HashMap<(String, u32), (Option<f64>, Option<String>)> = HashMap::new();
    for r in &exp.rows {
        if r.scorer.as_deref().is_some_and(|s| s != scorer) {
            continue;
        }
        let v = match (key, &r.value_float) {
            (Some(k), Value::Object(m)) => m.get(k).and_then(Value::as_f64),
            (_, v) => v.as_f64(),
        };
        want.insert((r.sample_id.clone(), r.epoch), (v, r.error.clone()));
    }
    assert_eq!(log.samples.len(), want.len(), "{file} {scorer}");
    for s in &log.samples {
        let w = want
            .get(&(s.sample_id.clone(), s.epoch))
            .unwrap_or_else(|| {
                panic!(
                    "{file}: unexpected sample {} epoch {}",
                    s.sample_id, s.epoch
                )
            });
        assert_eq!(
            (&s.value, &s.error),
            (&w.0, &w.1),
            "{file} {scorer} sample {} epoch {}",
            s.sample_id,
            s.epoch
        );
    }
    let errored = want.values().filter(|w| w.1.is_some()).count();
    assert_eq!(log.errored, errored, "{file} {scorer}");
}

#[test]
fn inspect_fixtures_match_inspects_own_reader() {
    let summary = read_json(&fixture("inspect/expected-summary.json"));
    let entries = summary.as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 8);
    for e in &entries {
        let file = e["file"].as_str().unwrap_or_default();
        let path = fixture(&format!("inspect/{file}"));
        let exp = expected_scores(e["scores_file"].as_str().unwrap_or_default());

        // Defaults: the headline's scorer.
        let log = ok(read_inspect(&path, sel(None, None)));
        let fmt = if file.ends_with(".eval") {
            "inspect-eval"
        } else {
            "inspect-json"
        };
        assert_eq!(log.source_format, fmt);
        assert_eq!(Some(log.task.as_str()), e["task"].as_str(), "{file}");
        assert_eq!(Some(log.run.id.as_str()), e["eval_id"].as_str(), "{file}");
        assert_eq!(log.run.kind, RunIdentity::INSPECT_EVAL_ID);
        assert_eq!(log.values_from, ValuesFrom::LogReductions, "{file}");
        assert_eq!(Some(log.model.as_str()), e["model"].as_str(), "{file}");
        assert_eq!(log.reducer, "mean", "{file}");
        assert_eq!(
            log.samples.len() as u64,
            e["sample_records"].as_u64().unwrap_or(0),
            "{file}"
        );
        let hr = &e["headline_resolved"];
        let h = log
            .metric
            .clone()
            .unwrap_or_else(|| panic!("{file}: no headline"));
        assert_eq!(Some(h.scorer.as_str()), hr["score"].as_str(), "{file}");
        assert_eq!(Some(h.metric.as_str()), hr["metric"].as_str(), "{file}");
        assert_eq!(Some(h.value), hr["value"].as_f64(), "{file}");
        let (mean, _) = recomputed(&log);
        assert!(
            (mean - h.value).abs() < 1e-9,
            "{file}: recomputed {mean} vs headline {}",
            h.value
        );
        let headline_scorer = hr["scorer"].as_str().unwrap_or_default();
        check_values(&log, &exp, headline_scorer, None, file);

        // Every scorer (and dict key) the results report.
        for s in e["scores"].as_array().into_iter().flatten() {
            let scorer = s["scorer"].as_str().unwrap_or_default();
            let name = s["name"].as_str().unwrap_or_default();
            let key = (name != scorer).then_some(name);
            let log = ok(read_inspect(&path, sel(Some(scorer), key)));
            check_values(&log, &exp, scorer, key, file);
            let h = log
                .metric
                .clone()
                .unwrap_or_else(|| panic!("{file} {name}: no headline"));
            assert_eq!(h.scorer, name);
            assert_eq!(
                Some(h.value),
                s["metrics"][&h.metric].as_f64(),
                "{file} {name}"
            );
            let (mean, n) = recomputed(&log);
            assert!(
                (mean - h.value).abs() < 1e-9,
                "{file} {name}: {mean} vs {}",
                h.value
            );
            assert_eq!(
                Some(n as u64),
                s["scored_samples"].as_u64(),
                "{file} {name}"
            );
        }
    }
}

#[test]
fn edge_cases_errored_nan_and_bool() {
    for file in ["edge-cases.eval", "edge-cases.json"] {
        let log = ok(read_inspect(
            &fixture(&format!("inspect/{file}")),
            sel(None, None),
        ));
        assert_eq!(log.errored, 1, "{file}");
        let by_id: HashMap<&str, _> = log
            .samples
            .iter()
            .map(|s| (s.sample_id.as_str(), s))
            .collect();
        let e5 = by_id["edge-5"];
        assert_eq!(e5.value, None);
        assert!(e5
            .error
            .as_deref()
            .is_some_and(|m| m.contains("synthetic provider failure")));
        // NaN: unscored, not an error.
        assert_eq!(
            (by_id["edge-7"].value, &by_id["edge-7"].error),
            (None, &None)
        );
        assert_eq!(by_id["edge-10"].value, Some(0.5));
        assert_eq!(by_id["edge-11"].value, Some(0.0));
        let reduced: HashMap<String, Option<f64>> = log.values.iter().cloned().collect();
        assert_eq!(reduced.len(), 12);
        assert_eq!(reduced["edge-5"], None);
        assert_eq!(reduced["edge-7"], None);
        let b = ok(read_inspect(
            &fixture(&format!("inspect/{file}")),
            sel(Some("bool_scorer"), None),
        ));
        assert_eq!(b.errored, 1);
        assert_eq!(b.samples.iter().filter(|s| s.value == Some(1.0)).count(), 7);
    }
}

#[test]
fn epochs_and_integer_ids() {
    let log = ok(read_inspect(
        &fixture("inspect/mc-capability-probe.eval"),
        sel(None, None),
    ));
    assert_eq!(log.samples.len(), 120);
    let reduced = &log.values;
    assert_eq!(reduced.len(), 40);
    assert!(reduced.iter().all(|(_, v)| v.is_some()));
    let log = ok(read_inspect(
        &fixture("inspect/large-exact-1200.eval"),
        sel(None, None),
    ));
    assert!(log.samples.iter().any(|s| s.sample_id == "1200"));
}

/// Rewrites a `.eval` file with every member deflate-compressed (as older Inspect wrote it).
fn rewrite_deflate(src: &Path, dst: &Path) {
    let input = std::fs::File::open(src).unwrap_or_else(|e| panic!("{e}"));
    let mut zin = zip::ZipArchive::new(input).unwrap_or_else(|e| panic!("{e}"));
    let out = std::fs::File::create(dst).unwrap_or_else(|e| panic!("{e}"));
    let mut zout = zip::ZipWriter::new(out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.compression(), zip::CompressionMethod::Zstd);
        let name = f.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap_or_else(|e| panic!("{e}"));
        zout.start_file(name, opts)
            .unwrap_or_else(|e| panic!("{e}"));
        zout.write_all(&buf).unwrap_or_else(|e| panic!("{e}"));
    }
    zout.finish().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn deflate_eval_reads_the_same_as_zstd() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for file in [
        "edge-cases.eval",
        "mc-capability-probe.eval",
        "risk-numeric.eval",
    ] {
        let src = fixture(&format!("inspect/{file}"));
        let dst = dir.path().join(file);
        rewrite_deflate(&src, &dst);
        let z = zip::ZipArchive::new(std::fs::File::open(&dst).unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(z.len() > 3);
        let mut z = z;
        for i in 0..z.len() {
            let f = z.by_index(i).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
        }
        let (scorer, key) = if file.starts_with("risk") {
            (Some("refusal_and_harm"), Some("harm"))
        } else {
            (None, None)
        };
        let deflated = ok(read_inspect(&dst, sel(scorer, key)));
        let original = ok(read_inspect(&src, sel(scorer, key)));
        // The same content, in different files.
        assert_ne!(deflated.evidence_sha256, original.evidence_sha256);
        assert_eq!(
            EvalLog {
                evidence_sha256: original.evidence_sha256.clone(),
                ..deflated
            },
            original,
            "{file}"
        );
    }
}

#[test]
fn broken_inspect_logs_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let eval = std::fs::read(fixture("inspect/edge-cases.eval")).unwrap_or_else(|e| panic!("{e}"));

    // Truncated ZIP.
    let p = dir.path().join("truncated.eval");
    std::fs::write(&p, &eval[..eval.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(m.contains("truncated.eval") && m.contains("ZIP"), "{m}");

    // ZIP without header.json.
    let p = dir.path().join("noheader.eval");
    {
        let mut zin =
            zip::ZipArchive::new(std::io::Cursor::new(&eval)).unwrap_or_else(|e| panic!("{e}"));
        let mut zout =
            zip::ZipWriter::new(std::fs::File::create(&p).unwrap_or_else(|e| panic!("{e}")));
        for i in 0..zin.len() {
            let f = zin.by_index(i).unwrap_or_else(|e| panic!("{e}"));
            if f.name().map(|n| n != "header.json").unwrap_or(true) {
                zout.raw_copy_file(f).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        zout.finish().unwrap_or_else(|e| panic!("{e}"));
    }
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(
        m.contains("noheader.eval") && m.contains("no header.json"),
        "{m}"
    );

    // Not a ZIP or JSON at all.
    let p = dir.path().join("empty.eval");
    std::fs::write(&p, b"").unwrap_or_else(|e| panic!("{e}"));
    assert!(err(read_inspect(&p, sel(None, None))).contains("empty.eval"));

    // JSON logs edited in one place.
    let json = read_text(&fixture("inspect/edge-cases.json"));
    let edited = |name: &str, from: &str, to: &str| {
        assert!(json.contains(from), "{from}");
        let p = dir.path().join(name);
        std::fs::write(&p, json.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{e}"));
        p
    };
    let p = edited("v3.json", "\"version\": 2,", "\"version\": 3,");
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(m.contains("v3.json") && m.contains("version 3"), "{m}");
    let p = edited(
        "err.json",
        "\"status\": \"success\"",
        "\"status\": \"error\"",
    );
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(m.contains("status is \"error\""), "{m}");
    let p = edited("nohead.json", "\"headline\": {", "\"headline_x\": {");
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(m.contains("letter_cycle, bool_scorer"), "{m}");
    assert!(read_inspect(&p, sel(Some("bool_scorer"), None)).is_ok());
    // Without its reductions, a log's values are recomputed from the epochs: with a built-in
    // reducer (checked against the log's own metric), never with one zkgov does not know.
    let edited_all = |name: &str, edits: &[(&str, &str)]| {
        let mut text = json.clone();
        for (from, to) in edits {
            assert!(text.contains(from), "{from}");
            text = text.replacen(from, to, 1);
        }
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        p
    };
    let no_reductions = ("\"reductions\": [", "\"reductions_removed\": [");
    let entry = "\"name\": \"letter_cycle\",\n        \"scorer\": \"letter_cycle\",";
    let with_reducer = |r: &str| format!("{entry}\n        \"reducer\": \"{r}\",");
    let p = edited_all(
        "reducer.json",
        &[no_reductions, (entry, &with_reducer("best_of_3"))],
    );
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(
        m.contains("\"best_of_3\" is not a built-in one zkgov can recompute"),
        "{m}"
    );
    let p = edited_all(
        "median.json",
        &[no_reductions, (entry, &with_reducer("median"))],
    );
    let log = ok(read_inspect(&p, sel(None, None)));
    assert_eq!(
        (log.reducer.as_str(), log.values_from),
        ("median", ValuesFrom::Recomputed)
    );
    assert_eq!(log.metric.map(|m| m.metric), Some("accuracy".to_string()));
    let p = edited("bad.json", "\"value\": \"P\"", "\"value\": \"maybe\"");
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(
        m.contains("bad.json sample edge-") && m.contains("\"maybe\""),
        "{m}"
    );
    let p = edited("cut.json", "\"status\"", "\"status\" \"status\"");
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(m.contains("cut.json") && m.contains("line 3"), "{m}");

    // Scorer and key choices.
    let risk = fixture("inspect/risk-numeric.json");
    let m = err(read_inspect(&risk, sel(Some("nope"), None)));
    assert!(m.contains("risk_score, refusal_and_harm"), "{m}");
    let m = err(read_inspect(&risk, sel(Some("refusal_and_harm"), None)));
    assert!(m.contains("harm, refused"), "{m}");
    let m = err(read_inspect(
        &risk,
        sel(Some("refusal_and_harm"), Some("nope")),
    ));
    assert!(m.contains("no key \"nope\""), "{m}");
    let m = err(read_inspect(&risk, sel(Some("risk_score"), Some("harm"))));
    assert!(m.contains("not a dict"), "{m}");
}

/// Writes `dst`: the members of the `edge-cases.eval` fixture (raw, without inflating them), except
/// `header.json` when `header` is given, then `header`'s members, then whatever `extra` adds.
/// Returns the archive's size.
fn hostile_eval(
    dst: &Path,
    header: Option<&str>,
    extra: impl FnOnce(&mut zip::ZipWriter<std::fs::File>),
) -> u64 {
    let eval = std::fs::read(fixture("inspect/edge-cases.eval")).unwrap_or_else(|e| panic!("{e}"));
    let mut zin =
        zip::ZipArchive::new(std::io::Cursor::new(&eval)).unwrap_or_else(|e| panic!("{e}"));
    let mut zout =
        zip::ZipWriter::new(std::fs::File::create(dst).unwrap_or_else(|e| panic!("{e}")));
    for i in 0..zin.len() {
        let f = zin.by_index(i).unwrap_or_else(|e| panic!("{e}"));
        if header.is_none() || f.name().map(|n| n != "header.json").unwrap_or(true) {
            zout.raw_copy_file(f).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    if let Some(h) = header {
        zout.start_file("header.json", zstd())
            .unwrap_or_else(|e| panic!("{e}"));
        zout.write_all(h.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    extra(&mut zout);
    zout.finish().unwrap_or_else(|e| panic!("{e}"));
    std::fs::metadata(dst)
        .unwrap_or_else(|e| panic!("{e}"))
        .len()
}

fn zstd() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Zstd)
}

/// Adds a sample member of `len` bytes: a sample record followed by spaces, which compress to
/// almost nothing.
fn padded_sample(zout: &mut zip::ZipWriter<std::fs::File>, name: &str, len: u64) {
    let record = br#"{"id": "pad", "epoch": 1, "scores": {}}"#;
    zout.start_file(name, zstd())
        .unwrap_or_else(|e| panic!("{e}"));
    zout.write_all(record).unwrap_or_else(|e| panic!("{e}"));
    let spaces = vec![b' '; 1 << 20];
    let mut left = len - record.len() as u64;
    while left > 0 {
        let n = left.min(spaces.len() as u64) as usize;
        zout.write_all(&spaces[..n])
            .unwrap_or_else(|e| panic!("{e}"));
        left -= n as u64;
    }
}

/// A sample member that inflates one byte past the per-member limit is refused by that limit
/// as it inflates. (Its record is valid JSON, so without the limit it would be read whole and
/// the log refused later for another reason.)
#[test]
fn a_zip_member_inflating_past_its_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path().join("bomb.eval");
    let size = hostile_eval(&p, None, |z| {
        padded_sample(z, "samples/bomb_epoch_1.json", MAX_ZIP_MEMBER_BYTES + 1)
    });
    assert!(size < 1 << 20, "the bomb is {size} bytes");
    let m = err(read_inspect(&p, sel(None, None)));
    let want = format!(
        "bomb.eval member samples/bomb_epoch_1.json: inflates to more than {MAX_ZIP_MEMBER_BYTES} \
         bytes, the limit for one member"
    );
    assert!(m.contains(&want), "{m}");
}

/// Members each within the per-member limit, inflating past the total limit together, are
/// refused by the total limit while the last one inflates: the reader never holds more than one
/// member. The compressed member is written once and copied raw.
#[test]
fn zip_members_inflating_past_the_total_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let one = dir.path().join("one.eval");
    hostile_eval(&one, None, |z| {
        padded_sample(z, "samples/pad-0_epoch_1.json", MAX_ZIP_MEMBER_BYTES)
    });
    let p = dir.path().join("bombs.eval");
    let copies = MAX_ZIP_TOTAL_BYTES / MAX_ZIP_MEMBER_BYTES;
    let size = hostile_eval(&p, None, |z| {
        let mut zin =
            zip::ZipArchive::new(std::fs::File::open(&one).unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}"));
        for k in 0..copies {
            let f = zin
                .by_name("samples/pad-0_epoch_1.json")
                .unwrap_or_else(|e| panic!("{e}"));
            z.raw_copy_file_rename(f, format!("samples/pad-{k}_epoch_1.json"))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    });
    assert!(size < 1 << 20, "the bomb is {size} bytes");
    let m = err(read_inspect(&p, sel(None, None)));
    let want = format!(
        "bombs.eval: ZIP members inflate to more than {MAX_ZIP_TOTAL_BYTES} bytes in all, the \
         limit for a log"
    );
    assert!(m.contains(&want), "{m}");
}

/// An archive of more members than an Inspect log may have is refused before any is read.
#[test]
fn a_zip_of_too_many_members_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path().join("many.eval");
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    hostile_eval(&p, None, |z| {
        for k in 0..MAX_ZIP_MEMBERS {
            z.start_file(format!("_journal/{k}"), opts)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    });
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(m.contains("many.eval: the ZIP has "), "{m}");
    let want = format!("members, more than the {MAX_ZIP_MEMBERS} an Inspect log may have");
    assert!(m.contains(&want), "{m}");
}

/// `header.json` is read and checked first: a log of an unsupported version is refused as
/// such, before its samples (here a bomb) are inflated. In the fixture, as Inspect writes
/// it, `header.json` is the last member.
#[test]
fn the_zip_header_is_checked_before_any_sample() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let eval = std::fs::read(fixture("inspect/edge-cases.eval")).unwrap_or_else(|e| panic!("{e}"));
    let mut zin =
        zip::ZipArchive::new(std::io::Cursor::new(&eval)).unwrap_or_else(|e| panic!("{e}"));
    let mut header: Value = {
        let mut f = zin.by_name("header.json").unwrap_or_else(|e| panic!("{e}"));
        let mut text = String::new();
        f.read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
    };
    header["version"] = 3.into();
    let p = dir.path().join("v3.eval");
    hostile_eval(&p, Some(&header.to_string()), |z| {
        padded_sample(z, "samples/bomb_epoch_1.json", MAX_ZIP_MEMBER_BYTES + 1)
    });
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(
        m.contains("v3.eval: Inspect log version 3 is not supported"),
        "{m}"
    );
}

/// Two members with one name: the archive's index keeps only one of them, so which sample is
/// read would be arbitrary. Refused. (The writer refuses duplicate names, so the second name is
/// patched in afterwards.)
#[test]
fn a_zip_with_two_members_of_one_name_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path().join("twice.eval");
    let (real, alias) = ("samples/edge-3_epoch_1.json", "samples/edge-3_epoch_X.json");
    hostile_eval(&p, None, |z| {
        z.start_file(alias, zstd())
            .unwrap_or_else(|e| panic!("{e}"));
        z.write_all(br#"{"id": "edge-3", "epoch": 1, "scores": {"letter_cycle": {"value": "C"}}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let mut bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{e}"));
    let mut patched = 0;
    for i in 0..=bytes.len() - alias.len() {
        if &bytes[i..i + alias.len()] == alias.as_bytes() {
            bytes[i..i + alias.len()].copy_from_slice(real.as_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "the local and the central header name it");
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{e}"));
    let m = err(read_inspect(&p, sel(None, None)));
    assert!(
        m.contains("twice.eval: the ZIP has several members with the same name"),
        "{m}"
    );
}

// ---------------------------------------------------------------------------------------------
// lm-eval

const LM_RESULTS: &str = "lm-eval/results_2026-11-22T13-09-06.599652.json";

#[test]
fn lm_eval_fixtures_match_their_results() {
    let results = read_json(&fixture(LM_RESULTS));
    for (task, metric, filter) in [
        ("gov_mc", "acc", "none"),
        ("gov_mc", "acc_norm", "none"),
        ("gov_mc_large", "acc", "none"),
        ("gov_gen", "exact_match", "strict-match"),
        ("gov_gen", "exact_match", "flexible-extract"),
    ] {
        let samples = fixture(&format!(
            "lm-eval/samples_{task}_2026-11-22T13-09-06.599652.jsonl"
        ));
        let log = ok(read_lm_eval(&samples, &fixture(LM_RESULTS), metric, filter));
        assert_eq!(log.source_format, "lm-eval");
        assert_eq!(log.task, task);
        assert_eq!(
            (log.run.kind.as_str(), log.run.id.as_str()),
            (RunIdentity::LM_EVAL_RUN, "2026-11-22T13-09-06.599652")
        );
        assert_eq!(log.model, "acme/frontier-model-7b");
        assert_eq!(log.errored, 0);
        assert_eq!(
            Some(log.samples.len() as u64),
            results["n-samples"][task]["effective"].as_u64()
        );
        let want = results["results"][task][format!("{metric},{filter}")].as_f64();
        let h = log
            .metric
            .clone()
            .unwrap_or_else(|| panic!("{task}: no headline"));
        assert_eq!(
            (h.scorer, h.metric.as_str(), Some(h.value)),
            (format!("{metric},{filter}"), metric, want)
        );
        let (mean, n) = recomputed(&log);
        assert_eq!(n, log.samples.len());
        assert!(
            (mean - h.value).abs() < 1e-9,
            "{task} {metric},{filter}: {mean} vs {}",
            h.value
        );
        let mut ids: Vec<&str> = log.samples.iter().map(|s| s.sample_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), log.samples.len());
    }
}

#[test]
fn broken_lm_eval_input_gives_clear_errors() {
    let results = fixture(LM_RESULTS);
    let name = "samples_gov_mc_2026-11-22T13-09-06.599652.jsonl";
    let good = fixture(&format!("lm-eval/{name}"));
    let m = err(read_lm_eval(&good, &results, "acc", "strict-match"));
    assert!(
        m.contains("has no \"acc,strict-match\"") && m.contains("acc,none, acc_norm,none"),
        "{m}"
    );
    let m = err(read_lm_eval(&good, &results, "f1", "none"));
    assert!(m.contains("acc,none, acc_norm,none"), "{m}");
    let gen = fixture("lm-eval/samples_gov_gen_2026-11-22T13-09-06.599652.jsonl");
    let m = err(read_lm_eval(&gen, &results, "exact_match", "none"));
    assert!(m.contains("exact_match,strict-match"), "{m}");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = read_text(&good);
    let lines: Vec<&str> = text.lines().collect();
    let write = |name: &str, lines: &[&str]| {
        let p = dir.path().join(name);
        std::fs::write(&p, lines.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
        p
    };
    // A filter the results know but the samples file lacks.
    let gen_text = read_text(&gen);
    let flexible: Vec<&str> = gen_text
        .lines()
        .filter(|l| l.contains("\"flexible-extract\""))
        .collect();
    let gen_name = "samples_gov_gen_2026-11-22T13-09-06.599652.jsonl";
    let p = write(gen_name, &flexible);
    let m = err(read_lm_eval(&p, &results, "exact_match", "strict-match"));
    assert!(
        m.contains("no line has filter \"strict-match\"; filters present: flexible-extract"),
        "{m}"
    );
    // A malformed line 5.
    let mut bad = lines.clone();
    let cut = &lines[4][..lines[4].len() / 2];
    bad[4] = cut;
    let p = write(name, &bad);
    let m = err(read_lm_eval(&p, &results, "acc", "none"));
    assert!(m.contains(&format!("{name} line 5")), "{m}");
    // A document twice.
    let mut dup = lines.clone();
    dup.push(lines[0]);
    let p = write(name, &dup);
    let m = err(read_lm_eval(&p, &results, "acc", "none"));
    assert!(
        m.contains("line 41") && m.contains("doc_id 0 appears twice"),
        "{m}"
    );
    // A document missing.
    let p = write(name, &lines[1..]);
    let m = err(read_lm_eval(&p, &results, "acc", "none"));
    assert!(
        m.contains("39 documents") && m.contains("effective is 40"),
        "{m}"
    );
    // Samples from another run, and a file name naming no task.
    let p = write("samples_gov_mc_2026-01-01T00-00-00.000000.jsonl", &lines);
    let m = err(read_lm_eval(&p, &results, "acc", "none"));
    assert!(m.contains("from run 2026-01-01T00-00-00.000000"), "{m}");
    let p = write("samples_other_2026-11-22T13-09-06.599652.jsonl", &lines);
    let m = err(read_lm_eval(&p, &results, "acc", "none"));
    assert!(
        m.contains("its tasks: gov_gen, gov_mc, gov_mc_large, gov_suite"),
        "{m}"
    );
    let m = err(read_lm_eval(
        &good,
        &dir.path().join("missing.json"),
        "acc",
        "none",
    ));
    assert!(m.contains("missing.json"), "{m}");
}

#[test]
fn dict_headline_names_the_default_key() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let json = read_text(&fixture("inspect/risk-numeric.json"));
    let from = "\"scorer\": \"risk_score\",\n      \"score\": \"risk_score\",";
    assert!(json.contains(from));
    let p = dir.path().join("risk-harm.json");
    let to = "\"scorer\": \"refusal_and_harm\",\n      \"score\": \"harm\",";
    std::fs::write(&p, json.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{e}"));
    let log = ok(read_inspect(&p, sel(None, None)));
    assert_eq!(
        log,
        ok(read_inspect(
            &p,
            sel(Some("refusal_and_harm"), Some("harm"))
        ))
    );
    let h = log.metric.clone().unwrap_or_else(|| panic!("no headline"));
    assert_eq!((h.scorer.as_str(), h.metric.as_str()), ("harm", "mean"));
    assert_eq!(h.value, 0.27612000000000003);
    assert!((recomputed(&log).0 - h.value).abs() < 1e-9);
    // The other key is still there for the asking, with its own reported value.
    let refused = ok(read_inspect(
        &p,
        sel(Some("refusal_and_harm"), Some("refused")),
    ));
    assert_eq!(refused.metric.map(|h| h.value), Some(0.48));
}
