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

use super::{
    id_string, json_f64, list, relax_json, show, special_float, EvalLog, Headline, ImportError,
    Ordered, SampleScore,
};

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

/// Reads an Inspect log (`.eval` or `.json`) and extracts one scorer's per-(sample, epoch) values.
///
/// `scorer` picks the scorer; by default the one the log's `results.headline` names, else the
/// only scorer (several without a headline: an error listing them). `key` picks the entry of a
/// dict-valued score (e.g. `"harm"` of `{"refused": 0, "harm": 0.05}`); without it, the key the
/// log's headline names when the scorer is the headline's, else an error listing the keys.
///
/// [`EvalLog::headline`] is the value the log reports for the selected scorer (and key): the log's
/// headline metric when the selection is its headline, else the entry of `results.scores` for the
/// selection, with the headline's metric name when that entry has it and its first metric
/// otherwise; `None` when the log reports nothing for the selection.
pub fn read_inspect(
    path: &Path,
    scorer: Option<&str>,
    key: Option<&str>,
) -> Result<EvalLog, ImportError> {
    let name = path.display().to_string();
    let mut file = File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut magic = Vec::with_capacity(4);
    (&mut file)
        .take(4)
        .read_to_end(&mut magic)
        .map_err(|e| ImportError::io(path, e))?;
    file.rewind().map_err(|e| ImportError::io(path, e))?;
    if magic.starts_with(b"PK") {
        let (header, records) = read_eval_zip(&name, BufReader::new(file))?;
        build(
            "inspect-eval",
            &name,
            header.version,
            header.status,
            header.eval,
            header.results,
            records,
            scorer,
            key,
        )
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
        let samples = log.samples.unwrap_or_default();
        let records = samples
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
        build(
            "inspect-json",
            &name,
            log.version,
            log.status,
            log.eval,
            log.results,
            records,
            scorer,
            key,
        )
    }
}

/// Inflates ZIP members within [`MAX_ZIP_MEMBER_BYTES`] each and [`MAX_ZIP_TOTAL_BYTES`] in all.
struct Inflater<'a> {
    name: &'a str,
    /// Bytes inflated so far.
    total: u64,
}

impl Inflater<'_> {
    /// Inflates member `i` (if it is `header.json` or a sample), returning its name and bytes.
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
        let is_header = member_name == "header.json";
        let is_sample = member_name.starts_with("samples/") && member_name.ends_with(".json");
        if !is_header && !is_sample {
            return Ok(None); // summaries.json, reductions.json, _journal/*
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
/// then the samples, within the inflation limits of [`Inflater`].
fn read_eval_zip<R: Read + Seek>(
    name: &str,
    reader: R,
) -> Result<(RawHeader, Vec<Record>), ImportError> {
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
    let (what, bytes) = inflater
        .read(&mut zip, header_index)?
        .map(|(member_name, bytes)| (format!("{name} member {member_name}"), bytes))
        .ok_or_else(|| ImportError::malformed(name, "header.json is not a header member"))?;
    let header: RawHeader = serde_json::from_slice(&relax_json(&bytes))
        .map_err(|e| ImportError::malformed(&what, format!("not a log header: {e}")))?;
    check_version(name, &header.version)?;
    check_status(name, header.status.as_deref())?;
    let mut records = Vec::new();
    for i in (0..zip.len()).filter(|&i| i != header_index) {
        let Some((member_name, bytes)) = inflater.read(&mut zip, i)? else {
            continue;
        };
        let what = format!("{name} member {member_name}");
        let s: RawSample = serde_json::from_slice(&relax_json(&bytes))
            .map_err(|e| ImportError::malformed(&what, format!("not a sample record: {e}")))?;
        records.push(Record { what, sample: s });
    }
    Ok((header, records))
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

/// A supported epoch reducer.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reducer {
    Mean,
    Median,
    Mode,
    Max,
    Min,
    AtLeast(u32),
    PassAt(u32),
}

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
            "max" => Reducer::Max,
            "min" => Reducer::Min,
            _ => {
                if let Some(k) = k("at_least_") {
                    Reducer::AtLeast(k)
                } else {
                    Reducer::PassAt(k("pass_at_")?)
                }
            }
        })
    }

    /// Reduces one sample's scored (non-NaN) epoch values, as Inspect does.
    fn apply(self, v: &[f64]) -> Option<f64> {
        if v.is_empty() {
            return None;
        }
        let n = v.len();
        let correct = v.iter().filter(|x| **x >= 1.0).count();
        match self {
            Reducer::Mean => Some(v.iter().sum::<f64>() / n as f64),
            Reducer::Median => {
                let mut s = v.to_vec();
                s.sort_by(f64::total_cmp);
                Some(if n % 2 == 1 {
                    s[n / 2]
                } else {
                    (s[n / 2 - 1] + s[n / 2]) / 2.0
                })
            }
            Reducer::Mode => {
                // Most common value; ties go to the value seen first (Python's Counter).
                let mut counts: Vec<(f64, usize)> = Vec::new();
                for x in v {
                    match counts.iter_mut().find(|(y, _)| y == x) {
                        Some((_, c)) => *c += 1,
                        None => counts.push((*x, 1)),
                    }
                }
                let mut best = counts[0];
                for c in &counts[1..] {
                    if c.1 > best.1 {
                        best = *c;
                    }
                }
                Some(best.0)
            }
            Reducer::Max => v.iter().copied().reduce(f64::max),
            Reducer::Min => v.iter().copied().reduce(f64::min),
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
        }
    }
}

