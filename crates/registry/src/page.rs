//! The registry's web page: every disclosure in plain words, with its checks, rendered on the
//! server as plain HTML (no script). Each entry is re-checked as the page is drawn: the stored
//! leaf must be the one the log hashed (its inclusion proof must reach the signed checkpoint),
//! the stored bundle must have the digest the leaf records, and its claims must verify; an entry
//! failing any of these is shown as FAILING with the reason.

use crate::{
    log::{hash_hex, sha256_hex, verify_inclusion, EntryLeaf},
    note::open_checkpoint,
    server::Registry,
    RegistryError,
};

/// Entries per page.
const PER_PAGE: u64 = 50;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A UTC date and time from seconds since the epoch (proleptic Gregorian calendar).
pub fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rem = seconds % 86_400;
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// One entry's checks: `Ok(())` or why it fails.
fn check_entry(
    proof: Result<Vec<crate::log::Hash>, RegistryError>,
    size: u64,
    root: crate::log::Hash,
    entry: &crate::store::StoredEntry,
) -> Result<(EntryLeaf, Vec<String>), String> {
    let leaf =
        EntryLeaf::parse(&entry.leaf).map_err(|e| format!("the stored leaf is unreadable: {e}"))?;
    let proof = proof.map_err(|e| e.to_string())?;
    verify_inclusion(leaf.hash(), entry.index, size, &proof, root)
        .map_err(|_| "the stored leaf is not the one the log recorded at this index".to_string())?;
    if sha256_hex(entry.bundle.as_bytes()) != leaf.bundle_sha256 {
        return Err(
            "the stored bundle is not the one the log recorded (its SHA-256 differs)".into(),
        );
    }
    Ok((leaf, proof.iter().map(hash_hex).collect()))
}

pub(crate) async fn render(
    registry: &Registry,
    start: Option<u64>,
) -> Result<String, RegistryError> {
    let (size, note) = registry.signed_size().await;
    let checkpoint = open_checkpoint(&note, registry.log_public(), &[])?;
    let newest = start
        .unwrap_or(size.saturating_sub(1))
        .min(size.saturating_sub(1));
    let entries = if size == 0 {
        Vec::new()
    } else {
        registry.store().entries(newest, PER_PAGE, true).await?
    };
    let indices: Vec<u64> = entries.iter().map(|e| e.index).collect();
    let mut proofs = registry.inclusion_proofs(&indices, size).await.into_iter();
    let cosigned = registry.cosigned(1).await?;
    let witnessed = match cosigned.first() {
        Some(n) => {
            let c = open_checkpoint(n, registry.log_public(), registry.witness_keys())?;
            format!(
                "<p id=\"witnessed\">Newest co-signed checkpoint: size {}, co-signed by {}.</p>",
                c.size,
                esc(&if c.witnesses.is_empty() {
                    "no known witness".to_string()
                } else {
                    c.witnesses.join(", ")
                })
            )
        }
        None => "<p id=\"witnessed\">No witness has co-signed a checkpoint yet.</p>".to_string(),
    };
    let mut rows = String::new();
    for e in &entries {
        let judged_rows;
        let (status, class, detail) = match check_entry(
            proofs
                .next()
                .unwrap_or_else(|| Err(RegistryError::Log("no proof".into()))),
            size,
            checkpoint.root,
            e,
        ) {
            Err(why) => {
                judged_rows = String::new();
                ("FAILING", "failing", esc(&why))
            }
            Ok((leaf, proof)) => {
                let bundle = e.bundle.clone();
                let judged = tokio::task::block_in_place(|| registry.judge(&bundle));
                let invalid: Vec<_> = judged
                    .claims
                    .iter()
                    .filter_map(|c| c.as_ref().err())
                    .collect();
                let claims: Vec<String> = judged
                    .claims
                    .iter()
                    .map(|c| match c {
                        Ok(words) => format!("<li>{}</li>", esc(words)),
                        Err(why) => format!("<li class=\"failing\">INVALID: {}</li>", esc(why)),
                    })
                    .collect();
                let verdicts: Vec<String> = judged
                    .verdicts
                    .iter()
                    .map(|(id, j, label, summary)| {
                        format!(
                            "<li><b>{}</b> ({}): <span class=\"verdict\">{}</span>: {}</li>",
                            esc(id),
                            esc(j),
                            label,
                            esc(summary)
                        )
                    })
                    .collect();
                judged_rows = format!(
                    "<td>{}<br><small>{}</small></td><td><ul>{}</ul></td><td><ul>{}</ul></td>",
                    esc(&utc(leaf.time)),
                    esc(&leaf.submitter),
                    claims.join(""),
                    verdicts.join("")
                );
                let detail = format!(
                    "<details><summary>inclusion proof ({} hashes) under checkpoint {}</summary><code>{}</code><br>bundle SHA-256 <code>{}</code></details>",
                    proof.len(),
                    size,
                    proof.join("<br>"),
                    esc(&leaf.bundle_sha256)
                );
                if invalid.is_empty() {
                    ("INCLUDED", "ok", detail)
                } else {
                    (
                        "FAILING",
                        "failing",
                        format!("a claim does not verify{detail}"),
                    )
                }
            }
        };
        let judged_rows = if judged_rows.is_empty() {
            "<td colspan=\"3\">(not shown: the entry fails its checks)</td>".to_string()
        } else {
            judged_rows
        };
        rows.push_str(&format!(
            "<tr class=\"entry {class}\" id=\"entry-{i}\" data-index=\"{i}\" data-status=\"{class}\"><td>{i}</td>{judged_rows}<td class=\"status\"><b>{status}</b> {detail}</td></tr>\n",
            i = e.index
        ));
    }
    let nav = if newest >= PER_PAGE {
        format!(
            "<p><a href=\"/?start={}\">older entries</a></p>",
            newest - PER_PAGE
        )
    } else {
        String::new()
    };
    Ok(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zkgov disclosure registry: {origin}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #111; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .4em; vertical-align: top; text-align: left; }}
tr.failing td.status {{ background: #fdd; }}
tr.ok td.status {{ background: #dfd; }}
code, pre {{ font-size: .8em; word-break: break-all; }}
</style></head>
<body>
<h1>zkgov disclosure registry</h1>
<p>Log <code>{origin}</code>, key <code>{key}</code>. {size} disclosure(s). Every entry below is checked as this page is drawn: the log must include it under its signed checkpoint, the stored bundle must be the one the log recorded, and its proofs must verify.</p>
<h2>Checkpoint</h2>
<pre id="checkpoint">{note}</pre>
{witnessed}
<h2>Disclosures</h2>
<table id="entries"><thead><tr><th>#</th><th>published</th><th>claims</th><th>verdicts under the operator's policies</th><th>checks</th></tr></thead>
<tbody>
{rows}</tbody></table>
{nav}
</body></html>
"#,
        origin = esc(&checkpoint.origin),
        key = esc(&registry.log_key()),
        size = size,
        note = esc(&note),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_795_000_000), "2026-11-18 11:06:40 UTC");
    }
}
