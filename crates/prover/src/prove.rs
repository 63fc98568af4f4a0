//! Proving compute claims: statement preparation, the false-claim refusal, and Groth16 proving with
//! the prepared prover (which parallelizes within one proof).

use crate::{commit::LedgerCommitment, error::ProveError, keys::KeyPair};

use rand::{CryptoRng, RngCore};
use zkgov_circuits::ledger::{ComputeCircuit, ComputePrivate, ComputePublic};
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_spec::{
    bundle::{Claim, Statement},
    ledger::{total_flop, Record, NUM_CLASSES},
    merkle::CAPACITIES,
    statement::{sci, ComputeInputs, Context},
};
use zkgov_verifier::groth16::{encode_proof, verify_claim_with_key};

/// The smallest capacity class that holds `n` records.
pub fn capacity_for(n: usize) -> Result<u64, ProveError> {
    CAPACITIES
        .iter()
        .copied()
        .find(|c| *c >= n as u64)
        .ok_or_else(|| {
            ProveError::ClaimFalse(format!(
                "{n} records exceed the largest capacity class ({})",
                CAPACITIES[CAPACITIES.len() - 1]
            ))
        })
}

/// Refuses, before any proving work, a compute claim that is false for `records`: their total at
/// the peaks above `threshold`.
pub(crate) fn refuse_false_claim(
    records: &[Record],
    peaks: &[u64; NUM_CLASSES],
    threshold: u128,
) -> Result<(), ProveError> {
    match total_flop(records, peaks) {
        Some(t) if t <= threshold => Ok(()),
        total => Err(ProveError::ClaimFalse(format!(
            "refused: the ledger's compute ({} FLOP at peak) exceeds the threshold {} FLOP, so \
             this claim is false and no proof of it can exist; nothing was written",
            total.map_or_else(|| "over 3.4e38".to_string(), sci),
            sci(threshold)
        ))),
    }
}

/// The developer's own margin in plain words: the ledger's total against the threshold. It
/// discloses the exact total, so it belongs on the developer's terminal only and is never written
/// into a bundle.
pub(crate) fn private_margin(
    records: &[Record],
    peaks: &[u64; NUM_CLASSES],
    threshold: u128,
) -> String {
    match total_flop(records, peaks) {
        Some(total) => format!(
            "total {} FLOP at peak, threshold {} FLOP: {:.1}% of it, {} FLOP to spare",
            sci(total),
            sci(threshold),
            total as f64 / threshold.max(1) as f64 * 100.0,
            sci(threshold.saturating_sub(total))
        ),
        None => "total above 3.4e38 FLOP".into(),
    }
}

/// A compute claim ready to prove: its statement and the committed ledger.
#[derive(Debug, Clone)]
pub struct ComputeJob {
    /// The statement.
    pub inputs: ComputeInputs,
    /// The commitment (records, salt, tree).
    pub commitment: LedgerCommitment,
}

impl ComputeJob {
    /// Commits to `records` and builds the statement "total ≤ threshold". Refuses, before any
    /// proving work, when the claim is false for these records.
    pub fn new(
        records: Vec<Record>,
        peaks: &PeakTable,
        threshold: u128,
        context: Context,
        seed: &[u8; 32],
        capacity: Option<u64>,
    ) -> Result<Self, ProveError> {
        let capacity = match capacity {
            Some(c) => c,
            None => capacity_for(records.len())?,
        };
        let commitment = LedgerCommitment::new(records, seed, capacity)?;
        let statement = ComputeInputs {
            capacity,
            record_count: commitment.records.len() as u64,
            threshold,
            peaks: [0; NUM_CLASSES],
            names: vec![],
            root: commitment.commitment(),
            context,
            ledger_attestation: None,
        };
        let mut written = statement.to_statement();
        written.peak_table = peaks.to_statement();
        // Parse back: the same strict checks the verifier applies, and the padded peak table.
        let inputs = written.parse()?;
        refuse_false_claim(&commitment.records, &inputs.peaks, threshold)?;
        Ok(ComputeJob { inputs, commitment })
    }

    /// Makes the claim about a provider-attested ledger: checks that this job's ledger and seed
    /// reproduce exactly the commitment `file` attests ([`crate::provider::check_reproduces`]),
    /// then carries the attestation in the statement, its signature checked over the statement's
    /// own fields as a verifier checks it.
    pub fn with_attestation(
        mut self,
        file: &zkgov_spec::provider::AttestationFile,
        root: zkgov_verifier::Fr,
    ) -> Result<Self, ProveError> {
        crate::provider::check_reproduces(file, root, &self.commitment, &self.inputs.names)?;
        let mut written = self.inputs.to_statement();
        written.ledger_attestation = Some(Box::new(file.attestation.clone()));
        self.inputs = written.parse()?;
        Ok(self)
    }

    /// The developer's own margin in plain words: the ledger's total against the threshold. It
    /// discloses the exact total, so it belongs on the developer's terminal only and is never
    /// written into a bundle.
    pub fn private_margin(&self) -> String {
        private_margin(
            &self.commitment.records,
            &self.inputs.peaks,
            self.inputs.threshold,
        )
    }

    /// The circuit with its witness.
    pub fn circuit(&self) -> ComputeCircuit {
        ComputeCircuit {
            public: ComputePublic::from_statement(&self.inputs),
            private: ComputePrivate::new(
                &self.commitment.records,
                self.commitment.salt,
                self.commitment.capacity as usize,
            ),
        }
    }

    /// Proves the claim with `keys`, then verifies the proof before returning it.
    pub fn prove<R: RngCore + CryptoRng>(
        &self,
        keys: &KeyPair,
        rng: &mut R,
    ) -> Result<Claim, ProveError> {
        if keys.vk.capacity != self.inputs.capacity {
            return Err(ProveError::Key(format!(
                "key {} is for capacity {}, the ledger needs {}",
                keys.vk.id, keys.vk.capacity, self.inputs.capacity
            )));
        }
        let proof = keys.prove(self.circuit(), rng)?;
        let claim = Claim {
            statement: Statement::Compute(self.inputs.to_statement()),
            key_id: keys.vk.id.clone(),
            proof: encode_proof(&proof),
            shards: None,
        };
        verify_claim_with_key(&claim, &keys.vk)?;
        Ok(claim)
    }
}
