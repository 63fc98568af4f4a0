//! What an eval log says, read the same way for every tool: the run, the chosen series of per-sample
//! values and the headline metric the tool itself reported.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::Value;

use crate::ImportError;

/// Which run a log's results come from, and what kind of identifier says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunIdentity {
    /// [`RunIdentity::INSPECT_EVAL_ID`], [`RunIdentity::INSPECT_RUN_TASK`] or
    /// [`RunIdentity::LM_EVAL_RUN`].
    pub kind: String,
    /// The identifier.
    pub id: String,
}

impl RunIdentity {
    /// Inspect's `eval.eval_id`: one task's run (Inspect 0.3.100 and later).
    pub const INSPECT_EVAL_ID: &'static str = "inspect eval_id";
    /// `eval.run_id/eval.task_id`, for Inspect logs written before `eval_id` existed.
    pub const INSPECT_RUN_TASK: &'static str = "inspect run_id/task_id";
    /// lm-eval: the run's date stamp (`results_<date>.json`), with the run's files bound by the
    /// evidence digest.
    pub const LM_EVAL_RUN: &'static str = "lm-eval run date";
}

/// Where a log's committed per-sample values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ValuesFrom {
    /// The log's own per-sample reductions (Inspect's `reductions`): the values its metrics
    /// were computed from.
    LogReductions,
    /// Recomputed from the per-epoch scores with the log's built-in reducer, and checked against
    /// the mean metric the log reports.
    Recomputed,
    /// One value per sample as the log holds it (lm-eval).
    PerSample,
}

impl ValuesFrom {
    /// The spelling in statements.
    pub fn name(self) -> &'static str {
        match self {
            ValuesFrom::LogReductions => "log-reductions",
            ValuesFrom::Recomputed => "recomputed",
            ValuesFrom::PerSample => "per-sample",
        }
    }
}

/// One value per sample, in the log's sample order; `None` for a sample without one.
pub type SampleValues = Vec<(String, Option<f64>)>;

/// One series of per-sample values from one eval run (one scorer, dict key and epoch reducer),
/// in a format-neutral shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalLog {
    /// Where it came from: `"inspect-eval"`, `"inspect-json"` or `"lm-eval"`.
    pub source_format: String,
    /// The task name as the log records it.
    pub task: String,
    /// The run the results come from.
    pub run: RunIdentity,
    /// SHA-256 (hex) of the evidence: the Inspect log file; for lm-eval the samples and results
    /// files together ([`crate::lm_eval::read_lm_eval`]).
    pub evidence_sha256: String,
    /// The model as the log names it (`mockllm/model`, `acme/frontier-model-7b`).
    pub model: String,
    /// The scorer (Inspect) or `metric,filter` (lm-eval) the values come from.
    pub scorer: String,
    /// The key of a dict-valued score (Inspect), if the scorer's values are dicts.
    pub score_key: Option<String>,
    /// How each sample's epochs were reduced to one value (`mean`, `at_least_2`, ...; `none` for
    /// lm-eval, which has one value per document).
    pub reducer: String,
    /// Where [`EvalLog::values`] come from.
    pub values_from: ValuesFrom,
    /// The mean the log itself reports for the series (Inspect `accuracy` or `mean`, lm-eval the
    /// metric), which the values' mean was checked against; `None` if the log reports none.
    pub metric: Option<Headline>,
    /// One entry per (sample, epoch), in the order the log holds them.
    pub samples: Vec<SampleScore>,
    /// One value per sample, in first-seen order: what a claim commits. `None` for a sample with
    /// no value (errored in every epoch, unscored, or left out of the log's reduction).
    pub values: SampleValues,
    /// How many (sample, epoch) records errored or have no score for the selected scorer.
    /// NaN ("unscored") values are not counted here.
    pub errored: usize,
}

/// A metric value the log itself reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// The series reported: Inspect's score name (the scorer, or the key of a dict-valued
    /// score); lm-eval's `metric,filter` (e.g. `"acc,none"`).
    pub scorer: String,
    /// The metric name (`"accuracy"`, `"mean"`, `"acc"`, ...).
    pub metric: String,
    /// The value as the log records it (may be NaN if the log says so).
    pub value: f64,
}

/// The selected score of one sample in one epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleScore {
    /// The sample id; integer ids are rendered in decimal.
    pub sample_id: String,
    /// The epoch, from 1.
    pub epoch: u32,
    /// The score as a float (Inspect's `value_to_float`); `None` when the sample errored, has no
    /// score for the selected scorer, or was scored NaN (unscored).
    pub value: Option<f64>,
    /// The sample's error message, or why it has no score; `None` for scored and NaN samples.
    pub error: Option<String>,
}

/// Refuses values whose mean is not the mean the log reports for them (`reported`), naming both:
/// values that disagree with the tool's own numbers would make a proof of something the tool did
/// not find. `from` says where the values came from, for the message. The tolerance covers
/// floating-point summation order only.
pub(crate) fn check_mean(
    what: &str,
    values: &[(String, Option<f64>)],
    reported: &Headline,
    reducer: &str,
    from: ValuesFrom,
) -> Result<(), ImportError> {
    let scored: Vec<f64> = values.iter().filter_map(|(_, v)| *v).collect();
    let mean = if scored.is_empty() {
        0.0
    } else {
        scored.iter().sum::<f64>() / scored.len() as f64
    };
    let tolerance = 1e-9 * reported.value.abs().max(1.0);
    if reported.value.is_finite() && (mean - reported.value).abs() <= tolerance {
        return Ok(());
    }
    let source = match from {
        ValuesFrom::LogReductions => "in the log's own reductions",
        ValuesFrom::Recomputed => "recomputed from its epochs (the log does not record a reducer's parameters, such as at_least's value)",
        ValuesFrom::PerSample => "in the samples file",
    };
    Err(ImportError::malformed(
        what,
        format!(
            "the log reports {} {} for {:?} (reducer {reducer}), but the {} per-sample values {source} average {mean}; refusing to commit values the tool's own number contradicts",
            reported.metric,
            reported.value,
            reported.scorer,
            scored.len()
        ),
    ))
}

