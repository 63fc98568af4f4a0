//! The compute provider's side of an attested ledger (`zkgov attest ledger`), and the developer's
//! check that a ledger and seed reproduce what the provider attested (see
//! [`zkgov_spec::provider`]).

use crate::{commit::LedgerCommitment, error::ProveError, prove::capacity_for};

use ed25519_dalek::{Signer, SigningKey};
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_spec::{
    encoding::fr_to_hex,
    ledger::Record,
    provider::{
        attestation_message, attested_digest, AttestationFile, LedgerAttestation,
        ATTESTATION_FORMAT, ATTESTATION_VERSION,
    },
};
use zkgov_verifier::Fr;

/// The account and period a provider attests a ledger for.
#[derive(Debug, Clone)]
pub struct Period {
    /// The account, as the provider names it.
    pub account: String,
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Last day, `YYYY-MM-DD`.
    pub end: String,
}

/// Commits to `records` (classes from `peaks`) with the salt from `seed` in the smallest capacity
/// class that holds them, and signs the attestation with the provider's `key`. The attestation is
/// checked like a verifier checks it before it is returned.
pub fn attest(
    records: Vec<Record>,
    peaks: &PeakTable,
    period: &Period,
    seed: &[u8; 32],
    key: &SigningKey,
) -> Result<AttestationFile, ProveError> {
    let capacity = capacity_for(records.len())?;
    let commitment = LedgerCommitment::new(records, seed, capacity)?;
    let root = commitment.commitment();
    let names: Vec<String> = peaks.entries.iter().map(|(n, _)| n.clone()).collect();
    let record_count = commitment.records.len() as u64;
    let mut attestation = LedgerAttestation {
        provider_key: hex::encode(key.verifying_key().to_bytes()),
        account: period.account.clone(),
        period_start: period.start.clone(),
        period_end: period.end.clone(),
        signature: String::new(),
    };
    let digest = attested_digest(&root, record_count, capacity, &names, &attestation);
    attestation.signature = hex::encode(key.sign(&attestation_message(&digest)).to_bytes());
    attestation.verify(&root, record_count, capacity, &names)?;
    Ok(AttestationFile {
        format: ATTESTATION_FORMAT.into(),
        version: ATTESTATION_VERSION,
        ledger_root: fr_to_hex(&root),
        record_count,
        capacity,
        accelerators: names,
        attestation,
    })
}

/// Checks that the developer's committed ledger (`commitment`, made from its ledger file and the
/// seed the provider handed over, under the accelerator classes `names`) is exactly the one `file`
/// attests (whose signature [`AttestationFile::read`] checked). Each mismatch is named in one line:
/// the accelerator classes, the capacity, the record count, or the commitment (a record changed
/// after the attestation, or another seed).
pub fn check_reproduces(
    file: &AttestationFile,
    root: Fr,
    commitment: &LedgerCommitment,
    names: &[String],
) -> Result<(), ProveError> {
    let refused = |why: String| {
        ProveError::ClaimFalse(format!(
            "refused: {why}; a proof must be about exactly the ledger the provider attested, so nothing was proved"
        ))
    };
    if names != file.accelerators {
        return Err(refused(format!(
            "the peak table's accelerator classes ({}) are not the attested ones ({}) in their order, and a record's class is an index into them",
            names.join(", "),
            file.accelerators.join(", ")
        )));
    }
    if commitment.capacity != file.capacity {
        return Err(refused(format!(
            "the claim uses capacity {}, but the provider attested a commitment of capacity {}",
            commitment.capacity, file.capacity
        )));
    }
    if commitment.records.len() as u64 != file.record_count {
        return Err(refused(format!(
            "the ledger has {} records, but the provider attested {}: records were added or removed after the attestation",
            commitment.records.len(),
            file.record_count
        )));
    }
    if commitment.commitment() != root {
        return Err(refused(format!(
            "this ledger and seed do not reproduce the attested commitment {}…: a record was changed after the provider attested the ledger, or the seed file is not the one the provider handed over",
            &file.ledger_root[..14]
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkgov_spec::provider::AttestationFile;

    fn records(n: u64) -> Vec<Record> {
        (1..=n)
            .map(|i| Record {
                class: 0,
                devices: 8,
                seconds: 100 * i,
            })
            .collect()
    }

    #[test]
    fn only_the_attested_ledger_reproduces() {
        let peaks = PeakTable::from_args(&["H100=989.4e12".into()]).unwrap();
        let period = Period {
            account: "acct".into(),
            start: "2026-01-01".into(),
            end: "2026-01-31".into(),
        };
        let key = SigningKey::from_bytes(&[5; 32]);
        let file = attest(records(3), &peaks, &period, &[1; 32], &key).unwrap();
        let text = serde_json::to_string(&file).unwrap();
        let (read, root) = AttestationFile::from_json(&text).unwrap();
        assert_eq!(read, file);
        let names = vec!["H100".to_string()];
        let commit = |r: Vec<Record>, seed: u8, capacity: u64| {
            LedgerCommitment::new(r, &[seed; 32], capacity).unwrap()
        };
        assert!(check_reproduces(&file, root, &commit(records(3), 1, 16), &names).is_ok());
        let refused = |c: LedgerCommitment, names: &[String]| {
            check_reproduces(&file, root, &c, names)
                .unwrap_err()
                .to_string()
        };
        // The same accelerator spelled otherwise is another class list: the signature covers names.
        assert!(refused(commit(records(3), 1, 16), &["h100".to_string()])
            .starts_with("refused: the peak table's accelerator classes (h100) are not the attested ones (H100)"));
        assert!(refused(commit(records(3), 1, 64), &names)
            .starts_with("refused: the claim uses capacity 64, but the provider attested a commitment of capacity 16"));
        assert!(refused(commit(records(2), 1, 16), &names)
            .starts_with("refused: the ledger has 2 records, but the provider attested 3"));
        assert!(refused(commit(records(3), 2, 16), &names)
            .starts_with("refused: this ledger and seed do not reproduce the attested commitment"));
        // A bad period is refused when attesting: no attestation is returned.
        let bad = Period {
            end: "2026-02-30".into(),
            ..period
        };
        assert_eq!(
            attest(records(3), &peaks, &bad, &[1; 32], &key)
                .unwrap_err()
                .to_string(),
            "ledger_attestation.period_end: \"2026-02-30\" is not a date YYYY-MM-DD"
        );
    }
}
