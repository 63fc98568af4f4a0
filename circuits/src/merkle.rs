//! Merkle root gadget: the in-circuit twin of `zkgov_verifier::merkle`. The circuit holds every
//! leaf, so it recomputes the whole 4-ary tree (`(n - 1) / 3` node hashes, 297 constraints each,
//! i.e. 99 per leaf) rather than checking paths. Padding leaves are constants, and a node whose
//! children are all constants is computed natively at no cost.

use crate::poseidon::hash4;
use ark_bn254::Fr;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::gr1cs::SynthesisError;
use zkgov_verifier::poseidon::Domain;

/// The root of the 4-ary tree of `depth` over `leaves` padded with the constant `fill` to
/// `4^depth`, as `zkgov_verifier::merkle::root` computes it. More leaves than `4^depth` is an error.
pub fn root(
    mut level: Vec<FpVar<Fr>>,
    fill: Fr,
    depth: usize,
) -> Result<FpVar<Fr>, SynthesisError> {
    let width = 1usize << (2 * depth);
    if level.len() > width {
        return Err(SynthesisError::Unsatisfiable);
    }
    level.resize(width, FpVar::constant(fill));
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
        let r = root(vars, Fr::from(0u64), 2).unwrap();
        assert_eq!(
            r.value().unwrap(),
            zkgov_verifier::merkle::root(leaves.clone(), Fr::from(0u64), 2)
        );
        assert_eq!(cs.num_constraints(), 5 * 297);
        // 8 leaves padded to 16: the two all-padding nodes cost nothing.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = leaves[..8]
            .iter()
            .map(|l| FpVar::new_witness(cs.clone(), || Ok(*l)).unwrap())
            .collect();
        let r = root(vars, Fr::from(5u64), 2).unwrap();
        assert_eq!(
            r.value().unwrap(),
            zkgov_verifier::merkle::root(leaves[..8].to_vec(), Fr::from(5u64), 2)
        );
        // Two witness nodes, and a root with two constant children (their first S-boxes are free).
        assert_eq!(cs.num_constraints(), 3 * 297 - 6);
    }
}
