//! UK AISI Inspect eval logs: the `.eval` ZIP format and single-file `.json` logs (log version 2).
//!
//! A `.eval` file is a ZIP archive with `header.json` (everything but the samples) and one
//! `samples/<id>_epoch_<n>.json` member per sample and epoch; members are Zstandard- (method 93,
//! current Inspect) or deflate-compressed (method 8, older Inspect). A `.json` log holds the same
//! content as one object with the samples inline. The format is recognised from the file's first
//! bytes, not its name.
//!
//! Per-sample values are `samples[i].scores[<scorer>].value`, converted as Inspect's
//! `value_to_float` does: `"C"` 1, `"P"` 0.5, `"I"` and `"N"` 0, `"yes"`/`"true"` 1,
//! `"no"`/`"false"` 0, numeric strings and numbers as they are, `true` 1 and `false` 0. Where
//! Inspect would log a warning and use 0 (any other string, a list, `null`), this importer refuses
//! the log instead. A NaN value (Inspect's "unscored" sentinel, written as a bare `NaN` token)
//! becomes `None`. Dict values (`{"refused": 0, "harm": 0.05}`) need a key. A sample with an
//! `error` has value `None` and its error message, and counts as errored.
//!
//! Only logs with `status` `"success"` are imported: a started, cancelled or failed run's results
//! are incomplete.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::eval_log::{
    check_mean, id_string, json_f64, list, relax_json, show, special_float, EvalLog, Headline,
    Ordered, RunIdentity, SampleScore, SampleValues, ValuesFrom,
};
use crate::ImportError;

/// Largest `.json` log read into memory.
const MAX_JSON_LOG_BYTES: u64 = 1 << 30;

/// Most members a `.eval` ZIP may have: eight epochs of the largest capacity class, with room for
/// the summaries and the journal.
pub const MAX_ZIP_MEMBERS: usize = 1 << 17;

/// Largest inflated ZIP member. Sizes are counted as the member inflates, never taken from the
/// sizes the archive declares: a few kilobytes of deflate or Zstandard can inflate to gigabytes.
pub const MAX_ZIP_MEMBER_BYTES: u64 = 64 << 20;

/// Largest total of the inflated members read (the header and the samples).
pub const MAX_ZIP_TOTAL_BYTES: u64 = 1 << 30;

/// The one log format version this importer reads.
const LOG_VERSION: i64 = 2;

#[derive(Deserialize)]
struct RawEvalSpec {
    #[serde(default)]
    eval_id: Option<String>,
    #[serde(default)]
    run_id: Option<String>,
    #[serde(default)]
    task_id: Option<String>,
    task: String,
    model: String,
    #[serde(default)]
    config: Option<RawConfig>,
}

