//! Accelerator names: one canonical name per accelerator, so that a peak table cannot hold two
//! rows for one accelerator under two spellings (`H100` and `h100`, or Slurm's
//! `nvidia_h100_80gb_hbm3`), and so that the ledger, the claim and the policy agree on what a row
//! means.
//!
//! A name is first normalised: lower case, every run of characters other than ASCII letters and
//! digits becomes one space, and leading and trailing spaces are dropped (`nvidia_h100_80gb_hbm3`
//! becomes `nvidia h100 80gb hbm3`). A normalised name listed in [`ALIASES`] is the accelerator
//! that table names; any other name is its own accelerator, spelled in its normalised form.
//! Variants with another peak (`H100 PCIe`, `H100 NVL`) are deliberately not aliases of `H100`.

use crate::error::SpecError;

/// Accelerators known by several names: the canonical name, then the other spellings, each
/// already normalised. Slurm GPU types come from `gres.conf` (`Type=`), often the NVML name in
/// lower case with `_` or `-` (`nvidia_h100_80gb_hbm3`, `a100-sxm4-80gb`).
pub const ALIASES: &[(&str, &[&str])] = &[
    (
        "H100",
        &[
            "nvidia h100",
            "h100 sxm",
            "h100 sxm5",
            "h100 80gb hbm3",
            "nvidia h100 80gb hbm3",
            "h100 sxm5 80gb",
            "nvidia h100 sxm5 80gb",
        ],
    ),
    (
        "H200",
        &["nvidia h200", "h200 sxm", "nvidia h200 141gb hbm3e"],
    ),
    ("B200", &["nvidia b200"]),
    (
        "A100",
        &[
            "nvidia a100",
            "a100 sxm4 40gb",
            "a100 sxm4 80gb",
            "nvidia a100 sxm4 40gb",
            "nvidia a100 sxm4 80gb",
        ],
    ),
    (
        "MI300X",
        &["amd instinct mi300x", "instinct mi300x", "amd mi300x"],
    ),
];

fn normalise(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The canonical name of the accelerator `name` denotes: names that differ only in case,
/// separators or by an alias of [`ALIASES`] give the same result.
pub fn canonical_accelerator(name: &str) -> String {
    let n = normalise(name);
    ALIASES
        .iter()
        .find(|(canonical, aliases)| normalise(canonical) == n || aliases.contains(&n.as_str()))
        .map_or(n, |(canonical, _)| canonical.to_string())
}

/// Refuses a peak table (claim, `--peak` arguments or policy) in which two rows name one
/// accelerator: each accelerator has one row, so no record can be counted at a decoy peak.
pub fn check_rows_distinct<'a>(
    field: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), SpecError> {
    let mut seen: Vec<(&str, String)> = Vec::new();
    for name in names {
        let canonical = canonical_accelerator(name);
        if let Some((first, _)) = seen.iter().find(|(_, c)| *c == canonical) {
            return Err(SpecError::bad_value(
                field,
                format!(
                    "rows {first:?} and {name:?} name one accelerator ({canonical}); a peak table has one row per accelerator"
                ),
            ));
        }
        seen.push((name, canonical));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_separators_and_aliases_are_one_accelerator() {
        for n in [
            "H100",
            "h100",
            " H100 ",
            "NVIDIA H100",
            "nvidia_h100_80gb_hbm3",
            "H100-SXM5-80GB",
        ] {
            assert_eq!(canonical_accelerator(n), "H100", "{n}");
        }
        for n in ["A100", "a100-sxm4-80gb", "nvidia_a100-sxm4-40gb"] {
            assert_eq!(canonical_accelerator(n), "A100", "{n}");
        }
        assert_eq!(canonical_accelerator("H100 PCIe"), "h100 pcie");
        assert_eq!(canonical_accelerator("TPU_v5p"), "tpu v5p");
        assert_eq!(canonical_accelerator("tpu v5p"), "tpu v5p");
        assert_ne!(canonical_accelerator("H100"), canonical_accelerator("H200"));
    }

    #[test]
    fn a_table_with_two_rows_for_one_accelerator_is_refused() {
        assert!(check_rows_distinct("t", ["H100", "A100", "H100 PCIe"]).is_ok());
        let e = check_rows_distinct("t", ["H100", "A100", "h100"])
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t: rows \"H100\" and \"h100\" name one accelerator (H100); a peak table has one row per accelerator"
        );
        assert!(check_rows_distinct("t", ["nvidia_h100_80gb_hbm3", "H100"]).is_err());
    }
}
