//! Compute-provider attestations of ledger commitments.
//!
//! Without one, only the developer vouches that a committed ledger holds every record: records
//! can be left out. With one, the compute provider (the cluster operator or cloud that ran the
//! jobs) imports its own accounting export for one account and period, commits to it with a fresh
//! salt, and signs ([`LedgerAttestation`]) the commitment, the record count, the capacity class,
//! the accelerator class names in order (a record's class is an index into them, so they are part
//! of what the commitment means), the account, the period and its own public key. It hands the
//! developer the ledger, the attestation file ([`AttestationFile`]) and the secret salt seed; the
//! developer proves against exactly that commitment, and the compute statement carries the
//! attestation. The signature is checked over the statement's own fields, so a statement whose
//! root, record count, capacity or class names differ from what the provider signed does not
//! verify.
//!
//! What a signature does not show: that the provider's export is itself complete and true. That
//! is the provider's word, and a policy decides whose word it takes (`[[providers]]`).

use crate::{
    encoding::{bytes_from_hex, fr_from_hex, fr_to_hex},
    error::SpecError,
    signature::SignatureProblem,
    statement::{check_name, Transcript},
    Fr,
};
use serde::{Deserialize, Serialize};

/// Format name of an attestation file.
pub const ATTESTATION_FORMAT: &str = "zkgov-ledger-attestation";
/// Its version.
pub const ATTESTATION_VERSION: u32 = 1;
/// Largest attestation file read (a real one is under 2 KB).
pub const MAX_ATTESTATION_BYTES: u64 = 64 << 10;

/// A provider's signature over a ledger commitment, and what it says about the ledger beyond the
/// commitment itself: whose account and which period. A compute statement carries it as
/// `ledger_attestation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LedgerAttestation {
    /// The provider's ed25519 public key, 64 lower-case hex digits.
    pub provider_key: String,
    /// The account (project, allocation or customer) the export covers, as the provider names it.
    pub account: String,
    /// First day of the accounting period, `YYYY-MM-DD`.
    pub period_start: String,
    /// Last day of the accounting period, `YYYY-MM-DD` (inclusive).
    pub period_end: String,
    /// The signature, 128 lower-case hex digits.
    pub signature: String,
}

/// The file `zkgov attest ledger` writes: the attested ledger description and the attestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AttestationFile {
    /// Always [`ATTESTATION_FORMAT`].
    pub format: String,
    /// Always [`ATTESTATION_VERSION`].
    pub version: u32,
    /// The salted ledger commitment, as the compute circuit's public input sees it.
    pub ledger_root: String,
    /// Number of records committed.
    pub record_count: u64,
    /// Capacity class of the commitment.
    pub capacity: u64,
    /// Accelerator class names, in class order.
    pub accelerators: Vec<String>,
    /// The provider's attestation.
    pub attestation: LedgerAttestation,
}

/// The SHA-256 digest a provider signs (through [`attestation_message`]): the commitment, record
/// count, capacity, class names in order, account, period and the provider's key, length-prefixed.
pub fn attested_digest(
    root: &Fr,
    record_count: u64,
    capacity: u64,
    names: &[String],
    a: &LedgerAttestation,
) -> [u8; 32] {
    let mut t = Transcript::new(b"zkgov/attested-ledger/v1");
    t.put(fr_to_hex(root).as_bytes());
    t.put_u64(record_count);
    t.put_u64(capacity);
    t.put_u64(names.len() as u64);
    for n in names {
        t.put(n.as_bytes());
    }
    t.put(a.account.as_bytes());
    t.put(a.period_start.as_bytes());
    t.put(a.period_end.as_bytes());
    t.put(a.provider_key.as_bytes());
    t.finish()
}

/// The message a provider signs: a domain tag and version, then [`attested_digest`].
pub fn attestation_message(digest: &[u8; 32]) -> Vec<u8> {
    let mut m = b"zkgov/ledger-attestation/v1".to_vec();
    m.extend_from_slice(digest);
    m
}