#[derive(Deserialize, Default)]
struct RawConfig {
    #[serde(default)]
    epochs_reducer: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawResults {
    #[serde(default)]
    total_samples: Option<u64>,
    #[serde(default)]
    scores: Vec<RawEvalScore>,
    #[serde(default)]
    headline: Option<RawHeadline>,
}

#[derive(Deserialize)]
struct RawEvalScore {
    name: String,
    #[serde(default)]
    scorer: Option<String>,
    #[serde(default)]
    reducer: Option<String>,
    #[serde(default)]
    metrics: Ordered<RawMetric>,
}

#[derive(Deserialize)]
struct RawMetric {
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct RawHeadline {
    #[serde(default)]
    scorer: Option<String>,
    #[serde(default)]
    score: Option<String>,
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    reducer: Option<String>,
}

impl RawHeadline {
    /// Whether the headline is about `series` (the scorer, or a key of its dict values) of
    /// `scorer`.
    fn names(&self, scorer: &str, series: &str) -> bool {
        self.scorer.as_deref() == Some(scorer)
            && self.score.as_deref().or(self.scorer.as_deref()) == Some(series)
    }
}

/// `names` without repeats, in first-seen order.
fn distinct<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = Vec::new();
    for n in names {
        if !v.contains(&n) {
            v.push(n);
        }
    }
    v
}

/// A reducer as a log names it: Inspect writes no name for its implicit default, mean.
fn reducer_or_mean(reducer: &Option<String>) -> &str {
    reducer.as_deref().unwrap_or("mean")
}

/// `header.json` of a `.eval` log.
#[derive(Deserialize)]
struct RawHeader {
    #[serde(default)]
    version: Value,
    #[serde(default)]
    status: Option<String>,
    eval: RawEvalSpec,
    #[serde(default)]
    results: Option<RawResults>,
}

/// A whole `.json` log (the header's fields plus the samples).
#[derive(Deserialize)]
struct RawJsonLog {
    #[serde(default)]
    version: Value,
    #[serde(default)]
    status: Option<String>,
    eval: RawEvalSpec,
    #[serde(default)]
    results: Option<RawResults>,
    #[serde(default)]
    samples: Option<Vec<RawSample>>,
    #[serde(default)]
    reductions: Option<Vec<RawReduction>>,
}

/// One entry of the log's `reductions`: a scorer's per-sample values after one epoch reducer.
#[derive(Deserialize)]
struct RawReduction {
    scorer: String,
    #[serde(default)]
    reducer: Option<String>,
    #[serde(default)]
    samples: Vec<RawReducedScore>,
}

#[derive(Deserialize)]
struct RawReducedScore {
    #[serde(default)]
    value: Value,
    #[serde(default)]
    sample_id: Value,
}

#[derive(Deserialize)]
struct RawSample {
    id: Value,
    epoch: u32,
    #[serde(default)]
    scores: Option<Ordered<RawScore>>,
    #[serde(default)]
    error: Option<RawError>,
}

#[derive(Deserialize)]
struct RawScore {
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct RawError {
    #[serde(default)]
    message: Option<String>,
}

/// One (sample, epoch) record with where it was found, for error messages.
struct Record {
    what: String,
    sample: RawSample,
}

/// Which series of a log to import: the scorer, the key of a dict-valued score, and the epoch
/// reducer. `None` picks the log's own choice where it makes one (its headline), else the only
/// one, else the import fails listing the choices.
#[derive(Debug, Clone, Copy, Default)]
pub struct Select<'a> {
    /// The scorer (`--scorer`).
    pub scorer: Option<&'a str>,
    /// The key of a dict-valued score (`--key`, e.g. `harm` of `{"refused": 0, "harm": 0.05}`).
    pub key: Option<&'a str>,
    /// The epoch reducer (`--reducer`, e.g. `mean`, `at_least_2`), for logs with several.
    pub reducer: Option<&'a str>,
}

/// A log's parts, whichever of the two formats they came from.
struct Parts {
    format: &'static str,
    version: Value,
    status: Option<String>,
    eval: RawEvalSpec,
    results: Option<RawResults>,
    reductions: Option<Vec<RawReduction>>,
    records: Vec<Record>,
}

/// Reads an Inspect log (`.eval` or `.json`) and takes one series of per-sample values from it.
///
/// The values are the log's own: its `reductions` for the selected scorer and reducer (Inspect's
/// per-sample values after reducing epochs, the very numbers its metrics are computed from). Only
/// for a log without reductions are they recomputed from the per-epoch scores with the named
/// built-in reducer; the recomputed mean must then equal the mean metric the log reports for the
/// series (`accuracy` or `mean`), or the import fails naming both numbers. Whenever the log
/// reports such a metric, the mean of the values taken is checked against it the same way.
///
/// [`EvalLog::metric`] is that reported mean (the log's headline metric when the selection is its
/// headline and the metric is a mean).
pub fn read_inspect(path: &Path, select: Select<'_>) -> Result<EvalLog, ImportError> {
    let name = path.display().to_string();
    let mut file = File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut magic = Vec::with_capacity(4);
    (&mut file)
        .take(4)
        .read_to_end(&mut magic)
        .map_err(|e| ImportError::io(path, e))?;
    file.rewind().map_err(|e| ImportError::io(path, e))?;
    // The evidence digest is of the bytes parsed: the ZIP's from the same handle before it is
    // read, the JSON log's from the bytes in memory.
    let (parts, evidence) = if magic.starts_with(b"PK") {
        let digest = crate::eval_log::stream_sha256(&mut file, path)?;
        file.rewind().map_err(|e| ImportError::io(path, e))?;
        (read_eval_zip(&name, BufReader::new(file))?, digest)
    } else {
        let mut bytes = Vec::new();
        file.take(MAX_JSON_LOG_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ImportError::io(path, e))?;
        if bytes.len() as u64 > MAX_JSON_LOG_BYTES {
            return Err(ImportError::unsupported(
                &name,
                format!("JSON logs larger than {MAX_JSON_LOG_BYTES} bytes are not read; use the .eval format"),
            ));
        }
        let text = relax_json(&bytes);
        let log: RawJsonLog = serde_json::from_slice(&text).map_err(|e| {
            ImportError::malformed(&name, format!("not a readable Inspect JSON log: {e}"))
        })?;
        check_version(&name, &log.version)?;
        let records = log
            .samples
            .unwrap_or_default()
            .into_iter()
            .map(|s| Record {
                what: format!(
                    "{name} sample {} epoch {}",
                    id_string(&s.id).unwrap_or_else(|| show(&s.id)),
                    s.epoch
                ),
                sample: s,
            })
            .collect();
        let parts = Parts {
            format: "inspect-json",
            version: log.version,
            status: log.status,
            eval: log.eval,
            results: log.results,
            reductions: log.reductions,
            records,
        };
        (parts, Sha256::digest(&bytes).into())
    };
    build(&name, parts, select, hex::encode(evidence))
}

/// Inflates ZIP members within [`MAX_ZIP_MEMBER_BYTES`] each and [`MAX_ZIP_TOTAL_BYTES`] in all.
struct Inflater<'a> {
    name: &'a str,
    /// Bytes inflated so far.
    total: u64,
}

