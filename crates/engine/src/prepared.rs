//! A faster Groth16 prover for fixed circuits, producing standard proofs.
//!
//! Stock `ark_groth16::Groth16::prove` synthesizes the circuit with constraint matrices on every
//! call: it records every linear combination, inlines them all and builds the A, B, C matrices,
//! although they are the same for every proof of a capacity class. Here the matrices are built
//! once per circuit shape ([`PreparedCircuit`]); each proof then runs only witness generation
//! (synthesis in value-only mode), the QAP witness map (seven FFTs: in eight lanes with AVX-512
//! IFMA where the CPU has it, module `qap`, else arkworks' libsnark reduction) and five MSMs with
//! zkgov's batch-affine MSM ([`crate::msm`]); the A and B MSMs share one digit decomposition of
//! the assignment. The proof is the standard Groth16 proof for the same key:
//! `A = α + Σ aᵢ·Aᵢ + r·δ`, `B = β + Σ aᵢ·Bᵢ + s·δ`, `C = s·A + r·B₁ − r·s·δ + Σ wⱼ·Lⱼ + Σ hₖ·Hₖ`,
//! and tests check every proof with stock `Groth16::verify`.
//!
//! [`PreparedCircuit::prove_staged`] records the time of each stage (`cargo bench -p zkgov-engine --bench
//! profile` prints them beside stock proving and bare MSMs).

