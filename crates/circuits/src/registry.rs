//! The one table of zkgov's circuits: each circuit's identifier (as key files and statements name
//! it), its short name (as the CLI names it) and its blank instance at a capacity, from which
//! setups and the prepared prover derive the constraint matrices. Everything that dispatches on a
//! circuit goes through [`Circuit`].

use crate::{
    eval::EvalCircuit,
    ledger::ComputeCircuit,
    opening::OpeningCircuit,
    shard::{AggregateCircuit, ShardCircuit},
};
use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use zkgov_spec::{
    merkle::ledger_depth_for,
    shard::{AGGREGATE_CIRCUIT, SHARD_CAPACITIES, SHARD_CIRCUIT, SHARD_SLOTS},
    statement::{COMPUTE_CIRCUIT, EVAL_CIRCUIT, OPENING_CIRCUIT},
    SpecError,
};

/// A zkgov circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Circuit {
    /// Training compute at or below a FLOP threshold ([`ComputeCircuit`]).
    Compute,
    /// Mean eval score below a red line, or at least a floor ([`EvalCircuit`]).
    Eval,
    /// A spot-check opening of one committed ledger record ([`OpeningCircuit`]).
    Opening,
    /// One shard of a sharded compute claim ([`ShardCircuit`]).
    Shard,
    /// The aggregate proof of a sharded compute claim ([`AggregateCircuit`]); its capacity is
    /// its number of shard slots.
    Aggregate,
}

impl Circuit {
    /// Every circuit, in the order the CLI lists them.
    pub const ALL: [Circuit; 5] = [
        Circuit::Compute,
        Circuit::Eval,
        Circuit::Opening,
        Circuit::Shard,
        Circuit::Aggregate,
    ];

    /// The identifier key files and statements carry.
    pub fn id(self) -> &'static str {
        match self {
            Circuit::Compute => COMPUTE_CIRCUIT,
            Circuit::Eval => EVAL_CIRCUIT,
            Circuit::Opening => OPENING_CIRCUIT,
            Circuit::Shard => SHARD_CIRCUIT,
            Circuit::Aggregate => AGGREGATE_CIRCUIT,
        }
    }

    /// The short name (`zkgov keygen --circuit <name>`).
    pub fn name(self) -> &'static str {
        match self {
            Circuit::Compute => "compute",
            Circuit::Eval => "eval",
            Circuit::Opening => "opening",
            Circuit::Shard => "shard",
            Circuit::Aggregate => "aggregate",
        }
    }

    /// The circuit an identifier names.
    pub fn from_id(id: &str) -> Result<Circuit, SpecError> {
        Circuit::ALL
            .into_iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| {
                SpecError::bad_value(
                    "circuit",
                    format!(
                        "unknown circuit {id:?} (zkgov knows {})",
                        Circuit::ALL.map(Circuit::id).join(", ")
                    ),
                )
            })
    }

    /// The capacities a key of this circuit can have: the capacity classes of
    /// [`zkgov_spec::merkle::CAPACITIES`], for openings every ledger size
    /// ([`zkgov_spec::merkle::LEDGER_CAPACITIES`]), for shards only the powers of 16
    /// ([`SHARD_CAPACITIES`]), for the aggregate its slot counts ([`SHARD_SLOTS`]).
    pub fn capacities(self) -> &'static [u64] {
        match self {
            Circuit::Compute | Circuit::Eval => &zkgov_spec::merkle::CAPACITIES,
            Circuit::Opening => &zkgov_spec::merkle::LEDGER_CAPACITIES,
            Circuit::Shard => &SHARD_CAPACITIES,
            Circuit::Aggregate => &SHARD_SLOTS,
        }
    }

    /// The circuit with an all-zero witness at `capacity` (one of [`Circuit::capacities`]): the
    /// shape a setup or the prepared prover needs.
    pub fn blank(self, capacity: u64) -> Result<BlankCircuit, SpecError> {
        let depth = ledger_depth_for(capacity)?;
        if !self.capacities().contains(&capacity) {
            return Err(SpecError::bad_value(
                "capacity",
                format!(
                    "{capacity} is not a capacity of the {self} circuit (expected one of {:?})",
                    self.capacities()
                ),
            ));
        }
        let n = capacity as usize;
        Ok(match self {
            Circuit::Compute => BlankCircuit::Compute(ComputeCircuit::blank(n)),
            Circuit::Eval => BlankCircuit::Eval(EvalCircuit::blank(n)),
            Circuit::Opening => BlankCircuit::Opening(OpeningCircuit::blank(depth)),
            Circuit::Shard => BlankCircuit::Shard(ShardCircuit::blank(n)),
            Circuit::Aggregate => BlankCircuit::Aggregate(AggregateCircuit::blank(n)),
        })
    }
}

impl std::fmt::Display for Circuit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A blank instance of one of the circuits ([`Circuit::blank`]).
#[derive(Debug, Clone)]
pub enum BlankCircuit {
    /// The compute circuit.
    Compute(ComputeCircuit),
    /// The eval circuit.
    Eval(EvalCircuit),
    /// The opening circuit.
    Opening(OpeningCircuit),
    /// The shard circuit.
    Shard(ShardCircuit),
    /// The aggregate circuit.
    Aggregate(AggregateCircuit),
}

impl ConstraintSynthesizer<Fr> for BlankCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        match self {
            BlankCircuit::Compute(c) => c.generate_constraints(cs),
            BlankCircuit::Eval(c) => c.generate_constraints(cs),
            BlankCircuit::Opening(c) => c.generate_constraints(cs),
            BlankCircuit::Shard(c) => c.generate_constraints(cs),
            BlankCircuit::Aggregate(c) => c.generate_constraints(cs),
        }
    }
}
