//! The one table of zkgov's circuits: each circuit's identifier (as key files and statements name
//! it), its short name (as the CLI names it) and its blank instance at a capacity, from which
//! setups and the prepared prover derive the constraint matrices. Everything that dispatches on a
//! circuit goes through [`Circuit`].

use crate::{eval::EvalCircuit, ledger::ComputeCircuit, opening::OpeningCircuit};
use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use zkgov_spec::{
    merkle::depth_for,
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
}

impl Circuit {
    /// Every circuit, in the order the CLI lists them.
    pub const ALL: [Circuit; 3] = [Circuit::Compute, Circuit::Eval, Circuit::Opening];

    /// The identifier key files and statements carry.
    pub fn id(self) -> &'static str {
        match self {
            Circuit::Compute => COMPUTE_CIRCUIT,
            Circuit::Eval => EVAL_CIRCUIT,
            Circuit::Opening => OPENING_CIRCUIT,
        }
    }

    /// The short name (`zkgov keygen --circuit <name>`).
    pub fn name(self) -> &'static str {
        match self {
            Circuit::Compute => "compute",
            Circuit::Eval => "eval",
            Circuit::Opening => "opening",
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

    /// The circuit with an all-zero witness at `capacity` (a capacity class of
    /// [`zkgov_spec::merkle::CAPACITIES`]): the shape a setup or the prepared prover needs.
    pub fn blank(self, capacity: u64) -> Result<BlankCircuit, SpecError> {
        let depth = depth_for(capacity)?;
        let n = capacity as usize;
        Ok(match self {
            Circuit::Compute => BlankCircuit::Compute(ComputeCircuit::blank(n)),
            Circuit::Eval => BlankCircuit::Eval(EvalCircuit::blank(n)),
            Circuit::Opening => BlankCircuit::Opening(OpeningCircuit::blank(depth)),
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
}

impl ConstraintSynthesizer<Fr> for BlankCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        match self {
            BlankCircuit::Compute(c) => c.generate_constraints(cs),
            BlankCircuit::Eval(c) => c.generate_constraints(cs),
            BlankCircuit::Opening(c) => c.generate_constraints(cs),
        }
    }
}
