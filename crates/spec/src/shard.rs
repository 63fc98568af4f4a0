//! Sharded compute claims: a ledger too large for one proof, split into shards of a fixed
//! capacity, each proved on its own, and one aggregate proof over them.
//!
//! **What the claim means.** "The committed ledger of `record_count` records has total compute at
//! most `threshold` FLOP, counting every accelerator at its peak", exactly as a single compute
//! claim, about the same commitment: the sharded ledger's commitment is the one an unsharded
//! ledger of capacity `shard_capacity × shard_slots` would have, so spot checks open records of a
//! sharded ledger by their global index with the ordinary opening circuit.
//!
//! **How.** Shard capacities are powers of 16 ([`SHARD_CAPACITIES`]), so a shard's tree is
//! exactly one subtree of the ledger's 16-ary tree: record `g` sits in shard `g / shard_capacity`
//! at slot `g % shard_capacity`. Every shard but the last is full; the last holds the rest
//! ([`ShardLayout`]). Each shard `i` proves (circuit [`SHARD_CIRCUIT`]) that its records are valid,
//! exactly `records_in(i)` of them fill its slots from the front, and that its public
//! [`shard_commitment`] `= hash16(ShardCommitment, [i, shard root, shard total, salt_i, 0, ..])`.
//! The aggregate (circuit [`AGGREGATE_CIRCUIT`], `shard_slots` slots) opens every shard
//! commitment at its own slot index, holds every unused slot to the empty subtree and a zero
//! total, computes the ledger's root over the shard roots and its salted commitment, and proves
//! `Σ shard totals ≤ threshold`. The verifier supplies every shard's index and record count from
//! the public layout, and matches each shard proof's commitment with the aggregate's input at that
//! index: a shard can be neither dropped (the count of shard proofs is fixed by the record count),
//! repeated or reordered (the index is inside the commitment), nor taken from another ledger (its
//! commitment would differ from the aggregate's).

use crate::{
    encoding::{digest_to_fr, fr_from_hex, fr_to_hex, parse_canonical_u128},
    error::SpecError,
    ledger::{empty_leaf, NUM_CLASSES},
    merkle::{self, depth_for},
    poseidon::{hash16, Domain},
    statement::{
        describe_peaks, parse_peak_table, sci, write_peak_table, ComputeInputs, Context, PeakEntry,
        Transcript,
    },
    Fr,
};
use serde::{Deserialize, Serialize};

/// The shard circuit's identifier.
pub const SHARD_CIRCUIT: &str = "zkgov/compute-shard/v1";
/// The aggregate circuit's identifier.
pub const AGGREGATE_CIRCUIT: &str = "zkgov/compute-aggregate/v1";

/// Records per shard: the capacity classes that are powers of 16, so that a shard is one
/// subtree of the ledger's tree.
pub const SHARD_CAPACITIES: [u64; 4] = [16, 256, 4096, 65536];
/// Shard slots of an aggregate (also powers of 16: the shard roots are one level set of the
/// ledger's tree). With 65,536-record shards, 256 slots cover 16,777,216 records.
pub const SHARD_SLOTS: [u64; 2] = [16, 256];

/// Number of public inputs of a shard proof.
pub const SHARD_NUM_INPUTS: usize = NUM_CLASSES + 3;

/// Positions of a shard proof's public inputs.
pub mod shard_input {
    use crate::ledger::NUM_CLASSES;
    /// The first of the `NUM_CLASSES` peak FLOP/s entries.
    pub const PEAKS: usize = 0;
    /// The shard's index in the ledger.
    pub const INDEX: usize = PEAKS + NUM_CLASSES;
    /// The number of records in the shard.
    pub const RECORD_COUNT: usize = INDEX + 1;
    /// The shard commitment ([`super::shard_commitment`]).
    pub const COMMITMENT: usize = RECORD_COUNT + 1;
}

/// Positions of the aggregate proof's public inputs; the shard commitments follow, one per slot
/// (zero for unused slots).
pub mod aggregate_input {
    /// The FLOP threshold.
    pub const THRESHOLD: usize = 0;
    /// The ledger commitment.
    pub const LEDGER: usize = 1;
    /// The number of shards.
    pub const SHARD_COUNT: usize = 2;
    /// The root of an empty shard ([`super::empty_shard_root`] at the shard depth): what every
    /// unused slot holds, and what fixes the shard capacity for one aggregate key per slot count.
    pub const EMPTY_SHARD: usize = 3;
    /// The context digest.
    pub const CONTEXT: usize = 4;
    /// The first shard commitment.
    pub const SHARDS: usize = 5;
}