/// Checks a `YYYY-MM-DD` calendar date.
fn check_date(field: &str, s: &str) -> Result<(), SpecError> {
    let bad = || SpecError::bad_value(field, format!("{s:?} is not a date YYYY-MM-DD"));
    let b = s.as_bytes();
    if !s.is_ascii() || b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| {
        s[r].bytes()
            .try_fold(0u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
            .ok_or_else(bad)
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d == 0 || d > days {
        return Err(bad());
    }
    Ok(())
}

impl LedgerAttestation {
    /// The period in plain words: `2026-01-01 to 2026-03-31`.
    pub fn period(&self) -> String {
        format!("{} to {}", self.period_start, self.period_end)
    }

    /// Checks every field and the signature over the ledger described by `root`, `record_count`,
    /// `capacity` and `names` (the statement's own fields). Returns the provider's key.
    pub fn verify(
        &self,
        root: &Fr,
        record_count: u64,
        capacity: u64,
        names: &[String],
    ) -> Result<[u8; 32], SpecError> {
        check_name("ledger_attestation.account", &self.account)?;
        check_date("ledger_attestation.period_start", &self.period_start)?;
        check_date("ledger_attestation.period_end", &self.period_end)?;
        if self.period_start > self.period_end {
            return Err(SpecError::bad_value(
                "ledger_attestation.period_end",
                format!(
                    "{} is before the period's start {}",
                    self.period_end, self.period_start
                ),
            ));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes_from_hex(
            "ledger_attestation.provider_key",
            &self.provider_key,
            32,
        )?);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&bytes_from_hex(
            "ledger_attestation.signature",
            &self.signature,
            64,
        )?);
        let message =
            attestation_message(&attested_digest(root, record_count, capacity, names, self));
        crate::signature::verify_strict(&key, &signature, &message).map_err(|p| {
            let reason = match p {
                SignatureProblem::Mismatch => "provider signature does not cover this ledger (its commitment, record count, capacity, accelerator classes, account, period or provider key differ from what the provider signed)".to_string(),
                other => other.describe("provider"),
            };
            SpecError::bad_value("ledger_attestation", reason)
        })?;
        Ok(key)
    }
}

impl AttestationFile {
    /// Parses an attestation file, checking its format and version first, then every field and
    /// the signature. Returns the file and the commitment.
    pub fn from_json(text: &str) -> Result<(Self, Fr), SpecError> {
        let what = "ledger attestation";
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SpecError::malformed(what, e))?;
        let format = v.get("format").and_then(|f| f.as_str()).unwrap_or("?");
        let version = v.get("version").and_then(|f| f.as_u64()).unwrap_or(0);
        SpecError::check_format(
            what,
            format,
            u32::try_from(version).unwrap_or(u32::MAX),
            ATTESTATION_FORMAT,
            ATTESTATION_VERSION,
        )?;
        let f: AttestationFile =
            serde_json::from_value(v).map_err(|e| SpecError::malformed(what, e))?;
        let root = fr_from_hex("ledger_root", &f.ledger_root)?;
        f.attestation
            .verify(&root, f.record_count, f.capacity, &f.accelerators)?;
        Ok((f, root))
    }

    /// Reads and checks an attestation file; errors name the file.
    pub fn read(path: &std::path::Path) -> Result<(Self, Fr), SpecError> {
        let what = format!("ledger attestation {}", path.display());
        let text = crate::files::read_bounded(path, MAX_ATTESTATION_BYTES, &what)?;
        Self::from_json(&text).map_err(|e| match e {
            SpecError::Malformed { reason, .. } => SpecError::malformed(what, reason),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::statement::ComputeStatement;
    use ed25519_dalek::{Signer, SigningKey};

    /// A statement about ledger root 42 (3 records, capacity 64, class H100) carrying an
    /// attestation signed by `key` over exactly those fields.
    fn attested(key: &SigningKey) -> ComputeStatement {
        let mut s = crate::statement::tests::example();
        let mut a = LedgerAttestation {
            provider_key: hex::encode(key.verifying_key().to_bytes()),
            account: "acct".into(),
            period_start: "2026-01-01".into(),
            period_end: "2026-03-31".into(),
            signature: String::new(),
        };
        let d = attested_digest(&Fr::from(42u64), 3, 64, &["H100".to_string()], &a);
        a.signature = hex::encode(key.sign(&attestation_message(&d)).to_bytes());
        s.ledger_attestation = Some(Box::new(a));
        s
    }

    #[test]
    fn the_signature_covers_every_attested_field() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let good = attested(&key);
        assert_eq!(good.parse().unwrap().to_statement(), good);
        let other_key = hex::encode(SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes());
        type Edit = Box<dyn Fn(&mut ComputeStatement)>;
        let edits: Vec<(&str, Edit)> = vec![
            (
                "root",
                Box::new(|s| s.ledger_root = fr_to_hex(&Fr::from(43u64))),
            ),
            ("count", Box::new(|s| s.record_count = 2)),
            ("capacity", Box::new(|s| s.capacity = 256)),
            (
                "class",
                Box::new(|s| s.peak_table[0].accelerator = "H200".into()),
            ),
            (
                "account",
                Box::new(|s| s.ledger_attestation.as_mut().unwrap().account = "x".into()),
            ),
            (
                "period",
                Box::new(|s| {
                    s.ledger_attestation.as_mut().unwrap().period_end = "2026-04-30".into()
                }),
            ),
            (
                "key",
                Box::new(move |s| {
                    s.ledger_attestation.as_mut().unwrap().provider_key = other_key.clone()
                }),
            ),
        ];
        for (what, edit) in edits {
            let mut s = good.clone();
            edit(&mut s);
            let e = s.parse().unwrap_err().to_string();
            assert!(
                e.starts_with("ledger_attestation: provider signature does not cover this ledger"),
                "{what}: {e}"
            );
        }
        // The threshold and context are the developer's claim, outside the attestation.
        let mut s = good.clone();
        s.threshold_flop = "20000000000000000000000000".into();
        s.context.epoch = 2027;
        assert!(s.parse().is_ok());
        // Field checks come first, each one line.
        let mut s = good;
        s.ledger_attestation.as_mut().unwrap().period_start = "2026-04-01".into();
        assert_eq!(
            s.parse().unwrap_err().to_string(),
            "ledger_attestation.period_end: 2026-03-31 is before the period's start 2026-04-01"
        );
    }

    #[test]
    fn dates() {
        for ok in ["2026-01-01", "2024-02-29", "2026-12-31"] {
            assert!(check_date("d", ok).is_ok(), "{ok}");
        }
        for bad in [
            "2026-1-01",
            "2025-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-00-10",
            "2026-01-00",
            "2026/01/01",
            "２０２６-01-01",
            "",
        ] {
            assert!(check_date("d", bad).is_err(), "{bad}");
        }
    }
}
