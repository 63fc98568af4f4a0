//! The training-compute ledger claim, natively: record layout, bit widths, the commitment,
//! spot-check openings, and the relation the circuit enforces. This is the specification the
//! circuit is tested against.
//!
//! A record says "`devices` accelerators of class `class` ran for `seconds`". Its FLOP upper bound
//! is `devices * seconds * peak[class]`, with `peak` the policy's peak FLOP/s table. The claim is
//! `Σ records ≤ threshold`.
//!
//! ## Why no sum can wrap the field
//! Every factor is range-checked by bits: class < 2^3, devices < 2^24, seconds < 2^32,
//! peak < 2^60, so one record is below 2^116; with at most 2^16 records the total is below 2^132.
//! The threshold is below 2^128. Both are far below the field modulus (> 2^253), so the circuit's
//! field arithmetic equals integer arithmetic, and `threshold - total` lies in `[0, 2^128)` exactly
//! when `total ≤ threshold` (otherwise it is above `p - 2^132`). The constants below are checked
//! at compile time.

use crate::{error::SpecError, merkle, poseidon::Domain, Fr};

/// Bits of the accelerator class index.
pub const CLASS_BITS: usize = 3;
/// Number of accelerator classes a peak table has (unused slots are filled, see
/// [`crate::statement::ComputeInputs::peaks`]).
pub const NUM_CLASSES: usize = 1 << CLASS_BITS;
/// Bits of the device count (up to 16,777,215 accelerators in one record).
pub const DEVICE_BITS: usize = 24;
/// Bits of the wall-clock seconds (up to ~136 years in one record).
pub const SECONDS_BITS: usize = 32;
/// Bits of a peak FLOP/s entry (up to ~1.15e18 FLOP/s per accelerator).
pub const PEAK_BITS: usize = 60;
/// Bits of the threshold (any threshold up to 2^128 - 1 ≈ 3.4e38 FLOP).
pub const THRESHOLD_BITS: usize = 128;
/// log2 of the largest capacity class.
pub const MAX_LOG_CAPACITY: usize = 16;
/// Bits of one record's FLOP bound.
pub const RECORD_FLOP_BITS: usize = DEVICE_BITS + SECONDS_BITS + PEAK_BITS;
/// Bits of the total.
pub const TOTAL_BITS: usize = RECORD_FLOP_BITS + MAX_LOG_CAPACITY;

// The no-wrap argument above, checked by the compiler: the total and the threshold are below
// (p - 1) / 2 > 2^252, and the packed record fits well inside one field element.
const _: () = assert!(TOTAL_BITS < 252 && THRESHOLD_BITS < 252 && TOTAL_BITS > THRESHOLD_BITS);
const _: () = assert!(CLASS_BITS + DEVICE_BITS + SECONDS_BITS < 252);

/// One ledger record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Record {
    /// Index into the peak table.
    pub class: u8,
    /// Number of accelerators.
    pub devices: u32,
    /// Wall-clock seconds.
    pub seconds: u64,
}

impl Record {
    /// Checks that the record is a real allocation: its class is below [`NUM_CLASSES`], and its
    /// device count and seconds are at least 1 and below their bit widths (the circuit enforces
    /// the same of every present slot). Within these ranges [`Record::packed`] is injective.
    pub fn validate(&self) -> Result<(), SpecError> {
        let bad = |reason: String| Err(SpecError::BadRecord { reason });
        if (self.class as usize) >= NUM_CLASSES {
            return bad(format!("class {} is not below {NUM_CLASSES}", self.class));
        }
        if self.devices == 0 || u64::from(self.devices) >= 1 << DEVICE_BITS {
            return bad(format!(
                "devices {} is not between 1 and 2^{DEVICE_BITS} - 1",
                self.devices
            ));
        }
        if self.seconds == 0 || self.seconds >= 1 << SECONDS_BITS {
            return bad(format!(
                "seconds {} is not between 1 and 2^{SECONDS_BITS} - 1",
                self.seconds
            ));
        }
        Ok(())
    }