impl Inflater<'_> {
    /// Inflates member `i` (if it is `header.json`, `reductions.json` or a sample), returning its
    /// name and bytes.
    fn read<R: Read + Seek>(
        &mut self,
        zip: &mut zip::ZipArchive<R>,
        i: usize,
    ) -> Result<Option<(String, Vec<u8>)>, ImportError> {
        let name = self.name;
        let member = zip.by_index(i).map_err(|e| {
            ImportError::malformed(
                format!("{name} member #{i}"),
                format!("cannot read ZIP entry: {e}"),
            )
        })?;
        let member_name = member.name().map(|n| n.into_owned()).map_err(|e| {
            ImportError::malformed(
                format!("{name} member #{i}"),
                format!("bad member name: {e}"),
            )
        })?;
        let is_summary = member_name == "header.json" || member_name == "reductions.json";
        let is_sample = member_name.starts_with("samples/") && member_name.ends_with(".json");
        if !is_summary && !is_sample {
            return Ok(None); // summaries.json, _journal/*
        }
        let what = format!("{name} member {member_name}");
        let method = member.compression();
        let room = MAX_ZIP_MEMBER_BYTES.min(MAX_ZIP_TOTAL_BYTES - self.total);
        // The buffer grows with what actually inflates, up to one byte past the room left.
        let mut bytes = Vec::new();
        member.take(room + 1).read_to_end(&mut bytes).map_err(|e| {
            ImportError::malformed(&what, format!("cannot read: {e} (compression {method:?})"))
        })?;
        let len = bytes.len() as u64;
        if len > MAX_ZIP_MEMBER_BYTES {
            return Err(ImportError::unsupported(
                &what,
                format!(
                    "inflates to more than {MAX_ZIP_MEMBER_BYTES} bytes, the limit for one member"
                ),
            ));
        }
        if len > room {
            return Err(ImportError::unsupported(
                name,
                format!("ZIP members inflate to more than {MAX_ZIP_TOTAL_BYTES} bytes in all, the limit for a log"),
            ));
        }
        self.total += len;
        Ok(Some((member_name, bytes)))
    }
}

/// Reads a `.eval` ZIP: the member count first, then `header.json` (so that an archive that is
/// not a finished Inspect log of a supported version is refused before any sample inflates),
/// then `reductions.json` and the samples, within the inflation limits of [`Inflater`].
fn read_eval_zip<R: Read + Seek>(name: &str, reader: R) -> Result<Parts, ImportError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| {
        ImportError::malformed(
            name,
            format!("not a readable ZIP archive (truncated or corrupt .eval log?): {e}"),
        )
    })?;
    if zip.len() > MAX_ZIP_MEMBERS {
        return Err(ImportError::unsupported(
            name,
            format!(
                "the ZIP has {} members, more than the {MAX_ZIP_MEMBERS} an Inspect log may have",
                zip.len()
            ),
        ));
    }
    if zip.has_duplicate_names() {
        // The archive's index keeps one member per name, so which one is read would be arbitrary.
        return Err(ImportError::malformed(
            name,
            "the ZIP has several members with the same name",
        ));
    }
    let header_index = zip.index_for_name("header.json").ok_or_else(|| {
        ImportError::malformed(
            name,
            "ZIP has no header.json member (an unfinished Inspect log, or not an Inspect .eval file)",
        )
    })?;
    let mut inflater = Inflater { name, total: 0 };
    let mut member = |zip: &mut zip::ZipArchive<R>, i: usize| {
        inflater
            .read(zip, i)
            .map(|m| m.map(|(member_name, bytes)| (format!("{name} member {member_name}"), bytes)))
    };
    let (what, bytes) = member(&mut zip, header_index)?
        .ok_or_else(|| ImportError::malformed(name, "header.json is not a header member"))?;
    let header: RawHeader = serde_json::from_slice(&relax_json(&bytes))
        .map_err(|e| ImportError::malformed(&what, format!("not a log header: {e}")))?;
    check_version(name, &header.version)?;
    check_status(name, header.status.as_deref())?;
    let reductions_index = zip.index_for_name("reductions.json");
    let reductions = match reductions_index {
        None => None,
        Some(i) => {
            let (what, bytes) = member(&mut zip, i)?.ok_or_else(|| {
                ImportError::malformed(name, "reductions.json is not a reductions member")
            })?;
            Some(
                serde_json::from_slice::<Vec<RawReduction>>(&relax_json(&bytes)).map_err(|e| {
                    ImportError::malformed(&what, format!("not a list of reductions: {e}"))
                })?,
            )
        }
    };
    let mut records = Vec::new();
    for i in (0..zip.len()).filter(|&i| i != header_index && Some(i) != reductions_index) {
        let Some((what, bytes)) = member(&mut zip, i)? else {
            continue;
        };
        let s: RawSample = serde_json::from_slice(&relax_json(&bytes))
            .map_err(|e| ImportError::malformed(&what, format!("not a sample record: {e}")))?;
        records.push(Record { what, sample: s });
    }
    Ok(Parts {
        format: "inspect-eval",
        version: header.version,
        status: header.status,
        eval: header.eval,
        results: header.results,
        reductions,
        records,
    })
}

fn check_version(name: &str, version: &Value) -> Result<(), ImportError> {
    match version.as_i64() {
        Some(LOG_VERSION) => Ok(()),
        Some(v) => Err(ImportError::unsupported(
            name,
            format!("Inspect log version {v} is not supported (only version {LOG_VERSION})"),
        )),
        None if version.is_null() => Err(ImportError::malformed(
            name,
            "no log `version` field (not an Inspect log?)",
        )),
        None => Err(ImportError::malformed(
            name,
            format!("log `version` {} is not an integer", show(version)),
        )),
    }
}

fn check_status(name: &str, status: Option<&str>) -> Result<(), ImportError> {
    match status {
        Some("success") => Ok(()),
        other => Err(ImportError::unsupported(
            name,
            format!(
                "log status is {}; only finished logs (status \"success\") can be imported",
                other.map_or_else(|| "missing".to_string(), |s| format!("{s:?}"))
            ),
        )),
    }
}

