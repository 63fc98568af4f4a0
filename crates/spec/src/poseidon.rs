//! Poseidon over the BN254 scalar field, compatible with circomlib.
//!
//! Parameters: S-box x^5, 8 full rounds, and 57 and 68 partial rounds for widths 3 and 17
//! (circomlib's choices for 2 and 16 inputs), round constants and MDS matrices from the Grain LFSR of the Poseidon reference, exactly as circomlib's
//! `poseidon_constants` (arkworks' `find_poseidon_ark_and_mds` reproduces them; the known-answer
//! tests compare against circomlibjs).
//!
//! We expose one fixed-length hash, not a sponge: the state is `[tag, x_1, .., x_n]`, permuted once,
//! and the output is `state[0]`. This is circomlib's `PoseidonEx(n, 1)` with `initialState = tag`
//! (circomlibjs `poseidon(inputs, tag)`). The `tag` is the first element of the state, so the domain
//! and the input length are absorbed before any data: `tag = domain * 256 + n`. Two different
//! domains, or two different lengths, never share a hash, which is what the arkworks sponge lacks
//! (`H([7]) == H([7, 0])` there).

use crate::Fr;
use ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds;
use ark_ff::{Field, PrimeField};
use std::sync::OnceLock;

/// Number of full rounds (both widths).
pub const FULL_ROUNDS: usize = 8;

/// Round constants and MDS matrix of one Poseidon width.
#[derive(Debug, Clone)]
pub struct PoseidonParams {
    /// State width `t` (inputs + 1).
    pub width: usize,
    /// Number of partial rounds.
    pub partial_rounds: usize,
    /// Round constants, one row of `width` per round.
    pub ark: Vec<Vec<Fr>>,
    /// The `width x width` MDS matrix.
    pub mds: Vec<Vec<Fr>>,
}

impl PoseidonParams {
    fn generate(width: usize, partial_rounds: usize) -> Self {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            Fr::MODULUS_BIT_SIZE as u64,
            width - 1,
            FULL_ROUNDS as u64,
            partial_rounds as u64,
            0,
        );
        PoseidonParams {
            width,
            partial_rounds,
            ark,
            mds,
        }
    }

    /// Whether round `r` is a full round (the first and last `FULL_ROUNDS / 2`).
    pub fn is_full_round(&self, r: usize) -> bool {
        r < FULL_ROUNDS / 2 || r >= FULL_ROUNDS / 2 + self.partial_rounds
    }

    /// Total number of rounds.
    pub fn rounds(&self) -> usize {
        FULL_ROUNDS + self.partial_rounds
    }

    /// The linear layer: `out = mds · state` (both of length `width`). Products are summed three
    /// at a time with arkworks' lazily reduced sum of products (one reduction per three).
    pub fn mix(&self, state: &[Fr], out: &mut [Fr]) {
        for (o, row) in out.iter_mut().zip(&self.mds) {
            *o = row
                .chunks(3)
                .zip(state.chunks(3))
                .map(|pair| match pair {
                    ([a, b, c], [x, y, z]) => Fr::sum_of_products(&[*a, *b, *c], &[*x, *y, *z]),
                    (m, s) => m.iter().zip(s).map(|(m, s)| *m * s).sum(),
                })
                .sum();
        }
    }
}

/// Parameters for width 3 (two inputs).
pub fn params3() -> &'static PoseidonParams {
    static P: OnceLock<PoseidonParams> = OnceLock::new();
    P.get_or_init(|| PoseidonParams::generate(3, 57))
}

/// Parameters for width 17 (sixteen inputs: the Merkle tree's nodes).
pub fn params17() -> &'static PoseidonParams {
    static P: OnceLock<PoseidonParams> = OnceLock::new();
    P.get_or_init(|| PoseidonParams::generate(17, 68))
}

/// The parameters for `n` inputs, for the widths zkgov instantiates (2 and 16 inputs).
pub fn params_for(n: usize) -> Option<&'static PoseidonParams> {
    match n {
        2 => Some(params3()),
        16 => Some(params17()),
        _ => None,
    }
}

