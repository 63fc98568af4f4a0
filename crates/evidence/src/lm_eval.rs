//! lm-evaluation-harness logs (`--log_samples`): `samples_<task>_<date>.jsonl` with one line
//! per (document, filter), and the run's `results_<date>.json`.
//!
//! Only lines whose `filter` is the chosen filter are kept, so nothing is counted twice; each
//! must have a numeric or boolean value for the chosen metric at the top level (`line["acc"]`).
//! The task is the one the samples file is named after (`samples_gov_mc_2026-...jsonl` is task
//! `gov_mc`; the longest task name the results file knows wins), and the two files' run dates,
//! when both names carry one, must agree. The headline is `results[task]["<metric>,<filter>"]`,
//! and the values' mean must equal it. The model is `model_name` (else `config.model_args`
//! `pretrained=`, else `config.model`). When the results record how many documents were
//! evaluated (`n-samples[task].effective`), the samples file must hold exactly that many for the
//! filter.
//!
//! A claim names the run, not only the task: `task_hashes[task]` is the same for every run of a
//! task (a `--limit` subset included), so the run is named by its date stamp and bound by the
//! evidence digest, SHA-256 over both files (the samples, and the results with the run's
//! configuration, limit and date).
//!
//! Only metrics whose corpus value is the mean of the per-document values can be claimed:
//! corpus-level metrics (`f1`, `mcc`, `bleu`, `brier_score`, perplexities, ...) are aggregated
//! over the whole corpus by their own formula, so no mean of per-document scores shows them.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::eval_log::{
    check_mean, id_string, json_f64, list, relax_json, show, special_float, stream_sha256, EvalLog,
    Headline, RunIdentity, SampleScore, SampleValues, ValuesFrom,
};
use crate::ImportError;

#[derive(Deserialize)]
struct RawResults {
    results: Map<String, Value>,
    #[serde(default)]
    task_hashes: Option<Map<String, Value>>,
    #[serde(default, rename = "n-samples")]
    n_samples: Option<Map<String, Value>>,
    #[serde(default)]
    model_name: Option<Value>,
    #[serde(default)]
    config: Option<Value>,
    #[serde(default)]
    configs: Option<Map<String, Value>>,
}

/// Metrics lm-eval aggregates over the whole corpus (not as a mean of per-document values), for
/// results files that do not record each metric's aggregation.
const CORPUS_METRICS: [&str; 11] = [
    "f1",
    "mcc",
    "bleu",
    "chrf",
    "ter",
    "brier_score",
    "perplexity",
    "word_perplexity",
    "byte_perplexity",
    "bits_per_byte",
    "likelihood",
];

/// Refuses a metric whose corpus value is not a mean of per-document values: the task's
/// `metric_list` names its aggregation; without one, the known corpus-level names are refused.
fn check_mean_metric(
    rname: &str,
    results: &RawResults,
    task: &str,
    metric: &str,
) -> Result<(), ImportError> {
    let aggregation = results
        .configs
        .as_ref()
        .and_then(|c| c.get(task))
        .and_then(|c| c.get("metric_list"))
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .find(|m| m.get("metric").and_then(Value::as_str) == Some(metric))
        })
        .and_then(|m| m.get("aggregation"))
        .map(|a| a.as_str().map_or_else(|| show(a), String::from));
    let corpus = match &aggregation {
        Some(a) => a != "mean",
        None => CORPUS_METRICS.contains(&metric),
    };
    if corpus {
        return Err(ImportError::unsupported(
            rname,
            format!(
                "metric {metric:?} of task {task:?} is a corpus-level metric (aggregated by {}), not the mean of per-document scores, so a claim about a mean cannot show it; claim a per-document metric such as acc or exact_match",
                aggregation.as_deref().unwrap_or(metric)
            ),
        ));
    }
    Ok(())
}

/// The model named by a results file.
fn model_name(r: &RawResults) -> Option<String> {
    if let Some(s) = r.model_name.as_ref().and_then(Value::as_str) {
        if !s.is_empty() {
            return Some(s.to_string());
        }
    }
    let config = r.config.as_ref()?;
    let pretrained = match config.get("model_args") {
        Some(Value::Object(m)) => m
            .get("pretrained")
            .and_then(Value::as_str)
            .map(String::from),
        Some(Value::String(s)) => s
            .split(',')
            .find_map(|kv| kv.trim().strip_prefix("pretrained="))
            .map(String::from),
        _ => None,
    };
    pretrained
        .filter(|s| !s.is_empty())
        .or_else(|| config.get("model")?.as_str().map(String::from))
}

