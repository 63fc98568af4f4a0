//! Slurm `sacct --parsable2` output.
//!
//! Counting rules: only allocation rows (a JobID without `.`) count; step rows (`123.batch`,
//! `123.extern`, `123.0`) repeat their job's GPUs and are skipped. In `AllocTRES`, typed entries
//! (`gres/gpu:h100=8`) and the untyped total (`gres/gpu=8`) describe the same GPUs: the typed ones
//! are used when present (one allocation per type), else the untyped count. Rows without GPUs,
//! such as PENDING jobs with an empty `AllocTRES`, contribute nothing.

use crate::error::ProveError;

/// GPUs held by one allocation row, for one GPU type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SacctAllocation {
    /// 1-based line number in the file.
    pub line: usize,
    /// The job ID.
    pub job_id: String,
    /// The job state as sacct prints it.
    pub state: String,
    /// GPU type in lower case (`h100`); `None` when only an untyped `gres/gpu=N` is recorded.
    pub gpu_type: Option<String>,
    /// Number of GPUs.
    pub gpus: u64,
    /// Wall-clock seconds (`ElapsedRaw`).
    pub elapsed_seconds: u64,
}

/// The GPU entries of one `AllocTRES` value: typed `(type, count)` pairs and the untyped count.
struct GpuEntries {
    typed: Vec<(String, u64)>,
    untyped: Option<u64>,
}

fn gpu_entries(tres: &str, what: &str) -> Result<GpuEntries, ProveError> {
    let mut typed: Vec<(String, u64)> = Vec::new();
    let mut untyped = None;
    for item in tres.split(',').filter(|s| !s.is_empty()) {
        let Some((key, value)) = item.split_once('=') else {
            return Err(ProveError::import(
                what,
                format!("AllocTRES entry {item:?} has no '='"),
            ));
        };
        let Some(rest) = key.strip_prefix("gres/gpu") else {
            continue;
        };
        let count = value.parse::<u64>().map_err(|_| {
            ProveError::import(
                what,
                format!("GPU count {value:?} in {item:?} is not an integer"),
            )
        })?;
        match rest.strip_prefix(':') {
            None if rest.is_empty() => untyped = Some(count),
            Some(t) if !t.is_empty() => typed.push((t.to_ascii_lowercase(), count)),
            _ => {
                return Err(ProveError::import(
                    what,
                    format!("unrecognised GPU entry {item:?}"),
                ))
            }
        }
    }
    Ok(GpuEntries { typed, untyped })
}

/// Parses `sacct --parsable2` text into GPU allocations.
pub fn parse_sacct(text: &str) -> Result<Vec<SacctAllocation>, ProveError> {
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = match lines.next() {
        Some((_, h)) => h.trim_end_matches('\r').split('|').collect(),
        None => {
            return Err(ProveError::import(
                "sacct line 1",
                "empty file (expected a header)",
            ))
        }
    };
    let col = |name: &str| {
        header.iter().position(|h| *h == name).ok_or_else(|| {
            ProveError::import("sacct line 1", format!("header has no {name} column (run sacct with --parsable2 and --format including JobID,AllocTRES,ElapsedRaw,State)"))
        })
    };
    let (job_col, tres_col, elapsed_col) = (col("JobID")?, col("AllocTRES")?, col("ElapsedRaw")?);
    let state_col = header.iter().position(|h| *h == "State");
    let mut out = Vec::new();
    for (i, raw) in lines {
        let line = raw.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let what = format!("sacct line {}", i + 1);
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != header.len() {
            return Err(ProveError::import(
                &what,
                format!("{} fields, the header has {}", fields.len(), header.len()),
            ));
        }
        let job_id = fields[job_col];
        if job_id.is_empty() {
            return Err(ProveError::import(&what, "empty JobID"));
        }
        if job_id.contains('.') {
            continue; // a step: its GPUs are the job's
        }
        let GpuEntries { typed, untyped } = gpu_entries(fields[tres_col], &what)?;
        let typed_sum: u64 = typed.iter().map(|(_, n)| n).sum();
        if let (Some(u), false) = (untyped, typed.is_empty()) {
            if u != typed_sum {
                return Err(ProveError::import(
                    &what,
                    format!("typed GPU entries sum to {typed_sum} but gres/gpu={u}"),
                ));
            }
        }
        let entries: Vec<(Option<String>, u64)> = if typed.is_empty() {
            untyped.map(|u| (None, u)).into_iter().collect()
        } else {
            typed.into_iter().map(|(t, n)| (Some(t), n)).collect()
        };
        let entries: Vec<_> = entries.into_iter().filter(|(_, n)| *n > 0).collect();
        if entries.is_empty() {
            continue;
        }
        let elapsed = fields[elapsed_col];
        let elapsed_seconds = elapsed.parse::<u64>().map_err(|_| {
            ProveError::import(
                &what,
                format!("ElapsedRaw {elapsed:?} is not a non-negative integer"),
            )
        })?;
        let state = state_col.map_or("", |c| fields[c]).to_string();
        for (gpu_type, gpus) in entries {
            out.push(SacctAllocation {
                line: i + 1,
                job_id: job_id.to_string(),
                state: state.clone(),
                gpu_type,
                gpus,
                elapsed_seconds,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "JobID|AllocTRES|ElapsedRaw|State";

    #[test]
    fn steps_and_untyped_entries_are_not_double_counted() {
        let t = format!("{H}\n1|cpu=4,gres/gpu:h100=8,gres/gpu=8|10|COMPLETED\n1.batch|gres/gpu:h100=8,gres/gpu=8|10|COMPLETED\n2||0|PENDING\n3|gres/gpu=2|5|RUNNING\n4|gres/gpu:a100=2,gres/gpu:h100=1,gres/gpu=3|7|COMPLETED\n5|cpu=2|9|COMPLETED\n");
        let a = parse_sacct(&t).unwrap();
        let got: Vec<_> = a
            .iter()
            .map(|a| {
                (
                    a.job_id.as_str(),
                    a.gpu_type.as_deref(),
                    a.gpus,
                    a.elapsed_seconds,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("1", Some("h100"), 8, 10),
                ("3", None, 2, 5),
                ("4", Some("a100"), 2, 7),
                ("4", Some("h100"), 1, 7)
            ]
        );
        assert_eq!(a[0].line, 2);
    }

    #[test]
    fn malformed_rows_name_the_line() {
        for (body, needle) in [
            ("1|gres/gpu:h100=8|ten|COMPLETED", "ElapsedRaw"),
            ("1|gres/gpu:h100=x|10|COMPLETED", "GPU count"),
            ("1|gres/gpu:h100=8,gres/gpu=4|10|COMPLETED", "sum to 8"),
            ("1|gres/gpu:h100=8|10", "fields"),
            ("1|gres/gpu:h100=8|-3|COMPLETED", "ElapsedRaw"),
        ] {
            let e = parse_sacct(&format!("{H}\n{body}\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("line 2") && e.contains(needle), "{e}");
        }
        let e = parse_sacct("JobID|State\n1|X\n").unwrap_err().to_string();
        assert!(e.contains("AllocTRES"), "{e}");
        assert!(parse_sacct("").is_err());
    }
}
