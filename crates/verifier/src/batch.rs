//! Batch verification: many Groth16 proofs with one final exponentiation.
//!
//! Each proof `i` under key `k` must satisfy `e(A_i, B_i) = e(α_k, β_k) · e(L_i, γ_k) · e(C_i, δ_k)`
//! with `L_i = IC_0 + Σ_j x_ij IC_j`. With coefficients `r_i`, the batch checks
//!
//! `Π_i e(r_i A_i, B_i) · Π_k [ e(−(Σ r_i) α_k, β_k) · e(Σ r_i L_i, −γ_k) · e(Σ r_i C_i, −δ_k) ] = 1`,
//!
//! the sums running over the proofs of key `k`: one Miller loop per proof plus three per key, and a
//! single final exponentiation, instead of three loops and one exponentiation per proof.
//! `Σ r_i L_i` is one multi-scalar multiplication over the key's `IC` points with scalars
//! `Σ_i r_i x_ij`.
//!
//! If any proof is false the product differs from 1 except with probability about 2^-128 over the
//! coefficients. They are derived Fiat-Shamir style, from SHA-256 over every key ID, proof and
//! public input of the batch, so that no prover can choose proofs after seeing them; the result is
//! deterministic and needs no random-number generator. A failed batch falls back to checking each
//! proof alone, to name the false ones.

use crate::{
    error::VerifyError,
    groth16::{encode_proof, verify_groth16},
    keys::TrustedKey,
    Bn254, Fr,
};
use ark_bn254::{G1Affine, G1Projective};
use ark_ec::{
    pairing::{Pairing, PairingOutput},
    AffineRepr, CurveGroup, VariableBaseMSM,
};
use ark_ff::{PrimeField, Zero};
use ark_groth16::Proof;
use ark_serialize::CanonicalSerialize;
use sha2::{Digest, Sha256};

/// One proof to check: its key, the proof, and its public inputs.
#[derive(Debug, Clone, Copy)]
pub struct BatchItem<'a> {
    /// The verifying key (already trusted and validated).
    pub key: &'a TrustedKey,
    /// The proof (points already validated).
    pub proof: &'a Proof<Bn254>,
    /// The public inputs.
    pub inputs: &'a [Fr],
}

/// The 128-bit coefficients, one per item, derived from the whole batch.
fn coefficients(items: &[BatchItem]) -> Vec<Fr> {
    let mut h = Sha256::new();
    h.update(b"zkgov/batch/v1");
    h.update((items.len() as u64).to_be_bytes());
    for it in items {
        h.update(it.key.id.as_bytes());
        h.update(encode_proof(it.proof).as_bytes());
        h.update((it.inputs.len() as u64).to_be_bytes());
        for x in it.inputs {
            let mut b = Vec::with_capacity(32);
            let _ = x.serialize_compressed(&mut b);
            h.update(&b);
        }
    }
    let seed = h.finalize();
    (0..items.len() as u64)
        .map(|i| {
            let d = Sha256::new()
                .chain_update(seed)
                .chain_update(i.to_be_bytes())
                .finalize();
            let r = Fr::from_be_bytes_mod_order(&d[..16]);
            if r.is_zero() {
                Fr::from(1u64)
            } else {
                r
            }
        })
        .collect()
}

/// Checks every item in one batched pairing equation. `Ok` only if the combined equation holds;
/// input counts are checked first (as in single verification).
pub fn batch_check(items: &[BatchItem]) -> Result<(), VerifyError> {
    for it in items {
        let expected = it.key.pvk.vk.gamma_abc_g1.len() - 1;
        if it.inputs.len() != expected {
            return Err(VerifyError::InputCount {
                given: it.inputs.len(),
                expected,
            });
        }
    }
    if items.is_empty() {
        return Ok(());
    }
    let r = coefficients(items);
    let mut g1: Vec<<Bn254 as Pairing>::G1Prepared> = Vec::with_capacity(items.len() + 3);
    let mut g2: Vec<<Bn254 as Pairing>::G2Prepared> = Vec::with_capacity(items.len() + 3);
    // Per proof: e(r_i A_i, B_i).
    let scaled: Vec<G1Projective> = items
        .iter()
        .zip(&r)
        .map(|(it, ri)| it.proof.a * ri)
        .collect();
    for (a, it) in G1Projective::normalize_batch(&scaled)
        .into_iter()
        .zip(items)
    {
        g1.push(a.into());
        g2.push(it.proof.b.into());
    }
    // Per key: group the items (keys are few; a linear scan keeps the order deterministic).
    let mut groups: Vec<(&TrustedKey, Vec<usize>)> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        match groups.iter_mut().find(|(k, _)| k.id == it.key.id) {
            Some((_, v)) => v.push(i),
            None => groups.push((it.key, vec![i])),
        }
    }
    for (key, members) in groups {
        let vk = &key.pvk.vk;
        let mut sum_r = Fr::zero();
        let mut scalars = vec![Fr::zero(); vk.gamma_abc_g1.len()];
        let mut cs: Vec<G1Affine> = Vec::with_capacity(members.len());
        let mut rs: Vec<Fr> = Vec::with_capacity(members.len());
        for &i in &members {
            let ri = r[i];
            sum_r += ri;
            scalars[0] += ri;
            for (s, x) in scalars[1..].iter_mut().zip(items[i].inputs) {
                *s += ri * x;
            }
            cs.push(items[i].proof.c);
            rs.push(ri);
        }
        let sum_l =
            G1Projective::msm(&vk.gamma_abc_g1, &scalars).map_err(|_| VerifyError::InvalidProof)?;
        let sum_c = G1Projective::msm(&cs, &rs).map_err(|_| VerifyError::InvalidProof)?;
        let neg_alpha = -(vk.alpha_g1.into_group() * sum_r);
        g1.push(neg_alpha.into_affine().into());
        g2.push(vk.beta_g2.into());
        g1.push(sum_l.into_affine().into());
        g2.push(key.pvk.gamma_g2_neg_pc.clone());
        g1.push(sum_c.into_affine().into());
        g2.push(key.pvk.delta_g2_neg_pc.clone());
    }
    let ml = Bn254::multi_miller_loop(g1, g2);
    match Bn254::final_exponentiation(ml) {
        Some(out) if out == PairingOutput::<Bn254>::zero() => Ok(()),
        _ => Err(VerifyError::InvalidProof),
    }
}

/// Verifies every item: one batched check, and if it fails, each item alone. Returns one result
/// per item, in order, so a false proof is named by its position.
pub fn batch_verify(items: &[BatchItem]) -> Vec<Result<(), VerifyError>> {
    if batch_check(items).is_ok() {
        return items.iter().map(|_| Ok(())).collect();
    }
    items
        .iter()
        .map(|it| verify_groth16(it.key, it.proof, it.inputs))
        .collect()
}
