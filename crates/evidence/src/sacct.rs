//! Slurm `sacct --parsable2` output.
//!
//! The first line is the header; columns are found by name (`JobID`, `AllocTRES` and
//! `ElapsedRaw` are required, `State` is used when present), in any order.
//!
//! Counting rules: only allocation rows (a JobID without `.`) count; step rows (`123.batch`,
//! `123.extern`, `123.0`) repeat their job's GPUs and are skipped. Output that cannot be a whole
//! account is refused: no allocation row at all, a step whose job has no allocation row (a
//! filtered or truncated export), or a job with two allocation rows (`sacct --duplicates`, or
//! files concatenated). In `AllocTRES`, typed entries
//! (`gres/gpu:h100=8`) and the untyped total (`gres/gpu=8`) describe the same GPUs: the typed ones
//! are used when present (one allocation per type), else the untyped count. When both are present
//! the typed counts must sum to the untyped one. Other GPU TRES (`gres/gpumem`, `gres/gpuutil`) are
//! not GPU counts and are ignored. Rows without GPUs, such as PENDING jobs with an empty
//! `AllocTRES`, contribute nothing (and their `ElapsedRaw` is not checked).

use std::collections::HashMap;

use serde::Serialize;

use crate::ImportError;

/// GPUs held by one allocation row, for one GPU type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SacctAllocation {
    /// 1-based line number in the file (the header is line 1).
    pub line: usize,
    /// The job ID.
    pub job_id: String,
    /// The job state as sacct prints it (`COMPLETED`, `CANCELLED by 1234`); empty when the output
    /// has no `State` column.
    pub state: String,
    /// GPU type in lower case (`h100`); `None` when only an untyped `gres/gpu=N` is recorded.
    pub gpu_type: Option<String>,
    /// Number of GPUs (never 0).
    pub gpus: u64,
    /// Wall-clock seconds (`ElapsedRaw`).
    pub elapsed_seconds: u64,
}

/// Typed GPU entries (in order) and the untyped total from one `AllocTRES` value.
type GpuTres = (Vec<(String, u64)>, Option<u64>);

fn gpu_entries(tres: &str, what: &str) -> Result<GpuTres, ImportError> {
    let mut typed: Vec<(String, u64)> = Vec::new();
    let mut untyped = None;
    for item in tres.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((key, value)) = item.split_once('=') else {
            return Err(ImportError::malformed(
                what,
                format!("AllocTRES entry {item:?} has no '='"),
            ));
        };
        let gpu_type = if key == "gres/gpu" {
            None
        } else if let Some(t) = key.strip_prefix("gres/gpu:") {
            Some(t)
        } else {
            continue; // cpu, mem, node, billing, gres/gpumem, gres/gpuutil, ...
        };
        let count = value.parse::<u64>().map_err(|_| {
            ImportError::malformed(
                what,
                format!(
                    "GPU count {value:?} in AllocTRES entry {item:?} is not a non-negative integer"
                ),
            )
        })?;
        match gpu_type {
            None if untyped.is_some() => {
                return Err(ImportError::malformed(what, "AllocTRES has gres/gpu twice"))
            }
            None => untyped = Some(count),
            Some("") => {
                return Err(ImportError::malformed(
                    what,
                    format!("AllocTRES entry {item:?} has an empty GPU type"),
                ))
            }
            Some(t) => {
                let t = t.to_ascii_lowercase();
                if typed.iter().any(|(u, _)| *u == t) {
                    return Err(ImportError::malformed(
                        what,
                        format!("AllocTRES has GPU type {t:?} twice"),
                    ));
                }
                typed.push((t, count));
            }
        }
    }
    Ok((typed, untyped))
}