/// The date part of `results_<date>.json`.
fn results_date(path: &Path) -> Option<&str> {
    path.file_name()?
        .to_str()?
        .strip_prefix("results_")?
        .strip_suffix(".json")
}

/// Reads one task's per-document values for `metric` under `filter` from an lm-eval samples file,
/// with the reported metric, run and model from the run's results file.
pub fn read_lm_eval(
    samples_path: &Path,
    results_path: &Path,
    metric: &str,
    filter: &str,
) -> Result<EvalLog, ImportError> {
    let rname = results_path.display().to_string();
    let sname = samples_path.display().to_string();

    const MAX_RESULTS_BYTES: u64 = 1 << 30;
    let mut bytes = Vec::new();
    File::open(results_path)
        .and_then(|f| f.take(MAX_RESULTS_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| ImportError::io(results_path, e))?;
    if bytes.len() as u64 > MAX_RESULTS_BYTES {
        return Err(ImportError::unsupported(
            &rname,
            format!("larger than {MAX_RESULTS_BYTES} bytes (not an lm-eval results file?)"),
        ));
    }
    let results: RawResults = serde_json::from_slice(&relax_json(&bytes))
        .map_err(|e| ImportError::malformed(&rname, format!("not an lm-eval results file: {e}")))?;

    // The task, from the samples file's name.
    let mut tasks: Vec<&str> = results.results.keys().map(String::as_str).collect();
    for t in results.task_hashes.iter().flat_map(|h| h.keys()) {
        if !tasks.contains(&t.as_str()) {
            tasks.push(t);
        }
    }
    tasks.sort_unstable();
    let rest = samples_path
        .file_name()
        .and_then(|f| f.to_str())
        .and_then(|f| f.strip_prefix("samples_"))
        .and_then(|f| f.strip_suffix(".jsonl"))
        .ok_or_else(|| {
            ImportError::malformed(
                &sname,
                "cannot tell the task: lm-eval names samples files samples_<task>_<date>.jsonl",
            )
        })?;
    let task = tasks
        .iter()
        .copied()
        .filter(|t| rest == *t || rest.strip_prefix(*t).is_some_and(|r| r.starts_with('_')))
        .max_by_key(|t| t.len())
        .ok_or_else(|| {
            ImportError::selection(
                &sname,
                format!(
                    "file name names no task of {rname}; its tasks: {}",
                    list(tasks.iter().copied())
                ),
            )
        })?
        .to_string();
    let samples_date = rest[task.len()..].trim_start_matches('_');
    if let Some(rdate) = results_date(results_path) {
        if !samples_date.is_empty() && samples_date != rdate {
            return Err(ImportError::malformed(
                &sname,
                format!("samples file is from run {samples_date} but {rname} is from run {rdate}"),
            ));
        }
    }

    // Headline, eval id and model from the results file.
    let key = format!("{metric},{filter}");
    let task_results = results.results.get(&task).and_then(Value::as_object);
    let headline_value = task_results.and_then(|r| r.get(&key)).ok_or_else(|| {
        let mut have: Vec<&str> = task_results
            .iter()
            .flat_map(|r| r.keys())
            .map(String::as_str)
            .filter(|k| k.contains(',') && !k.contains("_stderr,"))
            .collect();
        have.sort_unstable();
        ImportError::selection(
            &rname,
            format!(
                "results[{task:?}] has no {key:?}; metric,filter pairs: {}",
                list(have)
            ),
        )
    })?;
    let headline_value = json_f64(headline_value).ok_or_else(|| {
        ImportError::malformed(
            &rname,
            format!(
                "results[{task:?}][{key:?}] is {}, not a number",
                show(headline_value)
            ),
        )
    })?;
    check_mean_metric(&rname, &results, &task, metric)?;
    let run_date = results_date(results_path)
        .map(String::from)
        .ok_or_else(|| {
            ImportError::malformed(
                &rname,
                "cannot tell the run: lm-eval names results files results_<date>.json",
            )
        })?;
    let model = model_name(&results).ok_or_else(|| {
        ImportError::malformed(
            &rname,
            "names no model (model_name, config.model_args or config.model)",
        )
    })?;

    // The samples.
    let file = File::open(samples_path).map_err(|e| ImportError::io(samples_path, e))?;
    let mut samples = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut other_filters: Vec<String> = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let what = format!("{sname} line {}", i + 1);
        let line = line.map_err(|e| ImportError::malformed(&what, format!("cannot read: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_slice(&relax_json(line.as_bytes()))
            .map_err(|e| ImportError::malformed(&what, format!("not a JSON object: {e}")))?;
        let Value::Object(obj) = v else {
            return Err(ImportError::malformed(&what, "not a JSON object"));
        };
        let line_filter = obj.get("filter").and_then(Value::as_str).ok_or_else(|| {
            ImportError::malformed(&what, "no \"filter\" string (not an lm-eval samples line?)")
        })?;
        if line_filter != filter {
            if !other_filters.iter().any(|f| f == line_filter) {
                other_filters.push(line_filter.to_string());
            }
            continue;
        }
        let doc = obj
            .get("doc_id")
            .ok_or_else(|| ImportError::malformed(&what, "no \"doc_id\""))?;
        let sample_id = id_string(doc).ok_or_else(|| {
            ImportError::malformed(
                &what,
                format!("doc_id {} is not an integer or string", show(doc)),
            )
        })?;
        if !seen.insert(sample_id.clone()) {
            return Err(ImportError::malformed(
                &what,
                format!("doc_id {sample_id} appears twice for filter {filter:?}"),
            ));
        }
        let value = match obj.get(metric) {
            Some(Value::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
            Some(Value::Number(n)) => n.as_f64(),
            Some(x) if special_float(x).is_some_and(f64::is_nan) => None,
            Some(x @ Value::Array(_)) => {
                return Err(ImportError::unsupported(
                    &what,
                    format!("{metric:?} is {}, the input of a corpus-level aggregation rather than a per-document score, so a claim about a mean cannot show it", show(x)),
                ))
            }
            Some(x) => {
                return Err(ImportError::malformed(
                    &what,
                    format!("{metric:?} is {}, not a number or boolean", show(x)),
                ))
            }
            None => {
                let metrics: Vec<&str> = obj
                    .get("metrics")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                return Err(ImportError::selection(
                    &what,
                    format!("no {metric:?} value; the line's metrics: {}", list(metrics)),
                ));
            }
        };
        samples.push(SampleScore {
            sample_id,
            epoch: 1,
            value,
            error: None,
        });
    }
    if samples.is_empty() {
        return Err(ImportError::selection(
            &sname,
            format!(
                "no line has filter {filter:?}; filters present: {}",
                list(other_filters.iter().map(String::as_str))
            ),
        ));
    }
    let effective = results
        .n_samples
        .as_ref()
        .and_then(|n| n.get(&task))
        .and_then(|t| t.get("effective"))
        .and_then(Value::as_u64);
    if let Some(n) = effective {
        if n != samples.len() as u64 {
            return Err(ImportError::malformed(
                &sname,
                format!(
                    "{} documents for filter {filter:?}, but {rname} says n-samples[{task:?}].effective is {n} (incomplete file?)",
                    samples.len()
                ),
            ));
        }
    }
    let values: SampleValues = samples
        .iter()
        .map(|s| (s.sample_id.clone(), s.value))
        .collect();
    let reported = Headline {
        scorer: key.clone(),
        metric: metric.to_string(),
        value: headline_value,
    };
    check_mean(&sname, &values, &reported, "none", ValuesFrom::PerSample)?;
    Ok(EvalLog {
        source_format: "lm-eval".to_string(),
        task,
        run: RunIdentity {
            kind: RunIdentity::LM_EVAL_RUN.into(),
            id: run_date,
        },
        evidence_sha256: evidence_sha256(
            stream_sha256(
                File::open(samples_path).map_err(|e| ImportError::io(samples_path, e))?,
                samples_path,
            )?,
            Sha256::digest(&bytes).into(),
        ),
        model,
        scorer: key,
        score_key: None,
        reducer: "none".into(),
        values_from: ValuesFrom::PerSample,
        metric: Some(reported),
        samples,
        values,
        errored: 0,
    })
}

/// SHA-256 over the SHA-256 digests of the samples file and the results file: the evidence
/// digest of an lm-eval run.
fn evidence_sha256(samples: [u8; 32], results: [u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(b"zkgov/lm-eval-evidence/v1");
    h.update(samples);
    h.update(results);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names() {
        let r = |v: Value| -> Option<String> {
            let r: RawResults = serde_json::from_value(v).ok()?;
            model_name(&r)
        };
        let m = r(serde_json::json!({"results": {}, "model_name": "a/b"}));
        assert_eq!(m.as_deref(), Some("a/b"));
        let m = r(
            serde_json::json!({"results": {}, "config": {"model": "hf", "model_args": "dtype=bf16,pretrained=x/y"}}),
        );
        assert_eq!(m.as_deref(), Some("x/y"));
        let m = r(serde_json::json!({"results": {}, "config": {"model": "hf", "model_args": {}}}));
        assert_eq!(m.as_deref(), Some("hf"));
        assert_eq!(r(serde_json::json!({"results": {}})), None);
    }
}
