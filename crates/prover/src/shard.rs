//! Proving sharded compute claims (`zkgov_spec::shard`): the whole ledger committed once, one
//! proof per shard, one aggregate proof. [`ShardedJob`] holds what every step needs and is
//! rebuilt from the same records and seed by every task, so that shards can be proved by
//! separate processes on separate nodes ([`crate::plan`]) and always agree.

use crate::{
    commit::{root_salt, SALT_BYTES},
    error::ProveError,
    keys::KeyPair,
    prove::{private_margin, refuse_false_claim},
};
use ark_bn254::Fr;
use ark_ff::PrimeField;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use zkgov_circuits::{
    ledger::ComputePrivate,
    shard::{AggregateCircuit, ShardCircuit, SlotOpening},
};
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_spec::{
    bundle::{Claim, ShardProofs, Statement},
    encoding::fr_to_hex,
    ledger::{commitment, empty_leaf, total_flop, Record},
    merkle,
    shard::{
        empty_shard_root, shard_commitment, ShardLayout, ShardedComputeInputs,
        ShardedComputeStatement, AGGREGATE_CIRCUIT, SHARD_CIRCUIT,
    },
    statement::Context,
};
use zkgov_verifier::{
    groth16::{decode_proof, encode_proof, verify_claim_with_keys, verify_groth16},
    keys::TrustedKey,
};

/// The salt of shard `index`'s commitment: the first 31 bytes of
/// SHA-256("zkgov/shard-salt/v1" || seed || index). The ledger's own salt is
/// [`root_salt`]`(seed)`, as for an unsharded ledger.
pub fn shard_salt(seed: &[u8; 32], index: u64) -> Fr {
    let d = Sha256::new()
        .chain_update(b"zkgov/shard-salt/v1")
        .chain_update(seed)
        .chain_update(index.to_be_bytes())
        .finalize();
    Fr::from_be_bytes_mod_order(&d[..SALT_BYTES])
}

/// A sharded compute claim ready to prove: the statement (with every shard commitment), the
/// records, and each shard's private opening.
#[derive(Debug, Clone)]
pub struct ShardedJob {
    /// The statement.
    pub inputs: ShardedComputeInputs,
    /// The ledger's records, in order.
    pub records: Vec<Record>,
    shards: Vec<SlotOpening>,
    ledger_salt: Fr,
}

impl ShardedJob {
    /// Commits to `records` in shards of `shard_capacity` and builds the statement "total ≤
    /// threshold". Refuses, before any proving work, when the claim is false for these records.
    pub fn new(
        records: Vec<Record>,
        peaks: &PeakTable,
        threshold: u128,
        context: Context,
        seed: &[u8; 32],
        shard_capacity: u64,
    ) -> Result<Self, ProveError> {
        let layout = ShardLayout::for_records(records.len() as u64, shard_capacity)?;
        for r in &records {
            r.validate()?;
        }
        // Parse a placeholder statement first: the same strict checks the verifier applies, and
        // the padded peak table the totals are counted with.
        let zero = fr_to_hex(&Fr::from(0u64));
        let mut inputs = ShardedComputeStatement {
            shard_capacity,
            shard_slots: layout.shard_slots,
            record_count: layout.record_count,
            threshold_flop: threshold.to_string(),
            peak_table: peaks.to_statement(),
            ledger_root: zero.clone(),
            shard_commitments: vec![zero; layout.shard_count() as usize],
            context,
        }
        .parse()?;
        let peaks = inputs.compute.peaks;
        refuse_false_claim(&records, &peaks, threshold)?;
        let depth = layout.shard_depth();
        let shards: Vec<SlotOpening> = (0..layout.shard_count())
            .into_par_iter()
            .map(|i| {
                let part = &records[layout.range(i)];
                let leaves = part.iter().map(Record::packed).collect();
                // Each part's total is at most the ledger's, which is at most the threshold.
                let total = total_flop(part, &peaks).unwrap_or(u128::MAX);
                SlotOpening {
                    active: Fr::from(1u64),
                    root: merkle::root(leaves, empty_leaf(), depth),
                    total: Fr::from(total),
                    salt: shard_salt(seed, i),
                }
            })
            .collect();
        let empty = empty_shard_root(depth);
        let mut roots: Vec<Fr> = shards.iter().map(|s| s.root).collect();
        roots.resize(layout.shard_slots as usize, empty);
        let ledger_salt = root_salt(seed);
        inputs.compute.root =
            commitment(merkle::root(roots, empty, layout.slot_depth()), ledger_salt);
        inputs.shard_commitments = shards
            .iter()
            .enumerate()
            .map(|(i, s)| shard_commitment(i as u64, s.root, s.total, s.salt))
            .collect();
        Ok(ShardedJob {
            inputs,
            records,
            shards,
            ledger_salt,
        })
    }