use crate::{
    matrices::ConstraintMatrices,
    msm::{msm, msm_digits, Digits},
    EngineError,
};
use ark_bn254::{Bn254, Fr};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, FftField, Field, PrimeField, UniformRand};
use ark_groth16::{Proof, ProvingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisError, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use std::time::{Duration, Instant};

type BigInt = <Fr as PrimeField>::BigInt;

/// The constraint matrices of one circuit shape, built once and reused for every proof.
#[derive(Debug, Clone)]
pub struct PreparedCircuit {
    matrices: ConstraintMatrices,
    num_inputs: usize,
    /// The FFT tables of the lane QAP, where the CPU has AVX-512 IFMA.
    #[cfg(target_arch = "x86_64")]
    qap: Option<crate::qap::Qap>,
}

impl PreparedCircuit {
    /// Builds the matrices from an all-zero witness of the circuit's shape.
    pub fn new<C: ConstraintSynthesizer<Fr>>(blank: C) -> Result<Self, EngineError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        blank.generate_constraints(cs.clone())?;
        cs.finalize();
        let mut all = cs.to_matrices()?;
        let num_inputs = cs.num_instance_variables();
        let num_variables = num_inputs + cs.num_witness_variables();
        drop(cs);
        let matrices = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or(SynthesisError::PredicateNotFound)?;
        drop(all);
        Self::from_matrices(
            ConstraintMatrices::new(matrices, num_variables)?,
            num_inputs,
        )
    }

    /// The circuit with these matrices, whose first `num_inputs` variables (the constant one
    /// included) are the instance.
    pub fn from_matrices(
        matrices: ConstraintMatrices,
        num_inputs: usize,
    ) -> Result<Self, EngineError> {
        if num_inputs == 0 || num_inputs > matrices.num_variables() {
            return Err(EngineError::WrongShape("the instance (input count)"));
        }
        let domain = GeneralEvaluationDomain::<Fr>::new(matrices.num_constraints() + num_inputs)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        #[cfg(not(target_arch = "x86_64"))]
        let _ = domain;
        Ok(PreparedCircuit {
            #[cfg(target_arch = "x86_64")]
            qap: crate::backend::ifma().and_then(|ifma| crate::qap::Qap::new(ifma, domain.size())),
            matrices,
            num_inputs,
        })
    }

    /// Writes the circuit's shape: `u64` input count, then the matrices
    /// ([`ConstraintMatrices::write`]).
    pub fn write(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        w.write_all(&(self.num_inputs as u64).to_le_bytes())?;
        self.matrices.write(w)
    }

    /// Reads what [`Self::write`] wrote, of which at most `available` bytes remain.
    pub fn read(r: &mut impl std::io::Read, available: u64) -> Result<Self, EngineError> {
        let num_inputs = crate::raw::read_u64(r)
            .map_err(|e| EngineError::Malformed(format!("stored circuit shape: {e}")))?;
        let matrices = ConstraintMatrices::read(r, available.saturating_sub(8))?;
        let num_inputs = usize::try_from(num_inputs)
            .map_err(|_| EngineError::WrongShape("the instance (input count)"))?;
        Self::from_matrices(matrices, num_inputs)
    }

    /// Number of constraints.
    pub fn num_constraints(&self) -> usize {
        self.matrices.num_constraints()
    }

    /// Number of instance variables (the constant one and the public inputs).
    pub fn num_inputs(&self) -> usize {
        self.num_inputs
    }

    /// Number of witness variables.
    pub fn num_witnesses(&self) -> usize {
        self.matrices.num_variables() - self.num_inputs
    }

    /// The A, B, C matrices; columns index the full assignment `[1, inputs.., witnesses..]`.
    pub fn matrices(&self) -> &ConstraintMatrices {
        &self.matrices
    }

    /// The full assignment `[1, inputs.., witnesses..]` of `circuit`, computed without recording
    /// any constraint.
    pub fn assignment<C: ConstraintSynthesizer<Fr>>(
        &self,
        circuit: C,
    ) -> Result<Vec<Fr>, EngineError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit.generate_constraints(cs.clone())?;
        if cs.num_instance_variables() != self.num_inputs
            || cs.num_witness_variables() != self.num_witnesses()
        {
            return Err(EngineError::WrongShape("the witness"));
        }
        let mut full = cs.instance_assignment()?;
        full.extend(cs.witness_assignment()?);
        Ok(full)
    }

    /// Checks that `pk` has this circuit's shape: one A, B₁, B₂ point per variable, one L point per
    /// witness, one H point per power of the domain below its size minus one.
    pub fn check_key(&self, pk: &ProvingKey<Bn254>) -> Result<(), EngineError> {
        let variables = self.matrices.num_variables();
        let domain = GeneralEvaluationDomain::<Fr>::new(self.num_constraints() + self.num_inputs)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        if [pk.a_query.len(), pk.b_g1_query.len(), pk.b_g2_query.len()] != [variables; 3]
            || pk.l_query.len() != self.num_witnesses()
            || pk.h_query.len() != domain.size() - 1
        {
            return Err(EngineError::WrongShape("the proving key"));
        }
        Ok(())
    }

    /// Proves `circuit` (whose shape must be this one's) with `pk`.
    pub fn prove<C: ConstraintSynthesizer<Fr>, R: RngCore + CryptoRng>(
        &self,
        pk: &ProvingKey<Bn254>,
        circuit: C,
        rng: &mut R,
    ) -> Result<Proof<Bn254>, EngineError> {
        self.prove_staged(pk, circuit, rng, &mut Stages::default())
    }

    /// [`Self::prove`], recording the time of each stage in `stages`.
    pub fn prove_staged<C: ConstraintSynthesizer<Fr>, R: RngCore + CryptoRng>(
        &self,
        pk: &ProvingKey<Bn254>,
        circuit: C,
        rng: &mut R,
        stages: &mut Stages,
    ) -> Result<Proof<Bn254>, EngineError> {
        self.check_key(pk)?;
        let full = timed(&mut stages.witness, || self.assignment(circuit))?;
        let h = timed(&mut stages.qap, || self.witness_map(&full))?;
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        let (scalars, h) = timed(&mut stages.convert, || {
            let big = |v: &[Fr]| -> Vec<BigInt> { v.par_iter().map(|x| x.into_bigint()).collect() };
            (big(&full), big(&h))
        });
        let witnesses = &scalars[self.num_inputs..];
        let one = &scalars[1..];
        let h_acc = timed(&mut stages.msm_h, || msm(&pk.h_query, &h));
        let l_acc = timed(&mut stages.msm_l, || msm(&pk.l_query, witnesses));
        // The A and B queries share their scalars, so their digits are computed once.
        let digits = timed(&mut stages.digits, || Digits::new::<Fr>(one));
        let a_acc = timed(&mut stages.msm_a, || msm_digits(&pk.a_query[1..], &digits));
        let b1_acc = timed(&mut stages.msm_b_g1, || {
            msm_digits(&pk.b_g1_query[1..], &digits)
        });
        let b2_acc = timed(&mut stages.msm_b_g2, || {
            msm_digits(&pk.b_g2_query[1..], &digits)
        });

        let delta_g1 = pk.delta_g1.into_group();
        let a = a_acc + pk.a_query[0] + pk.vk.alpha_g1 + delta_g1 * r;
        let b1 = b1_acc + pk.b_g1_query[0] + pk.beta_g1 + delta_g1 * s;
        let b2 = b2_acc + pk.b_g2_query[0] + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
        let c = a * s + b1 * r - delta_g1 * (r * s) + l_acc + h_acc;
        Ok(Proof {
            a: a.into_affine(),
            b: b2.into_affine(),
            c: c.into_affine(),
        })
    }
}

