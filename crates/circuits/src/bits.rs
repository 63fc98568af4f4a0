//! Range checks by bit decomposition.
//!
//! `enforce_bits(x, n)` allocates `n` boolean witnesses and enforces `Σ b_i 2^i == x`. With
//! `n < 253` the decomposition is unique and proves `0 ≤ x < 2^n` as an integer, which is what
//! every no-wrap argument in zkgov rests on. (arkworks' `to_non_unique_bits_le` would not: it
//! admits `x + p` as well.) Cost: `n + 1` constraints.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
use ark_r1cs_std::{
    alloc::AllocVar,
    boolean::Boolean,
    eq::EqGadget,
    fields::fp::{AllocatedFp, FpVar},
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

/// The largest width [`enforce_bits`] accepts: below the field size, so decompositions are unique.
pub const MAX_BITS: usize = 252;

/// `Σ bits[i] * 2^i` as one linear combination (no constraints; a running sum would make a chain
/// of partial sums, which synthesis inlines in quadratic time).
pub fn pack(bits: &[Boolean<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut constant = Fr::ZERO;
    let mut value = Some(Fr::ZERO);
    let mut terms = Vec::with_capacity(bits.len());
    let mut cs = ConstraintSystemRef::None;
    let mut coeff = Fr::ONE;
    for b in bits {
        match b {
            Boolean::Constant(true) => constant += coeff,
            Boolean::Constant(false) => {}
            Boolean::Var(v) => {
                cs = cs.or(b.cs());
                terms.push((coeff, v.variable()));
                value = value
                    .zip(v.value().ok())
                    .map(|(acc, bit)| if bit { acc + coeff } else { acc });
            }
        }
        coeff.double_in_place();
    }
    if terms.is_empty() {
        return Ok(FpVar::Constant(constant));
    }
    let variable = cs.new_lc(|| {
        if constant != Fr::ZERO {
            terms.push((constant, Variable::One));
        }
        LinearCombination(terms)
    })?;
    Ok(FpVar::Var(AllocatedFp::new(
        value.map(|v| v + constant),
        variable,
        cs,
    )))
}

/// Enforces `0 ≤ x < 2^n` and returns the little-endian bits of `x`.
///
/// Precondition: `n ≤ MAX_BITS` (an error otherwise). If `x ≥ 2^n` the witness bits are `x`'s low
/// bits and the packing constraint fails.
pub fn enforce_bits(x: &FpVar<Fr>, n: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    if n > MAX_BITS {
        return Err(SynthesisError::Unsatisfiable);
    }
    if let FpVar::Constant(c) = x {
        let bits = c.into_bigint().to_bits_le();
        if bits[n..].iter().any(|b| *b) {
            return Err(SynthesisError::Unsatisfiable);
        }
        return Ok(bits[..n].iter().map(|b| Boolean::constant(*b)).collect());
    }
    let cs = x.cs();
    let value = x.value().ok();
    let bits = (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                value
                    .map(|v| v.into_bigint().get_bit(i))
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    pack(&bits)?.enforce_equal(x)?;
    Ok(bits)
}

/// Selects `values[index]` where `index` is given by little-endian bits (`values.len() ==
/// 2^bits.len()`): a tree of 2-to-1 multiplexers, one constraint each (`len - 1` in all).
pub fn select(bits: &[Boolean<Fr>], values: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    if values.len() != 1 << bits.len() {
        return Err(SynthesisError::Unsatisfiable);
    }
    let mut layer = values.to_vec();
    for b in bits {
        let b = FpVar::from(b.clone());
        layer = layer
            .chunks(2)
            .map(|pair| &b * (&pair[1] - &pair[0]) + &pair[0])
            .collect();
    }
    Ok(layer.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::gr1cs::ConstraintSystem;

    fn check(value: Fr, n: usize) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(value)).unwrap();
        enforce_bits(&x, n).unwrap();
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn boundaries() {
        for n in [1usize, 3, 24, 32, 60, 128] {
            let two_n = Fr::from(2u64).pow([n as u64]);
            assert!(check(two_n - Fr::ONE, n), "2^{n}-1 must pass");
            assert!(!check(two_n, n), "2^{n} must fail");
            assert!(check(Fr::ZERO, n));
            assert!(!check(-Fr::ONE, n), "p-1 must fail for {n} bits");
            assert!(!check(-Fr::from(1_000_000u64), n), "p-10^6 must fail");
            let half = Fr::from(Fr::MODULUS_MINUS_ONE_DIV_TWO) + Fr::ONE;
            assert!(!check(half, n), "(p+1)/2 must fail");
        }
    }

    #[test]
    fn cost_is_n_plus_one() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(5u64))).unwrap();
        enforce_bits(&x, 24).unwrap();
        assert_eq!(cs.num_constraints(), 25);
        assert!(enforce_bits(&x, MAX_BITS + 1).is_err());
    }

    #[test]
    fn select_picks_each_value() {
        for idx in 0..8u64 {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let values: Vec<_> = (0..8u64)
                .map(|v| FpVar::new_input(cs.clone(), || Ok(Fr::from(100 + v))).unwrap())
                .collect();
            let i = FpVar::new_witness(cs.clone(), || Ok(Fr::from(idx))).unwrap();
            let bits = enforce_bits(&i, 3).unwrap();
            let out = select(&bits, &values).unwrap();
            assert_eq!(out.value().unwrap(), Fr::from(100 + idx));
            assert!(cs.is_satisfied().unwrap());
        }
    }
}
