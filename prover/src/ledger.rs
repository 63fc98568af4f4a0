//! Compute ledgers: importing records (zkgov JSON, CSV, Slurm `sacct --parsable2`) and mapping
//! accelerator names to the policy's peak-table classes.

use crate::error::ProveError;
use serde::Deserialize;
use std::path::Path;
use zkgov_verifier::{
    accelerator::{canonical_accelerator, check_rows_distinct},
    ledger::Record,
    num::parse_quantity,
    statement::PeakEntry,
};

/// The accelerator classes of a policy's peak table, in class order.
#[derive(Debug, Clone)]
pub struct PeakTable {
    /// Rows: name and peak FLOP/s.
    pub entries: Vec<(String, u64)>,
}

impl PeakTable {
    /// Parses `NAME=FLOPS` entries such as `H100=989.4e12`. Two entries for one accelerator
    /// (`H100` and `h100`, see [`canonical_accelerator`]) are an error.
    pub fn from_args(args: &[String]) -> Result<Self, ProveError> {
        let mut entries = Vec::new();
        for a in args {
            let (name, value) = a.split_once('=').ok_or_else(|| {
                ProveError::import(
                    "--peak",
                    format!("{a:?}: expected NAME=FLOPS, e.g. H100=989.4e12"),
                )
            })?;
            let v = parse_quantity(&format!("peak {name}"), value)?;
            let v = u64::try_from(v)
                .map_err(|_| ProveError::import("--peak", format!("{a}: peak is too large")))?;
            entries.push((name.trim().to_string(), v));
        }
        check_rows_distinct("--peak", entries.iter().map(|(n, _)| n.as_str()))?;
        Ok(PeakTable { entries })
    }

    /// The accelerator classes of a regulator's policy, in its order; an error for a policy
    /// without them (one of eval rules alone), which no ledger can be counted under.
    pub fn from_policy(policy: &zkgov_verifier::policy::Policy) -> Result<Self, ProveError> {
        if policy.accelerators.is_empty() {
            return Err(ProveError::import(
                "--policy",
                format!(
                    "policy {:?} lists no accelerators (it has no training-compute rule), so no ledger can be counted under it",
                    policy.id
                ),
            ));
        }
        Ok(PeakTable {
            entries: policy.accelerators.clone(),
        })
    }

    /// The table as statement rows.
    pub fn to_statement(&self) -> Vec<PeakEntry> {
        self.entries
            .iter()
            .map(|(n, p)| PeakEntry {
                accelerator: n.clone(),
                peak_flop_per_s: p.to_string(),
            })
            .collect()
    }

    /// The class (row index) of the accelerator a ledger names: the one row that names the same
    /// accelerator ([`canonical_accelerator`]: case, separators and aliases folded). No row, or
    /// more than one, is an error naming the rows.
    pub fn class_of(&self, name: &str) -> Result<u8, String> {
        let accelerator = canonical_accelerator(name);
        let rows: Vec<usize> = (0..self.entries.len())
            .filter(|&i| canonical_accelerator(&self.entries[i].0) == accelerator)
            .collect();
        match rows[..] {
            [row] => u8::try_from(row).map_err(|_| format!("row {row} is past the classes")),
            [] => {
                let known: Vec<&str> = self.entries.iter().map(|(n, _)| n.as_str()).collect();
                Err(format!(
                    "accelerator type {name:?} ({accelerator}) is not in the peak table ({})",
                    known.join(", ")
                ))
            }
            [a, b, ..] => Err(format!(
                "accelerator type {name:?} is ambiguous: peak table rows {:?} and {:?} both name {accelerator}",
                self.entries[a].0, self.entries[b].0
            )),
        }
    }

    fn class_or_error(&self, name: &str, what: &str) -> Result<u8, ProveError> {
        self.class_of(name).map_err(|e| ProveError::import(what, e))
    }
}

/// Ledger file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerFormat {
    /// `{"format": "zkgov-ledger", "version": 1, "records": [{"accelerator", "devices", "seconds"}]}`.
    Json,
    /// CSV with the columns `accelerator,devices,seconds` (RFC 4180 quoting, BOM, CRLF).
    Csv,
    /// Slurm `sacct --parsable2` output.
    Sacct,
}