/// SHA-256 of everything `reader` yields, read in a stream (`path` names it in errors).
pub(crate) fn stream_sha256(
    mut reader: impl std::io::Read,
    path: &std::path::Path,
) -> Result<[u8; 32], ImportError> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    std::io::copy(&mut reader, &mut hasher).map_err(|e| ImportError::io(path, e))?;
    Ok(hasher.finalize().into())
}

// ---------------------------------------------------------------------------------------------
// Shared JSON helpers.

/// JSON text for the string that stands in for a bare `NaN` token.
const NAN_TOKEN: &[u8] = br#""\u0000NaN""#;
/// JSON text for the string that stands in for a bare `Infinity` token.
const INF_TOKEN: &[u8] = br#""\u0000Infinity""#;
/// JSON text for the string that stands in for a bare `-Infinity` token.
const NEG_INF_TOKEN: &[u8] = br#""\u0000-Infinity""#;

/// Python's `json` module writes non-finite floats as bare `NaN`, `Infinity` and `-Infinity`,
/// which are not JSON. Replaces those tokens (outside strings only) by sentinel strings that
/// [`special_float`] recognises. Returns the input unchanged when it has none.
pub(crate) fn relax_json(input: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    let mut in_string = false;
    while i < input.len() {
        let b = input[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        let rest = &input[i..];
        let (len, token) = if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        } else if rest.starts_with(b"NaN") {
            (3, NAN_TOKEN)
        } else if rest.starts_with(b"Infinity") {
            (8, INF_TOKEN)
        } else if rest.starts_with(b"-Infinity") {
            (9, NEG_INF_TOKEN)
        } else {
            i += 1;
            continue;
        };
        let o = out.get_or_insert_with(|| Vec::with_capacity(input.len() + 64));
        o.extend_from_slice(&input[copied..i]);
        o.extend_from_slice(token);
        i += len;
        copied = i;
    }
    match out {
        None => Cow::Borrowed(input),
        Some(mut o) => {
            o.extend_from_slice(&input[copied..]);
            Cow::Owned(o)
        }
    }
}

/// The non-finite float a sentinel string from [`relax_json`] stands for.
pub(crate) fn special_float(v: &Value) -> Option<f64> {
    match v.as_str()? {
        "\u{0}NaN" => Some(f64::NAN),
        "\u{0}Infinity" => Some(f64::INFINITY),
        "\u{0}-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// A JSON number (or a non-finite sentinel) as `f64`.
pub(crate) fn json_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        _ => special_float(v),
    }
}

/// A sample or document id: strings as they are, integers in decimal.
pub(crate) fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// `v` abbreviated for an error message (one line, at most ~60 characters).
pub(crate) fn show(v: &Value) -> String {
    if let Some(f) = special_float(v) {
        return f.to_string();
    }
    let s = v.to_string();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// A JSON object kept in file order (serde_json's own map may sort its keys).
#[derive(Debug, Clone)]
pub(crate) struct Ordered<V>(pub Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<V> Ordered<V> {
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::with_capacity(m.size_hint().unwrap_or(0));
                while let Some((k, x)) = m.next_entry::<String, V>()? {
                    v.push((k, x));
                }
                Ok(Ordered(v))
            }
        }
        d.deserialize_map(V2(PhantomData))
    }
}

/// Lists names for an error message: `a, b, c` (or `(none)`).
pub(crate) fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<&str> = names.into_iter().collect();
    if v.is_empty() {
        "(none)".to_string()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relax(s: &str) -> String {
        String::from_utf8(relax_json(s.as_bytes()).into_owned()).unwrap_or_default()
    }

    #[test]
    fn relax_replaces_bare_tokens_only() {
        let s = r#"{"a":NaN,"b":[Infinity,-Infinity],"c":"NaN Infinity \"NaN\" x\\","d":"uNaNv"}"#;
        let r = relax(s);
        let v: Value = serde_json::from_str(&r).unwrap_or(Value::Null);
        assert!(json_f64(&v["a"]).is_some_and(f64::is_nan));
        assert_eq!(json_f64(&v["b"][0]), Some(f64::INFINITY));
        assert_eq!(json_f64(&v["b"][1]), Some(f64::NEG_INFINITY));
        assert_eq!(v["c"], r#"NaN Infinity "NaN" x\"#);
        assert_eq!(v["d"], "uNaNv");
        assert!(matches!(relax_json(b"{\"a\":1}"), Cow::Borrowed(_)));
    }

    #[test]
    fn ordered_keeps_file_order() {
        let o: Ordered<u8> = serde_json::from_str(r#"{"z":1,"a":2,"m":3}"#).unwrap_or_default();
        assert_eq!(o.keys().collect::<Vec<_>>(), ["z", "a", "m"]);
        assert_eq!(o.get("a"), Some(&2));
    }

    #[test]
    fn ids() {
        assert_eq!(id_string(&Value::from(7)), Some("7".into()));
        assert_eq!(id_string(&Value::from("x")), Some("x".into()));
        assert_eq!(id_string(&Value::from(1.5)), None);
    }
}