/// Number of public inputs of an aggregate proof with `slots` shard slots.
pub fn aggregate_num_inputs(slots: u64) -> usize {
    aggregate_input::SHARDS + slots as usize
}

/// How a ledger of `record_count` records is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardLayout {
    /// Records per shard (one of [`SHARD_CAPACITIES`]).
    pub shard_capacity: u64,
    /// Shard slots of the aggregate (one of [`SHARD_SLOTS`]).
    pub shard_slots: u64,
    /// Records in the ledger.
    pub record_count: u64,
}

impl ShardLayout {
    /// Checks a layout: supported classes, at least one record, and no more than the slots hold.
    pub fn new(
        record_count: u64,
        shard_capacity: u64,
        shard_slots: u64,
    ) -> Result<Self, SpecError> {
        if !SHARD_CAPACITIES.contains(&shard_capacity) {
            return Err(SpecError::bad_value(
                "shard_capacity",
                format!("{shard_capacity} is not a shard capacity (expected one of {SHARD_CAPACITIES:?})"),
            ));
        }
        if !SHARD_SLOTS.contains(&shard_slots) {
            return Err(SpecError::bad_value(
                "shard_slots",
                format!("{shard_slots} is not a number of shard slots (expected one of {SHARD_SLOTS:?})"),
            ));
        }
        if record_count == 0 {
            return Err(SpecError::bad_value(
                "record_count",
                "0: a claim about an empty ledger says nothing (a ledger has at least one record)",
            ));
        }
        let layout = ShardLayout {
            shard_capacity,
            shard_slots,
            record_count,
        };
        if record_count > layout.ledger_capacity() {
            return Err(SpecError::bad_value(
                "record_count",
                format!("{record_count} exceeds {shard_slots} shards of {shard_capacity} records"),
            ));
        }
        Ok(layout)
    }

    /// The layout for `record_count` records in shards of `shard_capacity`, with the fewest
    /// slots that hold them.
    pub fn for_records(record_count: u64, shard_capacity: u64) -> Result<Self, SpecError> {
        let slots = SHARD_SLOTS
            .iter()
            .copied()
            .find(|s| record_count.div_ceil(shard_capacity.max(1)) <= *s)
            .unwrap_or(SHARD_SLOTS[SHARD_SLOTS.len() - 1]);
        Self::new(record_count, shard_capacity, slots)
    }

    /// Number of shards: every one full but the last.
    pub fn shard_count(&self) -> u64 {
        self.record_count.div_ceil(self.shard_capacity)
    }

    /// Records in shard `index` (0 past the last shard).
    pub fn records_in(&self, index: u64) -> u64 {
        let start = index.saturating_mul(self.shard_capacity);
        self.record_count
            .saturating_sub(start)
            .min(self.shard_capacity)
    }

    /// The global indices of shard `index`'s records.
    pub fn range(&self, index: u64) -> std::ops::Range<usize> {
        let start = (index * self.shard_capacity) as usize;
        start..start + self.records_in(index) as usize
    }

    /// Slots of the whole ledger's tree: the capacity an unsharded ledger with this commitment
    /// would have.
    pub fn ledger_capacity(&self) -> u64 {
        self.shard_capacity * self.shard_slots
    }

    /// Depth of one shard's tree.
    pub fn shard_depth(&self) -> usize {
        depth_for(self.shard_capacity).unwrap_or(0)
    }

    /// Depth of the tree over the shard roots.
    pub fn slot_depth(&self) -> usize {
        (self.shard_slots.trailing_zeros() / merkle::ARITY.trailing_zeros()) as usize
    }
}

/// The root of a shard with no records: the empty subtree of `depth`.
pub fn empty_shard_root(depth: usize) -> Fr {
    (0..depth).fold(empty_leaf(), |node, _| {
        merkle::node_hash([node; merkle::ARITY])
    })
}

/// The hiding commitment to shard `index`: `hash16(ShardCommitment, [index, root, total, salt, 0,
/// …])`. The salt (≥ 128 random bits, its own per shard) hides the root and the total.
pub fn shard_commitment(index: u64, root: Fr, total: Fr, salt: Fr) -> Fr {
    let mut x = [Fr::from(0u64); 16];
    x[0] = Fr::from(index);
    x[1] = root;
    x[2] = total;
    x[3] = salt;
    hash16(Domain::ShardCommitment, x)
}