    /// The split.
    pub fn layout(&self) -> ShardLayout {
        self.inputs.layout
    }

    /// Shard `index`'s circuit with its witness.
    pub fn shard_circuit(&self, index: u64) -> Option<ShardCircuit> {
        let layout = self.layout();
        let opening = self.shards.get(usize::try_from(index).ok()?)?;
        let private = ComputePrivate::new(
            &self.records[layout.range(index)],
            opening.salt,
            layout.shard_capacity as usize,
        );
        Some(ShardCircuit {
            inputs: self.inputs.shard_inputs(index),
            slots: private.slots,
            salt: opening.salt,
        })
    }

    /// The aggregate circuit with its witness.
    pub fn aggregate_circuit(&self) -> AggregateCircuit {
        let layout = self.layout();
        let mut slots = self.shards.clone();
        slots.resize(
            layout.shard_slots as usize,
            SlotOpening {
                root: empty_shard_root(layout.shard_depth()),
                ..SlotOpening::default()
            },
        );
        AggregateCircuit {
            inputs: self.inputs.aggregate_inputs(),
            slots,
            salt: self.ledger_salt,
        }
    }

    /// Proves shard `index` with `key` (the shard circuit at the shard capacity), and checks the
    /// proof before returning it (hex, as a bundle carries it).
    pub fn prove_shard<R: RngCore + CryptoRng>(
        &self,
        index: u64,
        key: &KeyPair,
        rng: &mut R,
    ) -> Result<String, ProveError> {
        check_key(&key.vk, SHARD_CIRCUIT, self.layout().shard_capacity)?;
        let circuit = self.shard_circuit(index).ok_or_else(|| {
            ProveError::import(
                "shard index",
                format!(
                    "shard {index} does not exist (the ledger has {} shards)",
                    self.layout().shard_count()
                ),
            )
        })?;
        let proof = key.prove(circuit, rng)?;
        verify_groth16(&key.vk, &proof, &self.inputs.shard_inputs(index))?;
        Ok(encode_proof(&proof))
    }

    /// Checks a shard proof (hex) made earlier against this job's shard `index`.
    pub fn check_shard(&self, index: u64, proof: &str, key: &TrustedKey) -> Result<(), ProveError> {
        check_key(key, SHARD_CIRCUIT, self.layout().shard_capacity)?;
        verify_groth16(key, &decode_proof(proof)?, &self.inputs.shard_inputs(index))?;
        Ok(())
    }

    /// Proves the aggregate with `key` and assembles the claim with the `shard_proofs` (in ledger
    /// order) made with `shard_key`; the whole claim is verified before it is returned.
    pub fn prove_aggregate<R: RngCore + CryptoRng>(
        &self,
        shard_proofs: Vec<String>,
        key: &KeyPair,
        shard_key: &TrustedKey,
        rng: &mut R,
    ) -> Result<Claim, ProveError> {
        check_key(&key.vk, AGGREGATE_CIRCUIT, self.layout().shard_slots)?;
        let proof = key.prove(self.aggregate_circuit(), rng)?;
        let claim = Claim {
            statement: Statement::ShardedCompute(Box::new(self.inputs.to_statement())),
            key_id: key.vk.id.clone(),
            proof: encode_proof(&proof),
            shards: Some(ShardProofs {
                key_id: shard_key.id.clone(),
                proofs: shard_proofs,
            }),
        };
        verify_claim_with_keys(&claim, &key.vk, Some(shard_key))?;
        Ok(claim)
    }

    /// The developer's own margin in plain words (the exact total: never written into a bundle).
    pub fn private_margin(&self) -> String {
        let c = &self.inputs.compute;
        private_margin(&self.records, &c.peaks, c.threshold)
    }
}

/// Refuses a key for another circuit or capacity.
fn check_key(key: &TrustedKey, circuit: &str, capacity: u64) -> Result<(), ProveError> {
    if key.circuit != circuit || key.capacity != capacity {
        return Err(ProveError::Key(format!(
            "key {} is for {} at capacity {}, this step needs {circuit} at capacity {capacity}",
            key.id, key.circuit, key.capacity
        )));
    }
    Ok(())
}