/// Parses `sacct --parsable2` text into GPU allocations, in file order.
///
/// Errors name the line: `sacct line 17: ...`.
pub fn parse_sacct(text: &str) -> Result<Vec<SacctAllocation>, ImportError> {
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = match lines.next() {
        Some((_, h)) if !h.trim().is_empty() => h.trim_end_matches('\r').split('|').collect(),
        _ => {
            return Err(ImportError::malformed(
                "sacct line 1",
                "expected a header line (JobID|...|AllocTRES|ElapsedRaw|...); run sacct with --parsable2 and without --noheader",
            ))
        }
    };
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let required = ["JobID", "AllocTRES", "ElapsedRaw"];
    let missing: Vec<&str> = required.into_iter().filter(|n| col(n).is_none()).collect();
    let (Some(job_col), Some(tres_col), Some(elapsed_col)) =
        (col("JobID"), col("AllocTRES"), col("ElapsedRaw"))
    else {
        return Err(ImportError::malformed(
            "sacct line 1",
            format!(
                "header has no {} column (run sacct with --parsable2 --format=JobID,AllocTRES,ElapsedRaw,State)",
                missing.join(", ")
            ),
        ));
    };
    let state_col = col("State");
    let mut out = Vec::new();
    // Allocation rows by job ID, with their line; steps with their line, checked at the end (a
    // step may come before its job's row).
    let mut jobs: HashMap<String, usize> = HashMap::new();
    let mut steps: Vec<(usize, String)> = Vec::new();
    for (i, raw) in lines {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let what = format!("sacct line {}", i + 1);
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != header.len() {
            return Err(ImportError::malformed(
                &what,
                format!(
                    "{} '|'-separated fields, the header has {}",
                    fields.len(),
                    header.len()
                ),
            ));
        }
        let job_id = fields[job_col].trim();
        if job_id.is_empty() {
            return Err(ImportError::malformed(&what, "empty JobID"));
        }
        if let Some((job, _)) = job_id.split_once('.') {
            steps.push((i + 1, job.to_string())); // a step: its GPUs are the job's
            continue;
        }
        if let Some(first) = jobs.insert(job_id.to_string(), i + 1) {
            return Err(ImportError::malformed(
                &what,
                format!("job {job_id} has a second allocation row (the first is line {first}); each job must appear once (run sacct without --duplicates, on one export)"),
            ));
        }
        let (typed, untyped) = gpu_entries(fields[tres_col], &what)?;
        if let (Some(u), false) = (untyped, typed.is_empty()) {
            let typed_sum = typed.iter().try_fold(0u64, |s, (_, n)| s.checked_add(*n));
            if typed_sum != Some(u) {
                let parts: Vec<String> = typed
                    .iter()
                    .map(|(t, n)| format!("gres/gpu:{t}={n}"))
                    .collect();
                return Err(ImportError::malformed(
                    &what,
                    format!(
                        "typed GPU entries ({}) do not add up to gres/gpu={u}",
                        parts.join(", ")
                    ),
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
        let elapsed = fields[elapsed_col].trim();
        let elapsed_seconds = elapsed.parse::<u64>().map_err(|_| {
            ImportError::malformed(
                &what,
                format!("ElapsedRaw {elapsed:?} is not a non-negative integer (job {job_id} holds GPUs)"),
            )
        })?;
        let state = state_col.map_or("", |c| fields[c].trim()).to_string();
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
    if let Some((line, job)) = steps.iter().find(|(_, job)| !jobs.contains_key(job)) {
        return Err(ImportError::malformed(
            format!("sacct line {line}"),
            format!("step of job {job}, which has no allocation row: the export is filtered or truncated, so the job's GPUs cannot be counted"),
        ));
    }
    if jobs.is_empty() {
        return Err(ImportError::malformed(
            "sacct",
            "no job allocation rows: the output accounts for nothing",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "JobID|AllocTRES|ElapsedRaw|State";

    fn err(body: &str) -> String {
        match parse_sacct(&format!("{H}\n{body}\n")) {
            Ok(a) => format!("unexpectedly parsed: {a:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn summary(a: &[SacctAllocation]) -> Vec<(&str, Option<&str>, u64, u64)> {
        a.iter()
            .map(|a| {
                (
                    a.job_id.as_str(),
                    a.gpu_type.as_deref(),
                    a.gpus,
                    a.elapsed_seconds,
                )
            })
            .collect()
    }

    #[test]
    fn steps_and_untyped_entries_are_not_double_counted() {
        let t = format!(
            "{H}\n\
             1|cpu=4,gres/gpu:h100=8,gres/gpu=8|10|COMPLETED\n\
             1.batch|gres/gpu:h100=8,gres/gpu=8|10|COMPLETED\n\
             1.extern|gres/gpu:h100=8,gres/gpu=8|10|COMPLETED\n\
             1.0|gres/gpu:h100=8,gres/gpu=8|9|COMPLETED\n\
             2||0|PENDING\n\
             2b|||PENDING\n\
             3|gres/gpu=2|5|RUNNING\n\
             4|gres/gpu:a100=2,gres/gpu:H100=1,gres/gpu=3|7|CANCELLED by 12\n\
             5|cpu=2,mem=4G|9|COMPLETED\n\
             6|gres/gpu:l4=0,gres/gpu=0|Unknown|COMPLETED\n\
             7|gres/gpu:h100=1,gres/gpumem=80G,gres/gpuutil=12|4|COMPLETED\n"
        );
        let a = parse_sacct(&t).unwrap_or_default();
        assert_eq!(
            summary(&a),
            vec![
                ("1", Some("h100"), 8, 10),
                ("3", None, 2, 5),
                ("4", Some("a100"), 2, 7),
                ("4", Some("h100"), 1, 7),
                ("7", Some("h100"), 1, 4),
            ]
        );
        assert_eq!(a[0].line, 2);
        assert_eq!(a[1].line, 8);
        assert_eq!(a[2].state, "CANCELLED by 12");
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let t = "State|ElapsedRaw|JobName|JobID|AllocTRES\r\nCOMPLETED|100|x|9|gres/gpu:h100=4,gres/gpu=4\r\n";
        let a = parse_sacct(t).unwrap_or_default();
        assert_eq!(summary(&a), vec![("9", Some("h100"), 4, 100)]);
        assert_eq!(a[0].state, "COMPLETED");
        // No State column: fine, state is empty.
        let a = parse_sacct("JobID|AllocTRES|ElapsedRaw\n9|gres/gpu=1|3\n").unwrap_or_default();
        assert_eq!(summary(&a), vec![("9", None, 1, 3)]);
        assert_eq!(a[0].state, "");
    }

    #[test]
    fn malformed_rows_name_the_line() {
        for (body, needle) in [
            ("1|gres/gpu:h100=8|ten|COMPLETED", "ElapsedRaw \"ten\""),
            ("1|gres/gpu:h100=8||COMPLETED", "ElapsedRaw \"\""),
            ("1|gres/gpu:h100=8|-3|COMPLETED", "ElapsedRaw \"-3\""),
            ("1|gres/gpu:h100=x|10|COMPLETED", "GPU count \"x\""),
            ("1|gres/gpu:h100=8,gres/gpu=4|10|COMPLETED", "do not add up"),
            (
                "1|gres/gpu:a100=2,gres/gpu:h100=1,gres/gpu=4|10|COMPLETED",
                "(gres/gpu:a100=2, gres/gpu:h100=1) do not add up to gres/gpu=4",
            ),
            (
                "1|gres/gpu:h100=8|10",
                "3 '|'-separated fields, the header has 4",
            ),
            ("1|gres/gpu:h100=8|10|COMPLETED|extra", "5 '|'-separated"),
            ("1|gres/gpu:=8|10|COMPLETED", "empty GPU type"),
            ("1|gres/gpu:h100=1,gres/gpu:H100=1|10|COMPLETED", "twice"),
            ("1|cpu|10|COMPLETED", "no '='"),
            ("|gres/gpu=1|10|COMPLETED", "empty JobID"),
        ] {
            let e = err(body);
            assert!(
                e.starts_with("sacct line 2: ") && e.contains(needle),
                "{body}: {e}"
            );
            assert!(!e.contains('\n'), "{e}");
        }
        // A step row is skipped before its TRES is looked at; an empty ElapsedRaw without GPUs
        // is fine.
        assert!(parse_sacct(&format!(
            "{H}\n1|cpu=1|1|X\n1.batch|garbage|x|X\n2|cpu=1||PENDING\n"
        ))
        .is_ok());
        // Later lines are numbered correctly, blank lines included.
        let e = err("1|gres/gpu=1|1|X\n\n2|gres/gpu=1|no|X");
        assert!(e.starts_with("sacct line 4: "), "{e}");
    }

    #[test]
    fn output_that_accounts_for_nothing_or_only_part_is_refused() {
        let whole = |t: &str| {
            parse_sacct(t)
                .map(|a| format!("unexpectedly parsed: {a:?}"))
                .unwrap_or_else(|e| e.to_string())
        };
        // A header and nothing else.
        assert_eq!(
            whole(&format!("{H}\n")),
            "sacct: no job allocation rows: the output accounts for nothing"
        );
        // Steps whose job has no allocation row, wherever the row would be.
        for body in [
            "1.batch|gres/gpu:h100=8|10|COMPLETED\n1.0|gres/gpu:h100=8|9|COMPLETED",
            "2|gres/gpu:h100=1|5|COMPLETED\n1.0|gres/gpu:h100=8|9|COMPLETED",
        ] {
            assert_eq!(
                err(body),
                format!(
                    "sacct line {}: step of job 1, which has no allocation row: the export is filtered or truncated, so the job's GPUs cannot be counted",
                    if body.starts_with('2') { 3 } else { 2 }
                )
            );
        }
        // A step before its job's row is fine.
        assert!(parse_sacct(&format!(
            "{H}\n1.0|gres/gpu:h100=8|9|COMPLETED\n1|gres/gpu:h100=8|10|COMPLETED\n"
        ))
        .is_ok());
        // The same job twice, even with other values.
        let e = err("7|gres/gpu:h100=8|10|COMPLETED\n7.batch|x|1|X\n7|cpu=1|3|REQUEUED");
        assert_eq!(
            e,
            "sacct line 4: job 7 has a second allocation row (the first is line 2); each job must appear once (run sacct without --duplicates, on one export)"
        );
    }

    #[test]
    fn header_is_required_with_the_needed_columns() {
        let e = parse_sacct("JobID|State\n1|X\n")
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(
            e.starts_with("sacct line 1: ") && e.contains("AllocTRES, ElapsedRaw"),
            "{e}"
        );
        // Header-less output (sacct --noheader) starts with a data row.
        let e = parse_sacct("4102238|llm|h100|gres/gpu=2|2366|a|b|COMPLETED|1\n")
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(e.contains("no JobID, AllocTRES, ElapsedRaw column"), "{e}");
        assert!(parse_sacct("").is_err());
        assert!(parse_sacct("\n1|2\n").is_err());
    }
}
