//! Merkle root gadget: the in-circuit twin of `zkgov_verifier::merkle`. The circuit holds every
//! leaf, so it recomputes the whole 4-ary tree (`(n - 1) / 3` node hashes, 297 constraints each,
//! i.e. 99 per leaf) rather than checking paths.

use crate::poseidon::hash4;
use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::SynthesisError;
use zkgov_verifier::poseidon::Domain;

/// The root of the 4-ary tree over `leaves`, whose number must be a power of 4.
pub fn root(mut level: Vec<FpVar<Fr>>) -> Result<FpVar<Fr>, SynthesisError> {
    if level.is_empty()
        || !level.len().is_power_of_two()
        || !level.len().trailing_zeros().is_multiple_of(2)
    {
        return Err(SynthesisError::Unsatisfiable);
    }
    while level.len() > 1 {
        level = level
            .chunks(4)
            .map(|c| {
                hash4(
                    Domain::MerkleNode,
                    &[c[0].clone(), c[1].clone(), c[2].clone(), c[3].clone()],
                )
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(level.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::{alloc::AllocVar, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;

    #[test]
    fn matches_native_root() {
        let leaves: Vec<Fr> = (0..16u64).map(|i| Fr::from(i * i + 3)).collect();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = leaves
            .iter()
            .map(|l| FpVar::new_witness(cs.clone(), || Ok(*l)).unwrap())
            .collect();
        let r = root(vars).unwrap();
        assert_eq!(r.value().unwrap(), zkgov_verifier::merkle::root(leaves));
        assert_eq!(cs.num_constraints(), 5 * 297);
        assert!(root(vec![r.clone(), r]).is_err());
    }
}
