//! A faster Groth16 prover for fixed circuits, producing standard proofs.
//!
//! Stock `ark_groth16::Groth16::prove` synthesizes the circuit with constraint matrices on every
//! call: it records every linear combination, inlines them all and builds the A, B, C matrices,
//! although they are the same for every proof of a capacity class. Here the matrices are built
//! once per circuit shape ([`PreparedCircuit`]); each proof then only runs witness generation
//! (synthesis in value-only mode), the QAP witness map (FFTs) and the multi-scalar
//! multiplications, through arkworks' own `create_proof_with_reduction_and_matrices`. The proof is
//! bit-for-bit the kind stock arkworks makes and verifies (tests check it with stock `verify`).

use crate::error::ProveError;
use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, Proof, ProvingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use rand::{CryptoRng, RngCore};

fn synthesis(e: impl std::fmt::Display) -> ProveError {
    ProveError::Synthesis(e.to_string())
}

/// The constraint matrices of one circuit shape, built once and reused for every proof.
#[derive(Debug, Clone)]
pub struct PreparedCircuit {
    matrices: Vec<Matrix<Fr>>,
    num_inputs: usize,
    num_witnesses: usize,
    num_constraints: usize,
}

impl PreparedCircuit {
    /// Builds the matrices from an all-zero witness of the circuit's shape.
    pub fn new<C: ConstraintSynthesizer<Fr>>(blank: C) -> Result<Self, ProveError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        blank.generate_constraints(cs.clone()).map_err(synthesis)?;
        cs.finalize();
        let mut all = cs.to_matrices().map_err(synthesis)?;
        let matrices = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| synthesis("the circuit has no R1CS constraints"))?;
        Ok(PreparedCircuit {
            matrices,
            num_inputs: cs.num_instance_variables(),
            num_witnesses: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
        })
    }

    /// Number of constraints.
    pub fn num_constraints(&self) -> usize {
        self.num_constraints
    }

    /// Number of instance variables (the constant one and the public inputs).
    pub fn num_inputs(&self) -> usize {
        self.num_inputs
    }

    /// Number of witness variables.
    pub fn num_witnesses(&self) -> usize {
        self.num_witnesses
    }

    /// The A, B, C matrices; entries index the full assignment `[1, inputs.., witnesses..]`.
    pub fn matrices(&self) -> &[Matrix<Fr>] {
        &self.matrices
    }

    /// The full assignment `[1, inputs.., witnesses..]` of `circuit`, computed without recording
    /// any constraint.
    pub fn assignment<C: ConstraintSynthesizer<Fr>>(
        &self,
        circuit: C,
    ) -> Result<Vec<Fr>, ProveError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit
            .generate_constraints(cs.clone())
            .map_err(synthesis)?;
        if cs.num_instance_variables() != self.num_inputs
            || cs.num_witness_variables() != self.num_witnesses
        {
            return Err(synthesis(
                "the witness does not have the prepared circuit's shape",
            ));
        }
        let mut full = cs.instance_assignment().map_err(synthesis)?;
        full.extend(cs.witness_assignment().map_err(synthesis)?);
        Ok(full)
    }

    /// Proves `circuit` (whose shape must be this one's) with `pk`.
    pub fn prove<C: ConstraintSynthesizer<Fr>, R: RngCore + CryptoRng>(
        &self,
        pk: &ProvingKey<Bn254>,
        circuit: C,
        rng: &mut R,
    ) -> Result<Proof<Bn254>, ProveError> {
        let full = self.assignment(circuit)?;
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
            pk,
            r,
            s,
            &self.matrices,
            self.num_inputs,
            self.num_constraints,
            &full,
        )
        .map_err(synthesis)
    }
}
