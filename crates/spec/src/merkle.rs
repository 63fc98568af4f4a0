//! The 16-ary Merkle tree that commits to a list of records, and the hiding commitment to its root.
//!
//! Inner nodes are `hash16(MerkleNode, [c0, .., c15])` (one width-17 Poseidon: about 38
//! constraints per child in a circuit). Leaves are the claim's own values, unhashed: a packed
//! ledger record, a fixed-point score, a sample-id digest. A tree has a fixed depth for its capacity
//! class (`depth = ceil(log16(capacity))`), and every circuit that reads a tree fixes that depth, so
//! an inner node can never be presented as a leaf; unused slots, and the slots between the capacity
//! and `16^depth`, hold the claim's defined empty leaf.
//!
//! A tree of private values is never published: claims publish [`commit`]`(domain, root, salt)`,
//! one width-3 Poseidon with a secret random salt, which hides the root (and so every leaf) and
//! binds it. Spot-check openings are zero-knowledge proofs against that commitment
//! (`zkgov_verifier::audit::Opening`), so they show neither siblings nor the root. This is why no
//! leaf needs a salted hash of its own: a leaf hash would cost 240 constraints per record, against
//! about 41 for its share of the tree.

use crate::{
    error::SpecError,
    poseidon::{hash16, hash2, Domain},
    Fr,
};

/// The capacity classes (number of record slots) zkgov supports: powers of 2 from 16 to 65,536
/// (`2^ledger::MAX_LOG_CAPACITY`, which the circuits' no-wrap bounds assume).
pub const CAPACITIES: [u64; 13] = [
    16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
];
const _: () = assert!(CAPACITIES[CAPACITIES.len() - 1] == 1 << crate::ledger::MAX_LOG_CAPACITY);

/// The sizes a committed ledger's tree can have: the capacity classes, and the larger trees of
/// sharded ledgers (`crate::shard`: 65,536-record shards under 16 or 256 slots). Only the
/// spot-check opening circuit, which checks one path, is made at these sizes.
pub const LEDGER_CAPACITIES: [u64; 15] = [
    16,
    32,
    64,
    128,
    256,
    512,
    1024,
    2048,
    4096,
    8192,
    16384,
    32768,
    65536,
    1 << 20,
    1 << 24,
];

/// Children of an inner node.
pub const ARITY: usize = 16;

/// Depth of the tree for `capacity` slots (`ceil(log16(capacity))`), or an error naming the
/// supported capacities.
pub fn depth_for(capacity: u64) -> Result<usize, SpecError> {
    if !CAPACITIES.contains(&capacity) {
        return Err(SpecError::bad_value(
            "capacity",
            format!("{capacity} is not a capacity class (expected one of {CAPACITIES:?})"),
        ));
    }
    Ok(capacity.trailing_zeros().div_ceil(ARITY.trailing_zeros()) as usize)
}

/// Depth of a committed ledger's tree of `capacity` slots (one of [`LEDGER_CAPACITIES`]).
pub fn ledger_depth_for(capacity: u64) -> Result<usize, SpecError> {
    if !LEDGER_CAPACITIES.contains(&capacity) {
        return Err(SpecError::bad_value(
            "capacity",
            format!("{capacity} is not a ledger capacity (expected one of {LEDGER_CAPACITIES:?})"),
        ));
    }
    Ok(capacity.trailing_zeros().div_ceil(ARITY.trailing_zeros()) as usize)
}

/// The hiding commitment to a tree: `hash2(domain, root, salt)`, with a salt of at least 128
/// random bits.
pub fn commit(domain: Domain, root: Fr, salt: Fr) -> Fr {
    hash2(domain, root, salt)
}

/// Hash of one inner node.
pub fn node_hash(children: [Fr; ARITY]) -> Fr {
    hash16(Domain::MerkleNode, children)
}