impl LedgerFormat {
    /// Guesses the format from a file name.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => LedgerFormat::Json,
            Some("csv") => LedgerFormat::Csv,
            _ => LedgerFormat::Sacct,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonLedger {
    format: String,
    version: u32,
    records: Vec<JsonRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRecord {
    accelerator: String,
    devices: u64,
    seconds: u64,
}

fn record(class: u8, devices: u64, seconds: u64, what: &str) -> Result<Record, ProveError> {
    let r = Record {
        class,
        devices: u32::try_from(devices).map_err(|_| {
            ProveError::import(what, format!("device count {devices} is too large"))
        })?,
        seconds,
    };
    r.validate()
        .map_err(|e| ProveError::import(what, e.to_string()))?;
    Ok(r)
}

/// The columns of a CSV ledger, each named once in the header (case and surrounding spaces
/// ignored, any order).
const CSV_COLUMNS: [&str; 3] = ["accelerator", "devices", "seconds"];

/// Imports a CSV ledger with the `csv` crate: RFC 4180 quoting, a leading UTF-8 byte-order mark,
/// LF or CRLF line ends, blank lines skipped. Errors name the file and line. Each row is one
/// allocation: a CSV ledger names no jobs, so it has no step rows or job ids to check (Slurm
/// exports go through the sacct importer, which refuses orphan steps and duplicate job ids).
fn import_csv(text: &str, name: &str, peaks: &PeakTable) -> Result<Vec<Record>, ProveError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    // The csv crate's own line numbers skip blank lines and miscount CRLF ends, so lines are
    // counted here from a record's byte offset (which may point at the previous line end).
    let bytes = text.as_bytes();
    let mut seen = (0usize, 1usize); // (byte offset, line number at it)
    let mut at = |pos: Option<&csv::Position>| {
        let Some(p) = pos else {
            return name.to_string();
        };
        let mut b = usize::try_from(p.byte())
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        while b < bytes.len() && matches!(bytes[b], b'\r' | b'\n') {
            b += 1;
        }
        if b >= seen.0 {
            seen = (
                b,
                seen.1 + bytes[seen.0..b].iter().filter(|&&c| c == b'\n').count(),
            );
        }
        format!("{name} line {}", seen.1)
    };
    let header = reader
        .headers()
        .map_err(|e| ProveError::import(at(e.position()), e.to_string()))?
        .clone();
    let header_at = at(header.position());
    let mut columns = [0usize; 3];
    for (slot, want) in columns.iter_mut().zip(CSV_COLUMNS) {
        let found: Vec<usize> = (0..header.len())
            .filter(|&i| header[i].eq_ignore_ascii_case(want))
            .collect();
        *slot = match found[..] {
            [i] => i,
            [] => {
                return Err(ProveError::import(
                    header_at,
                    format!(
                        "the header has no {want} column (expected accelerator,devices,seconds)"
                    ),
                ))
            }
            _ => {
                return Err(ProveError::import(
                    header_at,
                    format!("the header names the {want} column twice"),
                ))
            }
        };
    }
    if let Some(extra) = header
        .iter()
        .find(|h| !CSV_COLUMNS.iter().any(|c| h.eq_ignore_ascii_case(c)))
    {
        return Err(ProveError::import(
            header_at,
            format!("unknown column {extra:?} (a CSV ledger has exactly the columns accelerator,devices,seconds)"),
        ));
    }
    let mut records = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| ProveError::import(at(e.position()), e.to_string()))?;
        if row.iter().all(str::is_empty) {
            continue;
        }
        let what = at(row.position());
        if row.len() != header.len() {
            return Err(ProveError::import(
                &what,
                format!("expected {} fields, found {}", header.len(), row.len()),
            ));
        }
        let num = |column: usize| {
            let (field, s) = (CSV_COLUMNS[column], &row[columns[column]]);
            s.parse::<u64>().map_err(|_| {
                ProveError::import(
                    &what,
                    format!("{field} {s:?} is not a non-negative integer"),
                )
            })
        };
        records.push(record(
            peaks.class_or_error(&row[columns[0]], &what)?,
            num(1)?,
            num(2)?,
            &what,
        )?);
    }
    Ok(records)
}

/// Imports a ledger file into records under `peaks`.
pub fn import(
    path: &Path,
    format: LedgerFormat,
    peaks: &PeakTable,
) -> Result<Vec<Record>, ProveError> {
    let text = std::fs::read_to_string(path).map_err(|e| ProveError::io(path, e))?;
    let name = path.display().to_string();
    import_text(&text, &name, format, peaks)
}