impl PreparedCircuit {
    /// The coefficients of the quotient `h` for the assignment `full`: with the lane FFTs where
    /// the CPU has AVX-512 IFMA (module `qap`), else with arkworks' FFTs, in the steps of
    /// libsnark's reduction (which the tests compare against). `full` has the circuit's shape
    /// ([`Self::assignment`] checks it).
    fn witness_map(&self, full: &[Fr]) -> Result<Vec<Fr>, EngineError> {
        #[cfg(target_arch = "x86_64")]
        if let Some(qap) = &self.qap {
            return Ok(qap.witness_map(&self.matrices, self.num_inputs, full));
        }
        let (m, ni) = (self.num_constraints(), self.num_inputs);
        let domain = GeneralEvaluationDomain::<Fr>::new(m + ni)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let coset = domain
            .get_coset(Fr::GENERATOR)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        // A row's evaluations on the domain, as evaluations on the coset.
        let on_coset = |k: usize| {
            let mut v = vec![Fr::ZERO; domain.size()];
            self.matrices.evaluate(k, full, &mut v[..m]);
            if k == 0 {
                // libsnark's input-consistency rows: input i is row m + i of A.
                v[m..m + ni].copy_from_slice(&full[..ni]);
            }
            domain.ifft_in_place(&mut v);
            coset.fft_in_place(&mut v);
            v
        };
        let (mut h, b) = rayon::join(|| on_coset(0), || on_coset(1));
        let c = on_coset(2);
        let z_inverse = domain
            .evaluate_vanishing_polynomial(Fr::GENERATOR)
            .inverse()
            .ok_or(SynthesisError::DivisionByZero)?;
        h.par_iter_mut()
            .zip(b)
            .zip(c)
            .for_each(|((a, b), c)| *a = (*a * b - c) * z_inverse);
        coset.ifft_in_place(&mut h);
        Ok(h)
    }
}

/// Runs `f`, storing its duration in `d`.
fn timed<T>(d: &mut Duration, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    *d = t.elapsed();
    v
}

/// Time spent in each stage of one proof.
#[derive(Debug, Clone, Default)]
pub struct Stages {
    /// Witness generation (synthesis in value-only mode).
    pub witness: Duration,
    /// R1CS-to-QAP witness map: evaluating A, B, C rows and the seven FFTs.
    pub qap: Duration,
    /// Conversion of scalars out of Montgomery form.
    pub convert: Duration,
    /// The signed digits of the assignment, shared by the A and B MSMs.
    pub digits: Duration,
    /// MSM of the H query (the quotient polynomial's coefficients).
    pub msm_h: Duration,
    /// MSM of the L query (witness variables).
    pub msm_l: Duration,
    /// MSM of the A query (G1).
    pub msm_a: Duration,
    /// MSM of the B query in G1.
    pub msm_b_g1: Duration,
    /// MSM of the B query in G2.
    pub msm_b_g2: Duration,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
    use ark_relations::gr1cs::Matrix;
    use rand::{rngs::StdRng, SeedableRng};

    /// A random satisfied R1CS of `constraints` rows `(2·x + 1) · y = value` over fresh variables
    /// and `inputs` instance variables, with its full assignment.
    pub(crate) fn satisfied_r1cs(
        rng: &mut StdRng,
        constraints: usize,
        inputs: usize,
    ) -> (Vec<Matrix<Fr>>, Vec<Fr>) {
        let vars = inputs + 2 * constraints;
        let mut z: Vec<Fr> = (0..vars).map(|_| Fr::rand(rng)).collect();
        z[0] = Fr::ONE;
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..constraints {
            let (x, y) = (inputs + 2 * i, inputs + 2 * i + 1);
            a.push(vec![(Fr::from(2u64), x), (Fr::ONE, 0)]);
            b.push(vec![(Fr::ONE, y)]);
            c.push(vec![((z[x].double() + Fr::ONE) * z[y], 0)]);
        }
        (vec![a, b, c], z)
    }

    /// arkworks' own witness map, the reference.
    pub(crate) fn libsnark_witness_map(
        matrices: &[Matrix<Fr>],
        inputs: usize,
        z: &[Fr],
    ) -> Vec<Fr> {
        LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            matrices,
            inputs,
            matrices[0].len(),
            z,
        )
        .unwrap()
    }

    /// The portable witness map gives arkworks' coefficients exactly.
    #[test]
    fn portable_witness_map_matches_arkworks() {
        let mut rng = StdRng::seed_from_u64(10);
        for (constraints, inputs) in [(10usize, 3usize), (100, 5), (3000, 2)] {
            let (matrices, z) = satisfied_r1cs(&mut rng, constraints, inputs);
            let want = libsnark_witness_map(&matrices, inputs, &z);
            let mut prepared = PreparedCircuit::from_matrices(
                ConstraintMatrices::new(matrices, z.len()).unwrap(),
                inputs,
            )
            .unwrap();
            #[cfg(target_arch = "x86_64")]
            {
                prepared.qap = None;
            }
            assert_eq!(
                prepared.witness_map(&z).unwrap(),
                want,
                "{constraints} constraints"
            );
        }
    }
}