/// Hash domains. Each use of Poseidon in zkgov has its own, so that a value hashed for one purpose
/// can never be presented as another (a Merkle node as a leaf, a ledger record as an eval sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Domain {
    /// An inner node of the 16-ary Merkle tree: sixteen children.
    MerkleNode = 2,
    /// The hiding commitment to a compute ledger: (tree root, salt).
    LedgerCommitment = 4,
    /// The hiding commitment to eval results: (scores tree root, salt).
    EvalCommitment = 5,
    /// The benchmark digest: (sample-id tree root, sample count + capacity · 2^32).
    BenchmarkDigest = 6,
    /// The hiding commitment to one shard of a sharded compute ledger: (shard index, shard root,
    /// shard total, salt), padded with zeros to sixteen inputs.
    ShardCommitment = 7,
}

/// The tag that starts the state: `domain * 256 + number of inputs`.
pub fn tag(domain: Domain, n_inputs: usize) -> Fr {
    Fr::from(domain as u64 * 256 + n_inputs as u64)
}

/// The Poseidon permutation, in place.
pub fn permute(params: &PoseidonParams, state: &mut [Fr]) {
    let mut next = vec![Fr::from(0u64); params.width];
    for r in 0..params.rounds() {
        for (s, c) in state.iter_mut().zip(&params.ark[r]) {
            *s += c;
        }
        if params.is_full_round(r) {
            state.iter_mut().for_each(sbox);
        } else {
            sbox(&mut state[0]);
        }
        params.mix(state, &mut next);
        state.copy_from_slice(&next);
    }
}

fn sbox(x: &mut Fr) {
    let x2 = x.square();
    *x *= x2.square();
}

/// `state[0]` of the permuted `[cap, inputs...]`: circomlibjs `poseidon(inputs, cap)`. Returns
/// `None` unless there are 2 or 16 inputs, the widths zkgov instantiates. Use [`hash2`] or
/// [`hash16`] with a [`Domain`]; this is public for known-answer tests.
pub fn hash_with_cap(cap: Fr, inputs: &[Fr]) -> Option<Fr> {
    let params = params_for(inputs.len())?;
    let mut state = Vec::with_capacity(params.width);
    state.push(cap);
    state.extend_from_slice(inputs);
    permute(params, &mut state);
    Some(state[0])
}

fn hash_tagged<const N: usize>(params: &PoseidonParams, domain: Domain, x: [Fr; N]) -> Fr {
    let mut state = Vec::with_capacity(N + 1);
    state.push(tag(domain, N));
    state.extend_from_slice(&x);
    permute(params, &mut state);
    state[0]
}

/// Hash of two field elements in `domain`.
pub fn hash2(domain: Domain, a: Fr, b: Fr) -> Fr {
    hash_tagged(params3(), domain, [a, b])
}

/// Hash of sixteen field elements in `domain` (a Merkle node).
pub fn hash16(domain: Domain, x: [Fr; 16]) -> Fr {
    hash_tagged(params17(), domain, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn circomlib_reference_value() {
        // circomlibjs: poseidon([1, 2]) (initial state 0), a widely published value.
        let h = hash_with_cap(Fr::from(0u64), &[Fr::from(1u64), Fr::from(2u64)]).unwrap();
        let expected = Fr::from_str(
            "7853200120776062878684798364095072458815029376092732009249414926327459813530",
        )
        .unwrap();
        assert_eq!(h, expected);
    }

    #[test]
    fn domains_and_lengths_separate() {
        let a = Fr::from(7u64);
        let z = Fr::from(0u64);
        assert_ne!(
            hash2(Domain::LedgerCommitment, a, z),
            hash2(Domain::EvalCommitment, a, z)
        );
        assert_ne!(tag(Domain::MerkleNode, 2), tag(Domain::MerkleNode, 16));
        // [7, 0] as a 2-input hash and [7, 0, .., 0] as a 16-input hash differ.
        let mut wide = [z; 16];
        wide[0] = a;
        assert_ne!(
            hash2(Domain::MerkleNode, a, z),
            hash16(Domain::MerkleNode, wide)
        );
        assert!(hash_with_cap(z, &[a; 3]).is_none());
    }
}