/// A sharded compute claim, as the bundle states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ShardedComputeStatement {
    /// Records per shard.
    pub shard_capacity: u64,
    /// Shard slots of the aggregate proof.
    pub shard_slots: u64,
    /// Number of committed records.
    pub record_count: u64,
    /// The claim: total FLOP ≤ this, a canonical decimal integer.
    pub threshold_flop: String,
    /// The policy's peak table; a record's class is its row index.
    pub peak_table: Vec<PeakEntry>,
    /// The hiding commitment to the whole ledger (as an unsharded ledger of `shard_capacity ×
    /// shard_slots` slots would have it).
    pub ledger_root: String,
    /// One commitment per shard, in ledger order.
    pub shard_commitments: Vec<String>,
    /// Policy, epoch, nonce.
    pub context: Context,
}

/// A sharded compute statement after strict parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardedComputeInputs {
    /// The claim as a compute claim about the whole ledger (capacity: the ledger's slots; no
    /// provider attestation).
    pub compute: ComputeInputs,
    /// The split.
    pub layout: ShardLayout,
    /// One commitment per shard.
    pub shard_commitments: Vec<Fr>,
}

impl ShardedComputeStatement {
    /// Parses every field strictly.
    pub fn parse(&self) -> Result<ShardedComputeInputs, SpecError> {
        let layout = ShardLayout::new(self.record_count, self.shard_capacity, self.shard_slots)?;
        let threshold = parse_canonical_u128("threshold_flop", &self.threshold_flop)?;
        let (names, peaks) = parse_peak_table(&self.peak_table)?;
        self.context.validate()?;
        let root = fr_from_hex("ledger_root", &self.ledger_root)?;
        if self.shard_commitments.len() as u64 != layout.shard_count() {
            return Err(SpecError::bad_value(
                "shard_commitments",
                format!(
                    "{} given, but {} records in shards of {} make {} shards",
                    self.shard_commitments.len(),
                    self.record_count,
                    self.shard_capacity,
                    layout.shard_count()
                ),
            ));
        }
        let shard_commitments = self
            .shard_commitments
            .iter()
            .map(|c| fr_from_hex("shard_commitments", c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ShardedComputeInputs {
            compute: ComputeInputs {
                capacity: layout.ledger_capacity(),
                record_count: self.record_count,
                threshold,
                peaks,
                names,
                root,
                context: self.context.clone(),
                ledger_attestation: None,
            },
            layout,
            shard_commitments,
        })
    }
}

impl ShardedComputeInputs {
    /// The statement in its canonical written form.
    pub fn to_statement(&self) -> ShardedComputeStatement {
        let c = &self.compute;
        ShardedComputeStatement {
            shard_capacity: self.layout.shard_capacity,
            shard_slots: self.layout.shard_slots,
            record_count: c.record_count,
            threshold_flop: c.threshold.to_string(),
            peak_table: write_peak_table(&c.names, &c.peaks),
            ledger_root: fr_to_hex(&c.root),
            shard_commitments: self.shard_commitments.iter().map(fr_to_hex).collect(),
            context: c.context.clone(),
        }
    }

    /// The context input of the aggregate: SHA-256 (first 248 bits) over the aggregate circuit,
    /// the layout, the accelerator names, policy id, epoch and nonce.
    pub fn context_digest(&self) -> Fr {
        let mut t = Transcript::new(b"zkgov/context/v1");
        t.put(AGGREGATE_CIRCUIT.as_bytes());
        t.put_u64(self.layout.shard_capacity);
        t.put_u64(self.layout.shard_slots);
        t.put_u64(self.layout.record_count);
        t.put_u64(self.compute.names.len() as u64);
        for n in &self.compute.names {
            t.put(n.as_bytes());
        }
        self.compute.context.absorb(&mut t);
        digest_to_fr(&t.finish())
    }