/// Number of leaf slots of a tree of `depth`: `16^depth`.
pub fn width(depth: usize) -> usize {
    1 << (ARITY.trailing_zeros() as usize * depth)
}

/// All levels of a tree of `depth` built over `leaves`, padded with `fill` to `16^depth` (leaves
/// beyond that are dropped: callers check counts against the capacity first): level 0 is the
/// padded leaves, the last level holds the root alone.
pub fn levels(leaves: Vec<Fr>, fill: Fr, depth: usize) -> Vec<Vec<Fr>> {
    levels_with(leaves, fill, depth, |below, nodes| {
        for (node, children) in nodes.iter_mut().zip(below.chunks_exact(ARITY)) {
            *node = node_hash(children.try_into().expect("ARITY children"));
        }
    })
}

/// [`levels`], hashing each level's nodes with `hash_level(below, nodes)`, which must set
/// `nodes[i]` to the [`node_hash`] of `below[16i..16i + 16]` (a prover passes one that uses all
/// cores). Only nodes above a real leaf are hashed: a node over padding alone is the same at every
/// position of its level (the empty subtree of that height), so it is hashed once.
pub fn levels_with(
    mut leaves: Vec<Fr>,
    fill: Fr,
    depth: usize,
    hash_level: impl Fn(&[Fr], &mut [Fr]),
) -> Vec<Vec<Fr>> {
    let mut used = leaves.len().min(width(depth));
    leaves.resize(width(depth), fill);
    let mut empty = fill;
    let mut levels = vec![leaves];
    while levels[levels.len() - 1].len() > 1 {
        let below = &levels[levels.len() - 1];
        empty = node_hash([empty; ARITY]);
        used = used.div_ceil(ARITY);
        let mut nodes = vec![empty; below.len() / ARITY];
        hash_level(&below[..used * ARITY], &mut nodes[..used]);
        levels.push(nodes);
    }
    levels
}

/// The root of a tree of `depth` over `leaves` padded with `fill` (see [`levels`]).
pub fn root(leaves: Vec<Fr>, fill: Fr, depth: usize) -> Fr {
    let levels = levels(leaves, fill, depth);
    levels[levels.len() - 1][0]
}

/// The authentication path of one leaf: at each level, from the bottom, the fifteen siblings in
/// order (the leaf's own position is given by the base-16 digits of its index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerklePath {
    /// Index of the leaf.
    pub index: u64,
    /// Siblings per level, bottom first.
    pub siblings: Vec<[Fr; ARITY - 1]>,
}

impl MerklePath {
    /// The path of leaf `index` in a tree given by its [`levels`].
    pub fn from_levels(levels: &[Vec<Fr>], index: u64) -> Option<Self> {
        let mut i = usize::try_from(index).ok()?;
        if i >= levels.first()?.len() {
            return None;
        }
        let mut siblings = Vec::new();
        for level in &levels[..levels.len() - 1] {
            let base = i - i % ARITY;
            let mut s = [Fr::from(0u64); ARITY - 1];
            let others = (base..base + ARITY).filter(|j| *j != i);
            for (slot, j) in s.iter_mut().zip(others) {
                *slot = *level.get(j)?;
            }
            siblings.push(s);
            i /= ARITY;
        }
        Some(MerklePath { index, siblings })
    }

    /// The sixteen children of each node on the path from `leaf`, bottom level first, and the
    /// root they lead to: at each level the node below (the leaf, then each node's hash) sits at
    /// its base-16 digit of the index, between the siblings.
    pub fn children(&self, leaf: Fr) -> (Vec<[Fr; ARITY]>, Fr) {
        let mut cur = leaf;
        let mut i = self.index;
        let mut levels = Vec::with_capacity(self.siblings.len());
        for s in &self.siblings {
            let pos = (i % ARITY as u64) as usize;
            let mut children = [Fr::from(0u64); ARITY];
            children[..pos].copy_from_slice(&s[..pos]);
            children[pos] = cur;
            children[pos + 1..].copy_from_slice(&s[pos..]);
            cur = node_hash(children);
            levels.push(children);
            i /= ARITY as u64;
        }
        (levels, cur)
    }