    /// The record as one field element: `class + devices * 2^3 + seconds * 2^27` (injective for
    /// valid records).
    pub fn packed(&self) -> Fr {
        Fr::from(self.class as u64)
            + Fr::from(self.devices as u64) * Fr::from(1u64 << CLASS_BITS)
            + Fr::from(self.seconds) * Fr::from(1u64 << (CLASS_BITS + DEVICE_BITS))
    }

    /// The record's FLOP bound under `peaks`, in integers.
    pub fn flop(&self, peaks: &[u64; NUM_CLASSES]) -> u128 {
        self.devices as u128 * self.seconds as u128 * peaks[self.class as usize] as u128
    }
}

/// The leaf that fills unused slots: the all-zero record, packed. It contributes zero FLOP and the
/// circuit forces every slot past the record count to be exactly this.
pub fn empty_leaf() -> Fr {
    Record::default().packed()
}

/// The public commitment to a ledger: `hash2(LedgerCommitment, root, salt)` over the 16-ary tree
/// whose leaves are the packed records (see [`crate::merkle`]). The salt (≥ 128 random bits) makes
/// it hiding: low-entropy records cannot be found by trying candidates.
pub fn commitment(root: Fr, salt: Fr) -> Fr {
    merkle::commit(Domain::LedgerCommitment, root, salt)
}

/// Total FLOP bound of `records` (checked arithmetic; `None` on overflow, which valid records
/// under the bit widths above cannot reach).
pub fn total_flop(records: &[Record], peaks: &[u64; NUM_CLASSES]) -> Option<u128> {
    records
        .iter()
        .try_fold(0u128, |acc, r| acc.checked_add(r.flop(peaks)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_is_injective_on_boundaries() {
        let a = Record {
            class: 7,
            devices: (1 << 24) - 1,
            seconds: 1,
        };
        let b = Record {
            class: 0,
            devices: 1,
            seconds: 2,
        };
        assert_ne!(a.packed(), b.packed());
        assert!(a.validate().is_ok() && b.validate().is_ok());
        assert!(Record {
            seconds: (1 << 32) - 1,
            ..b
        }
        .validate()
        .is_ok());
        // Each field one past its range: refused, and each of these aliases a valid record's
        // leaf (class + 8 is devices + 1; devices + 2^24 is seconds + 1).
        let aliases = [
            (
                Record {
                    class: 8,
                    devices: 0,
                    ..b
                },
                "class 8 is not below 8",
            ),
            (
                Record {
                    devices: (1 << 24) + 1,
                    seconds: 1,
                    ..b
                },
                "devices 16777217 is not between 1 and 2^24 - 1",
            ),
        ];
        for (r, reason) in aliases {
            assert_eq!(r.packed(), b.packed());
            assert_eq!(
                r.validate().unwrap_err().to_string(),
                format!("not a ledger record: {reason}")
            );
        }
        assert!(Record {
            seconds: 1 << 32,
            ..b
        }
        .validate()
        .is_err());
        // No real allocation has zero devices or zero seconds.
        assert!(Record { devices: 0, ..b }.validate().is_err());
        assert!(Record { seconds: 0, ..b }.validate().is_err());
        assert!(Record::default().validate().is_err());
    }

    #[test]
    fn salt_hides_the_ledger() {
        let r = Record {
            class: 1,
            devices: 8,
            seconds: 3600,
        };
        let root = merkle::root(vec![r.packed()], empty_leaf(), 1);
        assert_ne!(
            commitment(root, Fr::from(1u64)),
            commitment(root, Fr::from(2u64))
        );
        assert_eq!(empty_leaf(), Fr::from(0u64));
    }

    #[test]
    fn worst_case_record_fits_its_bound() {
        let r = Record {
            class: 0,
            devices: (1 << 24) - 1,
            seconds: (1 << 32) - 1,
        };
        let peaks = [(1u64 << 60) - 1; NUM_CLASSES];
        assert!(r.flop(&peaks) < 1u128 << RECORD_FLOP_BITS);
        // 2^16 such records exceed u128 natively: the native total reports it instead of wrapping.
        assert_eq!(total_flop(&vec![r; 1 << MAX_LOG_CAPACITY], &peaks), None);
    }
}