/// Inspect's `value_to_float` for a scalar, except that what Inspect maps to 0 with a warning is
/// an error here. `Ok(None)` is NaN (unscored).
fn scalar_to_float(v: &Value) -> Result<Option<f64>, String> {
    if let Some(f) = special_float(v) {
        return if f.is_nan() {
            Ok(None)
        } else {
            Err(format!("score value is {f}"))
        };
    }
    match v {
        Value::Bool(b) => Ok(Some(if *b { 1.0 } else { 0.0 })),
        Value::Number(n) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("score value {n} is not representable")),
        Value::String(s) => match s.as_str() {
            "C" => Ok(Some(1.0)),
            "P" => Ok(Some(0.5)),
            "I" | "N" => Ok(Some(0.0)),
            _ => {
                let lower = s.to_lowercase();
                match lower.trim() {
                    "yes" | "true" => Ok(Some(1.0)),
                    "no" | "false" => Ok(Some(0.0)),
                    t => match t.parse::<f64>() {
                        Ok(f) if f.is_finite() => Ok(Some(f)),
                        _ => Err(format!(
                            "score value {} is not C, I, P, N, yes/no, true/false or a number",
                            show(v)
                        )),
                    },
                }
            }
        },
        Value::Null => Err("score value is null".into()),
        Value::Array(_) => Err(format!("list-valued score {} is not supported", show(v))),
        Value::Object(_) => Err(format!("score value {} is a dict", show(v))),
    }
}

/// A dict's keys, sorted, for an error message.
fn sorted_keys(map: &serde_json::Map<String, Value>) -> String {
    let mut k: Vec<&str> = map.keys().map(String::as_str).collect();
    k.sort_unstable();
    list(k)
}

/// A built-in Inspect epoch reducer, as the log names it (`mean`, `at_least_2`, `pass_k_3`, ...).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reducer {
    Mean,
    Median,
    Mode,
    Majority,
    Max,
    AtLeast(u32),
    PassAt(u32),
    PassK(u32),
}

const SUPPORTED_REDUCERS: &str =
    "mean, median, mode, majority, max, at_least_<k>, pass_at_<k>, pass_k_<k>";

impl Reducer {
    fn parse(name: &str) -> Option<Self> {
        let k = |prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|k| k.parse::<u32>().ok())
                .filter(|k| *k >= 1)
        };
        Some(match name {
            "mean" => Reducer::Mean,
            "median" => Reducer::Median,
            "mode" => Reducer::Mode,
            "majority" => Reducer::Majority,
            "max" => Reducer::Max,
            _ => {
                if let Some(k) = k("at_least_") {
                    Reducer::AtLeast(k)
                } else if let Some(k) = k("pass_at_") {
                    Reducer::PassAt(k)
                } else {
                    Reducer::PassK(k("pass_k_")?)
                }
            }
        })
    }

    /// Reduces one sample's epochs as Inspect's reducer of this name does with its default
    /// parameters: `scored` holds the epochs' converted values without the unscored (NaN) ones,
    /// `epochs` counts the scored and unscored epochs (a majority is taken of all of them).
    /// `None` is Inspect's NaN (unscored). The counting reducers (`mode`, `majority`) count the
    /// converted values, so `"I"` and `"N"` count as one value 0; a log's parameterised reducer
    /// (such as `at_least(2, value=0.5)`, logged as `at_least_2`) is recomputed with the default
    /// threshold 1.0. Both are why recomputed values must match the log's own metric.
    fn apply(self, scored: &[f64], epochs: usize) -> Option<f64> {
        if scored.is_empty() {
            return None;
        }
        let n = scored.len();
        let correct = scored.iter().filter(|x| **x >= 1.0).count();
        // Distinct values with their counts, in first-seen order (Python's Counter).
        let counts = || {
            let mut counts: Vec<(f64, usize)> = Vec::new();
            for x in scored {
                match counts.iter_mut().find(|(y, _)| y == x) {
                    Some((_, c)) => *c += 1,
                    None => counts.push((*x, 1)),
                }
            }
            // `most_common(1)`: the largest count, ties to the value seen first.
            counts
                .into_iter()
                .fold(None, |best: Option<(f64, usize)>, c| match best {
                    Some(b) if b.1 >= c.1 => Some(b),
                    _ => Some(c),
                })
        };
        match self {
            Reducer::Mean => Some(scored.iter().sum::<f64>() / n as f64),
            Reducer::Median => {
                let mut s = scored.to_vec();
                s.sort_by(f64::total_cmp);
                Some(if n % 2 == 1 {
                    s[n / 2]
                } else {
                    (s[n / 2 - 1] + s[n / 2]) / 2.0
                })
            }
            Reducer::Mode => counts().map(|c| c.0),
            Reducer::Majority => counts().filter(|c| c.1 * 2 > epochs).map(|c| c.0),
            Reducer::Max => scored.iter().copied().reduce(f64::max),
            Reducer::AtLeast(k) => Some(if correct >= k as usize { 1.0 } else { 0.0 }),
            Reducer::PassAt(k) => {
                let k = k as usize;
                if n < k {
                    None
                } else if n - correct < k {
                    Some(1.0)
                } else {
                    let p: f64 = (n - correct + 1..=n)
                        .map(|i| 1.0 - k as f64 / i as f64)
                        .product();
                    Some(1.0 - p)
                }
            }
            Reducer::PassK(k) => {
                let k = k as usize;
                (n >= k).then(|| binomial(correct, k) / binomial(n, k))
            }
        }
    }
}