    /// The aggregate proof's public inputs.
    pub fn aggregate_inputs(&self) -> Vec<Fr> {
        use aggregate_input::*;
        let mut v = vec![Fr::from(0u64); aggregate_num_inputs(self.layout.shard_slots)];
        v[THRESHOLD] = Fr::from(self.compute.threshold);
        v[LEDGER] = self.compute.root;
        v[SHARD_COUNT] = Fr::from(self.layout.shard_count());
        v[EMPTY_SHARD] = empty_shard_root(self.layout.shard_depth());
        v[CONTEXT] = self.context_digest();
        v[SHARDS..SHARDS + self.shard_commitments.len()].copy_from_slice(&self.shard_commitments);
        v
    }

    /// The public inputs of shard `index`'s proof: the peaks, the index, its record count from
    /// the layout, and its commitment.
    pub fn shard_inputs(&self, index: u64) -> Vec<Fr> {
        shard_inputs(
            &self.compute.peaks,
            index,
            self.layout.records_in(index),
            self.shard_commitments
                .get(index as usize)
                .copied()
                .unwrap_or_default(),
        )
    }

    /// The claim in plain words.
    pub fn describe(&self) -> String {
        let c = &self.compute;
        let nonce = match &c.context.nonce {
            Some(n) => format!(", nonce {n}"),
            None => String::new(),
        };
        format!(
            "Training compute of the committed ledger ({} records, proved in {} shards of up to {} records, every shard checked) is at most {} FLOP, counting every \
             accelerator at its peak ({}); under policy {:?}, epoch {}{}; ledger not attested by a compute provider",
            c.record_count,
            self.layout.shard_count(),
            self.layout.shard_capacity,
            sci(c.threshold),
            describe_peaks(&c.names, &c.peaks),
            c.context.policy_id,
            c.context.epoch,
            nonce,
        )
    }
}

/// The public inputs of a shard proof.
pub fn shard_inputs(
    peaks: &[u64; NUM_CLASSES],
    index: u64,
    records: u64,
    commitment: Fr,
) -> Vec<Fr> {
    use shard_input::*;
    let mut v = vec![Fr::from(0u64); SHARD_NUM_INPUTS];
    for (i, p) in peaks.iter().enumerate() {
        v[PEAKS + i] = Fr::from(*p);
    }
    v[INDEX] = Fr::from(index);
    v[RECORD_COUNT] = Fr::from(records);
    v[COMMITMENT] = commitment;
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Record;

    #[test]
    fn layout_splits_full_shards_then_the_rest() {
        let l = ShardLayout::for_records(40, 16).unwrap();
        assert_eq!((l.shard_slots, l.shard_count()), (16, 3));
        assert_eq!(
            (0..4).map(|i| l.records_in(i)).collect::<Vec<_>>(),
            [16, 16, 8, 0]
        );
        assert_eq!(l.range(2), 32..40);
        assert_eq!(
            ShardLayout::for_records(1_000_000, 4096)
                .unwrap()
                .shard_slots,
            256
        );
        assert!(ShardLayout::for_records(256 * 16 + 1, 16).is_err());
        assert!(ShardLayout::new(10, 32, 16).is_err());
        assert!(ShardLayout::new(10, 16, 32).is_err());
        assert!(ShardLayout::new(0, 16, 16).is_err());
    }

    #[test]
    fn the_sharded_ledger_tree_is_the_unsharded_one() {
        // For each layout: the root over the shard roots (unused slots empty) equals the root of
        // the same records in one tree of `shard_capacity × shard_slots` slots.
        for (n, capacity, slots) in [(40, 16, 16), (300, 256, 16), (300, 16, 256), (40, 16, 256)] {
            let records: Vec<Fr> = (0..n as u32)
                .map(|i| {
                    Record {
                        class: 1,
                        devices: i + 1,
                        seconds: 7,
                    }
                    .packed()
                })
                .collect();
            let layout = ShardLayout::new(n, capacity, slots).unwrap();
            let empty = empty_shard_root(layout.shard_depth());
            let mut roots: Vec<Fr> = (0..layout.shard_count())
                .map(|i| {
                    let part = records[layout.range(i)].to_vec();
                    merkle::root(part, empty_leaf(), layout.shard_depth())
                })
                .collect();
            roots.resize(slots as usize, empty);
            let sharded = merkle::root(roots, empty, layout.slot_depth());
            let depth = merkle::ledger_depth_for(layout.ledger_capacity()).unwrap();
            assert_eq!(
                sharded,
                merkle::root(records, empty_leaf(), depth),
                "{n} records in shards of {capacity} under {slots} slots"
            );
        }
    }
}