/// Imports ledger text (`name` is used in error messages). A ledger without records is an error.
pub fn import_text(
    text: &str,
    name: &str,
    format: LedgerFormat,
    peaks: &PeakTable,
) -> Result<Vec<Record>, ProveError> {
    let records: Result<Vec<Record>, ProveError> = match format {
        LedgerFormat::Json => {
            let l: JsonLedger =
                serde_json::from_str(text).map_err(|e| ProveError::import(name, e.to_string()))?;
            if l.format != "zkgov-ledger" || l.version != 1 {
                return Err(ProveError::import(
                    name,
                    format!(
                        "unsupported ledger format {} v{} (expected zkgov-ledger v1)",
                        l.format, l.version
                    ),
                ));
            }
            l.records
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let what = format!("{name} record {i}");
                    record(
                        peaks.class_or_error(&r.accelerator, &what)?,
                        r.devices,
                        r.seconds,
                        &what,
                    )
                })
                .collect()
        }
        LedgerFormat::Csv => import_csv(text, name, peaks),
        LedgerFormat::Sacct => {
            let allocations = crate::import::sacct::parse_sacct(text)
                .map_err(|e| ProveError::import(name, e.to_string()))?;
            allocations
                .iter()
                .map(|a| {
                    let what = format!("{name} line {} (job {})", a.line, a.job_id);
                    let gpu = a.gpu_type.as_deref().ok_or_else(|| {
                        ProveError::import(
                            &what,
                            "GPU type not recorded (untyped gres/gpu): cannot pick a peak",
                        )
                    })?;
                    record(
                        peaks.class_or_error(gpu, &what)?,
                        a.gpus,
                        a.elapsed_seconds,
                        &what,
                    )
                })
                .collect()
        }
    };
    let records = records?;
    if records.is_empty() {
        return Err(ProveError::import(
            name,
            "the ledger has no records (no GPU allocation): a claim about it would say nothing",
        ));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> PeakTable {
        PeakTable::from_args(&["NVIDIA H100=989.4e12".into(), "A100=312e12".into()]).unwrap()
    }

    #[test]
    fn class_lookup() {
        let t = table();
        assert_eq!(t.class_of("h100"), Ok(0));
        assert_eq!(t.class_of("NVIDIA H100"), Ok(0));
        assert_eq!(t.class_of("nvidia_h100_80gb_hbm3"), Ok(0));
        assert_eq!(t.class_of("a100-sxm4-80gb"), Ok(1));
        assert_eq!(
            t.class_of("mi300x"),
            Err(
                "accelerator type \"mi300x\" (MI300X) is not in the peak table (NVIDIA H100, A100)"
                    .into()
            )
        );
        // `h100` is not matched by word to another accelerator's row: H100 PCIe is its own.
        let pcie = PeakTable::from_args(&["H100 PCIe=756e12".into()]).unwrap();
        assert!(pcie.class_of("h100").is_err());
        assert_eq!(t.entries[0].1, 989_400_000_000_000);
        assert!(PeakTable::from_args(&["H100".into()]).is_err());
        assert!(PeakTable::from_args(&["H100=1.5".into()]).is_err());
    }

    #[test]
    fn two_rows_for_one_accelerator_are_refused() {
        // The decoy of issue 14 item 3: a second, lower row for the same accelerator.
        let e = PeakTable::from_args(&["H100=989.4e12".into(), "h100=1".into()])
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--peak: rows \"H100\" and \"h100\" name one accelerator (H100); a peak table has one row per accelerator"
        );
        // A table built around that check still cannot be matched ambiguously.
        let t = PeakTable {
            entries: vec![("H100".into(), 989_400_000_000_000), ("h100".into(), 1)],
        };
        let e = import_text(
            "accelerator,devices,seconds\nh100,8,3600\n",
            "x.csv",
            LedgerFormat::Csv,
            &t,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "x.csv line 2: accelerator type \"h100\" is ambiguous: peak table rows \"H100\" and \"h100\" both name H100"
        );
    }

    #[test]
    fn ledgers_without_records_are_refused() {
        let t = table();
        let json = r#"{"format":"zkgov-ledger","version":1,"records":[]}"#;
        let sacct = "JobID|AllocTRES|ElapsedRaw\n1|cpu=4|10\n";
        for (text, format) in [
            ("accelerator,devices,seconds\n", LedgerFormat::Csv),
            (json, LedgerFormat::Json),
            (sacct, LedgerFormat::Sacct),
        ] {
            let e = import_text(text, "l", format, &t).unwrap_err().to_string();
            assert_eq!(
                e,
                "l: the ledger has no records (no GPU allocation): a claim about it would say nothing"
            );
        }
        // A record with zero devices or seconds is not an allocation.
        for row in ["A100,0,3600", "A100,8,0"] {
            let e = import_text(
                &format!("accelerator,devices,seconds\n{row}\n"),
                "l",
                LedgerFormat::Csv,
                &t,
            )
            .unwrap_err()
            .to_string();
            assert!(e.starts_with("l line 2: not a ledger record: "), "{e}");
        }
    }

    fn csv(text: &str) -> Result<Vec<Record>, String> {
        import_text(text, "x.csv", LedgerFormat::Csv, &table()).map_err(|e| e.to_string())
    }

    #[test]
    fn csv_quotes_bom_crlf_and_header_case() {
        let plain = csv("accelerator,devices,seconds\nA100,8,3600\nh100,2,10\n").unwrap();
        // A byte-order mark, CRLF line ends, a header in another case with spaces and in another
        // order, quoted fields (one with a comma and an escaped quote would be a name, not a
        // number) and a blank line all read as the same records.
        for text in [
            "\u{feff}accelerator,devices,seconds\r\nA100,8,3600\r\nh100,2,10\r\n",
            " Seconds ,DEVICES, Accelerator\n3600,8,A100\n\n10,2,\"h100\"\n",
            "\"accelerator\",\"devices\",\"seconds\"\n\"A100\",\"8\",\"3600\"\n\"NVIDIA H100\",2,10",
        ] {
            assert_eq!(csv(text).unwrap(), plain, "{text:?}");
        }
        // A quoted name with a comma is one field (the alias table reads it as the H100).
        assert_eq!(
            csv("accelerator,devices,seconds\n\"H100, SXM\",8,3600\n").unwrap(),
            vec![Record {
                class: 0,
                devices: 8,
                seconds: 3600
            }]
        );
        // Line numbers count the BOM line and CRLF ends as a reader sees them.
        assert_eq!(
            csv("\u{feff}accelerator,devices,seconds\r\nA100,8,3600\r\n\r\nA100,x,1\r\n")
                .unwrap_err(),
            "x.csv line 4: devices \"x\" is not a non-negative integer"
        );
        // A field spanning lines is reported at the line where its row starts.
        assert_eq!(
            csv("accelerator,devices,seconds\n\"A100\n\",8,1\nA100,8\n").unwrap_err(),
            "x.csv line 4: expected 3 fields, found 2"
        );
    }

    #[test]
    fn csv_errors_are_one_line() {
        for (text, want) in [
            ("", "x.csv line 1: the header has no accelerator column (expected accelerator,devices,seconds)"),
            ("accelerator,devices\nA100,8\n", "x.csv line 1: the header has no seconds column (expected accelerator,devices,seconds)"),
            ("accelerator,devices,seconds,Accelerator\n", "x.csv line 1: the header names the accelerator column twice"),
            ("accelerator,devices,seconds,nodes\nA100,8,1,2\n", "x.csv line 1: unknown column \"nodes\" (a CSV ledger has exactly the columns accelerator,devices,seconds)"),
            ("accelerator,devices,seconds\nA100,8,1,9\n", "x.csv line 2: expected 3 fields, found 4"),
            ("accelerator,devices,seconds\n\"A100,8,1\n", "x.csv line 2: expected 3 fields, found 1"),
        ] {
            let e = csv(text).unwrap_err();
            assert_eq!(e, want, "{text:?}");
        }
    }

    #[test]
    fn csv_accelerator_names_use_the_alias_table() {
        // Slurm gres spellings of the policy's rows, as a provider's CSV export writes them.
        let r = csv("accelerator,devices,seconds\nnvidia_h100_80gb_hbm3,8,1\nA100-SXM4-80GB,4,1\n")
            .unwrap();
        assert_eq!((r[0].class, r[1].class), (0, 1));
    }

    #[test]
    fn csv_and_json() {
        let t = table();
        let csv = "accelerator,devices,seconds\nA100,8,3600\nh100,2,10\n";
        let r = import_text(csv, "x.csv", LedgerFormat::Csv, &t).unwrap();
        assert_eq!(
            r,
            vec![
                Record {
                    class: 1,
                    devices: 8,
                    seconds: 3600
                },
                Record {
                    class: 0,
                    devices: 2,
                    seconds: 10
                }
            ]
        );
        let err = import_text(
            "accelerator,devices,seconds\nA100,-8,3600\n",
            "x.csv",
            LedgerFormat::Csv,
            &t,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 2") && err.contains("devices"), "{err}");
        let err = import_text(
            "accelerator,devices,seconds\nTPU,8,3600\n",
            "x.csv",
            LedgerFormat::Csv,
            &t,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 2") && err.contains("TPU"), "{err}");
        let err = import_text(
            "accelerator,devices,seconds\nA100,8,4294967296\n",
            "x.csv",
            LedgerFormat::Csv,
            &t,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("seconds"), "{err}");
        let json = r#"{"format":"zkgov-ledger","version":1,"records":[{"accelerator":"A100","devices":8,"seconds":3600}]}"#;
        assert_eq!(
            import_text(json, "x.json", LedgerFormat::Json, &t)
                .unwrap()
                .len(),
            1
        );
        let bad = json.replace("\"version\":1", "\"version\":2");
        assert!(import_text(&bad, "x.json", LedgerFormat::Json, &t)
            .unwrap_err()
            .to_string()
            .contains("v2"));
    }
}