/// `C(n, k)` as a float (0 when `k > n`), exact for the epoch counts a log can hold.
fn binomial(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Reduces each sample's epochs with `reducer`, as Inspect does before computing its metrics.
/// Samples come in the order first seen in the log. Errored epochs (no score) are left out, as
/// Inspect leaves them out; a sample with no scored epoch reduces to `None`.
fn recompute(samples: &[SampleScore], reducer: Reducer) -> SampleValues {
    let mut order: Vec<(&str, Vec<&SampleScore>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for s in samples {
        let i = *index.entry(s.sample_id.as_str()).or_insert_with(|| {
            order.push((s.sample_id.as_str(), Vec::new()));
            order.len() - 1
        });
        order[i].1.push(s);
    }
    order
        .into_iter()
        .map(|(id, epochs)| {
            let epochs: Vec<&SampleScore> =
                epochs.into_iter().filter(|e| e.error.is_none()).collect();
            let scored: Vec<f64> = epochs.iter().filter_map(|e| e.value).collect();
            (id.to_string(), reducer.apply(&scored, epochs.len()))
        })
        .collect()
}

/// The metric names whose value is the mean of the per-sample values (Inspect's `accuracy` and
/// `mean`), in the order preferred for the cross-check.
const MEAN_METRICS: [&str; 2] = ["accuracy", "mean"];

/// The mean the log reports for one series (scorer or dict key) after one reducer: the entry of
/// `results.scores` for it, and of its metrics the headline's if that is a mean, else `accuracy`,
/// else `mean`. `None` when the log reports no mean for the series.
fn reported_mean(
    name: &str,
    results: Option<&RawResults>,
    scorer: &str,
    series: &str,
    reducer: &str,
) -> Result<Option<Headline>, ImportError> {
    let Some(res) = results else {
        return Ok(None);
    };
    let Some(entry) = res.scores.iter().find(|e| {
        e.name == series
            && e.scorer.as_deref().is_none_or(|s| s == scorer)
            && reducer_or_mean(&e.reducer) == reducer
    }) else {
        return Ok(None);
    };
    let headline_metric = res
        .headline
        .as_ref()
        .filter(|h| h.names(scorer, series))
        .and_then(|h| h.metric.as_deref());
    let Some(metric) = headline_metric
        .into_iter()
        .chain(MEAN_METRICS)
        .find(|m| MEAN_METRICS.contains(m) && entry.metrics.get(m).is_some())
    else {
        return Ok(None);
    };
    let raw = entry.metrics.get(metric).map_or(&Value::Null, |m| &m.value);
    let value = json_f64(raw).ok_or_else(|| {
        ImportError::malformed(
            name,
            format!(
                "results.scores[{series:?}].metrics[{metric:?}].value {} is not a number",
                show(raw)
            ),
        )
    })?;
    Ok(Some(Headline {
        scorer: series.to_string(),
        metric: metric.to_string(),
        value,
    }))
}

/// The run's identity: `eval.eval_id`, or for logs written before Inspect had it (0.3.9x and
/// earlier) `eval.run_id/eval.task_id`.
fn run_identity(name: &str, eval: &RawEvalSpec) -> Result<RunIdentity, ImportError> {
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    if let Some(id) = nonempty(&eval.eval_id) {
        return Ok(RunIdentity {
            kind: RunIdentity::INSPECT_EVAL_ID.into(),
            id,
        });
    }
    match (nonempty(&eval.run_id), nonempty(&eval.task_id)) {
        (Some(run), Some(task)) => Ok(RunIdentity {
            kind: RunIdentity::INSPECT_RUN_TASK.into(),
            id: format!("{run}/{task}"),
        }),
        _ => Err(ImportError::malformed(
            name,
            "log has no eval.eval_id, nor eval.run_id and eval.task_id: it names no run",
        )),
    }
}

/// A score value as a float: the entry `key` of a dict value, or the scalar itself. `Ok(None)` is
/// NaN (unscored).
fn score_to_float(
    what: &str,
    scorer: &str,
    value: &Value,
    key: Option<&str>,
) -> Result<Option<f64>, ImportError> {
    if special_float(value).is_some_and(f64::is_nan) {
        return Ok(None);
    }
    match (value, key) {
        (Value::Object(map), Some(key)) => {
            let x = map.get(key).ok_or_else(|| {
                ImportError::selection(
                    what,
                    format!(
                        "scorer {scorer:?} value has no key {key:?}; keys: {}",
                        sorted_keys(map)
                    ),
                )
            })?;
            scalar_to_float(x).map_err(|reason| {
                ImportError::malformed(what, format!("scorer {scorer:?} key {key:?}: {reason}"))
            })
        }
        (Value::Object(map), None) => Err(ImportError::selection(
            what,
            format!(
                "scorer {scorer:?} gives dict values (keys: {}); choose a key",
                sorted_keys(map)
            ),
        )),
        (v, Some(k)) => Err(ImportError::selection(
            what,
            format!(
                "scorer {scorer:?} value {} is not a dict, so key {k:?} does not apply",
                show(v)
            ),
        )),
        (v, None) => scalar_to_float(v)
            .map_err(|reason| ImportError::malformed(what, format!("scorer {scorer:?}: {reason}"))),
    }
}

/// The log's reduced values for `scorer` (and `key`) after `reducer`, one per sample of the log in
/// first-seen order (`sample_ids`; `known` holds the same ids), `None` for samples the reduction
/// leaves out (which had no score) and for NaN; `None` when the log has no such reduction.
fn logged_reduction(
    name: &str,
    reductions: Option<&[RawReduction]>,
    sample_ids: &[&str],
    known: &HashSet<&str>,
    scorer: &str,
    key: Option<&str>,
    reducer: &str,
) -> Result<Option<SampleValues>, ImportError> {
    let Some(entry) = reductions
        .into_iter()
        .flatten()
        .find(|r| r.scorer == scorer && reducer_or_mean(&r.reducer) == reducer)
    else {
        return Ok(None);
    };
    let what = format!("{name} reductions[{scorer:?}, {reducer:?}]");
    let mut reduced: HashMap<String, Option<f64>> = HashMap::with_capacity(entry.samples.len());
    for s in &entry.samples {
        let id = id_string(&s.sample_id).ok_or_else(|| {
            ImportError::malformed(
                &what,
                format!(
                    "sample_id {} is not a string or integer",
                    show(&s.sample_id)
                ),
            )
        })?;
        if !known.contains(id.as_str()) {
            return Err(ImportError::malformed(
                &what,
                format!("reduces sample {id:?}, which the log does not hold"),
            ));
        }
        let value = score_to_float(&format!("{what} sample {id}"), scorer, &s.value, key)?;
        if reduced.insert(id.clone(), value).is_some() {
            return Err(ImportError::malformed(
                &what,
                format!("sample {id:?} appears twice"),
            ));
        }
    }
    Ok(Some(
        sample_ids
            .iter()
            .map(|id| (id.to_string(), reduced.get(*id).copied().flatten()))
            .collect(),
    ))
}

fn build(
    name: &str,
    parts: Parts,
    select: Select<'_>,
    evidence_sha256: String,
) -> Result<EvalLog, ImportError> {
    let Parts {
        format,
        version,
        status,
        eval,
        results,
        reductions,
        records,
    } = parts;
    check_version(name, &version)?;
    check_status(name, status.as_deref())?;
    let run = run_identity(name, &eval)?;
    if records.is_empty() {
        return Err(ImportError::unsupported(
            name,
            "log holds no samples (was it written with log_samples=False?)",
        ));
    }
    if let Some(total) = results.as_ref().and_then(|r| r.total_samples) {
        if total != records.len() as u64 {
            return Err(ImportError::malformed(
                name,
                format!(
                    "results.total_samples is {total} but the log holds {} sample records (incomplete file?)",
                    records.len()
                ),
            ));
        }
    }

    let mut seen_ids: HashSet<(String, u32)> = HashSet::new();
    let mut ids = Vec::with_capacity(records.len());
    for r in &records {
        let id = id_string(&r.sample.id).ok_or_else(|| {
            ImportError::malformed(
                &r.what,
                format!(
                    "sample id {} is not a string or integer",
                    show(&r.sample.id)
                ),
            )
        })?;
        if !seen_ids.insert((id.clone(), r.sample.epoch)) {
            return Err(ImportError::malformed(
                &r.what,
                format!(
                    "sample {id:?} epoch {} appears twice in the log",
                    r.sample.epoch
                ),
            ));
        }
        ids.push(id);
    }
    // Scorer names: those in the samples (first seen first), then any only the results name.
    let names = distinct(
        records
            .iter()
            .flat_map(|r| r.sample.scores.iter().flat_map(|s| s.keys()))
            .chain(
                results
                    .iter()
                    .flat_map(|r| &r.scores)
                    .map(|e| e.scorer.as_deref().unwrap_or(&e.name)),
            ),
    );
    let headline = results.as_ref().and_then(|r| r.headline.as_ref());
    let headline_field = headline.and_then(|h| Some((h.scorer.as_deref()?, h.score.as_deref())));
    let scorer: String = match select.scorer {
        Some(s) if names.contains(&s) => s.to_string(),
        Some(s) => {
            return Err(ImportError::selection(
                name,
                format!("no scorer {s:?} in this log; scorers: {}", list(names)),
            ))
        }
        None => match headline_field {
            Some((hs, _)) => hs.to_string(),
            None if names.len() == 1 => names[0].to_string(),
            None => {
                return Err(ImportError::selection(
                    name,
                    format!(
                        "the log has {} scorers and no results.headline; choose one of: {}",
                        names.len(),
                        list(names)
                    ),
                ))
            }
        },
    };
    // For a dict-valued headline scorer, the headline's score name is the default key.
    let default_key = headline_field
        .filter(|(hs, _)| *hs == scorer)
        .and_then(|(hs, hscore)| hscore.filter(|k| *k != hs));

    // Every (sample, epoch) record's value for the scorer.
    let mut samples = Vec::with_capacity(records.len());
    let mut errored = 0;
    let mut dict_valued = false;
    for (r, sample_id) in records.iter().zip(ids) {
        let epoch = r.sample.epoch;
        let score = match (
            &r.sample.error,
            r.sample.scores.as_ref().and_then(|s| s.get(&scorer)),
        ) {
            (None, Some(score)) => score,
            (error, _) => {
                errored += 1;
                let message = match error {
                    Some(err) => err
                        .message
                        .clone()
                        .unwrap_or_else(|| "sample errored (no message)".into()),
                    None => format!("no {scorer:?} score"),
                };
                samples.push(SampleScore {
                    sample_id,
                    epoch,
                    value: None,
                    error: Some(message),
                });
                continue;
            }
        };
        dict_valued |= score.value.is_object();
        let key = if score.value.is_object() {
            select.key.or(default_key)
        } else {
            select.key
        };
        let value = score_to_float(&r.what, &scorer, &score.value, key)?;
        samples.push(SampleScore {
            sample_id,
            epoch,
            value,
            error: None,
        });
    }
    let score_key = if dict_valued {
        select.key.or(default_key).map(String::from)
    } else {
        select.key.map(String::from)
    };
    let series = score_key.clone().unwrap_or_else(|| scorer.clone());

    // The epoch reducer: the reductions the log holds for the scorer (else the reducers its results
    // name, else its configured ones, else Inspect's default, mean).
    let from_reductions = distinct(
        reductions
            .iter()
            .flatten()
            .filter(|r| r.scorer == scorer)
            .map(|r| reducer_or_mean(&r.reducer)),
    );
    let from_results = distinct(
        results
            .iter()
            .flat_map(|r| &r.scores)
            .filter(|e| e.name == series && e.scorer.as_deref().is_none_or(|s| s == scorer))
            .map(|e| reducer_or_mean(&e.reducer)),
    );
    let from_config = distinct(
        eval.config
            .iter()
            .flat_map(|c| c.epochs_reducer.iter().flatten())
            .map(String::as_str),
    );
    let reducers: Vec<&str> = [from_reductions, from_results, from_config]
        .into_iter()
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| vec!["mean"]);
    let logs_choice = headline
        .filter(|h| h.names(&scorer, &series))
        .and_then(|h| h.reducer.as_deref())
        .filter(|r| reducers.contains(r));
    let reducer: String = match select.reducer {
        Some(r) if reducers.contains(&r) => r.to_string(),
        Some(r) => {
            return Err(ImportError::selection(
                name,
                format!(
                    "the log has no reducer {r:?} for scorer {scorer:?}; its reducers: {}",
                    list(reducers)
                ),
            ))
        }
        None => match logs_choice {
            Some(r) => r.to_string(),
            None if reducers.len() == 1 => reducers[0].to_string(),
            None => {
                return Err(ImportError::selection(
                    name,
                    format!(
                        "the log reduces scorer {scorer:?}'s epochs with {} reducers; choose one with --reducer: {}",
                        reducers.len(),
                        list(reducers)
                    ),
                ))
            }
        },
    };

    // The values: the log's own reduction, else recomputed from the epochs.
    let mut sample_ids: Vec<&str> = Vec::new();
    let mut id_seen: HashSet<&str> = HashSet::new();
    for s in &samples {
        if id_seen.insert(s.sample_id.as_str()) {
            sample_ids.push(s.sample_id.as_str());
        }
    }
    let logged = logged_reduction(
        name,
        reductions.as_deref(),
        &sample_ids,
        &id_seen,
        &scorer,
        score_key.as_deref(),
        &reducer,
    )?;
    let (values, values_from) = match logged {
        Some(v) => (v, ValuesFrom::LogReductions),
        None => {
            let r = Reducer::parse(&reducer).ok_or_else(|| {
                ImportError::unsupported(
                    name,
                    format!(
                        "the log holds no reductions for scorer {scorer:?} and its epoch reducer {reducer:?} is not a built-in one zkgov can recompute ({SUPPORTED_REDUCERS})"
                    ),
                )
            })?;
            (recompute(&samples, r), ValuesFrom::Recomputed)
        }
    };
    let metric = reported_mean(name, results.as_ref(), &scorer, &series, &reducer)?;
    match &metric {
        Some(m) => check_mean(name, &values, m, &reducer, values_from)?,
        None if values_from == ValuesFrom::Recomputed => {
            return Err(ImportError::unsupported(
                name,
                format!(
                    "the log holds no reductions and reports no mean ({}) for {series:?} reduced by {reducer}, so values recomputed from its epochs could not be checked against the log's own numbers",
                    MEAN_METRICS.join(" or ")
                ),
            ))
        }
        None => {}
    }
    Ok(EvalLog {
        source_format: format.to_string(),
        task: eval.task,
        run,
        evidence_sha256,
        model: eval.model,
        scorer,
        score_key,
        reducer,
        values_from,
        metric,
        samples,
        values,
        errored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_to_float_matches_inspect() {
        let ok = |v: Value| scalar_to_float(&v).ok().flatten();
        assert_eq!(ok("C".into()), Some(1.0));
        assert_eq!(ok("P".into()), Some(0.5));
        assert_eq!(ok("I".into()), Some(0.0));
        assert_eq!(ok("N".into()), Some(0.0));
        assert_eq!(ok("Yes".into()), Some(1.0));
        assert_eq!(ok("false".into()), Some(0.0));
        assert_eq!(ok("0.25".into()), Some(0.25));
        assert_eq!(ok(true.into()), Some(1.0));
        assert_eq!(ok(false.into()), Some(0.0));
        assert_eq!(ok(3.into()), Some(3.0));
        assert_eq!(ok(0.75.into()), Some(0.75));
        assert_eq!(scalar_to_float(&"\u{0}NaN".into()), Ok(None));
        for bad in [
            Value::from("c"),
            Value::from("maybe"),
            Value::from("nan"),
            Value::from("\u{0}Infinity"),
            Value::Null,
            serde_json::json!([1, 2]),
        ] {
            let e = scalar_to_float(&bad).err().unwrap_or_default();
            assert!(!e.is_empty(), "{bad}");
        }
    }

    fn epochs(rows: &[(&str, Option<f64>, bool)]) -> Vec<SampleScore> {
        rows.iter()
            .enumerate()
            .map(|(i, (id, v, err))| SampleScore {
                sample_id: id.to_string(),
                epoch: i as u32 + 1,
                value: *v,
                error: err.then(|| "boom".to_string()),
            })
            .collect()
    }

    #[test]
    fn reducers_match_inspects_definitions() {
        let rows = [
            ("a", Some(1.0), false),
            ("b", Some(0.0), false),
            ("a", Some(0.0), false),
            ("b", Some(0.0), false),
            ("a", Some(1.0), false),
            ("b", Some(0.5), false),
            ("c", None, false),
            ("c", Some(0.5), false),
            ("d", Some(1.0), false),
            ("d", None, true),
            ("e", None, false),
            ("f", None, true),
        ];
        let get = |r: &str| {
            let r = Reducer::parse(r).unwrap_or_else(|| panic!("{r}"));
            recompute(&epochs(&rows), r)
                .into_iter()
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
        };
        let m = 2.0 / 3.0;
        assert_eq!(
            recompute(&epochs(&rows), Reducer::Mean)
                .iter()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "c", "d", "e", "f"]
        );
        // An errored epoch is left out (d keeps its scored epoch); a sample with no scored epoch
        // (e: unscored, f: errored) reduces to nothing.
        assert_eq!(
            get("mean"),
            [Some(m), Some(0.5 / 3.0), Some(0.5), Some(1.0), None, None]
        );
        assert_eq!(get("median")[..3], [Some(1.0), Some(0.0), Some(0.5)]);
        assert_eq!(get("mode")[..3], [Some(1.0), Some(0.0), Some(0.5)]);
        assert_eq!(get("max")[..3], [Some(1.0), Some(0.5), Some(0.5)]);
        assert_eq!(get("at_least_2")[..3], [Some(1.0), Some(0.0), Some(0.0)]);
        assert_eq!(get("at_least_3")[..3], [Some(0.0), Some(0.0), Some(0.0)]);
        // Majority: strictly more than half of all epochs, unscored ones included.
        assert_eq!(get("majority")[..3], [Some(1.0), Some(0.0), None]);
        // pass@1 over 2 correct of 3: 1 - (1 - 1/3) = 2/3; pass@2: n - c = 1 < 2, so 1.
        let p1 = get("pass_at_1");
        assert!((p1[0].unwrap_or(0.0) - m).abs() < 1e-12);
        assert_eq!(p1[1], Some(0.0));
        assert_eq!(get("pass_at_2")[0], Some(1.0));
        // c has one scored epoch, fewer than k = 2: undefined.
        assert_eq!(get("pass_at_2")[2], None);
        // pass^k = C(correct, k) / C(total, k): a has 2 of 3 correct, so pass^2 = 1/3.
        assert!((get("pass_k_2")[0].unwrap_or(0.0) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(get("pass_k_1")[0], Some(m));
        assert_eq!(get("pass_k_2")[1], Some(0.0));
        assert_eq!(get("pass_k_2")[2], None);
        // Mode ties go to the value seen first.
        let tie = [("x", Some(0.0), false), ("x", Some(1.0), false)];
        assert_eq!(recompute(&epochs(&tie), Reducer::Mode)[0].1, Some(0.0));
        assert_eq!(recompute(&epochs(&tie), Reducer::Majority)[0].1, None);
        // Even count median averages the middle two.
        let even = [
            ("x", Some(0.0), false),
            ("x", Some(1.0), false),
            ("x", Some(0.5), false),
            ("x", Some(1.0), false),
        ];
        assert_eq!(recompute(&epochs(&even), Reducer::Median)[0].1, Some(0.75));
        assert_eq!(binomial(5, 2), 10.0);
        assert_eq!(binomial(2, 3), 0.0);
    }

    #[test]
    fn reducer_names() {
        assert_eq!(Reducer::parse("at_least_5"), Some(Reducer::AtLeast(5)));
        assert_eq!(Reducer::parse("pass_at_3"), Some(Reducer::PassAt(3)));
        assert_eq!(Reducer::parse("pass_k_2"), Some(Reducer::PassK(2)));
        assert_eq!(Reducer::parse("majority"), Some(Reducer::Majority));
        assert_eq!(Reducer::parse("min"), None);
        assert_eq!(Reducer::parse("pass_at_0"), None);
        assert_eq!(Reducer::parse("at_least_x"), None);
        assert_eq!(Reducer::parse("best_of"), None);
    }
}