const SUPPORTED_REDUCERS: &str = "mean, median, mode, max, min, at_least_<k>, pass_at_<k>";

/// Reduces each sample's epochs to one value with the log's reducer (`None`: mean), as Inspect
/// does before computing its metrics. Samples come in the order first seen in the log.
///
/// A sample with any errored epoch (or an epoch without a score for the scorer) reduces to
/// `None`. NaN (unscored) epochs are left out of the reduction, as Inspect leaves them out; a
/// sample with only NaN epochs reduces to `None`. Supported reducers: `mean`, `median`, `mode`
/// (over the converted values, so `"I"` and `"N"` count as the same value 0), `max`, `min`,
/// `at_least_<k>` and `pass_at_<k>` (threshold 1.0). [`read_inspect`] refuses logs naming any other
/// reducer; for an [`EvalLog`] built otherwise with an unknown reducer every sample reduces to
/// `None`.
///
/// Inspect's headline metric (e.g. `accuracy`, `mean`) is the mean of the non-`None` results.
pub fn reduce_epochs(log: &EvalLog) -> Vec<(String, Option<f64>)> {
    let reducer = match log.reducer.as_deref() {
        None => Some(Reducer::Mean),
        Some(r) => Reducer::parse(r),
    };
    let mut order: Vec<(&str, Vec<&SampleScore>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for s in &log.samples {
        let i = *index.entry(s.sample_id.as_str()).or_insert_with(|| {
            order.push((s.sample_id.as_str(), Vec::new()));
            order.len() - 1
        });
        order[i].1.push(s);
    }
    order
        .into_iter()
        .map(|(id, epochs)| {
            let value = match reducer {
                Some(r) if epochs.iter().all(|e| e.error.is_none()) => {
                    let v: Vec<f64> = epochs.iter().filter_map(|e| e.value).collect();
                    r.apply(&v)
                }
                _ => None,
            };
            (id.to_string(), value)
        })
        .collect()
}

/// The log's reported value and epoch reducer for the selected series.
struct Resolved {
    headline: Option<Headline>,
    reducer: Option<String>,
}

fn resolve_headline(
    name: &str,
    results: Option<&RawResults>,
    config_reducers: &[String],
    scorer: &str,
    series: &str,
) -> Result<Resolved, ImportError> {
    let Some(res) = results else {
        return Ok(Resolved {
            headline: None,
            reducer: config_reducers.first().cloned(),
        });
    };
    let field = res.headline.as_ref().and_then(|h| {
        let hs = h.scorer.as_deref()?;
        Some((
            hs,
            h.score.as_deref().unwrap_or(hs),
            h.metric.as_deref()?,
            h.reducer.as_deref(),
        ))
    });
    let is_log_headline = field.is_some_and(|(hs, hscore, _, _)| hs == scorer && hscore == series);
    let wanted_reducer = field.filter(|_| is_log_headline).and_then(|f| f.3);
    let candidates: Vec<&RawEvalScore> = res
        .scores
        .iter()
        .filter(|e| e.name == series && e.scorer.as_deref().is_none_or(|s| s == scorer))
        .collect();
    let entry = wanted_reducer
        .and_then(|r| {
            candidates
                .iter()
                .find(|e| e.reducer.as_deref() == Some(r))
                .copied()
        })
        .or_else(|| candidates.first().copied());
    let reducer = entry
        .and_then(|e| e.reducer.clone())
        .or_else(|| wanted_reducer.map(String::from))
        .or_else(|| config_reducers.first().cloned());
    let Some(entry) = entry else {
        if is_log_headline {
            return Err(ImportError::malformed(
                name,
                format!("results.headline names score {series:?} but results.scores has no entry for it"),
            ));
        }
        return Ok(Resolved {
            headline: None,
            reducer,
        });
    };
    let metric = match field {
        Some((_, _, m, _)) if is_log_headline || entry.metrics.get(m).is_some() => Some(m),
        _ => entry.metrics.keys().next(),
    };
    let Some((metric, m)) = metric.and_then(|m| Some((m, entry.metrics.get(m)?))) else {
        if is_log_headline {
            return Err(ImportError::malformed(
                name,
                format!(
                    "results.headline names metric {:?} but results.scores[{series:?}] has only: {}",
                    metric.unwrap_or_default(),
                    list(entry.metrics.keys())
                ),
            ));
        }
        return Ok(Resolved {
            headline: None,
            reducer,
        });
    };
    let value = json_f64(&m.value).ok_or_else(|| {
        ImportError::malformed(
            name,
            format!(
                "results.scores[{series:?}].metrics[{metric:?}].value {} is not a number",
                show(&m.value)
            ),
        )
    })?;
    Ok(Resolved {
        headline: Some(Headline {
            scorer: entry.name.clone(),
            metric: metric.to_string(),
            value,
        }),
        reducer,
    })
}

#[allow(clippy::too_many_arguments)]
fn build(
    source_format: &str,
    name: &str,
    version: Value,
    status: Option<String>,
    eval: RawEvalSpec,
    results: Option<RawResults>,
    records: Vec<Record>,
    scorer_arg: Option<&str>,
    key_arg: Option<&str>,
) -> Result<EvalLog, ImportError> {
    check_version(name, &version)?;
    check_status(name, status.as_deref())?;
    let eval_id = eval
        .eval_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ImportError::malformed(name, "log has no eval.eval_id"))?;
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

    // Scorer names: those in the samples (first seen first), then any only the results name.
    let mut names: Vec<&str> = Vec::new();
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
        for k in r.sample.scores.iter().flat_map(|s| s.keys()) {
            if !names.contains(&k) {
                names.push(k);
            }
        }
    }
    if let Some(res) = &results {
        for e in &res.scores {
            let s = e.scorer.as_deref().unwrap_or(&e.name);
            if !names.contains(&s) {
                names.push(s);
            }
        }
    }
    let headline_field = results
        .as_ref()
        .and_then(|r| r.headline.as_ref())
        .and_then(|h| Some((h.scorer.as_deref()?, h.score.as_deref())));
    let scorer: &str = match scorer_arg {
        Some(s) if names.contains(&s) => s,
        Some(s) => {
            return Err(ImportError::selection(
                name,
                format!("no scorer {s:?} in this log; scorers: {}", list(names)),
            ))
        }
        None => match headline_field {
            Some((hs, _)) => hs,
            None if names.len() == 1 => names[0],
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

    let mut samples = Vec::with_capacity(records.len());
    let mut errored = 0;
    let mut used_key: Option<String> = None;
    for (r, sample_id) in records.iter().zip(ids) {
        let epoch = r.sample.epoch;
        if let Some(err) = &r.sample.error {
            errored += 1;
            samples.push(SampleScore {
                sample_id,
                epoch,
                value: None,
                error: Some(
                    err.message
                        .clone()
                        .unwrap_or_else(|| "sample errored (no message)".into()),
                ),
            });
            continue;
        }
        let Some(score) = r.sample.scores.as_ref().and_then(|s| s.get(scorer)) else {
            errored += 1;
            samples.push(SampleScore {
                sample_id,
                epoch,
                value: None,
                error: Some(format!("no {scorer:?} score")),
            });
            continue;
        };
        let v = &score.value;
        let value = if special_float(v).is_some_and(f64::is_nan) {
            None
        } else if let Value::Object(map) = v {
            let key = match key_arg.or(default_key) {
                Some(k) => k,
                None => {
                    return Err(ImportError::selection(
                        name,
                        format!(
                            "scorer {scorer:?} gives dict values (keys: {}); choose a key",
                            sorted_keys(map)
                        ),
                    ))
                }
            };
            let Some(x) = map.get(key) else {
                return Err(ImportError::selection(
                    &r.what,
                    format!(
                        "scorer {scorer:?} value has no key {key:?}; keys: {}",
                        sorted_keys(map)
                    ),
                ));
            };
            used_key = Some(key.to_string());
            scalar_to_float(x).map_err(|reason| {
                ImportError::malformed(&r.what, format!("scorer {scorer:?} key {key:?}: {reason}"))
            })?
        } else if let Some(k) = key_arg {
            return Err(ImportError::selection(
                &r.what,
                format!(
                    "scorer {scorer:?} value {} is not a dict, so key {k:?} does not apply",
                    show(v)
                ),
            ));
        } else {
            scalar_to_float(v).map_err(|reason| {
                ImportError::malformed(&r.what, format!("scorer {scorer:?}: {reason}"))
            })?
        };
        samples.push(SampleScore {
            sample_id,
            epoch,
            value,
            error: None,
        });
    }

    let series = used_key
        .as_deref()
        .or(key_arg)
        .or(default_key)
        .unwrap_or(scorer)
        .to_string();
    let config_reducers = eval
        .config
        .unwrap_or_default()
        .epochs_reducer
        .unwrap_or_default();
    let resolved = resolve_headline(name, results.as_ref(), &config_reducers, scorer, &series)?;
    if let Some(r) = &resolved.reducer {
        if Reducer::parse(r).is_none() {
            return Err(ImportError::unsupported(
                name,
                format!("epoch reducer {r:?} is not supported (supported: {SUPPORTED_REDUCERS})"),
            ));
        }
    }
    Ok(EvalLog {
        source_format: source_format.to_string(),
        task: eval.task,
        eval_id,
        model: eval.model,
        reducer: resolved.reducer,
        headline: resolved.headline,
        samples,
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

    fn log(reducer: Option<&str>, rows: &[(&str, Option<f64>, bool)]) -> EvalLog {
        EvalLog {
            source_format: "test".into(),
            task: "t".into(),
            eval_id: "e".into(),
            model: "m".into(),
            reducer: reducer.map(String::from),
            headline: None,
            samples: rows
                .iter()
                .enumerate()
                .map(|(i, (id, v, err))| SampleScore {
                    sample_id: id.to_string(),
                    epoch: i as u32 + 1,
                    value: *v,
                    error: err.then(|| "boom".to_string()),
                })
                .collect(),
            errored: rows.iter().filter(|r| r.2).count(),
        }
    }

    #[test]
    fn reducers() {
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
        ];
        let get = |r: Option<&str>| {
            reduce_epochs(&log(r, &rows))
                .into_iter()
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
        };
        let m = 2.0 / 3.0;
        assert_eq!(
            reduce_epochs(&log(None, &rows))
                .iter()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "c", "d", "e"]
        );
        assert_eq!(get(None), [Some(m), Some(0.5 / 3.0), Some(0.5), None, None]);
        assert_eq!(get(Some("mean")), get(None));
        assert_eq!(
            get(Some("median")),
            [Some(1.0), Some(0.0), Some(0.5), None, None]
        );
        assert_eq!(
            get(Some("mode")),
            [Some(1.0), Some(0.0), Some(0.5), None, None]
        );
        assert_eq!(
            get(Some("max")),
            [Some(1.0), Some(0.5), Some(0.5), None, None]
        );
        assert_eq!(
            get(Some("min")),
            [Some(0.0), Some(0.0), Some(0.5), None, None]
        );
        assert_eq!(
            get(Some("at_least_2")),
            [Some(1.0), Some(0.0), Some(0.0), None, None]
        );
        assert_eq!(
            get(Some("at_least_3")),
            [Some(0.0), Some(0.0), Some(0.0), None, None]
        );
        // pass@1 over 2 correct of 3: 1 - (1 - 1/3) = 2/3; pass@2: 1 - (1-2/3) = ... n-c=1 < 2 -> 1.
        let p1 = get(Some("pass_at_1"));
        assert!((p1[0].unwrap_or(0.0) - m).abs() < 1e-12);
        assert_eq!(p1[1], Some(0.0));
        assert_eq!(get(Some("pass_at_2"))[0], Some(1.0));
        // c has one scored epoch, fewer than k = 2: undefined.
        assert_eq!(get(Some("pass_at_2"))[2], None);
        assert_eq!(get(Some("bogus")), [None, None, None, None, None]);
        // Mode ties go to the value seen first.
        let tie = [("x", Some(0.0), false), ("x", Some(1.0), false)];
        assert_eq!(reduce_epochs(&log(Some("mode"), &tie))[0].1, Some(0.0));
        // Even count median averages the middle two.
        let even = [
            ("x", Some(0.0), false),
            ("x", Some(1.0), false),
            ("x", Some(0.5), false),
            ("x", Some(1.0), false),
        ];
        assert_eq!(reduce_epochs(&log(Some("median"), &even))[0].1, Some(0.75));
    }

    #[test]
    fn reducer_names() {
        assert_eq!(Reducer::parse("at_least_5"), Some(Reducer::AtLeast(5)));
        assert_eq!(Reducer::parse("pass_at_3"), Some(Reducer::PassAt(3)));
        assert_eq!(Reducer::parse("pass_at_0"), None);
        assert_eq!(Reducer::parse("at_least_x"), None);
        assert_eq!(Reducer::parse("best_of"), None);
    }
}
