//! Merkle root gadget: the in-circuit twin of `zkgov_spec::merkle`. The circuit holds every
//! leaf, so it recomputes the whole 16-ary tree (`(n - 1) / 15` node hashes, 609 constraints each,
//! i.e. about 41 per leaf) rather than checking paths. Padding leaves are constants, and a node
//! whose children are all constants costs no constraint: it is hashed natively, once per distinct
//! set of children (all padding nodes of a level are alike; capacity 8192 pads to 65,536 leaves).

use crate::poseidon::hash16;
use ark_bn254::Fr;
use ark_ff::AdditiveGroup;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::gr1cs::SynthesisError;
use zkgov_spec::{
    merkle::{width, ARITY},
    poseidon::{self as native, Domain},
};

/// The root of the 16-ary tree of `depth` over `leaves` padded with the constant `fill` to
/// `16^depth`, as `zkgov_spec::merkle::root` computes it. More leaves than `16^depth` is an
/// error.
pub fn root(
    mut level: Vec<FpVar<Fr>>,
    fill: Fr,
    depth: usize,
) -> Result<FpVar<Fr>, SynthesisError> {
    let width = width(depth);
    if level.len() > width {
        return Err(SynthesisError::Unsatisfiable);
    }
    level.resize(width, FpVar::constant(fill));
    while level.len() > 1 {
        // Padding makes whole subtrees constant, and all of one level alike: such a node is
        // hashed natively, once per distinct set of children.
        let mut known: Option<([Fr; ARITY], Fr)> = None;
        level = level
            .chunks_exact(ARITY)
            .map(|c| {
                let children: [FpVar<Fr>; ARITY] = std::array::from_fn(|i| c[i].clone());
                let Some(values) = constants(&children) else {
                    return hash16(Domain::MerkleNode, &children);
                };
                let node = match known {
                    Some((k, node)) if k == values => node,
                    _ => native::hash16(Domain::MerkleNode, values),
                };
                known = Some((values, node));
                Ok(FpVar::constant(node))
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(level.remove(0))
}

/// The values of `children` if every one is a constant.
fn constants(children: &[FpVar<Fr>; ARITY]) -> Option<[Fr; ARITY]> {
    let mut values = [Fr::ZERO; ARITY];
    for (v, c) in values.iter_mut().zip(children) {
        match c {
            FpVar::Constant(x) => *v = *x,
            FpVar::Var(_) => return None,
        }
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::{alloc::AllocVar, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;

    #[test]
    fn matches_native_root() {
        let leaves: Vec<Fr> = (0..256u64).map(|i| Fr::from(i * i + 3)).collect();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = leaves
            .iter()
            .map(|l| FpVar::new_witness(cs.clone(), || Ok(*l)).unwrap())
            .collect();
        let r = root(vars, Fr::from(0u64), 2).unwrap();
        assert_eq!(
            r.value().unwrap(),
            zkgov_spec::merkle::root(leaves.clone(), Fr::from(0u64), 2)
        );
        assert_eq!(cs.num_constraints(), 17 * 609);
        // 24 leaves padded to 256: the fourteen all-padding nodes cost nothing.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = leaves[..24]
            .iter()
            .map(|l| FpVar::new_witness(cs.clone(), || Ok(*l)).unwrap())
            .collect();
        let r = root(vars, Fr::from(5u64), 2).unwrap();
        assert_eq!(
            r.value().unwrap(),
            zkgov_spec::merkle::root(leaves[..24].to_vec(), Fr::from(5u64), 2)
        );
        // A full node, a node with 8 constant children and a root with 14: every constant child
        // makes its first S-box (3 constraints) free.
        assert_eq!(cs.num_constraints(), 609 + (609 - 8 * 3) + (609 - 14 * 3));
    }
}