    /// The root this path leads to from `leaf`.
    pub fn root_from(&self, leaf: Fr) -> Fr {
        self.children(leaf).1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<Fr> {
        (0..n).map(|i| Fr::from(i * 7 + 1)).collect()
    }

    #[test]
    fn every_path_leads_to_the_root_and_wrong_leaf_does_not() {
        let lv = levels(leaves(64), Fr::from(0u64), 2);
        let r = lv[lv.len() - 1][0];
        for i in 0..64 {
            let p = MerklePath::from_levels(&lv, i).unwrap();
            assert_eq!(p.root_from(lv[0][i as usize]), r);
            assert_ne!(p.root_from(lv[0][i as usize] + Fr::from(1u64)), r);
            // Every sibling matters.
            for level in 0..p.siblings.len() {
                for k in 0..ARITY - 1 {
                    let mut q = p.clone();
                    q.siblings[level][k] += Fr::from(1u64);
                    assert_ne!(q.root_from(lv[0][i as usize]), r);
                }
            }
        }
        assert!(MerklePath::from_levels(&lv, 256).is_none());
    }

    /// Skipping the padding gives the tree every node of which is hashed.
    #[test]
    fn empty_subtrees_are_the_fully_hashed_ones() {
        let fill = Fr::from(99u64);
        for (n, depth) in [
            (0usize, 1usize),
            (1, 2),
            (17, 2),
            (256, 2),
            (300, 3),
            (4096, 3),
        ] {
            let mut all = vec![leaves(n as u64)];
            all[0].resize(width(depth), fill);
            while all[all.len() - 1].len() > 1 {
                let next = all[all.len() - 1]
                    .chunks_exact(ARITY)
                    .map(|c| node_hash(c.try_into().unwrap()))
                    .collect();
                all.push(next);
            }
            assert_eq!(levels(leaves(n as u64), fill, depth), all, "{n} leaves");
        }
    }

    #[test]
    fn commitment_hides_and_binds_the_root() {
        let r = root(leaves(20), Fr::from(0u64), 2);
        let c = commit(Domain::LedgerCommitment, r, Fr::from(11u64));
        assert_ne!(c, commit(Domain::LedgerCommitment, r, Fr::from(12u64)));
        assert_ne!(c, commit(Domain::EvalCommitment, r, Fr::from(11u64)));
        assert_ne!(
            c,
            commit(
                Domain::LedgerCommitment,
                r + Fr::from(1u64),
                Fr::from(11u64)
            )
        );
    }

    #[test]
    fn depth_per_capacity() {
        for (capacity, depth) in [(16, 1), (32, 2), (256, 2), (512, 3), (4096, 3), (8192, 4)] {
            assert_eq!(depth_for(capacity).unwrap(), depth, "capacity {capacity}");
        }
        assert_eq!(depth_for(16384).unwrap(), 4);
        assert_eq!(depth_for(65536).unwrap(), 4);
        assert!(depth_for(131072).is_err());
        assert_eq!(width(3), 4096);
        assert!(depth_for(48).is_err());
        assert!(depth_for(8).is_err());
    }

    #[test]
    fn partial_top_level_paths() {
        // 32 slots: depth 2 over 256 leaves, slots 32..256 filled.
        let fill = Fr::from(99u64);
        let lv = levels(leaves(32), fill, 2);
        assert_eq!(lv[0].len(), 256);
        let r = lv[lv.len() - 1][0];
        let p = MerklePath::from_levels(&lv, 31).unwrap();
        assert_eq!(p.siblings.len(), 2);
        assert_eq!(p.root_from(lv[0][31]), r);
        assert_eq!(r, root(leaves(32), fill, 2));
    }
}
